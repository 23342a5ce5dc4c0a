//! The data folder holds every citizen's record: congso makes it for its own user alone (0700), closes one that
//! others could enter, and every file it writes there is 0600, the database's `-wal` and `-shm` included. The
//! processes start with the permissive umask 022, so that what is checked is congso's doing, not the test
//! runner's umask.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use identity::AccountKind;
use identity::service::{self, NewAccount};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

use super::Serve;
use crate::helpers::{PASSWORD, form_token};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every folder and file under `dir`, itself included, with its mode.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = vec![(dir.to_path_buf(), mode(dir))];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(modes(&path));
        } else {
            found.push((path.clone(), mode(&path)));
        }
    }
    found
}

fn assert_private(dir: &Path) {
    for (path, mode) in modes(dir) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", path.display());
    }
}

#[test]
fn migrate_makes_a_data_folder_only_its_user_can_enter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" migrate --data-dir \"$1\""])
        .arg(env!("CARGO_BIN_EXE_congso"))
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(data.join("congso.db").is_file());
    assert_private(&data);
}

#[tokio::test]
async fn a_running_server_keeps_its_data_folder_and_every_file_in_it_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A folder that a previous version, or an operator, left open to every local user.
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut node = Serve::new().data_dir(&data).umask("022").spawn();
    node.ready().await;
    assert!(node.log().contains("open to other local users"), "{}", node.log());

    // A password reset puts a mail with a secret link into the outbox in the data folder.
    let db = store::Db::connect(&format!("sqlite://{}", data.join("congso.db").display())).await.unwrap();
    let new = NewAccount {
        username: "dan1".parse().unwrap(),
        display_name: "Dân".into(),
        kind: AccountKind::Citizen,
        password: PASSWORD.parse().unwrap(),
        roles: vec![],
    };
    let id = service::create_account(&db, new).await.unwrap();
    service::set_contact(&db, id, None, Some("dan1@example.vn")).await.unwrap();
    let client = crate::helpers::TestApp::client();
    let page = client.get(format!("{}/password/forgot", node.base)).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let csrf = form_token(&page.text().await.unwrap());
    let r = client
        .post(format!("{}/password/forgot", node.base))
        .header(COOKIE, cookies.join("; "))
        .form(&[("csrf", csrf.as_str()), ("login", "dan1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let outbox = data.join("outbox");
    for _ in 0..100 {
        if std::fs::read_dir(&outbox).is_ok_and(|mut d| d.next().is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // While it runs, with the write-ahead log and its index open beside the database.
    let names: Vec<String> =
        modes(&data).iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for expected in ["congso.db", "congso.db-wal", "congso.db-shm", "master.key", "outbox"] {
        assert!(names.iter().any(|n| n == expected), "no {expected} in {names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with(".eml")), "no mail in {names:?}");
    assert_private(&data);
    db.close().await;
    assert!(node.terminate().await.success(), "{}", node.log());
}

//! Configuration and the life of a node: several nodes starting at once on a fresh database, the public address
//! that names the OIDC issuer and mail links, who may read the data folder, and the signed tree head at a clean
//! shutdown. Most of these start `congso serve` as real processes, as a deployment does.

mod file_modes;
mod public_url;
mod shutdown;
mod startup;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A `congso serve` to start: a free port, plain-HTTP cookies and the public URL of that port, as every test node
/// needs; the database and keys are the test's choice.
pub struct Serve {
    args: Vec<OsString>,
    envs: Vec<(&'static str, String)>,
    umask: Option<&'static str>,
    port: u16,
}

impl Serve {
    pub fn new() -> Serve {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let args = ["serve", "--listen", &format!("127.0.0.1:{port}")].map(OsString::from).to_vec();
        let envs = vec![
            ("CONGSO_SECURE_COOKIES", "false".to_owned()),
            ("CONGSO_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
            ("CONGSO_LOG", "info,sqlx=warn".to_owned()),
        ];
        Serve { args, envs, umask: None, port }
    }

    /// On this database URL.
    pub fn database_url(mut self, url: &str) -> Serve {
        self.args.extend(["--database-url", url].map(OsString::from));
        self
    }

    /// With this data folder (its embedded database, unless a URL is given too).
    pub fn data_dir(mut self, dir: &Path) -> Serve {
        self.args.extend([OsString::from("--data-dir"), dir.as_os_str().to_owned()]);
        self
    }

    /// With the tests' master key in the environment, as nodes sharing a PostgreSQL database have it.
    pub fn master_key(mut self) -> Serve {
        self.envs.push(("CONGSO_MASTER_KEY", crate::helpers::MASTER_KEY.to_owned()));
        self
    }

    /// Started with this umask (through `sh`, as a service manager would set it), whatever the test runner's is.
    pub fn umask(mut self, umask: &'static str) -> Serve {
        self.umask = Some(umask);
        self
    }

    /// Starts the process, its log going to a file read on failure.
    pub fn spawn(self) -> Node {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = match self.umask {
            Some(umask) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\""), env!("CARGO_BIN_EXE_congso")]);
                sh
            }
            None => Command::new(env!("CARGO_BIN_EXE_congso")),
        };
        command.args(&self.args).envs(self.envs);
        let child = command.stdout(Stdio::null()).stderr(Stdio::from(log.reopen().unwrap())).spawn().unwrap();
        Node { child, base: format!("http://127.0.0.1:{}", self.port), log }
    }
}

/// A running `congso serve`, killed if the test ends before it does.
pub struct Node {
    child: Child,
    pub base: String,
    log: tempfile::NamedTempFile,
}

impl Node {
    /// What the process wrote to standard error.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Waits (generously: several nodes may be migrating on a busy machine) until `/readyz` answers.
    pub async fn ready(&mut self) {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("congso serve exited ({status}) before it was ready:\n{}", self.log());
            }
            if reqwest::get(format!("{}/readyz", self.base)).await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("congso serve did not become ready:\n{}", self.log());
    }

    /// Sends SIGTERM, as a service manager stopping the node does, and waits for the process to end.
    pub async fn terminate(&mut self) -> ExitStatus {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("the kill command");
        assert!(status.success(), "kill -TERM failed");
        wait_for_exit(&mut self.child, self.log.path()).await
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits at most 60 seconds for `child` to end, so that a test of a process that should stop cannot hang.
pub async fn wait_for_exit(child: &mut Child, log: &Path) -> ExitStatus {
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    panic!("the process did not end within 60 s:\n{}", std::fs::read_to_string(log).unwrap_or_default());
}

/// Runs a one-shot `congso` command to its end; returns whether it succeeded and what it printed.
pub fn congso(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_congso")).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A fresh, empty database for processes to start on: a schema of the test PostgreSQL database when
/// `CONGSO_TEST_DATABASE_URL` is set, else a data folder whose embedded database does not exist yet.
pub enum Fresh {
    /// A schema, and the data folder the nodes share (its heads file, its outbox).
    Postgres(store::testing::TestDb, tempfile::TempDir),
    DataDir(tempfile::TempDir),
}

impl Fresh {
    pub async fn new() -> Fresh {
        match std::env::var(store::testing::TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => {
                Fresh::Postgres(store::testing::TestDb::empty().await, tempfile::tempdir().unwrap())
            }
            _ => Fresh::DataDir(tempfile::tempdir().unwrap()),
        }
    }

    /// A node on this database. On PostgreSQL the nodes share the master key through the environment; on SQLite
    /// they share the data folder, and so its master key file, which the first of them creates.
    pub fn serve(&self) -> Serve {
        match self {
            Fresh::Postgres(db, dir) => Serve::new().database_url(&db.url).data_dir(dir.path()).master_key(),
            Fresh::DataDir(dir) => Serve::new().data_dir(&dir.path().join("data")),
        }
    }

    /// The arguments that point a one-shot command at this database.
    pub fn args(&self) -> Vec<String> {
        match self {
            Fresh::Postgres(db, dir) => {
                vec!["--database-url".into(), db.url.clone(), "--data-dir".into(), dir.path().display().to_string()]
            }
            Fresh::DataDir(dir) => vec!["--data-dir".into(), dir.path().join("data").display().to_string()],
        }
    }

    /// A handle on the database, once a node has created it.
    pub async fn db(&self) -> store::Db {
        match self {
            Fresh::Postgres(db, _) => db.db.clone(),
            Fresh::DataDir(dir) => {
                let path: PathBuf = dir.path().join("data").join("congso.db");
                store::Db::connect(&format!("sqlite://{}", path.display())).await.unwrap()
            }
        }
    }
}

/// `congso ledger verify` on this database: whether it passed, and what it said.
pub fn ledger_verify(fresh: &Fresh) -> (bool, String) {
    let args = fresh.args();
    let mut all = vec!["ledger", "verify"];
    all.extend(args.iter().map(String::as_str));
    congso(&all)
}

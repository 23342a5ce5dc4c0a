//! Storing and reading files on a local folder, with the rows on both backends.
#![allow(clippy::unwrap_used, missing_docs)]

use bytes::Bytes;
use files::{FileError, Files, Location, MediaType, Rules, StoredFile};
use store::Db;
use store::sqlx;
use store::testing::TestDb;

const PDF_ONLY: Rules = Rules { max_bytes: 64, allowed: &[MediaType::Pdf] };
const DOCUMENTS: Rules = Rules { max_bytes: 1024, allowed: &[MediaType::Pdf, MediaType::Png, MediaType::Jpeg] };

fn pdf(text: &str) -> Bytes {
    Bytes::from(format!("%PDF-1.7\n{text}\n%%EOF\n"))
}

fn png() -> Bytes {
    Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0")
}

struct Setup {
    test: TestDb,
    folder: tempfile::TempDir,
    files: Files,
}

async fn setup() -> Setup {
    let test = TestDb::new().await;
    let folder = tempfile::tempdir().unwrap();
    let files = Files::open(&Location::Folder(folder.path().join("files"))).unwrap();
    Setup { test, folder, files }
}

async fn rows(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM files").fetch_one(db.pool()).await.unwrap()
}

/// The objects in the local folder, as paths.
fn objects(setup: &Setup) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() { walk(&path, out) } else { out.push(path) }
        }
    }
    let mut out = Vec::new();
    walk(&setup.folder.path().join("files"), &mut out);
    out
}

#[tokio::test]
async fn a_file_is_stored_under_its_hash_and_read_back_checked() {
    let s = setup().await;
    let db = &s.test.db;
    let bytes = pdf("giấy khai sinh");
    let stored = s.files.put(db, bytes.clone(), "C:\\Users\\an\\Giấy khai sinh.pdf", &DOCUMENTS).await.unwrap();
    assert_eq!(stored.media_type, MediaType::Pdf);
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.declared_name, "Giấy khai sinh.pdf", "only the name, never the client's path");
    assert_eq!(stored.sha256.len(), 64);
    let (read, back) = s.files.get(db, &stored.id).await.unwrap();
    assert_eq!((read, back), (stored.clone(), bytes.clone()));

    // The same content again: a second row, one object.
    let again = s.files.put(db, bytes, "copy.pdf", &DOCUMENTS).await.unwrap();
    assert_ne!(again.id, stored.id);
    assert_eq!(again.sha256, stored.sha256);
    assert_eq!(objects(&s).len(), 1);
    assert_eq!(rows(db).await, 2);
    assert!(matches!(s.files.get(db, "no-such-id").await, Err(FileError::NotFound)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.folder.path().join("files")), 0o700, "the folder is the service's user's alone");
        let object = objects(&s).pop().unwrap();
        assert_eq!(mode(&object), 0o600, "and so is each file");
        assert_eq!(mode(object.parent().unwrap()), 0o700);
    }
}

#[tokio::test]
async fn the_size_limit_is_checked_before_anything_is_written() {
    let s = setup().await;
    let db = &s.test.db;
    let at_limit = Bytes::from([b"%PDF-1.4\n".as_slice(), &[b'x'; 55]].concat());
    assert_eq!(at_limit.len(), 64);
    s.files.put(db, at_limit.clone(), "a.pdf", &PDF_ONLY).await.unwrap();
    let over = Bytes::from([at_limit.as_ref(), b"y"].concat());
    let err = s.files.put(db, over, "b.pdf", &PDF_ONLY).await.unwrap_err();
    assert!(matches!(err, FileError::TooLarge { limit: 64 }), "{err}");
    assert!(matches!(s.files.put(db, Bytes::new(), "c.pdf", &PDF_ONLY).await, Err(FileError::Empty)));
    assert_eq!((rows(db).await, objects(&s).len()), (1, 1), "nothing of the refused files was kept");
}

#[tokio::test]
async fn the_type_is_sniffed_from_the_bytes_never_taken_from_the_name() {
    let s = setup().await;
    let db = &s.test.db;
    // A PNG renamed .pdf is still a PNG.
    let err = s.files.put(db, png(), "scan.pdf", &PDF_ONLY).await.unwrap_err();
    assert!(matches!(err, FileError::NotAllowed { found: MediaType::Png, .. }), "{err}");
    // Text named .pdf is nothing congso knows.
    let err = s.files.put(db, Bytes::from_static(b"<html>hi</html>"), "scan.pdf", &DOCUMENTS).await.unwrap_err();
    assert!(matches!(err, FileError::UnknownType { .. }), "{err}");
    // A PDF named .png is a PDF.
    let stored = s.files.put(db, pdf("x"), "photo.png", &DOCUMENTS).await.unwrap();
    assert_eq!(stored.media_type, MediaType::Pdf);
    assert_eq!(s.files.put(db, png(), "photo.pdf", &DOCUMENTS).await.unwrap().media_type, MediaType::Png);
    // A name carrying invisible characters is refused, as free text is everywhere in congso.
    let err = s.files.put(db, pdf("y"), "invoice\u{202e}fdp.exe", &DOCUMENTS).await.unwrap_err();
    assert!(matches!(err, FileError::Name(_)), "{err}");
    assert_eq!(rows(db).await, 2);
}

#[tokio::test]
async fn a_stored_object_changed_behind_congsos_back_is_an_error() {
    let s = setup().await;
    let db = &s.test.db;
    let stored: StoredFile = s.files.put(db, pdf("bản gốc"), "a.pdf", &DOCUMENTS).await.unwrap();
    let object = objects(&s).pop().unwrap();
    assert!(object.to_string_lossy().ends_with(&stored.sha256));
    std::fs::write(&object, pdf("bản giả")).unwrap();
    let err = s.files.get(db, &stored.id).await.unwrap_err();
    assert!(matches!(err, FileError::Corrupt { ref id } if *id == stored.id), "{err}");

    std::fs::remove_file(&object).unwrap();
    assert!(matches!(s.files.get(db, &stored.id).await, Err(FileError::Missing { .. })));
}

#[tokio::test]
async fn the_row_is_written_in_the_callers_transaction() {
    let s = setup().await;
    let db = &s.test.db;
    let mut tx = db.begin_write().await.unwrap();
    let stored = s.files.put_in(&mut tx, pdf("nháp"), "draft.pdf", &DOCUMENTS).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(rows(db).await, 0);
    assert!(matches!(s.files.get(db, &stored.id).await, Err(FileError::NotFound)));

    let mut tx = db.begin_write().await.unwrap();
    let stored = s.files.put_in(&mut tx, pdf("nháp"), "draft.pdf", &DOCUMENTS).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.files.get(db, &stored.id).await.unwrap().0.declared_name, "draft.pdf");
}

#[test]
fn an_s3_location_opens_without_contacting_anything() {
    let location = Location::parse(Some("s3://congso-files/prod"), std::path::Path::new("/unused")).unwrap();
    let files = Files::open(&location).unwrap();
    assert_eq!(files.describe(), "s3://congso-files/prod");
    assert!(format!("{files:?}").contains("s3://congso-files/prod"));
}

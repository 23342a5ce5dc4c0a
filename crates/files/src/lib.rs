//! Stored files: attachments people upload and documents congso generates, through one interface.
//!
//! - **Where**: a local folder by default (`DATA_DIR/files`, for the service's user alone), or S3-compatible
//!   storage named by a URL (`s3://bucket/prefix`), both through the `object_store` crate ([`Location`]).
//! - **Content-addressed**: the bytes are stored under their SHA-256, so one content is kept once; each use of it
//!   is a row in the `files` table, with its own random id, written in the caller's transaction
//!   ([`Files::put_in`]). Reading ([`Files::get`]) checks the bytes against the hash, so a stored object changed
//!   behind congso's back is an error, not a document served as genuine.
//! - **Checked before stored**: the size limit comes first, then the type is **sniffed from the bytes** and
//!   checked against what the use allows ([`Rules`]); the client's declared type and file extension are never
//!   trusted. The declared name is kept only to show back to people.
//!
//! The object is written before the row. If the caller's transaction then rolls back, the object stays, named by
//! no row: harmless (it is content the caller had), and left for a later clean-up rather than deleted, because
//! another row may name the same content.

mod location;
mod storage;

use std::borrow::Cow;

use kernel::{Lang, Localized};

pub use location::Location;
pub use storage::Files;

/// A type of file congso accepts somewhere. Each use says which it takes ([`Rules::allowed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `application/pdf`.
    Pdf,
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
}

impl MediaType {
    /// The MIME type, as stored and as served.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
        }
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Png => "PNG",
            MediaType::Jpeg => "JPEG",
        }
    }

    /// The type of a stored MIME type; `None` for one this version does not know.
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        [MediaType::Pdf, MediaType::Png, MediaType::Jpeg].into_iter().find(|t| t.as_str() == mime)
    }

    /// The type the bytes are, from their signature; `None` when they are none we know.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        infer::get(bytes).and_then(|t| MediaType::from_mime(t.mime_type()))
    }
}

/// What one use of files accepts: at most `max_bytes`, of the `allowed` types.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// The types accepted.
    pub allowed: &'static [MediaType],
}

/// A stored file, as its row describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Its id: random, so that one file's id tells nothing of another's.
    pub id: String,
    /// The SHA-256 of its bytes, hex; also where the bytes are stored.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type, as sniffed from the bytes.
    pub media_type: MediaType,
    /// The name the client gave it, cleaned; for showing only.
    pub declared_name: String,
}

/// What storing or reading a file can fail with. The first group is the client's (the portal answers 413, 415
/// or 422); the rest are ours (500, logged).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Over the use's size limit (413).
    #[error("the file is larger than {} bytes", limit)]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// No bytes at all (422).
    #[error("the file is empty")]
    Empty,
    /// The bytes are of no type congso knows (415).
    #[error("the file's type is not recognised")]
    UnknownType {
        /// What the use accepts.
        allowed: &'static [MediaType],
    },
    /// The bytes are of a type this use does not accept (415).
    #[error("the file is {}, which is not accepted here", found.as_str())]
    NotAllowed {
        /// What the bytes are.
        found: MediaType,
        /// What the use accepts.
        allowed: &'static [MediaType],
    },
    /// The declared name cannot be kept (422).
    #[error("the file name: {0}")]
    Name(#[from] kernel::free_text::FreeTextError),
    /// No file has this id (404).
    #[error("no file has this id")]
    NotFound,
    /// The row is there, but not the bytes.
    #[error("the bytes of file {id} are missing from the store")]
    Missing {
        /// The file's id.
        id: String,
    },
    /// The stored bytes do not match the hash: they were changed or damaged outside congso.
    #[error("the bytes of file {id} do not match their SHA-256")]
    Corrupt {
        /// The file's id.
        id: String,
    },
    /// A stored media type this version does not know.
    #[error("file {id} has an unknown media type {media_type:?}")]
    UnknownStoredType {
        /// The file's id.
        id: String,
        /// What is stored.
        media_type: String,
    },
    /// The storage URL cannot be used.
    #[error("the files URL {0}")]
    Url(String),
    /// The local folder, or a file's place in it, could not be made private.
    #[error("cannot create or restrict {path} in the files folder: {source}")]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The object store failed.
    #[error("file storage: {0}")]
    Store(#[from] object_store::Error),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
}

impl Localized for FileError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        let accepted = |allowed: &[MediaType]| allowed.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ");
        match (self, lang) {
            (FileError::TooLarge { limit }, Lang::Vi) => format!("Tệp lớn quá {}.", size(*limit)).into(),
            (FileError::TooLarge { limit }, Lang::En) => format!("The file is larger than {}.", size(*limit)).into(),
            (FileError::Empty, Lang::Vi) => "Tệp không có nội dung.".into(),
            (FileError::Empty, Lang::En) => "The file is empty.".into(),
            (FileError::UnknownType { allowed }, Lang::Vi) => {
                format!("Không nhận ra loại tệp. Chỉ nhận tệp {}.", accepted(allowed)).into()
            }
            (FileError::UnknownType { allowed }, Lang::En) => {
                format!("The file's type is not recognised. Accepted: {}.", accepted(allowed)).into()
            }
            (FileError::NotAllowed { found, allowed }, Lang::Vi) => {
                format!("Tệp là {}, không được nhận ở đây. Chỉ nhận tệp {}.", found.label(), accepted(allowed)).into()
            }
            (FileError::NotAllowed { found, allowed }, Lang::En) => {
                format!("The file is {}, which is not accepted here. Accepted: {}.", found.label(), accepted(allowed))
                    .into()
            }
            (FileError::Name(e), lang) => match lang {
                Lang::Vi => format!("Tên tệp: {}", e.message(lang)).into(),
                Lang::En => format!("File name: {}", e.message(lang)).into(),
            },
            (FileError::NotFound, Lang::Vi) => "Không tìm thấy tệp.".into(),
            (FileError::NotFound, Lang::En) => "No such file.".into(),
            (_, Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (_, Lang::En) => "Something went wrong.".into(),
        }
    }
}

/// A size as people read it: bytes, KiB or MiB.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn types_are_known_by_their_bytes_alone() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"GIF89a"), None, "a type infer knows but congso does not take");
        assert_eq!(MediaType::sniff(b"just text"), None);
        for t in [MediaType::Pdf, MediaType::Png, MediaType::Jpeg] {
            assert_eq!(MediaType::from_mime(t.as_str()), Some(t));
        }
        assert_eq!(MediaType::from_mime("image/gif"), None);
    }

    #[test]
    fn errors_speak_both_languages_and_name_what_is_accepted() {
        let e = FileError::NotAllowed { found: MediaType::Png, allowed: &[MediaType::Pdf] };
        assert_eq!(e.message(Lang::Vi), "Tệp là PNG, không được nhận ở đây. Chỉ nhận tệp PDF.");
        assert_eq!(e.message(Lang::En), "The file is PNG, which is not accepted here. Accepted: PDF.");
        assert_eq!(FileError::TooLarge { limit: 5 * 1024 * 1024 }.message(Lang::Vi), "Tệp lớn quá 5 MiB.");
        assert_eq!(FileError::TooLarge { limit: 1000 }.message(Lang::En), "The file is larger than 1000 B.");
        let corrupt = FileError::Corrupt { id: "x".into() };
        assert_eq!(corrupt.message(Lang::Vi), "Hệ thống gặp lỗi.", "internals are not shown");
    }
}

//! The store itself: bytes in the object store under their hash, one row per stored file.

use std::sync::Arc;

use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use sha2::{Digest, Sha256};
use store::Db;
use store::sqlx::{self, Row};

use crate::{FileError, Location, MediaType, Rules, StoredFile};

/// The longest declared name kept, in characters.
const MAX_NAME_CHARS: usize = 255;

/// Stored files over one object store. Cheap to clone.
#[derive(Clone)]
pub struct Files {
    objects: Arc<dyn ObjectStore>,
    location: Location,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files").field("location", &self.location.describe()).finish()
    }
}

impl Files {
    /// Opens the store at `location`. A local folder is created for the service's user alone (0700), and one that
    /// others could enter is closed. Nothing is contacted yet for S3.
    pub fn open(location: &Location) -> Result<Files, FileError> {
        let objects: Arc<dyn ObjectStore> = match location {
            Location::Folder(path) => {
                let folder_error = |source| FileError::Folder { path: path.clone(), source };
                store::private::create_dir_all(path).map_err(folder_error)?;
                if let Some(mode) = store::private::tighten_dir(path).map_err(folder_error)? {
                    tracing::warn!(
                        folder = %path.display(),
                        was = format!("{mode:o}"),
                        "the files folder was open to other local users; it is now for this user only (0700)"
                    );
                }
                Arc::new(object_store::local::LocalFileSystem::new_with_prefix(path)?)
            }
            Location::S3 { bucket, prefix } => {
                let s3 = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.as_str()))
                }
            }
        };
        Ok(Files { objects, location: location.clone() })
    }

    /// Where the bytes go, safe to log.
    pub fn describe(&self) -> String {
        self.location.describe()
    }

    /// Checks `bytes` against `rules`, stores them and writes their row in the caller's transaction.
    pub async fn put_in(
        &self,
        tx: &mut store::Tx,
        bytes: Bytes,
        declared_name: &str,
        rules: &Rules,
    ) -> Result<StoredFile, FileError> {
        let file = check(&bytes, declared_name, rules)?;
        self.objects.put(&object_path(&file.sha256), bytes.into()).await?;
        self.restrict(&file.sha256)?;
        sqlx::query(
            "INSERT INTO files (id, sha256, size, media_type, declared_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&file.id)
        .bind(&file.sha256)
        .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
        .bind(file.media_type.as_str())
        .bind(&file.declared_name)
        .bind(time::OffsetDateTime::now_utc().unix_timestamp())
        .execute(&mut **tx)
        .await?;
        Ok(file)
    }

    /// [`Files::put_in`] in a transaction of its own.
    pub async fn put(
        &self,
        db: &Db,
        bytes: Bytes,
        declared_name: &str,
        rules: &Rules,
    ) -> Result<StoredFile, FileError> {
        let mut tx = db.begin_write().await?;
        let file = self.put_in(&mut tx, bytes, declared_name, rules).await?;
        tx.commit().await?;
        Ok(file)
    }

    /// The file `id` and its bytes, checked against its hash.
    pub async fn get(&self, db: &Db, id: &str) -> Result<(StoredFile, Bytes), FileError> {
        let file = self.describe_file(db, id).await?;
        let bytes = match self.objects.get(&object_path(&file.sha256)).await {
            Ok(found) => found.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Err(FileError::Missing { id: file.id }),
            Err(e) => return Err(e.into()),
        };
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 || bytes.len() as u64 != file.size {
            tracing::error!(file = %file.id, "a stored file's bytes do not match its hash");
            return Err(FileError::Corrupt { id: file.id });
        }
        Ok((file, bytes))
    }

    /// The row of file `id`, without reading its bytes.
    pub async fn describe_file(&self, db: &Db, id: &str) -> Result<StoredFile, FileError> {
        let row = sqlx::query("SELECT id, sha256, size, media_type, declared_name FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(FileError::NotFound)?;
        let id: String = row.try_get("id")?;
        let media_type: String = row.try_get("media_type")?;
        let size: i64 = row.try_get("size")?;
        Ok(StoredFile {
            media_type: MediaType::from_mime(&media_type)
                .ok_or_else(|| FileError::UnknownStoredType { id: id.clone(), media_type })?,
            sha256: row.try_get("sha256")?,
            size: u64::try_from(size).unwrap_or_default(),
            declared_name: row.try_get("declared_name")?,
            id,
        })
    }
}

impl Files {
    /// Gives a local object, and the folders under the root that hold it, to the service's user alone, as
    /// everything in the data folder is: `object_store` writes them with the process's umask.
    fn restrict(&self, sha256: &str) -> Result<(), FileError> {
        #[cfg(unix)]
        if let Location::Folder(root) = &self.location {
            use std::os::unix::fs::PermissionsExt;
            let outer = root.join("sha256");
            let inner = outer.join(sha256.get(..2).unwrap_or_default());
            let object = inner.join(sha256);
            for (path, mode) in [(&outer, 0o700), (&inner, 0o700), (&object, 0o600)] {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .map_err(|source| FileError::Folder { path: path.clone(), source })?;
            }
        }
        #[cfg(not(unix))]
        let _ = sha256;
        Ok(())
    }
}

/// Everything that can refuse a file, before anything is written: its size first (the cheapest check, and the one
/// that bounds the others' work), then its type from its bytes, then its name.
fn check(bytes: &[u8], declared_name: &str, rules: &Rules) -> Result<StoredFile, FileError> {
    let size = bytes.len() as u64;
    if size > rules.max_bytes {
        return Err(FileError::TooLarge { limit: rules.max_bytes });
    }
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    let media_type = MediaType::sniff(bytes).ok_or(FileError::UnknownType { allowed: rules.allowed })?;
    if !rules.allowed.contains(&media_type) {
        return Err(FileError::NotAllowed { found: media_type, allowed: rules.allowed });
    }
    // Only the last part of a path a browser or a tool sent: the name is shown, never used as a path.
    let base = declared_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let declared_name = kernel::free_text::clean(base, MAX_NAME_CHARS)?;
    Ok(StoredFile {
        id: uuid::Uuid::new_v4().simple().to_string(),
        sha256: hex::encode(Sha256::digest(bytes)),
        size,
        media_type,
        declared_name,
    })
}

/// Where the bytes of a hash live: two levels, so that no folder of a local store holds millions of entries.
fn object_path(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("sha256/{}/{sha256}", sha256.get(..2).unwrap_or_default()))
}

//! Where files are kept, as configured: `files_url` (`CONGSO_FILES_URL`).

use std::path::{Path, PathBuf};

use crate::FileError;

/// Where the bytes of stored files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local folder, made for the service's user alone.
    Folder(PathBuf),
    /// An S3-compatible bucket, under a prefix (empty for the bucket's root). Credentials, region and endpoint come
    /// from the environment, as `object_store`'s `AmazonS3Builder::from_env` reads them (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT` for a store other than Amazon's…), never from the URL.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix, without leading or trailing slashes.
        prefix: String,
    },
}

impl Location {
    /// The location `url` names: `s3://bucket[/prefix]`, `file:///absolute/folder`, or, when it is unset or
    /// empty, the folder `files` in `data_dir`.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> Result<Location, FileError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Location::Folder(data_dir.join("files")));
        };
        let parsed = url::Url::parse(url).map_err(|e| FileError::Url(format!("cannot be read: {e}")))?;
        match parsed.scheme() {
            "s3" => {
                if !parsed.username().is_empty() || parsed.password().is_some() {
                    // A key in the URL would be printed wherever the URL is; the environment keeps it apart.
                    return Err(FileError::Url(
                        "must not hold credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead".into(),
                    ));
                }
                if parsed.query().is_some() || parsed.port().is_some() {
                    return Err(FileError::Url(
                        "takes no port or query: set AWS_ENDPOINT for a store other than Amazon's".into(),
                    ));
                }
                let bucket = parsed
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| FileError::Url("names no bucket: write it as s3://bucket/prefix".into()))?;
                let prefix = parsed.path().trim_matches('/').to_owned();
                Ok(Location::S3 { bucket: bucket.to_owned(), prefix })
            }
            "file" => parsed
                .to_file_path()
                .map(Location::Folder)
                .map_err(|()| FileError::Url("must name an absolute folder, such as file:///srv/congso/files".into())),
            other => Err(FileError::Url(format!("must start with s3:// or file://, not {other}://"))),
        }
    }

    /// The location as an operator reads it, without credentials (none are in it).
    pub fn describe(&self) -> String {
        match self {
            Location::Folder(path) => format!("file:{}", path.display()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
            Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(url: &str) -> Result<Location, FileError> {
        Location::parse(Some(url), Path::new("/var/lib/congso"))
    }

    #[test]
    fn unset_means_the_data_folder() {
        let default = Location::Folder(PathBuf::from("/var/lib/congso/files"));
        assert_eq!(Location::parse(None, Path::new("/var/lib/congso")).unwrap(), default);
        assert_eq!(parse("  ").unwrap(), default);
    }

    #[test]
    fn s3_urls_name_a_bucket_and_a_prefix() {
        let s3 = |bucket: &str, prefix: &str| Location::S3 { bucket: bucket.into(), prefix: prefix.into() };
        assert_eq!(parse("s3://congso-files").unwrap(), s3("congso-files", ""));
        assert_eq!(parse("s3://congso-files/").unwrap(), s3("congso-files", ""));
        assert_eq!(parse("s3://congso-files/prod/attachments/").unwrap(), s3("congso-files", "prod/attachments"));
        assert_eq!(parse("s3://congso-files/prod").unwrap().describe(), "s3://congso-files/prod");
        assert_eq!(parse("file:///srv/files").unwrap(), Location::Folder(PathBuf::from("/srv/files")));
    }

    #[test]
    fn unusable_urls_say_why_and_never_echo_a_secret() {
        for (url, says) in [
            ("s3://", "bucket"),
            ("s3:///prefix", "bucket"),
            ("s3://AKIA:hunter2@bucket/p", "credentials"),
            ("s3://bucket:9000/p", "AWS_ENDPOINT"),
            ("https://bucket.s3.amazonaws.com/p", "s3://"),
            ("gs://bucket/p", "s3://"),
            ("file://host/relative", "absolute"),
            ("not a url", "cannot be read"),
        ] {
            let err = parse(url).unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{url}: {err}");
        }
    }
}

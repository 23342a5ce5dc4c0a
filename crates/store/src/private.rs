//! Files and folders that only the service's own user may open. The embedded database holds every citizen's
//! record, so nothing congso writes beside it may be readable by other local users. Unix modes only: elsewhere
//! these are the ordinary calls.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `path` and any missing parents, each new folder with mode 0700. An existing folder is left as it is
/// (see [`tighten_dir`]).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Takes group and world access away from an existing folder. Returns the mode it had when it had to change it,
/// so the caller can warn: files already in such a folder may have been read.
pub fn tighten_dir(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7700))?;
            return Ok(Some(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(None)
}

/// Options to open a file for writing that, if it is created, has mode 0600. Add `create`, `create_new`,
/// `truncate` or `append` as the case needs.
pub fn file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Writes `bytes` to a new file at `path` (replacing one that is there) with mode 0600.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = file_options().create(true).truncate(true).open(path)?;
    io::Write::write_all(&mut file, bytes)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_the_owners_alone() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_dir_all(&nested).unwrap();
        assert_eq!((mode(&dir.path().join("a")), mode(&nested)), (0o700, 0o700));
        write(&nested.join("f"), b"x").unwrap();
        assert_eq!(mode(&nested.join("f")), 0o600);
        assert_eq!(tighten_dir(&nested).unwrap(), None);
    }

    #[test]
    fn an_open_folder_is_closed_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(tighten_dir(dir.path()).unwrap(), Some(0o755));
        assert_eq!(mode(dir.path()), 0o700);
    }
}

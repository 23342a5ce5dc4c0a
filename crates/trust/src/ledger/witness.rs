//! The heads file: every tree head this installation signs, appended to a file beside the database.
//!
//! The database holds the signed heads too, but whoever can rewrite the database can delete the newest heads or
//! restore an older copy of everything, entries and heads alike, and the log would still agree with itself. A head
//! kept outside the database's reach is the witness that it was once larger: `congso ledger verify` requires
//! every head in the file to be in the database with the same root. The file is only ever appended to, one JSON
//! line per head, each written through to the disk before the head is handed out. Keep it on other storage than
//! the database (or copy it off the machine) for the guarantee to hold against someone with the whole disk.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::{LedgerError, TreeHead};

/// The file name of the heads file in the data folder.
pub const HEADS_FILE: &str = "ledger-heads.jsonl";

/// An append-only file of signed tree heads.
#[derive(Debug, Clone)]
pub struct HeadsFile {
    path: PathBuf,
}

fn io(path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::Failed(format!("heads file {}: {e}", path.display()))
}

impl HeadsFile {
    /// The heads file at `path` (created at the first append).
    pub fn new(path: impl Into<PathBuf>) -> HeadsFile {
        HeadsFile { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `head` and waits until it is on the disk.
    pub fn append(&self, head: &TreeHead) -> Result<(), LedgerError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io(&self.path, e))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(|e| io(&self.path, e))?;
        let mut line = serde_json::to_vec(head).map_err(|e| LedgerError::Failed(e.to_string()))?;
        line.push(b'\n');
        // One write of one line: appends from several processes do not interleave within a line.
        file.write_all(&line).and_then(|()| file.sync_data()).map_err(|e| io(&self.path, e))
    }

    /// Every head in the file, oldest first; none if there is no file yet.
    pub fn read(&self) -> Result<Vec<TreeHead>, LedgerError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io(&self.path, e)),
        };
        let mut heads = Vec::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| io(&self.path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let head = serde_json::from_str(&line)
                .map_err(|e| LedgerError::Corrupt(format!("heads file {} line {}: {e}", self.path.display(), n + 1)))?;
            heads.push(head);
        }
        Ok(heads)
    }
}

/// Checks the heads the file witnessed against the heads the database holds: each must be there, with the same
/// root and signature. Returns the number checked and the first difference. (The database's heads themselves are
/// checked against its entries by [`super::verify::verify_log`].)
pub fn check(witnessed: &[TreeHead], stored: &[TreeHead]) -> (usize, Option<String>) {
    let largest = stored.iter().map(|h| h.tree_size).max().unwrap_or(0);
    for (i, head) in witnessed.iter().enumerate() {
        let size = head.tree_size;
        match stored.iter().find(|h| h.tree_size == size) {
            Some(h) if h == head => {}
            Some(_) => return (i, Some(format!("the signed tree head at size {size} differs from the heads file's"))),
            None if size > largest => {
                let why = format!(
                    "the heads file holds a signed tree head at size {size}, beyond the database's newest ({largest}): \
                     the database was rolled back or its newest heads deleted"
                );
                return (i, Some(why));
            }
            None => return (i, Some(format!("the signed tree head at size {size} was deleted from the database"))),
        }
    }
    (witnessed.len(), None)
}

//! The data folder's lock: one process at a time serves a folder (a server, or an `api user`
//! command), so two of them cannot overwrite each other's changes.
//!
//! The lock is an advisory `flock` on the folder itself, not a lock file: the folder keeps
//! exactly the files the original writes, and the operating system releases the lock when the
//! process ends, however it ends (`kill -9` included), so there is never a stale lock to clear.
//! Within one process, the users and the sessions table share one lock (a `flock` taken twice
//! through two descriptors would refuse the second).

use std::collections::HashMap;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::StorageError;

/// A held lock on a data folder; released when the last table of the folder in this process is
/// dropped (or when the process ends).
#[derive(Debug)]
pub(crate) struct FolderLock {
    _folder: File,
}

/// The folders this process holds, by canonical path.
fn held() -> &'static Mutex<HashMap<PathBuf, Weak<FolderLock>>> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, Weak<FolderLock>>>> = OnceLock::new();
    HELD.get_or_init(Mutex::default)
}

impl FolderLock {
    /// Locks `dir` for this process, or shares the lock this process already holds on it.
    ///
    /// Fails with [`StorageError::InUse`] when another process holds it. On a file system
    /// without `flock` support the folder is served unlocked, with a warning.
    pub(crate) fn acquire(dir: &Path) -> Result<Arc<FolderLock>, StorageError> {
        let io_error = |source| StorageError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let canonical = fs::canonicalize(dir).map_err(io_error)?;
        let mut held = held()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(lock) = held.get(&canonical).and_then(Weak::upgrade) {
            return Ok(lock);
        }
        let folder = File::open(&canonical).map_err(io_error)?;
        match folder.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StorageError::InUse {
                    path: dir.to_path_buf(),
                })
            }
            Err(TryLockError::Error(error)) => {
                tracing::warn!(
                    folder = %dir.display(),
                    %error,
                    "cannot lock the data folder; serving it unlocked"
                );
            }
        }
        let lock = Arc::new(FolderLock { _folder: folder });
        held.retain(|_, weak| weak.strong_count() > 0);
        held.insert(canonical, Arc::downgrade(&lock));
        Ok(lock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_process_shares_its_lock_between_tables() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let users = FolderLock::acquire(dir.path()).expect("locked");
        let sessions = FolderLock::acquire(dir.path()).expect("shared");
        assert!(Arc::ptr_eq(&users, &sessions));
    }

    #[test]
    fn a_folder_locked_elsewhere_is_refused_and_free_again_after_release() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // Another open file description stands for another process: flock does not tell them
        // apart.
        let other = File::open(dir.path()).expect("the folder opens");
        other.try_lock().expect("the other holder locks it");
        let refused = FolderLock::acquire(dir.path()).expect_err("the folder is in use");
        assert!(
            refused.to_string().contains("in use by another process"),
            "{refused}"
        );
        drop(other);
        FolderLock::acquire(dir.path()).expect("free once the other holder is gone");
    }

    #[test]
    fn dropping_every_table_releases_the_folder() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let lock = FolderLock::acquire(dir.path()).expect("locked");
        drop(lock);
        let other = File::open(dir.path()).expect("the folder opens");
        other.try_lock().expect("nobody holds it any more");
    }
}

//! Replacing a file atomically and durably: temporary file, fsync, rename, fsync of the folder.
//!
//! A crash at any instant leaves the target holding either its old bytes or its new bytes,
//! never a mix; once `replace_file` returns `Ok`, the new bytes survive a power cut.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::StorageError;

/// The infix of temporary files: `<file>.tmp-<random>`, in the folder of `<file>`.
pub(crate) const TEMP_INFIX: &str = ".tmp-";

/// Replaces the contents of `target` with `bytes`, atomically.
///
/// On failure the target is untouched (or, if only the final folder sync failed, already
/// replaced but not guaranteed durable) and the temporary file is removed.
pub(crate) fn replace_file(target: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let folder = folder_of(target);
    let temp = temp_path(target);
    if let Err(error) = write_synced(&temp, target, bytes) {
        // Best effort: the temporary file may not even exist, and the original error matters.
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    if let Err(source) = fs::rename(&temp, target) {
        let _ = fs::remove_file(&temp);
        return Err(StorageError::Io {
            path: target.to_path_buf(),
            source,
        });
    }
    sync_folder(&folder)
}

/// Tells whether `name` is one of the temporary files `replace_file` makes for `file_name`.
pub(crate) fn is_temp_file_of(name: &str, file_name: &str) -> bool {
    name.strip_prefix(file_name)
        .and_then(|rest| rest.strip_prefix(TEMP_INFIX))
        .is_some_and(|random| !random.is_empty())
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    folder_of(target).join(format!("{name}{TEMP_INFIX}{}", domain::new_id()))
}

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn write_synced(temp: &Path, target: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let io_error = |source: io::Error| StorageError::Io {
        path: temp.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(io_error)?;
    // A replaced file keeps the permissions it had (the operator may have restricted them).
    if let Ok(metadata) = fs::metadata(target) {
        file.set_permissions(metadata.permissions())
            .map_err(io_error)?;
    }
    file.write_all(bytes).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

#[cfg(unix)]
fn sync_folder(folder: &Path) -> Result<(), StorageError> {
    // The rename is durable only once the folder entry itself is on disk.
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| StorageError::Io {
            path: folder.to_path_buf(),
            source,
        })
}

#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> Result<(), StorageError> {
    // Other systems cannot open a folder as a file; their rename is as durable as it gets.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_created_then_replaced_without_leftovers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("data.json");
        replace_file(&target, b"one").expect("first write");
        replace_file(&target, b"two").expect("second write");
        assert_eq!(fs::read(&target).expect("readable"), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("listable")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["data.json"]);
    }

    #[test]
    fn a_missing_folder_fails_with_io_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("gone").join("data.json");
        let error = replace_file(&target, b"x").expect_err("no folder");
        assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
        assert!(!target.exists());
    }

    #[test]
    fn temporary_names_are_recognised() {
        assert!(is_temp_file_of(".db_User.json.tmp-1234", ".db_User.json"));
        assert!(!is_temp_file_of(".db_User.json.tmp-", ".db_User.json"));
        assert!(!is_temp_file_of(".db_User.json", ".db_User.json"));
        assert!(!is_temp_file_of(
            ".db_UserSession.json.tmp-1",
            ".db_User.json"
        ));
    }
}

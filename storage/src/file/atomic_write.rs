//! Replacing a file atomically and durably: temporary file, fsync, rename, fsync of the folder.
//!
//! A crash at any instant leaves the target holding either its old bytes or its new bytes,
//! never a mix; once `replace_file` returns `Ok`, the new bytes survive a power cut.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use super::fingerprint::{Fingerprint, FingerprintingWriter};
use crate::StorageError;

/// The infix of temporary files: `<file>.tmp-<random>`, in the folder of `<file>`.
pub(crate) const TEMP_INFIX: &str = ".tmp-";

/// The buffered writer a temporary file is filled through.
pub(crate) type TempWriter = BufWriter<FingerprintingWriter<File>>;

/// Replaces the contents of `target` with `bytes`, atomically.
#[cfg(test)]
///
/// On failure the target is untouched (or, if only the final folder sync failed, already
/// replaced but not guaranteed durable) and the temporary file is removed.
pub(crate) fn replace_file(target: &Path, bytes: &[u8]) -> Result<Fingerprint, StorageError> {
    use std::io::Write as _;
    let (temp, fingerprint) = write_temp(target, |writer| writer.write_all(bytes))?;
    install(&temp, target)?;
    Ok(fingerprint)
}

/// Writes a new temporary file beside `target` through `write`, and syncs it to disk.
///
/// The temporary file takes the permissions of `target` when it exists. Returns its path and the
/// fingerprint of what was written; on failure nothing is left behind.
pub(crate) fn write_temp(
    target: &Path,
    write: impl FnOnce(&mut TempWriter) -> io::Result<()>,
) -> Result<(PathBuf, Fingerprint), StorageError> {
    let temp = temp_path(target);
    match write_synced(&temp, target, write) {
        Ok(fingerprint) => Ok((temp, fingerprint)),
        Err(error) => {
            // Best effort: the temporary file may not even exist, and the original error matters.
            let _ = fs::remove_file(&temp);
            Err(error)
        }
    }
}

/// Renames the synced temporary file `temp` over `target` and syncs the folder, so the new
/// contents survive a power cut once this returns `Ok`.
pub(crate) fn install(temp: &Path, target: &Path) -> Result<(), StorageError> {
    if let Err(source) = fs::rename(temp, target) {
        let _ = fs::remove_file(temp);
        return Err(StorageError::Io {
            path: target.to_path_buf(),
            source,
        });
    }
    sync_folder(&folder_of(target))
}

/// Tells whether `name` is one of the temporary files `write_temp` makes for `file_name`.
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

/// The folder holding `target`.
pub(crate) fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn write_synced(
    temp: &Path,
    target: &Path,
    write: impl FnOnce(&mut TempWriter) -> io::Result<()>,
) -> Result<Fingerprint, StorageError> {
    let io_error = |source: io::Error| StorageError::Io {
        path: temp.to_path_buf(),
        source,
    };
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(io_error)?;
    // A replaced file keeps the permissions it had (the operator may have restricted them).
    if let Ok(metadata) = fs::metadata(target) {
        file.set_permissions(metadata.permissions())
            .map_err(io_error)?;
    }
    let mut writer = BufWriter::with_capacity(1 << 20, FingerprintingWriter::new(file));
    write(&mut writer).map_err(io_error)?;
    let (file, fingerprint) = writer
        .into_inner()
        .map_err(|error| io_error(error.into_error()))?
        .finish();
    file.sync_all().map_err(io_error)?;
    Ok(fingerprint)
}

/// Syncs the folder entry list, making renames, creations and removals in it durable.
#[cfg(unix)]
pub(crate) fn sync_folder(folder: &Path) -> Result<(), StorageError> {
    // The rename is durable only once the folder entry itself is on disk.
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| StorageError::Io {
            path: folder.to_path_buf(),
            source,
        })
}

/// Syncs the folder entry list (nothing to do on this system).
#[cfg(not(unix))]
pub(crate) fn sync_folder(_folder: &Path) -> Result<(), StorageError> {
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

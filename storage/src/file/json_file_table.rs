//! One table mirrored in one JSON data file: memory serves reads, every change rewrites the file.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

use super::after_edit::AfterEdit;
use super::atomic_write::{is_temp_file_of, replace_file};
use super::load::load_table;
use super::python_json;
use crate::memory::table::{Plan, Table};
use crate::memory::LockedTable;
use crate::StorageError;

/// A table loaded from `<dir>/<file name>` and written back whole, atomically, on every change.
///
/// Reads are served from memory and never touch the disk. Changes are serialised by `writer`:
/// each one plans an edit against the current state, writes the resulting file, and only then
/// applies the edit to memory, so memory never holds anything the file does not.
pub(crate) struct JsonFileTable<T> {
    shared: Arc<Shared<T>>,
    writer: Arc<Mutex<()>>,
}

struct Shared<T> {
    path: PathBuf,
    state: LockedTable<T>,
}

impl<T> JsonFileTable<T>
where
    T: Table,
    T::Record: Serialize + DeserializeOwned,
{
    /// Loads `<dir>/<file_name>` (a missing file is an empty table, created at the first write).
    ///
    /// Fails with [`StorageError::Io`] when `dir` is not a readable folder or the file cannot be
    /// read, and with [`StorageError::Corrupt`] when it cannot be parsed; the file is left as is.
    pub(crate) fn open(dir: &Path, file_name: &str) -> Result<Self, StorageError> {
        let metadata = fs::metadata(dir).map_err(|source| StorageError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        if !metadata.is_dir() {
            return Err(StorageError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other("the data folder is not a directory"),
            });
        }
        let path = dir.join(file_name);
        let table = load_table::<T>(&path)?;
        remove_stale_temp_files(dir, file_name);
        Ok(JsonFileTable {
            shared: Arc::new(Shared {
                path,
                state: LockedTable::new(table),
            }),
            writer: Arc::new(Mutex::new(())),
        })
    }

    /// The data file this table is kept in.
    pub(crate) fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `read` against the current state, from memory.
    pub(crate) fn read<O>(&self, read: impl FnOnce(&T) -> O) -> O {
        self.shared.state.read(read)
    }

    /// Plans a change, writes the file it leads to, then applies it to memory.
    ///
    /// A plan that changes nothing writes nothing. If the write fails, the error is returned
    /// and both memory and file keep their previous state.
    pub(crate) async fn commit<O, P>(&self, plan: P) -> Result<O, StorageError>
    where
        O: Send + 'static,
        P: FnOnce(&T) -> Plan<T::Record, O> + Send + 'static,
    {
        // One writer at a time, so each change is planned against the state the previous one
        // left. The guard moves into the blocking task: should the caller stop waiting (a client
        // hanging up), the write still completes, memory still follows the file, and the next
        // writer still waits for both.
        let guard = Arc::clone(&self.writer).lock_owned().await;
        let shared = Arc::clone(&self.shared);
        let task = tokio::task::spawn_blocking(move || {
            let _one_writer = guard;
            shared.commit(plan)
        });
        task.await.map_err(|error| {
            StorageError::Unavailable(format!("the write task did not finish: {error}"))
        })?
    }
}

impl<T> Shared<T>
where
    T: Table,
    T::Record: Serialize,
{
    /// The blocking part of a change: plan, serialise, write, apply. Runs on a blocking thread.
    fn commit<O>(&self, plan: impl FnOnce(&T) -> Plan<T::Record, O>) -> Result<O, StorageError> {
        let planned = self.state.read(|table| {
            let (edit, outcome) = plan(table)?;
            if edit.is_empty() {
                return Ok((edit, outcome, None));
            }
            let bytes = python_json::to_vec(&AfterEdit::new(table, &edit)).map_err(|error| {
                StorageError::Io {
                    path: self.path.clone(),
                    source: std::io::Error::other(error),
                }
            })?;
            Ok((edit, outcome, Some(bytes)))
        });
        let (edit, outcome, bytes) = planned?;
        if let Some(bytes) = bytes {
            replace_file(&self.path, &bytes)?;
            self.state.apply(edit);
        }
        Ok(outcome)
    }
}

/// Deletes `<file_name>.tmp-*` files a crash may have left in `dir`; they never hold the truth
/// (the rename that would have made them the data file did not happen).
fn remove_stale_temp_files(dir: &Path, file_name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_temp_file_of(&name.to_string_lossy(), file_name) {
            let path = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => tracing::info!(path = %path.display(), "removed a stale temporary file"),
                Err(error) => tracing::warn!(
                    path = %path.display(),
                    %error,
                    "cannot remove a stale temporary file"
                ),
            }
        }
    }
}

//! Writing a snapshot: every record, in order, as the seed-format file `{id: record}` that
//! Python's `json.dump` would write, into a synced temporary file ready to be renamed in place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::atomic_write;
use super::fingerprint::Fingerprint;
use super::python_json;
use super::stored_record::{StoredRecord, StoredRef};
use crate::memory::table::Keyed;
use crate::StorageError;

/// A snapshot written to a temporary file beside the data file, not yet in place.
#[derive(Debug)]
pub(crate) struct WrittenSnapshot {
    /// The synced temporary file.
    pub(crate) temp: PathBuf,
    /// The fingerprint of its bytes.
    pub(crate) fingerprint: Fingerprint,
}

/// Writes `records` (in order) as the seed-format contents of `target`, to a synced temporary
/// file beside it; streams, so memory does not hold the file's text.
pub(crate) fn write_snapshot<R>(
    target: &Path,
    records: &[Arc<R>],
) -> Result<WrittenSnapshot, StorageError>
where
    R: Keyed + StoredRecord,
{
    let (temp, fingerprint) = atomic_write::write_temp(target, |writer| {
        python_json::to_writer(writer, &SeedFile(records)).map_err(std::io::Error::other)
    })?;
    Ok(WrittenSnapshot { temp, fingerprint })
}

/// Serialises as the data file's top-level object: each record under its id.
pub(crate) struct SeedFile<'a, R>(pub(crate) &'a [Arc<R>]);

impl<R: Keyed + StoredRecord> Serialize for SeedFile<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for record in self.0 {
            map.serialize_entry(record.key(), &StoredRef(&**record))?;
        }
        map.end()
    }
}

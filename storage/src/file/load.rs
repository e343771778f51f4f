//! Reading a data file at start-up: `{id: {record}}` into a table, or a precise error.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::fingerprint::Fingerprint;
use super::stored_record::{Stored, StoredRecord, Text};
use crate::memory::table::{Keyed, Table};
use crate::StorageError;

/// A snapshot as loaded: the table it holds and the fingerprint of its bytes (`None` when the
/// file does not exist).
pub(crate) struct Loaded<T> {
    /// The records of the file.
    pub(crate) table: T,
    /// The fingerprint of the file's bytes.
    pub(crate) fingerprint: Option<Fingerprint>,
}

/// Reads the table stored at `path`; a missing file is an empty table.
///
/// A file that cannot be parsed is reported as [`StorageError::Corrupt`] with serde_json's
/// line and column, an unreadable one as [`StorageError::Io`]; neither is ever modified.
pub(crate) fn load_table<T>(path: &Path) -> Result<Loaded<T>, StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Ok(Loaded {
                table: T::default(),
                fingerprint: None,
            })
        }
        Err(source) => {
            return Err(StorageError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let fingerprint = Some(Fingerprint::of(&bytes));
    let table = parse_table::<T>(&bytes).map_err(|error| corrupt(path, &error))?;
    Ok(Loaded { table, fingerprint })
}

/// Parses the bytes of a data file into a table, record by record, without an intermediate map.
pub(crate) fn parse_table<T>(bytes: &[u8]) -> serde_json::Result<T>
where
    T: Table,
    T::Record: StoredRecord,
{
    let mut table = T::default();
    // Records of the original's files take roughly 200 to 300 bytes each: reserving for that
    // many spares the indexes from growing (and rehashing) several times on a large file.
    table.records_mut().reserve(bytes.len() / 256);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    IntoTable(&mut table).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(table)
}

fn corrupt(path: &Path, error: &serde_json::Error) -> StorageError {
    let (line, column) = (error.line(), error.column());
    // serde_json appends the position to its message; the variant carries it separately.
    let full = error.to_string();
    let message = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full)
        .to_string();
    StorageError::Corrupt {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// Reads the file's top-level object straight into a table, in file order; each key must be its
/// record's `id`.
///
/// A key repeated in the file keeps its first position and its last value, as Python's
/// `json.load` does (and as a table's `put` does).
struct IntoTable<'t, T>(&'t mut T);

impl<'de, T> DeserializeSeed<'de> for IntoTable<'_, T>
where
    T: Table,
    T::Record: StoredRecord,
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T> Visitor<'de> for IntoTable<'_, T>
where
    T: Table,
    T::Record: StoredRecord,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping each record id to its record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let Stored(record) = map.next_value::<Stored<T::Record>>()?;
            // The original filed every record under its own id; a mismatch means the file was
            // edited by hand, and guessing which one is meant could serve the wrong record.
            if record.key() != key.as_str() {
                return Err(de::Error::custom(format!(
                    "record filed under {:?} has id {:?}",
                    key.as_str(),
                    record.key()
                )));
            }
            self.0.put(Arc::new(record));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::User;

    use super::*;
    use crate::memory::UserTable;

    fn load(text: &str) -> Result<UserTable, StorageError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("users.json");
        fs::write(&path, text).expect("writable");
        load_table::<UserTable>(&path).map(|loaded| loaded.table)
    }

    const RECORD: &str = r#"{"id": "a", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "x@y.z", "_password": null, "first_name": null, "last_name": null}"#;

    #[test]
    fn a_missing_file_is_an_empty_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let loaded: Loaded<UserTable> = load_table(&dir.path().join("none.json")).expect("loads");
        assert_eq!(loaded.table.records().len(), 0);
        assert!(loaded.fingerprint.is_none());
    }

    #[test]
    fn a_key_that_is_not_the_record_id_is_corrupt() {
        let error = load(&format!(r#"{{"b": {RECORD}}}"#)).expect_err("mismatch");
        match error {
            StorageError::Corrupt { line, message, .. } => {
                assert_eq!(line, 1);
                assert!(message.contains("\"b\""), "{message}");
                assert!(!message.contains(" at line "), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let second = RECORD.replace("x@y.z", "second@y.z");
        let other = RECORD.replace("\"a\"", "\"b\"");
        let text = format!(r#"{{"a": {RECORD}, "b": {other}, "a": {second}}}"#);
        let table = load(&text).expect("loads");
        let users: Vec<&User> = table.records().iter().map(|user| &**user).collect();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].email.as_deref(), Some("second@y.z"));
        let first_holder = table.find_by_email("x@y.z").map(|user| user.id.as_str());
        assert_eq!(first_holder, Some("b"));
    }
}

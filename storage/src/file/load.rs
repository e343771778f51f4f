//! Reading a data file at start-up: `{id: {record}}` into a table, or a precise error.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::marker::PhantomData;
use std::path::Path;

use indexmap::IndexMap;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::memory::table::{Keyed, Table};
use crate::StorageError;

/// Reads the table stored at `path`; a missing file is an empty table.
///
/// A file that cannot be parsed is reported as [`StorageError::Corrupt`] with serde_json's
/// line and column, an unreadable one as [`StorageError::Io`]; neither is ever modified.
pub(crate) fn load_table<T>(path: &Path) -> Result<T, StorageError>
where
    T: Table,
    T::Record: DeserializeOwned,
{
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(T::default()),
        Err(source) => {
            return Err(StorageError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let records: RecordMap<T::Record> =
        serde_json::from_slice(&bytes).map_err(|error| corrupt(path, &error))?;
    let mut table = T::default();
    for record in records.0.into_values() {
        table.put(record);
    }
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

/// The file's top-level object, in file order; each key must be its record's `id`.
///
/// A key repeated in the file keeps its first position and its last value, as Python's
/// `json.load` does.
struct RecordMap<R>(IndexMap<String, R>);

impl<'de, R: Keyed + Deserialize<'de>> Deserialize<'de> for RecordMap<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordMapVisitor(PhantomData))
    }
}

struct RecordMapVisitor<R>(PhantomData<R>);

impl<'de, R: Keyed + Deserialize<'de>> Visitor<'de> for RecordMapVisitor<R> {
    type Value = RecordMap<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping each record id to its record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut records = IndexMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let record: R = map.next_value()?;
            // The original filed every record under its own id; a mismatch means the file was
            // edited by hand, and guessing which one is meant could serve the wrong record.
            if record.key() != key {
                return Err(de::Error::custom(format!(
                    "record filed under {key:?} has id {:?}",
                    record.key()
                )));
            }
            records.insert(key, record);
        }
        Ok(RecordMap(records))
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
        load_table::<UserTable>(&path)
    }

    const RECORD: &str = r#"{"id": "a", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "x@y.z", "_password": null, "first_name": null, "last_name": null}"#;

    #[test]
    fn a_missing_file_is_an_empty_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let table: UserTable = load_table(&dir.path().join("none.json")).expect("loads");
        assert!(table.records().is_empty());
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
        let users: Vec<&User> = table.records().values().collect();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].email.as_deref(), Some("second@y.z"));
        let first_holder = table.find_by_email("x@y.z").map(|user| user.id.as_str());
        assert_eq!(first_holder, Some("b"));
    }
}

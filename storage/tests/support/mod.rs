//! Helpers shared by the storage test crates (each `tests/*.rs` file includes this module with
//! `mod support;` and uses part of it).
#![allow(dead_code)]

pub mod postgres;

use std::fs;
use std::path::Path;

use domain::Timestamp;

/// The journal beside the users file.
pub const USERS_JOURNAL: &str = ".db_User.json.journal";

/// Parses a timestamp written in the service's format.
pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

/// Reads a file the test expects to exist.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("file readable")
}

/// The names of the entries of `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("folder listable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

//! Helpers shared by the storage test crates (each `tests/*.rs` file includes this module with
//! `mod support;` and uses part of it).
#![allow(dead_code)]

pub mod postgres;

use std::fs;
use std::path::Path;

use domain::{NewUser, PasswordHash, Timestamp, User};

/// The journal beside the users file.
pub const USERS_JOURNAL: &str = ".db_User.json.journal";

/// Parses a timestamp written in the service's format.
pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

/// A user with this id and email (or none), a legacy hash of `pw` and fixed timestamps.
pub fn user_with(id: &str, email: Option<&str>) -> User {
    User {
        id: id.into(),
        created_at: ts("2020-01-02T03:04:05"),
        updated_at: ts("2020-01-02T03:04:05"),
        email: email.map(str::to_string),
        password: Some(PasswordHash::legacy_sha256("pw")),
        first_name: None,
        last_name: None,
        extra: serde_json::Map::new(),
    }
}

/// A user with this id and email (see [`user_with`]).
pub fn user(id: &str, email: &str) -> User {
    user_with(id, Some(email))
}

/// A new user with this email and a fresh random id, as the service creates them.
pub fn user_with_email(email: &str) -> User {
    let input = NewUser {
        email: email.to_string(),
        password: "pw".into(),
        first_name: None,
        last_name: None,
    };
    User::new(
        input,
        PasswordHash::legacy_sha256("pw"),
        ts("2020-01-01T00:00:00"),
    )
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

//! Errors of the storage layer, as outcomes a caller can act on.

use std::path::PathBuf;

use thiserror::Error;

/// What a repository operation can report besides success.
#[derive(Debug, Error)]
pub enum StorageError {
    /// Another user already has this email; emails are unique.
    #[error("email already exists")]
    DuplicateEmail,
    /// A record with the same id (or a session with the same session id) is already stored;
    /// `create` never replaces an existing record.
    #[error("a record with this id already exists")]
    DuplicateId,
    /// The record to update does not exist.
    #[error("no such record")]
    NotFound,
    /// A data file could not be parsed; start-up must stop and the file stays untouched.
    #[error("{path}: cannot parse at line {line}, column {column}: {message}")]
    Corrupt {
        /// The file that failed to parse.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Reading or writing a data file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The store cannot serve requests right now (for example a background task failed).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

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
    /// Another process (a running server, or an `api user` command) is using the data folder.
    #[error(
        "{path}: the data folder is in use by another process (a running server?); stop it first"
    )]
    InUse {
        /// The data folder.
        path: PathBuf,
    },
    /// The store cannot serve requests right now (for example a background task failed, or the
    /// database did not answer in time or lost its connection).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A store setting cannot be used (a malformed database URL, a bad schema name, zero
    /// connections); nothing was attempted. The message never contains a password.
    #[error("invalid storage setting: {0}")]
    InvalidSetting(String),
    /// The database could not be reached, or refused the login, at start-up.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Connect {
        /// Where the database was expected, as `host:port` (never the password).
        target: String,
        /// Why it failed, for example `connection refused`.
        reason: String,
    },
    /// The database was reached but its tables could not be created or brought up to date.
    #[error("cannot prepare the tables of PostgreSQL at {target}: {reason}")]
    Migration {
        /// Where the database is, as `host:port`.
        target: String,
        /// What went wrong, for example a migration this version does not know.
        reason: String,
    },
    /// The record holds a value this store cannot keep (PostgreSQL text cannot hold a NUL
    /// character, nor a timestamp before 4713 BC); nothing was written.
    #[error("the record cannot be stored: {0}")]
    Unstorable(String),
}

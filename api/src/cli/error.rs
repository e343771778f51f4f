//! Why a command failed: each message says what to do or what was wrong.

use thiserror::Error;

/// A failed command; `main` prints it after `error:` and exits 1.
#[derive(Debug, Error)]
pub enum CliError {
    /// The server could not start or failed.
    #[error(transparent)]
    Serve(#[from] api::StartError),
    /// The store could not be opened or failed.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The account service failed.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// Argon2 refused its parameters or failed.
    #[error("password hashing failed: {0}")]
    Hashing(#[from] domain::DomainError),
    /// A background task failed.
    #[error("background task failed: {0}")]
    Task(String),
    /// No user has this email or id.
    #[error("no user has the email or id {0:?}")]
    UnknownUser(String),
    /// Another user has this email.
    #[error("a user with the email {0:?} already exists")]
    DuplicateEmail(String),
    /// `--email` is empty.
    #[error("the email must not be empty")]
    EmptyEmail,
    /// The password given is empty.
    #[error("the password must not be empty")]
    EmptyPassword,
    /// Standard input ended before a password line.
    #[error("no password: standard input is empty (give the password as its first line)")]
    NoPassword,
    /// The two entries at the prompt differ.
    #[error("the two passwords differ; nothing was changed")]
    PasswordsDiffer,
    /// The terminal or standard input could not be read.
    #[error("cannot read the password: {0}")]
    Prompt(#[source] std::io::Error),
    /// A migration into PostgreSQL did not complete.
    #[error(transparent)]
    Migrate(#[from] super::migrate::MigrateError),
    /// JSON output could not be written.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

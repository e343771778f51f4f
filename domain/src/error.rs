//! Errors raised by domain rules.

use thiserror::Error;

/// What can go wrong when raw text becomes a domain value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DomainError {
    /// A timestamp that is not in the `%Y-%m-%dT%H:%M:%S` format.
    #[error("invalid timestamp {value:?}: expected YYYY-MM-DDTHH:MM:SS")]
    InvalidTimestamp {
        /// The text that failed to parse.
        value: String,
    },
    /// The Argon2 parameters are out of the range the algorithm accepts.
    #[error("invalid Argon2 parameters: {0}")]
    InvalidPasswordParams(String),
    /// Hashing a password failed inside the Argon2 implementation.
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

//! Errors of the authentication layer: failures of the machinery, never "wrong password".

use thiserror::Error;

/// A failure while authenticating or managing accounts; credentials that are simply wrong are
/// outcomes ([`crate::Recognition`], [`crate::CredentialCheck`]), not errors.
#[derive(Debug, Error)]
pub enum AuthError {
    /// The user or session store failed.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// Password hashing failed.
    #[error(transparent)]
    Hashing(#[from] domain::DomainError),
    /// A blocking hashing task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
}

//! Where users and sessions live.
//!
//! [`UserRepository`] and [`SessionRepository`] are the two async traits every other crate talks
//! to. [`memory`] implements them in process memory; [`file`](mod@file) implements them over the
//! original project's data files (`.db_User.json`, `.db_UserSession.json`), each with an
//! append-only journal of the changes not yet folded into it. One contract test suite
//! (`tests/contract.rs`) runs against every implementation. With the `mocks` feature, mockall
//! mocks of both traits are exported for other crates' tests.
//!
//! Errors are [`StorageError`] outcomes: `DuplicateEmail`, `DuplicateId`, `NotFound` for the
//! contract's refusals, `Corrupt` and `Io` for data files, `Unavailable` for a failed worker.
#![warn(missing_docs)]

pub mod error;
pub mod file;
pub mod memory;
pub mod repository;

pub use error::StorageError;
pub use repository::{SessionRepository, UserRepository};

#[cfg(any(test, feature = "mocks"))]
pub use repository::{MockSessionRepository, MockUserRepository};

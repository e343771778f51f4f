//! Where users and sessions live.
//!
//! [`UserRepository`] and [`SessionRepository`] are the two async traits every other crate talks
//! to. [`memory`] implements them in process memory; [`file`](mod@file) implements them over the
//! original project's data files (`.db_User.json`, `.db_UserSession.json`), each with an
//! append-only journal of the changes not yet folded into it; [`postgres`] implements them over
//! PostgreSQL, so that many API servers share one source of truth. [`copy`] moves every record
//! from one store into another (a data folder into PostgreSQL). One contract test suite
//! (`tests/contract.rs`) runs against every implementation. With the `mocks` feature, mockall
//! mocks of both traits are exported for other crates' tests; with `test-support`,
//! `postgres::testing` hands out throwaway PostgreSQL schemas.
//!
//! Errors are [`StorageError`] outcomes: `DuplicateEmail`, `DuplicateId`, `NotFound` for the
//! contract's refusals, `Corrupt` and `Io` for data files, `Unavailable` for a failed worker or
//! an unanswering database, `InvalidSetting`, `Connect` and `Migration` for a database that
//! cannot be used at start-up, `Unstorable` for a value the database cannot hold.
#![warn(missing_docs)]

pub mod copy;
pub mod error;
pub mod file;
pub mod memory;
pub mod postgres;
pub mod read_now;
pub mod repository;

pub use error::StorageError;
pub use read_now::ReadNow;
pub use repository::{SessionListing, SessionRepository, UserRepository};

#[cfg(any(test, feature = "mocks"))]
pub use repository::{MockSessionRepository, MockUserRepository};

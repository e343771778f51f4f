//! Users and sessions in PostgreSQL, so that many API servers share one source of truth.
//!
//! [`PgStore::connect`] checks the [`PgOptions`], connects, creates the optional schema and
//! applies the embedded migrations (`storage/migrations`, under sqlx's advisory lock, so servers
//! starting together are safe). [`PgStore::users`] and [`PgStore::sessions`] hand out the two
//! repositories over one shared pool.
//!
//! Decisions worth knowing:
//! - Queries are plain `sqlx::query` strings checked at run time: building needs no database.
//! - Every operation is bounded by `PgOptions::timeout`, twice over: the client gives up (and
//!   the pool stops waiting for a connection) after it, and each connection's
//!   `statement_timeout` makes the server stop too. A lost connection, a timeout or an exhausted
//!   pool is [`StorageError::Unavailable`](crate::StorageError::Unavailable); the pool pings
//!   idle connections before use and replaces dead ones, so it recovers by itself when the
//!   database is back. Nothing is retried: a write whose connection broke may have committed.
//! - Refusals come from the database's unique indexes, named in `errors.rs`: they stay right
//!   under concurrent writes from any number of servers.
//! - `close()` of either repository does nothing (PostgreSQL already holds every acknowledged
//!   change, and the other repository shares the pool); [`PgStore::close`] closes the pool.
//! - A value PostgreSQL cannot hold (a NUL character in text, a year before 4713 BC) is
//!   [`StorageError::Unstorable`](crate::StorageError::Unstorable); the memory and file stores
//!   take it.

mod database;
mod errors;
mod options;
mod redact;
mod rows;
mod sessions;
mod store;
#[cfg(feature = "test-support")]
pub mod testing;
mod users;

pub use options::{PgOptions, DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUT};
pub use redact::redact_password;
pub use sessions::PgSessionRepository;
pub use store::PgStore;
pub use users::PgUserRepository;

//! Shared harness of the end-to-end tests: runs the real `api` binary and talks HTTP to it.
//!
//! Every `tests/e2e_*.rs` file is its own test crate that includes this module with
//! `mod e2e_support;` and uses only part of it, hence the blanket allows below.
#![allow(dead_code, unused_imports)]

pub mod checks;
pub mod cli;
pub mod crash;
pub mod fixtures;
pub mod http;
pub mod proxy;
pub mod requests;
pub mod server;

pub use checks::{assert_seed_user, assert_user, is_timestamp, is_uuid4, CookieLine};
pub use cli::{run_cli, CommandOutput};
pub use fixtures::{base64, seed_original_data, seeded_dir, SeedUser, ORIGINAL_USERS, U1, U2, U3};
pub use http::{Creds, Reply, DEFAULT_SESSION_NAME};
pub use requests::{Body, Snapshot, LOGIN, LOGOUT};
pub use server::{run_to_exit, Exit, Server};

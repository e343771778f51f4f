//! The HTTP API of the authentication service: a drop-in replacement for the original Flask app.
//!
//! [`config::Config`] parses the environment once; [`state::AppState`] holds the stores and the
//! authentication system built from it; [`router`] is the axum application (CORS, body limit,
//! authentication filter before routing, slash tolerance, routes R1-R11, JSON 404/405); [`serve`]
//! binds and runs it with the expired-session sweep and graceful shutdown.
#![warn(missing_docs)]

pub mod access_line;
mod app;
mod body;
mod body_limit;
pub mod config;
pub mod connect_info;
pub mod cookie;
mod cors;
pub mod error;
pub mod filter;
mod input;
mod json;
mod method_not_allowed;
pub mod openapi;
mod routes;
pub mod server;
pub mod state;
pub mod storage_setting;
pub mod stores;

pub use app::{router, Gateway};
pub use config::{Config, ConfigError};
pub use cookie::SessionCookie;
pub use error::ApiError;
pub use filter::CurrentUser;
pub use server::{run, serve, StartError};
pub use state::AppState;

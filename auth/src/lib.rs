//! Authentication: who is making this request?
//!
//! The original project's mechanisms (Part B 3 of the SPEC) are implementations of one
//! [`Authenticator`] trait: [`basic::BasicAuth`] (HTTP Basic) and [`sessions::SessionAuth`]
//! (cookie sessions, in memory, expiring, or kept in the session repository). [`chain::AuthChain`]
//! composes them: the first mechanism that recognises the request's credentials decides.
//! [`config::AuthSetting`] parses `AUTH_TYPE`, [`setup`] builds the chain from it,
//! [`path_rule`] decides which paths need authentication, [`cookie`] reads the session cookie the
//! way Werkzeug does, and [`accounts::Accounts`] owns every password operation (Argon2id hashing
//! off the async threads and bounded by [`hashing`], a short-lived cache of successful checks,
//! legacy-hash upgrade, revoking a deleted user's sessions). [`throttle`] limits failed password
//! checks per account and per client address (brute-force protection).
#![warn(missing_docs)]

pub mod accounts;
pub mod basic;
pub mod chain;
pub mod config;
pub mod cookie;
mod credential_cache;
pub mod credentials;
pub mod error;
pub mod hashing;
pub mod login;
pub mod mechanism;
pub mod path_rule;
pub mod session_list;
pub mod sessions;
pub mod setup;
pub mod throttle;

#[cfg(test)]
mod test_support;

pub use accounts::{
    Accounts, AccountsOptions, Attempt, CredentialCheck, NameChange, PasswordChange,
};
pub use chain::AuthChain;
pub use config::{AuthConfigError, AuthSetting, Mechanism};
pub use credentials::RequestCredentials;
pub use error::AuthError;
pub use hashing::HashingStats;
pub use login::LoginOutcome;
pub use mechanism::{Authenticator, Recognition, SessionManager};
pub use session_list::{IdleTimeout, SessionInfo, SessionOrigin};
pub use setup::{AuthDeps, AuthSystem};
pub use throttle::{Admission, LoginThrottle, RetryAfter, ThrottleOptions};

#[cfg(any(test, feature = "mocks"))]
pub use mechanism::{MockAuthenticator, MockSessionManager};

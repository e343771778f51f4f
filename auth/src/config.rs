//! `AUTH_TYPE`: which mechanisms guard the API.

use thiserror::Error;

/// One authentication mechanism of the original project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// `auth`: the base class; paths are guarded but no credential is ever valid.
    Auth,
    /// `basic_auth`: HTTP Basic against the user store.
    Basic,
    /// `session_auth`: cookie sessions in process memory, never expiring.
    Session,
    /// `session_exp_auth`: cookie sessions in process memory, expiring after `SESSION_DURATION`.
    SessionExp,
    /// `session_db_auth`: cookie sessions in the session repository, expiring, surviving restarts.
    SessionDb,
}

/// The parsed value of `AUTH_TYPE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSetting {
    /// No authentication at all (`AUTH_TYPE` unset, empty or `none`).
    Off,
    /// The filter is on and these mechanisms are tried in order.
    On(Vec<Mechanism>),
}

/// Why an `AUTH_TYPE` value was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthConfigError {
    /// A name that is not a mechanism.
    #[error("unknown AUTH_TYPE {0:?}: valid values are none, auth, basic_auth, session_auth, session_exp_auth, session_db_auth, or a comma-separated list of mechanisms such as basic_auth,session_db_auth")]
    Unknown(String),
    /// More than one session mechanism in one list.
    #[error("AUTH_TYPE {0:?} lists more than one session mechanism; choose one of session_auth, session_exp_auth, session_db_auth")]
    SeveralSessionMechanisms(String),
}

impl AuthSetting {
    /// Parses `AUTH_TYPE` (unset, empty or `none`: off; otherwise one mechanism name or a
    /// comma-separated list of them, surrounding spaces ignored; names are case-sensitive).
    pub fn parse(value: Option<&str>) -> Result<AuthSetting, AuthConfigError> {
        let _ = value;
        todo!("auth helper")
    }

    /// Tells whether sessions must live in the persistent session store (`session_db_auth`).
    pub fn uses_persistent_sessions(&self) -> bool {
        todo!("auth helper")
    }
}

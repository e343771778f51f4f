//! Building the authentication system that `AUTH_TYPE` asks for.

use std::sync::Arc;

use domain::{Clock, SessionDuration};
use storage::{SessionRepository, UserRepository};

use crate::{Accounts, Authenticator, SessionManager};

/// What the mechanisms are built from.
pub struct AuthDeps {
    /// The user store.
    pub users: Arc<dyn UserRepository>,
    /// The session store: in memory for `session_auth`/`session_exp_auth`, the file (or another
    /// persistent) store for `session_db_auth`.
    pub sessions: Arc<dyn SessionRepository>,
    /// Password operations.
    pub accounts: Arc<Accounts>,
    /// `SESSION_DURATION` as parsed (ignored by `session_auth`, which never expires).
    pub duration: SessionDuration,
    /// The clock used for expiry.
    pub clock: Arc<dyn Clock>,
}

/// The built system: the filter's authenticator (`None` when authentication is off) and the
/// session manager used by login and logout (`None` when no session mechanism is configured).
#[derive(Clone)]
pub struct AuthSystem {
    /// Decides who a request is; `None` means the API is open.
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// Opens and ends sessions; `None` means login and logout answer 404.
    pub sessions: Option<Arc<dyn SessionManager>>,
}

impl AuthSystem {
    /// Builds the mechanisms `setting` lists, in order, sharing the given stores.
    pub fn build(setting: &crate::AuthSetting, deps: AuthDeps) -> AuthSystem {
        let _ = (setting, deps);
        todo!("auth helper")
    }
}

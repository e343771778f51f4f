//! Building the authentication system that `AUTH_TYPE` asks for.

use std::sync::Arc;

use domain::{Clock, SessionDuration};
use storage::{SessionRepository, UserRepository};

use crate::basic::BasicAuth;
use crate::sessions::SessionAuth;
use crate::{
    Accounts, AuthChain, AuthSetting, Authenticator, IdleTimeout, Mechanism, SessionManager,
};

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
    /// `SESSION_IDLE_TIMEOUT`: sessions of every session mechanism end after this long unused
    /// (off by default, as in the original).
    pub idle_timeout: IdleTimeout,
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
    pub fn build(setting: &AuthSetting, deps: AuthDeps) -> AuthSystem {
        let AuthSetting::On(mechanisms) = setting else {
            return AuthSystem {
                authenticator: None,
                sessions: None,
            };
        };
        let mut chain: Vec<Arc<dyn Authenticator>> = Vec::with_capacity(mechanisms.len());
        let mut sessions: Option<Arc<dyn SessionManager>> = None;
        for mechanism in mechanisms {
            match mechanism {
                // The base `Auth` recognises nothing: alone it makes an empty chain.
                Mechanism::Auth => {}
                Mechanism::Basic => {
                    chain.push(Arc::new(BasicAuth::new(Arc::clone(&deps.accounts))))
                }
                Mechanism::Session | Mechanism::SessionExp | Mechanism::SessionDb => {
                    let session_auth = Arc::new(
                        SessionAuth::new(
                            Arc::clone(&deps.users),
                            Arc::clone(&deps.sessions),
                            session_duration(*mechanism, deps.duration),
                            Arc::clone(&deps.clock),
                        )
                        .with_idle_timeout(deps.idle_timeout),
                    );
                    chain.push(session_auth.clone());
                    sessions = Some(session_auth);
                }
            }
        }
        AuthSystem {
            authenticator: Some(match <[_; 1]>::try_from(chain) {
                // One mechanism needs no chain around it: the filter asks it directly, which
                // saves a boxed future on every authenticated request.
                Ok([only]) => only,
                Err(chain) => Arc::new(AuthChain::new(chain)),
            }),
            sessions,
        }
    }
}

/// Returns how long sessions of `mechanism` live: `session_auth` never expires, whatever
/// `SESSION_DURATION` says; the other two honour it. Where sessions are kept is the caller's
/// choice (`AuthDeps::sessions`).
fn session_duration(mechanism: Mechanism, configured: SessionDuration) -> SessionDuration {
    match mechanism {
        Mechanism::Session => SessionDuration::from_seconds(0),
        _ => configured,
    }
}

#[cfg(test)]
mod tests;

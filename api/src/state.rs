//! The shared state every handler and middleware sees, and how it is built from a `Config`.

use std::sync::Arc;

use auth::{Accounts, AuthDeps, AuthSystem};
use domain::{Clock, PasswordHasher, SystemClock};
use storage::UserRepository;

use crate::config::Config;
use crate::cookie::SessionCookie;
use crate::server::StartError;
use crate::stores::Stores;

/// What the API works with, shared by every request: cloning it is one reference-count increment
/// (it is cloned by every middleware and handler, so it must stay that cheap). Its fields are
/// read through [`StateParts`].
#[derive(Clone)]
pub struct AppState {
    parts: Arc<StateParts>,
}

/// The contents of [`AppState`]: the user store, the account service, the authentication system,
/// the session cookie settings and the request body limit.
pub struct StateParts {
    /// The user store, for reads (listing, lookups, counting).
    pub users: Arc<dyn UserRepository>,
    /// Every write to users and every password check.
    pub accounts: Arc<Accounts>,
    /// The filter's authenticator and the login/logout session manager.
    pub auth: AuthSystem,
    /// The session cookie's name and attributes.
    pub cookie: SessionCookie,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The stores to close when the server stops (none for states assembled by `new`).
    stores: Option<Stores>,
}

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.parts
    }
}

impl AppState {
    /// Assembles the state from already-built parts, so tests can inject memory stores or mocks.
    pub fn new(
        users: Arc<dyn UserRepository>,
        accounts: Arc<Accounts>,
        auth: AuthSystem,
        cookie: SessionCookie,
        body_limit: usize,
    ) -> Self {
        Self::assemble(users, accounts, auth, cookie, body_limit, None)
    }

    fn assemble(
        users: Arc<dyn UserRepository>,
        accounts: Arc<Accounts>,
        auth: AuthSystem,
        cookie: SessionCookie,
        body_limit: usize,
        stores: Option<Stores>,
    ) -> Self {
        AppState {
            parts: Arc::new(StateParts {
                users,
                accounts,
                auth,
                cookie,
                body_limit,
                stores,
            }),
        }
    }

    /// Closes the stores [`build`](Self::build) opened (states assembled with
    /// [`new`](Self::new) have none): every accepted change is folded into the data files.
    /// A failure is logged; nothing is lost then, as the journals are replayed at the next start.
    pub async fn close_stores(&self) {
        if let Some(stores) = &self.stores {
            stores.close().await;
        }
    }

    /// Builds the real state: the stores `STORAGE` and `AUTH_TYPE` ask for (see
    /// [`Stores::open`]), Argon2id with the configured cost and the system's UTC clock. A corrupt
    /// data file or an unreachable database stops start-up here.
    pub async fn build(config: &Config) -> Result<AppState, StartError> {
        let opened = Stores::open(config).await?;
        let (users, sessions) = (opened.users.clone(), opened.sessions.clone());
        let hasher = PasswordHasher::new(config.password_params)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let accounts = Arc::new(Accounts::with_options(
            users.clone(),
            sessions.clone(),
            hasher,
            clock.clone(),
            config.accounts.clone(),
        ));
        let auth = AuthSystem::build(
            &config.auth,
            AuthDeps {
                users: users.clone(),
                sessions,
                accounts: accounts.clone(),
                duration: config.session_duration,
                idle_timeout: config.idle_timeout,
                clock,
            },
        );
        Ok(AppState::assemble(
            users,
            accounts,
            auth,
            SessionCookie::new(config.session_name.clone(), config.cookie_secure),
            config.max_body_bytes,
            Some(opened),
        ))
    }
}

//! The shared state every handler and middleware sees, and how it is built from a `Config`.

use std::sync::Arc;

use auth::{Accounts, AuthDeps, AuthSystem};
use domain::{Clock, PasswordHasher, SystemClock};
use storage::file::{FileSessionRepository, FileUserRepository};
use storage::memory::MemorySessionRepository;
use storage::{SessionRepository, UserRepository};

use crate::config::Config;
use crate::cookie::SessionCookie;
use crate::server::StartError;

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
    /// The stores to close when the server stops.
    stores: OpenStores,
}

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.parts
    }
}

/// The repositories [`AppState::build`] opened, kept to be closed at shutdown: closing a file
/// store folds its journal into the data file, leaving the folder as the original writes it.
#[derive(Clone, Default)]
struct OpenStores {
    users: Option<Arc<dyn UserRepository>>,
    sessions: Option<Arc<dyn SessionRepository>>,
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
        Self::assemble(
            users,
            accounts,
            auth,
            cookie,
            body_limit,
            OpenStores::default(),
        )
    }

    fn assemble(
        users: Arc<dyn UserRepository>,
        accounts: Arc<Accounts>,
        auth: AuthSystem,
        cookie: SessionCookie,
        body_limit: usize,
        stores: OpenStores,
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
        if let Some(sessions) = &self.stores.sessions {
            if let Err(err) = sessions.close().await {
                tracing::warn!(error = %err, "cannot close the session store");
            }
        }
        if let Some(users) = &self.stores.users {
            if let Err(err) = users.close().await {
                tracing::warn!(error = %err, "cannot close the user store");
            }
        }
    }

    /// Builds the real state: the user file store in `DATA_DIR`, the session store that
    /// `AUTH_TYPE` asks for (the file for `session_db_auth`, memory otherwise), Argon2id with the
    /// configured cost and the system's UTC clock. A corrupt data file stops start-up here.
    pub fn build(config: &Config) -> Result<AppState, StartError> {
        let users: Arc<dyn UserRepository> = Arc::new(FileUserRepository::open(&config.data_dir)?);
        let sessions: Arc<dyn SessionRepository> = if config.auth.uses_persistent_sessions() {
            Arc::new(FileSessionRepository::open(&config.data_dir)?)
        } else {
            Arc::new(MemorySessionRepository::new())
        };
        let hasher = PasswordHasher::new(config.password_params)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let accounts = Arc::new(Accounts::with_options(
            users.clone(),
            sessions.clone(),
            hasher,
            clock.clone(),
            config.accounts.clone(),
        ));
        let stores = OpenStores {
            users: Some(users.clone()),
            sessions: Some(sessions.clone()),
        };
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
            stores,
        ))
    }
}

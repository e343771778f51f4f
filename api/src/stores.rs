//! Opening the repositories that `STORAGE` and `AUTH_TYPE` ask for, for the server and the CLI.

use std::sync::Arc;

use storage::file::{FileSessionRepository, FileUserRepository};
use storage::memory::{MemorySessionRepository, MemoryUserRepository};
use storage::postgres::{PgOptions, PgStore};
use storage::{SessionListing, SessionRepository, StorageError, UserRepository};

use crate::config::Config;
use crate::storage_setting::{DatabaseSetting, StorageSetting};

/// The user repository and the session repository of one configuration.
#[derive(Clone)]
pub struct Stores {
    /// Where users live.
    pub users: Arc<dyn UserRepository>,
    /// Where sessions live: the persistent store under `session_db_auth`, memory otherwise
    /// (the original's `session_auth` and `session_exp_auth` keep sessions in process memory).
    pub sessions: Arc<dyn SessionRepository>,
    /// Every stored session at once, when `sessions` is the persistent store (for the
    /// command-line tools; the server never lists the whole store).
    pub listing: Option<Arc<dyn SessionListing>>,
    /// The PostgreSQL connection pool both repositories share, closed last.
    database: Option<PgStore>,
}

impl Stores {
    /// Opens the stores of `config`: a corrupt data file or an unreachable database stops here,
    /// with a message naming the file or the host.
    pub async fn open(config: &Config) -> Result<Stores, StorageError> {
        let persistent = Self::open_persistent(config).await?;
        if config.auth.uses_persistent_sessions() {
            return Ok(persistent);
        }
        Ok(Stores {
            sessions: Arc::new(MemorySessionRepository::new()),
            listing: None,
            ..persistent
        })
    }

    /// Opens both persistent tables of `config`'s store whatever `AUTH_TYPE` says, as the
    /// command-line tools that manage stored sessions need.
    pub async fn open_persistent(config: &Config) -> Result<Stores, StorageError> {
        match &config.storage {
            StorageSetting::File => {
                let sessions = Arc::new(FileSessionRepository::open(&config.data_dir)?);
                Ok(Stores {
                    users: Arc::new(FileUserRepository::open(&config.data_dir)?),
                    sessions: sessions.clone(),
                    listing: Some(sessions),
                    database: None,
                })
            }
            StorageSetting::Memory => {
                let sessions = Arc::new(MemorySessionRepository::new());
                Ok(Stores {
                    users: Arc::new(MemoryUserRepository::new()),
                    sessions: sessions.clone(),
                    listing: Some(sessions),
                    database: None,
                })
            }
            StorageSetting::Postgres(setting) => {
                let database = connect(setting).await?;
                let sessions = Arc::new(database.sessions());
                Ok(Stores {
                    users: Arc::new(database.users()),
                    sessions: sessions.clone(),
                    listing: Some(sessions),
                    database: Some(database),
                })
            }
        }
    }

    /// Makes every accepted change durable in the stores' final form (see
    /// [`UserRepository::close`]); a failure is logged, as the journals are replayed at the next
    /// start and nothing is lost.
    pub async fn close(&self) {
        if let Err(err) = self.sessions.close().await {
            tracing::warn!(error = %err, "cannot close the session store");
        }
        if let Err(err) = self.users.close().await {
            tracing::warn!(error = %err, "cannot close the user store");
        }
        if let Some(database) = &self.database {
            database.close().await;
        }
    }
}

/// Connects to the configured database, creating its schema and applying the migrations; the
/// error names the host and port, never the password.
pub async fn connect(setting: &DatabaseSetting) -> Result<PgStore, StorageError> {
    let options = PgOptions {
        url: setting.url.clone(),
        timeout: setting.timeout,
        max_connections: setting.max_connections,
        schema: setting.schema.clone(),
    };
    PgStore::connect(&options).await
}

//! Connecting to PostgreSQL: checking the settings, creating the schema, applying migrations,
//! and handing out the two repositories over one pool.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};

use super::database::{pool_options, session_setup, Database};
use super::errors::connect_reason;
use super::options::{quoted, PgOptions, ResolvedOptions};
use super::{PgSessionRepository, PgUserRepository};
use crate::StorageError;

/// The migrations in `storage/migrations`, embedded at build time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The least time given to migrations: a server starting next to another may wait for the
/// other's migration to finish, which can outlast one operation's timeout.
const MIN_MIGRATION_TIME: Duration = Duration::from_secs(60);

/// A connected PostgreSQL store: one pool, shared by its user and session repositories.
#[derive(Clone)]
pub struct PgStore {
    database: Database,
    schema: Option<String>,
}

impl PgStore {
    /// Connects to the database of `options`, creates `options.schema` when it is given and
    /// missing, and applies the migrations this version knows.
    ///
    /// Servers may start together: migrations run under sqlx's advisory lock (one per
    /// database), so one server applies them while the others wait and then find nothing left
    /// to do. Fails with [`StorageError::InvalidSetting`] for unusable settings,
    /// [`StorageError::Connect`] (naming `host:port`, never the password) when the database
    /// cannot be reached or refuses the login within `options.timeout`, and
    /// [`StorageError::Migration`] when the tables cannot be brought up to date (for example
    /// when a newer version already migrated the database).
    pub async fn connect(options: &PgOptions) -> Result<PgStore, StorageError> {
        let resolved = options.resolve()?;
        let target = resolved.target.clone();
        let schema = options.schema.as_deref();
        let failed = |reason: String| StorageError::Migration {
            target: target.clone(),
            reason,
        };

        let mut connection = first_connection(&resolved, options.timeout).await?;
        let created = bounded(options.timeout, create_schema(&mut connection, schema)).await;
        let _ = connection.close().await;
        created.map_err(failed)?;

        let migration_time = options.timeout.max(MIN_MIGRATION_TIME);
        bounded(migration_time, migrate(resolved.connect.clone(), schema))
            .await
            .map_err(failed)?;

        let database = Database::lazy(
            resolved.connect,
            resolved.target,
            options.timeout,
            options.max_connections,
            options.schema.clone(),
        );
        Ok(PgStore {
            database,
            schema: options.schema.clone(),
        })
    }

    /// Returns the user repository (a handle on the shared pool; cheap to call).
    pub fn users(&self) -> PgUserRepository {
        PgUserRepository::new(self.database.clone())
    }

    /// Returns the session repository (a handle on the shared pool; cheap to call).
    pub fn sessions(&self) -> PgSessionRepository {
        PgSessionRepository::new(self.database.clone())
    }

    /// Returns `host:port` of the database, for messages.
    pub fn target(&self) -> &str {
        self.database.target()
    }

    /// Closes every connection of the pool, waiting for operations in flight; operations
    /// afterwards, through either repository, fail with [`StorageError::Unavailable`]. Nothing
    /// needs flushing (PostgreSQL already holds every acknowledged change): this only says
    /// goodbye to the server instead of dropping the connections.
    pub async fn close(&self) {
        self.database.close().await;
    }
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.database.target())
            .field("schema", &self.schema)
            .finish()
    }
}

/// Opens a connection by hand, not through a pool: a pool retries a refused connection until
/// its timeout and then reports only that it timed out, where the operator needs to read
/// "connection refused" or "password authentication failed".
async fn first_connection(
    resolved: &ResolvedOptions,
    timeout: Duration,
) -> Result<PgConnection, StorageError> {
    let failed = |reason: String| StorageError::Connect {
        target: resolved.target.clone(),
        reason,
    };
    tokio::time::timeout(timeout, PgConnection::connect_with(&resolved.connect))
        .await
        .map_err(|_| failed(format!("no answer within {timeout:?}")))?
        .map_err(|error| failed(connect_reason(&error)))
}

/// Runs `work` for at most `limit`.
async fn bounded<T>(
    limit: Duration,
    work: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| Err(format!("not done within {limit:?}")))
}

/// Creates the schema, when there is one, unless it exists.
async fn create_schema(connection: &mut PgConnection, schema: Option<&str>) -> Result<(), String> {
    let Some(schema) = schema else {
        return Ok(());
    };
    let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quoted(schema));
    // Boxed as `Send` here, where its lifetimes are concrete: left inline, rustc cannot prove
    // the future of `PgStore::connect` `Send` for every lifetime of sqlx's executor traits, and
    // a store could not be connected inside `tokio::spawn`.
    let created: Pin<Box<dyn Future<Output = _> + Send + '_>> =
        Box::pin(connection.execute(sql.as_str()));
    match created.await {
        Ok(_) => Ok(()),
        // Two servers creating the schema at once: IF NOT EXISTS does not cover the race, and
        // the loser sees a unique violation in the catalog. The schema exists either way.
        Err(sqlx::Error::Database(error))
            if matches!(error.code().as_deref(), Some("23505" | "42P06")) =>
        {
            Ok(())
        }
        Err(error) => Err(format!(
            "cannot create schema {schema}: {}",
            connect_reason(&error)
        )),
    }
}

/// Applies the migrations through a pool of one connection of its own, closed afterwards:
/// sqlx's migration lock belongs to that connection's session, so closing it releases the lock
/// even after a failure (a pooled connection kept for requests could hold it for ever), and its
/// connection has no `statement_timeout`, so waiting for another server's migration is allowed.
async fn migrate(connect: PgConnectOptions, schema: Option<&str>) -> Result<(), String> {
    let pool = pool_options(session_setup(schema, None))
        .max_connections(1)
        .connect_lazy_with(connect);
    let migrated = MIGRATOR.run(&pool).await;
    pool.close().await;
    migrated.map_err(|error| explain_migration(&error))
}

fn explain_migration(error: &MigrateError) -> String {
    match error {
        MigrateError::VersionMissing(version) => format!(
            "the database has migration {version}, which this version does not know \
             (was it migrated by a newer release?)"
        ),
        MigrateError::VersionMismatch(version) => format!(
            "migration {version} in the database differs from this version's (edited after \
             it was applied?)"
        ),
        MigrateError::Execute(inner) => {
            format!("while running migrations: {}", connect_reason(inner))
        }
        MigrateError::ExecuteMigration(inner, version) => {
            format!(
                "while applying migration {version}: {}",
                connect_reason(inner)
            )
        }
        other => other.to_string(),
    }
}

//! The connection pool both repositories share, and the time limit every operation runs under.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Executor;

use super::errors::Failure;
use super::options::quoted;
use crate::StorageError;

/// A pool of connections to one database (and schema), cheap to clone.
#[derive(Clone)]
pub(crate) struct Database {
    pool: PgPool,
    timeout: Duration,
    target: Arc<str>,
}

impl Database {
    /// Builds the pool without connecting: the caller has just proved the database reachable,
    /// and connections open on first use.
    ///
    /// Every connection gets the schema as its `search_path` and `timeout` as its
    /// `statement_timeout`, so a query the client gave up on does not run on in the server.
    /// Each idle connection is pinged before it is handed out, so connections a restart or an
    /// administrator killed are replaced instead of failing a request: once the database is
    /// back, the pool recovers by itself.
    pub(crate) fn lazy(
        connect: PgConnectOptions,
        target: String,
        timeout: Duration,
        max_connections: u32,
        schema: Option<String>,
    ) -> Self {
        let pool = pool_options(session_setup(schema.as_deref(), Some(timeout)))
            .max_connections(max_connections)
            .acquire_timeout(timeout)
            .test_before_acquire(true)
            .connect_lazy_with(connect);
        Database {
            pool,
            timeout,
            target: target.into(),
        }
    }

    /// Returns the pool, to run queries on.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Returns `host:port` of the database, for messages.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// Runs one operation within the time limit and classifies its failure. An operation cut
    /// short leaves no harm behind: sqlx checks the connection before reusing it, and the
    /// server cancels the statement through `statement_timeout`.
    pub(crate) async fn run<T>(
        &self,
        operation: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(outcome) => outcome.map_err(|failure| failure.classify(&self.target)),
            Err(_) => Err(StorageError::Unavailable(format!(
                "PostgreSQL at {} did not answer within {:?}",
                self.target, self.timeout
            ))),
        }
    }

    /// Closes every connection; operations afterwards fail with `Unavailable`.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// The statements that prepare a new connection: the schema to search and the server-side time
/// limit of each statement (none for the migration connection, which may wait for another
/// server's migration).
pub(crate) fn session_setup(schema: Option<&str>, timeout: Option<Duration>) -> String {
    let mut setup = String::new();
    if let Some(schema) = schema {
        setup.push_str(&format!("SET search_path TO {};", quoted(schema)));
    }
    if let Some(timeout) = timeout {
        // At least 1 ms: zero would mean "no limit" to PostgreSQL.
        let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
        setup.push_str(&format!("SET statement_timeout = {millis};"));
    }
    setup
}

/// Pool settings whose every new connection first runs `setup` (from [`session_setup`]).
pub(crate) fn pool_options(setup: String) -> PgPoolOptions {
    let setup = Arc::new(setup);
    PgPoolOptions::new().after_connect(move |connection, _| {
        let setup = Arc::clone(&setup);
        Box::pin(async move {
            if !setup.is_empty() {
                // A plain string runs as a simple query, which may hold several statements.
                connection.execute(setup.as_str()).await?;
            }
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_search_the_schema_and_limit_statements() {
        assert_eq!(
            session_setup(Some("s1"), Some(Duration::from_millis(1500))),
            "SET search_path TO \"s1\";SET statement_timeout = 1500;"
        );
        assert_eq!(session_setup(None, None), "");
        assert_eq!(
            session_setup(None, Some(Duration::from_micros(10))),
            "SET statement_timeout = 1;"
        );
    }
}

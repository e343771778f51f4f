//! Throwaway PostgreSQL schemas for tests (feature `test-support`), shared with other crates'
//! tests so that every test runs on its own empty tables.
//!
//! The test database is `TEST_DATABASE_URL`, by default [`DEFAULT_TEST_DATABASE_URL`]. When it
//! cannot be reached, [`TestDatabase::connect`] prints `skipped: PostgreSQL not reachable at
//! ...` and returns `None`, so a developer without PostgreSQL can still run the suite; when the
//! environment says `CI=true` it panics instead, because a missing database must fail CI.

use std::io::Write;
use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

use super::options::quoted;
use super::{PgOptions, PgStore};
use crate::StorageError;

/// The database tests use when `TEST_DATABASE_URL` is not set.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Connections per test store: enough for real concurrency, few enough for many tests at once
/// within the server's connection limit.
const TEST_MAX_CONNECTIONS: u32 = 5;

/// The longest the clean-up of a schema may take before it is abandoned.
const CLEANUP_TIME: Duration = Duration::from_secs(10);

/// A store on a fresh schema of the test database, dropped (best effort) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    store: PgStore,
    options: PgOptions,
    schema: String,
}

impl TestDatabase {
    /// Connects to the test database on a new, randomly named, migrated schema; `None` (after
    /// printing why) when PostgreSQL is not reachable outside CI.
    ///
    /// # Panics
    /// When PostgreSQL is not reachable and `CI=true`, or when it is reachable but the schema
    /// cannot be prepared (a bug, not a missing database).
    pub async fn connect() -> Option<TestDatabase> {
        let schema = format!("test_{}", domain::new_id().replace('-', ""));
        let mut options = PgOptions::new(test_database_url());
        options.max_connections = TEST_MAX_CONNECTIONS;
        options.schema = Some(schema.clone());
        match PgStore::connect(&options).await {
            Ok(store) => Some(TestDatabase {
                store,
                options,
                schema,
            }),
            Err(StorageError::Connect { target, reason }) => {
                unreachable_database(&target, &reason);
                None
            }
            Err(other) => panic!("the test database cannot be prepared: {other}"),
        }
    }

    /// Returns the store on this test's schema.
    pub fn store(&self) -> &PgStore {
        &self.store
    }

    /// Returns the settings of the store (URL, schema, limits), to open another store or start
    /// a server on the same tables.
    pub fn options(&self) -> &PgOptions {
        &self.options
    }

    /// Returns the URL of the test database.
    pub fn url(&self) -> &str {
        &self.options.url
    }

    /// Returns the name of this test's schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside any async context it could use (possibly while a test unwinds), so
        // the schema is dropped from a thread with a runtime of its own. Failures are ignored:
        // a leftover schema costs disk space, not correctness, since every name is fresh.
        let url = self.options.url.clone();
        let schema = self.schema.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let _ = tokio::time::timeout(CLEANUP_TIME, drop_schema(&url, &schema)).await;
                });
            }
        });
        let _ = cleanup.join();
    }
}

/// Returns `TEST_DATABASE_URL`, or [`DEFAULT_TEST_DATABASE_URL`] when it is not set.
pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_string())
}

/// Tells whether the environment is CI (`CI=true`), where a missing database fails the run.
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"))
}

fn unreachable_database(target: &str, reason: &str) {
    if running_in_ci() {
        panic!(
            "PostgreSQL not reachable at {target} ({reason}); CI=true requires the test \
             database (set TEST_DATABASE_URL or start PostgreSQL)"
        );
    }
    // Written to the process's stderr directly, past the test harness's capture, so the skip
    // shows in a normal `cargo test` run.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: PostgreSQL not reachable at {target} ({reason})"
    );
}

async fn drop_schema(url: &str, schema: &str) -> Result<(), sqlx::Error> {
    let mut connection = PgConnection::connect(url).await?;
    // A test that left a query running must not hold the clean-up for ever.
    connection.execute("SET lock_timeout = '5s'").await?;
    let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", quoted(schema));
    connection.execute(sql.as_str()).await?;
    connection.close().await
}

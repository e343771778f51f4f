//! Helpers for tests that need PostgreSQL beyond a store on a throwaway schema: a connection of
//! their own to act on the server, a second store on the same tables, an address nobody serves.

use std::net::TcpListener;
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use storage::postgres::testing::TestDatabase;
use storage::postgres::{PgOptions, PgStore};

/// A connection outside every store, to lock tables or end other connections as an
/// administrator would.
pub async fn admin_connection(database: &TestDatabase) -> PgConnection {
    PgConnection::connect(database.url())
        .await
        .expect("the test database accepts another connection")
}

/// Another store on the same schema, as a second API server would open it, with `timeout`.
pub async fn second_store(database: &TestDatabase, timeout: Duration) -> PgStore {
    let mut options = database.options().clone();
    options.timeout = timeout;
    PgStore::connect(&options)
        .await
        .expect("a second store connects")
}

/// The settings of the test database on another schema, `<test schema>_<suffix>`, not yet
/// created; the caller drops it with [`drop_schema`].
pub fn options_on_new_schema(database: &TestDatabase, suffix: &str) -> PgOptions {
    let mut options = database.options().clone();
    options.schema = Some(format!("{}_{suffix}", database.schema()));
    options
}

/// Drops a schema a test created beside its own.
pub async fn drop_schema(database: &TestDatabase, schema: &str) {
    let mut admin = admin_connection(database).await;
    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&mut admin)
        .await
        .expect("schema dropped");
}

/// A local port nothing listens on (it was free a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

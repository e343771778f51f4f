//! Starting a PostgreSQL store: settings, connection failures named by host and port, schemas,
//! migrations shared by servers starting together, and closing.
//!
//! Tests that need the server skip (with a printed line) when it is not reachable, unless
//! `CI=true`; the ones about unreachable servers need none.

mod support;

use std::time::Duration;

use support::postgres::{admin_connection, drop_schema, free_port, options_on_new_schema};
use support::user_with_email;

use storage::postgres::testing::TestDatabase;
use storage::postgres::{PgOptions, PgStore};
use storage::{StorageError, UserRepository};
use tokio::net::TcpListener;

async fn connect_error(options: &PgOptions) -> StorageError {
    PgStore::connect(options)
        .await
        .expect_err("the connection fails")
}

#[tokio::test]
async fn a_refused_connection_names_host_and_port_but_not_the_password() {
    let port = free_port();
    let options = PgOptions::new(format!("postgres://postgres:s3cret@127.0.0.1:{port}/test"));
    let error = connect_error(&options).await;
    assert!(matches!(error, StorageError::Connect { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused")
    );
    assert!(!format!("{error:?}").contains("s3cret"));
}

#[tokio::test]
async fn a_server_that_never_answers_fails_the_connection_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let port = listener.local_addr().expect("bound").port();
    // Accepts connections and says nothing, like a firewall that swallows packets.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut options = PgOptions::new(format!("postgres://postgres@127.0.0.1:{port}/test"));
    options.timeout = Duration::from_millis(200);
    let error = connect_error(&options).await;
    silent.abort();
    let text = error.to_string();
    assert!(matches!(error, StorageError::Connect { .. }), "{error:?}");
    assert!(
        text.starts_with(&format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port}: "
        )),
        "{text}"
    );
    assert!(text.contains("no answer within 200ms"), "{text}");
}

#[tokio::test]
async fn bad_settings_are_refused_before_connecting() {
    let error = connect_error(&PgOptions::new("mysql://root:s3cret@localhost/db")).await;
    assert!(
        matches!(error, StorageError::InvalidSetting(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("postgres://"), "{error}");
    assert!(!error.to_string().contains("s3cret"));

    let error = connect_error(&PgOptions::new("postgres://u:s3cret@host:99999/db")).await;
    assert!(error.to_string().contains("cannot be parsed"), "{error}");
    assert!(!error.to_string().contains("s3cret"));

    let mut options = PgOptions::new("postgres://postgres@127.0.0.1/test");
    options.schema = Some("drop table; --".into());
    let error = connect_error(&options).await;
    assert!(error.to_string().contains("schema name"), "{error}");
}

#[tokio::test]
async fn a_missing_database_is_a_connection_error_naming_the_host() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let mut options = database.options().clone();
    let base = options
        .url
        .rsplit_once('/')
        .map(|(base, _)| base.to_string())
        .expect("the URL names a database");
    options.url = format!("{base}/no_such_database_for_storage_tests");
    let error = connect_error(&options).await;
    let text = error.to_string();
    assert!(matches!(error, StorageError::Connect { .. }), "{error:?}");
    assert!(text.contains(database.store().target()), "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_together_on_a_new_schema_all_come_up() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let options = options_on_new_schema(&database, "twin");
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let options = options.clone();
            tokio::spawn(async move { PgStore::connect(&options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.expect("task ran").expect("every server starts"));
    }
    let bob = user_with_email("bob@hbtn.io");
    stores[0]
        .users()
        .create(bob.clone())
        .await
        .expect("created");
    for store in &stores {
        assert_eq!(
            store.users().get(&bob.id).await.expect("read"),
            Some(bob.clone())
        );
    }
    for store in &stores {
        store.close().await;
    }
    let schema = options.schema.expect("a schema");
    drop_schema(&database, &schema).await;
}

#[tokio::test]
async fn a_restart_finds_its_data_and_applies_no_migration_twice() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let bob = user_with_email("bob@hbtn.io");
    database
        .store()
        .users()
        .create(bob.clone())
        .await
        .expect("created");
    let again = PgStore::connect(database.options())
        .await
        .expect("restarts");
    assert_eq!(again.users().get(&bob.id).await.expect("read"), Some(bob));
    let mut admin = admin_connection(&database).await;
    let applied: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM \"{}\"._sqlx_migrations",
        database.schema()
    ))
    .fetch_one(&mut admin)
    .await
    .expect("migrations recorded");
    assert_eq!(applied, 1);
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_refused_clearly() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let mut admin = admin_connection(&database).await;
    sqlx::query(&format!(
        "INSERT INTO \"{}\"._sqlx_migrations \
         (version, description, success, checksum, execution_time) \
         VALUES (99990101, 'from the future', true, '\\x00', 0)",
        database.schema()
    ))
    .execute(&mut admin)
    .await
    .expect("a newer migration recorded");
    let error = connect_error(database.options()).await;
    let text = error.to_string();
    assert!(matches!(error, StorageError::Migration { .. }), "{error:?}");
    assert!(text.contains("99990101"), "{text}");
    assert!(text.contains("newer release"), "{text}");
}

#[tokio::test]
async fn after_the_store_closes_both_repositories_are_unavailable() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let store = PgStore::connect(database.options())
        .await
        .expect("connects");
    let (users, sessions) = (store.users(), store.sessions());
    users.close().await.expect("a repository close is harmless");
    users
        .create(user_with_email("a@x"))
        .await
        .expect("still accepts changes");
    assert_eq!(
        storage::SessionRepository::get(&sessions, "none")
            .await
            .expect("still reads"),
        None
    );
    store.close().await;
    let error = users.count().await.expect_err("closed");
    assert!(matches!(error, StorageError::Unavailable(_)), "{error:?}");
    assert_eq!(
        database
            .store()
            .users()
            .count()
            .await
            .expect("other stores unaffected"),
        1
    );
}

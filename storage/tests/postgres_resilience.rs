//! A running PostgreSQL store under trouble: a blocked table, connections killed by the server,
//! two servers racing on one email, values PostgreSQL cannot hold. The server itself is never
//! stopped: other tests share it.
//!
//! Every test skips (with a printed line) when PostgreSQL is not reachable, unless `CI=true`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::postgres::{admin_connection, second_store};
use support::{ts, user_with_email};

use domain::UserSession;
use sqlx::Connection;
use storage::postgres::testing::TestDatabase;
use storage::{SessionRepository, StorageError, UserRepository};

#[tokio::test]
async fn an_operation_stuck_past_the_timeout_is_unavailable_and_the_store_carries_on() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let store = second_store(&database, Duration::from_millis(300)).await;
    let users = store.users();
    users
        .create(user_with_email("before@x"))
        .await
        .expect("created");

    let mut admin = admin_connection(&database).await;
    let mut blocking = admin.begin().await.expect("a transaction");
    sqlx::raw_sql(&format!(
        "LOCK TABLE \"{}\".users IN ACCESS EXCLUSIVE MODE",
        database.schema()
    ))
    .execute(&mut *blocking)
    .await
    .expect("table locked");

    let error = users.count().await.expect_err("blocked past the timeout");
    assert!(matches!(error, StorageError::Unavailable(_)), "{error:?}");
    assert!(error.to_string().contains(store.target()), "{error}");
    let error = users
        .create(user_with_email("during@x"))
        .await
        .expect_err("writes are blocked too");
    assert!(matches!(error, StorageError::Unavailable(_)), "{error:?}");

    blocking.rollback().await.expect("lock released");
    assert_eq!(users.count().await.expect("answers again"), 1);
    users
        .create(user_with_email("after@x"))
        .await
        .expect("created");
    assert_eq!(users.count().await.expect("counted"), 2);
}

#[tokio::test]
async fn connections_killed_by_the_server_are_replaced_without_help() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let users = database.store().users();
    users.create(user_with_email("a@x")).await.expect("created");

    let mut admin = admin_connection(&database).await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()) AS ended",
    )
    .bind(format!("session-auth ({})", database.schema()))
    .fetch_one(&mut admin)
    .await
    .expect("connections ended");
    assert!(killed >= 1, "the store had an open connection");

    // The pool pings an idle connection before handing it out and replaces a dead one, so the
    // first operation normally succeeds; a connection that died mid-use may cost one more.
    let mut answer = users.count().await;
    if let Err(error) = &answer {
        assert!(matches!(error, StorageError::Unavailable(_)), "{error:?}");
        answer = users.count().await;
    }
    assert_eq!(answer.expect("the pool recovered"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_racing_for_one_email_let_exactly_one_through() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let other = second_store(&database, Duration::from_secs(5)).await;
    let servers: [Arc<dyn UserRepository>; 2] =
        [Arc::new(database.store().users()), Arc::new(other.users())];
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let repo = Arc::clone(&servers[n % 2]);
            tokio::spawn(async move { repo.create(user_with_email("same@x")).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(()) => accepted += 1,
            Err(StorageError::DuplicateEmail) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(servers[1].count().await.expect("counted"), 1);
}

#[tokio::test]
async fn a_logout_on_one_server_is_seen_by_the_other() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let other = second_store(&database, Duration::from_secs(5)).await;
    let session = UserSession::new("u1", ts("2020-01-01T00:00:00"));
    database
        .store()
        .sessions()
        .create(session.clone())
        .await
        .expect("created");
    assert!(other
        .sessions()
        .get(&session.session_id)
        .await
        .expect("read")
        .is_some());
    assert!(other
        .sessions()
        .delete(&session.session_id)
        .await
        .expect("deleted"));
    assert_eq!(
        database
            .store()
            .sessions()
            .get(&session.session_id)
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn values_postgres_cannot_hold_are_unstorable_and_change_nothing() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let (users, sessions) = (database.store().users(), database.store().sessions());
    let nul = user_with_email("nul\0@x");
    let error = users.create(nul).await.expect_err("a NUL in text");
    assert!(matches!(error, StorageError::Unstorable(_)), "{error:?}");

    let mut ancient = user_with_email("ancient@x");
    ancient.created_at = ts("2020-01-01T00:00:00").plus_seconds(i64::MIN);
    let error = users.create(ancient).await.expect_err("before 4713 BC");
    assert!(matches!(error, StorageError::Unstorable(_)), "{error:?}");

    let mut agent = UserSession::new("u1", ts("2020-01-01T00:00:00"));
    agent.user_agent = Some("bad\0agent".into());
    let error = sessions.create(agent).await.expect_err("a NUL in text");
    assert!(matches!(error, StorageError::Unstorable(_)), "{error:?}");

    assert_eq!(users.count().await.expect("counted"), 0);
    users
        .create(user_with_email("fine@x"))
        .await
        .expect("the store still works");
}

#[tokio::test]
async fn long_emails_and_far_cutoffs_are_handled() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let (users, sessions) = (database.store().users(), database.store().sessions());
    // Longer than a btree entry may be: the unique index is on the digest.
    let long = format!("{}@x", "a".repeat(20_000));
    let holder = user_with_email(&long);
    users
        .create(holder.clone())
        .await
        .expect("a long email fits");
    let error = users
        .create(user_with_email(&long))
        .await
        .expect_err("still unique");
    assert!(matches!(error, StorageError::DuplicateEmail), "{error:?}");
    assert_eq!(
        users.find_by_email(&long).await.expect("read"),
        Some(holder)
    );

    let session = UserSession::new("u1", ts("2020-01-01T00:00:00"));
    sessions.create(session.clone()).await.expect("created");
    let far_past = ts("2020-01-01T00:00:00").plus_seconds(i64::MIN);
    assert_eq!(
        sessions
            .delete_created_before(far_past)
            .await
            .expect("swept"),
        0
    );
    assert_eq!(
        sessions
            .delete_last_seen_before(far_past)
            .await
            .expect("swept"),
        0
    );
    let far_future = ts("2020-01-01T00:00:00").plus_seconds(i64::MAX);
    assert_eq!(
        sessions
            .delete_last_seen_before(far_future)
            .await
            .expect("swept"),
        1
    );
}

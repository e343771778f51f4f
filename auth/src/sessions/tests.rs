//! Tests of cookie sessions: creation, lookup, expiry on a manual clock, logout and purge.

use std::sync::Arc;

use domain::{ManualClock, User};
use storage::{MockSessionRepository, MockUserRepository, StorageError};

use super::*;
use crate::test_support::{clock, start, stored_user, unavailable, users_with, FakeSessions};

/// A session mechanism over a working in-memory store, with its clock and store exposed.
struct Fixture {
    auth: SessionAuth,
    clock: Arc<ManualClock>,
    store: Arc<FakeSessions>,
}

fn fixture(duration: i64, users: Vec<User>) -> Fixture {
    let clock = clock();
    let store = Arc::new(FakeSessions::default());
    let auth = SessionAuth::new(
        Arc::new(users_with(users)),
        store.clone(),
        SessionDuration::from_seconds(duration),
        clock.clone(),
    );
    Fixture { auth, clock, store }
}

fn cookie(value: &str) -> RequestCredentials {
    RequestCredentials {
        authorization: None,
        session_cookie: Some(value.to_string()),
    }
}

fn is_uuid4(text: &str) -> bool {
    text.len() == 36
        && text.chars().nth(14) == Some('4')
        && text
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test]
async fn sa2_a_fresh_store_holds_no_session() {
    // The original's `create_session(None)` and `(89)` cannot be written in Rust: the type
    // system only lets a user id through.
    let f = fixture(0, vec![]);
    assert!(f.store.all().is_empty());
    assert_eq!(f.auth.user_id_for_session_id("x").await.expect("ok"), None);
}

#[tokio::test]
async fn sa2b_each_creation_gives_a_new_uuid4_session() {
    let f = fixture(0, vec![]);
    let a1 = f.auth.create_session("abcde").await.expect("created");
    let f1 = f.auth.create_session("fghij").await.expect("created");
    let a2 = f.auth.create_session("abcde").await.expect("created");
    for id in [&a1, &f1, &a2] {
        assert!(is_uuid4(id), "{id} is a UUID4");
    }
    assert!(a1 != f1 && f1 != a2 && a1 != a2);
    let stored = f.store.all();
    assert_eq!(stored.len(), 3);
    let owners: Vec<&str> = stored.iter().map(|s| s.user_id.as_str()).collect();
    assert_eq!(owners, ["abcde", "fghij", "abcde"]);
    assert!(stored.iter().all(|s| s.created_at == start()));
}

#[tokio::test]
async fn sa3_unknown_session_ids_give_no_user() {
    let f = fixture(0, vec![]);
    f.auth.create_session("abcde").await.expect("created");
    for id in ["doesntexist", "", "abcde"] {
        assert_eq!(f.auth.user_id_for_session_id(id).await.expect("ok"), None);
    }
}

#[tokio::test]
async fn sa3b_each_session_resolves_to_its_user() {
    let f = fixture(0, vec![]);
    let older = f.auth.create_session("abcde").await.expect("created");
    let other = f.auth.create_session("fghij").await.expect("created");
    let newer = f.auth.create_session("abcde").await.expect("created");
    for (id, user) in [(&older, "abcde"), (&other, "fghij"), (&newer, "abcde")] {
        let found = f.auth.user_id_for_session_id(id).await.expect("ok");
        assert_eq!(found.as_deref(), Some(user));
    }
}

#[tokio::test]
async fn su6_the_cookie_names_the_current_user() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let f = fixture(0, vec![user.clone()]);
    let sid = f.auth.create_session(&user.id).await.expect("created");

    let none = RequestCredentials::default();
    assert_eq!(
        f.auth.authenticate(&none).await.expect("ok"),
        Recognition::NotMine
    );
    let unknown = f.auth.authenticate(&cookie("Holberton")).await.expect("ok");
    assert_eq!(unknown, Recognition::Rejected);
    let known = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(known, Recognition::Authenticated(user));
}

#[tokio::test]
async fn an_empty_cookie_is_present_and_rejected() {
    let f = fixture(0, vec![]);
    let recognition = f.auth.authenticate(&cookie("")).await.expect("ok");
    assert_eq!(recognition, Recognition::Rejected);
}

#[tokio::test]
async fn an_authorization_header_alone_is_not_a_session() {
    let f = fixture(0, vec![]);
    let header_only = RequestCredentials {
        authorization: Some("Test".into()),
        session_cookie: None,
    };
    let recognition = f.auth.authenticate(&header_only).await.expect("ok");
    assert_eq!(recognition, Recognition::NotMine);
}

#[tokio::test]
async fn a_session_of_a_deleted_user_authenticates_nobody() {
    let f = fixture(0, vec![]);
    let sid = f
        .auth
        .create_session("deleted-user")
        .await
        .expect("created");
    let recognition = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(recognition, Recognition::Rejected);
}

#[tokio::test]
async fn an_expiring_session_is_valid_up_to_and_including_its_last_second() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let f = fixture(60, vec![user.clone()]);
    let sid = f.auth.create_session(&user.id).await.expect("created");

    f.clock.advance(10);
    let at_10 = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(at_10, Recognition::Authenticated(user.clone()));
    f.clock.advance(50);
    let at_60 = f.auth.user_id_for_session_id(&sid).await.expect("ok");
    assert_eq!(at_60.as_deref(), Some(user.id.as_str()));
    f.clock.advance(1);
    let at_61 = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(at_61, Recognition::Rejected);
}

#[tokio::test]
async fn an_expired_lookup_deletes_the_record() {
    let f = fixture(60, vec![]);
    let sid = f.auth.create_session("u").await.expect("created");
    let other = f.auth.create_session("v").await.expect("created");
    f.clock.advance(61);
    assert_eq!(f.auth.user_id_for_session_id(&sid).await.expect("ok"), None);
    let left: Vec<String> = f.store.all().into_iter().map(|s| s.session_id).collect();
    assert_eq!(left, [other], "only the looked-up session is removed");
}

#[tokio::test]
async fn an_expired_lookup_asks_the_store_to_delete_it() {
    let session = UserSession::new("u", start());
    let sid = session.session_id.clone();
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_get()
        .returning(move |_| Ok(Some(session.clone())));
    let expected = sid.clone();
    sessions
        .expect_delete()
        .withf(move |id| id == expected)
        .times(1)
        .returning(|_| Ok(true));
    let clock = clock();
    clock.advance(61);
    let auth = SessionAuth::new(
        Arc::new(MockUserRepository::new()),
        Arc::new(sessions),
        SessionDuration::from_seconds(60),
        clock,
    );
    assert_eq!(auth.user_id_for_session_id(&sid).await.expect("ok"), None);
}

#[tokio::test]
async fn sessions_without_a_positive_duration_never_expire() {
    for duration in [0, -5] {
        let f = fixture(duration, vec![]);
        let sid = f.auth.create_session("u").await.expect("created");
        f.clock.advance(10 * 365 * 24 * 3600);
        let found = f.auth.user_id_for_session_id(&sid).await.expect("ok");
        assert_eq!(found.as_deref(), Some("u"), "duration {duration}");
        assert_eq!(f.auth.purge_expired().await.expect("ok"), 0);
        assert_eq!(f.store.all().len(), 1);
    }
}

#[tokio::test]
async fn logout_ends_a_live_session_only_once() {
    let f = fixture(60, vec![]);
    let sid = f.auth.create_session("u").await.expect("created");
    assert!(f.auth.destroy_session(&sid).await.expect("ok"));
    assert_eq!(f.auth.user_id_for_session_id(&sid).await.expect("ok"), None);
    assert!(!f.auth.destroy_session(&sid).await.expect("ok"));
    assert!(!f.auth.destroy_session("doesntexist").await.expect("ok"));
    assert!(f.store.all().is_empty());
}

#[tokio::test]
async fn an_expired_session_cannot_be_logged_out_but_is_removed() {
    let f = fixture(60, vec![]);
    let sid = f.auth.create_session("u").await.expect("created");
    f.clock.advance(61);
    assert!(!f.auth.destroy_session(&sid).await.expect("ok"));
    assert!(f.store.all().is_empty());
}

#[tokio::test]
async fn purging_removes_exactly_the_expired_sessions() {
    let f = fixture(60, vec![]);
    let ids =
        |f: &Fixture| -> Vec<String> { f.store.all().into_iter().map(|s| s.session_id).collect() };
    f.auth.create_session("a").await.expect("created");
    f.clock.advance(1);
    let at_limit = f.auth.create_session("b").await.expect("created");
    f.clock.advance(10);
    let fresh = f.auth.create_session("c").await.expect("created");
    f.clock.advance(50);
    // Now = start + 61: the first session ended at +60 and is expired; the second ends at +61,
    // exactly now, and is still valid.
    assert_eq!(f.auth.purge_expired().await.expect("ok"), 1);
    assert_eq!(ids(&f), [at_limit, fresh.clone()]);
    f.clock.advance(1);
    assert_eq!(f.auth.purge_expired().await.expect("ok"), 1);
    assert_eq!(ids(&f), [fresh]);
}

#[tokio::test]
async fn purging_asks_for_sessions_created_before_now_minus_the_duration() {
    let clock = clock();
    clock.advance(1000);
    let cutoff = start().plus_seconds(1000 - 60);
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_created_before()
        .withf(move |at| *at == cutoff)
        .times(1)
        .returning(|_| Ok(4));
    let auth = SessionAuth::new(
        Arc::new(MockUserRepository::new()),
        Arc::new(sessions),
        SessionDuration::from_seconds(60),
        clock,
    );
    assert_eq!(auth.purge_expired().await.expect("ok"), 4);
}

#[tokio::test]
async fn an_enormous_duration_purges_nothing() {
    // The cutoff saturates at the earliest instant: it is before now, and before every session.
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_created_before()
        .withf(|cutoff| *cutoff < "1970-01-01T00:00:00".parse::<Timestamp>().expect("valid"))
        .times(1)
        .returning(|_| Ok(0));
    let auth = SessionAuth::new(
        Arc::new(MockUserRepository::new()),
        Arc::new(sessions),
        SessionDuration::from_seconds(i64::MAX),
        clock(),
    );
    assert_eq!(auth.purge_expired().await.expect("ok"), 0);
}

#[tokio::test]
async fn the_duration_is_reported_for_the_cookie() {
    for seconds in [0, 60] {
        assert_eq!(
            fixture(seconds, vec![]).auth.duration(),
            SessionDuration::from_seconds(seconds)
        );
    }
}

fn failing_auth(sessions: MockSessionRepository, users: MockUserRepository) -> SessionAuth {
    SessionAuth::new(
        Arc::new(users),
        Arc::new(sessions),
        SessionDuration::from_seconds(60),
        clock(),
    )
}

fn is_storage_error(result: Result<impl std::fmt::Debug, AuthError>) -> bool {
    matches!(
        result,
        Err(AuthError::Storage(StorageError::Unavailable(_)))
    )
}

#[tokio::test]
async fn storage_errors_propagate_from_every_session_operation() {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_create().returning(|_| Err(unavailable()));
    sessions.expect_get().returning(|_| Err(unavailable()));
    sessions
        .expect_delete_created_before()
        .returning(|_| Err(unavailable()));
    let auth = failing_auth(sessions, MockUserRepository::new());
    assert!(is_storage_error(auth.create_session("u").await));
    assert!(is_storage_error(auth.user_id_for_session_id("s").await));
    assert!(is_storage_error(auth.destroy_session("s").await));
    assert!(is_storage_error(auth.purge_expired().await));
    assert!(is_storage_error(auth.authenticate(&cookie("s")).await));
}

#[tokio::test]
async fn a_user_store_error_propagates_from_authentication() {
    let session = UserSession::new("u", start());
    let sid = session.session_id.clone();
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_get()
        .returning(move |_| Ok(Some(session.clone())));
    let mut users = MockUserRepository::new();
    users.expect_get().returning(|_| Err(unavailable()));
    let auth = failing_auth(sessions, users);
    assert!(is_storage_error(auth.authenticate(&cookie(&sid)).await));
}

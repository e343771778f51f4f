//! Tests of cookie sessions: creation, lookup, expiry on a manual clock, logout and purge.

use std::sync::Arc;

use domain::{ManualClock, User};
use storage::{MockSessionRepository, MockUserRepository, StorageError};

use super::*;
use crate::test_support::{clock, start, stored_user, unavailable, users_with, FakeSessions};
use crate::SessionOrigin;

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
        client_addr: None,
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
    // The original's `create_session(None, SessionOrigin::default())` and `(89)` cannot be written in Rust: the type
    // system only lets a user id through.
    let f = fixture(0, vec![]);
    assert!(f.store.all().is_empty());
    assert_eq!(f.auth.user_id_for_session_id("x").await.expect("ok"), None);
}

#[tokio::test]
async fn sa2b_each_creation_gives_a_new_uuid4_session() {
    let f = fixture(0, vec![]);
    let a1 = f
        .auth
        .create_session("abcde", SessionOrigin::default())
        .await
        .expect("created");
    let f1 = f
        .auth
        .create_session("fghij", SessionOrigin::default())
        .await
        .expect("created");
    let a2 = f
        .auth
        .create_session("abcde", SessionOrigin::default())
        .await
        .expect("created");
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
    f.auth
        .create_session("abcde", SessionOrigin::default())
        .await
        .expect("created");
    for id in ["doesntexist", "", "abcde"] {
        assert_eq!(f.auth.user_id_for_session_id(id).await.expect("ok"), None);
    }
}

#[tokio::test]
async fn sa3b_each_session_resolves_to_its_user() {
    let f = fixture(0, vec![]);
    let older = f
        .auth
        .create_session("abcde", SessionOrigin::default())
        .await
        .expect("created");
    let other = f
        .auth
        .create_session("fghij", SessionOrigin::default())
        .await
        .expect("created");
    let newer = f
        .auth
        .create_session("abcde", SessionOrigin::default())
        .await
        .expect("created");
    for (id, user) in [(&older, "abcde"), (&other, "fghij"), (&newer, "abcde")] {
        let found = f.auth.user_id_for_session_id(id).await.expect("ok");
        assert_eq!(found.as_deref(), Some(user));
    }
}

#[tokio::test]
async fn su6_the_cookie_names_the_current_user() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let f = fixture(0, vec![user.clone()]);
    let sid = f
        .auth
        .create_session(&user.id, SessionOrigin::default())
        .await
        .expect("created");

    let none = RequestCredentials::default();
    assert_eq!(
        f.auth.authenticate(&none).await.expect("ok"),
        Recognition::NotMine
    );
    let unknown = f.auth.authenticate(&cookie("Holberton")).await.expect("ok");
    assert_eq!(unknown, Recognition::Rejected);
    let known = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(known, Recognition::Authenticated(Arc::new(user)));
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
        client_addr: None,
    };
    let recognition = f.auth.authenticate(&header_only).await.expect("ok");
    assert_eq!(recognition, Recognition::NotMine);
}

#[tokio::test]
async fn a_session_of_a_deleted_user_authenticates_nobody() {
    let f = fixture(0, vec![]);
    let sid = f
        .auth
        .create_session("deleted-user", SessionOrigin::default())
        .await
        .expect("created");
    let recognition = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(recognition, Recognition::Rejected);
}

#[tokio::test]
async fn an_expiring_session_is_valid_up_to_and_including_its_last_second() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let f = fixture(60, vec![user.clone()]);
    let sid = f
        .auth
        .create_session(&user.id, SessionOrigin::default())
        .await
        .expect("created");

    f.clock.advance(10);
    let at_10 = f.auth.authenticate(&cookie(&sid)).await.expect("ok");
    assert_eq!(at_10, Recognition::Authenticated(Arc::new(user.clone())));
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
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    let other = f
        .auth
        .create_session("v", SessionOrigin::default())
        .await
        .expect("created");
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
        .expect_get_shared()
        .returning(move |_| Ok(Some(Arc::new(session.clone()))));
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
        let sid = f
            .auth
            .create_session("u", SessionOrigin::default())
            .await
            .expect("created");
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
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    assert!(f.auth.destroy_session(&sid).await.expect("ok"));
    assert_eq!(f.auth.user_id_for_session_id(&sid).await.expect("ok"), None);
    assert!(!f.auth.destroy_session(&sid).await.expect("ok"));
    assert!(!f.auth.destroy_session("doesntexist").await.expect("ok"));
    assert!(f.store.all().is_empty());
}

#[tokio::test]
async fn an_expired_session_cannot_be_logged_out_but_is_removed() {
    let f = fixture(60, vec![]);
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(61);
    assert!(!f.auth.destroy_session(&sid).await.expect("ok"));
    assert!(f.store.all().is_empty());
}

#[tokio::test]
async fn purging_removes_exactly_the_expired_sessions() {
    let f = fixture(60, vec![]);
    let ids =
        |f: &Fixture| -> Vec<String> { f.store.all().into_iter().map(|s| s.session_id).collect() };
    f.auth
        .create_session("a", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(1);
    let at_limit = f
        .auth
        .create_session("b", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(10);
    let fresh = f
        .auth
        .create_session("c", SessionOrigin::default())
        .await
        .expect("created");
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
    sessions
        .expect_get_shared()
        .returning(|_| Err(unavailable()));
    sessions
        .expect_delete_created_before()
        .returning(|_| Err(unavailable()));
    let auth = failing_auth(sessions, MockUserRepository::new());
    assert!(is_storage_error(
        auth.create_session("u", SessionOrigin::default()).await
    ));
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
        .expect_get_shared()
        .returning(move |_| Ok(Some(Arc::new(session.clone()))));
    let mut users = MockUserRepository::new();
    users.expect_get_shared().returning(|_| Err(unavailable()));
    let auth = failing_auth(sessions, users);
    assert!(is_storage_error(auth.authenticate(&cookie(&sid)).await));
}

/// A session mechanism with an inactivity timeout of `idle` seconds and no absolute lifetime.
fn idle_fixture(idle: u64, users: Vec<User>) -> Fixture {
    let f = fixture(0, users);
    let auth = SessionAuth::new(
        Arc::new(users_with(vec![])),
        f.store.clone(),
        SessionDuration::from_seconds(0),
        f.clock.clone(),
    )
    .with_idle_timeout(IdleTimeout::from_seconds(idle));
    Fixture { auth, ..f }
}

async fn resolves(auth: &SessionAuth, sid: &str) -> bool {
    auth.user_id_for_session_id(sid)
        .await
        .expect("no error")
        .is_some()
}

#[tokio::test]
async fn an_unused_session_ends_after_the_idle_timeout_but_use_keeps_it_alive() {
    let f = idle_fixture(30, vec![]);
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    // Used every 20 s for a while: each use restarts the 30 s window, although the store is
    // written at most once a minute.
    for _ in 0..6 {
        f.clock.advance(20);
        assert!(resolves(&f.auth, &sid).await);
    }
    f.clock.advance(30);
    assert!(
        resolves(&f.auth, &sid).await,
        "the end instant is still valid"
    );
    f.clock.advance(31);
    assert!(!resolves(&f.auth, &sid).await, "idle for 31 s");
    assert!(f.store.all().is_empty(), "the idle session was deleted");
}

#[tokio::test]
async fn reads_within_the_write_granularity_cost_at_most_one_store_write() {
    let f = idle_fixture(0, vec![]);
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    for _ in 0..50 {
        assert!(resolves(&f.auth, &sid).await);
    }
    assert_eq!(f.store.touches(), 0, "created just now: nothing to write");
    f.clock.advance(60);
    for _ in 0..50 {
        assert!(resolves(&f.auth, &sid).await);
        f.clock.advance(1);
    }
    assert_eq!(f.store.touches(), 1, "one write per granularity");
    assert_eq!(
        f.store.all()[0].last_seen_at,
        Some(start().plus_seconds(60))
    );
}

#[tokio::test]
async fn a_long_timeout_writes_at_a_tenth_of_it() {
    let f = idle_fixture(3600, vec![]);
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    for _ in 0..36 {
        f.clock.advance(100);
        assert!(resolves(&f.auth, &sid).await);
    }
    // 3600 s of use, a write each time the stored value is 360 s old.
    assert_eq!(f.store.touches(), 9);
}

#[tokio::test]
async fn after_a_restart_the_stored_last_use_counts() {
    let f = idle_fixture(120, vec![]);
    let sid = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(100);
    assert!(resolves(&f.auth, &sid).await);
    // A new process over the same store knows only the stored value (written at +100 s).
    let restarted = SessionAuth::new(
        Arc::new(users_with(vec![])),
        f.store.clone(),
        SessionDuration::from_seconds(0),
        f.clock.clone(),
    )
    .with_idle_timeout(IdleTimeout::from_seconds(120));
    f.clock.advance(120);
    assert!(resolves(&restarted, &sid).await);
}

#[tokio::test]
async fn the_sweep_removes_sessions_certainly_idle_and_keeps_the_others() {
    let f = idle_fixture(30, vec![]);
    let stale = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(200);
    let fresh = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    assert_eq!(f.auth.purge_expired().await.expect("swept"), 1);
    let left: Vec<String> = f.store.all().into_iter().map(|s| s.session_id).collect();
    assert_eq!(left, [fresh]);
    assert!(!resolves(&f.auth, &stale).await);
}

#[tokio::test]
async fn a_user_lists_only_their_live_sessions_with_their_origin() {
    let f = fixture(100, vec![]);
    let origin = SessionOrigin {
        client_addr: Some("10.1.2.3".into()),
        user_agent: Some("agent/1".into()),
    };
    let old = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(50);
    let mine = f
        .auth
        .create_session("u", origin.clone())
        .await
        .expect("created");
    f.auth
        .create_session("v", SessionOrigin::default())
        .await
        .expect("created");
    f.clock.advance(60);
    let listed = f.auth.list_sessions("u").await.expect("listed");
    assert_eq!(listed.len(), 1, "the 110 s old session has expired");
    let info = &listed[0];
    assert_eq!(info.created_at, start().plus_seconds(50));
    assert_eq!(info.last_seen_at, start().plus_seconds(50));
    assert_eq!(info.expires_at, Some(start().plus_seconds(150)));
    assert_eq!(info.client_addr, origin.client_addr);
    assert_eq!(info.user_agent, origin.user_agent);
    assert_ne!(info.handle, mine, "the handle is not the secret session id");
    assert_eq!(
        f.auth.handle_for("u", &mine).await.expect("ok"),
        Some(info.handle.clone())
    );
    assert_eq!(f.auth.handle_for("v", &mine).await.expect("ok"), None);
    assert_eq!(f.auth.handle_for("u", &old).await.expect("ok"), None);
}

#[tokio::test]
async fn sessions_are_ended_by_handle_only_by_their_owner() {
    let f = fixture(0, vec![]);
    let a = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    let b = f
        .auth
        .create_session("u", SessionOrigin::default())
        .await
        .expect("created");
    let handle_a = f.auth.handle_for("u", &a).await.expect("ok").expect("live");
    assert!(!f.auth.end_session("v", &handle_a).await.expect("ok"));
    assert!(!f.auth.end_session("u", &a).await.expect("ok"), "not by id");
    assert!(f.auth.end_session("u", &handle_a).await.expect("ok"));
    assert!(!f.auth.end_session("u", &handle_a).await.expect("ok"));
    assert!(!resolves(&f.auth, &a).await);
    assert!(resolves(&f.auth, &b).await);
}

#[tokio::test]
async fn ending_the_others_keeps_the_named_session_or_none() {
    let f = fixture(0, vec![]);
    let mut sids = Vec::new();
    for user in ["u", "u", "u", "v"] {
        sids.push(
            f.auth
                .create_session(user, SessionOrigin::default())
                .await
                .expect("created"),
        );
    }
    let keep = f.auth.handle_for("u", &sids[1]).await.expect("ok");
    assert_eq!(f.auth.end_sessions_except("u", keep).await.expect("ok"), 2);
    assert!(resolves(&f.auth, &sids[1]).await);
    assert!(!resolves(&f.auth, &sids[0]).await);
    assert_eq!(f.auth.end_sessions_except("u", None).await.expect("ok"), 1);
    assert!(!resolves(&f.auth, &sids[1]).await);
    assert!(resolves(&f.auth, &sids[3]).await, "other users keep theirs");
}

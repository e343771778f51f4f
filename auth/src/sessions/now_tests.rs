//! Tests of the session check answered at once (`authenticate_now`), over the real in-memory
//! stores, which answer reads without waiting: it agrees with `authenticate`, and it leaves to
//! `authenticate` every case that changes the store.

use std::sync::Arc;

use domain::{ManualClock, User};
use storage::memory::{MemorySessionRepository, MemoryUserRepository};

use super::*;
use crate::basic::BasicAuth;
use crate::test_support::{clock, fast_hasher, stored_user};
use crate::{Accounts, AuthChain, SessionOrigin};

/// A session mechanism over the memory stores, with its clock and stores exposed.
struct Fixture {
    auth: SessionAuth,
    clock: Arc<ManualClock>,
    users: Arc<MemoryUserRepository>,
    sessions: Arc<MemorySessionRepository>,
}

async fn fixture(duration: i64, idle: u64, users: Vec<User>) -> Fixture {
    let clock = clock();
    let user_store = Arc::new(MemoryUserRepository::new());
    for user in users {
        user_store.create(user).await.expect("stored");
    }
    let sessions = Arc::new(MemorySessionRepository::default());
    let auth = SessionAuth::new(
        user_store.clone(),
        sessions.clone(),
        SessionDuration::from_seconds(duration),
        clock.clone(),
    )
    .with_idle_timeout(IdleTimeout::from_seconds(idle));
    Fixture {
        auth,
        clock,
        users: user_store,
        sessions,
    }
}

fn cookie(value: Option<&str>) -> RequestCredentials {
    RequestCredentials {
        authorization: None,
        session_cookie: value.map(str::to_string),
        client_addr: None,
    }
}

fn bob() -> User {
    stored_user("bob@hbtn.io", "pw", Some("Bob"), None)
}

/// A fixture whose only user, returned, is logged in with the returned session id.
async fn logged_in(duration: i64, idle: u64) -> (Fixture, User, String) {
    let bob = bob();
    let f = fixture(duration, idle, vec![bob.clone()]).await;
    let sid = f
        .auth
        .create_session(&bob.id, SessionOrigin::default())
        .await
        .expect("created");
    (f, bob, sid)
}

/// Asks at once, then the `async` way, and checks both give `expected`.
async fn both_answer(
    auth: &dyn Authenticator,
    credentials: &RequestCredentials,
    expected: &Recognition,
) {
    let now = auth
        .authenticate_now(credentials)
        .expect("answered at once")
        .expect("no error");
    assert_eq!(&now, expected);
    let later = auth.authenticate(credentials).await.expect("no error");
    assert_eq!(&later, expected);
}

#[tokio::test]
async fn a_live_session_names_its_user_at_once() {
    let (f, bob, sid) = logged_in(60, 0).await;
    let expected = Recognition::Authenticated(Arc::new(bob));
    both_answer(&f.auth, &cookie(Some(&sid)), &expected).await;
    // Used again later, within the lifetime and before its last use is due to be stored.
    f.clock.advance(30);
    both_answer(&f.auth, &cookie(Some(&sid)), &expected).await;
}

#[tokio::test]
async fn no_cookie_an_unknown_one_and_a_deleted_user_are_answered_at_once() {
    let (f, bob, sid) = logged_in(0, 0).await;
    both_answer(&f.auth, &cookie(None), &Recognition::NotMine).await;
    both_answer(&f.auth, &cookie(Some("")), &Recognition::Rejected).await;
    both_answer(&f.auth, &cookie(Some("unknown")), &Recognition::Rejected).await;
    assert!(f.users.delete(&bob.id).await.expect("deleted"));
    both_answer(&f.auth, &cookie(Some(&sid)), &Recognition::Rejected).await;
}

#[tokio::test]
async fn an_ended_session_is_left_to_the_async_check_which_deletes_it() {
    let (f, _, sid) = logged_in(60, 0).await;
    f.clock.advance(61);
    assert!(f.auth.authenticate_now(&cookie(Some(&sid))).is_none());
    assert!(
        f.sessions.get(&sid).await.expect("read").is_some(),
        "nothing deleted at once"
    );
    let later = f.auth.authenticate(&cookie(Some(&sid))).await;
    assert_eq!(later.expect("no error"), Recognition::Rejected);
    assert_eq!(f.sessions.get(&sid).await.expect("read"), None);
}

#[tokio::test]
async fn a_use_due_to_be_stored_is_left_to_the_async_check_which_stores_it() {
    let (f, bob, sid) = logged_in(0, 600).await;
    let stored = |f: &Fixture| {
        let sessions = f.sessions.clone();
        let sid = sid.clone();
        async move {
            sessions
                .get(&sid)
                .await
                .expect("read")
                .expect("stored")
                .last_seen_at
        }
    };
    // Within the write granularity (a tenth of the timeout): answered at once, nothing written.
    f.clock.advance(30);
    assert!(f.auth.authenticate_now(&cookie(Some(&sid))).is_some());
    assert_eq!(stored(&f).await, None);
    // A granularity later the stored last use is due: only the async check answers, and writes.
    f.clock.advance(60);
    assert!(f.auth.authenticate_now(&cookie(Some(&sid))).is_none());
    let later = f.auth.authenticate(&cookie(Some(&sid))).await;
    assert_eq!(
        later.expect("no error"),
        Recognition::Authenticated(Arc::new(bob))
    );
    assert_eq!(stored(&f).await, Some(f.clock.now()));
}

#[tokio::test]
async fn a_chain_answers_at_once_only_when_each_mechanism_it_asks_can() {
    let (f, bob, sid) = logged_in(0, 0).await;
    let accounts = Accounts::new(
        f.users.clone(),
        f.sessions.clone(),
        fast_hasher(),
        f.clock.clone(),
    );
    let basic: Arc<dyn Authenticator> = Arc::new(BasicAuth::new(Arc::new(accounts)));
    let chain = AuthChain::new(vec![basic, Arc::new(f.auth)]);
    let expected = Recognition::Authenticated(Arc::new(bob));
    both_answer(&chain, &cookie(Some(&sid)), &expected).await;
    // Basic credentials need a password check, which is never done at once.
    let basic = RequestCredentials {
        authorization: Some("Basic Ym9iQGhidG4uaW86cHc=".into()),
        ..cookie(Some(&sid))
    };
    assert!(chain.authenticate_now(&basic).is_none());
}

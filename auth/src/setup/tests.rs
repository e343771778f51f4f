//! Tests of building the system from `AUTH_TYPE`: which mechanisms, in which order.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use domain::{ManualClock, User};

use super::*;
use crate::test_support::{accounts, clock, stored_user, users_with, FakeSessions};
use crate::SessionOrigin;
use crate::{Recognition, RequestCredentials};

struct Fixture {
    deps: AuthDeps,
    clock: Arc<ManualClock>,
}

fn fixture(users: Vec<User>, duration: i64) -> Fixture {
    let clock = clock();
    let deps = AuthDeps {
        users: Arc::new(users_with(users.clone())),
        sessions: Arc::new(FakeSessions::default()),
        accounts: accounts(users_with(users)),
        duration: SessionDuration::from_seconds(duration),
        idle_timeout: crate::IdleTimeout::default(),
        clock: clock.clone(),
    };
    Fixture { deps, clock }
}

fn build(value: &str, fixture: Fixture) -> (AuthSystem, Arc<ManualClock>) {
    let setting = AuthSetting::parse(Some(value)).expect("a valid AUTH_TYPE");
    (AuthSystem::build(&setting, fixture.deps), fixture.clock)
}

fn credentials(authorization: Option<&str>, cookie: Option<&str>) -> RequestCredentials {
    RequestCredentials {
        authorization: authorization.map(str::to_string),
        session_cookie: cookie.map(str::to_string),
        client_addr: None,
    }
}

fn basic(email: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{email}:{password}")))
}

async fn recognise(system: &AuthSystem, credentials: &RequestCredentials) -> Recognition {
    system
        .authenticator
        .as_ref()
        .expect("authentication is on")
        .authenticate(credentials)
        .await
        .expect("no error")
}

fn u1() -> User {
    stored_user("bob@hbtn.io", "H0lbertonSchool98!", None, None)
}

fn u2() -> User {
    stored_user("bobsession@hbtn.io", "fake pwd", None, None)
}

#[test]
fn off_means_no_authenticator_and_no_sessions() {
    let system = AuthSystem::build(&AuthSetting::Off, fixture(vec![], 0).deps);
    assert!(system.authenticator.is_none());
    assert!(system.sessions.is_none());
}

#[tokio::test]
async fn the_base_auth_guards_but_accepts_nobody() {
    let (system, _) = build("auth", fixture(vec![u1()], 0));
    assert!(system.sessions.is_none());
    let header = basic("bob@hbtn.io", "H0lbertonSchool98!");
    for creds in [
        credentials(Some("Test"), None),
        credentials(Some(&header), None),
        credentials(None, Some("sid")),
    ] {
        assert_eq!(recognise(&system, &creds).await, Recognition::NotMine);
    }
}

#[tokio::test]
async fn basic_auth_alone_has_no_session_manager() {
    let user = u1();
    let (system, _) = build("basic_auth", fixture(vec![user.clone()], 0));
    assert!(system.sessions.is_none());
    let good = credentials(Some(&basic("bob@hbtn.io", "H0lbertonSchool98!")), None);
    assert_eq!(
        recognise(&system, &good).await,
        Recognition::Authenticated(std::sync::Arc::new(user))
    );
    let cookie_only = credentials(None, Some("sid"));
    assert_eq!(recognise(&system, &cookie_only).await, Recognition::NotMine);
}

#[tokio::test]
async fn session_auth_logs_in_by_cookie_and_ignores_the_duration() {
    let user = u2();
    let (system, clock) = build("session_auth", fixture(vec![user.clone()], 60));
    let sessions = system.sessions.clone().expect("a session manager");
    assert_eq!(sessions.duration(), SessionDuration::from_seconds(0));
    let sid = sessions
        .create_session(&user.id, SessionOrigin::default())
        .await
        .expect("created");
    clock.advance(3600);
    let creds = credentials(None, Some(&sid));
    assert_eq!(
        recognise(&system, &creds).await,
        Recognition::Authenticated(std::sync::Arc::new(user))
    );
    let basic_only = credentials(Some(&basic("bobsession@hbtn.io", "fake pwd")), None);
    assert_eq!(recognise(&system, &basic_only).await, Recognition::NotMine);
}

#[tokio::test]
async fn session_exp_auth_honours_the_duration() {
    let user = u2();
    let (system, clock) = build("session_exp_auth", fixture(vec![user.clone()], 60));
    let sessions = system.sessions.clone().expect("a session manager");
    assert_eq!(sessions.duration(), SessionDuration::from_seconds(60));
    let sid = sessions
        .create_session(&user.id, SessionOrigin::default())
        .await
        .expect("created");
    let creds = credentials(None, Some(&sid));
    clock.advance(60);
    assert_eq!(
        recognise(&system, &creds).await,
        Recognition::Authenticated(std::sync::Arc::new(user))
    );
    clock.advance(1);
    assert_eq!(recognise(&system, &creds).await, Recognition::Rejected);
}

#[tokio::test]
async fn session_db_auth_honours_the_duration_over_the_given_store() {
    let (system, _) = build("session_db_auth", fixture(vec![], 60));
    let sessions = system.sessions.expect("a session manager");
    assert_eq!(sessions.duration(), SessionDuration::from_seconds(60));
}

#[tokio::test]
async fn a_basic_header_wins_over_a_cookie_in_basic_then_session_order() {
    let (bob, bobsession) = (u1(), u2());
    let (system, _) = build(
        "basic_auth,session_db_auth",
        fixture(vec![bob.clone(), bobsession.clone()], 60),
    );
    let sessions = system.sessions.clone().expect("a session manager");
    let sid = sessions
        .create_session(&bobsession.id, SessionOrigin::default())
        .await
        .expect("created");

    let header = basic("bob@hbtn.io", "H0lbertonSchool98!");
    let both = credentials(Some(&header), Some(&sid));
    assert_eq!(
        recognise(&system, &both).await,
        Recognition::Authenticated(std::sync::Arc::new(bob))
    );
    // A Basic header with bad credentials decides too: the cookie gets no say.
    let wrong = basic("bob@hbtn.io", "wrong");
    let bad_basic = credentials(Some(&wrong), Some(&sid));
    assert_eq!(recognise(&system, &bad_basic).await, Recognition::Rejected);
}

#[tokio::test]
async fn a_cookie_decides_when_the_authorization_header_is_not_basic() {
    let user = u2();
    let (system, _) = build(
        "basic_auth,session_db_auth",
        fixture(vec![user.clone()], 60),
    );
    let sessions = system.sessions.clone().expect("a session manager");
    let sid = sessions
        .create_session(&user.id, SessionOrigin::default())
        .await
        .expect("created");
    let creds = credentials(Some("Test"), Some(&sid));
    assert_eq!(
        recognise(&system, &creds).await,
        Recognition::Authenticated(std::sync::Arc::new(user))
    );
    let unknown = credentials(Some("Test"), Some("doesntexist"));
    assert_eq!(recognise(&system, &unknown).await, Recognition::Rejected);
    let neither = credentials(Some("Test"), None);
    assert_eq!(recognise(&system, &neither).await, Recognition::NotMine);
}

#[tokio::test]
async fn a_session_before_basic_is_tried_first() {
    let (bob, bobsession) = (u1(), u2());
    let (system, _) = build(
        "session_auth,basic_auth",
        fixture(vec![bob.clone(), bobsession.clone()], 0),
    );
    let sessions = system.sessions.clone().expect("a session manager");
    let sid = sessions
        .create_session(&bobsession.id, SessionOrigin::default())
        .await
        .expect("created");
    let header = basic("bob@hbtn.io", "H0lbertonSchool98!");
    let both = credentials(Some(&header), Some(&sid));
    assert_eq!(
        recognise(&system, &both).await,
        Recognition::Authenticated(std::sync::Arc::new(bobsession))
    );
}

//! End to end: `session_exp_auth`, memory sessions that expire after `SESSION_DURATION`
//! (SPEC 7.1 S9.*, 7.4 last row, A2 D15; durations shortened to seconds as 7.1 allows).

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::{assert_seed_user, Creds, Server, DEFAULT_SESSION_NAME, LOGOUT, U2};

fn exp_env(duration: &str) -> [(&str, &str); 3] {
    [
        ("AUTH_TYPE", "session_exp_auth"),
        ("SESSION_NAME", "_my_session_id"),
        ("SESSION_DURATION", duration),
    ]
}

/// Sleeps until `elapsed` has passed since `start`.
async fn sleep_until(start: Instant, elapsed: Duration) {
    tokio::time::sleep(elapsed.saturating_sub(start.elapsed())).await;
}

#[tokio::test]
async fn an_expiring_session_is_valid_within_its_duration_and_forbidden_after() {
    let server = Server::start_seeded(&exp_env("2")).await;
    let start = Instant::now();
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_status(200);
    assert_seed_user(&reply.json(), &U2);
    let sid = reply
        .the_cookie()
        .assert_login(DEFAULT_SESSION_NAME, Some(2));
    let cookie = Creds::session(&sid);
    let fresh = server.get("/api/v1/users/me", &cookie).await;
    fresh.assert_status(200);
    assert_seed_user(&fresh.json(), &U2);
    sleep_until(start, Duration::from_millis(500)).await;
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_status(200);
    sleep_until(start, Duration::from_millis(3200)).await;
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_forbidden();
    // An expired session cannot be logged out either: the filter refuses it first.
    server.delete(LOGOUT, &cookie).await.assert_forbidden();
    // A new login works again.
    let again = server.session(&U2).await;
    server
        .get("/api/v1/users/me", &Creds::session(&again))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_duration_is_parsed_like_python_int() {
    for (raw, seconds) in [(" 2 ", 2), ("+7", 7), ("60", 60)] {
        let server = Server::start_seeded(&exp_env(raw)).await;
        let reply = server.login(U2.email, U2.password).await;
        reply.assert_status(200);
        reply
            .the_cookie()
            .assert_login(DEFAULT_SESSION_NAME, Some(seconds));
    }
}

#[tokio::test]
async fn a_zero_negative_or_unparsable_duration_never_expires() {
    let mut live = Vec::new();
    for raw in [
        Some("0"),
        Some("abc"),
        Some("-5"),
        Some("1.5"),
        Some(""),
        None,
    ] {
        let env = exp_env(raw.unwrap_or_default());
        let env = if raw.is_some() { &env[..] } else { &env[..2] };
        let server = Server::start_seeded(env).await;
        let reply = server.login(U2.email, U2.password).await;
        reply.assert_status(200);
        // No Max-Age: a browser-session cookie, like the original's.
        let sid = reply.the_cookie().assert_login(DEFAULT_SESSION_NAME, None);
        live.push((raw, server, sid));
    }
    // Longer than a one-second duration would last, were "1.5" misread as 1.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    for (raw, server, sid) in &live {
        let reply = server.get("/api/v1/users/me", &Creds::session(sid)).await;
        assert_eq!(
            reply.status, 200,
            "SESSION_DURATION={raw:?} must never expire"
        );
    }
}

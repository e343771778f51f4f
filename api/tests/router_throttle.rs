//! Router tests of brute-force protection: failed logins and Basic checks are answered 429 with
//! `Retry-After` once an account or a client address has too many recent failures.

mod router_common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use router_common::*;

/// `Basic` token of U1's email with the wrong password `nope`.
const WRONG_U1_BASIC: &str = "Basic Ym9iQGhidG4uaW86bm9wZQ==";

/// Gives a request the peer address the server would attach to it.
fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    let peer: SocketAddr = peer.parse().expect("a socket address");
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// Asserts the 429 answer: the JSON error, `Retry-After` with these seconds, CORS as usual.
fn assert_throttled(reply: &Reply, retry_after: &str) {
    reply.assert_error(429, "Too many requests");
    assert_eq!(
        reply.header(header::RETRY_AFTER).as_deref(),
        Some(retry_after)
    );
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    assert_eq!(reply.header(header::SET_COOKIE), None);
}

async fn fail_logins(test: &TestApp, email: &str, times: usize) {
    for attempt in 1..=times {
        let reply = test.send(login_request(email, "wrong guess")).await;
        assert_ne!(reply.status.as_u16(), 429, "attempt {attempt} of {email}");
    }
}

#[tokio::test]
async fn the_sixth_wrong_login_for_one_email_is_answered_429() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    for _ in 0..5 {
        test.send(login_request(U2_EMAIL, "wrong guess"))
            .await
            .assert_error(401, "wrong password");
    }
    test.clock.advance(20);
    let reply = test.send(login_request(U2_EMAIL, "wrong guess")).await;
    assert_throttled(&reply, "280");
}

#[tokio::test]
async fn the_right_password_waits_too_until_the_window_slides() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    fail_logins(&test, U2_EMAIL, 5).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    assert_throttled(&reply, "300");
    test.clock.advance(299);
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    assert_throttled(&reply, "1");
    test.clock.advance(1);
    test.login(U2_EMAIL, U2_PASSWORD).await;
}

#[tokio::test]
async fn unknown_emails_are_throttled_like_known_ones() {
    let test = app("session_auth");
    for _ in 0..5 {
        test.send(login_request("nobody@hbtn.io", "x"))
            .await
            .assert_error(404, "no user found for this email");
    }
    let reply = test.send(login_request("nobody@hbtn.io", "x")).await;
    assert_throttled(&reply, "300");
}

#[tokio::test]
async fn logins_without_a_session_mechanism_are_throttled_too() {
    let test = app("basic_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    fail_logins(&test, U2_EMAIL, 5).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    assert_throttled(&reply, "300");
}

#[tokio::test]
async fn a_successful_login_resets_the_accounts_failures() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    fail_logins(&test, U2_EMAIL, 4).await;
    test.login(U2_EMAIL, U2_PASSWORD).await;
    for _ in 0..5 {
        test.send(login_request(U2_EMAIL, "wrong guess"))
            .await
            .assert_error(401, "wrong password");
    }
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    assert_throttled(&reply, "300");
}

#[tokio::test]
async fn failed_basic_checks_are_answered_429_after_the_limit() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let wrong = WRONG_U1_BASIC;
    for _ in 0..5 {
        test.send(authorized(get("/api/v1/users"), wrong))
            .await
            .assert_error(403, "Forbidden");
    }
    test.clock.advance(60);
    let reply = test.send(authorized(get("/api/v1/users"), U1_BASIC)).await;
    assert_throttled(&reply, "240");
    test.clock.advance(240);
    let reply = test.send(authorized(get("/api/v1/users"), U1_BASIC)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn a_successful_basic_check_resets_the_accounts_failures() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let wrong = WRONG_U1_BASIC;
    for round in 0..3 {
        for _ in 0..4 {
            let reply = test.send(authorized(get("/api/v1/users"), wrong)).await;
            reply.assert_error(403, "Forbidden");
        }
        let reply = test.send(authorized(get("/api/v1/users"), U1_BASIC)).await;
        assert_eq!(reply.status, StatusCode::OK, "round {round}");
    }
}

#[tokio::test]
async fn other_accounts_routes_and_sessions_are_unaffected() {
    let test = app("basic_auth,session_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session_id = test.login(U2_EMAIL, U2_PASSWORD).await;
    fail_logins(&test, U2_EMAIL, 5).await;
    assert_throttled(
        &test.send(login_request(U2_EMAIL, U2_PASSWORD)).await,
        "300",
    );

    let status = test.send(get("/api/v1/status")).await;
    assert_eq!(status.status, StatusCode::OK);
    // The session opened before the block is a cookie, not a password: it still works.
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session_id))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["email"], U2_EMAIL);
    let other = test.send(authorized(get("/api/v1/users"), U1_BASIC)).await;
    assert_eq!(other.status, StatusCode::OK);
    test.send(get("/api/v1/users"))
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn one_address_is_limited_across_many_emails() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    for n in 0..50 {
        let reply = test
            .send(from_peer(
                login_request(&format!("spray{n}@hbtn.io"), "x"),
                "192.0.2.10:40000",
            ))
            .await;
        reply.assert_error(404, "no user found for this email");
    }
    // Another port of the same host is the same client.
    let reply = test
        .send(from_peer(
            login_request(U2_EMAIL, U2_PASSWORD),
            "192.0.2.10:40001",
        ))
        .await;
    assert_throttled(&reply, "300");
    let elsewhere = test
        .send(from_peer(
            login_request(U2_EMAIL, U2_PASSWORD),
            "192.0.2.11:40000",
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text());
}

//! End to end: brute-force protection of the real binary. Failed logins and Basic checks are
//! answered 429 with `Retry-After` once over the limit, and the block ends when the (shortened)
//! window slides.

mod e2e_support;

use std::time::Duration;

use e2e_support::{Creds, Reply, Server, U1, U2};

/// Session logins and Basic both on; three failures per account, four per address, in 2 s.
const ENV: [(&str, &str); 4] = [
    ("AUTH_TYPE", "basic_auth,session_auth"),
    ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
    ("LOGIN_MAX_FAILURES_PER_ADDRESS", "4"),
    ("LOGIN_FAILURE_WINDOW_SECONDS", "2"),
];

/// Asserts the 429 answer and returns its `Retry-After` in seconds (1 or 2 with a 2 s window).
fn retry_after_of(reply: &Reply) -> u64 {
    reply.assert_error(429, "Too many requests");
    let seconds: u64 = reply
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("a whole number of seconds");
    assert!((1..=2).contains(&seconds), "Retry-After: {seconds}");
    seconds
}

#[tokio::test]
async fn wrong_passwords_are_throttled_until_the_window_slides() {
    let server = Server::start_seeded(&ENV).await;
    for _ in 0..3 {
        server
            .login(U2.email, "wrong")
            .await
            .assert_error(401, "wrong password");
    }
    // Over the limit even the right password waits, and gets no cookie.
    let refused = server.login(U2.email, U2.password).await;
    let wait = retry_after_of(&refused);
    assert!(refused.set_cookies().is_empty());
    // `Retry-After` counts from the whole second of the oldest failure, so waiting that long
    // from now is always enough.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    server.login(U2.email, U2.password).await.assert_status(200);
}

#[tokio::test]
async fn failed_basic_checks_are_throttled_and_other_routes_are_not() {
    let server = Server::start_seeded(&ENV).await;
    for _ in 0..3 {
        server
            .get("/api/v1/users", &Creds::basic(U1.email, "wrong"))
            .await
            .assert_forbidden();
    }
    let refused = server.get("/api/v1/users", &Creds::user(&U1)).await;
    let wait = retry_after_of(&refused);
    refused.assert_cors();
    server
        .get("/api/v1/status", &Creds::none())
        .await
        .assert_status(200);
    server
        .get("/api/v1/users", &Creds::user(&U2))
        .await
        .assert_status(200);
    tokio::time::sleep(Duration::from_secs(wait)).await;
    server
        .get("/api/v1/users", &Creds::user(&U1))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_client_address_is_limited_across_emails() {
    let server = Server::start_seeded(&ENV).await;
    for n in 0..4 {
        server
            .login(&format!("spray{n}@hbtn.io"), "x")
            .await
            .assert_error(404, "no user found for this email");
    }
    // A fifth failure from this address, on an email with none of its own, is refused.
    retry_after_of(&server.login(U2.email, U2.password).await);
}

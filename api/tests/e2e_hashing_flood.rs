//! End to end: a flood of logins never starves the server (issue 4, item 8).
//!
//! Every login runs Argon2 with real (OWASP-sized) parameters, one at a time
//! (`MAX_CONCURRENT_HASHES=1`, no credential cache), so a burst of logins queues for seconds'
//! worth of hashing. Requests that need no hashing (`/status`, a cookie-authenticated
//! `/users/me`) must be answered while that queue is still draining. The test asserts the
//! order of events, not durations: no figure here depends on the machine's speed beyond
//! "hashing a password takes longer than answering a status request".

mod e2e_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use e2e_support::{Creds, Server, U2};

/// Logins fired at once; each waits for the single hashing slot.
const FLOOD: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_and_cookie_requests_are_answered_while_a_login_flood_is_hashing() {
    let server = Arc::new(
        Server::start_seeded(&[
            ("AUTH_TYPE", "session_auth"),
            ("ARGON2_MEMORY_KIB", "19456"),
            ("ARGON2_ITERATIONS", "2"),
            ("ARGON2_PARALLELISM", "1"),
            ("MAX_CONCURRENT_HASHES", "1"),
            ("CREDENTIAL_CACHE_TTL_SECONDS", "0"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "0"),
        ])
        .await,
    );
    // The first login upgrades U2's legacy SHA-256 hash, so every later one runs Argon2.
    let session = server.session_for(&U2, "_my_session_id").await;
    let cookie = Creds::session(&session);

    let finished = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..FLOOD)
        .map(|_| {
            let server = Arc::clone(&server);
            let finished = Arc::clone(&finished);
            tokio::spawn(async move {
                let reply = server.login(U2.email, U2.password).await;
                finished.fetch_add(1, Ordering::SeqCst);
                reply.status
            })
        })
        .collect();
    // Let the flood reach the server and take the hashing slot.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    for _ in 0..10 {
        server
            .get("/api/v1/status", &Creds::none())
            .await
            .assert_status(200);
        let me = server.get("/api/v1/users/me", &cookie).await;
        me.assert_status(200);
        assert_eq!(me.json()["email"], U2.email);
    }
    let done_when_served = finished.load(Ordering::SeqCst);
    eprintln!("logins finished when the cheap requests were served: {done_when_served}/{FLOOD}");
    assert!(
        done_when_served < FLOOD,
        "twenty cheap requests should be answered before {FLOOD} queued Argon2 logins finish, \
         but all {done_when_served} logins finished first"
    );

    for login in flood {
        assert_eq!(login.await.expect("the login task ends"), 200);
    }
}

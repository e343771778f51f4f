//! End to end: secrets never leak (issue 4 item 9). One server at `RUST_LOG=trace` goes through
//! every route that handles a secret (login, a failed and a throttled login, Basic, the session
//! list routes, the password change, logout); then neither its log nor any response body holds
//! a password, a password hash, a session id, an `Authorization` value or a cookie value, and
//! only each login's own `Set-Cookie` carries a session id.

mod e2e_support;

use e2e_support::{base64, Creds, Reply, Server, LOGOUT, U1, U2};
use serde_json::Value;

const SESSIONS: &str = "/api/v1/auth_session/sessions";
const NEW_PASSWORD: &str = "Br4nd-New-Secret!";
const WRONG_PASSWORDS: [&str; 3] = ["wrong-guess-one", "wrong-guess-two", "wrong-guess-three"];
const WRONG_BASIC: &str = "wrong-basic-secret";

/// Every reply of the run, with whether it is a successful login (whose `Set-Cookie` may carry
/// the caller's own new session id).
#[derive(Default)]
struct Transcript {
    replies: Vec<(Reply, bool)>,
    session_ids: Vec<String>,
}

impl Transcript {
    fn keep(&mut self, reply: Reply) -> Reply {
        self.replies.push((reply.clone(), false));
        reply
    }

    /// Logs `email` in, asserts 200, and returns the new session id.
    async fn log_in(&mut self, server: &Server, email: &str, password: &str) -> String {
        let reply = server.login(email, password).await;
        reply.assert_status(200);
        let sid = reply.the_cookie().value;
        assert!(!sid.is_empty(), "the login set a session id");
        self.session_ids.push(sid.clone());
        self.replies.push((reply, true));
        sid
    }
}

/// The `handle` of the one session in a `GET /sessions` listing whose `current` is `current`.
fn handles(listing: &Value, current: bool) -> Vec<String> {
    listing
        .as_array()
        .expect("the sessions list is an array")
        .iter()
        .filter(|entry| entry["current"].as_bool() == Some(current))
        .filter_map(|entry| entry["handle"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn no_secret_reaches_the_trace_log_or_a_response_body() {
    let env = [
        ("AUTH_TYPE", "basic_auth,session_db_auth"),
        ("RUST_LOG", "trace"),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "2"),
    ];
    let server = Server::start_seeded(&env).await;
    let mut run = Transcript::default();

    // Logins: two sessions of U1, one of U2.
    let first = run.log_in(&server, U1.email, U1.password).await;
    let second = run.log_in(&server, U1.email, U1.password).await;
    let other_user = run.log_in(&server, U2.email, U2.password).await;

    // Basic, right and wrong.
    run.keep(server.get("/api/v1/users/me", &Creds::user(&U1)).await)
        .assert_status(200);
    run.keep(
        server
            .get("/api/v1/users/me", &Creds::basic(U1.email, WRONG_BASIC))
            .await,
    )
    .assert_forbidden();

    // The session list routes, with a cookie and with Basic.
    let listing = run
        .keep(server.get(SESSIONS, &Creds::session(&first)).await)
        .json();
    assert_eq!(handles(&listing, true).len(), 1, "{listing}");
    let others = handles(&listing, false);
    assert_eq!(others.len(), 1, "U1's second session: {listing}");
    run.keep(server.get(SESSIONS, &Creds::user(&U1)).await)
        .assert_status(200);
    run.keep(
        server
            .delete(
                &format!("{SESSIONS}/{}", others[0]),
                &Creds::session(&first),
            )
            .await,
    )
    .assert_status(200);
    let third = run.log_in(&server, U1.email, U1.password).await;
    let ended = run
        .keep(server.delete(SESSIONS, &Creds::session(&first)).await)
        .json();
    assert_eq!(ended["ended"], 1, "the third session ended: {ended}");

    // The password change, then the new password over Basic.
    let change = format!(
        r#"{{"current_password":"{}","new_password":"{NEW_PASSWORD}"}}"#,
        U1.password
    );
    run.keep(
        server
            .put_json(
                "/api/v1/users/me/password",
                &change,
                &Creds::session(&first),
            )
            .await,
    )
    .assert_status(200);
    run.keep(
        server
            .get("/api/v1/users/me", &Creds::basic(U1.email, NEW_PASSWORD))
            .await,
    )
    .assert_status(200);

    // Failed logins, then a throttled one (even with the right password).
    for wrong in &WRONG_PASSWORDS[..2] {
        run.keep(server.login(U2.email, wrong).await)
            .assert_status(401);
    }
    run.keep(server.login(U2.email, WRONG_PASSWORDS[2]).await)
        .assert_status(429);
    run.keep(server.login(U2.email, U2.password).await)
        .assert_status(429);

    // Logout.
    run.keep(server.delete(LOGOUT, &Creds::session(&first)).await)
        .assert_status(200);

    let users = server.users_file();
    let hash_of = |id: &str| {
        users[id]["_password"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (u1_hash, u2_hash) = (hash_of(U1.id), hash_of(U2.id));
    assert!(u1_hash.starts_with("$argon2id$"), "{u1_hash}");
    assert!(u2_hash.starts_with("$argon2id$"), "{u2_hash}");
    let mut secrets: Vec<String> = [
        U1.password,
        U2.password,
        NEW_PASSWORD,
        WRONG_BASIC,
        U1.sha256,
        U2.sha256,
    ]
    .iter()
    .chain(WRONG_PASSWORDS.iter())
    .map(|secret| secret.to_string())
    .collect();
    secrets.extend([
        U1.token(),
        U2.token(),
        base64(format!("{}:{WRONG_BASIC}", U1.email).as_bytes()),
        base64(format!("{}:{NEW_PASSWORD}", U1.email).as_bytes()),
        u1_hash.clone(),
        u2_hash.clone(),
        // The hashes' digest parts alone, in case a log line cut the PHC string.
        u1_hash.rsplit('$').next().unwrap_or_default().to_string(),
        u2_hash.rsplit('$').next().unwrap_or_default().to_string(),
    ]);
    secrets.extend(run.session_ids.iter().cloned());
    assert_eq!(run.session_ids, [first, second, other_user, third]);
    assert!(secrets.iter().all(|secret| secret.len() >= 8));

    let stderr = server.stderr();
    assert!(!stderr.is_empty(), "trace logging produced output");
    for secret in &secrets {
        assert!(
            !stderr.contains(secret.as_str()),
            "a secret appears in the log: {secret:?}"
        );
    }

    for (reply, is_login) in &run.replies {
        let body = reply.text();
        for secret in &secrets {
            assert!(
                !body.contains(secret.as_str()),
                "{}: a secret appears in the body: {secret:?}",
                reply.request
            );
        }
        if *is_login {
            continue;
        }
        for cookie in reply.set_cookies() {
            assert!(
                !run.session_ids.contains(&cookie.value),
                "{}: a Set-Cookie carries a session id",
                reply.request
            );
        }
    }
}

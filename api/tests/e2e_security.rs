//! End to end: session security beyond the original (revoking the cookie sent with a login,
//! the inactivity timeout, the caller's session list, ending sessions, changing one's password,
//! `Cache-Control: no-store`).

mod e2e_support;

use std::time::Duration;

use e2e_support::{Body, Creds, Server, LOGIN, U1, U2};
use serde_json::{json, Value};

const SESSIONS: &str = "/api/v1/auth_session/sessions";
const PASSWORD: &str = "/api/v1/users/me/password";
const ME: &str = "/api/v1/users/me";

const SESSION_DB: &[(&str, &str)] = &[("AUTH_TYPE", "session_db_auth")];
const BASIC_AND_SESSIONS: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth,session_db_auth")];

/// Logs in with this `User-Agent` and returns the session id.
async fn login_as(server: &Server, email: &str, password: &str, agent: &str) -> String {
    let fields = [("email", email), ("password", password)];
    let reply = server
        .send(
            "POST",
            LOGIN,
            &Creds::none(),
            &[("user-agent", agent.as_bytes())],
            Body::Form(&fields),
        )
        .await;
    reply.assert_status(200);
    reply.the_cookie().value
}

fn listed(reply: &e2e_support::Reply) -> Vec<Value> {
    reply.assert_status(200);
    reply.json().as_array().expect("a JSON array").clone()
}

#[tokio::test]
async fn a_login_with_an_old_cookie_revokes_it() {
    let server = Server::start_seeded(SESSION_DB).await;
    let old = server.session(&U2).await;
    let fields = [("email", U2.email), ("password", U2.password)];
    let reply = server
        .post_form(LOGIN, &fields, &Creds::session(&old))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let fresh = reply.the_cookie().value;
    assert_ne!(fresh, old);
    server
        .get(ME, &Creds::session(&old))
        .await
        .assert_forbidden();
    server
        .get(ME, &Creds::session(&fresh))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_unused_session_ends_after_the_idle_timeout() {
    let server = Server::start_seeded(&[
        ("AUTH_TYPE", "session_db_auth"),
        ("SESSION_IDLE_TIMEOUT", "2"),
    ])
    .await;
    let used = server.session(&U2).await;
    let idle = server.session(&U2).await;
    // Used once a second, a session stays; left alone for 3 s, the other one ends.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        server
            .get(ME, &Creds::session(&used))
            .await
            .assert_status(200);
    }
    server
        .get(ME, &Creds::session(&idle))
        .await
        .assert_forbidden();
    server
        .get(ME, &Creds::session(&used))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_session_list_shows_the_current_and_the_other_sessions() {
    let server = Server::start_seeded(SESSION_DB).await;
    let phone = login_as(&server, U2.email, U2.password, "phone/1.0").await;
    let laptop = login_as(&server, U2.email, U2.password, "laptop/2.0").await;
    let reply = server.get(SESSIONS, &Creds::session(&laptop)).await;
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let sessions = listed(&reply);
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["user_agent"], "phone/1.0");
    assert_eq!(sessions[0]["current"], false);
    assert_eq!(sessions[1]["user_agent"], "laptop/2.0");
    assert_eq!(sessions[1]["current"], true);
    assert_eq!(sessions[1]["client_addr"], "127.0.0.1");
    let text = reply.text();
    assert!(
        !text.contains(&phone) && !text.contains(&laptop),
        "no secret in {text}"
    );
}

#[tokio::test]
async fn deleting_the_sessions_ends_the_others_but_keeps_the_current_one() {
    let server = Server::start_seeded(SESSION_DB).await;
    let other = server.session(&U2).await;
    let current = server.session(&U2).await;
    server
        .delete(SESSIONS, &Creds::session(&current))
        .await
        .assert_json(200, json!({"ended": 1}));
    server
        .get(ME, &Creds::session(&other))
        .await
        .assert_forbidden();
    server
        .get(ME, &Creds::session(&current))
        .await
        .assert_status(200);
    let sessions = listed(&server.get(SESSIONS, &Creds::session(&current)).await);
    assert_eq!(sessions.len(), 1);
}

#[tokio::test]
async fn one_session_ends_by_its_handle_and_another_users_handle_is_not_found() {
    let server = Server::start_seeded(SESSION_DB).await;
    let mine = server.session(&U2).await;
    let second = server.session(&U2).await;
    let theirs = server.session(&U1).await;
    let their_handle = listed(&server.get(SESSIONS, &Creds::session(&theirs)).await)[0]["handle"]
        .as_str()
        .expect("a handle")
        .to_string();
    server
        .delete(
            &format!("{SESSIONS}/{their_handle}"),
            &Creds::session(&mine),
        )
        .await
        .assert_not_found();
    server
        .get(ME, &Creds::session(&theirs))
        .await
        .assert_status(200);

    let my_sessions = listed(&server.get(SESSIONS, &Creds::session(&mine)).await);
    let second_handle = my_sessions
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["handle"].as_str())
        .expect("the other session")
        .to_string();
    server
        .delete(
            &format!("{SESSIONS}/{second_handle}"),
            &Creds::session(&mine),
        )
        .await
        .assert_json(200, json!({}));
    server
        .get(ME, &Creds::session(&second))
        .await
        .assert_forbidden();
    server
        .get(ME, &Creds::session(&mine))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_password_change_revokes_the_other_sessions_and_the_old_password() {
    let server = Server::start_seeded(BASIC_AND_SESSIONS).await;
    let other = server.session(&U1).await;
    let current = server.session(&U1).await;
    // The old password works for Basic before the change (and is cached).
    server.get(ME, &Creds::user(&U1)).await.assert_status(200);
    let body = json!({"current_password": U1.password, "new_password": "N3w pass!"}).to_string();
    let reply = server
        .put_json(PASSWORD, &body, &Creds::session(&current))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.json()["email"], U1.email);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));

    server
        .get(ME, &Creds::session(&other))
        .await
        .assert_forbidden();
    server
        .get(ME, &Creds::session(&current))
        .await
        .assert_status(200);
    server
        .login(U1.email, U1.password)
        .await
        .assert_error(401, "wrong password");
    server.get(ME, &Creds::user(&U1)).await.assert_forbidden();
    server.login(U1.email, "N3w pass!").await.assert_status(200);
    server
        .get(ME, &Creds::basic(U1.email, "N3w pass!"))
        .await
        .assert_status(200);

    let wrong = json!({"current_password": "guess", "new_password": "x"}).to_string();
    server
        .put_json(PASSWORD, &wrong, &Creds::session(&current))
        .await
        .assert_error(401, "wrong password");
}

//! Router tests of the session-security routes: the caller's session list, ending sessions,
//! changing one's password, revoking the cookie sent with a login, and `Cache-Control`.

mod router_common;

use axum::http::{header, Method, StatusCode};
use router_common::*;
use storage::SessionRepository;

const SESSIONS: &str = "/api/v1/auth_session/sessions";
const PASSWORD: &str = "/api/v1/users/me/password";

fn password_body(current: &str, new: &str) -> String {
    serde_json::json!({"current_password": current, "new_password": new}).to_string()
}

#[tokio::test]
async fn a_login_revokes_the_session_its_cookie_named() {
    let t = app("session_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let old = t.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = t
        .send(with_session(login_request(U2_EMAIL, U2_PASSWORD), &old))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let fresh = session_id_of(&reply);
    assert_ne!(fresh, old);
    assert!(t.sessions.get(&old).await.expect("read").is_none());
    t.send(with_session(get("/api/v1/users/me"), &old))
        .await
        .assert_error(403, "Forbidden");
    let me = t.send(with_session(get("/api/v1/users/me"), &fresh)).await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn a_failed_login_leaves_the_cookie_session_alone() {
    let t = app("session_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let old = t.login(U2_EMAIL, U2_PASSWORD).await;
    t.send(with_session(login_request(U2_EMAIL, "nope"), &old))
        .await
        .assert_error(401, "wrong password");
    assert!(t.sessions.get(&old).await.expect("read").is_some());
}

#[tokio::test]
async fn every_api_answer_says_no_store() {
    let t = app("session_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let sid = t.login(U2_EMAIL, U2_PASSWORD).await;
    let replies = [
        t.send(login_request(U2_EMAIL, U2_PASSWORD)).await,
        t.send(with_session(get("/api/v1/users/me"), &sid)).await,
        t.send(with_session(get("/api/v1/users"), &sid)).await,
        t.send(with_session(get(SESSIONS), &sid)).await,
        t.send(get("/api/v1/status")).await,
        t.send(get("/api/v1/users")).await,
        t.send(with_session(
            request(Method::DELETE, "/api/v1/auth_session/logout"),
            &sid,
        ))
        .await,
    ];
    for reply in replies {
        assert_eq!(
            reply.header(header::CACHE_CONTROL).as_deref(),
            Some("no-store"),
            "{} {}",
            reply.status,
            reply.text()
        );
    }
}

#[tokio::test]
async fn the_session_list_shows_current_and_others_without_their_secrets() {
    let t = app("session_db_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let phone = t
        .send(with_header(
            login_request(U2_EMAIL, U2_PASSWORD),
            "user-agent",
            b"phone/1",
        ))
        .await;
    let phone = session_id_of(&phone);
    let laptop = t.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = t.send(with_session(get(SESSIONS), &laptop)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let listed = reply.json();
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 2);
    let keys: Vec<&str> = listed[0]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "handle",
            "created_at",
            "last_seen_at",
            "expires_at",
            "client_addr",
            "user_agent",
            "current"
        ]
    );
    assert_eq!(listed[0]["user_agent"], "phone/1");
    assert_eq!(listed[0]["current"], false);
    assert_eq!(listed[1]["current"], true);
    assert_eq!(listed[1]["client_addr"], serde_json::Value::Null);
    assert_eq!(listed[0]["expires_at"], serde_json::Value::Null);
    let text = reply.text();
    assert!(!text.contains(&phone) && !text.contains(&laptop), "{text}");
}

#[tokio::test]
async fn deleting_the_sessions_ends_all_but_the_current_one() {
    let t = app("session_db_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let other = t.login(U2_EMAIL, U2_PASSWORD).await;
    let current = t.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = t
        .send(with_session(request(Method::DELETE, SESSIONS), &current))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), serde_json::json!({"ended": 1}));
    assert!(t.sessions.get(&other).await.expect("read").is_none());
    assert!(t.sessions.get(&current).await.expect("read").is_some());
}

#[tokio::test]
async fn a_basic_caller_sees_no_current_session_and_ends_them_all() {
    let t = app("basic_auth,session_db_auth");
    t.seed(U1_EMAIL, U1_PASSWORD).await;
    let sid = t.login(U1_EMAIL, U1_PASSWORD).await;
    let listed = t.send(authorized(get(SESSIONS), U1_BASIC)).await.json();
    assert_eq!(listed[0]["current"], false);
    let reply = t
        .send(authorized(request(Method::DELETE, SESSIONS), U1_BASIC))
        .await;
    assert_eq!(reply.json(), serde_json::json!({"ended": 1}));
    assert!(t.sessions.get(&sid).await.expect("read").is_none());
}

#[tokio::test]
async fn one_session_is_ended_by_its_handle_and_only_by_its_owner() {
    let t = app("session_db_auth");
    t.seed(U1_EMAIL, U1_PASSWORD).await;
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let mine = t.login(U2_EMAIL, U2_PASSWORD).await;
    let theirs = t.login(U1_EMAIL, U1_PASSWORD).await;
    let their_handle = t.send(with_session(get(SESSIONS), &theirs)).await.json()[0]["handle"]
        .as_str()
        .expect("a handle")
        .to_string();
    let path = format!("{SESSIONS}/{their_handle}");
    t.send(with_session(request(Method::DELETE, &path), &mine))
        .await
        .assert_error(404, "Not found");
    t.send(with_session(
        request(Method::DELETE, &format!("{SESSIONS}/nope")),
        &mine,
    ))
    .await
    .assert_error(404, "Not found");
    assert!(t.sessions.get(&theirs).await.expect("read").is_some());
    // Ending one's own current session by handle is a logout.
    let reply = t
        .send(with_session(request(Method::DELETE, &path), &theirs))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "{}\n");
    assert!(reply
        .header(header::SET_COOKIE)
        .is_some_and(|cookie| cookie.contains("Max-Age=0")));
    assert!(t.sessions.get(&theirs).await.expect("read").is_none());
}

#[tokio::test]
async fn the_session_routes_need_authentication_and_a_session_mechanism() {
    let t = app("session_db_auth");
    t.send(get(SESSIONS))
        .await
        .assert_error(401, "Unauthorized");
    t.send(request(Method::DELETE, &format!("{SESSIONS}/x")))
        .await
        .assert_error(401, "Unauthorized");
    let basic = app("basic_auth");
    basic.seed(U1_EMAIL, U1_PASSWORD).await;
    basic
        .send(authorized(get(SESSIONS), U1_BASIC))
        .await
        .assert_error(404, "Not found");
    let open = app_with(Options::open());
    open.send(get(SESSIONS))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn a_password_change_keeps_the_current_session_and_ends_the_others() {
    let t = app("session_db_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let other = t.login(U2_EMAIL, U2_PASSWORD).await;
    let current = t.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = t
        .send(with_session(
            json(Method::PUT, PASSWORD, &password_body(U2_PASSWORD, "n3w pw")),
            &current,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_public_user(&reply.json(), U2_EMAIL);
    assert!(t.sessions.get(&other).await.expect("read").is_none());
    assert!(t.sessions.get(&current).await.expect("read").is_some());
    t.send(login_request(U2_EMAIL, U2_PASSWORD))
        .await
        .assert_error(401, "wrong password");
    t.login(U2_EMAIL, "n3w pw").await;
}

#[tokio::test]
async fn a_basic_password_change_ends_every_session_and_the_old_password_stops_working() {
    let t = app("basic_auth,session_db_auth");
    t.seed(U1_EMAIL, U1_PASSWORD).await;
    let sid = t.login(U1_EMAIL, U1_PASSWORD).await;
    // A successful Basic check is remembered before the change.
    assert_eq!(
        t.send(authorized(get("/api/v1/users/me"), U1_BASIC))
            .await
            .status,
        StatusCode::OK
    );
    let reply = t
        .send(authorized(
            json(Method::PUT, PASSWORD, &password_body(U1_PASSWORD, "other")),
            U1_BASIC,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(t.sessions.get(&sid).await.expect("read").is_none());
    t.send(authorized(get("/api/v1/users/me"), U1_BASIC))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn a_password_change_refuses_bad_input_and_a_wrong_password() {
    let t = app("session_auth");
    t.seed(U2_EMAIL, U2_PASSWORD).await;
    let sid = t.login(U2_EMAIL, U2_PASSWORD).await;
    let cases = [
        ("[1]", 400, "Wrong format"),
        ("not json", 400, "Wrong format"),
        ("{}", 400, "current_password missing"),
        (
            r#"{"current_password": 5}"#,
            400,
            "current_password missing",
        ),
        (r#"{"current_password": "x"}"#, 400, "new_password missing"),
        (
            r#"{"current_password": "x", "new_password": ""}"#,
            400,
            "new_password missing",
        ),
        (
            r#"{"current_password": "x", "new_password": "y"}"#,
            401,
            "wrong password",
        ),
    ];
    for (body, status, message) in cases {
        t.send(with_session(json(Method::PUT, PASSWORD, body), &sid))
            .await
            .assert_error(status, message);
    }
    t.send(json(Method::PUT, PASSWORD, "{}"))
        .await
        .assert_error(401, "Unauthorized");
    t.login(U2_EMAIL, U2_PASSWORD).await;
}

//! Router tests of R10-R11: login with a form, the session cookie, logout, expiry, D11.

mod router_common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use router_common::*;

const LOGIN: &str = "/api/v1/auth_session/login";
const LOGOUT: &str = "/api/v1/auth_session/logout";
const FORM: &str = "application/x-www-form-urlencoded";

fn form(body: &str) -> Request<Body> {
    with_body(Method::POST, LOGIN, FORM, body)
}

#[tokio::test]
async fn login_checks_its_fields_in_the_original_order() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    test.send(request(Method::POST, LOGIN))
        .await
        .assert_error(400, "email missing");
    test.send(form("email=guillaume%40hbtn.io"))
        .await
        .assert_error(400, "password missing");
    test.send(form("email=&password=x"))
        .await
        .assert_error(400, "email missing");
    test.send(form("email=a&password="))
        .await
        .assert_error(400, "password missing");
    test.send(form("email=guillaume%40hbtn.io&password=test"))
        .await
        .assert_error(404, "no user found for this email");
    let reply = test
        .send(form("email=bobsession%40hbtn.io&password=test"))
        .await;
    reply.assert_error(401, "wrong password");
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    assert_eq!(reply.header(header::SET_COOKIE), None);
}

#[tokio::test]
async fn only_form_bodies_carry_login_fields() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let json_body = r#"{"email":"bobsession@hbtn.io","password":"fake pwd"}"#;
    test.send(json(Method::POST, LOGIN, json_body))
        .await
        .assert_error(400, "email missing");
    let query = format!("{LOGIN}?email=bobsession%40hbtn.io&password=fake%20pwd");
    test.send(request(Method::POST, &query))
        .await
        .assert_error(400, "email missing");
    test.send(with_body(
        Method::POST,
        LOGIN,
        "text/plain",
        "email=bobsession%40hbtn.io&password=fake%20pwd",
    ))
    .await
    .assert_error(400, "email missing");
}

#[tokio::test]
async fn a_good_login_answers_the_user_and_sets_the_cookie() {
    let test = app("session_auth");
    let user = test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_public_user(&reply.json(), U2_EMAIL);
    assert_eq!(reply.json()["id"], user.id.as_str());
    assert_eq!(
        reply.header(header::CONTENT_TYPE).as_deref(),
        Some("application/json")
    );
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    let session = session_id_of(&reply);
    assert_eq!(
        reply.header(header::SET_COOKIE).as_deref(),
        Some(format!("_my_session_id={session}; Path=/; HttpOnly; SameSite=Lax").as_str())
    );
    assert_eq!(session.len(), 36, "a UUID4");
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["id"], user.id.as_str());
}

#[tokio::test]
async fn a_login_upgrades_a_legacy_hash() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    test.login(U2_EMAIL, U2_PASSWORD).await;
    let stored = test.stored().await;
    let hash = stored[0].password.as_ref().expect("a hash");
    assert!(hash.as_str().starts_with("$argon2id$"));
    test.login(U2_EMAIL, U2_PASSWORD).await;
}

#[tokio::test]
async fn every_login_opens_a_new_session() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let first = test.login(U2_EMAIL, U2_PASSWORD).await;
    let second = test.login(U2_EMAIL, U2_PASSWORD).await;
    assert_ne!(first, second);
    for session in [first, second] {
        let reply = test
            .send(with_session(get("/api/v1/users/me"), &session))
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn login_accepts_a_trailing_slash_and_multipart_forms() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let body = format!(
        "email={}&password={}",
        encode(U2_EMAIL),
        encode(U2_PASSWORD)
    );
    let reply = test
        .send(with_body(Method::POST, &format!("{LOGIN}/"), FORM, &body))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nbobsession@hbtn.io\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nfake pwd\r\n--XyZ--\r\n";
    let reply = test
        .send(with_body(
            Method::POST,
            LOGIN,
            "multipart/form-data; boundary=XyZ",
            multipart,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.header(header::SET_COOKIE).is_some());
}

#[tokio::test]
async fn a_broken_multipart_body_has_no_fields() {
    let test = app("session_auth");
    for content_type in ["multipart/form-data", "multipart/form-data; boundary=XyZ"] {
        test.send(with_body(Method::POST, LOGIN, content_type, "garbage"))
            .await
            .assert_error(400, "email missing");
    }
}

#[tokio::test]
async fn logout_ends_the_session_and_expires_the_cookie() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = test
        .send(with_session(request(Method::DELETE, LOGOUT), &session))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "{}\n");
    assert_eq!(
        reply.header(header::SET_COOKIE).as_deref(),
        Some("_my_session_id=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    );
    test.send(with_session(get("/api/v1/users/me"), &session))
        .await
        .assert_error(403, "Forbidden");
    test.send(with_session(request(Method::DELETE, LOGOUT), &session))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn logout_is_guarded_by_the_filter() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    test.send(request(Method::DELETE, LOGOUT))
        .await
        .assert_error(401, "Unauthorized");
    test.send(with_session(request(Method::DELETE, LOGOUT), "bad"))
        .await
        .assert_error(403, "Forbidden");
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let reply = test
        .send(with_session(
            request(Method::DELETE, &format!("{LOGOUT}/")),
            &session,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn expiring_sessions_carry_max_age_and_end_after_the_duration() {
    let test = app_with(Options {
        duration: 60,
        ..Options::auth("session_exp_auth")
    });
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    let cookie = reply.header(header::SET_COOKIE).expect("a cookie");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Max-Age=60"),
        "{cookie}"
    );
    let session = session_id_of(&reply);
    test.clock.advance(10);
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    test.clock.advance(50);
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session))
        .await;
    assert_eq!(me.status, StatusCode::OK, "the last second is still valid");
    test.clock.advance(1);
    test.send(with_session(get("/api/v1/users/me"), &session))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn session_db_auth_sessions_expire_too() {
    let test = app_with(Options {
        duration: 60,
        ..Options::auth("session_db_auth")
    });
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    test.clock.advance(10);
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    test.clock.advance(60);
    test.send(with_session(get("/api/v1/users/me"), &session))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn a_zero_duration_never_expires_and_sets_no_max_age() {
    let test = app("session_exp_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    let cookie = reply.header(header::SET_COOKIE).expect("a cookie");
    assert!(!cookie.contains("Max-Age"), "{cookie}");
    let session = session_id_of(&reply);
    test.clock.advance(10 * 365 * 24 * 3600);
    let me = test
        .send(with_session(get("/api/v1/users/me"), &session))
        .await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn secure_cookies_are_marked_secure() {
    let test = app_with(Options {
        secure: true,
        ..Options::auth("session_auth")
    });
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(login_request(U2_EMAIL, U2_PASSWORD)).await;
    let cookie = reply.header(header::SET_COOKIE).expect("a cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let session = session_id_of(&reply);
    let reply = test
        .send(with_session(request(Method::DELETE, LOGOUT), &session))
        .await;
    let cookie = reply.header(header::SET_COOKIE).expect("a cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn without_a_session_mechanism_a_correct_login_is_not_found() {
    for options in [
        Options::open(),
        Options::auth("auth"),
        Options::auth("basic_auth"),
    ] {
        let test = app_with(options);
        test.seed(U2_EMAIL, U2_PASSWORD).await;
        test.send(login_request(U2_EMAIL, U2_PASSWORD))
            .await
            .assert_error(404, "Not found");
        test.send(login_request(U2_EMAIL, "nope"))
            .await
            .assert_error(401, "wrong password");
        test.send(login_request("who@hbtn.io", "x"))
            .await
            .assert_error(404, "no user found for this email");
        test.send(request(Method::POST, LOGIN))
            .await
            .assert_error(400, "email missing");
    }
}

#[tokio::test]
async fn without_a_session_mechanism_logout_is_not_found() {
    let test = app_with(Options::open());
    test.send(request(Method::DELETE, LOGOUT))
        .await
        .assert_error(404, "Not found");
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.send(authorized(request(Method::DELETE, LOGOUT), U1_BASIC))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn logout_without_a_cookie_after_basic_authentication_is_not_found() {
    let test = app("basic_auth,session_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.send(authorized(request(Method::DELETE, LOGOUT), U1_BASIC))
        .await
        .assert_error(404, "Not found");
}

//! Router tests of the body size limit: 413 JSON, declared or not, and nothing stored.

mod router_common;

use axum::http::{header, Method, StatusCode};
use router_common::*;

fn small_limit(auth_type: Option<&'static str>) -> TestApp {
    app_with(Options {
        auth_type,
        body_limit: 64,
        ..Options::auth("none")
    })
}

fn oversized_user() -> String {
    format!(
        r#"{{"email":"a@b.c","password":"pw","first_name":"{}"}}"#,
        "x".repeat(100)
    )
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_authentication() {
    let test = small_limit(Some("basic_auth"));
    let body = oversized_user();
    let request = json(Method::POST, "/api/v1/users", &body);
    let request = with_header(request, "content-length", body.len().to_string().as_bytes());
    let reply = test.send(request).await;
    reply.assert_error(413, "Payload too large");
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
    assert!(test.stored().await.is_empty());
}

#[tokio::test]
async fn an_undeclared_body_over_the_limit_is_413_when_read() {
    let test = small_limit(None);
    let reply = test
        .send(json(Method::POST, "/api/v1/users", &oversized_user()))
        .await;
    reply.assert_error(413, "Payload too large");
    assert!(test.stored().await.is_empty());
}

#[tokio::test]
async fn an_oversized_update_or_login_is_413() {
    let test = small_limit(Some("session_auth"));
    let user = test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let path = format!("/api/v1/users/{}", user.id);
    let update = format!(r#"{{"first_name":"{}"}}"#, "y".repeat(100));
    test.send(with_session(json(Method::PUT, &path, &update), &session))
        .await
        .assert_error(413, "Payload too large");
    let form = format!("email=a&password={}", "z".repeat(100));
    test.send(with_body(
        Method::POST,
        "/api/v1/auth_session/login",
        "application/x-www-form-urlencoded",
        &form,
    ))
    .await
    .assert_error(413, "Payload too large");
    assert_eq!(test.stored().await[0].first_name, None);
}

#[tokio::test]
async fn a_body_at_the_limit_is_accepted() {
    let test = small_limit(None);
    let body = r#"{"email":"a@b.c","password":"pw"}"#;
    let padded = format!("{body}{}", " ".repeat(64 - body.len()));
    assert_eq!(padded.len(), 64);
    let reply = test
        .send(json(Method::POST, "/api/v1/users", &padded))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

/// A login form of `size` bytes: the credentials, then an `extra` field padding it out.
fn padded_login_form(size: usize) -> String {
    let encode = |text: &str| text.replace('@', "%40").replace(' ', "+");
    let fields = format!(
        "email={}&password={}&extra=",
        encode(U2_EMAIL),
        encode(U2_PASSWORD)
    );
    format!("{fields}{}", "p".repeat(size - fields.len()))
}

#[tokio::test]
async fn a_login_form_past_axums_own_default_limit_is_read_when_max_body_bytes_allows_it() {
    // axum's extractors stop at 2 MB unless told otherwise; MAX_BODY_BYTES decides here.
    let size = 3 * 1024 * 1024;
    let test = app_with(Options {
        body_limit: 4 * 1024 * 1024,
        ..Options::auth("session_auth")
    });
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let form = padded_login_form(size);
    assert_eq!(form.len(), size);
    let reply = test
        .send(with_body(
            Method::POST,
            "/api/v1/auth_session/login",
            "application/x-www-form-urlencoded",
            &form,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let boundary = "bench-boundary";
    let part = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let multipart = format!(
        "{}{}{}--{boundary}--\r\n",
        part("email", U2_EMAIL),
        part("password", U2_PASSWORD),
        part("extra", &"p".repeat(size)),
    );
    let reply = test
        .send(with_body(
            Method::POST,
            "/api/v1/auth_session/login",
            &format!("multipart/form-data; boundary={boundary}"),
            &multipart,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

//! Router tests of the authentication filter: it runs before routing, on every path and method.

mod router_common;

use axum::http::{header, Method, StatusCode};
use router_common::*;

#[tokio::test]
async fn the_base_auth_guards_paths_but_accepts_nobody() {
    let test = app("auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    assert_eq!(
        test.send(get("/api/v1/status")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        test.send(get("/api/v1/status/")).await.status,
        StatusCode::OK
    );
    test.send(get("/api/v1/users"))
        .await
        .assert_error(401, "Unauthorized");
    test.send(authorized(get("/api/v1/users"), "Test"))
        .await
        .assert_error(403, "Forbidden");
    test.send(authorized(get("/api/v1/users"), U1_BASIC))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn basic_auth_lets_a_valid_user_in() {
    let test = app("basic_auth");
    let u1 = test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.send(get("/api/v1/users"))
        .await
        .assert_error(401, "Unauthorized");
    test.send(authorized(get("/api/v1/users"), "Test"))
        .await
        .assert_error(403, "Forbidden");
    let reply = test.send(authorized(get("/api/v1/users"), U1_BASIC)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let list = reply.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_public_user(&list[0], U1_EMAIL);
    assert_eq!(list[0]["id"], u1.id.as_str());
    let me = test
        .send(authorized(get("/api/v1/users/me"), U1_BASIC))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_public_user(&me.json(), U1_EMAIL);
}

#[tokio::test]
async fn a_password_with_colons_authenticates() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.seed(U3_EMAIL, U3_PASSWORD).await;
    let reply = test.send(authorized(get("/api/v1/users"), U3_BASIC)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn malformed_basic_credentials_are_forbidden_not_errors() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let cases: [&[u8]; 9] = [
        b"Basic test",
        b"Basic !!!!",
        b"Basic ",
        // Base64 of the bytes ff fe 3a 78: not UTF-8 once decoded.
        b"Basic //46eA==",
        b"basic Ym9iQGhidG4uaW86SDBsYmVydG9uU2Nob29sOTgh",
        b"Basic  Ym9iQGhidG4uaW86SDBsYmVydG9uU2Nob29sOTgh",
        b"Basic1234",
        b"",
        b"Basic \xff\xfe",
    ];
    for authorization in cases {
        let reply = test
            .send(with_header(
                get("/api/v1/users"),
                "authorization",
                authorization,
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{}",
            String::from_utf8_lossy(authorization)
        );
        reply.assert_error(403, "Forbidden");
    }
}

#[tokio::test]
async fn unknown_paths_are_filtered_before_routing() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    test.send(get("/api/v1/nope"))
        .await
        .assert_error(401, "Unauthorized");
    test.send(with_session(get("/api/v1/nope"), "bad"))
        .await
        .assert_error(403, "Forbidden");
    test.send(with_session(get("/api/v1/nope"), &session))
        .await
        .assert_error(404, "Not found");
    test.send(with_session(get("/api/v1/users/xyz"), &session))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn the_root_path_is_guarded_and_gets_no_cors_header() {
    let test = app("session_auth");
    let reply = test.send(get("/")).await;
    reply.assert_error(401, "Unauthorized");
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn filter_errors_under_the_api_carry_the_cors_header() {
    let test = app("session_auth");
    for (request, status) in [
        (get("/api/v1/users"), 401),
        (with_session(get("/api/v1/users"), "bad"), 403),
    ] {
        let reply = test.send(request).await;
        assert_eq!(reply.status.as_u16(), status);
        assert_eq!(
            reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
            Some("*")
        );
    }
}

#[tokio::test]
async fn options_and_head_without_credentials_are_401() {
    let test = app("session_auth");
    test.send(request(Method::OPTIONS, "/api/v1/users"))
        .await
        .assert_error(401, "Unauthorized");
    let reply = test.send(request(Method::HEAD, "/api/v1/users")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_method_on_a_guarded_route_needs_credentials_first() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    test.send(get("/api/v1/auth_session/logout"))
        .await
        .assert_error(401, "Unauthorized");
    let reply = test
        .send(with_session(get("/api/v1/auth_session/logout"), &session))
        .await;
    reply.assert_error(405, "Method not allowed");
    assert_eq!(
        reply.header(header::ALLOW).as_deref(),
        Some("DELETE,OPTIONS")
    );
}

#[tokio::test]
async fn session_auth_ignores_basic_credentials() {
    let test = app("session_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.send(authorized(get("/api/v1/users/me"), U1_BASIC))
        .await
        .assert_error(403, "Forbidden");
    test.send(with_session(
        get("/api/v1/users/me"),
        "5535d4d7-3d77-4d06-8281-495dc3acfe76",
    ))
    .await
    .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn a_stray_session_cookie_under_basic_auth_is_403_not_401() {
    let test = app("basic_auth");
    test.send(with_session(get("/api/v1/users"), "anything"))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn empty_credentials_count_as_present() {
    let test = app("session_auth");
    test.send(with_header(get("/api/v1/users"), "authorization", b""))
        .await
        .assert_error(403, "Forbidden");
    test.send(with_header(
        get("/api/v1/users"),
        "cookie",
        b"_my_session_id=",
    ))
    .await
    .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn cookies_are_read_the_way_werkzeug_reads_them() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let accepted = [
        format!("_my_session_id={session}"),
        format!("a=1; _my_session_id= {session} ; b=2"),
        format!("_my_session_id=\"{session}\""),
        format!("other=x;_my_session_id={session}"),
    ];
    for cookie in accepted {
        let reply = test
            .send(with_header(
                get("/api/v1/users/me"),
                "cookie",
                cookie.as_bytes(),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{cookie}");
        assert_public_user(&reply.json(), U2_EMAIL);
    }
    let absent = ["_my_session_id_fake=abc", "other=1", "_MY_SESSION_ID=abc"];
    for cookie in absent {
        test.send(with_header(
            get("/api/v1/users"),
            "cookie",
            cookie.as_bytes(),
        ))
        .await
        .assert_error(401, "Unauthorized");
    }
    let unknown: [&[u8]; 3] = [
        b"_my_session_id=C is fun",
        b"_my_session_id=a=b",
        b"_my_session_id=\xff\xfe",
    ];
    for cookie in unknown {
        test.send(with_header(get("/api/v1/users"), "cookie", cookie))
            .await
            .assert_error(403, "Forbidden");
    }
}

#[tokio::test]
async fn the_session_cookie_may_come_in_a_second_cookie_header() {
    let test = app("session_auth");
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let request = with_header(get("/api/v1/users/me"), "cookie", b"a=1");
    let request = with_session(request, &session);
    let reply = test.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn excluded_paths_pass_even_with_bad_credentials() {
    let test = app("basic_auth");
    for (path, status) in [
        ("/api/v1/status", 200),
        ("/api/v1/status/", 200),
        ("/api/v1/unauthorized", 401),
        ("/api/v1/unauthorized/", 401),
        ("/api/v1/forbidden/", 403),
    ] {
        let reply = test.send(authorized(get(path), "Basic garbage")).await;
        assert_eq!(reply.status.as_u16(), status, "{path}");
    }
    test.send(authorized(
        request(Method::POST, "/api/v1/auth_session/login"),
        "Basic garbage",
    ))
    .await
    .assert_error(400, "email missing");
    let reply = test
        .send(authorized(get("/api/v1/status"), "Basic garbage"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn with_authentication_off_every_route_is_open() {
    let test = app_with(Options::open());
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test.send(get("/api/v1/users")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = test.send(authorized(get("/api/v1/users"), "Test")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

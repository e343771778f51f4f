//! Router tests of R1-R4, the JSON format, CORS, slash tolerance, 404/405, HEAD and OPTIONS.

mod router_common;

use axum::http::{header, Method, StatusCode};
use router_common::*;

#[tokio::test]
async fn status_is_ok_compact_with_length_16_and_cors() {
    let test = app_with(Options::open());
    let reply = test.send(get("/api/v1/status")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "{\"status\":\"OK\"}\n");
    assert_eq!(reply.header(header::CONTENT_LENGTH).as_deref(), Some("16"));
    assert_eq!(
        reply.header(header::CONTENT_TYPE).as_deref(),
        Some("application/json")
    );
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn status_answers_with_and_without_a_trailing_slash_under_every_auth_type() {
    for auth_type in [
        "none",
        "auth",
        "basic_auth",
        "session_auth",
        "session_exp_auth",
        "session_db_auth",
    ] {
        let test = app(auth_type);
        for path in ["/api/v1/status", "/api/v1/status/"] {
            let reply = test.send(get(path)).await;
            assert_eq!(reply.status, StatusCode::OK, "{auth_type} {path}");
            assert_eq!(reply.json(), serde_json::json!({"status": "OK"}));
        }
    }
}

#[tokio::test]
async fn the_unauthorized_and_forbidden_routes_always_fail() {
    for options in [Options::open(), Options::auth("session_auth")] {
        let test = app_with(options);
        for suffix in ["", "/"] {
            let reply = test
                .send(get(&format!("/api/v1/unauthorized{suffix}")))
                .await;
            reply.assert_error(401, "Unauthorized");
            let reply = test.send(get(&format!("/api/v1/forbidden{suffix}"))).await;
            reply.assert_error(403, "Forbidden");
            assert_eq!(
                reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
                Some("*")
            );
        }
    }
}

#[tokio::test]
async fn stats_counts_the_users() {
    let test = app_with(Options::open());
    assert_eq!(
        test.send(get("/api/v1/stats")).await.text(),
        "{\"users\":0}\n"
    );
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(get("/api/v1/stats/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "{\"users\":2}\n");
}

#[tokio::test]
async fn stats_is_not_an_excluded_path() {
    let test = app("basic_auth");
    test.send(get("/api/v1/stats"))
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn an_unknown_path_is_a_json_404_with_cors() {
    let test = app_with(Options::open());
    let reply = test.send(get("/api/v1/nope")).await;
    reply.assert_error(404, "Not found");
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn paths_outside_the_api_get_no_cors_header() {
    let test = app_with(Options::open());
    let reply = test.send(get("/")).await;
    reply.assert_error(404, "Not found");
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_with_allow() {
    let test = app_with(Options::open());
    let reply = test.send(request(Method::POST, "/api/v1/status")).await;
    reply.assert_error(405, "Method not allowed");
    assert_eq!(
        reply.header(header::ALLOW).as_deref(),
        Some("GET,HEAD,OPTIONS")
    );
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn put_on_the_user_collection_is_405() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test
        .send(authorized(request(Method::PUT, "/api/v1/users"), U1_BASIC))
        .await;
    reply.assert_error(405, "Method not allowed");
    let allow = reply.header(header::ALLOW).expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn get_on_login_is_405_even_without_credentials() {
    let test = app("session_auth");
    let reply = test.send(get("/api/v1/auth_session/login")).await;
    reply.assert_error(405, "Method not allowed");
    assert_eq!(reply.header(header::ALLOW).as_deref(), Some("POST,OPTIONS"));
}

#[tokio::test]
async fn head_works_wherever_get_does() {
    let test = app_with(Options::open());
    let reply = test.send(request(Method::HEAD, "/api/v1/status")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header(header::CONTENT_LENGTH).as_deref(), Some("16"));
}

#[tokio::test]
async fn options_on_a_known_route_lists_its_methods() {
    let test = app_with(Options::open());
    let reply = test.send(request(Method::OPTIONS, "/api/v1/status/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header(header::ALLOW).as_deref(),
        Some("GET,HEAD,OPTIONS")
    );
    assert!(reply.body.is_empty());
    let reply = test
        .send(request(Method::OPTIONS, "/api/v1/auth_session/logout"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header(header::ALLOW).as_deref(),
        Some("DELETE,OPTIONS")
    );
}

#[tokio::test]
async fn options_on_an_unknown_path_is_404() {
    let test = app_with(Options::open());
    let reply = test.send(request(Method::OPTIONS, "/api/v1/nope")).await;
    reply.assert_error(404, "Not found");
}

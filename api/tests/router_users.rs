//! Router tests of R5-R9: listing, reading, deleting, creating and updating users.

mod router_common;

use axum::http::{Method, StatusCode};
use router_common::*;
use serde_json::{json, Value};
use storage::UserRepository;

#[tokio::test]
async fn an_empty_store_lists_an_empty_array() {
    let test = app_with(Options::open());
    let reply = test.send(get("/api/v1/users")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "[]\n");
}

#[tokio::test]
async fn users_are_listed_in_store_order_without_passwords() {
    let test = app_with(Options::open());
    let first = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let second = test.seed(U2_EMAIL, U2_PASSWORD).await;
    let reply = test.send(get("/api/v1/users/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let list = reply.json();
    assert_eq!(list[0]["id"], first.id.as_str());
    assert_eq!(list[1]["id"], second.id.as_str());
    assert_public_user(&list[0], U1_EMAIL);
    assert_eq!(list[0]["created_at"], "2017-10-16T04:23:04");
    assert!(!reply.text().contains("password"));
}

#[tokio::test]
async fn a_user_is_read_by_id() {
    let test = app_with(Options::open());
    let user = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test.send(get(&format!("/api/v1/users/{}", user.id))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.text(),
        format!(
            "{{\"created_at\":\"2017-10-16T04:23:04\",\"email\":\"bob@hbtn.io\",\"first_name\":null,\"id\":\"{}\",\"last_name\":null,\"updated_at\":\"2017-10-16T04:23:04\"}}\n",
            user.id
        )
    );
    let slash = test.send(get(&format!("/api/v1/users/{}/", user.id))).await;
    assert_eq!(slash.status, StatusCode::OK);
    test.send(get("/api/v1/users/nope"))
        .await
        .assert_error(404, "Not found");
    test.send(get("/api/v1/users/%FF%FE"))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn me_without_authentication_is_not_found() {
    let test = app_with(Options::open());
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.send(get("/api/v1/users/me"))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn me_is_special_only_for_get() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test
        .send(authorized(get("/api/v1/users/me/"), U1_BASIC))
        .await;
    assert_public_user(&reply.json(), U1_EMAIL);
    test.send(authorized(
        request(Method::DELETE, "/api/v1/users/me"),
        U1_BASIC,
    ))
    .await
    .assert_error(404, "Not found");
    test.send(authorized(
        json(Method::PUT, "/api/v1/users/me", "{\"first_name\":\"X\"}"),
        U1_BASIC,
    ))
    .await
    .assert_error(404, "Not found");
    assert_eq!(test.stored().await.len(), 1);
}

#[tokio::test]
async fn a_percent_encoded_me_is_still_the_authenticated_user() {
    let test = app("basic_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test
        .send(authorized(get("/api/v1/users/m%65"), U1_BASIC))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_public_user(&reply.json(), U1_EMAIL);
}

#[tokio::test]
async fn put_and_delete_on_me_reach_a_user_whose_id_is_literally_me() {
    // Only a hand-edited data file can hold such a record, but the original's rule (Q7) is
    // that `me` is special for GET alone, so PUT and DELETE treat it as any other id.
    let test = app_with(Options::open());
    let mut user = legacy_user("literal@me.id", "pw");
    user.id = "me".to_string();
    test.users.create(user).await.expect("seeding the user");
    let reply = test
        .send(json(
            Method::PUT,
            "/api/v1/users/me",
            "{\"first_name\":\"Mia\"}",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["id"], "me");
    assert_eq!(reply.json()["first_name"], "Mia");
    // With authentication off there is no current user: GET /users/me stays 404 (D3).
    test.send(get("/api/v1/users/me"))
        .await
        .assert_error(404, "Not found");
    let reply = test
        .send(request(Method::DELETE, "/api/v1/users/me/"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(test.stored().await.is_empty());
}

#[tokio::test]
async fn deleting_twice_gives_200_then_404() {
    let test = app_with(Options::open());
    let user = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let path = format!("/api/v1/users/{}", user.id);
    let reply = test.send(request(Method::DELETE, &path)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "{}\n");
    test.send(request(Method::DELETE, &path))
        .await
        .assert_error(404, "Not found");
    assert!(test.stored().await.is_empty());
}

#[tokio::test]
async fn deleting_a_user_revokes_their_sessions() {
    let test = app("session_auth");
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let victim = test.seed(U2_EMAIL, U2_PASSWORD).await;
    let admin = test.login(U1_EMAIL, U1_PASSWORD).await;
    let session = test.login(U2_EMAIL, U2_PASSWORD).await;
    let path = format!("/api/v1/users/{}", victim.id);
    let reply = test
        .send(with_session(request(Method::DELETE, &path), &admin))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    test.send(with_session(get("/api/v1/users/me"), &session))
        .await
        .assert_error(403, "Forbidden");
}

#[tokio::test]
async fn a_created_user_is_returned_with_201_and_stored() {
    let test = app_with(Options::open());
    let reply = test
        .send(json(
            Method::POST,
            "/api/v1/users",
            r#"{"email":"a@b.c","password":"pw","first_name":"Al","id":"ignored"}"#,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let body = reply.json();
    assert_public_user(&body, "a@b.c");
    assert_eq!(body["first_name"], "Al");
    assert_eq!(body["last_name"], Value::Null);
    assert_ne!(body["id"], "ignored");
    assert_eq!(body["created_at"], body["updated_at"]);
    let stored = test.stored().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, body["id"].as_str().expect("an id"));
    let hash = stored[0].password.as_ref().expect("a stored hash");
    assert!(
        hash.as_str().starts_with("$argon2id$"),
        "new hashes are Argon2id"
    );
}

#[tokio::test]
async fn json_media_types_with_parameters_are_accepted() {
    let test = app_with(Options::open());
    for (i, content_type) in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
        "Application/JSON",
    ]
    .iter()
    .enumerate()
    {
        let body = format!(r#"{{"email":"u{i}@b.c","password":"pw"}}"#);
        let reply = test
            .send(with_body(
                Method::POST,
                "/api/v1/users",
                content_type,
                &body,
            ))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{content_type}");
    }
}

#[tokio::test]
async fn a_duplicate_email_is_refused() {
    let test = app_with(Options::open());
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let before = test.stored().await;
    let reply = test
        .send(json(
            Method::POST,
            "/api/v1/users",
            r#"{"email":"bob@hbtn.io","password":"other"}"#,
        ))
        .await;
    reply.assert_error(400, "Can't create User: email already exists");
    assert_eq!(test.stored().await, before);
}

#[tokio::test]
async fn bad_create_bodies_get_their_error_and_change_nothing() {
    let test = app_with(Options::open());
    test.seed(U1_EMAIL, U1_PASSWORD).await;
    let before = test.stored().await;
    let json_type = "application/json";
    let cases = [
        ("", "", "Wrong format"),
        (
            "text/plain",
            r#"{"email":"a@b.c","password":"pw"}"#,
            "Wrong format",
        ),
        (
            "application/x-www-form-urlencoded",
            "email=a%40b.c&password=pw",
            "Wrong format",
        ),
        (json_type, "", "Wrong format"),
        (json_type, "{", "Wrong format"),
        (json_type, "null", "Wrong format"),
        (json_type, "[]", "Wrong format"),
        (
            json_type,
            r#"[{"email":"a@b.c","password":"pw"}]"#,
            "Wrong format",
        ),
        (json_type, "\"text\"", "Wrong format"),
        (json_type, "5", "Wrong format"),
        (json_type, "{}", "email missing"),
        (json_type, r#"{"email":""}"#, "email missing"),
        (
            json_type,
            r#"{"email":null,"password":"pw"}"#,
            "email missing",
        ),
        (json_type, r#"{"email":5,"password":"pw"}"#, "email missing"),
        (json_type, r#"{"email":"a@b.c"}"#, "password missing"),
        (
            json_type,
            r#"{"email":"a@b.c","password":""}"#,
            "password missing",
        ),
        (
            json_type,
            r#"{"email":"a@b.c","password":null}"#,
            "password missing",
        ),
        (
            json_type,
            r#"{"email":"a@b.c","password":123}"#,
            "password missing",
        ),
        (
            json_type,
            r#"{"email":"a@b.c","password":"pw","first_name":5}"#,
            "Wrong format",
        ),
        (
            json_type,
            r#"{"email":"a@b.c","password":"pw","last_name":["x"]}"#,
            "Wrong format",
        ),
    ];
    for (content_type, body, expected) in cases {
        let request = if content_type.is_empty() {
            request(Method::POST, "/api/v1/users")
        } else {
            with_body(Method::POST, "/api/v1/users", content_type, body)
        };
        let reply = test.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{content_type} {body}"
        );
        reply.assert_error(400, expected);
    }
    assert_eq!(test.stored().await, before);
    assert_eq!(
        test.send(get("/api/v1/stats")).await.json(),
        json!({"users": 1})
    );
}

#[tokio::test]
async fn an_update_sets_strings_keeps_nulls_and_refreshes_updated_at() {
    let test = app_with(Options::open());
    let user = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let path = format!("/api/v1/users/{}", user.id);
    let reply = test
        .send(json(
            Method::PUT,
            &path,
            r#"{"first_name":"Bob","last_name":"Dylan","email":"x@y.z","password":"new"}"#,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    test.clock.advance(5);
    let reply = test
        .send(json(
            Method::PUT,
            &format!("{path}/"),
            r#"{"last_name":"Z","first_name":null}"#,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_public_user(&body, U1_EMAIL);
    assert_eq!(body["first_name"], "Bob");
    assert_eq!(body["last_name"], "Z");
    assert_eq!(body["created_at"], "2017-10-16T04:23:04");
    assert_eq!(body["updated_at"], "2024-01-01T00:00:05");
    let stored = test.stored().await;
    assert_eq!(stored[0].last_name.as_deref(), Some("Z"));
    assert_eq!(
        stored[0].password, user.password,
        "the password is not changed"
    );
}

#[tokio::test]
async fn an_empty_update_still_refreshes_updated_at() {
    let test = app_with(Options::open());
    let user = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let reply = test
        .send(json(
            Method::PUT,
            &format!("/api/v1/users/{}", user.id),
            "{}",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["updated_at"], "2024-01-01T00:00:00");
}

#[tokio::test]
async fn an_unknown_id_is_404_before_the_body_is_looked_at() {
    let test = app_with(Options::open());
    test.send(json(Method::PUT, "/api/v1/users/nope", "{}"))
        .await
        .assert_error(404, "Not found");
    test.send(json(Method::PUT, "/api/v1/users/nope", "not json"))
        .await
        .assert_error(404, "Not found");
    test.send(request(Method::PUT, "/api/v1/users/nope"))
        .await
        .assert_error(404, "Not found");
}

#[tokio::test]
async fn bad_update_bodies_are_wrong_format_and_change_nothing() {
    let test = app_with(Options::open());
    let user = test.seed(U1_EMAIL, U1_PASSWORD).await;
    let before = test.stored().await;
    let path = format!("/api/v1/users/{}", user.id);
    let json_type = "application/json";
    let cases = [
        ("text/plain", r#"{"first_name":"X"}"#),
        (json_type, ""),
        (json_type, "{\"first_name\":"),
        (json_type, "null"),
        (json_type, r#"["first_name"]"#),
        (json_type, "true"),
        (json_type, r#"{"first_name":5}"#),
        (json_type, r#"{"last_name":{"a":1}}"#),
        (json_type, r#"{"first_name":"ok","last_name":false}"#),
    ];
    for (content_type, body) in cases {
        test.send(with_body(Method::PUT, &path, content_type, body))
            .await
            .assert_error(400, "Wrong format");
    }
    test.send(request(Method::PUT, &path))
        .await
        .assert_error(400, "Wrong format");
    assert_eq!(test.stored().await, before);
}

#[tokio::test]
async fn non_ascii_names_round_trip() {
    let test = app_with(Options::open());
    let reply = test
        .send(json(
            Method::POST,
            "/api/v1/users",
            r#"{"email":"zoë@b.c","password":"pässword","last_name":"Ørsted"}"#,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["last_name"], "Ørsted");
    assert_eq!(reply.json()["email"], "zoë@b.c");
}

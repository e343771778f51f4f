//! End to end: the user routes under `basic_auth` (SPEC B 5 R5-R9, 7.4 basic rows, A2 D4-D7,
//! D12, A3 bad input changes nothing).

mod e2e_support;

use std::time::Duration;

use e2e_support::{assert_user, Body, Creds, Server, U1};
use serde_json::json;
use tempfile::TempDir;

const BASIC: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth")];
const USERS: &str = "/api/v1/users";

#[tokio::test]
async fn creating_a_user_needs_a_json_object_with_an_email_and_a_password() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let before = server.snapshot(&Creds::user(&U1)).await;
    let u1 = Creds::user(&U1);
    let no_body = server.send("POST", USERS, &u1, &[], Body::Empty).await;
    no_body.assert_error(400, "Wrong format");
    let form = server
        .post_form(USERS, &[("email", "a@b.c"), ("password", "pw")], &u1)
        .await;
    form.assert_error(400, "Wrong format");
    let text = Body::Bytes(
        Some("text/plain"),
        br#"{"email":"a@b.c","password":"pw"}"#.to_vec(),
    );
    server
        .send("POST", USERS, &u1, &[], text)
        .await
        .assert_error(400, "Wrong format");
    for (body, message) in [
        (r#"{"email": "#, "Wrong format"),
        ("null", "Wrong format"),
        ("[1, 2]", "Wrong format"),
        (r#"["a@b.c", "pw"]"#, "Wrong format"),
        (r#""a@b.c""#, "Wrong format"),
        ("42", "Wrong format"),
        ("{}", "email missing"),
        (r#"{"email": "", "password": "pw"}"#, "email missing"),
        (r#"{"email": null, "password": "pw"}"#, "email missing"),
        (r#"{"email": 5, "password": "pw"}"#, "email missing"),
        (r#"{"email": "a@b.c"}"#, "password missing"),
        (r#"{"email": "a@b.c", "password": ""}"#, "password missing"),
        (
            r#"{"email": "a@b.c", "password": null}"#,
            "password missing",
        ),
        (r#"{"email": "a@b.c", "password": 5}"#, "password missing"),
    ] {
        server
            .post_json(USERS, body, &u1)
            .await
            .assert_error(400, message);
    }
    assert_eq!(
        server.snapshot(&Creds::user(&U1)).await,
        before,
        "bad input changed the store"
    );
}

#[tokio::test]
async fn a_created_user_is_listed_stored_with_argon2id_and_can_authenticate() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let body = json!({"email": "a@b.c", "password": "pw", "first_name": "Al", "id": "chosen"});
    let created = server.create_user(&Creds::user(&U1), body).await;
    assert_user(&created, "a@b.c", Some("Al"), None);
    let id = created["id"].as_str().expect("an id").to_string();
    assert_ne!(id, "chosen", "an id in the body is ignored");
    assert_eq!(created["created_at"], created["updated_at"]);

    let fetched = server
        .get(&format!("{USERS}/{id}"), &Creds::user(&U1))
        .await;
    fetched.assert_json(200, created.clone());
    let listed = server.users(&Creds::user(&U1)).await;
    assert_eq!(
        listed.as_array().and_then(|all| all.last()),
        Some(&created),
        "appended last"
    );
    server
        .get("/api/v1/stats", &Creds::user(&U1))
        .await
        .assert_json(200, json!({"users": 4}));

    let stored = server.users_file()[id.as_str()].clone();
    let mut keys: Vec<&str> = stored
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "_password",
            "created_at",
            "email",
            "first_name",
            "id",
            "last_name",
            "updated_at"
        ],
        "the original's keys: {stored}"
    );
    let hash = stored["_password"].as_str().unwrap_or_default();
    assert!(
        hash.starts_with("$argon2id$"),
        "D12: stored as Argon2id, got {hash}"
    );

    let me = server
        .get("/api/v1/users/me", &Creds::basic("a@b.c", "pw"))
        .await;
    me.assert_json(200, created);
    let wrong = server
        .get("/api/v1/users/me", &Creds::basic("a@b.c", "pw2"))
        .await;
    wrong.assert_forbidden();
}

#[tokio::test]
async fn emails_are_unique() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    server
        .create_user(
            &Creds::user(&U1),
            json!({"email": "a@b.c", "password": "pw"}),
        )
        .await;
    let before = server.snapshot(&Creds::user(&U1)).await;
    for email in ["a@b.c", U1.email] {
        let body = json!({"email": email, "password": "other"}).to_string();
        let reply = server.post_json(USERS, &body, &Creds::user(&U1)).await;
        reply.assert_status(400);
        let message = reply.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(message.starts_with("Can't create User: "), "D6: {message}");
    }
    assert_eq!(server.snapshot(&Creds::user(&U1)).await, before);
}

#[tokio::test]
async fn updating_a_user_sets_given_names_and_refreshes_updated_at() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let created = server
        .create_user(
            &Creds::user(&U1),
            json!({"email": "a@b.c", "password": "pw", "first_name": "Al"}),
        )
        .await;
    let path = format!("{USERS}/{}", created["id"].as_str().expect("an id"));
    // Timestamps have one-second resolution: wait for the next second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let body = r#"{"last_name": "Z", "first_name": null, "email": "x@y.z", "password": "new"}"#;
    let reply = server.put_json(&path, body, &Creds::user(&U1)).await;
    reply.assert_status(200).assert_compact();
    let updated = reply.json();
    assert_user(&updated, "a@b.c", Some("Al"), Some("Z"));
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["created_at"], created["created_at"]);
    let (old, new) = (
        created["updated_at"].as_str(),
        updated["updated_at"].as_str(),
    );
    assert!(new > old, "updated_at refreshed: {old:?} -> {new:?}");
    // Email and password are not updatable: the old password still works.
    server
        .get("/api/v1/users/me", &Creds::basic("a@b.c", "pw"))
        .await
        .assert_status(200);
    let emptied = server
        .put_json(&path, r#"{"first_name": ""}"#, &Creds::user(&U1))
        .await;
    emptied.assert_status(200);
    assert_user(&emptied.json(), "a@b.c", Some(""), Some("Z"));
    let untouched = server.put_json(&path, "{}", &Creds::user(&U1)).await;
    untouched.assert_status(200);
    assert_user(&untouched.json(), "a@b.c", Some(""), Some("Z"));
}

#[tokio::test]
async fn a_bad_update_is_refused_and_changes_nothing() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let path = format!("{USERS}/{}", U1.id);
    let before = server.snapshot(&Creds::user(&U1)).await;
    let u1 = Creds::user(&U1);
    let no_body = server.send("PUT", &path, &u1, &[], Body::Empty).await;
    no_body.assert_error(400, "Wrong format");
    for body in [
        r#"{"first_name": "#,
        "null",
        r#"["Al"]"#,
        r#""Al""#,
        r#"{"first_name": 5}"#,
        r#"{"last_name": true}"#,
        r#"{"first_name": "Al", "last_name": {"x": 1}}"#,
    ] {
        server
            .put_json(&path, body, &u1)
            .await
            .assert_error(400, "Wrong format");
    }
    // An unknown id is checked before the body.
    server
        .put_json(&format!("{USERS}/nope"), "{}", &u1)
        .await
        .assert_not_found();
    server
        .put_json(&format!("{USERS}/nope"), "[", &u1)
        .await
        .assert_not_found();
    server
        .put_json(&format!("{USERS}/me"), "{}", &u1)
        .await
        .assert_not_found();
    assert_eq!(
        server.snapshot(&Creds::user(&U1)).await,
        before,
        "bad input changed the store"
    );
}

#[tokio::test]
async fn deleting_a_user_twice_finds_nothing_the_second_time() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let created = server
        .create_user(
            &Creds::user(&U1),
            json!({"email": "a@b.c", "password": "pw"}),
        )
        .await;
    let path = format!("{USERS}/{}", created["id"].as_str().expect("an id"));
    server
        .delete(&path, &Creds::user(&U1))
        .await
        .assert_json(200, json!({}));
    server
        .delete(&path, &Creds::user(&U1))
        .await
        .assert_not_found();
    server
        .get(&path, &Creds::user(&U1))
        .await
        .assert_not_found();
    server
        .delete(&format!("{USERS}/me"), &Creds::user(&U1))
        .await
        .assert_not_found();
    server
        .get(&format!("{USERS}/xyz"), &Creds::user(&U1))
        .await
        .assert_not_found();
    let listed = server.users(&Creds::user(&U1)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_user_may_delete_themselves_and_is_then_forbidden() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let path = format!("{USERS}/{}", U1.id);
    server
        .delete(&path, &Creds::user(&U1))
        .await
        .assert_json(200, json!({}));
    server
        .get(USERS, &Creds::user(&U1))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn wrong_methods_on_user_routes_are_json_405s() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let u1 = Creds::user(&U1);
    server
        .put_json(USERS, "{}", &u1)
        .await
        .assert_method_not_allowed("GET");
    server
        .delete(USERS, &u1)
        .await
        .assert_method_not_allowed("POST");
    let one = format!("{USERS}/{}", U1.id);
    server
        .post_json(&one, "{}", &u1)
        .await
        .assert_method_not_allowed("PUT");
    server
        .get("/api/v1/stats", &u1)
        .await
        .assert_json(200, json!({"users": 3}));
}

#[tokio::test]
async fn non_ascii_names_round_trip_through_a_restart() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let server = Server::start(BASIC, Some(dir.path())).await;
    let body = json!({"email": "zoë@hbtn.io", "password": "mötley", "first_name": "Zoë", "last_name": "日本"});
    let created = server.create_user(&Creds::user(&U1), body).await;
    assert_user(&created, "zoë@hbtn.io", Some("Zoë"), Some("日本"));
    server.kill();
    let server = Server::start(BASIC, Some(dir.path())).await;
    let me = server
        .get("/api/v1/users/me", &Creds::basic("zoë@hbtn.io", "mötley"))
        .await;
    me.assert_status(200);
    assert_eq!(me.json(), created);
}

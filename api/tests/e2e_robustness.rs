//! End to end: robustness under `basic_auth`: the body size limit (413), durability of an
//! acknowledged write across `kill -9`, and concurrent writers (SPEC A3, A2 D16).

mod e2e_support;

use std::sync::Arc;

use e2e_support::{assert_seed_user, is_uuid4, Creds, Server, U1};
use serde_json::json;
use tempfile::TempDir;
use tokio::task::JoinSet;

const BASIC: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth")];
const USERS: &str = "/api/v1/users";

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_changes_nothing() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let before = server.snapshot(&Creds::user(&U1)).await;
    let padding = "x".repeat(70_000);
    let body = json!({"email": "big@b.c", "password": "pw", "first_name": padding}).to_string();
    let reply = server.post_json(USERS, &body, &Creds::user(&U1)).await;
    reply.assert_error(413, "Payload too large");
    let path = format!("{USERS}/{}", U1.id);
    let put = json!({"first_name": padding}).to_string();
    server
        .put_json(&path, &put, &Creds::user(&U1))
        .await
        .assert_error(413, "Payload too large");
    assert_eq!(
        server.snapshot(&Creds::user(&U1)).await,
        before,
        "an oversized body changed the store"
    );
}

#[tokio::test]
async fn a_413_does_not_break_the_next_request_of_a_keep_alive_client() {
    let server = Server::start_seeded_upgraded(BASIC).await;
    let body = json!({"email": "big@b.c", "password": "pw", "first_name": "x".repeat(70_000)});
    let reply = server
        .post_json(USERS, &body.to_string(), &Creds::user(&U1))
        .await;
    reply.assert_error(413, "Payload too large");
    // The client pools the connection unless told `Connection: close`; the server must either
    // keep it usable or say it closes it.
    let next = server.get("/api/v1/status", &Creds::none()).await;
    next.assert_json(200, json!({"status": "OK"}));
}

#[tokio::test]
async fn max_body_bytes_sets_the_limit() {
    let server =
        Server::start_seeded_upgraded(&[("AUTH_TYPE", "basic_auth"), ("MAX_BODY_BYTES", "200")])
            .await;
    let small = json!({"email": "s@b.c", "password": "pw"}).to_string();
    server
        .post_json(USERS, &small, &Creds::user(&U1))
        .await
        .assert_status(201);
    let large = json!({"email": "l@b.c", "password": "pw", "first_name": "y".repeat(300)});
    let reply = server
        .post_json(USERS, &large.to_string(), &Creds::user(&U1))
        .await;
    reply.assert_error(413, "Payload too large");
}

#[tokio::test]
async fn an_acknowledged_write_survives_kill_9() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let server = Server::start(BASIC, Some(dir.path())).await;
    let created = server
        .create_user(
            &Creds::user(&U1),
            json!({"email": "a@b.c", "password": "pw"}),
        )
        .await;
    let deleted = format!("{USERS}/{}", e2e_support::U3.id);
    server
        .delete(&deleted, &Creds::user(&U1))
        .await
        .assert_status(200);
    // No pause: the 2xx itself promises durability (A3).
    server.kill();
    let server = Server::start(BASIC, Some(dir.path())).await;
    let path = format!("{USERS}/{}", created["id"].as_str().expect("an id"));
    server
        .get(&path, &Creds::basic("a@b.c", "pw"))
        .await
        .assert_json(200, created);
    server
        .get(&deleted, &Creds::user(&U1))
        .await
        .assert_not_found();
}

#[tokio::test]
async fn concurrent_creations_lose_nothing_and_admit_one_owner_per_email() {
    let server = Arc::new(Server::start_seeded_upgraded(BASIC).await);
    let mut tasks = JoinSet::new();
    for i in 0..16 {
        let server = Arc::clone(&server);
        tasks.spawn(async move {
            let body = json!({"email": format!("user{i}@b.c"), "password": "pw"}).to_string();
            server
                .post_json(USERS, &body, &Creds::user(&U1))
                .await
                .status
        });
    }
    for _ in 0..8 {
        let server = Arc::clone(&server);
        tasks.spawn(async move {
            let body = json!({"email": "same@b.c", "password": "pw"}).to_string();
            server
                .post_json(USERS, &body, &Creds::user(&U1))
                .await
                .status
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("a request task finishes"));
    }
    let created = statuses.iter().filter(|&&status| status == 201).count();
    let refused = statuses.iter().filter(|&&status| status == 400).count();
    assert_eq!((created, refused), (17, 7), "statuses: {statuses:?}");
    let listed = server.users(&Creds::user(&U1)).await;
    let listed = listed.as_array().expect("a JSON array");
    assert_eq!(listed.len(), 20);
    assert!(listed
        .iter()
        .all(|user| is_uuid4(user["id"].as_str().unwrap_or_default())));
    let file = server.users_file();
    assert_eq!(
        file.as_object().map(|users| users.len()),
        Some(20),
        "the file holds every user"
    );
    assert_seed_user(&listed[0], &U1);
}

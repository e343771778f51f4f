//! End to end: `session_db_auth`, sessions kept in `.db_UserSession.json` (SPEC 7.1 S10.*,
//! B 3.5, A2 D13/D14/D15), the combined chain `basic_auth,session_db_auth`, and secrets in logs.

mod e2e_support;

use std::fs;
use std::time::{Duration, Instant};

use e2e_support::{
    assert_seed_user, is_timestamp, is_uuid4, Creds, Server, DEFAULT_SESSION_NAME, LOGOUT, U1, U2,
};
use serde_json::{json, Value};
use tempfile::TempDir;

fn db_env(duration: &str) -> [(&str, &str); 3] {
    [
        ("AUTH_TYPE", "session_db_auth"),
        ("SESSION_NAME", "_my_session_id"),
        ("SESSION_DURATION", duration),
    ]
}

const CHAIN: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth,session_db_auth")];

/// Returns the records of `.db_UserSession.json` whose `session_id` is `sid`.
fn records_for(server: &Server, sid: &str) -> Vec<Value> {
    let file = server.sessions_file();
    let map = file
        .as_object()
        .expect(".db_UserSession.json holds an object");
    map.values()
        .filter(|record| record["session_id"] == sid)
        .cloned()
        .collect()
}

/// Asserts the session file holds exactly one record for `sid`, in the original's shape (plus
/// this version's optional attributes), keyed
/// by its own id, and returns it.
fn the_record(server: &Server, sid: &str, user_id: &str) -> Value {
    let file = server.sessions_file();
    let map = file
        .as_object()
        .expect(".db_UserSession.json holds an object");
    let (key, record) = map
        .iter()
        .find(|(_, record)| record["session_id"] == sid)
        .unwrap_or_else(|| panic!("no record for the session in {file}"));
    let mut keys: Vec<&str> = record
        .as_object()
        .expect("a record object")
        .keys()
        .map(String::as_str)
        .collect();
    // Beside the original's keys, a record may hold the optional attributes this version adds
    // (the original ignores unknown keys when it reads the file).
    keys.retain(|key| !["last_seen_at", "client_addr", "user_agent"].contains(key));
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created_at", "id", "session_id", "updated_at", "user_id"],
        "{record}"
    );
    assert_eq!(
        record["id"],
        Value::from(key.as_str()),
        "records are keyed by their id"
    );
    assert!(is_uuid4(key), "record id {key} is a UUID4");
    assert_ne!(key, sid, "the record id is not the session id");
    assert_eq!(record["user_id"], Value::from(user_id));
    for stamp in ["created_at", "updated_at"] {
        assert!(
            is_timestamp(record[stamp].as_str().unwrap_or_default()),
            "{record}"
        );
    }
    assert_eq!(records_for(server, sid).len(), 1, "one record per session");
    record.clone()
}

#[tokio::test]
async fn a_database_session_is_recorded_and_expires_after_its_duration() {
    let server = Server::start_seeded(&db_env("2")).await;
    let start = Instant::now();
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_status(200);
    assert_seed_user(&reply.json(), &U2);
    let sid = reply
        .the_cookie()
        .assert_login(DEFAULT_SESSION_NAME, Some(2));
    the_record(&server, &sid, U2.id);
    let cookie = Creds::session(&sid);
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_status(200);
    tokio::time::sleep(Duration::from_millis(500).saturating_sub(start.elapsed())).await;
    let later = server.get("/api/v1/users/me", &cookie).await;
    later.assert_status(200);
    assert_seed_user(&later.json(), &U2);
    tokio::time::sleep(Duration::from_millis(3200).saturating_sub(start.elapsed())).await;
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_forbidden();
    // D14: the expired record is removed when it is looked up.
    assert!(
        records_for(&server, &sid).is_empty(),
        "expired record still on disk"
    );
}

#[tokio::test]
async fn database_sessions_survive_a_restart_until_logout() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let env = db_env("60");
    let server = Server::start(&env, Some(dir.path())).await;
    let sid = server.session(&U2).await;
    server.kill();

    let server = Server::start(&env, Some(dir.path())).await;
    let cookie = Creds::session(&sid);
    let me = server.get("/api/v1/users/me", &cookie).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U2);
    the_record(&server, &sid, U2.id);
    let logout = server.delete(LOGOUT, &cookie).await;
    logout.assert_json(200, json!({}));
    logout.the_cookie().assert_logout(DEFAULT_SESSION_NAME);
    assert!(
        records_for(&server, &sid).is_empty(),
        "logout removes the record"
    );
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_forbidden();
    server.kill();

    let server = Server::start(&env, Some(dir.path())).await;
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn a_session_file_written_by_the_original_is_honoured() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let sid = "5535d4d7-3d77-4d06-8281-495dc3acfe76";
    let original = format!(
        "{{\"0f6b1a9e-2c3d-4e5f-8a7b-6c5d4e3f2a1b\": {{\"id\": \"0f6b1a9e-2c3d-4e5f-8a7b-6c5d4e3f2a1b\", \"created_at\": \"2017-10-16T04:23:04\", \"updated_at\": \"2017-10-16T04:23:04\", \"session_id\": \"{sid}\", \"user_id\": \"{}\"}}}}",
        U2.id
    );
    fs::write(dir.path().join(".db_UserSession.json"), &original).expect("seed sessions");
    // No SESSION_DURATION: the 2017 session never expires.
    let env = [("AUTH_TYPE", "session_db_auth")];
    let server = Server::start(&env, Some(dir.path())).await;
    let me = server.get("/api/v1/users/me", &Creds::session(sid)).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U2);
    server.kill();
    // With a duration, the same 2017 record is long expired.
    let server = Server::start(&db_env("60"), Some(dir.path())).await;
    server
        .get("/api/v1/users/me", &Creds::session(sid))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn without_a_duration_database_sessions_do_not_expire_and_the_cookie_has_no_max_age() {
    let server = Server::start_seeded(&[("AUTH_TYPE", "session_db_auth")]).await;
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_status(200);
    let sid = reply.the_cookie().assert_login(DEFAULT_SESSION_NAME, None);
    the_record(&server, &sid, U2.id);
}

#[tokio::test]
async fn the_periodic_sweep_removes_expired_records_nobody_looks_up() {
    let env = [
        ("AUTH_TYPE", "session_db_auth"),
        ("SESSION_DURATION", "1"),
        ("SESSION_SWEEP_SECONDS", "1"),
    ];
    let server = Server::start_seeded(&env).await;
    let sid = server.session(&U2).await;
    the_record(&server, &sid, U2.id);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !records_for(&server, &sid).is_empty() {
        assert!(
            Instant::now() < deadline,
            "D14: the sweep never removed the expired record"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn deleting_a_user_removes_their_session_records() {
    let server = Server::start_seeded(&db_env("60")).await;
    let u1_sid = server.session(&U1).await;
    let u2_sid = server.session(&U2).await;
    the_record(&server, &u1_sid, U1.id);
    let path = format!("/api/v1/users/{}", U1.id);
    server
        .delete(&path, &Creds::session(&u2_sid))
        .await
        .assert_json(200, json!({}));
    assert!(
        records_for(&server, &u1_sid).is_empty(),
        "D13: U1's record remains"
    );
    server
        .get("/api/v1/users/me", &Creds::session(&u1_sid))
        .await
        .assert_forbidden();
    the_record(&server, &u2_sid, U2.id);
}

#[tokio::test]
async fn the_combined_chain_accepts_basic_credentials_or_a_session_cookie() {
    let server = Server::start_seeded(CHAIN).await;
    server
        .get("/api/v1/users", &Creds::none())
        .await
        .assert_unauthorized();
    server
        .get("/api/v1/users", &Creds::authorization("Test"))
        .await
        .assert_forbidden();
    let basic = server.get("/api/v1/users/me", &Creds::user(&U1)).await;
    basic.assert_status(200);
    assert_seed_user(&basic.json(), &U1);
    let sid = server.session(&U2).await;
    the_record(&server, &sid, U2.id);
    let cookie = server.get("/api/v1/users/me", &Creds::session(&sid)).await;
    cookie.assert_status(200);
    assert_seed_user(&cookie.json(), &U2);
    // The first mechanism that recognises its kind of credential decides (auth::AuthChain):
    // a bad Basic header is refused even next to a good cookie ...
    let bad_basic = Creds {
        authorization: Some("Basic test".to_string()),
        cookie: Some(format!("{DEFAULT_SESSION_NAME}={sid}")),
    };
    server
        .get("/api/v1/users/me", &bad_basic)
        .await
        .assert_forbidden();
    // ... and a good Basic header wins over a dead cookie.
    let good_basic = Creds {
        cookie: Some(format!("{DEFAULT_SESSION_NAME}=dead")),
        ..Creds::user(&U1)
    };
    let reply = server.get("/api/v1/users/me", &good_basic).await;
    reply.assert_status(200);
    assert_seed_user(&reply.json(), &U1);
    server
        .delete(LOGOUT, &Creds::session(&sid))
        .await
        .assert_json(200, json!({}));
    server
        .get("/api/v1/users/me", &Creds::session(&sid))
        .await
        .assert_forbidden();
    server
        .get("/api/v1/users/me", &Creds::user(&U1))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn secrets_never_reach_the_log_even_at_trace_level() {
    let env = [
        ("AUTH_TYPE", "basic_auth,session_db_auth"),
        ("RUST_LOG", "trace"),
    ];
    let server = Server::start_seeded(&env).await;
    server
        .get("/api/v1/users", &Creds::user(&U1))
        .await
        .assert_status(200);
    server
        .login(U2.email, "not the password")
        .await
        .assert_status(401);
    let sid = server.session(&U2).await;
    server
        .get("/api/v1/users/me", &Creds::session(&sid))
        .await
        .assert_status(200);
    let created = server
        .post_json(
            "/api/v1/users",
            r#"{"email":"new@hbtn.io","password":"n3w-Secret!"}"#,
            &Creds::user(&U1),
        )
        .await;
    created.assert_status(201);
    server
        .delete(LOGOUT, &Creds::session(&sid))
        .await
        .assert_status(200);
    let users = server.users_file();
    let u1_hash = users[U1.id]["_password"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        u1_hash.starts_with("$argon2id$"),
        "U1's hash was upgraded: {u1_hash}"
    );
    let stderr = server.stderr();
    assert!(!stderr.is_empty(), "trace logging produced output");
    for secret in [
        U1.password,
        U2.password,
        "not the password",
        "n3w-Secret!",
        &U1.token(),
        U1.sha256,
        U2.sha256,
        &sid,
        &u1_hash,
        u1_hash.rsplit('$').next().unwrap_or_default(),
    ] {
        assert!(
            !stderr.contains(secret),
            "a secret appears in the log: {secret:?}"
        );
    }
}

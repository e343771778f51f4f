//! End to end: a data folder written by the original is served as is, legacy SHA-256 passwords
//! verify and are upgraded to Argon2id in place (SPEC A1.3, B 2.1-2.2, A2 D12), and the data
//! folder defaults to the working directory.

mod e2e_support;

use e2e_support::{assert_seed_user, Creds, SeedUser, Server, LOGIN, U1, U2, U3};
use serde_json::{json, Value};
use tempfile::TempDir;

const CHAIN: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth,session_db_auth")];

/// The entry of `user` as the original wrote it, parsed.
fn original_entry(user: &SeedUser) -> Value {
    json!({
        "id": user.id,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "email": user.email,
        "_password": user.sha256,
        "first_name": null,
        "last_name": null,
    })
}

/// Asserts `stored` is the original entry of `user` with only `_password` replaced by an
/// Argon2id PHC string.
fn assert_upgraded(stored: &Value, user: &SeedUser) {
    let hash = stored["_password"].as_str().unwrap_or_default();
    assert!(
        hash.starts_with("$argon2id$"),
        "{} not upgraded: {hash}",
        user.email
    );
    let mut expected = original_entry(user);
    expected["_password"] = Value::from(hash);
    assert_eq!(
        stored, &expected,
        "only the hash of {} may change",
        user.email
    );
}

#[tokio::test]
async fn the_original_data_file_is_served_and_legacy_hashes_are_upgraded_on_first_use() {
    let dir = TempDir::new().expect("a temporary data folder");
    let original = e2e_support::seed_original_data(dir.path());
    let server = Server::start(CHAIN, Some(dir.path())).await;
    assert_eq!(
        server.data_file(".db_User.json").as_deref(),
        Some(original.as_str()),
        "start-up alone rewrites nothing"
    );

    // A wrong password neither verifies nor touches the file.
    server
        .get("/api/v1/users/me", &Creds::basic(U1.email, "wrong"))
        .await
        .assert_forbidden();
    server
        .login(U2.email, "wrong")
        .await
        .assert_error(401, "wrong password");
    assert_eq!(
        server.data_file(".db_User.json").as_deref(),
        Some(original.as_str())
    );

    // Basic with U1, a session login with U2.
    let me = server.get("/api/v1/users/me", &Creds::user(&U1)).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U1);
    let login = server.login(U2.email, U2.password).await;
    login.assert_status(200);
    assert_seed_user(&login.json(), &U2);

    let file = server.users_file();
    let ids: Vec<&str> = file
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ids, [U1.id, U2.id, U3.id], "file order is kept");
    assert_upgraded(&file[U1.id], &U1);
    assert_upgraded(&file[U2.id], &U2);
    assert_eq!(
        file[U3.id],
        original_entry(&U3),
        "an unused legacy hash stays as it was"
    );
    // The rewritten file keeps the original's exact layout: only the two hashes differ.
    let new_hash = |user: &SeedUser| {
        file[user.id]["_password"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let expected = original
        .replace(U1.sha256, &new_hash(&U1))
        .replace(U2.sha256, &new_hash(&U2));
    assert_eq!(
        server.data_file(".db_User.json").as_deref(),
        Some(expected.as_str())
    );
    server.kill();

    // After a restart every password still works, legacy or upgraded.
    let server = Server::start(CHAIN, Some(dir.path())).await;
    server
        .get("/api/v1/users/me", &Creds::user(&U1))
        .await
        .assert_status(200);
    let login = server.login(U2.email, U2.password).await;
    login.assert_status(200);
    let u3 = server.get("/api/v1/users/me", &Creds::user(&U3)).await;
    u3.assert_status(200);
    assert_seed_user(&u3.json(), &U3);
    server
        .get("/api/v1/users/me", &Creds::basic(U1.email, "wrong"))
        .await
        .assert_forbidden();
    assert_upgraded(&server.users_file()[U3.id], &U3);
}

#[tokio::test]
async fn a_session_login_alone_upgrades_the_legacy_hash() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let env = [("AUTH_TYPE", "session_auth")];
    let server = Server::start(&env, Some(dir.path())).await;
    let fields = [("email", U3.email), ("password", U3.password)];
    server
        .post_form(LOGIN, &fields, &Creds::none())
        .await
        .assert_status(200);
    assert_upgraded(&server.users_file()[U3.id], &U3);
    assert_eq!(server.users_file()[U1.id], original_entry(&U1));
    server.kill();
    let server = Server::start(&env, Some(dir.path())).await;
    server
        .post_form(LOGIN, &fields, &Creds::none())
        .await
        .assert_status(200);
    server
        .login(U3.email, "H0lberton:School:98")
        .await
        .assert_error(401, "wrong password");
}

#[tokio::test]
async fn the_data_folder_defaults_to_the_working_directory() {
    let dir = TempDir::new().expect("a temporary working folder");
    e2e_support::seed_original_data(dir.path());
    let server = Server::start_in_working_dir(&[], dir.path()).await;
    let listed = server.users(&Creds::none()).await;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(3),
        "the seeded users are served"
    );
    let body = json!({"email": "cwd@hbtn.io", "password": "pw"}).to_string();
    let created = server
        .post_json("/api/v1/users", &body, &Creds::none())
        .await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().expect("an id").to_string();
    assert_eq!(
        server.users_file()[id.as_str()]["email"],
        json!("cwd@hbtn.io")
    );
}

#[tokio::test]
async fn a_missing_data_file_means_an_empty_store_and_is_created_on_first_write() {
    let dir = TempDir::new().expect("a temporary data folder");
    let server = Server::start(&[], Some(dir.path())).await;
    let listed = server.users(&Creds::none()).await;
    assert_eq!(listed, json!([]));
    server
        .get("/api/v1/stats", &Creds::none())
        .await
        .assert_json(200, json!({"users": 0}));
    let body = json!({"email": "first@hbtn.io", "password": "pw"}).to_string();
    server
        .post_json("/api/v1/users", &body, &Creds::none())
        .await
        .assert_status(201);
    assert_eq!(
        server.users_file().as_object().map(|users| users.len()),
        Some(1)
    );
}

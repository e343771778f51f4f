//! End to end on PostgreSQL (`STORAGE=postgres`): several `api` processes on one database work
//! as one, every `AUTH_TYPE` works on it, and database trouble gives clear answers.
//!
//! Each test runs on a fresh schema of the test database (`TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Without a reachable database the tests say they
//! are skipped and pass, unless `CI=true`, where they fail.

mod e2e_support;

use std::net::SocketAddr;

use domain::{NewUser, PasswordHash, User};
use e2e_support::proxy::Relay;
use e2e_support::{run_cli, run_to_exit, seeded_dir, Creds, SeedUser, Server, U1, U2, U3};
use serde_json::json;
use storage::postgres::testing::TestDatabase;
use storage::UserRepository;

const ME: &str = "/api/v1/users/me";
const USERS: &str = "/api/v1/users";
const LOGOUT: &str = "/api/v1/auth_session/logout";

/// A fresh schema with U1 and U2 stored (legacy hashes, as the original wrote them), or `None`
/// when the tests are skipped.
async fn seeded_database() -> Option<TestDatabase> {
    let database = TestDatabase::connect().await?;
    let users = database.store().users();
    for seed in [U1, U2] {
        users
            .create(user_from(seed))
            .await
            .expect("a seed user is stored");
    }
    Some(database)
}

fn user_from(seed: SeedUser) -> User {
    let created = seed.created_at.parse().expect("a valid timestamp");
    let mut user = User::new(
        NewUser {
            email: seed.email.to_string(),
            password: seed.password.to_string(),
            first_name: None,
            last_name: None,
        },
        PasswordHash::legacy_sha256(seed.password),
        created,
    );
    user.id = seed.id.to_string();
    user
}

/// The environment of a server on `database` with `auth_type`, reaching it at `url`.
fn postgres_env<'a>(
    url: &'a str,
    database: &'a TestDatabase,
    auth_type: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("STORAGE", "postgres"),
        ("DATABASE_URL", url),
        ("DATABASE_SCHEMA", database.schema()),
        ("AUTH_TYPE", auth_type),
        ("SESSION_DURATION", "3600"),
    ]
}

/// The ids of a `GET /api/v1/users` answer, in its order.
fn ids_of(listed: &serde_json::Value) -> Vec<&str> {
    listed
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|user| user["id"].as_str())
        .collect()
}

/// Two servers on one database.
async fn two_servers(database: &TestDatabase, auth_type: &str) -> (Server, Server) {
    let env = postgres_env(database.url(), database, auth_type);
    let first = Server::start(&env, None).await;
    let second = Server::start(&env, None).await;
    (first, second)
}

#[tokio::test]
async fn a_session_made_on_one_server_works_on_the_other_until_a_logout_on_either() {
    let Some(database) = seeded_database().await else {
        return;
    };
    let (one, two) = two_servers(&database, "session_db_auth").await;

    let session = one.session(&U1).await;
    let me = two.get(ME, &Creds::session(&session)).await;
    me.assert_status(200);
    assert_eq!(me.json()["email"], U1.email);

    two.delete(LOGOUT, &Creds::session(&session))
        .await
        .assert_status(200);
    one.get(ME, &Creds::session(&session))
        .await
        .assert_forbidden();
    two.get(ME, &Creds::session(&session))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn a_user_created_on_one_server_is_listed_and_can_log_in_on_the_other() {
    let Some(database) = seeded_database().await else {
        return;
    };
    let (one, two) = two_servers(&database, "basic_auth,session_db_auth").await;
    let admin = Creds::user(&U1);
    let created = one
        .create_user(
            &admin,
            json!({"email": "carol@hbtn.io", "password": "c4r0l", "first_name": "Carol"}),
        )
        .await;

    let listed = two.users(&admin).await;
    let ids = ids_of(&listed);
    assert_eq!(ids, [U1.id, U2.id, created["id"].as_str().expect("an id")]);
    two.login("carol@hbtn.io", "c4r0l").await.assert_status(200);
}

#[tokio::test]
async fn concurrent_creates_of_one_email_on_both_servers_let_exactly_one_through() {
    let Some(database) = seeded_database().await else {
        return;
    };
    let (one, two) = two_servers(&database, "basic_auth").await;
    let admin = Creds::user(&U1);
    for round in 0..8 {
        let body = json!({"email": format!("race{round}@hbtn.io"), "password": "pw"}).to_string();
        let (a, b) = tokio::join!(
            one.post_json(USERS, &body, &admin),
            two.post_json(USERS, &body, &admin)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 400], "round {round}: {a:?} / {b:?}");
        let refused = if a.status == 400 { a } else { b };
        refused.assert_error(400, "Can't create User: email already exists");
    }
    let listed = one.users(&admin).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2 + 8));
}

#[tokio::test]
async fn a_value_postgres_cannot_hold_is_a_400_and_stores_nothing() {
    let Some(database) = seeded_database().await else {
        return;
    };
    let env = postgres_env(database.url(), &database, "basic_auth");
    let server = Server::start(&env, None).await;
    let admin = Creds::user(&U1);
    let before = server.users(&admin).await;
    // JSON may carry a NUL character; PostgreSQL text cannot.
    let body = r#"{"email": "nul\u0000@hbtn.io", "password": "pw"}"#;
    server
        .post_json(USERS, body, &admin)
        .await
        .assert_error(400, "Wrong format");
    // Only GET knows `me` (as in the original): a change names the user's id.
    server
        .put_json(
            &format!("{USERS}/{}", U1.id),
            r#"{"first_name": "A\u0000"}"#,
            &admin,
        )
        .await
        .assert_error(400, "Wrong format");
    assert_eq!(server.users(&admin).await, before, "nothing was stored");
}

#[tokio::test]
async fn every_auth_type_works_on_postgres() {
    let Some(database) = seeded_database().await else {
        return;
    };
    for auth_type in [
        "basic_auth",
        "session_auth",
        "session_exp_auth",
        "session_db_auth",
    ] {
        let env = postgres_env(database.url(), &database, auth_type);
        let server = Server::start(&env, None).await;
        let creds = if auth_type == "basic_auth" {
            Creds::user(&U2)
        } else {
            Creds::session(&server.session(&U2).await)
        };
        let me = server.get(ME, &creds).await;
        me.assert_status(200);
        assert_eq!(me.json()["id"], U2.id, "{auth_type}");
        server.get(ME, &Creds::none()).await.assert_status(401);
        server
            .get(USERS, &Creds::session("not-a-session"))
            .await
            .assert_status(403);
    }
}

#[tokio::test]
async fn an_unreachable_database_stops_start_up_naming_the_host() {
    // Skipped like the others without PostgreSQL, so that CI=true still means "required".
    let Some(_database) = TestDatabase::connect().await else {
        return;
    };
    let folder = tempfile::tempdir().expect("a temporary folder");
    let exit = run_to_exit(
        &[
            ("STORAGE", "postgres"),
            ("DATABASE_URL", "postgres://bob:hunter2@127.0.0.1:1/test"),
            ("DATABASE_TIMEOUT_SECONDS", "2"),
        ],
        folder.path(),
    );
    assert_eq!(exit.code, Some(1), "{}", exit.stderr);
    assert!(exit.stderr.contains("127.0.0.1:1"), "{}", exit.stderr);
    assert!(!exit.stderr.contains("hunter2"), "{}", exit.stderr);

    let exit = run_to_exit(&[("STORAGE", "postgres")], folder.path());
    assert_eq!(exit.code, Some(1), "{}", exit.stderr);
    assert!(exit.stderr.contains("DATABASE_URL"), "{}", exit.stderr);
}

#[tokio::test]
async fn a_lost_database_gives_503_within_the_timeout_and_the_server_recovers_by_itself() {
    let Some(database) = seeded_database().await else {
        return;
    };
    let relay = Relay::start(upstream_of(database.url())).await;
    let url = database
        .url()
        .replace(":5432/", &format!(":{}/", relay.port()));
    let mut env = postgres_env(&url, &database, "session_db_auth");
    env.push(("DATABASE_TIMEOUT_SECONDS", "1"));
    let server = Server::start(&env, None).await;
    let session = server.session(&U1).await;
    server
        .get(ME, &Creds::session(&session))
        .await
        .assert_status(200);

    relay.cut();
    // The client's own 30 s timeout would fail the test if the server hung instead.
    let reply = server.get(ME, &Creds::session(&session)).await;
    reply.assert_error(503, "Service unavailable");
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_error(503, "Service unavailable");
    // Routes that need no database keep answering.
    server
        .get("/api/v1/status", &Creds::none())
        .await
        .assert_status(200);

    relay.restore();
    let mut answered = 0;
    for _ in 0..50 {
        answered = server.get(ME, &Creds::session(&session)).await.status;
        if answered == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        answered, 200,
        "the server recovered once the database was back"
    );
}

#[tokio::test]
async fn migrate_copies_a_data_folder_once_and_a_second_run_changes_nothing() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let folder = seeded_dir();
    let env = [
        ("DATABASE_URL", database.url()),
        ("DATABASE_SCHEMA", database.schema()),
    ];
    let from = folder.path().to_str().expect("a UTF-8 path");
    let first = run_cli(&["migrate", "--from", from], &env, folder.path(), None);
    assert!(
        first
            .success()
            .contains("users: 3 copied, 0 already present"),
        "{first:#?}"
    );
    let second = run_cli(&["migrate", "--from", from], &env, folder.path(), None);
    assert!(
        second
            .success()
            .contains("users: 0 copied, 3 already present; sessions: 0 copied, 0 already present"),
        "{second:#?}"
    );

    let server_env = postgres_env(database.url(), &database, "basic_auth");
    let server = Server::start(&server_env, None).await;
    let listed = server.users(&Creds::user(&U3)).await;
    let ids = ids_of(&listed);
    assert_eq!(ids, [U1.id, U2.id, U3.id], "the original's order is kept");
}

#[tokio::test]
async fn migrate_reports_a_taken_email_and_copies_the_rest() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let mut squatter = user_from(U1);
    squatter.id = "another-id".into();
    database
        .store()
        .users()
        .create(squatter)
        .await
        .expect("stored");
    let folder = seeded_dir();
    let from = folder.path().to_str().expect("a UTF-8 path");
    let output = run_cli(
        &["migrate", "--from", from, "--to", database.url()],
        &[("DATABASE_SCHEMA", database.schema())],
        folder.path(),
        None,
    );
    output.assert_failure(
        1,
        &["conflict: user", U1.id, "1 record(s) could not be copied"],
    );
    assert!(output.stdout.contains("users: 2 copied"), "{output:#?}");
}

#[tokio::test]
async fn migrate_refuses_a_folder_without_data_and_a_missing_target() {
    let empty = tempfile::tempdir().expect("a temporary folder");
    let from = empty.path().to_str().expect("a UTF-8 path");
    let output = run_cli(&["migrate", "--from", from], &[], empty.path(), None);
    output.assert_failure(1, &["DATABASE_URL must be set"]);
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let output = run_cli(
        &["migrate", "--from", from, "--to", database.url()],
        &[],
        empty.path(),
        None,
    );
    output.assert_failure(1, &["nothing to migrate", from]);
}

#[tokio::test]
async fn the_admin_commands_work_on_the_database_the_servers_share() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let folder = tempfile::tempdir().expect("a temporary folder");
    let env = [
        ("STORAGE", "postgres"),
        ("DATABASE_URL", database.url()),
        ("DATABASE_SCHEMA", database.schema()),
        ("AUTH_TYPE", "session_db_auth"),
    ];
    let created = run_cli(
        &["user", "create", "--email", "admin@example.test"],
        &env,
        folder.path(),
        Some("an admin password\n"),
    );
    assert!(
        created.success().starts_with("created user "),
        "{created:#?}"
    );

    let server_env = postgres_env(database.url(), &database, "session_db_auth");
    let server = Server::start(&server_env, None).await;
    let session = server
        .login("admin@example.test", "an admin password")
        .await
        .the_cookie()
        .value;
    // The server keeps running: the database, unlike a data folder, is meant to be shared.
    let listed = run_cli(&["session", "list", "--json"], &env, folder.path(), None);
    let sessions: serde_json::Value =
        serde_json::from_str(listed.success()).expect("session list --json is JSON");
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");
    assert_eq!(sessions[0]["email"], "admin@example.test");
    assert!(
        !listed.stdout.contains(&session),
        "the secret is never printed"
    );

    run_cli(&["session", "purge", "--all"], &env, folder.path(), None).success();
    server
        .get(ME, &Creds::session(&session))
        .await
        .assert_forbidden();
}

/// The database's address in `url` (the test URL names 127.0.0.1:5432 unless overridden).
fn upstream_of(url: &str) -> SocketAddr {
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a URL with a host");
    let host_port = authority.rsplit('@').next().expect("a host");
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .replace("localhost", "127.0.0.1")
        .parse()
        .expect("the test database URL names an IP address and port")
}

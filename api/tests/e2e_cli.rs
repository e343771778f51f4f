//! End to end: the `api` command line (issue 6, item 1).
//!
//! `--help`, `--version`, usage errors, configuration flags that override their variables, and
//! the administration commands (`user create|list|passwd|delete`, `session list|purge`) on a
//! data folder that a server then serves (never at the same time: the folder is not locked).

mod e2e_support;

use std::fs;
use std::path::Path;

use e2e_support::{run_cli, seed_original_data, CommandOutput, Creds, Server, U1, U2, U3};
use serde_json::Value;
use tempfile::TempDir;

/// Runs `api <arguments>` on `dir` with no extra environment and empty stdin.
fn api(arguments: &[&str], dir: &Path) -> CommandOutput {
    run_cli(arguments, &[], dir, None)
}

/// Runs `api <arguments>` on `dir`, typing `stdin` into it.
fn api_with_input(arguments: &[&str], dir: &Path, stdin: &str) -> CommandOutput {
    run_cli(arguments, &[], dir, Some(stdin))
}

/// A fresh data folder holding U1, U2 and U3 in the original's format.
fn seeded() -> TempDir {
    let dir = TempDir::new().expect("a temporary data folder");
    seed_original_data(dir.path());
    dir
}

/// Returns the users as `user list --json` prints them.
fn listed_users(dir: &Path) -> Vec<Value> {
    let output = api(&["user", "list", "--json"], dir);
    let json: Value = serde_json::from_str(output.success()).expect("user list --json is JSON");
    json.as_array().expect("a JSON array").clone()
}

/// Starts a server on `dir` with Basic and database sessions.
async fn serve(dir: &Path) -> Server {
    Server::start(&[("AUTH_TYPE", "basic_auth,session_db_auth")], Some(dir)).await
}

#[test]
fn version_and_help_exit_0_on_stdout() {
    let dir = TempDir::new().expect("a temporary folder");
    let version = api(&["--version"], dir.path());
    assert_eq!(
        version.success().trim(),
        format!("api {}", env!("CARGO_PKG_VERSION"))
    );
    let help = api(&["--help"], dir.path());
    let text = help.success();
    for needle in [
        "serve",
        "user",
        "session",
        "--port <API_PORT>",
        "[env: API_PORT] [default: 5000]",
        "--request-timeout-seconds <REQUEST_TIMEOUT_SECONDS>",
        "--database-url <DATABASE_URL>",
    ] {
        assert!(text.contains(needle), "--help lacks {needle:?}:\n{text}");
    }
    let user_help = api(&["user", "create", "--help"], dir.path());
    assert!(user_help.success().contains("--email <EMAIL>"));
}

#[test]
fn an_unknown_command_or_flag_is_a_usage_error_with_exit_code_2() {
    let dir = TempDir::new().expect("a temporary folder");
    for arguments in [
        &["frobnicate"][..],
        &["--frobnicate"],
        &["user"],
        &["user", "rename", "x"],
        &["user", "create"],
        &["session", "purge", "--all", "--user", "bob@hbtn.io"],
        &["--port"],
    ] {
        let output = api(arguments, dir.path());
        // A command without its subcommand gets its help (clap's choice), the rest an error.
        let expected: &[&str] = if arguments == ["user"] {
            &["Usage: api user", "create"]
        } else {
            &["error:", "--help"]
        };
        output.assert_failure(2, expected);
        assert!(output.stdout.is_empty(), "{arguments:?}: {output:#?}");
    }
    assert!(
        fs::read_dir(dir.path()).expect("list").next().is_none(),
        "nothing was written"
    );
}

#[test]
fn a_bad_flag_value_is_refused_naming_the_variable_and_the_flag() {
    let dir = TempDir::new().expect("a temporary folder");
    for (arguments, needles) in [
        (
            &["--port", "http"][..],
            &["API_PORT", "\"http\"", "--port"][..],
        ),
        (
            &["serve", "--auth-type", "basic"],
            &["AUTH_TYPE", "--auth-type"],
        ),
        (
            &["user", "list", "--storage", "sqlite"],
            &["STORAGE", "\"sqlite\"", "--storage"],
        ),
        (
            &["--request-timeout-seconds", "soon"],
            &["REQUEST_TIMEOUT_SECONDS", "--request-timeout-seconds"],
        ),
        (&["--log-format", "xml"], &["LOG_FORMAT", "--log-format"]),
    ] {
        let output = api(arguments, dir.path());
        let mut all = vec!["error:"];
        all.extend(needles);
        output.assert_failure(1, &all);
    }
}

#[test]
fn a_flag_overrides_its_environment_variable() {
    let dir = TempDir::new().expect("a temporary folder");
    // The variable is invalid; the flag given instead is used, so the command succeeds.
    let output = run_cli(
        &["user", "list", "--storage", "file"],
        &[("STORAGE", "sqlite")],
        dir.path(),
        None,
    );
    assert!(output.success().contains("0 user(s)"), "{output:#?}");
    // And the other way round: a bad flag is not rescued by a good variable.
    let output = run_cli(
        &["--port", "x", "user", "list"],
        &[("API_PORT", "5000")],
        dir.path(),
        None,
    );
    output.assert_failure(1, &["API_PORT", "--port"]);
}

#[tokio::test]
async fn the_first_user_created_from_the_command_line_can_log_in() {
    let dir = TempDir::new().expect("a temporary data folder");
    let output = api_with_input(
        &[
            "user",
            "create",
            "--email",
            "admin@example.test",
            "--first-name",
            "Ada",
        ],
        dir.path(),
        "first pw: with spaces \n",
    );
    assert!(output.success().starts_with("created user "), "{output:#?}");
    assert!(
        !output.stdout.contains("first pw") && !output.stderr.contains("first pw"),
        "the password is never printed: {output:#?}"
    );
    let file = fs::read_to_string(dir.path().join(".db_User.json")).expect("the users file");
    assert!(file.contains("\"_password\": \"$argon2id$"), "{file}");
    assert!(
        !dir.path().join(".db_User.json.journal").exists(),
        "the command closed the store"
    );

    let server = serve(dir.path()).await;
    let me = server
        .get(
            "/api/v1/users/me",
            &Creds::basic("admin@example.test", "first pw: with spaces "),
        )
        .await;
    me.assert_status(200);
    assert_eq!(me.json()["first_name"], "Ada");
    assert_eq!(me.json()["last_name"], Value::Null);
}

#[test]
fn creating_a_user_whose_email_exists_fails_and_changes_nothing() {
    let dir = seeded();
    let before = fs::read_to_string(dir.path().join(".db_User.json")).expect("seeded");
    let output = api_with_input(
        &["user", "create", "--email", U1.email],
        dir.path(),
        "another pw\n",
    );
    output.assert_failure(1, &["error:", "already exists", U1.email]);
    let after = fs::read_to_string(dir.path().join(".db_User.json")).expect("still there");
    assert_eq!(before, after);
}

#[test]
fn an_empty_or_missing_password_or_email_is_refused() {
    let dir = TempDir::new().expect("a temporary data folder");
    let create = ["user", "create", "--email", "new@example.test"];
    api_with_input(&create, dir.path(), "\n").assert_failure(1, &["must not be empty"]);
    api_with_input(&create, dir.path(), "").assert_failure(1, &["standard input is empty"]);
    api(&create, dir.path()).assert_failure(1, &["standard input is empty"]);
    api_with_input(&["user", "create", "--email", " "], dir.path(), "pw\n")
        .assert_failure(1, &["email must not be empty"]);
    assert!(listed_users(dir.path()).is_empty());
}

#[test]
fn user_list_shows_every_user_without_password_hashes() {
    let dir = seeded();
    let table = api(&["user", "list"], dir.path());
    let text = table.success();
    assert!(text.starts_with("ID "), "{text}");
    for user in [U1, U2, U3] {
        assert!(
            text.contains(user.id) && text.contains(user.email),
            "{text}"
        );
        assert!(!text.contains(user.sha256), "{text}");
    }
    assert!(text.ends_with("3 user(s)\n"), "{text}");

    let users = listed_users(dir.path());
    assert_eq!(users.len(), 3);
    assert_eq!(users[0]["email"], U1.email);
    assert_eq!(users[0]["created_at"], U1.created_at);
    for user in &users {
        assert!(user.get("_password").is_none(), "{user}");
    }
}

#[tokio::test]
async fn passwd_sets_a_new_password_and_ends_every_session_of_the_user() {
    let dir = seeded();
    let server = serve(dir.path()).await;
    let cookie = server.session(&U1).await;
    let other = server.session(&U2).await;
    server.terminate();

    let output = api_with_input(&["user", "passwd", U1.email], dir.path(), "brand new pw\n");
    let text = output.success();
    assert!(text.contains("password changed"), "{text}");
    assert!(text.contains("1 session(s) ended"), "{text}");

    let server = serve(dir.path()).await;
    server
        .get("/api/v1/users/me", &Creds::session(&cookie))
        .await
        .assert_forbidden();
    server
        .get("/api/v1/users/me", &Creds::session(&other))
        .await
        .assert_status(200);
    server
        .get("/api/v1/users/me", &Creds::user(&U1))
        .await
        .assert_forbidden();
    server
        .get("/api/v1/users/me", &Creds::basic(U1.email, "brand new pw"))
        .await
        .assert_status(200);
}

#[test]
fn passwd_and_delete_of_an_unknown_user_fail_without_asking_for_a_password() {
    let dir = seeded();
    for command in ["passwd", "delete"] {
        api_with_input(
            &["user", command, "nobody@example.test"],
            dir.path(),
            "pw\n",
        )
        .assert_failure(1, &["no user has the email or id", "nobody@example.test"]);
    }
    api_with_input(&["user", "passwd", U1.email], dir.path(), "\n")
        .assert_failure(1, &["must not be empty"]);
    assert_eq!(listed_users(dir.path()).len(), 3);
}

#[tokio::test]
async fn delete_by_id_removes_the_user_and_their_sessions() {
    let dir = seeded();
    let server = serve(dir.path()).await;
    let cookie = server.session(&U2).await;
    server.session(&U1).await;
    server.terminate();

    let output = api(&["user", "delete", U2.id], dir.path());
    let text = output.success();
    assert!(
        text.contains(&format!("deleted user {} <{}>", U2.id, U2.email)),
        "{text}"
    );
    assert!(text.contains("1 session(s) ended"), "{text}");
    let emails: Vec<Value> = listed_users(dir.path())
        .iter()
        .map(|user| user["email"].clone())
        .collect();
    assert_eq!(emails, [U1.email, U3.email]);
    let sessions = fs::read_to_string(dir.path().join(".db_UserSession.json")).expect("sessions");
    assert!(!sessions.contains(U2.id), "{sessions}");
    assert!(!sessions.contains(&cookie), "{sessions}");
    assert!(sessions.contains(U1.id), "{sessions}");
}

/// Writes `.db_UserSession.json` with one session of U1 created in 2017 (long expired under any
/// duration) and one of U2 created in 2999, in the original's format.
fn seed_sessions(dir: &Path) {
    let session = |id: &str, user: &str, secret: &str, at: &str| {
        format!(
            "\"{id}\": {{\"id\": \"{id}\", \"created_at\": \"{at}\", \"updated_at\": \"{at}\", \
             \"user_id\": \"{user}\", \"session_id\": \"{secret}\"}}"
        )
    };
    let text = format!(
        "{{{}, {}}}",
        session(
            "old-record",
            U1.id,
            "old-secret-value",
            "2017-10-16T04:23:04"
        ),
        session(
            "new-record",
            U2.id,
            "new-secret-value",
            "2999-01-01T00:00:00"
        ),
    );
    fs::write(dir.join(".db_UserSession.json"), text).expect("the sessions file");
}

#[test]
fn session_list_shows_states_and_never_the_secret() {
    let dir = seeded();
    seed_sessions(dir.path());
    let env = [("SESSION_DURATION", "3600")];
    let output = run_cli(&["session", "list"], &env, dir.path(), None);
    let text = output.success();
    assert!(
        text.contains("old-record") && text.contains("expired"),
        "{text}"
    );
    assert!(
        text.contains("new-record") && text.contains("live"),
        "{text}"
    );
    assert!(text.ends_with("2 session(s)\n"), "{text}");
    assert!(!text.contains("secret-value"), "{text}");

    let output = run_cli(
        &["session", "list", "--user", U2.email, "--json"],
        &env,
        dir.path(),
        None,
    );
    let listed: Value = serde_json::from_str(output.success()).expect("JSON");
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["handle"], "new-record");
    assert_eq!(listed[0]["email"], U2.email);
    assert_eq!(listed[0]["state"], "live");
    assert_eq!(listed[0]["expires_at"], "2999-01-01T01:00:00");
    assert!(!output.stdout.contains("secret-value"));

    run_cli(
        &["session", "list", "--user", "nobody"],
        &env,
        dir.path(),
        None,
    )
    .assert_failure(1, &["no user has the email or id"]);
}

#[test]
fn session_purge_removes_expired_sessions_by_the_servers_rule() {
    let dir = seeded();
    seed_sessions(dir.path());
    // Without a duration nothing ever expires: nothing is removed, and the output says why.
    let output = api(&["session", "purge"], dir.path());
    assert!(
        output.success().contains("nothing is expired"),
        "{output:#?}"
    );

    let env = [("SESSION_DURATION", "3600")];
    let output = run_cli(&["session", "purge"], &env, dir.path(), None);
    assert!(
        output
            .success()
            .contains("1 expired or idle session(s) removed"),
        "{output:#?}"
    );
    let sessions = fs::read_to_string(dir.path().join(".db_UserSession.json")).expect("file");
    assert!(!sessions.contains("old-record"), "{sessions}");
    assert!(sessions.contains("new-record"), "{sessions}");
}

#[test]
fn session_purge_of_a_user_or_of_all_removes_live_sessions_too() {
    let dir = seeded();
    seed_sessions(dir.path());
    let output = api(&["session", "purge", "--user", U2.email], dir.path());
    assert!(
        output.success().starts_with("1 session(s) of"),
        "{output:#?}"
    );
    let output = api(&["session", "purge", "--user", U2.id], dir.path());
    assert!(
        output.success().starts_with("0 session(s) of"),
        "{output:#?}"
    );
    seed_sessions(dir.path());
    let output = api(&["session", "purge", "--all"], dir.path());
    assert_eq!(output.success(), "2 session(s) removed\n");
    let output = api(&["session", "list"], dir.path());
    assert!(output.success().ends_with("0 session(s)\n"), "{output:#?}");
}

#[test]
fn a_memory_store_is_announced_as_empty_and_temporary() {
    let dir = TempDir::new().expect("a temporary folder");
    let output = api(&["user", "list", "--storage", "memory"], dir.path());
    assert!(output.success().contains("0 user(s)"), "{output:#?}");
    assert!(output.stderr.contains("STORAGE=memory"), "{output:#?}");
}

#[test]
fn a_corrupt_data_file_stops_an_admin_command_naming_the_file() {
    let dir = TempDir::new().expect("a temporary folder");
    fs::write(dir.path().join(".db_User.json"), "{oops").expect("write");
    api(&["user", "list"], dir.path()).assert_failure(1, &["error:", ".db_User.json"]);
}

#[tokio::test]
async fn a_folder_in_use_by_a_server_is_refused_by_commands_and_other_servers() {
    let dir = seeded();
    let server = serve(dir.path()).await;
    api(&["user", "list"], dir.path()).assert_failure(1, &["in use by another process"]);
    let exit = e2e_support::run_to_exit(&[], dir.path());
    assert_eq!(exit.code, Some(1), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("in use by another process"),
        "{}",
        exit.stderr
    );

    server.terminate();
    assert_eq!(
        listed_users(dir.path()).len(),
        3,
        "free once the server stopped"
    );
}

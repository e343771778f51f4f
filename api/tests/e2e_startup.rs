//! End to end: the binary refuses to start on bad configuration or unreadable data, with exit
//! code 1 and a message saying what is wrong, and leaves the data untouched (SPEC A2 D1, D17).

mod e2e_support;

use std::fs;

use e2e_support::{run_to_exit, Exit, Server};
use tempfile::TempDir;

const VALID_AUTH_TYPES: [&str; 5] = [
    "auth",
    "basic_auth",
    "session_auth",
    "session_exp_auth",
    "session_db_auth",
];

fn assert_refused(exit: &Exit, needles: &[&str]) {
    assert_eq!(exit.code, Some(1), "exit code; stderr:\n{}", exit.stderr);
    assert!(
        exit.stderr.contains("error:"),
        "an `error:` line on stderr:\n{}",
        exit.stderr
    );
    for needle in needles {
        assert!(
            exit.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            exit.stderr
        );
    }
}

#[test]
fn an_unknown_auth_type_is_refused_with_the_list_of_valid_values() {
    let dir = TempDir::new().expect("a temporary data folder");
    for value in [
        "basic",
        "Basic_Auth",
        "session_auth,nope",
        "auth;basic_auth",
    ] {
        let exit = run_to_exit(&[("AUTH_TYPE", value)], dir.path());
        let mut needles = vec!["AUTH_TYPE", "none"];
        needles.extend(VALID_AUTH_TYPES);
        assert_refused(&exit, &needles);
    }
}

#[test]
fn a_corrupt_users_file_is_refused_naming_the_file_and_position_and_left_untouched() {
    let dir = TempDir::new().expect("a temporary data folder");
    let corrupt = "{\"a\": {\"id\": \"a\",\n \"email\": }";
    let path = dir.path().join(".db_User.json");
    fs::write(&path, corrupt).expect("write the corrupt file");
    let exit = run_to_exit(&[], dir.path());
    assert_refused(&exit, &[".db_User.json", "line 2", "column"]);
    assert_eq!(
        fs::read_to_string(&path).expect("the file is still there"),
        corrupt
    );
}

#[test]
fn a_users_file_with_a_bad_timestamp_is_refused() {
    let dir = TempDir::new().expect("a temporary data folder");
    // The page examples' space-separated form is not the file format (SPEC Q1).
    let text = "{\"9f4b7d2e-3c1a-4e5b-8a6d-1f2e3d4c5b6a\": {\"id\": \"9f4b7d2e-3c1a-4e5b-8a6d-1f2e3d4c5b6a\", \"created_at\": \"2017-10-16 04:23:04\", \"updated_at\": \"2017-10-16T04:23:04\", \"email\": \"bob@hbtn.io\", \"_password\": null, \"first_name\": null, \"last_name\": null}}";
    let path = dir.path().join(".db_User.json");
    fs::write(&path, text).expect("write the file");
    let exit = run_to_exit(&[], dir.path());
    assert_refused(&exit, &[".db_User.json"]);
    assert_eq!(
        fs::read_to_string(&path).expect("the file is still there"),
        text
    );
}

#[test]
fn a_corrupt_session_file_is_refused_under_session_db_auth() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let corrupt = "[not json";
    let path = dir.path().join(".db_UserSession.json");
    fs::write(&path, corrupt).expect("write the corrupt file");
    let exit = run_to_exit(&[("AUTH_TYPE", "session_db_auth")], dir.path());
    assert_refused(&exit, &[".db_UserSession.json", "line 1", "column"]);
    assert_eq!(
        fs::read_to_string(&path).expect("the file is still there"),
        corrupt
    );
}

#[test]
fn bad_settings_are_refused_naming_the_variable() {
    let dir = TempDir::new().expect("a temporary data folder");
    for (name, value) in [
        ("API_PORT", "http"),
        ("API_PORT", "70000"),
        ("ARGON2_MEMORY_KIB", "lots"),
        ("ARGON2_ITERATIONS", "0"),
        ("ARGON2_ITERATIONS", "-1"),
        ("ARGON2_PARALLELISM", "x"),
        ("ARGON2_PARALLELISM", "0"),
        ("MAX_BODY_BYTES", "0"),
        ("MAX_BODY_BYTES", "big"),
        ("SESSION_COOKIE_SECURE", "maybe"),
        ("SESSION_SWEEP_SECONDS", "soon"),
        ("SESSION_NAME", "my session"),
    ] {
        let exit = run_to_exit(&[(name, value)], dir.path());
        assert_refused(&exit, &[name]);
    }
    assert!(
        fs::read_dir(dir.path()).expect("list").next().is_none(),
        "nothing was written"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let server = Server::start(&[("AUTH_TYPE", "basic_auth")], None).await;
    let exit = server.terminate();
    assert_eq!(exit.code, Some(0), "a clean stop exits 0:\n{}", exit.stderr);
}

//! End to end: request ids and the access log (issue 6, item 2).
//!
//! Every answer carries `X-Request-Id` (the client's when acceptable, else a new one); every
//! request writes one access line (method, path, status, latency, request id) and never a
//! secret; `LOG_FORMAT=json` writes JSON objects; `RUST_LOG=...,access=off` silences the lines.
//! Logs are read after a SIGTERM, which writes out every queued line, so no test waits on time.

mod e2e_support;

use e2e_support::{run_to_exit, Body, Creds, Server, U1, U2};
use serde_json::Value;
use tempfile::TempDir;

/// The access lines of a text log.
fn access_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.contains(" access: "))
        .collect()
}

/// The last `count` access lines of a text log: those of the test's own requests, after the
/// harness's readiness probes (`GET /api/v1/status`, as many as it took).
fn last_access_lines(stderr: &str, count: usize) -> Vec<&str> {
    let lines = access_lines(stderr);
    assert!(
        lines.len() >= count,
        "{count} access lines expected:\n{stderr}"
    );
    lines[lines.len() - count..].to_vec()
}

/// Tells whether `id` has the shape of a generated id: 12 hex digits, a dash, hex digits.
fn is_generated_id(id: &str) -> bool {
    let Some((prefix, counter)) = id.split_once('-') else {
        return false;
    };
    let hex = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit());
    prefix.len() == 12 && hex(prefix) && hex(counter)
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_writes_one_access_line() {
    let server = Server::start(&[("AUTH_TYPE", "basic_auth")], None).await;
    let given = server
        .raw(
            "GET",
            "/api/v1/status",
            &[("X-Request-Id", b"client-id-42")],
            Body::Empty,
        )
        .await;
    given.assert_status(200);
    assert_eq!(
        given.header("x-request-id").as_deref(),
        Some("client-id-42")
    );

    let mut generated = Vec::new();
    for (path, status) in [
        ("/api/v1/status", 200),
        ("/api/v1/users", 401),
        ("/api/v1/forbidden", 403),
    ] {
        let reply = server.get(path, &Creds::none()).await;
        reply.assert_status(status);
        let id = reply
            .header("x-request-id")
            .expect("an X-Request-Id header");
        assert!(is_generated_id(&id), "{path}: {id:?}");
        generated.push(id);
    }
    generated.dedup();
    assert_eq!(generated.len(), 3, "ids are unique: {generated:?}");

    let too_long = "x".repeat(129);
    for bad in [&b"has space"[..], too_long.as_bytes()] {
        let reply = server
            .raw(
                "GET",
                "/api/v1/status",
                &[("X-Request-Id", bad)],
                Body::Empty,
            )
            .await;
        let id = reply
            .header("x-request-id")
            .expect("an X-Request-Id header");
        assert!(is_generated_id(&id), "{bad:?} was replaced: {id:?}");
    }

    let exit = server.terminate();
    assert_eq!(exit.code, Some(0), "{}", exit.stderr);
    let lines = last_access_lines(&exit.stderr, 6);
    let first = lines[0];
    for field in [
        "method=GET",
        "path=/api/v1/status",
        "status=200",
        "latency_us=",
        "request_id=client-id-42",
    ] {
        assert!(first.contains(field), "{field} in {first}");
    }
    assert!(lines[2].contains("status=401"), "{}", lines[2]);
    assert!(
        lines[2].contains(&format!("request_id={}", generated[1])),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("path=/api/v1/forbidden status=403"),
        "{}",
        lines[3]
    );
}

#[tokio::test]
async fn no_password_cookie_authorization_or_query_reaches_the_log() {
    let server = Server::start_seeded(&[("AUTH_TYPE", "basic_auth,session_db_auth")]).await;
    let session = server.session(&U1).await;
    server
        .get("/api/v1/users/me", &Creds::session(&session))
        .await
        .assert_status(200);
    server
        .get("/api/v1/users/me", &Creds::user(&U2))
        .await
        .assert_status(200);
    server
        .get("/api/v1/users/me?token=query-secret-7", &Creds::user(&U2))
        .await
        .assert_status(200);
    server
        .login(U1.email, "wrong-password-guess")
        .await
        .assert_status(401);
    server
        .send(
            "GET",
            "/api/v1/users/me",
            &Creds::none(),
            &[("Cookie", b"_my_session_id=forged-cookie-value")],
            Body::Empty,
        )
        .await
        .assert_forbidden();
    let exit = server.terminate();

    let lines = last_access_lines(&exit.stderr, 6);
    assert!(lines[0].contains("method=POST path=/api/v1/auth_session/login status=200"));
    for secret in [
        U1.password,
        U2.password,
        "wrong-password-guess",
        session.as_str(),
        "forged-cookie-value",
        &U2.token(),
        "query-secret-7",
        "token=",
        "Basic ",
        "_my_session_id",
    ] {
        assert!(
            !exit.stderr.contains(secret),
            "{secret:?} reached the log:\n{}",
            exit.stderr
        );
    }
}

#[tokio::test]
async fn the_json_format_writes_one_object_per_line_with_the_access_fields_on_top() {
    let server = Server::start(&[("AUTH_TYPE", "none"), ("LOG_FORMAT", "json")], None).await;
    server
        .raw(
            "DELETE",
            "/api/v1/status",
            &[("X-Request-Id", b"json-1")],
            Body::Empty,
        )
        .await
        .assert_status(405);
    let exit = server.terminate();

    let lines: Vec<Value> = exit
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is a JSON object"))
        .collect();
    let access: Vec<&Value> = lines
        .iter()
        .filter(|line| line["target"] == "access" && line["request_id"] == "json-1")
        .collect();
    assert_eq!(access.len(), 1, "{}", exit.stderr);
    let line = access[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "DELETE");
    assert_eq!(line["path"], "/api/v1/status");
    assert_eq!(line["status"], 405);
    assert_eq!(line["request_id"], "json-1");
    assert!(line["latency_us"].is_u64(), "{line}");
    assert!(line["timestamp"].is_string(), "{line}");
    assert!(
        lines.iter().any(|line| line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening on"))),
        "{}",
        exit.stderr
    );
}

#[tokio::test]
async fn rust_log_can_turn_the_access_log_off_and_keep_the_rest() {
    let server = Server::start(
        &[("AUTH_TYPE", "none"), ("RUST_LOG", "info,access=off")],
        None,
    )
    .await;
    let reply = server.get("/api/v1/status", &Creds::none()).await;
    assert!(
        reply.header("x-request-id").is_some(),
        "ids do not depend on the log"
    );
    let exit = server.terminate();
    assert!(access_lines(&exit.stderr).is_empty(), "{}", exit.stderr);
    assert!(exit.stderr.contains("listening on"), "{}", exit.stderr);
}

#[test]
fn a_bad_log_format_or_filter_stops_start_up_naming_the_variable() {
    let dir = TempDir::new().expect("a temporary data folder");
    for (name, value) in [("LOG_FORMAT", "xml"), ("RUST_LOG", "api=loud")] {
        let exit = run_to_exit(&[(name, value)], dir.path());
        assert_eq!(exit.code, Some(1), "{}", exit.stderr);
        assert!(exit.stderr.contains(name), "{}", exit.stderr);
        assert!(exit.stderr.contains(value), "{}", exit.stderr);
    }
}

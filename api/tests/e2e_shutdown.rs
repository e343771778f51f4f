//! End to end: SIGTERM and SIGINT stop the server gracefully (issue 6, item 3), and a request
//! that takes too long is answered 503 (item 5).
//!
//! The server stops accepting at once, lets the request in flight finish (within
//! `SHUTDOWN_TIMEOUT_SECONDS`, after which its connection is dropped), closes the stores, which
//! folds the journal into `.db_User.json`, and exits 0.
//!
//! The request in flight is a user creation whose body is held back: its head carries
//! `Expect: 100-continue`, and the server's `100 Continue` proves the handler is reading the
//! body, so the signal always lands mid-request without any timing guess.

mod e2e_support;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use e2e_support::{Creds, Server};
use serde_json::json;

/// How long a socket read may wait before the test fails instead of hanging.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server may take to refuse new connections after the signal.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(10);

/// A `POST /api/v1/users` whose head is sent and whose body waits to be released.
struct HeldCreation {
    stream: TcpStream,
    body: String,
}

impl HeldCreation {
    /// Sends the head of a creation of `email` and waits for the server's `100 Continue`.
    fn start(server: &Server, email: &str) -> HeldCreation {
        let body = json!({"email": email, "password": "held pw"}).to_string();
        let mut stream =
            TcpStream::connect(("127.0.0.1", server.port())).expect("the server accepts");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("a read timeout can be set");
        let head = format!(
            "POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("the head is sent");
        let interim = read_head(&mut stream);
        assert!(
            interim.starts_with("HTTP/1.1 100"),
            "expected 100 Continue once the handler reads the body, got {interim:?}"
        );
        HeldCreation { stream, body }
    }

    /// Sends the body and returns the whole answer as text.
    fn finish(mut self) -> String {
        self.stream
            .write_all(self.body.as_bytes())
            .expect("the body is sent");
        let mut answer = Vec::new();
        // The server closes the connection after this last answer: read to the end.
        self.stream
            .read_to_end(&mut answer)
            .expect("the answer can be read");
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Reads the next answer without sending the body (the server answers on its own).
    fn answer_without_body(mut self) -> String {
        read_head(&mut self.stream)
    }

    /// Reads what the server sends until it closes the connection, without sending the body.
    fn wait_for_close(mut self) -> Vec<u8> {
        let mut answer = Vec::new();
        match self.stream.read_to_end(&mut answer) {
            Ok(_) => {}
            // A dropped connection may also be reset rather than closed.
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
            Err(error) => panic!("the connection was neither closed nor reset: {error}"),
        }
        answer
    }
}

/// Reads one response head (up to the blank line).
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => break,
            Err(error) => panic!("no response head ({error}); got {head:?}"),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Waits until a new connection to `port` is refused.
fn wait_until_refused(port: u16) {
    let deadline = Instant::now() + REFUSAL_TIMEOUT;
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections were still accepted after the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts the journal of `.db_User.json` was folded in and the file lists `emails`.
fn assert_folded(server_dir: &std::path::Path, emails: &[&str]) {
    assert!(
        !server_dir.join(".db_User.json.journal").exists(),
        "the journal was folded into the data file"
    );
    let text = fs::read_to_string(server_dir.join(".db_User.json")).expect("the data file");
    for email in emails {
        assert!(text.contains(email), "{email} in {text}");
    }
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_0() {
    let dir = tempfile::TempDir::new().expect("a data folder that outlives the server");
    let server = Server::start(
        &[("AUTH_TYPE", "none"), ("SHUTDOWN_TIMEOUT_SECONDS", "30")],
        Some(dir.path()),
    )
    .await;
    server
        .create_user(
            &Creds::none(),
            json!({"email": "before@example.test", "password": "pw"}),
        )
        .await;
    let held = HeldCreation::start(&server, "in-flight@example.test");

    server.signal("TERM");
    wait_until_refused(server.port());
    let answer = held.finish();

    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains("in-flight@example.test"), "{answer}");
    let exit = server.wait_for_exit();
    assert_eq!(
        exit.code,
        Some(0),
        "a graceful stop exits 0:\n{}",
        exit.stderr
    );
    assert!(!exit.stderr.contains("WARN"), "{}", exit.stderr);
    assert_folded(
        dir.path(),
        &["before@example.test", "in-flight@example.test"],
    );
}

#[tokio::test]
async fn a_request_still_running_at_the_shutdown_bound_is_dropped_and_the_exit_is_still_0() {
    let dir = tempfile::TempDir::new().expect("a data folder that outlives the server");
    let server = Server::start(
        &[("AUTH_TYPE", "none"), ("SHUTDOWN_TIMEOUT_SECONDS", "1")],
        Some(dir.path()),
    )
    .await;
    server
        .create_user(
            &Creds::none(),
            json!({"email": "kept@example.test", "password": "pw"}),
        )
        .await;
    let held = HeldCreation::start(&server, "never-finished@example.test");

    server.signal("TERM");
    let exit = server.wait_for_exit();

    assert_eq!(exit.code, Some(0), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("shutdown timeout"),
        "a warning says requests were cut off:\n{}",
        exit.stderr
    );
    assert!(held.wait_for_close().is_empty(), "no answer was sent");
    assert_folded(dir.path(), &["kept@example.test"]);
}

#[tokio::test]
async fn sigint_stops_the_server_like_sigterm() {
    let server = Server::start(&[("AUTH_TYPE", "none")], None).await;
    server.signal("INT");
    let exit = server.wait_for_exit();
    assert_eq!(exit.code, Some(0), "{}", exit.stderr);
    assert!(exit.stderr.contains("stopped"), "{}", exit.stderr);
}

#[tokio::test]
async fn a_request_longer_than_the_request_timeout_is_answered_503_in_json() {
    let server = Server::start(
        &[("AUTH_TYPE", "none"), ("REQUEST_TIMEOUT_SECONDS", "1")],
        None,
    )
    .await;
    let held = HeldCreation::start(&server, "slow@example.test");
    // The body never comes: after a second the server gives up on the request.
    let head = held.answer_without_body();
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/json"), "{head}");
    assert!(lower.contains("x-request-id: "), "{head}");
    assert!(lower.contains("access-control-allow-origin: *"), "{head}");
    // The server still serves, and nothing was created.
    let users = server.users(&Creds::none()).await;
    assert_eq!(users, json!([]));
    let exit = server.terminate();
    assert!(
        exit.stderr.contains("timed out after 1 s"),
        "{}",
        exit.stderr
    );
    assert!(
        exit.stderr.contains("path=/api/v1/users status=503"),
        "{}",
        exit.stderr
    );
}

//! Running the real `api` binary: start it on a free port, wait until it answers, talk to it,
//! kill it when the test is done.

use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::Value;
use tempfile::TempDir;

use super::fixtures::{seeded_dir, U1};
use super::http::Creds;

/// The binary under test, built by cargo for this test crate.
const BINARY: &str = env!("CARGO_BIN_EXE_api");
/// How long a server may take to answer its first request (or a failing one to exit).
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How often readiness and exit are polled.
const POLL: Duration = Duration::from_millis(50);
/// How many times a start is retried when another process grabbed the chosen port first.
const PORT_ATTEMPTS: usize = 3;

/// How the binary learns where its data folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataDirBy {
    /// `DATA_DIR=<folder>`, run from an unrelated working directory.
    Variable,
    /// No `DATA_DIR`; the folder is the working directory.
    WorkingDir,
}

/// A running `api` process on 127.0.0.1, killed when dropped.
pub struct Server {
    child: Child,
    port: u16,
    data_dir: PathBuf,
    owned_data_dir: Option<TempDir>,
    logs: TempDir,
    pub(super) client: Client,
}

/// How a process that was expected to refuse to start ended.
#[derive(Debug)]
pub struct Exit {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl Server {
    /// Starts the binary with `env` on top of the harness defaults (loopback host, free port,
    /// cheap Argon2), serving `data_dir` or, when `None`, a fresh empty temporary folder.
    pub async fn start(env: &[(&str, &str)], data_dir: Option<&Path>) -> Server {
        match data_dir {
            Some(dir) => Server::launch(env, dir, DataDirBy::Variable).await,
            None => {
                let dir = TempDir::new().expect("a temporary data folder can be created");
                let mut server = Server::launch(env, dir.path(), DataDirBy::Variable).await;
                server.owned_data_dir = Some(dir);
                server
            }
        }
    }

    /// Starts a seeded server and authenticates U1 once with Basic (so `env` must enable
    /// `basic_auth`), so that its legacy hash upgrade has happened before any snapshot is taken.
    pub async fn start_seeded_upgraded(env: &[(&str, &str)]) -> Server {
        let server = Server::start_seeded(env).await;
        server
            .get("/api/v1/users/me", &Creds::user(&U1))
            .await
            .assert_status(200);
        server
    }

    /// Starts the binary on a fresh folder seeded with U1, U2 and U3 in the original's format.
    pub async fn start_seeded(env: &[(&str, &str)]) -> Server {
        let dir = seeded_dir();
        let mut server = Server::launch(env, dir.path(), DataDirBy::Variable).await;
        server.owned_data_dir = Some(dir);
        server
    }

    /// Starts the binary without `DATA_DIR`, with `dir` as its working directory.
    pub async fn start_in_working_dir(env: &[(&str, &str)], dir: &Path) -> Server {
        Server::launch(env, dir, DataDirBy::WorkingDir).await
    }

    async fn launch(env: &[(&str, &str)], data_dir: &Path, by: DataDirBy) -> Server {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("the HTTP client builds");
        for attempt in 1..=PORT_ATTEMPTS {
            let logs = TempDir::new().expect("a temporary log folder can be created");
            let port = free_port();
            let child = command(env, data_dir, logs.path(), port, by)
                .spawn()
                .expect("the api binary can be spawned");
            let mut server = Server {
                child,
                port,
                data_dir: data_dir.to_path_buf(),
                owned_data_dir: None,
                logs,
                client: client.clone(),
            };
            match server.wait_until_ready().await {
                Ok(()) => return server,
                Err(problem) => {
                    let stderr = server.stderr();
                    if attempt < PORT_ATTEMPTS && stderr.to_lowercase().contains("in use") {
                        continue;
                    }
                    panic!("the api binary did not start: {problem}\n--- stderr ---\n{stderr}");
                }
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let url = self.url("/api/v1/status");
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("it exited early with {status}"));
            }
            let probe = self.client.get(&url).timeout(Duration::from_millis(500));
            if probe.send().await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
        Err(format!("no answer on {url} within {START_TIMEOUT:?}"))
    }

    /// Returns the port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns the full URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Returns the data folder the server was started on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Returns everything the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        fs::read_to_string(self.logs.path().join("stderr.log")).unwrap_or_default()
    }

    /// Returns the text of a data file as the server sees it: with the changes still waiting in
    /// its journal folded in (the file itself catches up at shutdown), or `None` when there is
    /// no data yet.
    pub fn data_file(&self, name: &str) -> Option<String> {
        let bytes = storage::file::current_contents(&self.data_dir, name).ok()??;
        String::from_utf8(bytes).ok()
    }

    /// Parses `.db_User.json`, failing the test when it is missing or not JSON.
    pub fn users_file(&self) -> Value {
        let text = self
            .data_file(".db_User.json")
            .expect(".db_User.json exists");
        serde_json::from_str(&text).expect(".db_User.json is JSON")
    }

    /// Parses `.db_UserSession.json`; a missing file reads as an empty object.
    pub fn sessions_file(&self) -> Value {
        match self.data_file(".db_UserSession.json") {
            Some(text) => serde_json::from_str(&text).expect(".db_UserSession.json is JSON"),
            None => Value::Object(serde_json::Map::new()),
        }
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and waits for it.
    pub fn kill(mut self) {
        self.kill_child();
    }

    /// Sends SIGTERM, as a service manager stopping the server would, and waits (bounded) for
    /// the process to exit.
    pub fn terminate(self) -> Exit {
        self.signal("TERM");
        self.wait_for_exit()
    }

    /// Sends the signal `name` (`TERM`, `INT`, ...) without waiting for anything.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status();
        assert!(
            sent.is_ok_and(|status| status.success()),
            "SIG{name} could not be sent"
        );
    }

    /// Waits (bounded) for the process to exit after a signal, and returns how it ended.
    pub fn wait_for_exit(mut self) -> Exit {
        let deadline = Instant::now() + START_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the child can be polled") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after the signal:\n{}",
                self.stderr()
            );
            std::thread::sleep(POLL);
        };
        Exit {
            code: status.code(),
            stderr: self.stderr(),
        }
    }

    fn kill_child(&mut self) {
        // Killing an already finished child fails harmlessly; waiting reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_child();
    }
}

/// Runs the binary with `env` on `data_dir` until it exits by itself (it must, within the
/// start timeout) and returns its exit code and stderr.
pub fn run_to_exit(env: &[(&str, &str)], data_dir: &Path) -> Exit {
    let logs = TempDir::new().expect("a temporary log folder can be created");
    let mut child = command(env, data_dir, logs.path(), free_port(), DataDirBy::Variable)
        .spawn()
        .expect("the api binary can be spawned");
    let Some(status) = wait_at_most(&mut child, START_TIMEOUT) else {
        let stderr = fs::read_to_string(logs.path().join("stderr.log")).unwrap_or_default();
        panic!("the api binary was expected to refuse to start but kept running\n--- stderr ---\n{stderr}");
    };
    Exit {
        code: status.code(),
        stderr: fs::read_to_string(logs.path().join("stderr.log")).unwrap_or_default(),
    }
}

/// Waits for `child` to exit, polling, for at most `timeout`; past it, kills it and returns
/// `None`.
pub fn wait_at_most(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be polled") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// Builds the command line: a clean environment with the harness defaults, then `env`.
fn command(
    env: &[(&str, &str)],
    data_dir: &Path,
    logs: &Path,
    port: u16,
    by: DataDirBy,
) -> Command {
    let mut command = Command::new(BINARY);
    // A clean environment: nothing from the developer's shell (AUTH_TYPE, RUST_LOG ...) leaks in.
    command
        .env_clear()
        .env("API_HOST", "127.0.0.1")
        .env("API_PORT", port.to_string())
        .env("ARGON2_MEMORY_KIB", "8")
        .env("ARGON2_ITERATIONS", "1")
        .env("ARGON2_PARALLELISM", "1");
    match by {
        DataDirBy::Variable => {
            // Run from the log folder so a binary ignoring DATA_DIR leaves its files elsewhere.
            command.env("DATA_DIR", data_dir).current_dir(logs);
        }
        DataDirBy::WorkingDir => {
            command.current_dir(data_dir);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let stdout = File::create(logs.join("stdout.log")).expect("the stdout log can be created");
    let stderr = File::create(logs.join("stderr.log")).expect("the stderr log can be created");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr));
    command
}

/// Asks the OS for a free loopback port and releases it for the server to bind.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port can be bound");
    listener
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

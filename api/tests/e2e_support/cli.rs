//! Running the `api` binary as a command (`api user ...`, `api --version`): arguments, a clean
//! environment, optional standard input, and what it printed and how it exited.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use super::server::wait_at_most;

/// The binary under test, built by cargo for this test crate.
const BINARY: &str = env!("CARGO_BIN_EXE_api");
/// How long a command may run before the test fails (Argon2 is cheap in the harness).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);

/// How a command ended and what it printed.
#[derive(Debug)]
pub struct CommandOutput {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl CommandOutput {
    /// Asserts exit code 0 and returns stdout.
    pub fn success(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success:\n{self:#?}");
        &self.stdout
    }

    /// Asserts the exit code and that stderr holds every needle.
    pub fn assert_failure(&self, code: i32, needles: &[&str]) -> &CommandOutput {
        assert_eq!(self.code, Some(code), "exit code:\n{self:#?}");
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}:\n{self:#?}"
            );
        }
        self
    }
}

/// Runs `api <arguments>` on `data_dir` with the harness environment (cheap Argon2,
/// `DATA_DIR`) plus `env`, feeding `stdin` when given (otherwise stdin is empty, not a
/// terminal), and waits (bounded) for it to exit.
pub fn run_cli(
    arguments: &[&str],
    env: &[(&str, &str)],
    data_dir: &Path,
    stdin: Option<&str>,
) -> CommandOutput {
    let logs = TempDir::new().expect("a temporary log folder can be created");
    let stdout_path = logs.path().join("stdout.log");
    let stderr_path = logs.path().join("stderr.log");
    let mut command = Command::new(BINARY);
    command
        .args(arguments)
        .env_clear()
        .env("ARGON2_MEMORY_KIB", "8")
        .env("ARGON2_ITERATIONS", "1")
        .env("ARGON2_PARALLELISM", "1")
        .env("DATA_DIR", data_dir)
        .current_dir(logs.path())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(File::create(&stdout_path).expect("the stdout log can be created"))
        .stderr(File::create(&stderr_path).expect("the stderr log can be created"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the api binary can be spawned");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A command that exits before reading closes the pipe; that is its answer, not ours.
        let _ = pipe.write_all(text.as_bytes());
    }
    let Some(status) = wait_at_most(&mut child, COMMAND_TIMEOUT) else {
        panic!(
            "api {arguments:?} did not exit within {COMMAND_TIMEOUT:?}\n--- stderr ---\n{}",
            fs::read_to_string(&stderr_path).unwrap_or_default()
        );
    };
    CommandOutput {
        code: status.code(),
        stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
    }
}

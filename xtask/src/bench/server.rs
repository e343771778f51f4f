//! A server under test as a child process: started on a free loopback port, awaited until it
//! answers, measured (peak resident memory from `/proc/<pid>/status`), and killed.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::error::BenchError;
use super::http_probe;

/// How often readiness is probed: often enough for start-up times in milliseconds.
const READY_POLL: Duration = Duration::from_millis(5);

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerCommand {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its whole environment: nothing is inherited, so a stray `AUTH_TYPE` or `ARGON2_*` in the
    /// caller's shell cannot change what is measured.
    pub env: Vec<(String, String)>,
    /// Its working folder.
    pub dir: PathBuf,
    /// Where its standard error goes.
    pub log: PathBuf,
    /// The path that answers 200 once it is ready.
    pub ready_path: &'static str,
}

/// A started server; killed when dropped.
#[derive(Debug)]
pub struct RunningServer {
    child: Child,
    address: SocketAddr,
    log: PathBuf,
    ready_after: Duration,
}

/// A loopback address with a port that was free a moment ago.
pub fn free_loopback_address() -> Result<SocketAddr, BenchError> {
    // Binding port 0 and closing leaves a small window for another process to take the port;
    // on a benchmark machine that is an acceptable risk, and a clash fails loudly at start.
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map_err(|source| BenchError::io("finding a free port", source))
}

impl RunningServer {
    /// Starts `command` and waits until `GET ready_path` on `address` answers 200, at most
    /// `timeout`.
    pub fn start(
        command: &ServerCommand,
        address: SocketAddr,
        timeout: Duration,
    ) -> Result<Self, BenchError> {
        let log = File::create(&command.log)
            .map_err(|source| BenchError::io("creating the server log", source))?;
        let started = Instant::now();
        let child = Command::new(&command.program)
            .args(&command.args)
            .env_clear()
            .envs(command.env.iter().map(|(name, value)| (name, value)))
            .current_dir(&command.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| {
                BenchError::io(format!("starting {}", command.program.display()), source)
            })?;
        let mut server = RunningServer {
            child,
            address,
            log: command.log.clone(),
            ready_after: Duration::ZERO,
        };
        loop {
            if let Ok(200) = http_probe::get_status(address, command.ready_path) {
                server.ready_after = started.elapsed();
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(BenchError::ServerExited {
                    status: status.to_string(),
                    log_tail: log_tail(&server.log),
                });
            }
            if started.elapsed() > timeout {
                return Err(BenchError::NotReady {
                    seconds: timeout.as_secs(),
                    log_tail: log_tail(&server.log),
                });
            }
            std::thread::sleep(READY_POLL);
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How long after the process started it first answered.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// The process's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        parse_vm_hwm_kib(&status)
    }

    /// The last lines the server logged, for error messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// Kills the server and waits for it (the data folder is thrown away, so there is
    /// nothing for a graceful shutdown to save).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `VmHWM` (peak resident set) line of a `/proc/<pid>/status` text, in KiB.
pub fn parse_vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|number| number.trim().parse().ok())
}

/// The last few lines of the log at `path` (empty when unreadable).
fn log_tail(path: &Path) -> String {
    const LINES: usize = 10;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LINES)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_resident_set_is_read_from_proc_status() {
        let status = "Name:\tapi\nVmPeak:\t  900000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t  10000 kB\n";
        assert_eq!(parse_vm_hwm_kib(status), Some(12345));
        assert_eq!(parse_vm_hwm_kib("Name:\tapi\n"), None);
        assert_eq!(parse_vm_hwm_kib("VmHWM:\tlots kB\n"), None);
    }

    #[test]
    fn this_process_has_a_peak_resident_set() {
        let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
        assert!(parse_vm_hwm_kib(&status).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn the_log_tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("log");
        let text: String = (1..=15).map(|n| format!("line {n}\n")).collect();
        std::fs::write(&path, text).expect("writing the log");
        let tail = log_tail(&path);
        assert!(
            tail.starts_with("line 6\n") && tail.ends_with("line 15"),
            "{tail}"
        );
        assert_eq!(log_tail(&dir.path().join("missing")), "");
    }
}

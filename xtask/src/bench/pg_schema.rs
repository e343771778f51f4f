//! A PostgreSQL scenario's own schema: named uniquely, filled by `api migrate` from the data
//! folder the bench seeded as for the file store, handed to the server, and dropped afterwards.
//!
//! Seeding through `api migrate` rather than SQL of the bench's own keeps the bench free of a
//! database client and of the service's table layout: the rows are exactly the ones the
//! service's copy writes. Each round of each scenario gets a fresh schema, so no run sees
//! another's sessions.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::error::BenchError;
use storage::postgres::redact_password;

/// The longest PostgreSQL identifier (longer ones are silently truncated by the server).
const MAX_IDENTIFIER_LEN: usize = 63;

/// How long `api migrate` may take before the scenario counts as failed: it copies one record
/// per round trip, so a few hundred thousand sessions take minutes on a slow machine.
const MIGRATE_TIMEOUT: Duration = Duration::from_secs(900);

/// How often the migration is checked for its end.
const MIGRATE_POLL: Duration = Duration::from_millis(20);

/// Tells apart the schemas of one bench process: every round of every scenario gets its own.
static SCHEMAS_CREATED: AtomicU64 = AtomicU64::new(0);

/// A schema holding one scenario's users and sessions; dropped when this value is.
#[derive(Debug)]
pub struct BenchSchema {
    url: String,
    name: String,
    dropped: bool,
}

/// A new schema's name, `bench_<scenario>_<pid>_<counter>`: lowercase letters, digits and
/// underscores only, at most 63 characters, as `DATABASE_SCHEMA` requires.
pub fn schema_name(scenario: &str, pid: u32, counter: u64) -> String {
    let scenario: String = scenario
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '_',
        })
        .collect();
    let suffix = format!("_{pid}_{counter}");
    let room = MAX_IDENTIFIER_LEN - "bench_".len() - suffix.len();
    let scenario = &scenario[..scenario.len().min(room)];
    format!("bench_{scenario}{suffix}")
}

impl BenchSchema {
    /// Copies the data folder `data` into a new schema of `url` with `api migrate`, its output
    /// going to `log`, and returns the schema with the seconds the copy took.
    pub fn migrate(
        api: &Path,
        url: &str,
        scenario: &str,
        data: &Path,
        log: &Path,
    ) -> Result<(Self, f64), BenchError> {
        let counter = SCHEMAS_CREATED.fetch_add(1, Ordering::Relaxed);
        let name = schema_name(scenario, std::process::id(), counter);
        let log_file = File::create(log)
            .map_err(|source| BenchError::io("creating the migrate log", source))?;
        let err_file = log_file
            .try_clone()
            .map_err(|source| BenchError::io("creating the migrate log", source))?;
        let started = Instant::now();
        // The URL goes in the environment rather than `--to`: a password on a command line is
        // visible to every user of the machine. `migrate` sets `STORAGE=postgres` itself; the
        // server's variables say it anyway.
        let mut child = Command::new(api)
            .arg("migrate")
            .arg("--from")
            .arg(data)
            .env_clear()
            .envs(server_env(url, &name))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|source| {
                BenchError::io(format!("starting {} migrate", api.display()), source)
            })?;
        // From here on the schema may exist (migrate creates it first), so even a failure
        // drops it, when `schema` goes.
        let schema = BenchSchema {
            url: url.to_string(),
            name,
            dropped: false,
        };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > MIGRATE_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(BenchError::Setup(format!(
                        "api migrate did not finish within {} s",
                        MIGRATE_TIMEOUT.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(MIGRATE_POLL),
                Err(source) => return Err(BenchError::io("waiting for api migrate", source)),
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        if !status.success() {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = output.lines().collect();
            let tail = lines[lines.len().saturating_sub(10)..].join("\n");
            return Err(BenchError::Setup(format!(
                "api migrate into schema {} exited with {status}: {tail}",
                schema.name
            )));
        }
        Ok((schema, seconds))
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The variables that point the server at this schema.
    pub fn server_env(&self) -> Vec<(String, String)> {
        server_env(&self.url, &self.name)
    }

    /// Drops the schema with `psql` now, warning on standard error when that fails; once the
    /// server using it has stopped.
    pub fn drop_now(mut self) {
        self.drop_schema();
    }

    fn drop_schema(&mut self) {
        if self.dropped {
            return;
        }
        self.dropped = true;
        let statement = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name);
        let output = Command::new("psql")
            .args(["-X", "-w", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(&self.url)
            .args(["-c", &statement])
            // Fail rather than hang if something still holds the schema's tables.
            .env("PGOPTIONS", "-c lock_timeout=10000")
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null())
            .output();
        let failure = match output {
            Ok(output) if output.status.success() => return,
            Ok(output) => format!(
                "psql exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(error) => format!("cannot run psql: {error}"),
        };
        eprintln!(
            "warning: schema {} of {} was left behind ({failure}); drop it with: {statement}",
            self.name,
            redact_password(&self.url)
        );
    }
}

/// The variables that point the service at schema `name` of the database at `url`.
fn server_env(url: &str, name: &str) -> Vec<(String, String)> {
    vec![
        ("STORAGE".to_string(), "postgres".to_string()),
        ("DATABASE_URL".to_string(), url.to_string()),
        ("DATABASE_SCHEMA".to_string(), name.to_string()),
    ]
}

impl Drop for BenchSchema {
    fn drop(&mut self) {
        self.drop_schema();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_valid_schema_name(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= MAX_IDENTIFIER_LEN
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }

    #[test]
    fn schema_names_are_valid_and_tell_the_scenario_process_and_round_apart() {
        let name = schema_name("login-logout-100k-pg", 4242, 7);
        assert_eq!(name, "bench_login_logout_100k_pg_4242_7");
        assert!(is_valid_schema_name(&name));
        assert_ne!(name, schema_name("login-logout-100k-pg", 4242, 8));
        assert_ne!(name, schema_name("login-logout-100k-pg", 4243, 7));
    }

    #[test]
    fn long_or_odd_scenario_names_still_give_valid_schema_names() {
        let name = schema_name(&"Very-Long.Name ".repeat(10), u32::MAX, u64::MAX);
        assert!(is_valid_schema_name(&name), "{name}");
        assert!(
            name.ends_with(&format!("_{}_{}", u32::MAX, u64::MAX)),
            "{name}"
        );
        assert!(is_valid_schema_name(&schema_name("é", 1, 1)));
    }

    #[test]
    fn the_server_is_pointed_at_the_schema() {
        assert_eq!(
            server_env("postgres://postgres@127.0.0.1:5432/test", "bench_x_1_0"),
            [
                ("STORAGE".to_string(), "postgres".to_string()),
                (
                    "DATABASE_URL".to_string(),
                    "postgres://postgres@127.0.0.1:5432/test".to_string()
                ),
                ("DATABASE_SCHEMA".to_string(), "bench_x_1_0".to_string()),
            ]
        );
    }

    #[test]
    fn a_migration_that_cannot_start_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let error = BenchSchema::migrate(
            &dir.path().join("no-such-api"),
            "postgres://postgres@127.0.0.1:1/test",
            "me-session-db-auth-pg",
            dir.path(),
            &dir.path().join("migrate.log"),
        )
        .map(|(schema, _)| schema.name().to_string())
        .expect_err("there is no api binary");
        assert!(error.to_string().contains("migrate"), "{error}");
    }
}

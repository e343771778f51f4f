//! The command line of `cargo xtask bench`, parsed once into typed options.

use std::fmt;

/// The usage text of `cargo xtask bench --help`.
pub const USAGE: &str = "\
usage: cargo xtask bench [options]

Builds the release binaries, then measures each scenario against a fresh server and prints a
table with the target checks (also written to target/bench-results.md).

options:
  --seconds N          measured seconds per load scenario (default 4; a 0.5 s warm-up precedes)
  --connections N      concurrent keep-alive connections (default 16)
  --load-threads N     threads of the load generator (default 1)
  --rounds N           interleaved rounds of the load scenarios (default 5); each reports its
                       rate over all rounds, with the latencies and memory of its median round
                       (the shared machine's noise moves single windows by 10% or more)
  --only NAME[,NAME]   run only these scenarios (repeatable; the bare-axum reference always runs)
  --stored N           records in the \"100k\" scenarios on files (default 100000)
  --stored-pg N        sessions in login-logout-100k-pg (default 20000: api migrate seeds them
                       at about a thousand a second, for every round)
  --startup-records N  users and sessions in the start-up scenario (default 1000000)
  --database-url URL   PostgreSQL of the *-pg scenarios; each gets a fresh schema, dropped after
                       (default $BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test);
                       when nothing listens there, those scenarios are skipped
  --no-build           use the release binaries already in target/release
  -h, --help           print this text";

/// The database of the `*-pg` scenarios when neither `--database-url` nor
/// [`DATABASE_URL_VARIABLE`] says otherwise: the development machine's local PostgreSQL.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The environment variable giving the default of `--database-url`.
pub const DATABASE_URL_VARIABLE: &str = "BENCH_DATABASE_URL";

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum BenchCommand {
    /// Print the usage text.
    Help,
    /// Run the benchmark.
    Run(BenchOptions),
}

/// The benchmark's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchOptions {
    /// Measured seconds per load scenario.
    pub seconds: f64,
    /// Concurrent connections of the load generator.
    pub connections: usize,
    /// Threads of the load generator.
    pub load_threads: usize,
    /// Interleaved rounds of the load scenarios; each scenario reports its rate over all of
    /// them, with the latencies and memory of its median round.
    pub rounds: usize,
    /// The scenarios to run; empty means all.
    pub only: Vec<String>,
    /// Records in the file scenarios with many stored users or sessions.
    pub stored: u64,
    /// Sessions in the PostgreSQL scenario with many stored sessions.
    pub stored_pg: u64,
    /// Users (and as many sessions) in the start-up scenario.
    pub startup_records: u64,
    /// The PostgreSQL database of the `*-pg` scenarios.
    pub database_url: String,
    /// Whether to skip `cargo build --release` and run the binaries already built.
    pub no_build: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            seconds: 4.0,
            connections: 16,
            load_threads: 1,
            rounds: 5,
            only: Vec::new(),
            stored: 100_000,
            stored_pg: 20_000,
            startup_records: 1_000_000,
            database_url: DEFAULT_DATABASE_URL.to_string(),
            no_build: false,
        }
    }
}

impl BenchOptions {
    /// Whether the scenario called `name` is selected.
    pub fn selects(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|only| only == name)
    }
}

/// A command line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError(String);

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after `bench`, with `--database-url` defaulting to
/// [`DATABASE_URL_VARIABLE`] from the environment.
pub fn parse(args: &[String]) -> Result<BenchCommand, OptionsError> {
    parse_with_default_database(args, std::env::var(DATABASE_URL_VARIABLE).ok())
}

/// Parses the arguments after `bench`; `--flag value` and `--flag=value` are both accepted.
/// `env_database_url` is the value of [`DATABASE_URL_VARIABLE`] (empty counts as unset).
fn parse_with_default_database(
    args: &[String],
    env_database_url: Option<String>,
) -> Result<BenchCommand, OptionsError> {
    let mut options = BenchOptions::default();
    if let Some(url) = env_database_url.filter(|url| !url.trim().is_empty()) {
        options.database_url = database_url(DATABASE_URL_VARIABLE, url)?;
    }
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        if matches!(flag, "-h" | "--help") {
            return Ok(BenchCommand::Help);
        }
        if flag == "--no-build" && inline.is_none() {
            options.no_build = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| rest.next().cloned())
                .ok_or_else(|| OptionsError(format!("{flag} needs a value")))
        };
        match flag {
            "--seconds" => {
                let text = value()?;
                options.seconds = text
                    .parse::<f64>()
                    .ok()
                    .filter(|seconds| seconds.is_finite() && *seconds > 0.0 && *seconds <= 3600.0)
                    .ok_or_else(|| {
                        OptionsError(format!("--seconds expects 0 < N <= 3600, got {text:?}"))
                    })?;
            }
            "--connections" => options.connections = positive(flag, &value()?, 10_000)?,
            "--load-threads" => options.load_threads = positive(flag, &value()?, 256)?,
            "--rounds" => options.rounds = positive(flag, &value()?, 99)?,
            "--only" => {
                let names = value()?;
                options.only.extend(
                    names
                        .split(',')
                        .map(str::trim)
                        .filter(|name| !name.is_empty())
                        .map(str::to_string),
                );
            }
            "--stored" => options.stored = positive(flag, &value()?, 100_000_000)? as u64,
            "--stored-pg" => options.stored_pg = positive(flag, &value()?, 100_000_000)? as u64,
            "--startup-records" => {
                options.startup_records = positive(flag, &value()?, 100_000_000)? as u64;
            }
            "--database-url" => options.database_url = database_url(flag, value()?)?,
            _ => return Err(OptionsError(format!("unknown option {arg:?}"))),
        }
    }
    Ok(BenchCommand::Run(options))
}

/// Accepts a `postgres://` or `postgresql://` URL, as the service's `DATABASE_URL` does.
fn database_url(source: &str, url: String) -> Result<String, OptionsError> {
    let url = url.trim().to_string();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url)
    } else {
        Err(OptionsError(format!(
            "{source} expects a URL like postgres://user@host:5432/database, got {:?}",
            storage::postgres::redact_password(&url)
        )))
    }
}

/// The arguments as the report shows them: without `--no-build`, which only the delegated run
/// gets, and with any password of `--database-url` replaced by `***`.
pub fn shown_args(args: &[String]) -> Vec<String> {
    let mut shown = Vec::with_capacity(args.len());
    let mut url_follows = false;
    for arg in args {
        if arg == "--no-build" {
            continue;
        }
        if url_follows {
            shown.push(storage::postgres::redact_password(arg));
        } else if let Some(url) = arg.strip_prefix("--database-url=") {
            shown.push(format!(
                "--database-url={}",
                storage::postgres::redact_password(url)
            ));
        } else {
            shown.push(arg.clone());
        }
        url_follows = arg == "--database-url";
    }
    shown
}

/// Parses a whole number in `1..=max`.
fn positive(flag: &str, text: &str, max: usize) -> Result<usize, OptionsError> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| OptionsError(format!("{flag} expects 1 <= N <= {max}, got {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn parse(args: &[String]) -> Result<BenchCommand, OptionsError> {
        // The tests must not depend on the caller's BENCH_DATABASE_URL.
        parse_with_default_database(args, None)
    }

    fn run_options(text: &str) -> BenchOptions {
        match parse(&args(text)) {
            Ok(BenchCommand::Run(options)) => options,
            other => panic!("expected options from {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn no_arguments_mean_the_defaults() {
        assert_eq!(run_options(""), BenchOptions::default());
        assert!(BenchOptions::default().selects("status"));
    }

    #[test]
    fn every_flag_is_read_in_both_spellings() {
        let options = run_options(
            "--seconds 2.5 --connections=8 --load-threads 2 --only status,me-session-auth \
             --only=startup --stored 1000 --stored-pg=700 --startup-records=5000 --no-build",
        );
        assert_eq!(options.seconds, 2.5);
        assert_eq!(run_options("--rounds 5").rounds, 5);
        assert_eq!(run_options("--rounds=1").rounds, 1);
        assert_eq!(options.connections, 8);
        assert_eq!(options.load_threads, 2);
        assert_eq!(options.only, ["status", "me-session-auth", "startup"]);
        assert_eq!(options.stored, 1000);
        assert_eq!(options.stored_pg, 700);
        assert_eq!(options.startup_records, 5000);
        assert!(options.no_build);
        assert!(options.selects("startup") && !options.selects("create-0"));
    }

    #[test]
    fn help_wins_over_everything_else() {
        assert_eq!(parse(&args("--seconds 3 --help")), Ok(BenchCommand::Help));
        assert_eq!(parse(&args("-h")), Ok(BenchCommand::Help));
    }

    #[test]
    fn bad_values_and_unknown_flags_are_refused_with_their_name() {
        for (text, needle) in [
            ("--seconds 0", "--seconds"),
            ("--seconds nan", "--seconds"),
            ("--connections 0", "--connections"),
            ("--rounds 0", "--rounds"),
            ("--connections", "needs a value"),
            ("--stored -5", "--stored"),
            ("--stored-pg 0", "--stored-pg"),
            ("--fast", "unknown option"),
            ("--no-build=yes", "unknown option"),
            ("--database-url mysql://db/test", "--database-url"),
            ("--database-url", "needs a value"),
        ] {
            let error = parse(&args(text)).expect_err(text);
            assert!(error.to_string().contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn the_database_url_comes_from_the_flag_then_the_environment_then_the_default() {
        assert_eq!(run_options("").database_url, DEFAULT_DATABASE_URL);
        let from_env = |value: &str, text: &str| match parse_with_default_database(
            &args(text),
            Some(value.to_string()),
        ) {
            Ok(BenchCommand::Run(options)) => Ok(options.database_url),
            Ok(other) => panic!("expected options, got {other:?}"),
            Err(error) => Err(error.to_string()),
        };
        assert_eq!(
            from_env("postgres://bench@db:6543/bench", ""),
            Ok("postgres://bench@db:6543/bench".to_string())
        );
        assert_eq!(
            from_env(
                "postgres://env@db/x",
                "--database-url=postgresql://flag@db/y"
            ),
            Ok("postgresql://flag@db/y".to_string())
        );
        assert_eq!(
            from_env("", ""),
            Ok(DEFAULT_DATABASE_URL.to_string()),
            "an empty variable counts as unset"
        );
        let refused = from_env("db:5432", "").expect_err("not a URL");
        assert!(refused.contains(DATABASE_URL_VARIABLE), "{refused}");
    }

    #[test]
    fn a_refused_database_url_does_not_echo_its_password() {
        let error = parse(&args("--database-url mysql://me:secret@db/test")).expect_err("refused");
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn the_shown_command_hides_database_passwords_and_the_delegation_flag() {
        let shown = shown_args(&args(
            "--no-build --database-url postgres://me:secret@db/x --rounds 1 \
             --database-url=postgres://me:hush@db/y",
        ));
        assert_eq!(
            shown,
            [
                "--database-url",
                "postgres://me:***@db/x",
                "--rounds",
                "1",
                "--database-url=postgres://me:***@db/y"
            ]
        );
    }
}

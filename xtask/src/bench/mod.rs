//! The `bench` task: measures the service under load against a bare axum endpoint.
//!
//! It builds the release binaries, then for each scenario writes a fresh data folder (under a
//! temporary `target/bench-*` folder removed at the end; the `*-pg` scenarios copy it into a
//! fresh PostgreSQL schema, dropped after), starts the server on a loopback port,
//! drives it from the separate `loadgen` process, and reads the server's peak memory. It prints
//! a table and the target checks (PASS/FAIL) and writes them as Markdown to
//! `target/bench-results.md`. A missed target is a finding, not an error: the exit code is 0
//! whenever the benchmark itself could run.

mod database;
mod error;
mod fake_ids;
mod flood;
mod format;
mod http_probe;
mod machine;
mod options;
mod pg_schema;
mod report;
mod results;
mod rounds;
mod runner;
mod scenarios;
mod seed;
mod server;
mod table;
mod targets;

use std::path::Path;
use std::process::{Command, ExitCode};

use domain::{Clock, SystemClock};

use crate::cargo::{self, CargoCommand};
use options::BenchCommand;
use results::{BenchResults, LoadOutcome, LoadRow};
use rounds::Rounds;
use runner::{BenchContext, LoadMeasurement};
use seed::SeedMaterial;

/// Builds every binary the bench runs: the service, the reference server, the load generator.
const BUILD: CargoCommand =
    CargoCommand::new(&["build", "--release", "-p", "api", "-p", "xtask", "--bins"]);

/// Where the Markdown report goes, inside the target folder.
const RESULTS_FILE: &str = "bench-results.md";

/// Runs the benchmark; see [`options::USAGE`].
pub fn run(args: &[String]) -> ExitCode {
    let options = match options::parse(args) {
        Ok(BenchCommand::Help) => {
            println!("{}", options::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(BenchCommand::Run(options)) => options,
        Err(error) => {
            eprintln!("error: {error}\n\n{}", options::USAGE);
            return ExitCode::from(2);
        }
    };
    let known: Vec<&str> = scenarios::names().collect();
    if let Some(unknown) = options
        .only
        .iter()
        .find(|name| !known.contains(&name.as_str()))
    {
        eprintln!(
            "error: unknown scenario {unknown:?}; the scenarios are: {}",
            known.join(", ")
        );
        return ExitCode::from(2);
    }

    let target = cargo::target_dir();
    let release = target.join("release");
    let release_xtask = release.join("xtask");
    // `cargo xtask` runs an unoptimised build; writing a million seed records is several times
    // faster optimised, so after building, the run is handed to the release build of this very
    // task (with `--no-build`).
    let delegated = is_current_exe(&release_xtask);
    if !options.no_build {
        eprintln!("==> building the release binaries: {BUILD}");
        if let Err(failure) = BUILD.run() {
            eprintln!("error: the build failed ({failure}): {BUILD}");
            return ExitCode::FAILURE;
        }
    } else if !delegated {
        eprintln!("==> using the release binaries already built (--no-build)");
    }
    if !delegated {
        return delegate(&release_xtask, args);
    }
    let root = match tempfile::Builder::new()
        .prefix("bench-")
        .tempdir_in(&target)
    {
        Ok(root) => root,
        Err(error) => {
            eprintln!(
                "error: cannot create a folder under {}: {error}",
                target.display()
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!("==> hashing the benchmark password with the default Argon2id parameters");
    let material = match SeedMaterial::generate() {
        Ok(material) => material,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let ctx = BenchContext {
        options,
        root: root.path().to_path_buf(),
        api: release.join("api"),
        bare_axum: release.join("bare_axum"),
        xtask: release_xtask,
        material,
    };

    // Read before measuring: the load average then says what else was running.
    let machine = machine::Machine::detect().describe();
    eprintln!("==> machine: {machine}");
    let results = measure(&ctx);
    let checks = targets::target_checks(&results);
    println!("\n{}", report::to_text(&results, &checks));

    let date = format!("{} UTC", SystemClock.now());
    // The delegated run gets `--no-build`; the command shown is the one to type again.
    let command = ["cargo xtask bench".to_string()]
        .into_iter()
        .chain(options::shown_args(args))
        .collect::<Vec<_>>()
        .join(" ");
    let header = report::RunHeader {
        date,
        machine,
        revision: revision(),
        command,
    };
    let markdown = report::to_markdown(&results, &checks, &header);
    let path = target.join(RESULTS_FILE);
    match std::fs::write(&path, markdown) {
        Ok(()) => eprintln!("==> results written to {}", path.display()),
        Err(error) => eprintln!("warning: cannot write {}: {error}", path.display()),
    }
    ExitCode::SUCCESS
}

/// The commit measured, such as `94ebce4` or `94ebce4 with uncommitted changes`.
fn revision() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(cargo::workspace_root())
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(commit) if git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty()) => {
            format!("{commit} with uncommitted changes")
        }
        Some(commit) => commit,
        None => "unknown (not a git checkout)".to_string(),
    }
}

/// Whether this process is the executable at `path`.
fn is_current_exe(path: &Path) -> bool {
    let canonical = |path: &Path| path.canonicalize().ok();
    let current = std::env::current_exe().ok();
    current
        .and_then(|exe| canonical(&exe))
        .is_some_and(|exe| Some(exe) == canonical(path))
}

/// Runs `xtask bench --no-build <args>` from `release_xtask` and exits as it does.
fn delegate(release_xtask: &Path, args: &[String]) -> ExitCode {
    let status = Command::new(release_xtask)
        .arg("bench")
        .arg("--no-build")
        .args(args)
        .status();
    match status {
        Ok(status) => status
            .code()
            .and_then(|code| u8::try_from(code).ok())
            .map_or(ExitCode::FAILURE, ExitCode::from),
        Err(error) => {
            eprintln!("error: cannot run {}: {error}", release_xtask.display());
            ExitCode::FAILURE
        }
    }
}

/// Whether the PostgreSQL of `--database-url` answers, asked only when a selected scenario
/// needs it; `Err` is the reason those scenarios are skipped.
fn database_check(ctx: &BenchContext, selected: &[scenarios::LoadScenario]) -> Result<(), String> {
    if !selected.iter().any(|scenario| scenario.needs_database()) {
        return Ok(());
    }
    match database::check_reachable(&ctx.options.database_url) {
        Ok(address) => {
            eprintln!("==> PostgreSQL answers at {address}");
            Ok(())
        }
        Err(reason) => {
            eprintln!("==> skipping the PostgreSQL scenarios: {reason}");
            Err(reason)
        }
    }
}

/// Runs every selected scenario, the reference first and the start-up last.
///
/// The load scenarios run in `--rounds` interleaved rounds (reference, status, ..., then the
/// reference again, ...), and each reports its rate over all its rounds, with the figures of
/// its median round (see `rounds.rs`): on a shared two-core machine a single window moves by
/// 10% or more, and interleaving keeps slow phases from falling on one scenario only. The PostgreSQL scenarios are skipped, not failed, when nothing answers at
/// `--database-url`: a machine without PostgreSQL still measures everything else.
fn measure(ctx: &BenchContext) -> BenchResults {
    let mut results = BenchResults::default();
    let selected = scenarios::selected(&ctx.options);
    let database = database_check(ctx, &selected);
    let skip_reason = |scenario: &scenarios::LoadScenario| match &database {
        Err(reason) if scenario.needs_database() => Some(reason.clone()),
        _ => None,
    };
    let mut rounds: Vec<Vec<Result<LoadMeasurement, String>>> = vec![Vec::new(); selected.len()];
    for round in 1..=ctx.options.rounds {
        for (scenario, outcomes) in selected.iter().zip(rounds.iter_mut()) {
            if skip_reason(scenario).is_some() {
                continue;
            }
            let title = scenario.title(&ctx.options);
            eprintln!(
                "==> {} (round {round}/{}): {title} ({} s, {} connections)",
                scenario.name, ctx.options.rounds, ctx.options.seconds, ctx.options.connections
            );
            let outcome = runner::run_load(ctx, scenario).map_err(|error| error.to_string());
            match &outcome {
                Ok(measurement) => eprintln!(
                    "    {:.1} {}, {} failed",
                    measurement.result.rate(),
                    scenario.unit(),
                    measurement.result.errors
                ),
                Err(error) => eprintln!("    failed: {error}"),
            }
            outcomes.push(outcome);
        }
    }
    for (scenario, outcomes) in selected.iter().zip(rounds) {
        let outcome = match skip_reason(scenario) {
            Some(reason) => LoadOutcome::Skipped(reason),
            None => Rounds::gather(outcomes).into(),
        };
        results.rows.push(LoadRow {
            name: scenario.name,
            title: scenario.title(&ctx.options),
            unit: scenario.unit(),
            outcome,
        });
    }
    if ctx.options.selects(scenarios::LOGIN_FLOOD) {
        eprintln!(
            "==> {}: GET /api/v1/status alone, then during {} connections of logins \
             ({} s each, {} connections)",
            scenarios::LOGIN_FLOOD,
            flood::FLOOD_CONNECTIONS,
            ctx.options.seconds,
            ctx.options.connections
        );
        let outcome = flood::run_login_flood(ctx).map_err(|error| error.to_string());
        match &outcome {
            Ok(flood) => eprintln!(
                "    status {:.1} req/s alone, {:.1} req/s during {:.1} logins/s",
                flood.status_alone.rate(),
                flood.status_flooded.rate(),
                flood.logins.rate()
            ),
            Err(error) => eprintln!("    failed: {error}"),
        }
        results.login_flood = Some(outcome);
    }
    if ctx.options.selects(scenarios::STARTUP) {
        eprintln!(
            "==> {}: {} users and sessions, AUTH_TYPE=session_db_auth",
            scenarios::STARTUP,
            ctx.options.startup_records
        );
        let outcome = runner::run_startup(ctx).map_err(|error| error.to_string());
        match &outcome {
            Ok(startup) => eprintln!("    ready after {:.2} s", startup.ready_seconds),
            Err(error) => eprintln!("    failed: {error}"),
        }
        results.startup = Some(outcome);
    }
    results
}

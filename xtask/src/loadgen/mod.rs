//! The `loadgen` task: the benchmark's load generator, run by `cargo xtask bench` as its own
//! process from the release build.
//!
//! It reads a [`LoadPlan`](plan::LoadPlan) as JSON on standard input, drives the load, and
//! writes a [`LoadResult`](plan::LoadResult) as JSON on standard output. It is a Rust client
//! rather than `wrk` so that a login-then-logout sequence is one measured iteration, every
//! iteration's latency is kept exactly, and nothing outside crates.io needs installing.

pub mod cpu;
pub mod driver;
pub mod latency;
pub mod plan;
pub mod requests;

use std::io::Read;
use std::process::ExitCode;

use plan::LoadPlan;

/// Runs one load plan read from standard input; no arguments are accepted.
pub fn run(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("error: `xtask loadgen` takes no arguments (the plan comes on standard input)");
        return ExitCode::from(2);
    }
    let mut input = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("error: cannot read the load plan: {error}");
        return ExitCode::from(2);
    }
    let plan: LoadPlan = match serde_json::from_str(&input) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: the load plan does not parse: {error}");
            return ExitCode::from(2);
        }
    };
    match driver::drive(plan).and_then(|result| {
        serde_json::to_string(&result).map_err(|error| format!("cannot write the result: {error}"))
    }) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

//! What one run measured: a row per load scenario and the start-up figures.

use super::flood::FloodMeasurement;
use super::rounds::Rounds;
use super::runner::{LoadMeasurement, StartupMeasurement};

/// One load scenario's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRow {
    /// The scenario's name (as `--only` takes it).
    pub name: &'static str,
    /// What it measures, for people.
    pub title: String,
    /// The rate's unit.
    pub unit: &'static str,
    /// What it measured, why it could not, or why it did not run.
    pub outcome: LoadOutcome,
}

/// How a load scenario ended.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadOutcome {
    /// It ran: every round's rate, the rate of all of them, and the median round.
    Measured(Rounds),
    /// It was meant to run and could not: an error of the bench or the service.
    Failed(String),
    /// It was not run, for this reason (such as no PostgreSQL to run it on): not an error.
    Skipped(String),
}

impl From<Result<Rounds, String>> for LoadOutcome {
    fn from(outcome: Result<Rounds, String>) -> Self {
        match outcome {
            Ok(rounds) => LoadOutcome::Measured(rounds),
            Err(error) => LoadOutcome::Failed(error),
        }
    }
}

impl LoadRow {
    /// What the scenario's rounds measured, when it ran.
    pub fn rounds(&self) -> Option<&Rounds> {
        match &self.outcome {
            LoadOutcome::Measured(rounds) => Some(rounds),
            LoadOutcome::Failed(_) | LoadOutcome::Skipped(_) => None,
        }
    }

    /// The scenario's median round, when it ran: the window its latencies, memory and CPU
    /// figures come from.
    pub fn measurement(&self) -> Option<&LoadMeasurement> {
        self.rounds().map(|rounds| &rounds.median)
    }

    /// The rate over all rounds, when the scenario ran.
    pub fn rate(&self) -> Option<f64> {
        self.rounds().map(|rounds| rounds.pooled_rate)
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BenchResults {
    /// The load scenarios in the order they ran.
    pub rows: Vec<LoadRow>,
    /// The login-flood scenario, if it was selected.
    pub login_flood: Option<Result<FloodMeasurement, String>>,
    /// The start-up scenario, if it was selected.
    pub startup: Option<Result<StartupMeasurement, String>>,
}

impl BenchResults {
    /// The rate of the scenario called `name`, if it ran.
    pub fn rate_of(&self, name: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|row| row.name == name)
            .and_then(LoadRow::rate)
    }
}

/// Results made up for the report's and the targets' tests.
#[cfg(test)]
pub mod fixtures {
    use super::*;
    use crate::bench::scenarios::REFERENCE;
    use crate::loadgen::plan::LoadResult;

    /// A load that ran `iterations` times in one second, without error.
    pub fn load_result(iterations: u64) -> LoadResult {
        LoadResult {
            iterations,
            requests: iterations,
            errors: 0,
            seconds: 1.0,
            p50_us: Some(250),
            p99_us: Some(1_500),
            max_us: Some(3_000),
            first_error: None,
            server_cpu: None,
            loadgen_cpu: None,
        }
    }

    /// A scenario that ran `iterations` times in one second, without error.
    pub fn measured(name: &'static str, iterations: u64) -> LoadRow {
        LoadRow {
            name,
            title: format!("title of {name}"),
            unit: "req/s",
            outcome: LoadOutcome::Measured(Rounds {
                median: LoadMeasurement {
                    result: load_result(iterations),
                    peak_rss_kib: Some(10_240),
                },
                rates: vec![iterations as f64],
                pooled_rate: iterations as f64,
            }),
        }
    }

    /// A login flood with these status rates alone and during the flood, and this login rate.
    pub fn flood(alone: u64, flooded: u64, logins: u64) -> FloodMeasurement {
        FloodMeasurement {
            status_alone: load_result(alone),
            status_flooded: load_result(flooded),
            logins: load_result(logins),
            peak_rss_kib: Some(20_480),
        }
    }

    /// A start-up on a million records with the given figures.
    pub fn startup(ready_seconds: f64, peak_rss_kib: u64, data_bytes: u64) -> StartupMeasurement {
        StartupMeasurement {
            records: 1_000_000,
            generate_seconds: 1.0,
            ready_seconds,
            peak_rss_kib: Some(peak_rss_kib),
            data_bytes,
        }
    }

    /// Every scenario the targets need, with rates chosen so some targets pass and some fail.
    pub fn full_results() -> BenchResults {
        BenchResults {
            rows: vec![
                measured(REFERENCE, 10_000),
                measured("me-session-auth", 9_000),
                measured("me-session-db-auth", 7_000),
                measured("me-basic-auth", 5_400),
                measured("login-logout-0", 100),
                measured("login-logout-100k", 60),
                measured("create-0", 100),
                measured("create-100k", 10),
                measured("login-logout-0-pg", 50),
                measured("login-logout-100k-pg", 45),
            ],
            login_flood: Some(Ok(flood(10_000, 4_000, 40))),
            startup: Some(Ok(startup(4.0, 1024 * 1024, 512 * 1024 * 1024))),
        }
    }
}

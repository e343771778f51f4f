//! The login-flood scenario: how much of its unloaded throughput `GET /api/v1/status` keeps
//! while a second load generator floods the service with correct logins, each of which runs
//! Argon2 at the default cost.
//!
//! The server runs `session_auth` with the credential cache off (so no login is answered from
//! memory) and both brute-force limits off (so nothing is throttled): the flood is all Argon2.

use std::net::SocketAddr;

use super::error::BenchError;
use super::format;
use super::runner::{self, BenchContext, LoadProcess, ScenarioFolder};
use super::scenarios::{ServerKind, LOGIN_FLOOD};
use super::seed::{self, SeedPlan, BENCH_EMAIL, BENCH_PASSWORD};
use super::server::{free_loopback_address, RunningServer};
use super::table::{Align, Table};
use crate::loadgen::plan::{LoadResult, RequestSpec, Workload};
use crate::loadgen::requests::{form_urlencode, LOGIN_PATH};

/// The connections flooding logins: several, more than the CPUs, so Argon2 always has work
/// queued behind `MAX_CONCURRENT_HASHES`.
pub const FLOOD_CONNECTIONS: usize = 8;

/// The target: status keeps at least this share of its unloaded throughput during the flood.
pub const FLOOD_STATUS_SHARE_TARGET: f64 = 0.5;

/// The settings the flood's server gets on top of the usual ones: every login runs Argon2 and
/// none is throttled.
pub const FLOOD_SERVER_ENV: [(&str, &str); 3] = [
    ("CREDENTIAL_CACHE_TTL_SECONDS", "0"),
    ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
    ("LOGIN_MAX_FAILURES_PER_ADDRESS", "0"),
];

/// What the login flood measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodMeasurement {
    /// `GET /api/v1/status` with nothing else running.
    pub status_alone: LoadResult,
    /// `GET /api/v1/status` while the logins ran.
    pub status_flooded: LoadResult,
    /// The logins, measured over the same window.
    pub logins: LoadResult,
    /// The server's peak resident memory at the end, in KiB.
    pub peak_rss_kib: Option<u64>,
}

impl FloodMeasurement {
    /// The flooded status rate divided by the unloaded one (`None` if nothing ran unloaded).
    pub fn status_share(&self) -> Option<f64> {
        let alone = self.status_alone.rate();
        (alone > 0.0).then(|| self.status_flooded.rate() / alone)
    }
}

/// Runs the flood: status alone, then status and logins at once, on one server.
pub fn run_login_flood(ctx: &BenchContext) -> Result<FloodMeasurement, BenchError> {
    let folder = ScenarioFolder::create(&ctx.root, LOGIN_FLOOD)?;
    let plan = SeedPlan {
        filler_users: 0,
        bench_user: true,
        sessions: 0,
    };
    seed::write_seed(&folder.data, plan, &ctx.material)
        .map_err(|source| BenchError::io("writing the seed files", source))?;
    let address = free_loopback_address()?;
    let server_kind = ServerKind::Api {
        auth_type: Some("session_auth"),
    };
    let mut command = runner::server_command(ctx, server_kind, address, &folder);
    command.env.extend(
        FLOOD_SERVER_ENV
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    let server = RunningServer::start(&command, address, runner::START_TIMEOUT)?;
    let measured = measure(ctx, address);
    let peak_rss_kib = server.peak_rss_kib();
    let log_tail = server.log_tail();
    server.stop();
    let (status_alone, status_flooded, logins) = measured.map_err(|error| match error {
        BenchError::LoadGenerator(message) => {
            BenchError::LoadGenerator(format!("{message}\nserver log:\n{log_tail}"))
        }
        other => other,
    })?;
    folder.remove();
    Ok(FloodMeasurement {
        status_alone,
        status_flooded,
        logins,
        peak_rss_kib,
    })
}

/// The two measurements; the flooded one runs two `loadgen` processes with the same timing,
/// started back to back, so their windows overlap to within a process start.
fn measure(
    ctx: &BenchContext,
    address: SocketAddr,
) -> Result<(LoadResult, LoadResult, LoadResult), BenchError> {
    let status = || Workload::Repeat {
        request: RequestSpec::get("/api/v1/status", Vec::new()),
        expect_status: 200,
    };
    let status_plan = runner::load_plan(ctx, address, ctx.options.connections, status());
    let status_alone = LoadProcess::spawn(ctx, &status_plan)?.finish()?;
    let login_plan = runner::load_plan(ctx, address, FLOOD_CONNECTIONS, login_workload());
    let logins = LoadProcess::spawn(ctx, &login_plan)?;
    let status_flooded = LoadProcess::spawn(ctx, &status_plan).and_then(LoadProcess::finish);
    // The login process is awaited even when the status one failed, so none is left running.
    let logins = logins.finish();
    Ok((status_alone, status_flooded?, logins?))
}

/// A correct login of the benchmark account, repeated: a form post answered 200 with a cookie
/// (the session it creates is simply left to the server's memory).
fn login_workload() -> Workload {
    Workload::Repeat {
        request: RequestSpec {
            method: "POST".to_string(),
            path: LOGIN_PATH.to_string(),
            headers: vec![(
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            )],
            body: format!(
                "email={}&password={}",
                form_urlencode(BENCH_EMAIL),
                form_urlencode(BENCH_PASSWORD)
            ),
        },
        expect_status: 200,
    }
}

/// The flood's table: the two status rates, their ratio, and the login rate.
pub fn flood_table(flood: &Result<FloodMeasurement, String>) -> Table {
    let mut table = Table::new(&[
        ("status alone", Align::Right),
        ("status during logins", Align::Right),
        ("kept", Align::Right),
        ("status p99 during", Align::Right),
        ("logins", Align::Right),
        ("login p50", Align::Right),
        ("peak RSS", Align::Right),
        ("errors", Align::Right),
    ]);
    match flood {
        Ok(flood) => table.push(vec![
            format!("{} req/s", format::rate(flood.status_alone.rate())),
            format!("{} req/s", format::rate(flood.status_flooded.rate())),
            format::ratio(flood.status_share()),
            format::latency(flood.status_flooded.p99_us),
            format!("{} req/s", format::rate(flood.logins.rate())),
            format::latency(flood.logins.p50_us),
            format::mib_from_kib(flood.peak_rss_kib),
            format::thousands(
                flood.status_alone.errors + flood.status_flooded.errors + flood.logins.errors,
            ),
        ]),
        Err(_) => table.push(vec!["FAILED".to_string()]),
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flood_logs_in_with_the_right_password_as_a_form() {
        let Workload::Repeat {
            request,
            expect_status,
        } = login_workload()
        else {
            panic!("the flood repeats one request");
        };
        assert_eq!((request.method.as_str(), expect_status), ("POST", 200));
        assert_eq!(request.path, LOGIN_PATH);
        assert!(request.body.starts_with("email="), "{}", request.body);
        assert!(
            request
                .body
                .ends_with(&format!("password={}", form_urlencode(BENCH_PASSWORD))),
            "{}",
            request.body
        );
    }

    #[test]
    fn the_server_runs_argon2_for_every_login_and_throttles_none() {
        let names: Vec<&str> = FLOOD_SERVER_ENV.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "CREDENTIAL_CACHE_TTL_SECONDS",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT",
                "LOGIN_MAX_FAILURES_PER_ADDRESS"
            ]
        );
        assert!(FLOOD_SERVER_ENV.iter().all(|(_, value)| *value == "0"));
    }
}

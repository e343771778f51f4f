//! The performance targets of the issue, checked against a run's results: PASS, FAIL, or not
//! measured when a scenario a check needs did not run; and comparisons worth printing beside
//! them that have no target (`info`).

use super::flood::{FloodMeasurement, FLOOD_STATUS_SHARE_TARGET};
use super::format;
use super::results::BenchResults;
use super::runner::StartupMeasurement;
use super::scenarios::REFERENCE;

/// The outcome of one target check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target is met.
    Pass,
    /// The target is missed.
    Fail,
    /// A scenario the check needs did not run.
    NotMeasured,
    /// A comparison without a target: measured, neither passed nor failed.
    Info,
}

impl Verdict {
    /// The word printed for it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotMeasured => "n/a",
            Verdict::Info => "info",
        }
    }
}

/// One target and what was measured against it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    /// PASS, FAIL or not measured.
    pub verdict: Verdict,
    /// The target, such as `GET /users/me (session_auth) >= 0.8 x bare axum`.
    pub target: String,
    /// The measured value behind the verdict.
    pub measured: String,
}

/// The start-up targets: ready within this many seconds...
pub const STARTUP_SECONDS_TARGET: f64 = 10.0;
/// ...with a peak resident memory below this multiple of the data files' size.
pub const STARTUP_MEMORY_TARGET: f64 = 3.0;

/// The comparison printed with the targets for the PostgreSQL store, which the issue gives no
/// target: login+logout with `--stored` sessions against none.
pub const POSTGRES_STORED_SESSIONS: &str =
    "login+logout on PostgreSQL with stored sessions vs none (no target)";

/// Checks every target of the issue against the results, then adds the comparisons without a
/// target.
pub fn target_checks(results: &BenchResults) -> Vec<TargetCheck> {
    let mut checks = vec![
        ratio_check(
            "GET /users/me, cookie, session_auth >= 0.8 x bare axum",
            results.rate_of("me-session-auth"),
            results.rate_of(REFERENCE),
            0.8,
            "req/s",
        ),
        ratio_check(
            "GET /users/me, cookie, session_db_auth >= 0.8 x bare axum",
            results.rate_of("me-session-db-auth"),
            results.rate_of(REFERENCE),
            0.8,
            "req/s",
        ),
        ratio_check(
            "GET /users/me, Basic >= 0.5 x with a session cookie (session_auth)",
            results.rate_of("me-basic-auth"),
            results.rate_of("me-session-auth"),
            0.5,
            "req/s",
        ),
        ratio_check(
            "login+logout with stored sessions >= 0.5 x with none",
            results.rate_of("login-logout-100k"),
            results.rate_of("login-logout-0"),
            0.5,
            "iter/s",
        ),
        ratio_check(
            "POST /users with stored users >= 0.5 x with none",
            results.rate_of("create-100k"),
            results.rate_of("create-0"),
            0.5,
            "req/s",
        ),
        flood_check(
            results
                .login_flood
                .as_ref()
                .and_then(|outcome| outcome.as_ref().ok()),
        ),
    ];
    let startup = results
        .startup
        .as_ref()
        .and_then(|outcome| outcome.as_ref().ok());
    let time_target = format!("start-up ready in < {STARTUP_SECONDS_TARGET} s");
    let memory_target = format!("start-up peak RSS < {STARTUP_MEMORY_TARGET} x data size");
    match startup {
        Some(startup) => {
            checks.push(TargetCheck {
                verdict: verdict(startup.ready_seconds < STARTUP_SECONDS_TARGET),
                target: time_target,
                measured: format!("{:.2} s", startup.ready_seconds),
            });
            checks.push(match startup_memory_ratio(startup) {
                Some(ratio) => TargetCheck {
                    verdict: verdict(ratio < STARTUP_MEMORY_TARGET),
                    target: memory_target,
                    measured: format!(
                        "{} ({} for {} of data)",
                        format::ratio(Some(ratio)),
                        format::mib_from_kib(startup.peak_rss_kib),
                        format::mib_from_bytes(startup.data_bytes)
                    ),
                },
                None => not_measured(memory_target),
            });
        }
        None => {
            checks.push(not_measured(time_target));
            checks.push(not_measured(memory_target));
        }
    }
    checks.push(info(ratio_check(
        POSTGRES_STORED_SESSIONS,
        results.rate_of("login-logout-100k-pg"),
        results.rate_of("login-logout-0-pg"),
        0.0,
        "iter/s",
    )));
    checks
}

/// The same comparison without a verdict, when it was measured.
fn info(check: TargetCheck) -> TargetCheck {
    match check.verdict {
        Verdict::NotMeasured => check,
        _ => TargetCheck {
            verdict: Verdict::Info,
            ..check
        },
    }
}

/// Checks that `GET /api/v1/status` keeps its share of its unloaded rate during the login flood,
/// and tells the login rate reached meanwhile.
fn flood_check(flood: Option<&FloodMeasurement>) -> TargetCheck {
    let target = format!(
        "GET /api/v1/status during a login flood >= {FLOOD_STATUS_SHARE_TARGET} x unloaded"
    );
    let Some(flood) = flood else {
        return not_measured(target);
    };
    let mut check = ratio_check(
        &target,
        Some(flood.status_flooded.rate()),
        Some(flood.status_alone.rate()),
        FLOOD_STATUS_SHARE_TARGET,
        "req/s",
    );
    if check.verdict != Verdict::NotMeasured {
        check.measured.push_str(&format!(
            ", {} logins/s meanwhile",
            format::rate(flood.logins.rate())
        ));
    }
    check
}

/// Peak RSS divided by the data files' size.
pub fn startup_memory_ratio(startup: &StartupMeasurement) -> Option<f64> {
    let rss_bytes = startup.peak_rss_kib? as f64 * 1024.0;
    (startup.data_bytes > 0).then(|| rss_bytes / startup.data_bytes as f64)
}

/// Checks `measured >= minimum * baseline`.
fn ratio_check(
    target: &str,
    measured: Option<f64>,
    baseline: Option<f64>,
    minimum: f64,
    unit: &str,
) -> TargetCheck {
    match (measured, baseline) {
        (Some(measured), Some(baseline)) if baseline > 0.0 => {
            let ratio = measured / baseline;
            TargetCheck {
                verdict: verdict(ratio >= minimum),
                target: target.to_string(),
                measured: format!(
                    "{} ({} vs {} {unit})",
                    format::ratio(Some(ratio)),
                    format::rate(measured),
                    format::rate(baseline)
                ),
            }
        }
        _ => not_measured(target.to_string()),
    }
}

fn verdict(met: bool) -> Verdict {
    if met {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

fn not_measured(target: String) -> TargetCheck {
    TargetCheck {
        verdict: Verdict::NotMeasured,
        target,
        measured: "not measured".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::fixtures::{flood, full_results, measured, startup};
    use crate::bench::results::{LoadOutcome, LoadRow};

    fn verdicts(checks: &[TargetCheck]) -> Vec<Verdict> {
        checks.iter().map(|check| check.verdict).collect()
    }

    #[test]
    fn each_target_compares_the_right_pair() {
        let checks = target_checks(&full_results());
        assert_eq!(
            verdicts(&checks),
            [
                Verdict::Pass, // 0.9 >= 0.8
                Verdict::Fail, // 0.7 < 0.8
                Verdict::Pass, // Basic 5,400 vs cookie 9,000: 0.6 >= 0.5
                Verdict::Pass, // 0.6 >= 0.5
                Verdict::Fail, // 0.1 < 0.5
                Verdict::Fail, // status 4,000 during the flood vs 10,000 alone: 0.4 < 0.5
                Verdict::Pass, // 4 s < 10 s
                Verdict::Pass, // 1 GiB < 3 x 512 MiB
                Verdict::Info, // PostgreSQL 45 vs 50 iter/s: no target
            ]
        );
        assert_eq!(checks[8].measured, "0.90x (45.0 vs 50.0 iter/s)");
        assert_eq!(checks[0].measured, "0.90x (9,000 vs 10,000 req/s)");
        assert_eq!(checks[2].measured, "0.60x (5,400 vs 9,000 req/s)");
        assert_eq!(
            checks[5].measured,
            "0.40x (4,000 vs 10,000 req/s), 40.0 logins/s meanwhile"
        );
        assert_eq!(
            checks[7].measured,
            "2.00x (1024.0 MiB for 512.0 MiB of data)"
        );
    }

    #[test]
    fn a_slow_or_fat_startup_fails() {
        let mut results = full_results();
        results.startup = Some(Ok(startup(12.5, 4 * 1024 * 1024, 1024 * 1024 * 1024)));
        let checks = target_checks(&results);
        assert_eq!(verdicts(&checks[6..8]), [Verdict::Fail, Verdict::Fail]);
        assert_eq!(checks[6].measured, "12.50 s");
    }

    #[test]
    fn basic_auth_passes_at_half_the_cookie_rate_and_fails_below() {
        let check = |basic| {
            let results = BenchResults {
                rows: vec![
                    measured("me-session-auth", 10_000),
                    measured("me-basic-auth", basic),
                ],
                ..BenchResults::default()
            };
            target_checks(&results)[2].verdict
        };
        assert_eq!(check(5_000), Verdict::Pass);
        assert_eq!(check(4_999), Verdict::Fail);
    }

    #[test]
    fn the_flood_target_is_the_status_share_kept_during_the_logins() {
        assert_eq!(
            flood_check(Some(&flood(8_000, 4_000, 30))).verdict,
            Verdict::Pass
        );
        assert_eq!(
            flood_check(Some(&flood(8_000, 3_999, 30))).verdict,
            Verdict::Fail
        );
        assert_eq!(flood(8_000, 6_000, 30).status_share(), Some(0.75));
        // Nothing unloaded to compare with: no verdict rather than a division by zero.
        let empty = flood(0, 6_000, 30);
        assert_eq!(empty.status_share(), None);
        assert_eq!(flood_check(Some(&empty)).verdict, Verdict::NotMeasured);
        assert_eq!(flood_check(None).verdict, Verdict::NotMeasured);
    }

    #[test]
    fn checks_without_their_scenarios_are_not_measured() {
        let results = BenchResults {
            rows: vec![
                measured("me-session-auth", 9_000),
                LoadRow {
                    outcome: LoadOutcome::Failed("boom".to_string()),
                    ..measured(REFERENCE, 0)
                },
            ],
            login_flood: Some(Err("no port".to_string())),
            startup: Some(Err("no disk".to_string())),
        };
        assert!(verdicts(&target_checks(&results))
            .iter()
            .all(|verdict| *verdict == Verdict::NotMeasured));
    }

    #[test]
    fn the_postgres_comparison_has_no_verdict_even_when_stored_sessions_slow_it_down() {
        let check = |stored| {
            let results = BenchResults {
                rows: vec![
                    measured("login-logout-0-pg", 100),
                    measured("login-logout-100k-pg", stored),
                ],
                ..BenchResults::default()
            };
            let checks = target_checks(&results);
            let check = checks.last().expect("the comparison comes last").clone();
            assert_eq!(check.target, POSTGRES_STORED_SESSIONS);
            check.verdict
        };
        assert_eq!(check(95), Verdict::Info);
        assert_eq!(check(10), Verdict::Info);
        assert_eq!(Verdict::Info.label(), "info");
    }
}

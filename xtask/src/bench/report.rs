//! The benchmark's report: the table of scenarios, the start-up figures and the target checks,
//! as terminal text and as Markdown.

use super::flood::flood_table;
use super::format;
use super::results::{BenchResults, LoadOutcome};
use super::rounds::Rounds;
use super::runner::LoadMeasurement;
use super::scenarios::REFERENCE;
use super::table::{Align, Table};
use super::targets::{startup_memory_ratio, TargetCheck};

/// The line above the login flood's table.
const FLOOD_HEADING: &str = "Login flood (session_auth, credential cache and login limits off): \
     GET /api/v1/status alone, then while correct logins run";

/// The table of load scenarios.
pub fn load_table(results: &BenchResults) -> Table {
    let mut table = Table::new(&[
        ("scenario", Align::Left),
        ("name", Align::Left),
        ("rate", Align::Right),
        ("unit", Align::Left),
        ("p50", Align::Right),
        ("p99", Align::Right),
        ("peak RSS", Align::Right),
        ("vs bare axum", Align::Right),
        ("errors", Align::Right),
    ]);
    let reference = results.rate_of(REFERENCE).filter(|rate| *rate > 0.0);
    for row in &results.rows {
        let cells = match &row.outcome {
            LoadOutcome::Measured(Rounds {
                median:
                    LoadMeasurement {
                        result,
                        peak_rss_kib,
                    },
                pooled_rate,
                ..
            }) => vec![
                row.title.clone(),
                row.name.to_string(),
                format::rate(*pooled_rate),
                row.unit.to_string(),
                format::latency(result.p50_us),
                format::latency(result.p99_us),
                format::mib_from_kib(*peak_rss_kib),
                format::ratio(reference.map(|reference| pooled_rate / reference)),
                format::thousands(result.errors),
            ],
            LoadOutcome::Failed(_) => vec![
                row.title.clone(),
                row.name.to_string(),
                "FAILED".to_string(),
            ],
            LoadOutcome::Skipped(_) => vec![
                row.title.clone(),
                row.name.to_string(),
                "skipped".to_string(),
            ],
        };
        table.push(cells);
    }
    table
}

/// The CPU one request cost the server and the load generator, for the load scenarios that
/// report it (on Linux); `None` when none does.
pub fn cpu_table(results: &BenchResults) -> Option<Table> {
    let mut table = Table::new(&[
        ("name", Align::Left),
        ("server user", Align::Right),
        ("server kernel", Align::Right),
        ("loadgen user", Align::Right),
        ("loadgen kernel", Align::Right),
    ]);
    let micros = |value: f64| format!("{value:.2} µs");
    let mut any = false;
    for row in &results.rows {
        let Some(LoadMeasurement { result, .. }) = row.measurement() else {
            continue;
        };
        let server = result.per_request(result.server_cpu);
        let loadgen = result.per_request(result.loadgen_cpu);
        if server.is_none() && loadgen.is_none() {
            continue;
        }
        any = true;
        let pair = |cpu: Option<(f64, f64)>| match cpu {
            Some((user, system)) => [micros(user), micros(system)],
            None => ["-".to_string(), "-".to_string()],
        };
        let [server_user, server_system] = pair(server);
        let [loadgen_user, loadgen_system] = pair(loadgen);
        table.push(vec![
            row.name.to_string(),
            server_user,
            server_system,
            loadgen_user,
            loadgen_system,
        ]);
    }
    any.then_some(table)
}

/// Every round's rate of each load scenario that ran more than one round, and how far the
/// rounds spread: the noise the pooled rate averages out.
pub fn rounds_table(results: &BenchResults) -> Option<Table> {
    let count = results
        .rows
        .iter()
        .filter_map(|row| row.rounds().map(|rounds| rounds.rates.len()))
        .max()
        .filter(|count| *count > 1)?;
    let headings: Vec<String> = (1..=count).map(|round| format!("round {round}")).collect();
    let mut columns = vec![("name", Align::Left)];
    columns.extend(
        headings
            .iter()
            .map(|heading| (heading.as_str(), Align::Right)),
    );
    columns.push(("slowest / fastest", Align::Right));
    let mut table = Table::new(&columns);
    for row in &results.rows {
        let Some(rounds) = row.rounds() else {
            continue;
        };
        let mut cells = vec![row.name.to_string()];
        cells.extend(rounds.rates.iter().map(|rate| format::rate(*rate)));
        cells.resize(count + 1, "-".to_string());
        let slowest = rounds.rates.iter().copied().fold(f64::INFINITY, f64::min);
        let fastest = rounds.rates.iter().copied().fold(0.0, f64::max);
        cells.push(format::ratio((fastest > 0.0).then(|| slowest / fastest)));
        table.push(cells);
    }
    Some(table)
}

/// The line above the rounds table.
const ROUNDS_HEADING: &str = "Rate of each round (the table above shows all rounds together: \
     their iterations over their measured seconds)";

/// The line above the CPU table.
const CPU_HEADING: &str = "CPU per request during the measured window (all threads; a login \
     and logout pair is two requests)";

/// The start-up scenario's table, if it was selected.
pub fn startup_table(results: &BenchResults) -> Option<Table> {
    let outcome = results.startup.as_ref()?;
    let mut table = Table::new(&[
        ("users + sessions", Align::Right),
        ("data files", Align::Right),
        ("ready after", Align::Right),
        ("peak RSS", Align::Right),
        ("RSS / data", Align::Right),
        ("seed written in", Align::Right),
    ]);
    match outcome {
        Ok(startup) => table.push(vec![
            format!(
                "{} + {}",
                format::thousands(startup.records),
                format::thousands(startup.records)
            ),
            format::mib_from_bytes(startup.data_bytes),
            format!("{:.2} s", startup.ready_seconds),
            format::mib_from_kib(startup.peak_rss_kib),
            format::ratio(startup_memory_ratio(startup)),
            format!("{:.2} s", startup.generate_seconds),
        ]),
        Err(_) => table.push(vec!["FAILED".to_string()]),
    }
    Some(table)
}

/// The scenarios that failed, with why.
fn failures(results: &BenchResults) -> Vec<(String, String)> {
    let mut failures: Vec<(String, String)> = results
        .rows
        .iter()
        .filter_map(|row| match &row.outcome {
            LoadOutcome::Failed(error) => Some((row.name.to_string(), error.clone())),
            LoadOutcome::Measured(_) | LoadOutcome::Skipped(_) => None,
        })
        .collect();
    if let Some(Err(error)) = &results.login_flood {
        failures.push((super::scenarios::LOGIN_FLOOD.to_string(), error.clone()));
    }
    if let Some(Err(error)) = &results.startup {
        failures.push((super::scenarios::STARTUP.to_string(), error.clone()));
    }
    failures
}

/// The skipped scenarios grouped by reason, in the order they appear: one line per reason
/// rather than per scenario, since one missing database skips several.
fn skipped(results: &BenchResults) -> Vec<(String, Vec<&'static str>)> {
    let mut groups: Vec<(String, Vec<&'static str>)> = Vec::new();
    for row in &results.rows {
        let LoadOutcome::Skipped(reason) = &row.outcome else {
            continue;
        };
        match groups.iter_mut().find(|(known, _)| known == reason) {
            Some((_, names)) => names.push(row.name),
            None => groups.push((reason.clone(), vec![row.name])),
        }
    }
    groups
}

/// The first error of scenarios whose load saw failed iterations.
fn load_errors(results: &BenchResults) -> Vec<(String, u64, String)> {
    results
        .rows
        .iter()
        .filter_map(|row| {
            let result = &row.measurement()?.result;
            (result.errors > 0).then(|| {
                (
                    row.name.to_string(),
                    result.errors,
                    result.first_error.clone().unwrap_or_default(),
                )
            })
        })
        .collect()
}

/// The whole report as terminal text.
pub fn to_text(results: &BenchResults, checks: &[TargetCheck]) -> String {
    let mut text = String::new();
    if !results.rows.is_empty() {
        text.push_str(&load_table(results).to_text());
        text.push_str("\n\n");
    }
    if let Some(table) = rounds_table(results) {
        text.push_str(&format!("{ROUNDS_HEADING}:\n"));
        text.push_str(&table.to_text());
        text.push_str("\n\n");
    }
    if let Some(table) = cpu_table(results) {
        text.push_str(&format!("{CPU_HEADING}:\n"));
        text.push_str(&table.to_text());
        text.push_str("\n\n");
    }
    if let Some(flood) = &results.login_flood {
        text.push_str(&format!("{FLOOD_HEADING}:\n"));
        text.push_str(&flood_table(flood).to_text());
        text.push_str("\n\n");
    }
    if let Some(table) = startup_table(results) {
        text.push_str("start-up (AUTH_TYPE=session_db_auth):\n");
        text.push_str(&table.to_text());
        text.push_str("\n\n");
    }
    for (name, count, first) in load_errors(results) {
        text.push_str(&format!(
            "warning: {name}: {count} failed iterations, first: {first}\n"
        ));
    }
    for (reason, names) in skipped(results) {
        text.push_str(&format!("skipped: {reason}: {}\n", names.join(", ")));
    }
    for (name, error) in failures(results) {
        text.push_str(&format!("error: {name} could not be measured: {error}\n"));
    }
    text.push_str("targets:\n");
    for check in checks {
        text.push_str(&format!(
            "  {:4}  {}: {}\n",
            check.verdict.label(),
            check.target,
            check.measured
        ));
    }
    text
}

/// Where and how a run happened, printed above its Markdown tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunHeader {
    /// When it ran.
    pub date: String,
    /// The machine's description.
    pub machine: String,
    /// The source revision measured.
    pub revision: String,
    /// The command line that ran it.
    pub command: String,
}

/// The whole report as Markdown, with the run's date, machine, revision and command first.
pub fn to_markdown(results: &BenchResults, checks: &[TargetCheck], header: &RunHeader) -> String {
    let RunHeader {
        date,
        machine,
        revision,
        command,
    } = header;
    let mut text = format!(
        "### Benchmark run of {date}\n\nMachine: {machine}.\nRevision: {revision}.\n\
         Command: `{command}`.\n\n"
    );
    if !results.rows.is_empty() {
        text.push_str(&load_table(results).to_markdown());
        text.push_str("\n\n");
    }
    if let Some(table) = rounds_table(results) {
        text.push_str(&format!("{ROUNDS_HEADING}:\n\n"));
        text.push_str(&table.to_markdown());
        text.push_str("\n\n");
    }
    if let Some(table) = cpu_table(results) {
        text.push_str(&format!("{CPU_HEADING}:\n\n"));
        text.push_str(&table.to_markdown());
        text.push_str("\n\n");
    }
    if let Some(flood) = &results.login_flood {
        text.push_str(&format!("{FLOOD_HEADING}:\n\n"));
        text.push_str(&flood_table(flood).to_markdown());
        text.push_str("\n\n");
    }
    if let Some(table) = startup_table(results) {
        text.push_str("Start-up with `AUTH_TYPE=session_db_auth`:\n\n");
        text.push_str(&table.to_markdown());
        text.push_str("\n\n");
    }
    for (name, count, first) in load_errors(results) {
        text.push_str(&format!(
            "* `{name}`: {count} failed iterations, first: {first}\n"
        ));
    }
    for (reason, names) in skipped(results) {
        let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
        text.push_str(&format!("* skipped: {reason}: {}\n", names.join(", ")));
    }
    for (name, error) in failures(results) {
        let error = error.replace('\n', " ");
        text.push_str(&format!("* `{name}` could not be measured: {error}\n"));
    }
    let mut targets = Table::new(&[
        ("verdict", Align::Left),
        ("target", Align::Left),
        ("measured", Align::Left),
    ]);
    for check in checks {
        targets.push(vec![
            format!("**{}**", check.verdict.label()),
            check.target.clone(),
            check.measured.clone(),
        ]);
    }
    if !text.ends_with("\n\n") {
        text.push('\n');
    }
    text.push_str("Targets:\n\n");
    text.push_str(&targets.to_markdown());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::fixtures::{full_results, measured};
    use crate::bench::results::{LoadOutcome, LoadRow};
    use crate::bench::targets::target_checks;
    use crate::loadgen::cpu::CpuTime;

    #[test]
    fn the_text_report_shows_rows_ratios_and_verdicts() {
        let results = full_results();
        let text = to_text(&results, &target_checks(&results));
        assert!(text.contains("title of me-session-auth"), "{text}");
        assert!(text.contains("0.90x"), "{text}");
        assert!(
            text.contains("0.25 ms") && text.contains("10.0 MiB"),
            "{text}"
        );
        assert!(text.contains("1,000,000 + 1,000,000"), "{text}");
        assert!(
            text.contains("Login flood") && text.contains("4,000 req/s") && text.contains("0.40x"),
            "{text}"
        );
        assert!(text.contains("  PASS  GET /users/me, Basic"), "{text}");
        assert!(text.contains("  FAIL  GET /api/v1/status during"), "{text}");
        assert!(
            text.contains("  PASS  GET /users/me, cookie, session_auth"),
            "{text}"
        );
        assert!(
            text.contains("  FAIL  POST /users with stored users"),
            "{text}"
        );
    }

    #[test]
    fn failures_and_load_errors_are_reported() {
        let mut results = full_results();
        results.rows[1] = LoadRow {
            outcome: LoadOutcome::Failed("the server exited".to_string()),
            ..measured("me-session-auth", 0)
        };
        if let LoadOutcome::Measured(rounds) = &mut results.rows[2].outcome {
            rounds.median.result.errors = 3;
            rounds.median.result.first_error = Some("the request answered 403".to_string());
        }
        let text = to_text(&results, &target_checks(&results));
        assert!(text.contains("FAILED"), "{text}");
        assert!(
            text.contains("error: me-session-auth could not be measured: the server exited"),
            "{text}"
        );
        assert!(
            text.contains(
                "warning: me-session-db-auth: 3 failed iterations, first: the request answered 403"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_markdown_report_has_tables_and_the_run_header() {
        let results = full_results();
        let header = RunHeader {
            date: "2024-01-01T00:00:00 UTC".to_string(),
            machine: "2 CPUs".to_string(),
            revision: "abc1234".to_string(),
            command: "cargo xtask bench".to_string(),
        };
        let markdown = to_markdown(&results, &target_checks(&results), &header);
        assert!(
            markdown.starts_with("### Benchmark run of 2024-01-01T00:00:00 UTC\n"),
            "{markdown}"
        );
        assert!(markdown.contains("Revision: abc1234."), "{markdown}");
        assert!(
            !markdown.contains("\n\n\n"),
            "no double blank line: {markdown}"
        );
        assert!(
            markdown.contains("| scenario | name | rate |"),
            "{markdown}"
        );
        assert!(markdown.contains("| **PASS** |"), "{markdown}");
        assert!(markdown.contains("| **FAIL** |"), "{markdown}");
        assert!(
            markdown.contains("Command: `cargo xtask bench`."),
            "{markdown}"
        );
    }

    #[test]
    fn the_rate_shown_is_the_rate_of_all_rounds_and_each_round_is_listed() {
        let mut results = full_results();
        assert!(
            rounds_table(&results).is_none(),
            "single rounds need no table"
        );
        if let LoadOutcome::Measured(rounds) = &mut results.rows[1].outcome {
            rounds.rates = vec![8_000.0, 9_000.0, 10_000.0];
            rounds.pooled_rate = 9_500.0;
        }
        let text = to_text(&results, &target_checks(&results));
        assert!(text.contains("9,500"), "{text}");
        assert!(
            text.contains("0.95x"),
            "the ratio uses the pooled rate: {text}"
        );
        let table = rounds_table(&results)
            .expect("a scenario ran three rounds")
            .to_text();
        assert!(table.contains("round 3"), "{table}");
        assert!(
            table.contains("8,000") && table.contains("10,000") && table.contains("0.80x"),
            "{table}"
        );
        assert!(text.contains("Rate of each round"), "{text}");
    }

    #[test]
    fn the_cpu_table_lists_only_the_scenarios_that_measured_it() {
        let mut results = full_results();
        assert!(cpu_table(&results).is_none());
        assert!(!to_text(&results, &[]).contains("CPU per request"));
        let row = results
            .rows
            .iter_mut()
            .find(|row| row.measurement().is_some())
            .expect("a measured row");
        let name = row.name;
        if let LoadOutcome::Measured(rounds) = &mut row.outcome {
            rounds.median.result.requests = 1_000;
            rounds.median.result.server_cpu = Some(CpuTime {
                user_us: 3_000,
                system_us: 6_500,
            });
        }
        let table = cpu_table(&results)
            .expect("one row has CPU figures")
            .to_markdown();
        assert!(
            table.contains(&format!("| {name} | 3.00 µs | 6.50 µs | - | - |")),
            "{table}"
        );
        assert_eq!(table.lines().count(), 3, "{table}");
        assert!(to_text(&results, &[]).contains("CPU per request"));
    }

    #[test]
    fn skipped_scenarios_show_as_such_with_their_reason_once_and_are_no_error() {
        let mut results = full_results();
        let reason = "PostgreSQL not reachable at 127.0.0.1:5432 (Connection refused)";
        for row in &mut results.rows {
            if row.name.ends_with("-pg") {
                row.outcome = LoadOutcome::Skipped(reason.to_string());
            }
        }
        let text = to_text(&results, &target_checks(&results));
        let skipped_rows = text
            .lines()
            .filter(|line| line.contains("-pg ") && line.trim_end().ends_with("skipped"))
            .count();
        assert_eq!(skipped_rows, 2, "{text}");
        assert!(
            text.contains(&format!(
                "skipped: {reason}: login-logout-0-pg, login-logout-100k-pg\n"
            )),
            "{text}"
        );
        assert!(
            !text.contains("error:") && !text.contains("FAILED"),
            "{text}"
        );
        let header = RunHeader {
            date: "now".to_string(),
            machine: "m".to_string(),
            revision: "r".to_string(),
            command: "c".to_string(),
        };
        let markdown = to_markdown(&results, &target_checks(&results), &header);
        assert!(
            markdown.contains(&format!(
                "* skipped: {reason}: `login-logout-0-pg`, `login-logout-100k-pg`\n"
            )),
            "{markdown}"
        );
    }
}

//! `cargo xtask <task>`: the project's tasks, run from any folder of the workspace.
//!
//! A small dispatcher: each task is one entry in [`TASKS`] and one function in its own module,
//! so adding a task means adding a module and a row.
#![warn(missing_docs)]

mod bench;
mod cargo;
mod ci;
mod loadgen;

use std::process::ExitCode;

/// One task `cargo xtask` can run.
struct Task {
    /// The name typed after `cargo xtask`.
    name: &'static str,
    /// A one-line description for `cargo xtask help`.
    about: &'static str,
    /// Runs the task with the arguments that follow its name.
    run: fn(&[String]) -> ExitCode,
}

/// Every task, in the order `help` lists them.
const TASKS: &[Task] = &[
    Task {
        name: "ci",
        about:
            "run every CI check in order: cargo fmt --check, cargo clippy -D warnings, cargo test",
        run: ci::run,
    },
    Task {
        name: "bench",
        about: "measure the release build under load against bare axum (see BENCHMARKS.md; --help)",
        run: bench::run,
    },
    Task {
        name: "loadgen",
        about: "(used by bench) run one load plan read as JSON on stdin, print the result as JSON",
        run: loadgen::run,
    },
    Task {
        name: "help",
        about: "list the tasks",
        run: help,
    },
];

/// Exit code for a command line that names no task or an unknown one.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((name, rest)) = args.split_first() else {
        eprintln!("{}", usage());
        return ExitCode::from(USAGE_ERROR);
    };
    match find_task(name) {
        Some(task) => (task.run)(rest),
        None => {
            eprintln!("error: unknown task `{name}`\n\n{}", usage());
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// Finds the task called `name`.
fn find_task(name: &str) -> Option<&'static Task> {
    TASKS.iter().find(|task| task.name == name)
}

/// Returns the usage text listing every task.
fn usage() -> String {
    let width = TASKS.iter().map(|task| task.name.len()).max().unwrap_or(0);
    let mut text = String::from("usage: cargo xtask <task>\n\ntasks:");
    for task in TASKS {
        text.push_str(&format!("\n  {:width$}  {}", task.name, task.about));
    }
    text
}

/// The `help` task: prints the usage text.
fn help(_args: &[String]) -> ExitCode {
    println!("{}", usage());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_is_found_by_its_name() {
        for task in TASKS {
            assert_eq!(
                find_task(task.name).map(|found| found.name),
                Some(task.name)
            );
        }
    }

    #[test]
    fn an_unknown_name_finds_no_task() {
        assert!(find_task("deploy").is_none());
        assert!(find_task("CI").is_none());
        assert!(find_task("").is_none());
    }

    #[test]
    fn the_usage_lists_every_task_with_its_description() {
        let text = usage();
        for task in TASKS {
            assert!(
                text.contains(task.name) && text.contains(task.about),
                "{text}"
            );
        }
    }

    #[test]
    fn task_names_are_unique() {
        let mut names: Vec<&str> = TASKS.iter().map(|task| task.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TASKS.len());
    }
}

//! The `ci` task: every check CI runs, in order, stopping at the first failure.

use std::process::ExitCode;
use std::time::Instant;

use crate::cargo::CargoCommand;

/// One named step of the CI run.
struct Step {
    /// The short name printed in progress and failure lines.
    name: &'static str,
    /// The cargo command the step runs.
    command: CargoCommand,
}

/// The CI steps, cheapest first so a formatting slip fails in seconds.
const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        command: CargoCommand::new(&["fmt", "--all", "--", "--check"]),
    },
    Step {
        name: "clippy",
        command: CargoCommand::new(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    },
    Step {
        name: "test",
        command: CargoCommand::new(&["test", "--workspace", "--all-features"]),
    },
];

/// Runs the CI steps; any argument is refused so a typo is not silently ignored.
pub fn run(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("error: `cargo xtask ci` takes no arguments, got {args:?}");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    for (index, step) in STEPS.iter().enumerate() {
        eprintln!(
            "==> [{}/{}] {}: {}",
            index + 1,
            STEPS.len(),
            step.name,
            step.command
        );
        if let Err(failure) = step.command.run() {
            eprintln!(
                "error: CI step `{}` failed ({failure}): {}",
                step.name, step.command
            );
            return ExitCode::FAILURE;
        }
    }
    eprintln!(
        "==> CI passed: {} steps in {:.0?}",
        STEPS.len(),
        started.elapsed()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_run_format_then_lint_then_tests() {
        let names: Vec<&str> = STEPS.iter().map(|step| step.name).collect();
        assert_eq!(names, ["fmt", "clippy", "test"]);
    }

    #[test]
    fn the_commands_are_the_documented_ones() {
        let commands: Vec<String> = STEPS.iter().map(|step| step.command.to_string()).collect();
        assert_eq!(
            commands,
            [
                "cargo fmt --all -- --check",
                "cargo clippy --workspace --all-targets --all-features -- -D warnings",
                "cargo test --workspace --all-features",
            ]
        );
    }
}

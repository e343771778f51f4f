//! Running cargo itself from a task: the same cargo that runs xtask, at the workspace root.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// A cargo command line, e.g. `cargo fmt --all -- --check`.
pub struct CargoCommand {
    args: &'static [&'static str],
}

/// Why a cargo command did not succeed.
#[derive(Debug)]
pub enum CargoFailure {
    /// Cargo could not be started at all.
    Spawn(std::io::Error),
    /// Cargo ran and reported failure.
    Status(ExitStatus),
}

impl fmt::Display for CargoFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CargoFailure::Spawn(error) => write!(f, "could not start cargo: {error}"),
            CargoFailure::Status(status) => write!(f, "cargo exited with {status}"),
        }
    }
}

impl CargoCommand {
    /// Describes `cargo <args>`.
    pub const fn new(args: &'static [&'static str]) -> Self {
        CargoCommand { args }
    }

    /// Runs the command at the workspace root with inherited output and waits for it.
    pub fn run(&self) -> Result<(), CargoFailure> {
        let status = Command::new(cargo_program())
            .args(self.args)
            .current_dir(workspace_root())
            .status()
            .map_err(CargoFailure::Spawn)?;
        if status.success() {
            Ok(())
        } else {
            Err(CargoFailure::Status(status))
        }
    }
}

impl fmt::Display for CargoCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cargo {}", self.args.join(" "))
    }
}

/// The cargo that launched us (`CARGO` is set by `cargo run`), else `cargo` from `PATH`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// The folder cargo builds into: `CARGO_TARGET_DIR` when set, else `target/` at the root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The workspace root: the parent of this crate's folder.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

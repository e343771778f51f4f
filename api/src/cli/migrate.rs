//! `api migrate --from <data folder> [--to <DATABASE_URL>]`: moving up from the embedded file
//! store to PostgreSQL.
//!
//! Every user and session of the data folder is copied into the database (see
//! `storage::copy`): records the database already holds are left alone, so running the command
//! twice changes nothing, and an interrupted run is finished by running it again.

use std::path::{Path, PathBuf};

use api::config::Config;
use api::storage_setting::StorageSetting;
use api::stores;
use clap::Args;
use storage::copy::{copy_all, CopyReport};
use storage::file::{FileSessionRepository, FileUserRepository, SESSIONS_FILE, USERS_FILE};
use storage::{SessionRepository, UserRepository};
use thiserror::Error;

/// The arguments of `migrate`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct MigrateArgs {
    /// The data folder to copy from: the one holding `.db_User.json` and
    /// `.db_UserSession.json` (stop the server that uses it first).
    #[arg(long, value_name = "DATA_DIR")]
    pub from: PathBuf,
    /// The database to copy into, e.g. postgres://user@host:5432/name. Defaults to
    /// DATABASE_URL; prefer the variable when the URL holds a password, as command lines are
    /// visible to every user of the machine. DATABASE_SCHEMA, DATABASE_TIMEOUT_SECONDS and
    /// DATABASE_MAX_CONNECTIONS apply.
    #[arg(long, value_name = "DATABASE_URL")]
    pub to: Option<String>,
}

/// Why a migration did not complete.
#[derive(Debug, Error)]
pub enum MigrateError {
    /// The source folder does not exist or holds no data file.
    #[error("nothing to migrate: {0} holds neither .db_User.json nor .db_UserSession.json")]
    NothingToMigrate(PathBuf),
    /// Some records were in the way of others in the database (each was printed).
    #[error("{0} record(s) could not be copied (listed above); every other record was copied")]
    Conflicts(usize),
}

impl MigrateArgs {
    /// The variables this command sets on top of the environment and flags: the target is
    /// always PostgreSQL, at `--to` when given.
    pub fn overrides(&self) -> Vec<(String, String)> {
        let mut pairs = vec![("STORAGE".to_string(), "postgres".to_string())];
        if let Some(url) = &self.to {
            pairs.push(("DATABASE_URL".to_string(), url.clone()));
        }
        pairs
    }
}

/// Copies the data folder of `args` into the database of `config` (whose storage the caller
/// set to PostgreSQL with [`MigrateArgs::overrides`]), printing what was done.
pub async fn run(args: MigrateArgs, config: &Config) -> Result<(), super::CliError> {
    let StorageSetting::Postgres(database) = &config.storage else {
        // `overrides` makes this unreachable from the command line, but a flag could still say
        // otherwise: `--storage file` wins over the override.
        return Err(storage::StorageError::InvalidSetting(
            "migrate copies into PostgreSQL: STORAGE must be postgres".into(),
        )
        .into());
    };
    if !holds_data(&args.from) {
        return Err(MigrateError::NothingToMigrate(args.from).into());
    }
    let from_users = FileUserRepository::open(&args.from)?;
    let from_sessions = FileSessionRepository::open(&args.from)?;
    let target = stores::connect(database).await?;
    let (to_users, to_sessions) = (target.users(), target.sessions());
    let copied = copy_all(&from_users, &from_sessions, &to_users, &to_sessions).await;
    // The source is only read, but closing folds its journals as a clean server stop would.
    let _ = from_sessions.close().await;
    let _ = from_users.close().await;
    target.close().await;
    let report = copied?;
    print_report(&report, &args.from, &database.display_url());
    if report.is_complete() {
        Ok(())
    } else {
        Err(MigrateError::Conflicts(report.conflicts.len()).into())
    }
}

fn holds_data(folder: &Path) -> bool {
    folder.join(USERS_FILE).is_file()
        || folder.join(SESSIONS_FILE).is_file()
        || folder.join(format!("{USERS_FILE}.journal")).is_file()
        || folder.join(format!("{SESSIONS_FILE}.journal")).is_file()
}

fn print_report(report: &CopyReport, from: &Path, to: &str) {
    for conflict in &report.conflicts {
        eprintln!("conflict: {conflict}");
    }
    println!("{} -> {to}: {report}", from.display());
}

//! The `api` command line: serving (the default) and the administration commands.
//!
//! Parsing is clap's (derive); every configuration flag mirrors an environment variable and
//! overrides it ([`settings`]). Exit codes: 0 success, 1 a refused configuration or a failed
//! command, 2 a command line that does not parse.

mod access_sink;
mod error;
mod log_writer;
mod logging;
mod migrate;
mod prompt;
mod session;
mod settings;
mod table;
mod user;

use std::ffi::OsString;
use std::process::ExitCode;

use api::config::Config;
use clap::{Parser, Subcommand};

pub use error::CliError;
use settings::Settings;

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    // A repeated flag takes its last value, as in most Unix tools (handy with shell aliases).
    args_override_self = true,
    about = "The session authentication API and its administration commands.",
    long_about = "The session authentication API and its administration commands.\n\n\
        With no command it serves (like `api serve`). Every setting comes from its environment \
        variable; the flag of the same setting overrides it. Exit codes: 0 success, 1 a \
        refused configuration or a failed command, 2 a command line that does not parse."
)]
pub struct Cli {
    /// The configuration flags, accepted before or after the command.
    #[command(flatten)]
    settings: Settings,
    /// What to do; serving when absent.
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand, PartialEq, Eq)]
enum Command {
    /// Serve the API until SIGTERM or SIGINT (the default).
    Serve,
    /// Manage users directly in the configured store.
    #[command(
        subcommand,
        long_about = "Manage users directly in the configured store: the way to create the \
            first user when every route needs authentication. Passwords are hashed with \
            Argon2id at the configured cost, as the API does.\n\n\
            With STORAGE=file, stop the server that uses the same DATA_DIR first: a server \
            locks its folder, and these commands refuse a folder in use. With STORAGE=memory they act on an empty store \
            that ends with the command."
    )]
    User(user::UserCommand),
    /// List or purge stored sessions (those of session_db_auth).
    #[command(
        subcommand,
        long_about = "List or purge the sessions of the configured store (the ones \
            session_db_auth keeps; session_auth and session_exp_auth keep theirs in the \
            server's memory).\n\n\
            With STORAGE=file, stop the server that uses the same DATA_DIR first: a server \
            locks its folder, and these commands refuse a folder in use."
    )]
    Session(session::SessionCommand),
    /// Copy the users and sessions of a data folder (the file store) into PostgreSQL.
    #[command(
        long_about = "Copy every user and session of a data folder (the file store) into \
            the PostgreSQL database of DATABASE_URL (or --to), creating its tables if needed. \
            Records the database already holds are left as they are, so running the command \
            twice changes nothing and an interrupted run is finished by running it again. A \
            user whose email belongs to another user in the database is reported as a \
            conflict (exit code 1); everything else is still copied.\n\n\
            Stop the server that uses the data folder first: a server locks its folder, and \
            the command refuses a folder in use."
    )]
    Migrate(migrate::MigrateArgs),
}

/// Runs the command line `arguments` (the program name first) and returns the exit code.
pub async fn run<I, T>(arguments: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout (exit 0), usage errors to stderr (exit 2).
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let config = match &cli.command {
        Some(Command::Migrate(args)) => Config::environment()
            .map_err(|error| error.to_string())
            .and_then(|mut environment| {
                environment.extend(args.overrides());
                cli.settings
                    .config_over(environment)
                    .map_err(|error| error.to_string())
            }),
        _ => cli.settings.config().map_err(|error| error.to_string()),
    };
    let config = match config {
        Ok(config) => config,
        Err(error) => return failure(&error),
    };
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let log = logging::init(&config, if serving { "info" } else { "warn" });
    let result = match cli.command {
        None | Some(Command::Serve) => api::serve(config).await.map_err(CliError::from),
        Some(Command::User(command)) => user::run(command, &config).await,
        Some(Command::Session(command)) => session::run(command, &config).await,
        Some(Command::Migrate(args)) => migrate::run(args, &config).await,
    };
    // The log's last lines come before the final error line.
    drop(log);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => failure(&error),
    }
}

fn failure(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn parse(arguments: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("api").chain(arguments.iter().copied()))
    }

    fn refused(arguments: &[&str]) -> clap::Error {
        parse(arguments).expect_err("the command line is refused")
    }

    #[test]
    fn no_command_and_serve_both_serve() {
        assert_eq!(parse(&[]).expect("valid").command, None);
        assert_eq!(
            parse(&["serve"]).expect("valid").command,
            Some(Command::Serve)
        );
    }

    #[test]
    fn configuration_flags_are_accepted_before_and_after_the_command() {
        let before = parse(&["--port", "8080", "serve"]).expect("valid");
        let after = parse(&["serve", "--port", "8080"]).expect("valid");
        let bare = parse(&["--port", "8080"]).expect("valid");
        for cli in [before, after, bare] {
            assert_eq!(cli.settings.given(), &[("API_PORT", "8080".to_string())]);
        }
        let nested = parse(&["user", "list", "--data-dir", "/srv/data"]).expect("valid");
        assert_eq!(
            nested.settings.given(),
            &[("DATA_DIR", "/srv/data".to_string())]
        );
    }

    #[test]
    fn the_last_of_a_repeated_flag_wins() {
        for arguments in [
            &["--port", "1", "--port", "2"][..],
            &["--port", "1", "serve", "--port", "2"],
        ] {
            let cli = parse(arguments).expect("valid");
            assert_eq!(cli.settings.given(), &[("API_PORT", "2".to_string())]);
        }
    }

    #[test]
    fn an_unknown_command_or_flag_is_a_usage_error() {
        for arguments in [
            &["frobnicate"][..],
            &["--frobnicate"],
            &["user", "rename"],
            &["session", "list", "--everything"],
        ] {
            let error = refused(arguments);
            assert_eq!(error.exit_code(), 2, "{arguments:?}: {error}");
        }
    }

    #[test]
    fn a_flag_without_its_value_is_a_usage_error() {
        let error = refused(&["--port"]);
        assert_eq!(error.kind(), ErrorKind::InvalidValue);
        assert!(error.to_string().contains("--port <API_PORT>"), "{error}");
    }

    #[test]
    fn help_documents_every_flag_with_its_variable_and_default() {
        let error = refused(&["--help"]);
        assert_eq!(error.kind(), ErrorKind::DisplayHelp);
        assert_eq!(error.exit_code(), 0);
        let help = error.to_string();
        for flag in settings::FLAGS {
            assert!(
                help.contains(&format!("--{} <{}>", flag.long, flag.variable)),
                "{help}"
            );
            assert!(
                help.contains(&format!("[env: {}]", flag.variable)),
                "{help}"
            );
        }
        assert!(help.contains("[default: 5000]"), "{help}");
    }

    #[test]
    fn version_prints_the_package_version() {
        let error = refused(&["--version"]);
        assert_eq!(error.kind(), ErrorKind::DisplayVersion);
        assert!(
            error.to_string().contains(env!("CARGO_PKG_VERSION")),
            "{error}"
        );
    }

    #[test]
    fn the_file_store_warning_is_in_the_help_of_the_admin_commands() {
        for command in ["user", "session"] {
            let help = refused(&[command, "--help"]).to_string();
            assert!(help.contains("stop the server"), "{help}");
        }
    }
}

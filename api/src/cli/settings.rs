//! The configuration flags: one `--flag <VARIABLE>` per environment variable, overriding it.
//!
//! Flags are taken as raw text and laid over the environment's `(name, value)` pairs before
//! [`Config::from_vars`] parses everything, so a value is checked in one place whichever way it
//! came, and the message names the variable (and the flag, when the value came from one).

use std::collections::HashMap;

use api::config::{Config, ConfigError};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};

/// One configuration flag: the variable it overrides, its long name and its help.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    /// The environment variable, also shown as the flag's value name.
    pub variable: &'static str,
    /// The long flag, without `--`.
    pub long: &'static str,
    /// What the setting does.
    pub help: &'static str,
    /// The value used when neither the flag nor the variable is given.
    pub default: Fallback,
}

/// What a setting is when it is not given.
#[derive(Debug, Clone, Copy)]
pub enum Fallback {
    /// This exact value (checked against `Config` by a test).
    Value(&'static str),
    /// A behaviour that no single value describes.
    Described(&'static str),
}

/// Every configuration flag, in the order `--help` lists them.
pub const FLAGS: &[Flag] = &[
    Flag {
        variable: "API_HOST",
        long: "host",
        help: "Address to bind",
        default: Fallback::Value("0.0.0.0"),
    },
    Flag {
        variable: "API_PORT",
        long: "port",
        help: "Port to bind, 0-65535 (0: the system picks one)",
        default: Fallback::Value("5000"),
    },
    Flag {
        variable: "AUTH_TYPE",
        long: "auth-type",
        help: "none, auth, basic_auth, session_auth, session_exp_auth, session_db_auth, or a \
               comma-separated list",
        default: Fallback::Described("unset: the API is open, with a warning"),
    },
    Flag {
        variable: "SESSION_NAME",
        long: "session-name",
        help: "Name of the session cookie",
        default: Fallback::Value("_my_session_id"),
    },
    Flag {
        variable: "SESSION_DURATION",
        long: "session-duration",
        help: "Session lifetime in seconds, parsed like Python int(); 0, negative or \
               unparsable: sessions never expire",
        default: Fallback::Value("0"),
    },
    Flag {
        variable: "DATA_DIR",
        long: "data-dir",
        help: "Folder of .db_User.json and .db_UserSession.json (STORAGE=file)",
        default: Fallback::Value("."),
    },
    Flag {
        variable: "STORAGE",
        long: "storage",
        help: "Where users and database sessions live: file, memory or postgres",
        default: Fallback::Value("file"),
    },
    Flag {
        variable: "DATABASE_URL",
        long: "database-url",
        help: "PostgreSQL URL for STORAGE=postgres; prefer the variable, as a password in a \
               flag is visible to every local user in `ps`",
        default: Fallback::Described("none"),
    },
    Flag {
        variable: "DATABASE_TIMEOUT_SECONDS",
        long: "database-timeout-seconds",
        help: "Longest wait for the database before a request is answered 503, 1-3600",
        default: Fallback::Value("5"),
    },
    Flag {
        variable: "DATABASE_MAX_CONNECTIONS",
        long: "database-max-connections",
        help: "Size of the database connection pool, 1-1000",
        default: Fallback::Value("16"),
    },
    Flag {
        variable: "DATABASE_SCHEMA",
        long: "database-schema",
        help: "PostgreSQL schema holding the tables, created if missing",
        default: Fallback::Described("the database's search path, normally public"),
    },
    Flag {
        variable: "ARGON2_MEMORY_KIB",
        long: "argon2-memory-kib",
        help: "Argon2id memory cost of new password hashes, in KiB",
        default: Fallback::Value("19456"),
    },
    Flag {
        variable: "ARGON2_ITERATIONS",
        long: "argon2-iterations",
        help: "Argon2id passes",
        default: Fallback::Value("2"),
    },
    Flag {
        variable: "ARGON2_PARALLELISM",
        long: "argon2-parallelism",
        help: "Argon2id lanes",
        default: Fallback::Value("1"),
    },
    Flag {
        variable: "MAX_BODY_BYTES",
        long: "max-body-bytes",
        help: "Largest request body accepted; larger ones get 413",
        default: Fallback::Value("65536"),
    },
    Flag {
        variable: "REQUEST_TIMEOUT_SECONDS",
        long: "request-timeout-seconds",
        help: "Longest time a request may take before it is answered 503; 0: no limit",
        default: Fallback::Value("30"),
    },
    Flag {
        variable: "SHUTDOWN_TIMEOUT_SECONDS",
        long: "shutdown-timeout-seconds",
        help: "On SIGTERM or SIGINT, how long requests in flight may take to finish before \
               their connections are dropped",
        default: Fallback::Value("10"),
    },
    Flag {
        variable: "SESSION_COOKIE_SECURE",
        long: "session-cookie-secure",
        help: "1 or true adds Secure to the session cookies (0 or false: off)",
        default: Fallback::Value("0"),
    },
    Flag {
        variable: "SESSION_SWEEP_SECONDS",
        long: "session-sweep-seconds",
        help: "How often expired and idle sessions are purged; 0 disables the sweep",
        default: Fallback::Value("60"),
    },
    Flag {
        variable: "SESSION_IDLE_TIMEOUT",
        long: "session-idle-timeout",
        help: "Seconds without use after which a session ends; 0: never",
        default: Fallback::Value("0"),
    },
    Flag {
        variable: "CREDENTIAL_CACHE_TTL_SECONDS",
        long: "credential-cache-ttl-seconds",
        help: "How long a successful password check is remembered; 0 turns the cache off",
        default: Fallback::Value("60"),
    },
    Flag {
        variable: "CREDENTIAL_CACHE_MAX_ENTRIES",
        long: "credential-cache-max-entries",
        help: "How many successful checks are remembered at most; 0 turns the cache off",
        default: Fallback::Value("10000"),
    },
    Flag {
        variable: "MAX_CONCURRENT_HASHES",
        long: "max-concurrent-hashes",
        help: "How many Argon2 operations run at once",
        default: Fallback::Described("the number of CPUs"),
    },
    Flag {
        variable: "LOGIN_MAX_FAILURES_PER_ACCOUNT",
        long: "login-max-failures-per-account",
        help: "Failed checks of one email within the window before 429; 0: no limit",
        default: Fallback::Value("5"),
    },
    Flag {
        variable: "LOGIN_MAX_FAILURES_PER_ADDRESS",
        long: "login-max-failures-per-address",
        help: "Failed checks from one client address within the window before 429; 0: no limit",
        default: Fallback::Value("50"),
    },
    Flag {
        variable: "LOGIN_FAILURE_WINDOW_SECONDS",
        long: "login-failure-window-seconds",
        help: "The sliding window of both login limits, 1-86400",
        default: Fallback::Value("300"),
    },
    Flag {
        variable: "LOG_FORMAT",
        long: "log-format",
        help: "Log lines as text or json (one object per line), on stderr",
        default: Fallback::Value("text"),
    },
    Flag {
        variable: "RUST_LOG",
        long: "log-filter",
        help: "Log filter in tracing syntax, e.g. debug, warn,access=info or info,access=off \
               (access: the line per request)",
        default: Fallback::Described("info when serving, warn for the other commands"),
    },
];

/// The configuration flags given on the command line, as `(variable, value)` pairs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    given: Vec<(&'static str, String)>,
}

/// A configuration that does not parse, with the flag that gave the bad value, if one did.
#[derive(Debug, thiserror::Error)]
#[error("{error}{}", flag_note(.flags))]
pub struct SettingsError {
    error: ConfigError,
    flags: Vec<&'static str>,
}

fn flag_note(flags: &[&'static str]) -> String {
    match flags {
        [] => String::new(),
        [one] => format!(" (given as --{one})"),
        many => format!(" (given as --{})", many.join(", --")),
    }
}

impl Settings {
    /// Builds the configuration: the environment's variables, each overridden by its flag.
    pub fn config(&self) -> Result<Config, SettingsError> {
        let no_flag = |error| SettingsError {
            error,
            flags: Vec::new(),
        };
        let environment = Config::environment().map_err(no_flag)?;
        self.config_over(environment)
    }

    /// Builds the configuration from `environment` with the flags laid over it.
    pub fn config_over(&self, environment: Vec<(String, String)>) -> Result<Config, SettingsError> {
        let mut vars: HashMap<String, String> = environment.into_iter().collect();
        for (variable, value) in &self.given {
            vars.insert((*variable).to_string(), value.clone());
        }
        Config::from_vars(vars).map_err(|error| {
            let flags = error
                .variables()
                .iter()
                .filter(|variable| self.given.iter().any(|(given, _)| given == *variable))
                .filter_map(|variable| flag_for(variable).map(|flag| flag.long))
                .collect();
            SettingsError { error, flags }
        })
    }

    /// The flags given, as `(variable, value)` pairs.
    #[cfg(test)]
    pub fn given(&self) -> &[(&'static str, String)] {
        &self.given
    }
}

/// The flag that overrides `variable`.
fn flag_for(variable: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|flag| flag.variable == variable)
}

impl Flag {
    fn arg(&self) -> Arg {
        let default = match self.default {
            Fallback::Value(value) => format!("[default: {value}]"),
            Fallback::Described(text) => format!("[default: {text}]"),
        };
        Arg::new(self.variable)
            .long(self.long)
            .value_name(self.variable)
            .help(format!("{} [env: {}] {default}", self.help, self.variable))
            .action(ArgAction::Set)
            .global(true)
            .help_heading("Configuration (each flag overrides its environment variable)")
    }
}

impl FromArgMatches for Settings {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut settings = Settings::default();
        settings.update_from_arg_matches(matches)?;
        Ok(settings)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for flag in FLAGS {
            if let Some(value) = matches.get_one::<String>(flag.variable) {
                self.given
                    .retain(|(variable, _)| *variable != flag.variable);
                self.given.push((flag.variable, value.clone()));
            }
        }
        Ok(())
    }
}

impl Args for Settings {
    fn augment_args(command: clap::Command) -> clap::Command {
        command.args(FLAGS.iter().map(Flag::arg))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_variable_of_the_configuration_has_exactly_one_flag() {
        let flagged: BTreeSet<&str> = FLAGS.iter().map(|flag| flag.variable).collect();
        let read: BTreeSet<&str> = api::config::VARIABLES.iter().copied().collect();
        assert_eq!(flagged, read);
        assert_eq!(flagged.len(), FLAGS.len(), "a variable has two flags");
        let longs: BTreeSet<&str> = FLAGS.iter().map(|flag| flag.long).collect();
        assert_eq!(longs.len(), FLAGS.len(), "two flags share a name");
    }

    #[test]
    fn the_documented_defaults_are_the_defaults() {
        let documented: Vec<(String, String)> = FLAGS
            .iter()
            .filter_map(|flag| match flag.default {
                Fallback::Value(value) => Some((flag.variable.to_string(), value.to_string())),
                Fallback::Described(_) => None,
            })
            .collect();
        let settings = Settings::default();
        assert_eq!(
            settings
                .config_over(documented)
                .expect("the defaults parse"),
            settings.config_over(Vec::new()).expect("no setting parses")
        );
    }

    #[test]
    fn a_flag_wins_over_its_variable() {
        let settings = Settings {
            given: vec![("API_PORT", "8080".into())],
        };
        let environment = vec![
            ("API_PORT".to_string(), "9090".to_string()),
            ("API_HOST".to_string(), "127.0.0.1".to_string()),
        ];
        let config = settings.config_over(environment).expect("valid");
        assert_eq!(config.port, 8080);
        assert_eq!(config.host, "127.0.0.1");
    }

    #[test]
    fn an_empty_flag_unsets_its_variable() {
        let settings = Settings {
            given: vec![("API_PORT", String::new())],
        };
        let environment = vec![("API_PORT".to_string(), "9090".to_string())];
        let config = settings.config_over(environment).expect("valid");
        assert_eq!(config.port, 5000);
    }

    #[test]
    fn a_bad_flag_value_names_the_variable_and_the_flag() {
        let settings = Settings {
            given: vec![("API_PORT", "http".into())],
        };
        let message = settings
            .config_over(Vec::new())
            .expect_err("refused")
            .to_string();
        assert!(message.contains("API_PORT"), "{message}");
        assert!(message.contains("\"http\""), "{message}");
        assert!(message.contains("--port"), "{message}");
    }

    #[test]
    fn a_bad_variable_does_not_blame_a_flag() {
        let environment = vec![("API_PORT".to_string(), "http".to_string())];
        let message = Settings::default()
            .config_over(environment)
            .expect_err("refused")
            .to_string();
        assert!(message.contains("API_PORT"), "{message}");
        assert!(!message.contains("--"), "{message}");
    }

    #[test]
    fn argon2_parameters_refused_together_name_the_flags_given() {
        let settings = Settings {
            given: vec![
                ("ARGON2_MEMORY_KIB", "8".into()),
                ("ARGON2_PARALLELISM", "4".into()),
            ],
        };
        let message = settings
            .config_over(Vec::new())
            .expect_err("Argon2 refuses 8 KiB for 4 lanes")
            .to_string();
        assert!(
            message.contains("--argon2-memory-kib, --argon2-parallelism"),
            "{message}"
        );
    }
}

//! The service's configuration, parsed once from the environment at start-up.
//!
//! Every variable becomes a typed value here or start-up stops with a message that names the
//! variable and the bad value. An empty value counts as unset, as in a shell `VAR= api`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use auth::accounts::{DEFAULT_CREDENTIAL_CACHE_MAX_ENTRIES, DEFAULT_CREDENTIAL_CACHE_TTL_SECONDS};
use auth::hashing::default_max_concurrent_hashes;
use auth::throttle::{
    DEFAULT_FAILURE_WINDOW_SECONDS, DEFAULT_MAX_FAILURES_PER_ACCOUNT,
    DEFAULT_MAX_FAILURES_PER_ADDRESS,
};
use auth::{AccountsOptions, AuthConfigError, AuthSetting, IdleTimeout, ThrottleOptions};
use domain::{PasswordHasher, PasswordParams, SessionDuration};
use thiserror::Error;

use crate::storage_setting::StorageSetting;

/// The session cookie name when `SESSION_NAME` is unset (D2).
pub const DEFAULT_SESSION_NAME: &str = "_my_session_id";

/// The request body limit when `MAX_BODY_BYTES` is unset.
pub const DEFAULT_MAX_BODY_BYTES: usize = 65536;

/// The interval of the expired-session sweep when `SESSION_SWEEP_SECONDS` is unset.
pub const DEFAULT_SWEEP_SECONDS: u64 = 60;

/// The longest a request may take when `REQUEST_TIMEOUT_SECONDS` is unset.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// How long requests in flight may finish after SIGTERM when `SHUTDOWN_TIMEOUT_SECONDS` is
/// unset.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: u64 = 10;

/// The largest accepted `REQUEST_TIMEOUT_SECONDS` and `SHUTDOWN_TIMEOUT_SECONDS`: an hour.
const MAX_TIMEOUT_SECONDS: u64 = 3600;

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, the event's fields at the top level.
    Json,
}

/// Why the configuration was refused; each message names the variable and the bad value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A variable whose value does not parse.
    #[error("invalid {name} {value:?}: expected {expected}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// The value found.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A variable that another setting makes necessary is unset.
    #[error("{name} must be set when {because}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// The setting that needs it, e.g. `STORAGE=postgres`.
        because: &'static str,
    },
    /// A variable whose value is not valid UTF-8.
    #[error("invalid {name}: the value is not valid UTF-8")]
    NotUnicode {
        /// The variable.
        name: &'static str,
    },
    /// `AUTH_TYPE` names no known mechanism (the message lists the valid values).
    #[error(transparent)]
    AuthType(#[from] AuthConfigError),
    /// The three Argon2 numbers parse but Argon2 refuses them together.
    #[error("invalid Argon2 parameters ARGON2_MEMORY_KIB={memory_kib}, ARGON2_ITERATIONS={iterations}, ARGON2_PARALLELISM={parallelism}: {reason}")]
    PasswordParams {
        /// `ARGON2_MEMORY_KIB`.
        memory_kib: u32,
        /// `ARGON2_ITERATIONS`.
        iterations: u32,
        /// `ARGON2_PARALLELISM`.
        parallelism: u32,
        /// What Argon2 said.
        reason: String,
    },
}

/// Everything the server needs to start, as typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `API_HOST`: the address to bind (default `0.0.0.0`).
    pub host: String,
    /// `API_PORT`: the port to bind (default 5000; 0 picks a free port).
    pub port: u16,
    /// `AUTH_TYPE`: which mechanisms guard the API.
    pub auth: AuthSetting,
    /// Whether `AUTH_TYPE` was given at all; an unset value opens the API with a warning (D1).
    pub auth_type_given: bool,
    /// `SESSION_NAME`: the session cookie's name (default `_my_session_id`).
    pub session_name: String,
    /// `SESSION_DURATION`: session lifetime, parsed like Python `int()`.
    pub session_duration: SessionDuration,
    /// `DATA_DIR`: the folder of `.db_User.json` and `.db_UserSession.json` (default `.`).
    pub data_dir: PathBuf,
    /// `STORAGE` (`file`, `memory` or `postgres`) with `DATABASE_URL` and the database limits.
    pub storage: StorageSetting,
    /// `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM` (default OWASP).
    pub password_params: PasswordParams,
    /// `MAX_BODY_BYTES`: the largest accepted request body (default 65536).
    pub max_body_bytes: usize,
    /// `SESSION_COOKIE_SECURE`: whether the session cookie gets `Secure` (default off).
    pub cookie_secure: bool,
    /// `SESSION_SWEEP_SECONDS`: how often expired sessions are purged; `None` when 0.
    pub sweep_interval: Option<Duration>,
    /// `SESSION_IDLE_TIMEOUT`: seconds without use after which a session ends (default 0:
    /// never).
    pub idle_timeout: IdleTimeout,
    /// `CREDENTIAL_CACHE_TTL_SECONDS`, `CREDENTIAL_CACHE_MAX_ENTRIES`, `MAX_CONCURRENT_HASHES`:
    /// how long successful password checks are remembered, how many, and how many Argon2
    /// operations may run at once; `LOGIN_MAX_FAILURES_PER_ACCOUNT`,
    /// `LOGIN_MAX_FAILURES_PER_ADDRESS`, `LOGIN_FAILURE_WINDOW_SECONDS`: the brute-force limits.
    pub accounts: AccountsOptions,
    /// `REQUEST_TIMEOUT_SECONDS`: how long a request may take before it is answered 503
    /// (default 30); `None` when 0.
    pub request_timeout: Option<Duration>,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: how long requests in flight may take to finish after SIGTERM
    /// or SIGINT before their connections are dropped (default 10).
    pub shutdown_timeout: Duration,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `RUST_LOG`: the log filter, checked here; `None` leaves the choice to the command
    /// (`info` when serving).
    pub log_filter: Option<String>,
}

/// The variables this service reads; `from_env` looks at no others.
pub const VARIABLES: &[&str] = &[
    "API_HOST",
    "API_PORT",
    "AUTH_TYPE",
    "SESSION_NAME",
    "SESSION_DURATION",
    "DATA_DIR",
    "ARGON2_MEMORY_KIB",
    "ARGON2_ITERATIONS",
    "ARGON2_PARALLELISM",
    "MAX_BODY_BYTES",
    "SESSION_COOKIE_SECURE",
    "SESSION_SWEEP_SECONDS",
    "SESSION_IDLE_TIMEOUT",
    "CREDENTIAL_CACHE_TTL_SECONDS",
    "CREDENTIAL_CACHE_MAX_ENTRIES",
    "MAX_CONCURRENT_HASHES",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURE_WINDOW_SECONDS",
    "REQUEST_TIMEOUT_SECONDS",
    "SHUTDOWN_TIMEOUT_SECONDS",
    "LOG_FORMAT",
    "RUST_LOG",
    "STORAGE",
    "DATABASE_URL",
    "DATABASE_TIMEOUT_SECONDS",
    "DATABASE_MAX_CONNECTIONS",
    "DATABASE_SCHEMA",
];

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(Config::environment()?)
    }

    /// Returns the [`VARIABLES`] set in the process environment as `(name, value)` pairs, for
    /// callers that lay other values (command-line flags) over them before
    /// [`from_vars`](Config::from_vars).
    pub fn environment() -> Result<Vec<(String, String)>, ConfigError> {
        let mut pairs = Vec::new();
        for name in VARIABLES {
            if let Some(value) = std::env::var_os(name) {
                pairs.push((name.to_string(), utf8(name, value)?));
            }
        }
        Ok(pairs)
    }

    /// Reads the configuration from `(name, value)` pairs, as tests supply them; a later pair
    /// overrides an earlier one with the same name.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let get = |name: &str| vars.get(name).map(String::as_str);

        let auth_type = get("AUTH_TYPE");
        Ok(Config {
            host: get("API_HOST").unwrap_or("0.0.0.0").to_string(),
            port: parse_number("API_PORT", get("API_PORT"), 5000, "a port number 0-65535")?,
            auth: AuthSetting::parse(auth_type)?,
            auth_type_given: auth_type.is_some(),
            session_name: parse_session_name(get("SESSION_NAME"))?,
            session_duration: SessionDuration::parse_env(get("SESSION_DURATION")),
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or(".")),
            storage: StorageSetting::parse(&get)?,
            password_params: parse_password_params(&get)?,
            max_body_bytes: parse_positive(
                "MAX_BODY_BYTES",
                get("MAX_BODY_BYTES"),
                DEFAULT_MAX_BODY_BYTES,
            )?,
            cookie_secure: parse_flag("SESSION_COOKIE_SECURE", get("SESSION_COOKIE_SECURE"))?,
            sweep_interval: match parse_number(
                "SESSION_SWEEP_SECONDS",
                get("SESSION_SWEEP_SECONDS"),
                DEFAULT_SWEEP_SECONDS,
                "a whole number of seconds (0 disables the sweep)",
            )? {
                0 => None,
                seconds => Some(Duration::from_secs(seconds)),
            },
            idle_timeout: IdleTimeout::from_seconds(parse_number(
                "SESSION_IDLE_TIMEOUT",
                get("SESSION_IDLE_TIMEOUT"),
                0,
                "a whole number of seconds (0: sessions never end for disuse)",
            )?),
            accounts: parse_accounts_options(&get)?,
            request_timeout: match parse_timeout(
                "REQUEST_TIMEOUT_SECONDS",
                get("REQUEST_TIMEOUT_SECONDS"),
                DEFAULT_REQUEST_TIMEOUT_SECONDS,
                "a whole number of seconds from 0 to 3600 (0: no limit)",
            )? {
                0 => None,
                seconds => Some(Duration::from_secs(seconds)),
            },
            shutdown_timeout: Duration::from_secs(parse_timeout(
                "SHUTDOWN_TIMEOUT_SECONDS",
                get("SHUTDOWN_TIMEOUT_SECONDS"),
                DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
                "a whole number of seconds from 0 to 3600",
            )?),
            log_format: parse_log_format(get("LOG_FORMAT"))?,
            log_filter: parse_log_filter(get("RUST_LOG"))?,
        })
    }

    /// Tells whether the API runs without authentication because `AUTH_TYPE` was not given, the
    /// case that deserves a warning at start-up (D1).
    pub fn is_open_by_default(&self) -> bool {
        self.auth == AuthSetting::Off && !self.auth_type_given
    }
}

fn parse_accounts_options<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Result<AccountsOptions, ConfigError> {
    let max_concurrent_hashes = match get("MAX_CONCURRENT_HASHES") {
        None => default_max_concurrent_hashes(),
        Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "MAX_CONCURRENT_HASHES",
            value: text.to_string(),
            expected: "a whole number of at least 1",
        })?,
    };
    Ok(AccountsOptions {
        credential_cache_ttl_seconds: parse_number(
            "CREDENTIAL_CACHE_TTL_SECONDS",
            get("CREDENTIAL_CACHE_TTL_SECONDS"),
            DEFAULT_CREDENTIAL_CACHE_TTL_SECONDS,
            "a whole number of seconds (0 turns the cache off)",
        )?,
        credential_cache_max_entries: parse_number(
            "CREDENTIAL_CACHE_MAX_ENTRIES",
            get("CREDENTIAL_CACHE_MAX_ENTRIES"),
            DEFAULT_CREDENTIAL_CACHE_MAX_ENTRIES,
            "a whole number of entries (0 turns the cache off)",
        )?,
        max_concurrent_hashes,
        throttle: parse_throttle_options(get)?,
    })
}

/// The longest accepted failure window: a day, so that a block can never last much longer.
const MAX_FAILURE_WINDOW_SECONDS: u64 = 86_400;

fn parse_throttle_options<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Result<ThrottleOptions, ConfigError> {
    const WINDOW: &str = "LOGIN_FAILURE_WINDOW_SECONDS";
    const WINDOW_EXPECTED: &str = "a whole number of seconds from 1 to 86400";
    let window_seconds = parse_in_range(
        WINDOW,
        get(WINDOW),
        DEFAULT_FAILURE_WINDOW_SECONDS,
        WINDOW_EXPECTED,
        1..=MAX_FAILURE_WINDOW_SECONDS,
    )?;
    Ok(ThrottleOptions {
        max_failures_per_account: parse_number(
            "LOGIN_MAX_FAILURES_PER_ACCOUNT",
            get("LOGIN_MAX_FAILURES_PER_ACCOUNT"),
            DEFAULT_MAX_FAILURES_PER_ACCOUNT,
            "a whole number of failures (0 turns the per-account limit off)",
        )?,
        max_failures_per_address: parse_number(
            "LOGIN_MAX_FAILURES_PER_ADDRESS",
            get("LOGIN_MAX_FAILURES_PER_ADDRESS"),
            DEFAULT_MAX_FAILURES_PER_ADDRESS,
            "a whole number of failures (0 turns the per-address limit off)",
        )?,
        window_seconds,
        ..ThrottleOptions::default()
    })
}

impl ConfigError {
    /// Returns the variables whose values were refused, so that a caller can say where they
    /// came from (a command-line flag rather than the environment).
    pub fn variables(&self) -> Vec<&'static str> {
        match self {
            ConfigError::Invalid { name, .. }
            | ConfigError::Missing { name, .. }
            | ConfigError::NotUnicode { name } => vec![name],
            ConfigError::AuthType(_) => vec!["AUTH_TYPE"],
            ConfigError::PasswordParams { .. } => vec![
                "ARGON2_MEMORY_KIB",
                "ARGON2_ITERATIONS",
                "ARGON2_PARALLELISM",
            ],
        }
    }
}

fn parse_timeout(
    name: &'static str,
    value: Option<&str>,
    default: u64,
    expected: &'static str,
) -> Result<u64, ConfigError> {
    parse_in_range(name, value, default, expected, 0..=MAX_TIMEOUT_SECONDS)
}

fn parse_log_format(value: Option<&str>) -> Result<LogFormat, ConfigError> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(_) => Err(ConfigError::Invalid {
            name: "LOG_FORMAT",
            value: value.unwrap_or_default().to_string(),
            expected: "text or json",
        }),
    }
}

/// Checks `RUST_LOG` with the parser the log itself uses, so a typo stops start-up instead of
/// silently logging something else.
fn parse_log_filter(value: Option<&str>) -> Result<Option<String>, ConfigError> {
    let Some(text) = value else {
        return Ok(None);
    };
    match tracing_subscriber::EnvFilter::try_new(text) {
        Ok(_) => Ok(Some(text.to_string())),
        Err(_) => Err(ConfigError::Invalid {
            name: "RUST_LOG",
            value: text.to_string(),
            expected: "a tracing filter such as info, debug or info,access=off",
        }),
    }
}

fn utf8(name: &'static str, value: OsString) -> Result<String, ConfigError> {
    value
        .into_string()
        .map_err(|_| ConfigError::NotUnicode { name })
}

fn parse_number<T: std::str::FromStr>(
    name: &'static str,
    value: Option<&str>,
    default: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            value: text.to_string(),
            expected,
        }),
    }
}

/// Parses like [`parse_number`] and also refuses a number outside `range`, with the same
/// message naming the variable, the value and `expected`.
pub(crate) fn parse_in_range<T: std::str::FromStr + PartialOrd>(
    name: &'static str,
    value: Option<&str>,
    default: T,
    expected: &'static str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError> {
    let number = parse_number(name, value, default, expected)?;
    if range.contains(&number) {
        Ok(number)
    } else {
        Err(ConfigError::Invalid {
            name,
            value: value.unwrap_or_default().to_string(),
            expected,
        })
    }
}

fn parse_positive(
    name: &'static str,
    value: Option<&str>,
    default: usize,
) -> Result<usize, ConfigError> {
    const EXPECTED: &str = "a positive whole number of bytes";
    parse_in_range(name, value, default, EXPECTED, 1..=usize::MAX)
}

fn parse_flag(name: &'static str, value: Option<&str>) -> Result<bool, ConfigError> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(_) => Err(ConfigError::Invalid {
            name,
            value: value.unwrap_or_default().to_string(),
            expected: "1, true, 0 or false",
        }),
    }
}

/// Accepts a cookie name only if it is an RFC 6265 token, so the `Set-Cookie` header can always
/// be written.
fn parse_session_name(value: Option<&str>) -> Result<String, ConfigError> {
    let Some(name) = value else {
        return Ok(DEFAULT_SESSION_NAME.to_string());
    };
    let is_token_char = |c: char| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c);
    if name.chars().all(is_token_char) {
        Ok(name.to_string())
    } else {
        Err(ConfigError::Invalid {
            name: "SESSION_NAME",
            value: name.to_string(),
            expected: "a cookie name (visible ASCII without spaces or ()<>@,;:\\\"/[]?={})",
        })
    }
}

fn parse_password_params<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Result<PasswordParams, ConfigError> {
    const EXPECTED: &str = "a positive whole number";
    let default = PasswordParams::OWASP;
    let params = PasswordParams {
        memory_kib: parse_number(
            "ARGON2_MEMORY_KIB",
            get("ARGON2_MEMORY_KIB"),
            default.memory_kib,
            EXPECTED,
        )?,
        iterations: parse_number(
            "ARGON2_ITERATIONS",
            get("ARGON2_ITERATIONS"),
            default.iterations,
            EXPECTED,
        )?,
        parallelism: parse_number(
            "ARGON2_PARALLELISM",
            get("ARGON2_PARALLELISM"),
            default.parallelism,
            EXPECTED,
        )?,
    };
    // Argon2 itself knows which combinations it accepts (memory >= 8 x parallelism, ...).
    PasswordHasher::new(params).map_err(|err| ConfigError::PasswordParams {
        memory_kib: params.memory_kib,
        iterations: params.iterations,
        parallelism: params.parallelism,
        reason: err.to_string(),
    })?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth::Mechanism;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(vars.iter().copied())
    }

    fn message(vars: &[(&str, &str)]) -> String {
        parse(vars).expect_err("the value is refused").to_string()
    }

    #[test]
    fn an_empty_environment_gives_the_documented_defaults() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.host, "0.0.0.0");
        assert_eq!(config.port, 5000);
        assert_eq!(config.auth, AuthSetting::Off);
        assert!(config.is_open_by_default());
        assert_eq!(config.session_name, "_my_session_id");
        assert_eq!(config.session_duration, SessionDuration::from_seconds(0));
        assert_eq!(config.data_dir, PathBuf::from("."));
        assert_eq!(config.password_params, PasswordParams::OWASP);
        assert_eq!(config.max_body_bytes, 65536);
        assert!(!config.cookie_secure);
        assert_eq!(config.sweep_interval, Some(Duration::from_secs(60)));
        assert_eq!(config.accounts, AccountsOptions::default());
    }

    #[test]
    fn every_variable_is_read() {
        let config = parse(&[
            ("API_HOST", "127.0.0.1"),
            ("API_PORT", "8080"),
            ("AUTH_TYPE", "session_db_auth"),
            ("SESSION_NAME", "sid"),
            ("SESSION_DURATION", " 60 "),
            ("DATA_DIR", "/tmp/data"),
            ("ARGON2_MEMORY_KIB", "8"),
            ("ARGON2_ITERATIONS", "1"),
            ("ARGON2_PARALLELISM", "1"),
            ("MAX_BODY_BYTES", "1024"),
            ("SESSION_COOKIE_SECURE", "true"),
            ("SESSION_SWEEP_SECONDS", "5"),
            ("CREDENTIAL_CACHE_TTL_SECONDS", "30"),
            ("CREDENTIAL_CACHE_MAX_ENTRIES", "100"),
            ("MAX_CONCURRENT_HASHES", "3"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "7"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "70"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "120"),
        ])
        .expect("all values are valid");
        assert_eq!(config.host, "127.0.0.1");
        assert_eq!(config.port, 8080);
        assert_eq!(config.auth, AuthSetting::On(vec![Mechanism::SessionDb]));
        assert!(!config.is_open_by_default());
        assert_eq!(config.session_name, "sid");
        assert_eq!(config.session_duration, SessionDuration::from_seconds(60));
        assert_eq!(config.data_dir, PathBuf::from("/tmp/data"));
        assert_eq!(config.password_params, PasswordParams::INSECURE_FAST);
        assert_eq!(config.max_body_bytes, 1024);
        assert!(config.cookie_secure);
        assert_eq!(config.sweep_interval, Some(Duration::from_secs(5)));
        assert_eq!(config.accounts.credential_cache_ttl_seconds, 30);
        assert_eq!(config.accounts.credential_cache_max_entries, 100);
        assert_eq!(config.accounts.max_concurrent_hashes.get(), 3);
        assert_eq!(config.accounts.throttle.max_failures_per_account, 7);
        assert_eq!(config.accounts.throttle.max_failures_per_address, 70);
        assert_eq!(config.accounts.throttle.window_seconds, 120);
    }

    #[test]
    fn bad_cache_and_hashing_limits_name_their_variable() {
        for (name, bad) in [
            ("CREDENTIAL_CACHE_TTL_SECONDS", "-1"),
            ("CREDENTIAL_CACHE_MAX_ENTRIES", "many"),
            ("MAX_CONCURRENT_HASHES", "0"),
            ("MAX_CONCURRENT_HASHES", "two"),
        ] {
            let text = message(&[(name, bad)]);
            assert!(text.contains(name), "{text}");
            assert!(text.contains(bad), "{text}");
        }
        let off = parse(&[("CREDENTIAL_CACHE_TTL_SECONDS", "0")]).expect("0 turns it off");
        assert_eq!(off.accounts.credential_cache_ttl_seconds, 0);
    }

    #[test]
    fn the_login_limits_default_to_five_fifty_and_five_minutes() {
        let throttle = parse(&[]).expect("defaults are valid").accounts.throttle;
        assert_eq!(throttle.max_failures_per_account, 5);
        assert_eq!(throttle.max_failures_per_address, 50);
        assert_eq!(throttle.window_seconds, 300);
        let off = parse(&[
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "0"),
        ])
        .expect("0 turns a limit off");
        assert_eq!(off.accounts.throttle.max_failures_per_account, 0);
        assert_eq!(off.accounts.throttle.max_failures_per_address, 0);
    }

    #[test]
    fn bad_login_limits_name_their_variable() {
        for (name, bad) in [
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "five"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "-1"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1.5"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "0"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "86401"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "soon"),
        ] {
            let text = message(&[(name, bad)]);
            assert!(text.contains(name), "{text}");
            assert!(text.contains(bad), "{text}");
        }
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = parse(&[
            ("API_HOST", ""),
            ("API_PORT", ""),
            ("SESSION_NAME", ""),
            ("AUTH_TYPE", ""),
        ])
        .expect("empty values fall back to defaults");
        assert_eq!(config.host, "0.0.0.0");
        assert_eq!(config.port, 5000);
        assert_eq!(config.session_name, "_my_session_id");
        assert!(config.is_open_by_default());
    }

    #[test]
    fn auth_type_none_is_off_without_the_warning() {
        let config = parse(&[("AUTH_TYPE", "none")]).expect("none is valid");
        assert_eq!(config.auth, AuthSetting::Off);
        assert!(!config.is_open_by_default());
    }

    #[test]
    fn an_unknown_auth_type_lists_the_valid_values() {
        let text = message(&[("AUTH_TYPE", "Basic_Auth")]);
        assert!(text.contains("AUTH_TYPE"), "{text}");
        assert!(text.contains("Basic_Auth"), "{text}");
        for valid in [
            "basic_auth",
            "session_auth",
            "session_exp_auth",
            "session_db_auth",
        ] {
            assert!(text.contains(valid), "{text}");
        }
    }

    #[test]
    fn a_bad_port_names_api_port_and_the_value() {
        for bad in ["http", "70000", "-1", "50.5"] {
            let text = message(&[("API_PORT", bad)]);
            assert!(text.contains("API_PORT"), "{text}");
            assert!(text.contains(bad), "{text}");
        }
        assert_eq!(parse(&[("API_PORT", " 0 ")]).expect("valid").port, 0);
    }

    #[test]
    fn bad_argon2_numbers_name_their_variable() {
        for name in [
            "ARGON2_MEMORY_KIB",
            "ARGON2_ITERATIONS",
            "ARGON2_PARALLELISM",
        ] {
            let text = message(&[(name, "lots")]);
            assert!(text.contains(name), "{text}");
            assert!(text.contains("lots"), "{text}");
        }
        let text = message(&[("ARGON2_ITERATIONS", "0")]);
        assert!(text.contains("ARGON2_ITERATIONS=0"), "{text}");
    }

    #[test]
    fn the_body_limit_must_be_a_positive_number() {
        for bad in ["0", "big", "-3"] {
            let text = message(&[("MAX_BODY_BYTES", bad)]);
            assert!(text.contains("MAX_BODY_BYTES"), "{text}");
            assert!(text.contains(bad), "{text}");
        }
    }

    #[test]
    fn the_secure_flag_accepts_one_true_zero_and_false() {
        for (value, expected) in [("1", true), ("TRUE", true), ("0", false), ("false", false)] {
            let config = parse(&[("SESSION_COOKIE_SECURE", value)]).expect("valid flag");
            assert_eq!(config.cookie_secure, expected, "{value}");
        }
        let text = message(&[("SESSION_COOKIE_SECURE", "yes please")]);
        assert!(text.contains("SESSION_COOKIE_SECURE"), "{text}");
        assert!(text.contains("yes please"), "{text}");
    }

    #[test]
    fn the_idle_timeout_is_off_by_default_and_read_in_seconds() {
        assert_eq!(
            parse(&[]).expect("valid").idle_timeout,
            IdleTimeout::default()
        );
        let config = parse(&[("SESSION_IDLE_TIMEOUT", " 900 ")]).expect("valid");
        assert_eq!(config.idle_timeout, IdleTimeout::from_seconds(900));
        for bad in ["-1", "soon", "1.5"] {
            let text = message(&[("SESSION_IDLE_TIMEOUT", bad)]);
            assert!(text.contains("SESSION_IDLE_TIMEOUT"), "{text}");
        }
    }

    #[test]
    fn a_zero_sweep_interval_disables_the_sweep() {
        let config = parse(&[("SESSION_SWEEP_SECONDS", "0")]).expect("valid");
        assert_eq!(config.sweep_interval, None);
        let text = message(&[("SESSION_SWEEP_SECONDS", "soon")]);
        assert!(text.contains("SESSION_SWEEP_SECONDS"), "{text}");
    }

    #[test]
    fn a_session_name_that_cannot_be_a_cookie_name_is_refused() {
        for bad in ["my session", "a;b", "a=b"] {
            let text = message(&[("SESSION_NAME", bad)]);
            assert!(text.contains("SESSION_NAME"), "{text}");
        }
    }

    #[test]
    fn the_request_and_shutdown_timeouts_default_to_30_and_10_seconds() {
        let config = parse(&[]).expect("defaults are valid");
        assert_eq!(config.request_timeout, Some(Duration::from_secs(30)));
        assert_eq!(config.shutdown_timeout, Duration::from_secs(10));
        let config = parse(&[
            ("REQUEST_TIMEOUT_SECONDS", "0"),
            ("SHUTDOWN_TIMEOUT_SECONDS", " 3600 "),
        ])
        .expect("valid");
        assert_eq!(config.request_timeout, None);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(3600));
    }

    #[test]
    fn bad_timeouts_name_their_variable() {
        for name in ["REQUEST_TIMEOUT_SECONDS", "SHUTDOWN_TIMEOUT_SECONDS"] {
            for bad in ["-1", "3601", "soon", "1.5"] {
                let text = message(&[(name, bad)]);
                assert!(text.contains(name), "{text}");
                assert!(text.contains(bad), "{text}");
            }
        }
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        assert_eq!(parse(&[]).expect("valid").log_format, LogFormat::Text);
        let config = parse(&[("LOG_FORMAT", "JSON")]).expect("valid");
        assert_eq!(config.log_format, LogFormat::Json);
        let text = message(&[("LOG_FORMAT", "xml")]);
        assert!(text.contains("LOG_FORMAT"), "{text}");
        assert!(text.contains("text or json"), "{text}");
    }

    #[test]
    fn the_log_filter_is_checked_and_kept() {
        assert_eq!(parse(&[]).expect("valid").log_filter, None);
        let config = parse(&[("RUST_LOG", "warn,access=info")]).expect("valid");
        assert_eq!(config.log_filter.as_deref(), Some("warn,access=info"));
        let text = message(&[("RUST_LOG", "api=loud")]);
        assert!(text.contains("RUST_LOG"), "{text}");
        assert!(text.contains("api=loud"), "{text}");
    }

    #[test]
    fn errors_tell_which_variables_they_are_about() {
        let error = parse(&[("API_PORT", "x")]).expect_err("refused");
        assert_eq!(error.variables(), ["API_PORT"]);
        let error = parse(&[("AUTH_TYPE", "x")]).expect_err("refused");
        assert_eq!(error.variables(), ["AUTH_TYPE"]);
        let error = parse(&[("ARGON2_ITERATIONS", "0")]).expect_err("refused");
        assert!(error.variables().contains(&"ARGON2_ITERATIONS"));
    }

    #[test]
    fn session_duration_parses_like_python_int() {
        for (value, seconds) in [("abc", 0), ("-5", -5), ("+60", 60), ("1.5", 0)] {
            let config = parse(&[("SESSION_DURATION", value)]).expect("never an error");
            assert_eq!(config.session_duration.seconds(), seconds, "{value}");
        }
    }
}

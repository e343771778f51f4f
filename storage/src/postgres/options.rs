//! The settings of a PostgreSQL store, checked before anything touches the network.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use crate::StorageError;

/// How long one operation (and the connection it needs) may take when nothing else is said.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections one store opens at most when nothing else is said.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// The longest schema name PostgreSQL keeps without truncating it.
const MAX_SCHEMA_NAME_BYTES: usize = 63;

/// The `application_name` connections report when the URL names none, so an operator can tell
/// this service's connections apart in `pg_stat_activity`.
const APPLICATION_NAME: &str = "session-auth";

/// Where the database is and how the store uses it.
#[derive(Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// The connection URL, `postgres://user:password@host:port/database?sslmode=require`.
    pub url: String,
    /// The most one operation may take, waiting for a connection included; also the
    /// server-side `statement_timeout` of every connection. Longer operations fail with
    /// [`StorageError::Unavailable`].
    pub timeout: Duration,
    /// How many connections the store opens at most.
    pub max_connections: u32,
    /// A schema to keep the tables in instead of the database's default (`public`); it is
    /// created when missing and every connection's `search_path` is set to it. Letters, digits
    /// and `_`, not starting with a digit, at most 63 bytes.
    pub schema: Option<String>,
}

impl PgOptions {
    /// Settings for the database at `url`, with a 5 s timeout, at most 16 connections and the
    /// database's default schema.
    pub fn new(url: impl Into<String>) -> Self {
        PgOptions {
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            schema: None,
        }
    }

    /// Checks every setting and turns the URL into sqlx's connection options, with the
    /// `host:port` that messages name; fails with [`StorageError::InvalidSetting`].
    pub(crate) fn resolve(&self) -> Result<ResolvedOptions, StorageError> {
        if self.timeout.is_zero() {
            return Err(invalid("the timeout must be longer than zero"));
        }
        if self.max_connections == 0 {
            return Err(invalid("at least one connection is needed"));
        }
        if let Some(schema) = &self.schema {
            check_schema_name(schema)?;
        }
        let connect = parse_url(&self.url)?;
        let target = target_of(&connect);
        let connect = match connect.get_application_name() {
            Some(_) => connect,
            None => connect.application_name(&application_name(self.schema.as_deref())),
        };
        Ok(ResolvedOptions { connect, target })
    }
}

impl fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: a debug line names only where the database is.
        let target = parse_url(&self.url)
            .map(|connect| target_of(&connect))
            .unwrap_or_else(|_| "<invalid URL>".to_string());
        f.debug_struct("PgOptions")
            .field("target", &target)
            .field("timeout", &self.timeout)
            .field("max_connections", &self.max_connections)
            .field("schema", &self.schema)
            .finish()
    }
}

/// Settings checked and parsed: what connecting needs.
pub(crate) struct ResolvedOptions {
    /// sqlx's connection options (host, credentials, TLS mode, application name).
    pub(crate) connect: PgConnectOptions,
    /// `host:port` (or the socket folder), for messages.
    pub(crate) target: String,
}

/// Quotes a checked schema name for SQL (`"name"`); the name holds no quote to escape.
pub(crate) fn quoted(schema: &str) -> String {
    format!("\"{schema}\"")
}

fn parse_url(url: &str) -> Result<PgConnectOptions, StorageError> {
    // sqlx would take other schemes as PostgreSQL too; a MySQL URL is a mistake worth naming.
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(invalid(
            "the database URL must start with postgres:// or postgresql://",
        ));
    }
    PgConnectOptions::from_str(url).map_err(|error| {
        // sqlx wraps the parser's complaint ("invalid port number"); the URL itself, which may
        // hold a password, is never repeated.
        let reason = match &error {
            sqlx::Error::Configuration(inner) => inner.to_string(),
            other => other.to_string(),
        };
        invalid(&format!("the database URL cannot be parsed: {reason}"))
    })
}

fn target_of(connect: &PgConnectOptions) -> String {
    match connect.get_socket() {
        Some(folder) => format!("{}:{}", folder.display(), connect.get_port()),
        None if connect.get_host().contains(':') => {
            format!("[{}]:{}", connect.get_host(), connect.get_port())
        }
        None => format!("{}:{}", connect.get_host(), connect.get_port()),
    }
}

fn check_schema_name(schema: &str) -> Result<(), StorageError> {
    let mut chars = schema.chars();
    let starts_well = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    let rest_is_plain = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !starts_well || !rest_is_plain || schema.len() > MAX_SCHEMA_NAME_BYTES {
        return Err(invalid(&format!(
            "schema name {schema:?} must be letters, digits and _, not start with a digit, \
             and be at most {MAX_SCHEMA_NAME_BYTES} bytes"
        )));
    }
    if schema.starts_with("pg_") {
        return Err(invalid(&format!(
            "schema name {schema:?} is reserved by PostgreSQL (pg_ prefix)"
        )));
    }
    Ok(())
}

fn application_name(schema: Option<&str>) -> String {
    match schema {
        Some(schema) => format!("{APPLICATION_NAME} ({schema})"),
        None => APPLICATION_NAME.to_string(),
    }
}

fn invalid(reason: &str) -> StorageError {
    StorageError::InvalidSetting(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(options: &PgOptions) -> Result<ResolvedOptions, StorageError> {
        options.resolve()
    }

    fn refusal(options: &PgOptions) -> StorageError {
        match options.resolve() {
            Ok(resolved) => panic!("accepted, target {}", resolved.target),
            Err(error) => error,
        }
    }

    #[test]
    fn defaults_are_five_seconds_and_sixteen_connections() {
        let options = PgOptions::new("postgres://u@h/db");
        assert_eq!(options.timeout, Duration::from_secs(5));
        assert_eq!(options.max_connections, 16);
        assert_eq!(options.schema, None);
    }

    #[test]
    fn the_target_names_host_and_port_but_never_the_password() {
        let options = PgOptions::new("postgres://alice:s3cret@db.example:6543/app");
        let resolved = resolve(&options).expect("valid");
        assert_eq!(resolved.target, "db.example:6543");
        let debug = format!("{options:?}");
        assert!(debug.contains("db.example:6543"), "{debug}");
        assert!(!debug.contains("s3cret"), "{debug}");
    }

    #[test]
    fn the_default_port_is_5432() {
        let resolved = resolve(&PgOptions::new("postgresql://u@10.1.2.3/db")).expect("valid");
        assert_eq!(resolved.target, "10.1.2.3:5432");
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "",
            "127.0.0.1:5432",
            "mysql://root:s3cret@localhost/db",
            "postgres://u:s3cret@host:notaport/db",
        ] {
            let error = refusal(&PgOptions::new(url));
            let text = error.to_string();
            assert!(
                matches!(error, StorageError::InvalidSetting(_)),
                "{url}: {error:?}"
            );
            assert!(text.contains("database URL"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
    }

    #[test]
    fn bad_schema_names_and_zero_limits_are_refused() {
        for schema in ["", "1abc", "a-b", "a\"b", "pg_mine", &"x".repeat(64)] {
            let mut options = PgOptions::new("postgres://u@h/db");
            options.schema = Some(schema.to_string());
            let error = refusal(&options);
            assert!(
                error.to_string().contains("schema name"),
                "{schema}: {error}"
            );
        }
        let mut options = PgOptions::new("postgres://u@h/db");
        options.max_connections = 0;
        assert!(refusal(&options).to_string().contains("connection"));
        let mut options = PgOptions::new("postgres://u@h/db");
        options.timeout = Duration::ZERO;
        assert!(refusal(&options).to_string().contains("timeout"));
    }

    #[test]
    fn a_good_schema_name_is_quoted_and_named_in_the_application_name() {
        let mut options = PgOptions::new("postgres://u@h/db");
        options.schema = Some("Tenant_01".into());
        let resolved = resolve(&options).expect("valid");
        assert_eq!(
            resolved.connect.get_application_name(),
            Some("session-auth (Tenant_01)")
        );
        assert_eq!(quoted("Tenant_01"), "\"Tenant_01\"");
        let named =
            resolve(&PgOptions::new("postgres://u@h/db?application_name=mine")).expect("valid");
        assert_eq!(named.connect.get_application_name(), Some("mine"));
    }
}

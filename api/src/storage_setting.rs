//! `STORAGE`, `DATABASE_URL` and the database limits: where users and persistent sessions live.

use std::fmt;
use std::time::Duration;

use storage::postgres::redact_password;

use crate::config::{parse_in_range, ConfigError};

/// The database operation timeout when `DATABASE_TIMEOUT_SECONDS` is unset.
pub const DEFAULT_DATABASE_TIMEOUT_SECONDS: u64 = 5;

/// The connection pool size when `DATABASE_MAX_CONNECTIONS` is unset.
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 16;

/// Which store holds the users (and, under `session_db_auth`, the sessions).
#[derive(Clone, PartialEq, Eq)]
pub enum StorageSetting {
    /// `STORAGE=file` (the default): the original's data files in `DATA_DIR`, with journals.
    File,
    /// `STORAGE=memory`: process memory only; everything is lost when the server stops.
    Memory,
    /// `STORAGE=postgres`: a PostgreSQL database shared by any number of servers.
    Postgres(DatabaseSetting),
}

/// How to reach the PostgreSQL database.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseSetting {
    /// `DATABASE_URL`, e.g. `postgres://user:password@host:5432/name`.
    pub url: String,
    /// `DATABASE_TIMEOUT_SECONDS`: the longest a request waits for the database before it is
    /// answered 503.
    pub timeout: Duration,
    /// `DATABASE_MAX_CONNECTIONS`: the size of this server's connection pool.
    pub max_connections: u32,
    /// `DATABASE_SCHEMA`: the schema holding the tables (created if missing); `None` uses the
    /// database's default search path (normally `public`).
    pub schema: Option<String>,
}

impl StorageSetting {
    /// Parses `STORAGE` and, for `postgres`, `DATABASE_URL`, `DATABASE_TIMEOUT_SECONDS` and
    /// `DATABASE_MAX_CONNECTIONS`; `get` returns a variable's value (empty counts as unset).
    pub fn parse<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<Self, ConfigError> {
        let kind = get("STORAGE").map(|v| v.trim().to_ascii_lowercase());
        match kind.as_deref() {
            None | Some("file") => Ok(StorageSetting::File),
            Some("memory") => Ok(StorageSetting::Memory),
            Some("postgres") | Some("postgresql") => {
                DatabaseSetting::parse(get).map(StorageSetting::Postgres)
            }
            Some(_) => Err(ConfigError::Invalid {
                name: "STORAGE",
                value: get("STORAGE").unwrap_or_default().to_string(),
                expected: "file, memory or postgres",
            }),
        }
    }

    /// The setting's name, as `STORAGE` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            StorageSetting::File => "file",
            StorageSetting::Memory => "memory",
            StorageSetting::Postgres(_) => "postgres",
        }
    }
}

impl DatabaseSetting {
    fn parse<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<Self, ConfigError> {
        let url = get("DATABASE_URL").ok_or(ConfigError::Missing {
            name: "DATABASE_URL",
            because: "STORAGE=postgres",
        })?;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                value: redact_password(url),
                expected: "a URL like postgres://user:password@host:5432/database",
            });
        }
        let timeout = parse_in_range(
            "DATABASE_TIMEOUT_SECONDS",
            get("DATABASE_TIMEOUT_SECONDS"),
            DEFAULT_DATABASE_TIMEOUT_SECONDS,
            "a whole number of seconds from 1 to 3600",
            1..=3600,
        )?;
        let max_connections = parse_in_range(
            "DATABASE_MAX_CONNECTIONS",
            get("DATABASE_MAX_CONNECTIONS"),
            DEFAULT_DATABASE_MAX_CONNECTIONS,
            "a whole number of connections from 1 to 1000",
            1..=1000,
        )?;
        Ok(DatabaseSetting {
            url: url.to_string(),
            timeout: Duration::from_secs(timeout),
            max_connections,
            schema: parse_schema(get("DATABASE_SCHEMA"))?,
        })
    }

    /// The URL with its password replaced by `***`, safe to log or print.
    pub fn display_url(&self) -> String {
        redact_password(&self.url)
    }
}

/// Accepts a schema name only as a plain lower-case SQL identifier, so it can be written into
/// statements without quoting rules to get wrong.
fn parse_schema(value: Option<&str>) -> Result<Option<String>, ConfigError> {
    let Some(name) = value else {
        return Ok(None);
    };
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if starts_well && rest_ok && name.len() <= 63 {
        Ok(Some(name.to_string()))
    } else {
        Err(ConfigError::Invalid {
            name: "DATABASE_SCHEMA",
            value: name.to_string(),
            expected: "a schema name of at most 63 characters: a-z, 0-9 and _, not starting \
                       with a digit",
        })
    }
}

// Written by hand so that no `{:?}` of the configuration can print the database password.
impl fmt::Debug for DatabaseSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSetting")
            .field("url", &self.display_url())
            .field("timeout", &self.timeout)
            .field("max_connections", &self.max_connections)
            .field("schema", &self.schema)
            .finish()
    }
}

impl fmt::Debug for StorageSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageSetting::File => f.write_str("File"),
            StorageSetting::Memory => f.write_str("Memory"),
            StorageSetting::Postgres(db) => f.debug_tuple("Postgres").field(db).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<StorageSetting, ConfigError> {
        let vars: HashMap<&str, &str> = pairs.iter().copied().collect();
        StorageSetting::parse(&|name: &str| vars.get(name).copied())
    }

    #[test]
    fn file_storage_is_the_default() {
        assert_eq!(parse(&[]), Ok(StorageSetting::File));
        assert_eq!(parse(&[("STORAGE", "FILE")]), Ok(StorageSetting::File));
        assert_eq!(parse(&[("STORAGE", "memory")]), Ok(StorageSetting::Memory));
    }

    #[test]
    fn postgres_takes_the_url_and_the_defaults() {
        let setting = parse(&[("STORAGE", "postgres"), ("DATABASE_URL", "postgres://h/db")]);
        assert_eq!(
            setting,
            Ok(StorageSetting::Postgres(DatabaseSetting {
                url: "postgres://h/db".into(),
                timeout: Duration::from_secs(5),
                max_connections: 16,
                schema: None,
            }))
        );
    }

    #[test]
    fn a_schema_may_be_named() {
        let Ok(StorageSetting::Postgres(db)) = parse(&[
            ("STORAGE", "postgres"),
            ("DATABASE_URL", "postgres://h/db"),
            ("DATABASE_SCHEMA", "tenant_2"),
        ]) else {
            panic!("valid");
        };
        assert_eq!(db.schema.as_deref(), Some("tenant_2"));
    }

    #[test]
    fn postgres_without_a_url_names_the_missing_variable() {
        let err = parse(&[("STORAGE", "postgres")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DATABASE_URL must be set when STORAGE=postgres"
        );
    }

    #[test]
    fn an_unknown_storage_is_refused_with_the_choices() {
        let err = parse(&[("STORAGE", "sqlite")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid STORAGE \"sqlite\": expected file, memory or postgres"
        );
    }

    #[test]
    fn a_url_of_another_scheme_is_refused_without_its_password() {
        let err = parse(&[
            ("STORAGE", "postgres"),
            ("DATABASE_URL", "mysql://bob:secret@h/db"),
        ])
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("mysql://bob:***@h/db"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn bad_database_limits_are_refused() {
        for (name, value) in [
            ("DATABASE_TIMEOUT_SECONDS", "0"),
            ("DATABASE_TIMEOUT_SECONDS", "soon"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "-3"),
            ("DATABASE_SCHEMA", "Public"),
            ("DATABASE_SCHEMA", "1st"),
            ("DATABASE_SCHEMA", "a;drop table users"),
        ] {
            let err = parse(&[
                ("STORAGE", "postgres"),
                ("DATABASE_URL", "postgres://h/db"),
                (name, value),
            ])
            .unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let setting = parse(&[
            ("STORAGE", "postgres"),
            ("DATABASE_URL", "postgres://bob:hunter2@h/db"),
        ])
        .expect("valid");
        assert!(!format!("{setting:?}").contains("hunter2"));
    }
}

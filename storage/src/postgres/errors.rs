//! What a failed database call means for the caller: a contract refusal, a value the database
//! cannot hold, or an unavailable store.

use sqlx::error::DatabaseError;

use crate::StorageError;

/// Unique indexes whose violation is the contract's `DuplicateId` (a record id or a session id
/// already taken).
const DUPLICATE_ID_INDEXES: [&str; 3] = [
    "users_pkey",
    "user_sessions_pkey",
    "user_sessions_session_id_key",
];

/// The unique index on users' emails.
const EMAIL_INDEX: &str = "users_email_key";

/// A failure inside one store operation, before it is classified.
#[derive(Debug)]
pub(crate) enum Failure {
    /// sqlx or the database reported an error.
    Sql(sqlx::Error),
    /// A stored row could not be turned back into a record.
    Row(String),
    /// A record could not be turned into column values.
    Value(String),
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::Sql(error)
    }
}

impl Failure {
    /// Turns the failure into what the caller can act on; `target` (`host:port`) names the
    /// database in messages.
    pub(crate) fn classify(self, target: &str) -> StorageError {
        match self {
            Failure::Sql(error) => classify_sql(error, target),
            Failure::Row(reason) => StorageError::Unavailable(format!(
                "a stored row in PostgreSQL at {target} cannot be read: {reason}"
            )),
            Failure::Value(reason) => StorageError::Unstorable(reason),
        }
    }
}

fn classify_sql(error: sqlx::Error, target: &str) -> StorageError {
    match error {
        sqlx::Error::Database(database) => classify_database(database.as_ref(), target),
        sqlx::Error::Encode(reason) => StorageError::Unstorable(reason.to_string()),
        sqlx::Error::PoolTimedOut => StorageError::Unavailable(format!(
            "no connection to PostgreSQL at {target} could be had in time"
        )),
        other => StorageError::Unavailable(format!("PostgreSQL at {target}: {other}")),
    }
}

fn classify_database(error: &dyn DatabaseError, target: &str) -> StorageError {
    let code = error.code().unwrap_or_default();
    let constraint = error.constraint().unwrap_or_default();
    match code.as_ref() {
        // unique_violation: which index decides which refusal. Two concurrent creates of one
        // email meet here too: PostgreSQL makes the second wait for the first and then refuse.
        "23505" if constraint == EMAIL_INDEX => StorageError::DuplicateEmail,
        "23505" if DUPLICATE_ID_INDEXES.contains(&constraint) => StorageError::DuplicateId,
        // character_not_in_repertoire (a NUL in text), untranslatable_character,
        // datetime_field_overflow, string_data_right_truncation, program_limit_exceeded (an
        // index entry over the btree size limit): the record, not the database, is at fault.
        "22021" | "22P05" | "22008" | "22001" | "54000" => {
            StorageError::Unstorable(error.message().to_string())
        }
        // query_canceled: our own statement_timeout fired.
        "57014" => StorageError::Unavailable(format!(
            "PostgreSQL at {target} did not finish in time: {}",
            error.message()
        )),
        _ => StorageError::Unavailable(format!(
            "PostgreSQL at {target} refused ({code}): {}",
            error.message()
        )),
    }
}

/// Explains why connecting failed, in a few words: `connection refused`, the server's own
/// message for a refused login or a missing database, or the TLS failure.
pub(crate) fn connect_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::TimedOut => "connection timed out".to_string(),
            _ => io.to_string(),
        },
        sqlx::Error::Database(database) => database.message().to_string(),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connection_is_said_plainly() {
        let error = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(connect_reason(&error), "connection refused");
    }

    #[test]
    fn an_exhausted_pool_is_unavailable_and_names_the_database() {
        let error = Failure::Sql(sqlx::Error::PoolTimedOut).classify("db:5432");
        assert!(matches!(&error, StorageError::Unavailable(text) if text.contains("db:5432")));
    }

    #[test]
    fn an_unreadable_row_is_unavailable_and_a_bad_value_unstorable() {
        let row = Failure::Row("bad json".into()).classify("db:5432");
        assert!(matches!(row, StorageError::Unavailable(_)));
        let value = Failure::Value("too big".into()).classify("db:5432");
        assert!(matches!(value, StorageError::Unstorable(_)));
    }
}

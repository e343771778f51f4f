//! Records to column values and rows back to records: timestamps, hashes and the attributes the
//! service does not model.

use chrono::NaiveDateTime;
use domain::{PasswordHash, Timestamp, User, UserSession};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::errors::Failure;

/// The columns of `users` in the order [`user_from_row`] reads them; `extra` comes back as the
/// exact text stored in the `json` column.
macro_rules! user_columns {
    () => {
        "id, email, password, first_name, last_name, created_at, updated_at, extra::text AS extra"
    };
}
pub(crate) use user_columns;

/// The columns of `user_sessions` in the order [`session_from_row`] reads them.
macro_rules! session_columns {
    () => {
        "id, session_id, user_id, created_at, updated_at, last_seen_at, client_addr, \
         user_agent, extra::text AS extra"
    };
}
pub(crate) use session_columns;

/// The earliest instant a PostgreSQL `timestamp` holds (4714-11-24 BC, 00:00:00).
fn earliest_storable() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(-4713, 11, 24)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MIN)
}

/// The value of a timestamp column. Domain timestamps are whole seconds and PostgreSQL's
/// `timestamp` keeps microseconds, so every instant it can hold reads back exactly; one before
/// 4713 BC is refused by the database (`Unstorable`).
pub(crate) fn column(at: Timestamp) -> NaiveDateTime {
    at.as_naive()
}

/// A cutoff for a "strictly before" sweep. A cutoff earlier than anything a column can hold
/// (a sweep of sessions that live for ever computes one) is raised to that earliest instant:
/// the answer is the same (nothing is before it) and the database accepts the value.
pub(crate) fn cutoff(at: Timestamp) -> NaiveDateTime {
    at.as_naive().max(earliest_storable())
}

/// The text of the `extra` column: the unknown attributes in their order (a `json` column, not
/// `jsonb`, which would reorder keys and drop duplicates).
pub(crate) fn extra_text(extra: &Map<String, Value>) -> Result<String, Failure> {
    serde_json::to_string(extra).map_err(|error| Failure::Value(error.to_string()))
}

/// Reads a user from a row selected with [`user_columns`].
pub(crate) fn user_from_row(row: &PgRow) -> Result<User, Failure> {
    Ok(User {
        id: row.try_get("id")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
        email: row.try_get("email")?,
        password: row
            .try_get::<Option<String>, _>("password")?
            .map(PasswordHash::from_stored),
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        extra: extra(row)?,
    })
}

/// Reads a session from a row selected with [`session_columns`].
pub(crate) fn session_from_row(row: &PgRow) -> Result<UserSession, Failure> {
    Ok(UserSession {
        id: row.try_get("id")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
        user_id: row.try_get("user_id")?,
        session_id: row.try_get("session_id")?,
        last_seen_at: row
            .try_get::<Option<NaiveDateTime>, _>("last_seen_at")?
            .map(Timestamp::from_naive),
        client_addr: row.try_get("client_addr")?,
        user_agent: row.try_get("user_agent")?,
        extra: extra(row)?,
    })
}

fn timestamp(row: &PgRow, name: &str) -> Result<Timestamp, Failure> {
    Ok(Timestamp::from_naive(
        row.try_get::<NaiveDateTime, _>(name)?,
    ))
}

fn extra(row: &PgRow) -> Result<Map<String, Value>, Failure> {
    let text: String = row.try_get("extra")?;
    serde_json::from_str(&text)
        .map_err(|error| Failure::Row(format!("extra attributes are not a JSON object: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("a valid timestamp")
    }

    #[test]
    fn cutoffs_before_4713_bc_are_raised_and_others_kept() {
        let ordinary = ts("2020-01-01T00:00:00");
        assert_eq!(cutoff(ordinary), ordinary.as_naive());
        let far_past = Timestamp::from_naive(NaiveDateTime::MIN);
        assert_eq!(cutoff(far_past), earliest_storable());
        assert!(earliest_storable() > NaiveDateTime::MIN);
    }

    #[test]
    fn extra_attributes_keep_their_order() {
        let mut extra = Map::new();
        extra.insert("zeta".into(), Value::from(1));
        extra.insert("alpha".into(), Value::from(0.1));
        assert_eq!(
            extra_text(&extra).expect("serialises"),
            r#"{"zeta":1,"alpha":0.1}"#
        );
    }
}

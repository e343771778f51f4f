//! The session repository over the `user_sessions` table.

use std::fmt;

use async_trait::async_trait;
use domain::{Timestamp, UserSession};

use super::database::Database;
use super::errors::Failure;
use super::rows::{self, session_columns, session_from_row};
use crate::{SessionListing, SessionRepository, StorageError};

/// Sessions kept in PostgreSQL: a logout on one server is seen by every other at once.
///
/// Creation order is the `seq` column. The record id and the session id are each unique; a
/// taken one is [`StorageError::DuplicateId`].
#[derive(Clone)]
pub struct PgSessionRepository {
    database: Database,
}

impl PgSessionRepository {
    pub(crate) fn new(database: Database) -> Self {
        PgSessionRepository { database }
    }

    /// Runs a `DELETE` with one bound value and returns how many rows went.
    async fn delete_where<V>(&self, sql: &'static str, value: V) -> Result<usize, StorageError>
    where
        V: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        self.database
            .run(async {
                let done = sqlx::query(sql)
                    .bind(value)
                    .execute(self.database.pool())
                    .await?;
                usize::try_from(done.rows_affected())
                    .map_err(|_| Failure::Row("deleted more rows than memory can count".into()))
            })
            .await
    }

    /// Runs a `SELECT` of whole sessions with at most one bound value, in creation order.
    async fn select(
        &self,
        sql: &'static str,
        value: Option<&str>,
    ) -> Result<Vec<UserSession>, StorageError> {
        self.database
            .run(async {
                let mut query = sqlx::query(sql);
                if let Some(value) = value {
                    query = query.bind(value);
                }
                let rows = query.fetch_all(self.database.pool()).await?;
                rows.iter().map(session_from_row).collect()
            })
            .await
    }
}

impl fmt::Debug for PgSessionRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSessionRepository")
            .field("target", &self.database.target())
            .finish()
    }
}

#[async_trait]
impl SessionRepository for PgSessionRepository {
    async fn create(&self, session: UserSession) -> Result<(), StorageError> {
        self.database
            .run(async {
                sqlx::query(
                    "INSERT INTO user_sessions (id, session_id, user_id, created_at, updated_at, \
                     last_seen_at, client_addr, user_agent, extra) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json)",
                )
                .bind(&session.id)
                .bind(&session.session_id)
                .bind(&session.user_id)
                .bind(rows::column(session.created_at))
                .bind(rows::column(session.updated_at))
                .bind(session.last_seen_at.map(rows::column))
                .bind(&session.client_addr)
                .bind(&session.user_agent)
                .bind(rows::extra_text(&session.extra)?)
                .execute(self.database.pool())
                .await?;
                Ok(())
            })
            .await
    }

    async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError> {
        self.database
            .run(async {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    session_columns!(),
                    " FROM user_sessions WHERE session_id = $1"
                ))
                .bind(session_id)
                .fetch_optional(self.database.pool())
                .await?;
                row.as_ref().map(session_from_row).transpose()
            })
            .await
    }

    async fn delete(&self, session_id: &str) -> Result<bool, StorageError> {
        let deleted = self
            .delete_where(
                "DELETE FROM user_sessions WHERE session_id = $1",
                session_id.to_string(),
            )
            .await?;
        Ok(deleted > 0)
    }

    async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError> {
        self.delete_where(
            "DELETE FROM user_sessions WHERE user_id = $1",
            user_id.to_string(),
        )
        .await
    }

    async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        self.delete_where(
            "DELETE FROM user_sessions WHERE created_at < $1",
            rows::cutoff(cutoff),
        )
        .await
    }

    async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError> {
        self.select(
            concat!(
                "SELECT ",
                session_columns!(),
                " FROM user_sessions WHERE user_id = $1 ORDER BY seq"
            ),
            Some(user_id),
        )
        .await
    }

    async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError> {
        self.database
            .run(async {
                // One round trip: move last_seen_at forward (the condition is re-checked on
                // the newest row version, so concurrent touches never move it back), then say
                // whether the session exists at all. An earlier time writes nothing.
                let exists: bool = sqlx::query_scalar(
                    "WITH moved AS (UPDATE user_sessions SET last_seen_at = $2 \
                     WHERE session_id = $1 AND (last_seen_at IS NULL OR last_seen_at < $2) \
                     RETURNING 1) \
                     SELECT EXISTS (SELECT 1 FROM moved) \
                     OR EXISTS (SELECT 1 FROM user_sessions WHERE session_id = $1)",
                )
                .bind(session_id)
                .bind(rows::column(at))
                .fetch_one(self.database.pool())
                .await?;
                Ok(exists)
            })
            .await
    }

    async fn delete_last_seen_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        // The expression matches the index user_sessions_last_seen_idx.
        self.delete_where(
            "DELETE FROM user_sessions WHERE COALESCE(last_seen_at, created_at) < $1",
            rows::cutoff(cutoff),
        )
        .await
    }

    /// Does nothing: every acknowledged change is already committed in PostgreSQL, and the
    /// pool is shared with the user repository, which must keep working. Close the pool with
    /// [`PgStore::close`](super::PgStore::close).
    async fn close(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

#[async_trait]
impl SessionListing for PgSessionRepository {
    async fn list(&self) -> Result<Vec<UserSession>, StorageError> {
        self.select(
            concat!(
                "SELECT ",
                session_columns!(),
                " FROM user_sessions ORDER BY seq"
            ),
            None,
        )
        .await
    }
}

//! The user repository over the `users` table.

use std::fmt;

use async_trait::async_trait;
use domain::User;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::Postgres;

use super::database::Database;
use super::errors::Failure;
use super::rows::{self, user_columns, user_from_row};
use crate::{StorageError, UserRepository};

/// Users kept in PostgreSQL; every server connected to the same database sees the same users.
///
/// Listing order is the `seq` column, drawn when a user is inserted and never changed by an
/// update. Emails are unique through the index `users_email_key`, which also decides between
/// concurrent creates on different servers: exactly one wins, the others get
/// [`StorageError::DuplicateEmail`].
#[derive(Clone)]
pub struct PgUserRepository {
    database: Database,
}

impl PgUserRepository {
    pub(crate) fn new(database: Database) -> Self {
        PgUserRepository { database }
    }

    /// Runs `sql` (selecting the user columns, with `key` as `$1`) and returns its first row.
    async fn fetch_one(&self, sql: &'static str, key: &str) -> Result<Option<User>, StorageError> {
        self.database
            .run(async {
                let row = sqlx::query(sql)
                    .bind(key)
                    .fetch_optional(self.database.pool())
                    .await?;
                row.as_ref().map(user_from_row).transpose()
            })
            .await
    }
}

impl fmt::Debug for PgUserRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgUserRepository")
            .field("target", &self.database.target())
            .finish()
    }
}

#[async_trait]
impl UserRepository for PgUserRepository {
    async fn create(&self, user: User) -> Result<(), StorageError> {
        self.database
            .run(async {
                bind_user(
                    "INSERT INTO users (id, email, password, first_name, last_name, created_at, \
                     updated_at, extra) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json)",
                    &user,
                )?
                .execute(self.database.pool())
                .await?;
                Ok(())
            })
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<User>, StorageError> {
        self.fetch_one(
            concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"),
            id,
        )
        .await
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StorageError> {
        // The unique index is on md5(email) (see the migration); comparing the email itself
        // too makes the answer exact whatever the digest does.
        self.fetch_one(
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE md5(email) = md5($1) AND email = $1 ORDER BY seq LIMIT 1"
            ),
            email,
        )
        .await
    }

    async fn list(&self) -> Result<Vec<User>, StorageError> {
        self.database
            .run(async {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users ORDER BY seq"
                ))
                .fetch_all(self.database.pool())
                .await?;
                rows.iter().map(user_from_row).collect()
            })
            .await
    }

    async fn update(&self, user: User) -> Result<(), StorageError> {
        let updated = self
            .database
            .run(async {
                let done = bind_user(
                    "UPDATE users SET email = $2, password = $3, first_name = $4, last_name = $5, \
                     created_at = $6, updated_at = $7, extra = $8::json WHERE id = $1",
                    &user,
                )?
                .execute(self.database.pool())
                .await?;
                Ok(done.rows_affected())
            })
            .await?;
        if updated == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<bool, StorageError> {
        self.database
            .run(async {
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(self.database.pool())
                    .await?;
                Ok(done.rows_affected() > 0)
            })
            .await
    }

    async fn count(&self) -> Result<usize, StorageError> {
        self.database
            .run(async {
                let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
                    .fetch_one(self.database.pool())
                    .await?;
                usize::try_from(count).map_err(|_| Failure::Row(format!("negative count {count}")))
            })
            .await
    }

    /// Does nothing: every acknowledged change is already committed in PostgreSQL, and the
    /// pool is shared with the session repository, which must keep working. Close the pool with
    /// [`PgStore::close`](super::PgStore::close).
    async fn close(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Prepares `sql` with the columns of `user` bound as `$1` to `$8`: id, email, password hash,
/// first and last name, `created_at`, `updated_at` and the unknown attributes as JSON text (the
/// order both the insert and the update name them in).
fn bind_user<'q>(
    sql: &'q str,
    user: &'q User,
) -> Result<Query<'q, Postgres, PgArguments>, Failure> {
    Ok(sqlx::query(sql)
        .bind(&user.id)
        .bind(&user.email)
        .bind(user.password.as_ref().map(|hash| hash.as_str()))
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(rows::column(user.created_at))
        .bind(rows::column(user.updated_at))
        .bind(rows::extra_text(&user.extra)?))
}

//! The route table (SPEC Part B 5, R1-R11): one file per area, handlers kept short.

use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

pub mod index;
pub mod session;
pub mod user_sessions;
pub mod users;

/// Every route of the API, with the JSON 404 for unknown paths. Slash tolerance, the filter and
/// the other layers are added around this table by [`crate::router`].
pub fn table() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status", get(index::status))
        .route("/api/v1/stats", get(index::stats))
        .route("/api/v1/unauthorized", get(index::unauthorized))
        .route("/api/v1/forbidden", get(index::forbidden))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/me/password", put(users::change_password))
        // The same methods as the `{user_id}` route below; static, so the most frequent
        // authenticated request skips path-parameter extraction.
        .route(
            "/api/v1/users/me",
            get(users::show_me)
                .put(users::update_me)
                .delete(users::remove_me),
        )
        .route(
            "/api/v1/users/{user_id}",
            get(users::show).put(users::update).delete(users::remove),
        )
        .route("/api/v1/auth_session/login", post(session::login))
        .route("/api/v1/auth_session/logout", delete(session::logout))
        .route(
            "/api/v1/auth_session/sessions",
            get(user_sessions::list).delete(user_sessions::end_others),
        )
        .route(
            "/api/v1/auth_session/sessions/{handle}",
            delete(user_sessions::end_one),
        )
        .fallback(not_found)
}

/// Answers every unknown path (after the filter let it through) with 404 `Not found`.
async fn not_found() -> ApiError {
    ApiError::NotFound
}

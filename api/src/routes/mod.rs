//! The route table (SPEC Part B 5, R1-R11, and the routes added since): one file per area,
//! handlers kept short.
//!
//! Each handler is registered once, through utoipa-axum, for both the axum router and the
//! OpenAPI document: a route cannot be served without being documented, nor the reverse.

use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;

pub mod document;
pub mod index;
pub mod session;
pub mod user_sessions;
pub mod users;

/// Every route of the API, with the JSON 404 for unknown paths. Slash tolerance, the filter and
/// the other layers are added around this table by [`crate::router`].
pub fn table() -> Router<AppState> {
    documented().0
}

/// The route table and the OpenAPI paths of its routes (before [`openapi::document`] adds what
/// the layers around the table answer).
pub(crate) fn documented() -> (Router<AppState>, OpenApi) {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(index::status))
        .routes(routes!(index::stats))
        .routes(routes!(index::unauthorized))
        .routes(routes!(index::forbidden))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::change_password))
        // The same methods as the `{user_id}` route below; static, so the most frequent
        // authenticated request skips path-parameter extraction.
        .routes(routes!(users::show_me, users::update_me, users::remove_me))
        .routes(routes!(users::show, users::update, users::remove))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(user_sessions::list, user_sessions::end_others))
        .routes(routes!(user_sessions::end_one))
        .routes(routes!(document::openapi_json))
        .fallback(not_found)
        .split_for_parts()
}

/// Answers every unknown path (after the filter let it through) with 404 `Not found`.
async fn not_found() -> ApiError {
    ApiError::NotFound
}

//! The caller's own sessions: listing them and ending them (not in the original).
//!
//! Sessions are named by an opaque `handle` (the session record's id), never by the secret
//! session id of the cookie. The *current* session is the one named by the request's session
//! cookie when that is a live session of the caller; a caller authenticated by HTTP Basic (or
//! whose cookie is not theirs) has none. Without an authenticated user (authentication off) or
//! without a session mechanism, these routes answer 404 like login and logout (D11).

use std::sync::Arc;

use auth::{SessionInfo, SessionManager};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use domain::{Timestamp, User};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::filter::CurrentUser;
use crate::json::json_response;
use crate::openapi::responses::NotFound;
use crate::openapi::schemas::{optional_timestamp, timestamp, Empty, SessionHandle};
use crate::state::AppState;

/// One session of the caller, as the session list shows it; every key is always present.
#[derive(Serialize, ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
#[schema(as = Session)]
pub(crate) struct SessionView<'a> {
    /// The session's opaque name, for `DELETE /api/v1/auth_session/sessions/{handle}`; never
    /// the secret of the cookie.
    handle: &'a str,
    /// When the session was opened (UTC).
    #[schema(schema_with = timestamp)]
    created_at: Timestamp,
    /// When the session was last used (UTC), to within the idle-timeout granularity.
    #[schema(schema_with = timestamp)]
    last_seen_at: Timestamp,
    /// When the session ends at the latest (UTC); null when sessions do not expire.
    #[schema(schema_with = optional_timestamp, required = true)]
    expires_at: Option<Timestamp>,
    /// The address the session was opened from; null when unknown.
    #[schema(required = true, examples("127.0.0.1"))]
    client_addr: Option<&'a str>,
    /// The `User-Agent` the session was opened with (at most 512 bytes); null when none was sent.
    #[schema(required = true)]
    user_agent: Option<&'a str>,
    /// Whether this is the session of the request's own cookie.
    current: bool,
}

/// The body of `DELETE /api/v1/auth_session/sessions`.
#[derive(Serialize, ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
pub(crate) struct Ended {
    /// How many sessions ended.
    ended: usize,
}

/// Lists the caller's live sessions.
///
/// Oldest first. Without a session mechanism or without an authenticated user: 404.
#[utoipa::path(get, path = "/api/v1/auth_session/sessions", operation_id = "list_sessions",
    tag = "sessions",
    responses(
        (status = 200, description = "The caller's live sessions.", body = [SessionView]),
        (status = 404, response = NotFound),
    ))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (sessions, user) = caller(&state, current)?;
    let current = current_handle(&state, sessions, &user, &headers).await?;
    let infos = sessions.list_sessions(&user.id).await?;
    let listed: Vec<SessionView> = infos
        .iter()
        .map(|info| describe(info, current.as_deref()))
        .collect();
    Ok(json_response(StatusCode::OK, &listed))
}

/// Ends every session of the caller but the current one.
///
/// A caller authenticated by HTTP Basic has no current session: all of them end. Without a
/// session mechanism or without an authenticated user: 404.
#[utoipa::path(delete, path = "/api/v1/auth_session/sessions", operation_id = "end_other_sessions",
    tag = "sessions",
    responses(
        (status = 200, description = "How many sessions ended.", body = Ended),
        (status = 404, response = NotFound),
    ))]
pub async fn end_others(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (sessions, user) = caller(&state, current)?;
    let current = current_handle(&state, sessions, &user, &headers).await?;
    let ended = sessions.end_sessions_except(&user.id, current).await?;
    Ok(json_response(StatusCode::OK, &Ended { ended }))
}

/// Ends one session of the caller.
///
/// A handle that names no live session of the caller is 404. Ending the current session this
/// way is a logout: the answer also expires the cookie.
#[utoipa::path(delete, path = "/api/v1/auth_session/sessions/{handle}",
    operation_id = "end_session", tag = "sessions",
    params(SessionHandle),
    responses(
        (status = 200, description = "The session has ended.", body = Empty,
            headers(("Set-Cookie" = String, description = "Only when the current session ended: \
                the session cookie, expired (as the logout sends it)."))),
        (status = 404, response = NotFound),
    ))]
pub async fn end_one(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
    handle: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(handle) = handle.map_err(|_| ApiError::NotFound)?;
    let (sessions, user) = caller(&state, current)?;
    let current = current_handle(&state, sessions, &user, &headers).await?;
    if !sessions.end_session(&user.id, &handle).await? {
        return Err(ApiError::NotFound);
    }
    let mut response = json_response(StatusCode::OK, &Empty {});
    if current.as_deref() == Some(handle.as_str()) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, state.cookie.logout()?);
    }
    Ok(response)
}

/// The session manager and the authenticated caller, or 404 without either.
fn caller(
    state: &AppState,
    current: Option<Arc<User>>,
) -> Result<(&Arc<dyn SessionManager>, Arc<User>), ApiError> {
    let sessions = state.auth.sessions.as_ref().ok_or(ApiError::NotFound)?;
    let user = current.ok_or(ApiError::NotFound)?;
    Ok((sessions, user))
}

/// The handle of the session the request's cookie names, when it is a live session of `user`.
pub(crate) async fn current_handle(
    state: &AppState,
    sessions: &Arc<dyn SessionManager>,
    user: &User,
    headers: &HeaderMap,
) -> Result<Option<String>, ApiError> {
    match state.cookie.read(headers) {
        Some(session_id) => Ok(sessions.handle_for(&user.id, &session_id).await?),
        None => Ok(None),
    }
}

fn describe<'a>(info: &'a SessionInfo, current: Option<&str>) -> SessionView<'a> {
    SessionView {
        handle: &info.handle,
        created_at: info.created_at,
        last_seen_at: info.last_seen_at,
        expires_at: info.expires_at,
        client_addr: info.client_addr.as_deref(),
        user_agent: info.user_agent.as_deref(),
        current: current == Some(info.handle.as_str()),
    }
}

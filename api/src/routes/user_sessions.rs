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
use domain::User;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::filter::CurrentUser;
use crate::json::json_response;
use crate::state::AppState;

/// `GET /api/v1/auth_session/sessions`: 200 with the caller's live sessions, oldest first:
/// `handle`, `created_at`, `last_seen_at`, `expires_at` (null when sessions do not expire),
/// `client_addr`, `user_agent` (null when unknown) and `current`.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (sessions, user) = caller(&state, current)?;
    let current = current_handle(&state, sessions, &user, &headers).await?;
    let listed: Vec<Value> = sessions
        .list_sessions(&user.id)
        .await?
        .iter()
        .map(|info| describe(info, current.as_deref()))
        .collect();
    Ok(json_response(StatusCode::OK, &listed))
}

/// `DELETE /api/v1/auth_session/sessions`: ends every session of the caller but the current
/// one (all of them for a Basic caller); 200 `{"ended": <how many>}`.
pub async fn end_others(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (sessions, user) = caller(&state, current)?;
    let current = current_handle(&state, sessions, &user, &headers).await?;
    let ended = sessions.end_sessions_except(&user.id, current).await?;
    Ok(json_response(StatusCode::OK, &json!({ "ended": ended })))
}

/// `DELETE /api/v1/auth_session/sessions/<handle>`: ends one session of the caller, 200 `{}`;
/// a handle that names no live session of the caller is 404. Ending the current session this
/// way is a logout: the answer also expires the cookie.
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
    let mut response = json_response(StatusCode::OK, &json!({}));
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
    current: Option<User>,
) -> Result<(&Arc<dyn SessionManager>, User), ApiError> {
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

fn describe(info: &SessionInfo, current: Option<&str>) -> Value {
    json!({
        "handle": info.handle,
        "created_at": info.created_at,
        "last_seen_at": info.last_seen_at,
        "expires_at": info.expires_at,
        "client_addr": info.client_addr,
        "user_agent": info.user_agent,
        "current": current == Some(info.handle.as_str()),
    })
}

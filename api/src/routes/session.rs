//! R10-R11: logging in with a form and logging out of the session named by the cookie.

use std::net::IpAddr;

use auth::login::log_in_from;
use auth::{Attempt, CredentialCheck, LoginOutcome};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::body::form_fields;
use crate::connect_info::client_address;
use crate::error::ApiError;
use crate::input::{self, LoginForm};
use crate::json::json_response;
use crate::state::AppState;

/// R10 `POST /api/v1/auth_session/login`: 200 with the user and the session cookie.
///
/// The field checks and the credential check answer first (400, 404, 401), as in the original;
/// only a correct login needs a session mechanism, and without one it is 404 (D11). An email or
/// client address with too many recent failures is answered 429 before any password check.
pub async fn login(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let client = client_address(request.extensions());
    // The session this browser held before logging in, revoked once the login succeeds.
    let previous = state.cookie.read(request.headers());
    let user_agent = user_agent(request.headers());
    let fields = form_fields(request, state.body_limit).await?;
    let form = input::login_form(&fields)?;
    let Some(sessions) = &state.auth.sessions else {
        return Err(check_without_sessions(&state, &form, client).await);
    };
    match log_in_from(
        &state.accounts,
        sessions.as_ref(),
        &form.email,
        &form.password,
        client,
        user_agent,
    )
    .await?
    {
        LoginOutcome::UnknownEmail => Err(ApiError::NoUserForEmail),
        LoginOutcome::WrongPassword => Err(ApiError::WrongPassword),
        LoginOutcome::Throttled(retry_after) => Err(retry_after.into()),
        LoginOutcome::LoggedIn { user, session_id } => {
            // A login always gets a fresh session id; the one sent along (perhaps planted by
            // someone else) must not stay valid beside it.
            if let Some(previous) = previous {
                sessions.destroy_session(&previous).await?;
            }
            let cookie = state.cookie.login(&session_id, sessions.duration())?;
            let mut response = json_response(StatusCode::OK, &user.public());
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
    }
}

/// Without a session mechanism a login still reports a bad email or password (and is
/// throttled alike); a correct one has nowhere to go and is 404.
async fn check_without_sessions(
    state: &AppState,
    form: &LoginForm,
    client: Option<IpAddr>,
) -> ApiError {
    match state
        .accounts
        .attempt(&form.email, &form.password, client)
        .await
    {
        Ok(Attempt::Checked(CredentialCheck::UnknownEmail)) => ApiError::NoUserForEmail,
        Ok(Attempt::Checked(CredentialCheck::WrongPassword)) => ApiError::WrongPassword,
        Ok(Attempt::Checked(CredentialCheck::Valid(_))) => ApiError::NotFound,
        Ok(Attempt::Throttled(retry_after)) => retry_after.into(),
        Err(err) => err.into(),
    }
}

/// R11 `DELETE /api/v1/auth_session/logout`: ends the cookie's session, 200 `{}` with a cookie
/// that expires it (D15); no session mechanism, no cookie or no live session: 404.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sessions = state.auth.sessions.as_ref().ok_or(ApiError::NotFound)?;
    let session_id = state.cookie.read(&headers).ok_or(ApiError::NotFound)?;
    if !sessions.destroy_session(&session_id).await? {
        return Err(ApiError::NotFound);
    }
    let mut response = json_response(StatusCode::OK, &json!({}));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.cookie.logout()?);
    Ok(response)
}

/// The `User-Agent` header as sent (bytes that are not UTF-8 replaced), at most 512 bytes of
/// it: the session list shows it, and a client must not make a session record arbitrarily big.
fn user_agent(headers: &HeaderMap) -> Option<String> {
    const LIMIT: usize = 512;
    let value = headers.get(header::USER_AGENT)?;
    let bytes = value.as_bytes();
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(LIMIT)]);
    Some(text.into_owned())
}

//! R10-R11: logging in with a form and logging out of the session named by the cookie.

use auth::login::log_in;
use auth::{CredentialCheck, LoginOutcome};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::body::form_fields;
use crate::error::ApiError;
use crate::input::{self, LoginForm};
use crate::json::json_response;
use crate::state::AppState;

/// R10 `POST /api/v1/auth_session/login`: 200 with the user and the session cookie.
///
/// The field checks and the credential check answer first (400, 404, 401), as in the original;
/// only a correct login needs a session mechanism, and without one it is 404 (D11).
pub async fn login(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let fields = form_fields(request, state.body_limit).await?;
    let form = input::login_form(&fields)?;
    let Some(sessions) = &state.auth.sessions else {
        return Err(check_without_sessions(&state, &form).await);
    };
    match log_in(
        &state.accounts,
        sessions.as_ref(),
        &form.email,
        &form.password,
    )
    .await?
    {
        LoginOutcome::UnknownEmail => Err(ApiError::NoUserForEmail),
        LoginOutcome::WrongPassword => Err(ApiError::WrongPassword),
        LoginOutcome::LoggedIn { user, session_id } => {
            let cookie = state.cookie.login(&session_id, sessions.duration())?;
            let mut response = json_response(StatusCode::OK, &user.public());
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
    }
}

/// Without a session mechanism a login still reports a bad email or password; a correct one
/// has nowhere to go and is 404.
async fn check_without_sessions(state: &AppState, form: &LoginForm) -> ApiError {
    match state
        .accounts
        .check_credentials(&form.email, &form.password)
        .await
    {
        Ok(CredentialCheck::UnknownEmail) => ApiError::NoUserForEmail,
        Ok(CredentialCheck::WrongPassword) => ApiError::WrongPassword,
        Ok(CredentialCheck::Valid(_)) => ApiError::NotFound,
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

//! R10-R11: logging in with a form and logging out of the session named by the cookie.

use std::net::IpAddr;

use auth::login::log_in_from;
use auth::{Attempt, CredentialCheck, LoginOutcome};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use crate::body::form_fields;
use crate::error::ApiError;
use crate::filter::request_client;
use crate::input::{self, LoginForm};
use crate::json::{json_response, user_response};
use crate::openapi::responses::{
    LoginNotFound, LoginRefused, NotFound, TooManyRequests, WrongPassword,
};
use crate::openapi::schemas::{Empty, LoginInput, UserSchema};
use crate::state::AppState;

/// Logs in: opens a session and sets its cookie.
///
/// The fields are read from a form body only. The field checks and the credential check answer
/// first (400, 404, 401); only a correct login needs a session mechanism, and without one
/// (`AUTH_TYPE` not a session type) it is 404 `Not found`. An email or client address with too
/// many recent failures is answered 429 before any password check. A session cookie sent along
/// names a session that ends when the login succeeds.
// R10; the 404 without a session mechanism is D11.
#[utoipa::path(post, path = "/api/v1/auth_session/login", operation_id = "login",
    tag = "sessions",
    request_body(content(
        (LoginInput = "application/x-www-form-urlencoded"),
        (LoginInput = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "Logged in: the user, and the cookie of the new session.",
            body = UserSchema,
            headers(("Set-Cookie" = String, description = "The cookie of the new session: \
                `<SESSION_NAME>=<session id>; Path=/; HttpOnly; SameSite=Lax`, plus `Max-Age` \
                when sessions expire and `Secure` when configured."))),
        (status = 400, response = LoginRefused),
        (status = 401, response = WrongPassword),
        (status = 404, response = LoginNotFound),
        (status = 429, response = TooManyRequests),
    ))]
pub async fn login(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let client = request_client();
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
            let mut response = user_response(StatusCode::OK, &user.public());
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

/// Logs out: ends the session the cookie names.
///
/// The answer expires the cookie. Without a session mechanism, without a session cookie (a
/// caller authenticated by HTTP Basic) or without a live session it is 404.
// R11; the expiring cookie is D15.
#[utoipa::path(delete, path = "/api/v1/auth_session/logout", operation_id = "logout",
    tag = "sessions",
    responses(
        (status = 200, description = "The session has ended.", body = Empty,
            headers(("Set-Cookie" = String, description = "The session cookie, expired: \
                `<SESSION_NAME>=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` (plus `Secure` \
                when configured)."))),
        (status = 404, response = NotFound),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sessions = state.auth.sessions.as_ref().ok_or(ApiError::NotFound)?;
    let session_id = state.cookie.read(&headers).ok_or(ApiError::NotFound)?;
    if !sessions.destroy_session(&session_id).await? {
        return Err(ApiError::NotFound);
    }
    let mut response = json_response(StatusCode::OK, &Empty {});
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

//! The authentication filter (SPEC Part B 4): it runs before routing, on every request.
//!
//! Authentication off: pass. Excluded path: pass. No `Authorization` header and no session
//! cookie: 401. Credentials that name a user: pass with that user as the [`CurrentUser`].
//! Anything else: 403. A failing store: 503.

use std::convert::Infallible;

use auth::path_rule::{require_auth, EXCLUDED_PATHS};
use auth::{Recognition, RequestCredentials};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::User;

use crate::error::ApiError;
use crate::state::AppState;

/// The user the filter authenticated for this request; `None` when authentication is off or the
/// path is excluded (the original's `request.current_user`).
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<User>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The filter as axum middleware: answers 401/403/503 itself or lets the request through with
/// a [`CurrentUser`] extension.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Only the path and headers are looked at; the request itself (whose body is not `Sync`)
    // is not held across the await.
    let outcome = identify(&state, request.uri().path(), request.headers()).await;
    match outcome {
        Ok(user) => {
            request.extensions_mut().insert(CurrentUser(user));
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}

async fn identify(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
) -> Result<Option<User>, ApiError> {
    let Some(authenticator) = &state.auth.authenticator else {
        return Ok(None);
    };
    if !require_auth(Some(path), &EXCLUDED_PATHS) {
        return Ok(None);
    }
    let credentials = RequestCredentials {
        authorization: authorization(headers),
        session_cookie: state.cookie.read(headers),
    };
    if credentials.is_empty() {
        return Err(ApiError::Unauthorized);
    }
    match authenticator.authenticate(&credentials).await? {
        Recognition::Authenticated(user) => Ok(Some(user)),
        Recognition::NotMine | Recognition::Rejected => Err(ApiError::Forbidden),
    }
}

/// The first `Authorization` header as received; an empty value is present, not absent (D9).
fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

//! R5-R9: listing, reading, deleting, creating and updating users; changing one's password.

use auth::{AuthError, PasswordChange};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::User;
use serde_json::json;
use storage::StorageError;

use crate::body::json_object;
use crate::error::ApiError;
use crate::filter::CurrentUser;
use crate::input;
use crate::json::json_response;
use crate::routes::user_sessions::current_handle;
use crate::state::AppState;

/// R5 `GET /api/v1/users`: every user, store order.
pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.users.list().await?;
    let public: Vec<_> = users.iter().map(User::public).collect();
    Ok(json_response(StatusCode::OK, &public))
}

/// R6 `GET /api/v1/users/<id>`: one user; `me` is the authenticated user (404 without one, D3).
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = user_id(id)?;
    // `/users/me` itself has a static route; `me` still arrives here percent-encoded
    // (`/users/m%65`), which Flask decodes before routing too.
    if id == "me" {
        return show_me(CurrentUser(current)).await;
    }
    let user = state.users.get(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(json_response(StatusCode::OK, &user.public()))
}

/// R7 `DELETE /api/v1/users/<id>`: 200 `{}`; the user's sessions are revoked too (D13).
pub async fn remove(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    remove_user(&state, &user_id(id)?).await
}

/// R6 `GET /api/v1/users/me` on its own static route (no path parameter to extract on the
/// busiest authenticated request): the authenticated user, 404 without one (D3).
pub async fn show_me(CurrentUser(current): CurrentUser) -> Result<Response, ApiError> {
    let user = current.ok_or(ApiError::NotFound)?;
    Ok(json_response(StatusCode::OK, &user.public()))
}

/// `DELETE /api/v1/users/me`: `me` is special only for GET (Q7), so this deletes the user whose
/// id is literally `me`, like any other id.
pub async fn remove_me(State(state): State<AppState>) -> Result<Response, ApiError> {
    remove_user(&state, "me").await
}

/// `PUT /api/v1/users/me`: updates the user whose id is literally `me` (Q7).
pub async fn update_me(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    update_user(&state, "me", &headers, body).await
}

async fn remove_user(state: &AppState, id: &str) -> Result<Response, ApiError> {
    if state.accounts.delete_user(id).await? {
        Ok(json_response(StatusCode::OK, &json!({})))
    } else {
        Err(ApiError::NotFound)
    }
}

/// R8 `POST /api/v1/users`: 201 with the new user; a taken email is refused (D6).
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let object = json_object(&headers, body, state.body_limit).await?;
    let new_user = input::new_user(&object)?;
    match state.accounts.create_user(new_user).await {
        Ok(user) => Ok(json_response(StatusCode::CREATED, &user.public())),
        Err(AuthError::Storage(refused @ StorageError::DuplicateEmail)) => {
            Err(ApiError::CannotCreateUser(refused.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}

/// R9 `PUT /api/v1/users/<id>`: unknown id 404 before the body is read; then the name change.
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    update_user(&state, &user_id(id)?, &headers, body).await
}

async fn update_user(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if state.users.get(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let object = json_object(headers, body, state.body_limit).await?;
    let change = input::name_change(&object)?;
    let user = state
        .accounts
        .update_names(id, change)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(json_response(StatusCode::OK, &user.public()))
}

/// `PUT /api/v1/users/me/password` (not in the original): JSON `current_password` and
/// `new_password`. 200 with the user; a wrong current password is 401 `wrong password`. Every
/// other session of the user ends; the current one (the request's cookie, when it is the
/// caller's live session) stays, and a Basic caller keeps none. Without an authenticated user
/// (authentication off) it is 404, like `/users/me`.
pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let user = current.ok_or(ApiError::NotFound)?;
    let object = json_object(&headers, body, state.body_limit).await?;
    let form = input::password_change(&object)?;
    let keep = match &state.auth.sessions {
        Some(sessions) => current_handle(&state, sessions, &user, &headers).await?,
        None => None,
    };
    match state
        .accounts
        .change_password(
            &user.id,
            &form.current_password,
            &form.new_password,
            keep.as_deref(),
        )
        .await?
    {
        PasswordChange::Changed { user, .. } => Ok(json_response(StatusCode::OK, &user.public())),
        PasswordChange::WrongPassword => Err(ApiError::WrongPassword),
        PasswordChange::UnknownUser => Err(ApiError::NotFound),
    }
}

/// The `<user_id>` segment; one that cannot be decoded names no user.
fn user_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::NotFound)
}

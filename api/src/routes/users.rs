//! R5-R9: listing, reading, deleting, creating and updating users; changing one's password.

use auth::{AuthError, PasswordChange};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::User;
use storage::StorageError;

use crate::body::json_object;
use crate::error::ApiError;
use crate::filter::CurrentUser;
use crate::input;
use crate::json::{json_response, user_response};
use crate::openapi::responses::{
    NewUserRefused, NotFound, PasswordChangeRefused, PasswordChangeUnauthorized, WrongFormat,
};
use crate::openapi::schemas::{
    Empty, NameChangeInput, NewUserInput, PasswordChangeInput, UserId, UserSchema,
};
use crate::routes::user_sessions::current_handle;
use crate::state::AppState;

/// Lists every user.
///
/// In the order of the store.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "users",
    responses((status = 200, description = "Every user.", body = [UserSchema])))]
pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.users.list().await?;
    let public: Vec<_> = users.iter().map(User::public).collect();
    Ok(json_response(StatusCode::OK, &public))
}

/// Shows one user.
///
/// `me` (also percent-encoded) names the authenticated user, as `GET /api/v1/users/me` does.
#[utoipa::path(get, path = "/api/v1/users/{user_id}", operation_id = "show_user", tag = "users",
    params(UserId),
    responses(
        (status = 200, description = "The user.", body = UserSchema),
        (status = 404, response = NotFound),
    ))]
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
    Ok(user_response(StatusCode::OK, &user.public()))
}

/// Deletes a user.
///
/// The user's sessions end too.
#[utoipa::path(delete, path = "/api/v1/users/{user_id}", operation_id = "delete_user",
    tag = "users",
    params(UserId),
    responses(
        (status = 200, description = "The user is deleted.", body = Empty),
        (status = 404, response = NotFound),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    remove_user(&state, &user_id(id)?).await
}

/// Shows the authenticated user.
///
/// Without an authenticated user (authentication off) there is none to show: 404.
// On its own static route: the busiest authenticated request extracts no path parameter.
#[utoipa::path(get, path = "/api/v1/users/me", operation_id = "show_me", tag = "users",
    responses(
        (status = 200, description = "The authenticated user.", body = UserSchema),
        (status = 404, response = NotFound),
    ))]
pub async fn show_me(CurrentUser(current): CurrentUser) -> Result<Response, ApiError> {
    let user = current.ok_or(ApiError::NotFound)?;
    Ok(user_response(StatusCode::OK, &user.public()))
}

/// Deletes the user whose id is literally `me`.
///
/// `me` names the authenticated user only for GET, as in the original; this is
/// `DELETE /api/v1/users/{user_id}` with the id `me`.
#[utoipa::path(delete, path = "/api/v1/users/me", operation_id = "delete_user_me", tag = "users",
    responses(
        (status = 200, description = "The user `me` is deleted.", body = Empty),
        (status = 404, response = NotFound),
    ))]
pub async fn remove_me(State(state): State<AppState>) -> Result<Response, ApiError> {
    remove_user(&state, "me").await
}

/// Updates the names of the user whose id is literally `me`.
///
/// `me` names the authenticated user only for GET, as in the original; this is
/// `PUT /api/v1/users/{user_id}` with the id `me`.
#[utoipa::path(put, path = "/api/v1/users/me", operation_id = "update_user_me", tag = "users",
    request_body(content = NameChangeInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user `me`.", body = UserSchema),
        (status = 400, response = WrongFormat),
        (status = 404, response = NotFound),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    update_user(&state, "me", &headers, body).await
}

async fn remove_user(state: &AppState, id: &str) -> Result<Response, ApiError> {
    if state.accounts.delete_user(id).await? {
        Ok(json_response(StatusCode::OK, &Empty {}))
    } else {
        Err(ApiError::NotFound)
    }
}

/// Creates a user.
///
/// `email` and `password` are required non-empty strings, the names strings or null; other
/// keys are ignored. An email that another user has is refused.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "users",
    request_body(content = NewUserInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The new user.", body = UserSchema),
        (status = 400, response = NewUserRefused),
    ))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let object = json_object(&headers, body, state.body_limit).await?;
    let new_user = input::new_user(&object)?;
    match state.accounts.create_user(new_user).await {
        Ok(user) => Ok(user_response(StatusCode::CREATED, &user.public())),
        Err(AuthError::Storage(refused @ StorageError::DuplicateEmail)) => {
            Err(ApiError::CannotCreateUser(refused.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}

/// Updates a user's names.
///
/// An unknown id is 404 before the body is read. A name that is a string is set (even empty),
/// null or absent leaves it as it is; other keys are ignored. `updated_at` is refreshed.
#[utoipa::path(put, path = "/api/v1/users/{user_id}", operation_id = "update_user", tag = "users",
    params(UserId),
    request_body(content = NameChangeInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user.", body = UserSchema),
        (status = 400, response = WrongFormat),
        (status = 404, response = NotFound),
    ))]
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
    Ok(user_response(StatusCode::OK, &user.public()))
}

/// Changes the authenticated user's password.
///
/// A wrong current password is 401 `wrong password`. Every other session of the user ends; the
/// current one (named by the request's session cookie) stays, and a caller authenticated by
/// HTTP Basic keeps none. Without an authenticated user (authentication off) it is 404.
// Not in the original.
#[utoipa::path(put, path = "/api/v1/users/me/password", operation_id = "change_password",
    tag = "users",
    request_body(content = PasswordChangeInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The password is changed; the user.", body = UserSchema),
        (status = 400, response = PasswordChangeRefused),
        (status = 401, response = PasswordChangeUnauthorized),
        (status = 404, response = NotFound),
    ))]
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
        PasswordChange::Changed { user, .. } => Ok(user_response(StatusCode::OK, &user.public())),
        PasswordChange::WrongPassword => Err(ApiError::WrongPassword),
        PasswordChange::UnknownUser => Err(ApiError::NotFound),
    }
}

/// The `<user_id>` segment; one that cannot be decoded names no user.
fn user_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::NotFound)
}

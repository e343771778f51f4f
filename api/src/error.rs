//! Every error answer of the API: one enum of outcomes, each with its status and exact body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use thiserror::Error;

use crate::json::json_response;

/// An answer other than success, mapped to the original's status codes and `{"error": ...}`
/// bodies. Machinery failures become 503 with the detail logged, never a 500 and never a secret.
#[derive(Debug, Error)]
pub enum ApiError {
    /// 401: no credentials on a guarded path (and the `/unauthorized` route).
    #[error("Unauthorized")]
    Unauthorized,
    /// 403: credentials that identify nobody (and the `/forbidden` route).
    #[error("Forbidden")]
    Forbidden,
    /// 404: no such route, no such user, or no session mechanism for login/logout.
    #[error("Not found")]
    NotFound,
    /// 405: the path exists but not for this method; `allow` is the `Allow` header to send.
    #[error("Method not allowed")]
    MethodNotAllowed {
        /// The methods the route accepts, as the `Allow` header value.
        allow: Option<HeaderValue>,
    },
    /// 400: the body is not a JSON object of the expected shape.
    #[error("Wrong format")]
    WrongFormat,
    /// 400: `email` is missing, empty or not a string.
    #[error("email missing")]
    EmailMissing,
    /// 400: `password` is missing, empty or not a string.
    #[error("password missing")]
    PasswordMissing,
    /// 400: `current_password` of a password change is missing, empty or not a string.
    #[error("current_password missing")]
    CurrentPasswordMissing,
    /// 400: `new_password` of a password change is missing, empty or not a string.
    #[error("new_password missing")]
    NewPasswordMissing,
    /// 400: the store refused the new user; the text is the storage error's message.
    #[error("Can't create User: {0}")]
    CannotCreateUser(String),
    /// 401 from the login route: the password does not match.
    #[error("wrong password")]
    WrongPassword,
    /// 404 from the login route: no user has this email.
    #[error("no user found for this email")]
    NoUserForEmail,
    /// 413: the request body is larger than `MAX_BODY_BYTES`.
    #[error("Payload too large")]
    PayloadTooLarge,
    /// 429: too many failed logins or Basic checks for the account or from the client address.
    #[error("Too many requests")]
    TooManyRequests {
        /// When to try again, in seconds, for the `Retry-After` header.
        retry_after_seconds: u64,
    },
    /// 503: a store or the authentication machinery failed; the detail is only logged.
    #[error("Service unavailable")]
    Unavailable {
        /// What failed, for the log line (never sent to the client).
        detail: String,
    },
}

impl ApiError {
    /// Wraps a machinery failure: the detail goes to the log, the client sees 503.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        ApiError::Unavailable {
            detail: detail.to_string(),
        }
    }

    /// Returns the HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::WrongPassword => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoUserForEmail => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::WrongFormat
            | ApiError::EmailMissing
            | ApiError::PasswordMissing
            | ApiError::CurrentPasswordMissing
            | ApiError::NewPasswordMissing
            | ApiError::CannotCreateUser(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<auth::RetryAfter> for ApiError {
    fn from(retry_after: auth::RetryAfter) -> Self {
        ApiError::TooManyRequests {
            retry_after_seconds: retry_after.seconds(),
        }
    }
}

impl From<auth::AuthError> for ApiError {
    fn from(err: auth::AuthError) -> Self {
        match err {
            auth::AuthError::Storage(storage) => storage.into(),
            other => ApiError::unavailable(other),
        }
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(err: storage::StorageError) -> Self {
        match err {
            // A value the store cannot keep (a NUL character in PostgreSQL text) came from the
            // request: it is the client's input that is wrong, and nothing was written.
            storage::StorageError::Unstorable(_) => ApiError::WrongFormat,
            other => ApiError::unavailable(other),
        }
    }
}

/// The `{"error": "..."}` body shared by every error answer.
#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Unavailable { detail } = &self {
            // Details come from storage and auth errors (paths, parser positions); they never
            // contain passwords, hashes or session ids.
            tracing::error!(%detail, "answering 503");
        }
        let mut response = json_response(
            self.status(),
            &ErrorBody {
                error: self.to_string(),
            },
        );
        match self {
            ApiError::MethodNotAllowed { allow: Some(allow) } => {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            // The rest of the oversized body is never read, so the connection cannot carry
            // another request; saying so keeps keep-alive clients from reusing it.
            ApiError::PayloadTooLarge => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bodies_are_the_original_strings() {
        let cases = [
            (ApiError::Unauthorized, 401, "Unauthorized"),
            (ApiError::Forbidden, 403, "Forbidden"),
            (ApiError::NotFound, 404, "Not found"),
            (ApiError::WrongFormat, 400, "Wrong format"),
            (ApiError::EmailMissing, 400, "email missing"),
            (ApiError::PasswordMissing, 400, "password missing"),
            (
                ApiError::CurrentPasswordMissing,
                400,
                "current_password missing",
            ),
            (ApiError::NewPasswordMissing, 400, "new_password missing"),
            (ApiError::WrongPassword, 401, "wrong password"),
            (
                ApiError::NoUserForEmail,
                404,
                "no user found for this email",
            ),
            (ApiError::PayloadTooLarge, 413, "Payload too large"),
            (
                ApiError::TooManyRequests {
                    retry_after_seconds: 1,
                },
                429,
                "Too many requests",
            ),
            (
                ApiError::CannotCreateUser("email already exists".into()),
                400,
                "Can't create User: email already exists",
            ),
            (
                ApiError::unavailable("disk on fire"),
                503,
                "Service unavailable",
            ),
        ];
        for (error, status, text) in cases {
            assert_eq!(error.status().as_u16(), status, "{text}");
            assert_eq!(error.to_string(), text);
        }
    }

    #[test]
    fn a_405_keeps_its_allow_header() {
        let response = ApiError::MethodNotAllowed {
            allow: Some(HeaderValue::from_static("POST,OPTIONS")),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "POST,OPTIONS");
    }

    #[test]
    fn a_429_says_when_to_retry() {
        let response = ApiError::from(auth::RetryAfter::from_seconds(42)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
    }

    #[test]
    fn a_413_closes_the_connection() {
        let response = ApiError::PayloadTooLarge.into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }
}

//! The error responses of the document, built from the [`ApiError`] variants each stands for:
//! the status, the exact `{"error": ...}` messages (an `enum` in the schema and one example per
//! message) and the headers come from the code that answers, so they cannot drift from it.
//!
//! Handlers refer to them by type in their `#[utoipa::path]` attributes
//! (`(status = 404, response = NotFound)`); [`super::document`] registers them all as
//! `components.responses`.

use serde_json::json;
use storage::StorageError;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, RefOr};
use utoipa::ToResponse;

use crate::error::ApiError;

/// One reusable error response: its component name, what it means, and the errors it stands for.
pub(crate) struct ErrorResponse {
    /// The name under `components.responses`.
    pub name: &'static str,
    /// The description of the response.
    pub description: &'static str,
    /// The answers it stands for; all of one status.
    pub errors: Vec<ApiError>,
}

impl ErrorResponse {
    /// The status every error of this response has.
    #[cfg(test)]
    pub fn status(&self) -> Option<axum::http::StatusCode> {
        let first = self.errors.first()?.status();
        self.errors
            .iter()
            .all(|error| error.status() == first)
            .then_some(first)
    }

    /// The OpenAPI response: a JSON `{"error": <one of the messages>}` with nothing else, one
    /// example per message, and the headers the errors carry.
    pub fn to_response(&self) -> Response {
        let messages: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        let schema = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "error",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(messages.clone())),
            )
            .required("error")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let examples = messages.iter().map(|message| {
            let example = ExampleBuilder::new().value(Some(json!({ "error": message })));
            (message.clone(), example)
        });
        let content = ContentBuilder::new()
            .schema(Some(schema))
            .examples_from_iter(examples)
            .build();
        let mut response = ResponseBuilder::new()
            .description(self.description)
            .content("application/json", content);
        for (name, value_type, description) in self.headers() {
            let header = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(value_type)))
                .description(Some(description))
                .build();
            response = response.header(name, header);
        }
        response.build()
    }

    /// The headers that come with these errors, as `ApiError::into_response` adds them: name,
    /// type of the value, description.
    fn headers(&self) -> Vec<(&'static str, Type, &'static str)> {
        let mut headers = Vec::new();
        for error in &self.errors {
            match error {
                ApiError::MethodNotAllowed { .. } => headers.push((
                    "Allow",
                    Type::String,
                    "The methods the path accepts, `OPTIONS` included (e.g. `GET,HEAD,OPTIONS`).",
                )),
                ApiError::TooManyRequests { .. } => headers.push((
                    "Retry-After",
                    Type::Integer,
                    "How many seconds to wait before trying again.",
                )),
                ApiError::PayloadTooLarge => headers.push((
                    "Connection",
                    Type::String,
                    "`close`: the rest of the body is not read, so the connection ends.",
                )),
                _ => {}
            }
        }
        headers
    }
}

macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident: $description:literal => [$($error:expr),+ $(,)?];)+) => {
        $(
            $(#[$doc])*
            // Some are only components, named by no operation (`MethodNotAllowed`).
            #[allow(dead_code)]
            pub(crate) struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    let response = ErrorResponse {
                        name: stringify!($name),
                        description: $description,
                        errors: vec![$($error),+],
                    };
                    (stringify!($name), response.to_response().into())
                }
            }
        )+

        /// Every error response of the document.
        pub(crate) fn catalogue() -> Vec<ErrorResponse> {
            vec![$(ErrorResponse {
                name: stringify!($name),
                description: $description,
                errors: vec![$($error),+],
            }),+]
        }
    };
}

/// The only refusal the store makes when creating a user (any other failure is a 503).
fn email_taken() -> ApiError {
    ApiError::CannotCreateUser(StorageError::DuplicateEmail.to_string())
}

error_responses! {
    /// 401 from the filter (and `GET /api/v1/unauthorized`).
    Unauthorized: "No credentials: neither an `Authorization` header nor a session cookie was \
        sent to a path that needs authentication." => [ApiError::Unauthorized];
    /// 403 from the filter (and `GET /api/v1/forbidden`).
    Forbidden: "The credentials sent name nobody: an unknown, ended or expired session, a wrong \
        email or password, or credentials of a kind `AUTH_TYPE` does not use." =>
        [ApiError::Forbidden];
    /// 404 of the fallback and of routes whose target does not exist.
    NotFound: "Nothing is there: no such user or session, no authenticated user, no session \
        mechanism, or no route for the path." => [ApiError::NotFound];
    /// 405 for a method a known path does not serve.
    MethodNotAllowed: "The path exists, but not for this method." =>
        [ApiError::MethodNotAllowed { allow: None }];
    /// 413 for a body over `MAX_BODY_BYTES`.
    PayloadTooLarge: "The request body is larger than `MAX_BODY_BYTES` (declared or sent)." =>
        [ApiError::PayloadTooLarge];
    /// 429 for too many recent failed logins or Basic checks.
    TooManyRequests: "Too many recent failed logins or HTTP Basic checks for this email or from \
        this client address." => [ApiError::TooManyRequests { retry_after_seconds: 1 }];
    /// 503 when a store or the authentication machinery fails, or the request times out.
    Unavailable: "A store or the authentication machinery failed, or the request took longer \
        than `REQUEST_TIMEOUT_SECONDS`; the detail is only logged." =>
        [ApiError::unavailable("")];
    /// 400 for a body that is not a JSON object of the expected shape.
    WrongFormat: "The body is not a JSON object sent as `application/json` (or another \
        `application/*+json` type), or a name is neither a string nor null." =>
        [ApiError::WrongFormat];
    /// 400 of `POST /api/v1/users`.
    NewUserRefused: "The body is not a JSON object of the expected shape, `email` or `password` \
        is missing, empty or not a string, or another user has this email." => [
        ApiError::WrongFormat,
        ApiError::EmailMissing,
        ApiError::PasswordMissing,
        email_taken(),
    ];
    /// 400 of `PUT /api/v1/users/me/password`.
    PasswordChangeRefused: "The body is not a JSON object, or a password is missing, empty or \
        not a string." => [
        ApiError::WrongFormat,
        ApiError::CurrentPasswordMissing,
        ApiError::NewPasswordMissing,
    ];
    /// 401 of `PUT /api/v1/users/me/password`: from the filter, or a wrong current password.
    PasswordChangeUnauthorized: "No credentials were sent, or `current_password` is wrong." =>
        [ApiError::Unauthorized, ApiError::WrongPassword];
    /// 400 of the login.
    LoginRefused: "The form has no non-empty `email` or `password` field." =>
        [ApiError::EmailMissing, ApiError::PasswordMissing];
    /// 401 of the login.
    WrongPassword: "The password does not match the email." => [ApiError::WrongPassword];
    /// 404 of the login.
    LoginNotFound: "No user has this email, or (for a correct login) `AUTH_TYPE` has no session \
        mechanism." => [ApiError::NoUserForEmail, ApiError::NotFound];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_response_is_of_one_status() {
        for response in catalogue() {
            assert!(response.status().is_some(), "{}", response.name);
        }
    }

    #[test]
    fn the_names_are_unique_and_match_the_types() {
        let names: Vec<&str> = catalogue().iter().map(|response| response.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(<NotFound as ToResponse>::response().0, "NotFound");
    }

    #[test]
    fn a_response_lists_the_exact_messages_and_its_headers() {
        let response = catalogue()
            .into_iter()
            .find(|response| response.name == "NewUserRefused")
            .expect("listed");
        let value = serde_json::to_value(response.to_response()).expect("serialisable");
        let content = &value["content"]["application/json"];
        assert_eq!(
            content["schema"]["properties"]["error"]["enum"],
            json!([
                "Wrong format",
                "email missing",
                "password missing",
                "Can't create User: email already exists"
            ])
        );
        assert_eq!(
            content["examples"]["email missing"]["value"],
            json!({"error": "email missing"})
        );
        let throttled = catalogue()
            .into_iter()
            .find(|response| response.name == "TooManyRequests")
            .expect("listed");
        let value = serde_json::to_value(throttled.to_response()).expect("serialisable");
        assert!(value["headers"]["Retry-After"].is_object(), "{value}");
    }
}

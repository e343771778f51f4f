//! The body and parameter shapes of the document that have no Rust type of their own here:
//! inputs read by hand from parsed bodies (`crate::input`), the user of another crate
//! (`domain::PublicUser`), the path parameters, and the empty object several routes answer.
//!
//! The schema-only structs are never built (`dead_code` is allowed on them for that reason);
//! the router tests check real answers against them, so they cannot drift from the code.

use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

/// The format of every timestamp the API shows: UTC, `%Y-%m-%dT%H:%M:%S`, no zone and no
/// fraction (SPEC A1.4).
pub(crate) const TIMESTAMP_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$";

/// The schema of a timestamp.
pub(crate) fn timestamp() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(TIMESTAMP_PATTERN))
        .description(Some("UTC, `YYYY-MM-DDTHH:MM:SS`."))
        .examples(["2017-10-16T04:23:04"])
        .into()
}

/// The schema of a timestamp that may be null.
pub(crate) fn optional_timestamp() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(TIMESTAMP_PATTERN))
        .description(Some("UTC, `YYYY-MM-DDTHH:MM:SS`, or null."))
        .into()
}

/// A user as the API shows it: the stored record without its password hash. Every key is always
/// present, in this order.
#[derive(ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
#[schema(as = User)]
#[allow(dead_code)]
pub(crate) struct UserSchema {
    /// When the user was created.
    #[schema(schema_with = timestamp)]
    created_at: String,
    /// The login email; null only for records the original wrote without one.
    #[schema(required = true, examples("bob@hbtn.io"))]
    email: Option<String>,
    /// The first name, or null.
    #[schema(required = true)]
    first_name: Option<String>,
    /// The user's id (a UUID4 for users this service creates).
    #[schema(examples("d1b1d8ac-be5b-4849-b2ba-439092b4c05b"))]
    id: String,
    /// The last name, or null.
    #[schema(required = true)]
    last_name: Option<String>,
    /// When the user was last saved.
    #[schema(schema_with = timestamp)]
    updated_at: String,
}

/// The JSON body of `POST /api/v1/users`. Keys other than these are ignored.
#[derive(ToSchema)]
#[schema(as = NewUser)]
#[allow(dead_code)]
pub(crate) struct NewUserInput {
    /// The login email; unique among users.
    #[schema(min_length = 1, examples("bob@hbtn.io"))]
    email: String,
    /// The password.
    #[schema(min_length = 1, format = Password, examples("H0lbertonSchool98!"))]
    password: String,
    /// The first name; null or absent for none.
    first_name: Option<String>,
    /// The last name; null or absent for none.
    last_name: Option<String>,
}

/// The JSON body of `PUT /api/v1/users/{user_id}`: a name that is a string is set (even empty),
/// null or absent leaves it as it is. Keys other than these are ignored.
#[derive(ToSchema)]
#[schema(as = NameChange)]
#[allow(dead_code)]
pub(crate) struct NameChangeInput {
    /// The new first name.
    #[schema(examples("Bob"))]
    first_name: Option<String>,
    /// The new last name.
    #[schema(examples("Dylan"))]
    last_name: Option<String>,
}

/// The JSON body of `PUT /api/v1/users/me/password`. Keys other than these are ignored.
#[derive(ToSchema)]
#[schema(as = PasswordChange)]
#[allow(dead_code)]
pub(crate) struct PasswordChangeInput {
    /// The password the caller has now.
    #[schema(min_length = 1, format = Password)]
    current_password: String,
    /// The password to set.
    #[schema(min_length = 1, format = Password)]
    new_password: String,
}

/// The form of `POST /api/v1/auth_session/login`. Only the form body is read (not the query
/// string, not JSON); the first field of each name counts; values are not trimmed. Other fields,
/// and file parts of a multipart body, are ignored.
#[derive(ToSchema)]
#[schema(as = LoginForm)]
#[allow(dead_code)]
pub(crate) struct LoginInput {
    /// The user's email.
    #[schema(min_length = 1, examples("bobsession@hbtn.io"))]
    email: String,
    /// The user's password.
    #[schema(min_length = 1, format = Password, examples("fake pwd"))]
    password: String,
}

/// The `{user_id}` path parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct UserId {
    /// The user's id, one path segment.
    user_id: String,
}

/// The `{handle}` path parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct SessionHandle {
    /// The `handle` of one of the caller's sessions, as the session list shows it.
    handle: String,
}

/// The empty object `{}` that deletions and logouts answer with.
#[derive(Serialize, ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
pub(crate) struct Empty {}

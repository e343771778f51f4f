//! The OpenAPI 3.1 document of the API, generated from the code and served at
//! `GET /api/v1/openapi.json`.
//!
//! The routes come from the handlers' `#[utoipa::path]` attributes, collected by the same
//! utoipa-axum registration that builds the router ([`crate::routes`]). This module adds what
//! the layers around the route table answer, derived from the code that answers it: the filter's
//! 401/403/429 and the security requirements on exactly the paths `require_auth` guards (with the
//! same `EXCLUDED_PATHS`), and the gateway's 413 (body too large) and 503 (a failing store, or
//! the request timeout) on every operation. The document is built once per process; requests are
//! served the same bytes.

pub(crate) mod responses;
pub(crate) mod schemas;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use auth::path_rule::{require_auth, EXCLUDED_PATHS};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi, Ref, RefOr};
use utoipa::ToResponse;

use crate::config::DEFAULT_SESSION_NAME;
use responses::{Forbidden, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable};

/// The name of the session-cookie security scheme.
pub const SESSION_COOKIE_SCHEME: &str = "session_cookie";

/// The name of the HTTP Basic security scheme.
pub const BASIC_SCHEME: &str = "basic";

/// What the document says of the API as a whole: what no single operation can say.
const DESCRIPTION: &str = "\
The HTTP API of the session-authentication service, a drop-in replacement for the original \
Flask project (same routes, status codes and JSON bodies), plus a few routes of its own.

**Authentication.** `AUTH_TYPE` chooses the mechanisms: unset or `none`, no authentication at \
all; `basic_auth`, HTTP Basic with `email:password` (scheme `basic`); `session_auth`, \
`session_exp_auth` or `session_db_auth`, the session cookie a login sets (scheme \
`session_cookie`; its name is `SESSION_NAME`, `_my_session_id` by default); `auth` recognises \
no credentials; a comma-separated list tries several. Operations with an empty `security` never \
need credentials. On every other path the authentication filter runs *before routing*, so \
unknown paths and methods a path does not serve are filtered too: no `Authorization` header and \
no session cookie is 401, credentials that name nobody are 403 (even an empty value counts as \
sent), too many failed Basic checks are 429. Routes that need the authenticated user answer 404 \
when authentication is off.

**Paths and methods.** Every path answers the same with one trailing `/` (no redirect). `HEAD` \
is served wherever `GET` is, without a body; `OPTIONS` on a known path is 200 with an `Allow` \
header; any other method a known path does not serve is 405 with an `Allow` header (response \
`MethodNotAllowed`); an unknown path is 404 (response `NotFound`).

**Answers.** Bodies are compact JSON followed by one newline, `Content-Type: application/json`. \
Every answer under `/api/v1` carries `Access-Control-Allow-Origin: *` and \
`Cache-Control: no-store`, and every answer an `X-Request-Id` header (the request's own when it \
sent a short visible-ASCII one, otherwise a new id). Timestamps are UTC, \
`YYYY-MM-DDTHH:MM:SS`. A request body larger than `MAX_BODY_BYTES` is 413 on every route; a \
failing store, or a request that takes longer than `REQUEST_TIMEOUT_SECONDS`, is 503, never \
500.";

/// The parts of the document that are not routes: the tags. The title, version and licence are
/// the crate's (`#[derive(OpenApi)]` reads them from Cargo).
#[derive(utoipa::OpenApi)]
#[openapi(tags(
    (name = "status", description = "Status, statistics and the two routes that always fail."),
    (name = "users", description = "The users."),
    (name = "sessions", description = "Logging in and out, and the caller's own sessions."),
    (name = "documentation", description = "This document."),
))]
struct ApiDoc;

/// The document the route table starts from, before any route is added.
pub(crate) fn base() -> OpenApi {
    <ApiDoc as utoipa::OpenApi>::openapi()
}

/// Returns the OpenAPI document of the API, built on first use.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| complete(crate::routes::documented().1))
}

/// Returns the document as compact JSON followed by one newline, as the API writes every body,
/// serialised on first use; `None` if it could not be serialised (logged once).
pub fn document_json() -> Option<&'static [u8]> {
    static JSON: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    JSON.get_or_init(|| match serde_json::to_vec(document()) {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            Some(bytes)
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise the OpenAPI document");
            None
        }
    })
    .as_deref()
}

/// Adds to the routes' document what the gateway and the filter answer, the reusable error
/// responses and the security schemes.
fn complete(mut document: OpenApi) -> OpenApi {
    document.info.description = Some(DESCRIPTION.to_string());
    let components = document.components.get_or_insert_with(Components::new);
    for response in responses::catalogue() {
        components
            .responses
            .insert(response.name.to_string(), response.to_response().into());
    }
    components.add_security_scheme(SESSION_COOKIE_SCHEME, session_cookie_scheme());
    components.add_security_scheme(BASIC_SCHEME, basic_scheme());
    for (path, item) in document.paths.paths.iter_mut() {
        // The filter sees the concrete path; a template guards exactly when its paths are
        // guarded, as no excluded entry has a parameter or a `*`.
        let guarded = require_auth(Some(path), &EXCLUDED_PATHS);
        for operation in operations(item) {
            add_layer_answers(operation, guarded);
        }
    }
    document
}

/// The answers of the layers around the route table, added where the handler did not document
/// that status itself (a handler that also answers it lists every message).
fn add_layer_answers(operation: &mut Operation, guarded: bool) {
    let responses = &mut operation.responses.responses;
    add_response::<PayloadTooLarge>(responses, "413");
    add_response::<Unavailable>(responses, "503");
    if guarded {
        add_response::<Unauthorized>(responses, "401");
        add_response::<Forbidden>(responses, "403");
        add_response::<TooManyRequests>(responses, "429");
        operation.security = Some(vec![
            SecurityRequirement::new(SESSION_COOKIE_SCHEME, Vec::<String>::new()),
            SecurityRequirement::new(BASIC_SCHEME, Vec::<String>::new()),
        ]);
    } else {
        // An empty list: this operation needs no credentials whatever `AUTH_TYPE` says.
        operation.security = Some(Vec::new());
    }
}

fn add_response<'r, R: ToResponse<'r>>(
    responses: &mut BTreeMap<String, RefOr<Response>>,
    status: &str,
) {
    responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(R::response().0)));
}

/// Every operation of a path item (this API uses no other methods than these).
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

fn session_cookie_scheme() -> SecurityScheme {
    let description = "The session cookie set by `POST /api/v1/auth_session/login`, when \
        `AUTH_TYPE` has a session mechanism. Its name is `SESSION_NAME` (the default shown here).";
    SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
        DEFAULT_SESSION_NAME,
        description,
    )))
}

fn basic_scheme() -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Basic)
            .description(Some(
                "`email:password` in Base64, when `AUTH_TYPE` has `basic_auth`. The scheme name \
                 is case-sensitive (`Basic`).",
            ))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use domain::{NewUser, PasswordHash, User};
    use serde_json::Value;

    use super::*;

    fn as_json(value: &impl serde::Serialize) -> Value {
        serde_json::to_value(value).expect("serialisable")
    }

    #[test]
    fn the_document_is_built_once_and_served_as_compact_json() {
        assert!(std::ptr::eq(document(), document()));
        let json = document_json().expect("serialisable");
        assert!(json.starts_with(b"{\"openapi\":\"3.1."), "3.1");
        assert!(json.ends_with(b"}\n"));
        assert_eq!(document_json().map(<[u8]>::as_ptr), Some(json.as_ptr()));
    }

    #[test]
    fn the_user_schema_has_the_keys_of_a_user_the_api_shows() {
        let input = NewUser {
            email: "a@b.c".into(),
            password: "pw".into(),
            first_name: None,
            last_name: Some("Z".into()),
        };
        let now = "2024-01-01T00:00:00".parse().expect("a timestamp");
        let user = User::new(input, PasswordHash::legacy_sha256("pw"), now);
        let shown = as_json(&user.public());
        let schemas = &as_json(document())["components"]["schemas"];
        let keys = |value: &Value| -> Vec<String> {
            value
                .as_object()
                .expect("an object")
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(keys(&schemas["User"]["properties"]), keys(&shown));
        assert_eq!(schemas["User"]["required"], as_json(&keys(&shown)));
    }

    #[test]
    fn exactly_the_excluded_paths_need_no_credentials() {
        let document = as_json(document());
        let paths = document["paths"].as_object().expect("paths");
        for (path, item) in paths {
            for (method, operation) in item.as_object().expect("a path item") {
                let open = operation["security"] == Value::Array(Vec::new());
                let excluded = EXCLUDED_PATHS
                    .iter()
                    .any(|entry| entry.trim_end_matches('/') == path);
                assert_eq!(open, excluded, "{method} {path}");
                let responses = &operation["responses"];
                let filtered = ["401", "403", "429"]
                    .iter()
                    .all(|status| responses[status].is_object());
                assert!(open || filtered, "{method} {path}");
            }
        }
    }
}

//! Credentials a test request carries and the reply it gets back.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::checks::CookieLine;
use super::fixtures::{base64, SeedUser};

/// The session cookie name the binary uses when `SESSION_NAME` is unset (SPEC A2 D2).
pub const DEFAULT_SESSION_NAME: &str = "_my_session_id";

/// The `Authorization` and `Cookie` headers a request carries, both optional.
#[derive(Debug, Clone, Default)]
pub struct Creds {
    /// The raw `Authorization` value, sent as is (it may be empty).
    pub authorization: Option<String>,
    /// The raw `Cookie` value, sent as is (it may be empty).
    pub cookie: Option<String>,
}

impl Creds {
    /// Carries no credentials at all.
    pub fn none() -> Creds {
        Creds::default()
    }

    /// Carries `Authorization: Basic <base64(email:password)>`.
    pub fn basic(email: &str, password: &str) -> Creds {
        Creds::authorization(&format!(
            "Basic {}",
            base64(format!("{email}:{password}").as_bytes())
        ))
    }

    /// Carries the Basic credentials of a seeded user.
    pub fn user(user: &SeedUser) -> Creds {
        Creds::basic(user.email, user.password)
    }

    /// Carries this exact `Authorization` value.
    pub fn authorization(value: &str) -> Creds {
        Creds {
            authorization: Some(value.to_string()),
            cookie: None,
        }
    }

    /// Carries this exact `Cookie` header value, e.g. `a=1; _my_session_id=abc`.
    pub fn cookie_header(value: &str) -> Creds {
        Creds {
            authorization: None,
            cookie: Some(value.to_string()),
        }
    }

    /// Carries the session cookie `_my_session_id=<session_id>`.
    pub fn session(session_id: &str) -> Creds {
        Creds::named_session(DEFAULT_SESSION_NAME, session_id)
    }

    /// Carries the session cookie `<name>=<session_id>`.
    pub fn named_session(name: &str, session_id: &str) -> Creds {
        Creds::cookie_header(&format!("{name}={session_id}"))
    }
}

/// What the server answered, with the request it answered kept for failure messages.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The request line as sent, e.g. `GET /api/v1/users`.
    pub request: String,
    /// The HTTP status code.
    pub status: u16,
    /// Every response header.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Reply {
    /// Returns the body as text (lossy for invalid UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON, failing the test with the request and body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "{}: body is not JSON ({error}): {:?}",
                self.request,
                self.text()
            )
        })
    }

    /// Returns the first value of a header as text, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    /// Returns every `Set-Cookie` line, parsed.
    pub fn set_cookies(&self) -> Vec<CookieLine> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|value| CookieLine::parse(&String::from_utf8_lossy(value.as_bytes())))
            .collect()
    }

    /// Returns the only `Set-Cookie` line, failing the test when there is not exactly one.
    pub fn the_cookie(&self) -> CookieLine {
        let mut cookies = self.set_cookies();
        assert_eq!(
            cookies.len(),
            1,
            "{}: expected exactly one Set-Cookie, got {:?}",
            self.request,
            cookies
        );
        cookies.remove(0)
    }

    /// Asserts the status code, with the body in the failure message.
    pub fn assert_status(&self, status: u16) -> &Reply {
        assert_eq!(
            self.status,
            status,
            "{}: expected status {status}, got {} with body {:?}",
            self.request,
            self.status,
            self.text()
        );
        self
    }

    /// Asserts the status and that the body is exactly `expected` as compact JSON followed by
    /// one `\n`, served as `application/json`.
    pub fn assert_json(&self, status: u16, expected: Value) -> &Reply {
        self.assert_status(status);
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{}: Content-Type is {content_type:?}, expected application/json",
            self.request
        );
        assert_eq!(self.json(), expected, "{}: wrong body", self.request);
        self.assert_compact();
        self
    }

    /// Asserts the body is compact JSON (no insignificant whitespace) ending in one `\n`.
    pub fn assert_compact(&self) -> &Reply {
        let compact = format!(
            "{}\n",
            serde_json::to_string(&self.json()).expect("a Value serialises")
        );
        assert_eq!(
            self.text(),
            compact,
            "{}: the body is not compact JSON with one trailing newline",
            self.request
        );
        self
    }

    /// Asserts the status and the body `{"error": message}`.
    pub fn assert_error(&self, status: u16, message: &str) -> &Reply {
        self.assert_json(status, serde_json::json!({ "error": message }))
    }

    /// Asserts `401 {"error":"Unauthorized"}`.
    pub fn assert_unauthorized(&self) -> &Reply {
        self.assert_error(401, "Unauthorized")
    }

    /// Asserts `403 {"error":"Forbidden"}`.
    pub fn assert_forbidden(&self) -> &Reply {
        self.assert_error(403, "Forbidden")
    }

    /// Asserts `404 {"error":"Not found"}`.
    pub fn assert_not_found(&self) -> &Reply {
        self.assert_error(404, "Not found")
    }

    /// Asserts `405 {"error":"Method not allowed"}` with an `Allow` header naming `method`.
    pub fn assert_method_not_allowed(&self, method: &str) -> &Reply {
        self.assert_error(405, "Method not allowed");
        let allow = self.header("allow").unwrap_or_default();
        assert!(
            allow.split(',').any(|listed| listed.trim() == method),
            "{}: Allow header {allow:?} does not list {method}",
            self.request
        );
        self
    }

    /// Asserts `Access-Control-Allow-Origin: *`.
    pub fn assert_cors(&self) -> &Reply {
        assert_eq!(
            self.header("access-control-allow-origin").as_deref(),
            Some("*"),
            "{}: missing Access-Control-Allow-Origin: *",
            self.request
        );
        self
    }
}

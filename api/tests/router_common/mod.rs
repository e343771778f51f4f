//! Shared set-up of the router tests: an app over memory stores, fixtures and a request helper.
#![allow(dead_code)]

use std::sync::Arc;

use api::Gateway;
use api::{AppState, SessionCookie};
use auth::{Accounts, AuthDeps, AuthSetting, AuthSystem};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use domain::{
    Clock, ManualClock, PasswordHash, PasswordHasher, PasswordParams, SessionDuration, Timestamp,
    User,
};
use http_body_util::BodyExt;
use serde_json::Value;
use storage::memory::{MemorySessionRepository, MemoryUserRepository};
use storage::{SessionRepository, UserRepository};
use tower::ServiceExt;

/// U1 of the task pages.
pub const U1_EMAIL: &str = "bob@hbtn.io";
/// U1's password.
pub const U1_PASSWORD: &str = "H0lbertonSchool98!";
/// `Basic` token of U1.
pub const U1_BASIC: &str = "Basic Ym9iQGhidG4uaW86SDBsYmVydG9uU2Nob29sOTgh";
/// U2 of the task pages.
pub const U2_EMAIL: &str = "bobsession@hbtn.io";
/// U2's password.
pub const U2_PASSWORD: &str = "fake pwd";
/// U3 of the task pages (a password with colons).
pub const U3_EMAIL: &str = "bob100@hbtn.io";
/// U3's password.
pub const U3_PASSWORD: &str = "H0lberton:School:98!";
/// `Basic` token of U3.
pub const U3_BASIC: &str = "Basic Ym9iMTAwQGhidG4uaW86SDBsYmVydG9uOlNjaG9vbDo5OCE=";
/// The default cookie name.
pub const COOKIE: &str = "_my_session_id";

/// How a test app is configured.
#[derive(Clone)]
pub struct Options {
    /// `AUTH_TYPE`, as the environment would give it.
    pub auth_type: Option<&'static str>,
    /// `SESSION_DURATION` in seconds.
    pub duration: i64,
    /// `SESSION_COOKIE_SECURE`.
    pub secure: bool,
    /// `MAX_BODY_BYTES`.
    pub body_limit: usize,
}

impl Options {
    /// Options for one `AUTH_TYPE`, other values at their defaults.
    pub fn auth(auth_type: &'static str) -> Self {
        Options {
            auth_type: Some(auth_type),
            duration: 0,
            secure: false,
            body_limit: 65536,
        }
    }

    /// Authentication off (`AUTH_TYPE` unset).
    pub fn open() -> Self {
        Options {
            auth_type: None,
            ..Options::auth("none")
        }
    }
}

/// An app over memory stores, with handles on the stores and the clock.
pub struct TestApp {
    /// The application under test.
    pub app: Gateway,
    /// The user store behind it.
    pub users: Arc<MemoryUserRepository>,
    /// The session store behind it.
    pub sessions: Arc<MemorySessionRepository>,
    /// The clock used for session expiry.
    pub clock: Arc<ManualClock>,
}

/// Builds an app for `AUTH_TYPE=auth_type` with default options.
pub fn app(auth_type: &'static str) -> TestApp {
    app_with(Options::auth(auth_type))
}

/// Builds an app with the given options.
pub fn app_with(options: Options) -> TestApp {
    let users = Arc::new(MemoryUserRepository::new());
    let sessions = Arc::new(MemorySessionRepository::new());
    let clock = Arc::new(ManualClock::new(
        "2024-01-01T00:00:00".parse().expect("valid timestamp"),
    ));
    let user_store: Arc<dyn UserRepository> = users.clone();
    let session_store: Arc<dyn SessionRepository> = sessions.clone();
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let accounts = Arc::new(Accounts::new(
        user_store.clone(),
        session_store.clone(),
        PasswordHasher::new(PasswordParams::INSECURE_FAST).expect("valid parameters"),
        dyn_clock.clone(),
    ));
    let setting = AuthSetting::parse(options.auth_type).expect("valid AUTH_TYPE");
    let auth = AuthSystem::build(
        &setting,
        AuthDeps {
            users: user_store.clone(),
            sessions: session_store,
            accounts: accounts.clone(),
            duration: SessionDuration::from_seconds(options.duration),
            idle_timeout: auth::IdleTimeout::default(),
            clock: dyn_clock,
        },
    );
    let state = AppState::new(
        user_store,
        accounts,
        auth,
        SessionCookie::new(COOKIE, options.secure),
        options.body_limit,
    );
    TestApp {
        app: api::router(state),
        users,
        sessions,
        clock,
    }
}

/// Builds an app from hand-made parts (mocks).
pub fn app_from(
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    auth: AuthSystem,
) -> Gateway {
    let accounts = Arc::new(Accounts::new(
        users.clone(),
        sessions,
        PasswordHasher::new(PasswordParams::INSECURE_FAST).expect("valid parameters"),
        Arc::new(domain::SystemClock),
    ));
    api::router(AppState::new(
        users,
        accounts,
        auth,
        SessionCookie::new(COOKIE, false),
        65536,
    ))
}

/// A user record as the original wrote it: legacy SHA-256 password, no names.
pub fn legacy_user(email: &str, password: &str) -> User {
    let now: Timestamp = "2017-10-16T04:23:04".parse().expect("valid timestamp");
    serde_json::from_value(serde_json::json!({
        "id": domain::new_id(),
        "created_at": now,
        "updated_at": now,
        "email": email,
        "_password": PasswordHash::legacy_sha256(password).as_str(),
        "first_name": null,
        "last_name": null,
    }))
    .expect("a valid record")
}

impl TestApp {
    /// Stores a user with a legacy password hash and returns it.
    pub async fn seed(&self, email: &str, password: &str) -> User {
        let user = legacy_user(email, password);
        self.users
            .create(user.clone())
            .await
            .expect("seeding a user");
        user
    }

    /// Sends one request through the app.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    /// Logs in with a urlencoded form and returns the session id from the cookie.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let reply = self.send(login_request(email, password)).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login of {email}: {}",
            reply.text()
        );
        session_id_of(&reply)
    }

    /// Lists the users through the store (not the API) to compare before and after a request.
    pub async fn stored(&self) -> Vec<User> {
        self.users.list().await.expect("listing the store")
    }
}

/// A received response with its body read.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// One header as text, if present.
    pub fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
    }

    /// Asserts an error answer: status and exact body `{"error": message}` as compact JSON.
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.text(),
            format!(
                "{{\"error\":{}}}\n",
                serde_json::to_string(message).expect("text")
            ),
        );
        assert_eq!(
            self.header(header::CONTENT_TYPE).as_deref(),
            Some("application/json")
        );
    }
}

/// Sends one request through `app`.
pub async fn send(app: &Gateway, request: Request<Body>) -> Reply {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("readable body")
        .to_bytes()
        .to_vec();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A request without body.
pub fn request(method: Method, path: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("valid request")
}

/// A GET request.
pub fn get(path: &str) -> Request<Body> {
    request(Method::GET, path)
}

/// A request with one extra header.
pub fn with_header(mut request: Request<Body>, name: &str, value: &[u8]) -> Request<Body> {
    request.headers_mut().append(
        header::HeaderName::from_bytes(name.as_bytes()).expect("valid name"),
        header::HeaderValue::from_bytes(value).expect("valid value"),
    );
    request
}

/// A request with an `Authorization` header.
pub fn authorized(request: Request<Body>, authorization: &str) -> Request<Body> {
    with_header(request, "authorization", authorization.as_bytes())
}

/// A request with the session cookie set to `session_id`.
pub fn with_session(request: Request<Body>, session_id: &str) -> Request<Body> {
    with_header(
        request,
        "cookie",
        format!("{COOKIE}={session_id}").as_bytes(),
    )
}

/// A request with a body and a content type.
pub fn with_body(method: Method, path: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// A JSON request.
pub fn json(method: Method, path: &str, body: &str) -> Request<Body> {
    with_body(method, path, "application/json", body)
}

/// The login request with a urlencoded form.
pub fn login_request(email: &str, password: &str) -> Request<Body> {
    let form = format!("email={}&password={}", encode(email), encode(password));
    with_body(
        Method::POST,
        "/api/v1/auth_session/login",
        "application/x-www-form-urlencoded",
        &form,
    )
}

/// Percent-encodes a form value (enough for the fixtures).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The session id set by a login reply.
pub fn session_id_of(reply: &Reply) -> String {
    let cookie = reply
        .header(header::SET_COOKIE)
        .expect("a Set-Cookie header");
    let first = cookie.split(';').next().expect("a name=value pair");
    first
        .strip_prefix(&format!("{COOKIE}="))
        .expect("the session cookie")
        .to_string()
}

/// The keys of a public user object, sorted.
pub const USER_KEYS: [&str; 6] = [
    "created_at",
    "email",
    "first_name",
    "id",
    "last_name",
    "updated_at",
];

/// Asserts that `value` is the public form of a user with this email.
pub fn assert_public_user(value: &Value, email: &str) {
    let object = value.as_object().expect("a user object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys, USER_KEYS, "keys of {value}");
    assert_eq!(value["email"], email);
}

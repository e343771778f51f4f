//! Talking HTTP to a running [`Server`]: one generic `send` and a helper per common request.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::Value;

use super::fixtures::SeedUser;
use super::http::{Creds, Reply, DEFAULT_SESSION_NAME};
use super::server::Server;

/// The login route.
pub const LOGIN: &str = "/api/v1/auth_session/login";
/// The logout route.
pub const LOGOUT: &str = "/api/v1/auth_session/logout";

/// A request body.
#[derive(Debug, Clone)]
pub enum Body<'a> {
    /// No body at all.
    Empty,
    /// Form fields, URL-encoded.
    Form(&'a [(&'a str, &'a str)]),
    /// These bytes, with this `Content-Type` when given.
    Bytes(Option<&'a str>, Vec<u8>),
}

impl Server {
    /// Sends a request with optional credentials, extra headers and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        creds: &Creds,
        headers: &[(&str, &[u8])],
        body: Body<'_>,
    ) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).expect("a valid HTTP method");
        let request_line = format!("{method} {path}");
        let mut builder = self.client.request(method, self.url(path));
        if let Some(value) = &creds.authorization {
            builder = builder.header("authorization", header_value(value.as_bytes()));
        }
        if let Some(value) = &creds.cookie {
            builder = builder.header("cookie", header_value(value.as_bytes()));
        }
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
            builder = builder.header(name, header_value(value));
        }
        builder = match body {
            Body::Empty => builder,
            Body::Form(fields) => builder.form(fields),
            Body::Bytes(content_type, bytes) => {
                if let Some(content_type) = content_type {
                    builder = builder.header("content-type", content_type);
                }
                builder.body(bytes)
            }
        };
        let response = builder.send().await.unwrap_or_else(|error| {
            panic!(
                "{request_line}: no HTTP answer ({error})\n--- stderr ---\n{}",
                self.stderr()
            )
        });
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|error| panic!("{request_line}: body not readable ({error})"))
            .to_vec();
        Reply {
            request: request_line,
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, creds: &Creds) -> Reply {
        self.send("GET", path, creds, &[], Body::Empty).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, creds: &Creds) -> Reply {
        self.send("DELETE", path, creds, &[], Body::Empty).await
    }

    /// `POST path` with an `application/x-www-form-urlencoded` body.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], creds: &Creds) -> Reply {
        self.send("POST", path, creds, &[], Body::Form(fields))
            .await
    }

    /// `POST path` with this text as an `application/json` body (it need not be valid JSON).
    pub async fn post_json(&self, path: &str, json: &str, creds: &Creds) -> Reply {
        let body = Body::Bytes(Some("application/json"), json.as_bytes().to_vec());
        self.send("POST", path, creds, &[], body).await
    }

    /// `PUT path` with this text as an `application/json` body (it need not be valid JSON).
    pub async fn put_json(&self, path: &str, json: &str, creds: &Creds) -> Reply {
        let body = Body::Bytes(Some("application/json"), json.as_bytes().to_vec());
        self.send("PUT", path, creds, &[], body).await
    }

    /// Any method with exactly these headers and this body, no credentials added.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &[u8])],
        body: Body<'_>,
    ) -> Reply {
        self.send(method, path, &Creds::none(), headers, body).await
    }

    /// Posts the login form with these fields.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        let fields = [("email", email), ("password", password)];
        self.post_form(LOGIN, &fields, &Creds::none()).await
    }

    /// Logs a seeded user in, asserts 200 and one cookie named `cookie_name`, and returns the
    /// session id.
    pub async fn session_for(&self, user: &SeedUser, cookie_name: &str) -> String {
        let reply = self.login(user.email, user.password).await;
        reply.assert_status(200);
        let cookie = reply.the_cookie();
        assert_eq!(cookie.name, cookie_name, "login cookie name");
        cookie.value
    }

    /// Logs a seeded user in under the default cookie name and returns the session id.
    pub async fn session(&self, user: &SeedUser) -> String {
        self.session_for(user, DEFAULT_SESSION_NAME).await
    }

    /// Returns `GET /api/v1/users` as the caller `creds` sees it, asserting 200.
    pub async fn users(&self, creds: &Creds) -> Value {
        let reply = self.get("/api/v1/users", creds).await;
        reply.assert_status(200);
        reply.json()
    }

    /// Creates a user through `POST /api/v1/users` as `creds`, asserts 201, returns the user.
    pub async fn create_user(&self, creds: &Creds, body: Value) -> Value {
        let reply = self
            .post_json("/api/v1/users", &body.to_string(), creds)
            .await;
        reply.assert_status(201).assert_compact().assert_cors();
        reply.json()
    }

    /// Returns what is stored, seen through `GET /api/v1/users` as `creds` and on disk.
    pub async fn snapshot(&self, creds: &Creds) -> Snapshot {
        Snapshot {
            listed: self.users(creds).await,
            file: self.data_file(".db_User.json").unwrap_or_default(),
        }
    }
}

/// The user store as the API lists it and as `.db_User.json` holds it, for "nothing changed"
/// assertions.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    /// `GET /api/v1/users`.
    pub listed: Value,
    /// The bytes of `.db_User.json` (empty when absent).
    pub file: String,
}

fn header_value(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes).expect("a header value the HTTP client can send")
}

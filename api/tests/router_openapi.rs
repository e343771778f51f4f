//! Router tests of the OpenAPI document: it is served without credentials, it documents exactly
//! the routes the router serves, and what the routes answer (the SPEC's example cases and the
//! routes added since) fits the statuses, bodies and headers it documents.

mod openapi_support;
mod router_common;

use std::collections::BTreeSet;

use axum::http::{header, Method, StatusCode};
use openapi_support::cases::{self, Credential, Payload, Scenario};
use openapi_support::Document;
use router_common::*;
use serde_json::Value;

/// Every `(method, path)` the router serves (`HEAD` and `OPTIONS` aside, which it answers
/// wherever `GET`, respectively any method, is served).
const ROUTES: [(&str, &str); 19] = [
    ("GET", "/api/v1/status"),
    ("GET", "/api/v1/stats"),
    ("GET", "/api/v1/unauthorized"),
    ("GET", "/api/v1/forbidden"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/me"),
    ("PUT", "/api/v1/users/me"),
    ("DELETE", "/api/v1/users/me"),
    ("PUT", "/api/v1/users/me/password"),
    ("GET", "/api/v1/users/{user_id}"),
    ("PUT", "/api/v1/users/{user_id}"),
    ("DELETE", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/auth_session/login"),
    ("DELETE", "/api/v1/auth_session/logout"),
    ("GET", "/api/v1/auth_session/sessions"),
    ("DELETE", "/api/v1/auth_session/sessions"),
    ("DELETE", "/api/v1/auth_session/sessions/{handle}"),
    ("GET", "/api/v1/openapi.json"),
];

/// The routes that need no credentials whatever `AUTH_TYPE` says.
const OPEN_ROUTES: [&str; 5] = [
    "/api/v1/status",
    "/api/v1/unauthorized",
    "/api/v1/forbidden",
    "/api/v1/auth_session/login",
    "/api/v1/openapi.json",
];

const AUTH_TYPES: [Option<&str>; 8] = [
    None,
    Some("none"),
    Some("auth"),
    Some("basic_auth"),
    Some("session_auth"),
    Some("session_exp_auth"),
    Some("session_db_auth"),
    Some("basic_auth,session_db_auth"),
];

/// The document as an app with authentication off serves it.
async fn document() -> Document {
    let reply = app_with(Options::open())
        .send(get("/api/v1/openapi.json"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    Document::new(reply.json())
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("a method")
}

/// A concrete path for a template: every parameter becomes `x`.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks `reply` against what the document says `method` on `path` answers with its status:
/// the operation's response, or for a request no operation serves, the component response
/// the layers around the routes answer with. The body must fit the schema, and the headers
/// that carry meaning (cookie, retry delay, allowed methods) must be documented.
fn check_documented(
    doc: &Document,
    method: &Method,
    path: &str,
    reply: &Reply,
) -> Result<(), String> {
    let status = reply.status.as_u16();
    let response = match doc.operation(method, path) {
        Some(found) => doc
            .response(found.operation, status)
            .ok_or_else(|| format!("{method} {} does not document {status}", found.template))?,
        None => doc.component_response(unrouted_response(status, doc.path_item(path).is_some())?),
    };
    let content_type = reply.header(header::CONTENT_TYPE);
    doc.check_body(response, content_type.as_deref(), &reply.body)
        .map_err(|err| format!("{method} {path} {status}: {err}; body {}", reply.text()))?;
    for name in [header::SET_COOKIE, header::RETRY_AFTER, header::ALLOW] {
        let documented = response["headers"].as_object().is_some_and(|headers| {
            headers
                .keys()
                .any(|key| key.eq_ignore_ascii_case(name.as_str()))
        });
        if reply.headers.contains_key(&name) && !documented {
            return Err(format!(
                "{method} {path} {status}: {name} is sent but not documented"
            ));
        }
    }
    Ok(())
}

/// The component response for an answer no operation gives: the filter's, the gateway's 413,
/// the 405 of a known path and the 404 of an unknown one.
fn unrouted_response(status: u16, known_path: bool) -> Result<&'static str, String> {
    match (status, known_path) {
        (401, _) => Ok("Unauthorized"),
        (403, _) => Ok("Forbidden"),
        (413, _) => Ok("PayloadTooLarge"),
        (429, _) => Ok("TooManyRequests"),
        (503, _) => Ok("Unavailable"),
        (405, true) => Ok("MethodNotAllowed"),
        (404, false) => Ok("NotFound"),
        _ => Err(format!(
            "{status} is not an answer for a request no operation serves"
        )),
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_served_without_credentials_under_every_auth_type() {
    let mut served = BTreeSet::new();
    for auth_type in AUTH_TYPES {
        let test = app_with(Options {
            auth_type,
            ..Options::open()
        });
        for path in ["/api/v1/openapi.json", "/api/v1/openapi.json/"] {
            for request in [get(path), authorized(get(path), "Test")] {
                let reply = test.send(request).await;
                assert_eq!(reply.status, StatusCode::OK, "{auth_type:?} {path}");
                assert_eq!(
                    reply.header(header::CONTENT_TYPE).as_deref(),
                    Some("application/json")
                );
                assert_eq!(
                    reply.header(header::CONTENT_LENGTH),
                    Some(reply.body.len().to_string())
                );
                let document = reply.json();
                let version = document["openapi"].as_str().expect("a version");
                assert!(version.starts_with("3.1"), "{version}");
                assert_eq!(document["info"]["title"], "api");
                assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
                served.insert(reply.body);
            }
        }
    }
    assert_eq!(served.len(), 1, "every app serves the same document");
}

#[tokio::test]
async fn the_document_is_well_formed() {
    let doc = document().await;
    assert_eq!(doc.dangling_references(), Vec::<String>::new());
    let mut operation_ids = BTreeSet::new();
    for (method, template) in doc.operations() {
        let operation = doc
            .operation(&self::method(&method), &template)
            .expect("documented")
            .operation;
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(operation_ids.insert(id.to_string()), "{id} twice");
        assert!(operation["summary"].is_string(), "{method} {template}");
        assert!(operation["security"].is_array(), "{method} {template}");
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|parameter| parameter["in"] == "path")
            .filter_map(|parameter| parameter["name"].as_str())
            .collect();
        let in_path: BTreeSet<&str> = template
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(declared, in_path, "{method} {template}");
        let responses = operation["responses"].as_object().expect("responses");
        for status in ["413", "503"] {
            assert!(
                responses.contains_key(status),
                "{method} {template} {status}"
            );
        }
        for (status, response) in responses {
            assert!(status.parse::<u16>().is_ok(), "{status}");
            let response = doc.resolve(response);
            assert!(
                response["description"].is_string(),
                "{method} {template} {status}"
            );
            let schema = &response["content"]["application/json"]["schema"];
            assert!(
                schema.is_object(),
                "{method} {template} {status}: JSON body"
            );
        }
    }
}

#[tokio::test]
async fn every_route_of_the_router_is_documented_and_nothing_else() {
    let doc = document().await;
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(doc.operations(), expected);
}

#[tokio::test]
async fn every_documented_operation_reaches_its_handler_and_no_other_method_is_served() {
    let doc = document().await;
    let test = app_with(Options::open());
    // PATCH is served nowhere: on a routed path it is 405, on an unknown one the fallback's 404.
    test.send(request(Method::PATCH, "/api/v1/nope"))
        .await
        .assert_error(404, "Not found");
    let operations = doc.operations();
    for (method_name, template) in &operations {
        let path = concrete(template);
        let reply = test.send(request(method(method_name), &path)).await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method_name} {path}"
        );
        check_documented(&doc, &method(method_name), &path, &reply)
            .unwrap_or_else(|e| panic!("{e}"));
        for other in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            if operations.contains(&(other.to_string(), template.clone())) {
                continue;
            }
            let reply = test.send(request(method(other), &path)).await;
            reply.assert_error(405, "Method not allowed");
            check_documented(&doc, &method(other), &path, &reply).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[tokio::test]
async fn the_documented_security_is_what_the_filter_does() {
    let doc = document().await;
    let test = app("session_auth");
    let open_app = app_with(Options::open());
    for (method_name, template) in doc.operations() {
        let method = method(&method_name);
        let path = concrete(&template);
        let operation = doc.operation(&method, &path).expect("documented").operation;
        let open = operation["security"].as_array().is_some_and(Vec::is_empty);
        assert_eq!(
            open,
            OPEN_ROUTES.contains(&template.as_str()),
            "{method_name} {template}"
        );
        let reply = test.send(request(method.clone(), &path)).await;
        if open {
            // Without credentials the route answers as it does with authentication off.
            let unfiltered = open_app.send(request(method.clone(), &path)).await;
            assert_eq!(reply.status, unfiltered.status, "{method_name} {path}");
        } else {
            reply.assert_error(401, "Unauthorized");
            let schemes: Vec<&str> = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|requirement| {
                    requirement.as_object()?.keys().next().map(String::as_str)
                })
                .collect();
            assert_eq!(
                schemes,
                ["session_cookie", "basic"],
                "{method_name} {template}"
            );
        }
        check_documented(&doc, &method, &path, &reply).unwrap_or_else(|e| panic!("{e}"));
    }
    let schemes = &doc.root["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], COOKIE);
    assert_eq!(schemes["basic"]["scheme"], "basic");
}

/// Sends a scenario's requests to a new app and checks each answer: the status the case
/// expects, and that the document says so.
async fn run(doc: &Document, scenario: Scenario) {
    let test = app_with(Options {
        auth_type: scenario.auth_type,
        duration: scenario.duration,
        ..Options::open()
    });
    let u1 = test.seed(U1_EMAIL, U1_PASSWORD).await;
    test.seed(U2_EMAIL, U2_PASSWORD).await;
    let u3 = test.seed(U3_EMAIL, U3_PASSWORD).await;
    let mut session: Option<String> = None;
    let mut other_handle = String::from("none");
    for step in scenario.steps {
        test.clock.advance(step.wait);
        let id = &step.id;
        let method = step.method;
        let path = step
            .path
            .replace("{U1}", &u1.id)
            .replace("{U3}", &u3.id)
            .replace("{HANDLE}", &other_handle);
        let request = match &step.payload {
            Payload::Nothing => request(method.clone(), &path),
            Payload::Form(form) => with_body(
                method.clone(),
                &path,
                "application/x-www-form-urlencoded",
                form,
            ),
            Payload::Json(body) => json(method.clone(), &path, body),
        };
        let request = match &step.credential {
            Credential::Anonymous => request,
            Credential::Authorization(value) => authorized(request, value),
            Credential::Cookie(value) => with_session(request, value),
            Credential::Session => {
                with_session(request, session.as_deref().expect("a login before"))
            }
        };
        let reply = test.send(request).await;
        assert_eq!(
            reply.status.as_u16(),
            step.status,
            "{id}: {method} {path}: {}",
            reply.text()
        );
        check_documented(doc, &method, &path, &reply).unwrap_or_else(|err| panic!("{id}: {err}"));
        if reply.status == StatusCode::OK && path.starts_with("/api/v1/auth_session/login") {
            session = Some(session_id_of(&reply));
        }
        if reply.status == StatusCode::OK && method == Method::GET && path.ends_with("/sessions") {
            let listed = reply.json();
            let other = listed
                .as_array()
                .into_iter()
                .flatten()
                .find(|listed| listed["current"] == false);
            if let Some(other) = other {
                other_handle = other["handle"].as_str().expect("a handle").to_string();
            }
        }
    }
}

#[tokio::test]
async fn the_spec_cases_answer_as_documented() {
    let doc = document().await;
    for scenario in cases::parse(cases::SPEC_CASES) {
        run(&doc, scenario).await;
    }
}

#[tokio::test]
async fn the_added_routes_answer_as_documented() {
    let doc = document().await;
    for scenario in cases::parse(cases::ADDED_CASES) {
        run(&doc, scenario).await;
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_as_documented_on_every_route() {
    let doc = document().await;
    let test = app_with(Options {
        body_limit: 8,
        ..Options::open()
    });
    for (method_name, template) in doc.operations() {
        let method = method(&method_name);
        let path = concrete(&template);
        let body = r#"{"email": "a@b.c"}"#;
        let request = json(method.clone(), &path, body);
        let declared = body.len().to_string();
        let reply = test
            .send(with_header(request, "content-length", declared.as_bytes()))
            .await;
        reply.assert_error(413, "Payload too large");
        check_documented(&doc, &method, &path, &reply).unwrap_or_else(|e| panic!("{e}"));
        let documented = doc
            .operation(&method, &path)
            .and_then(|found| doc.response(found.operation, 413))
            .expect("a documented 413");
        assert!(
            documented["headers"]["Connection"].is_object(),
            "{method_name} {template}"
        );
    }
}

#[tokio::test]
async fn a_failing_store_is_answered_as_documented() {
    let doc = document().await;
    let broken = || storage::StorageError::Unavailable("disk on fire".into());
    let mut users = storage::MockUserRepository::new();
    users.expect_list().returning(move || Err(broken()));
    users.expect_count().returning(move || Err(broken()));
    users.expect_get().returning(move |_| Err(broken()));
    users.expect_delete().returning(move |_| Err(broken()));
    let open = auth::AuthSystem {
        authenticator: None,
        sessions: None,
    };
    let app = app_from(
        std::sync::Arc::new(users),
        std::sync::Arc::new(storage::MockSessionRepository::new()),
        open,
    );
    for (method, path) in [
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/stats"),
        (Method::GET, "/api/v1/users/x"),
        (Method::DELETE, "/api/v1/users/x"),
    ] {
        let reply = send(&app, request(method.clone(), path)).await;
        reply.assert_error(503, "Service unavailable");
        check_documented(&doc, &method, path, &reply).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn the_documented_user_is_the_user_the_api_shows() {
    let doc = document().await;
    let user = &doc.root["components"]["schemas"]["User"];
    let keys: Vec<&str> = user["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, USER_KEYS);
    let mut required: Vec<&str> = user["required"]
        .as_array()
        .expect("required keys")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    assert_eq!(required, USER_KEYS);
    assert_eq!(user["additionalProperties"], false);
}

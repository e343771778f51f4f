//! Router tests of machinery failures: a failing store or authenticator answers 503 JSON,
//! never a 500, and never leaks the failure's detail.

mod router_common;

use std::sync::Arc;

use auth::{AuthError, AuthSystem, MockAuthenticator, MockSessionManager, Recognition};
use axum::http::{Method, StatusCode};
use domain::SessionDuration;
use router_common::*;
use storage::{MockSessionRepository, MockUserRepository, StorageError};

const DETAIL: &str = "disk on fire at /secret/path";

fn broken() -> StorageError {
    StorageError::Unavailable(DETAIL.to_string())
}

fn open_system() -> AuthSystem {
    AuthSystem {
        authenticator: None,
        sessions: None,
    }
}

fn assert_unavailable(reply: &Reply) {
    reply.assert_error(503, "Service unavailable");
    assert!(!reply.text().contains("fire"));
}

#[tokio::test]
async fn a_failing_user_store_is_503_on_reads() {
    let mut users = MockUserRepository::new();
    users.expect_list().returning(|| Err(broken()));
    users.expect_count().returning(|| Err(broken()));
    users.expect_get().returning(|_| Err(broken()));
    let app = app_from(
        Arc::new(users),
        Arc::new(MockSessionRepository::new()),
        open_system(),
    );
    assert_unavailable(&send(&app, get("/api/v1/users")).await);
    assert_unavailable(&send(&app, get("/api/v1/stats")).await);
    assert_unavailable(&send(&app, get("/api/v1/users/abc")).await);
    assert_unavailable(&send(&app, json(Method::PUT, "/api/v1/users/abc", "{}")).await);
}

#[tokio::test]
async fn a_failing_authenticator_is_503() {
    let mut authenticator = MockAuthenticator::new();
    authenticator
        .expect_authenticate()
        .returning(|_| Err(AuthError::Storage(broken())));
    let system = AuthSystem {
        authenticator: Some(Arc::new(authenticator)),
        sessions: None,
    };
    let app = app_from(
        Arc::new(MockUserRepository::new()),
        Arc::new(MockSessionRepository::new()),
        system,
    );
    assert_unavailable(&send(&app, authorized(get("/api/v1/users"), "Basic x")).await);
    // No credentials: the filter answers 401 without asking the authenticator.
    send(&app, get("/api/v1/users"))
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn the_authenticators_answer_decides_the_filter() {
    let user = legacy_user(U1_EMAIL, U1_PASSWORD);
    let answer = user.clone();
    let mut authenticator = MockAuthenticator::new();
    authenticator
        .expect_authenticate()
        .returning(move |credentials| {
            Ok(match credentials.authorization.as_deref() {
                Some("good") => Recognition::Authenticated(Arc::new(answer.clone())),
                Some("rejected") => Recognition::Rejected,
                _ => Recognition::NotMine,
            })
        });
    let system = AuthSystem {
        authenticator: Some(Arc::new(authenticator)),
        sessions: None,
    };
    let app = app_from(
        Arc::new(MockUserRepository::new()),
        Arc::new(MockSessionRepository::new()),
        system,
    );
    let reply = send(&app, authorized(get("/api/v1/users/me"), "good")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["id"], user.id.as_str());
    for other in ["rejected", "unknown"] {
        send(&app, authorized(get("/api/v1/users/me"), other))
            .await
            .assert_error(403, "Forbidden");
    }
}

#[tokio::test]
async fn a_failing_session_manager_is_503_at_logout() {
    let user = legacy_user(U2_EMAIL, U2_PASSWORD);
    let mut authenticator = MockAuthenticator::new();
    authenticator
        .expect_authenticate()
        .returning(move |_| Ok(Recognition::Authenticated(Arc::new(user.clone()))));
    let mut sessions = MockSessionManager::new();
    sessions
        .expect_destroy_session()
        .returning(|_| Err(AuthError::Storage(broken())));
    sessions
        .expect_duration()
        .returning(|| SessionDuration::from_seconds(0));
    let system = AuthSystem {
        authenticator: Some(Arc::new(authenticator)),
        sessions: Some(Arc::new(sessions)),
    };
    let app = app_from(
        Arc::new(MockUserRepository::new()),
        Arc::new(MockSessionRepository::new()),
        system,
    );
    let reply = send(
        &app,
        with_session(
            request(Method::DELETE, "/api/v1/auth_session/logout"),
            "sid",
        ),
    )
    .await;
    assert_unavailable(&reply);
}

//! Tests of logging in: the credential outcomes, the new session, and the hash upgrade.

use domain::Verification;
use storage::{MockUserRepository, StorageError};

use super::*;
use crate::test_support::{
    accounts, fast_hasher, legacy_user, stored_user, unavailable, users_with,
};
use crate::{AuthError, MockSessionManager};

/// A session manager that must not be asked for anything.
fn no_sessions() -> MockSessionManager {
    MockSessionManager::new()
}

#[tokio::test]
async fn an_unknown_email_opens_no_session() {
    let accounts = accounts(users_with(vec![]));
    let outcome = log_in(&accounts, &no_sessions(), "guillaume@hbtn.io", "test", None)
        .await
        .expect("no error");
    assert_eq!(outcome, LoginOutcome::UnknownEmail);
}

#[tokio::test]
async fn a_wrong_password_opens_no_session() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let accounts = accounts(users_with(vec![user]));
    let outcome = log_in(
        &accounts,
        &no_sessions(),
        "bobsession@hbtn.io",
        "test",
        None,
    )
    .await
    .expect("no error");
    assert_eq!(outcome, LoginOutcome::WrongPassword);
}

#[tokio::test]
async fn the_right_password_opens_a_session_for_the_user() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let accounts = accounts(users_with(vec![user.clone()]));
    let mut sessions = MockSessionManager::new();
    let user_id = user.id.clone();
    sessions
        .expect_create_session()
        .withf(move |id, _| id == user_id)
        .times(1)
        .returning(|_, _| Ok("new-session-id".into()));
    let outcome = log_in(&accounts, &sessions, "bobsession@hbtn.io", "fake pwd", None)
        .await
        .expect("no error");
    assert_eq!(
        outcome,
        LoginOutcome::LoggedIn {
            user,
            session_id: "new-session-id".into()
        }
    );
}

#[tokio::test]
async fn a_legacy_user_logs_in_and_gets_an_argon2id_hash() {
    let user = legacy_user("bobsession@hbtn.io", "fake pwd");
    let mut users = users_with(vec![user.clone()]);
    users
        .expect_update()
        .withf(|updated| {
            updated.password.as_ref().is_some_and(|hash| {
                !hash.is_legacy() && fast_hasher().verify(hash, "fake pwd") == Verification::Match
            })
        })
        .times(1)
        .returning(|_| Ok(()));
    let accounts = accounts(users);
    let mut sessions = MockSessionManager::new();
    sessions
        .expect_create_session()
        .times(1)
        .returning(|_, _| Ok("sid".into()));
    let outcome = log_in(&accounts, &sessions, "bobsession@hbtn.io", "fake pwd", None)
        .await
        .expect("no error");
    let LoginOutcome::LoggedIn { user: logged, .. } = outcome else {
        panic!("expected a login, got {outcome:?}");
    };
    assert_eq!(logged.id, user.id);
    assert!(logged.password.as_ref().is_some_and(|h| !h.is_legacy()));
}

#[tokio::test]
async fn errors_of_the_stores_propagate() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Err(unavailable()));
    let err = log_in(&accounts(users), &no_sessions(), "a@b.c", "pw", None)
        .await
        .expect_err("fails");
    assert!(matches!(
        err,
        AuthError::Storage(StorageError::Unavailable(_))
    ));

    let user = stored_user("a@b.c", "pw", None, None);
    let mut sessions = MockSessionManager::new();
    sessions
        .expect_create_session()
        .returning(|_, _| Err(AuthError::Storage(unavailable())));
    let err = log_in(
        &accounts(users_with(vec![user])),
        &sessions,
        "a@b.c",
        "pw",
        None,
    )
    .await
    .expect_err("fails");
    assert!(matches!(err, AuthError::Storage(_)));
}

#[tokio::test]
async fn a_throttled_login_checks_no_password_and_opens_no_session() {
    let user = stored_user("bobsession@hbtn.io", "fake pwd", None, None);
    let accounts = accounts(users_with(vec![user]));
    let client = Some(std::net::IpAddr::from([203, 0, 113, 9]));
    for _ in 0..5 {
        let outcome = log_in(&accounts, &no_sessions(), "bobsession@hbtn.io", "x", client)
            .await
            .expect("no error");
        assert_eq!(outcome, LoginOutcome::WrongPassword);
    }
    let before = accounts.hashing_stats().verifications;
    // The default limit is five failures per account; the right password now waits too.
    let outcome = log_in(
        &accounts,
        &no_sessions(),
        "bobsession@hbtn.io",
        "fake pwd",
        client,
    )
    .await
    .expect("no error");
    assert_eq!(
        outcome,
        LoginOutcome::Throttled(crate::RetryAfter::from_seconds(300))
    );
    assert_eq!(accounts.hashing_stats().verifications, before);
}

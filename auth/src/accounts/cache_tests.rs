//! Tests of the cache of successful checks as Basic and logins see it through `Accounts`.

use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use domain::{ManualClock, User};
use mockall::predicate::{always, eq};
use storage::{MockSessionRepository, MockUserRepository};

use super::*;
use crate::basic::BasicAuth;
use crate::login::{log_in, LoginOutcome};
use crate::test_support::{
    accounts_with_options, clock, fast_hasher, legacy_user, stored_user, users_with,
};
use crate::{Authenticator, MockSessionManager, Recognition, RequestCredentials};

/// Users that a test can change between two checks.
type SharedUsers = Arc<Mutex<Vec<User>>>;

fn shared(users: Vec<User>) -> SharedUsers {
    Arc::new(Mutex::new(users))
}

/// A user store mock that answers `get`, `find_by_email` and `update` from `users`.
fn store_over(users: &SharedUsers) -> MockUserRepository {
    let mut mock = MockUserRepository::new();
    let by_email = Arc::clone(users);
    mock.expect_find_by_email().returning(move |email| {
        Ok(lock(&by_email)
            .iter()
            .find(|u| u.email.as_deref() == Some(email))
            .cloned())
    });
    let by_update = Arc::clone(users);
    mock.expect_update().returning(move |user| {
        let mut users = lock(&by_update);
        match users.iter_mut().find(|u| u.id == user.id) {
            Some(stored) => {
                *stored = user;
                Ok(())
            }
            None => Err(StorageError::NotFound),
        }
    });
    mock
}

fn lock(users: &SharedUsers) -> std::sync::MutexGuard<'_, Vec<User>> {
    users
        .lock()
        .expect("no test panicked while holding the lock")
}

fn options(ttl_seconds: u64, max_entries: usize) -> AccountsOptions {
    AccountsOptions {
        credential_cache_ttl_seconds: ttl_seconds,
        credential_cache_max_entries: max_entries,
        ..AccountsOptions::default()
    }
}

fn accounts_over(
    users: MockUserRepository,
    clock: Arc<ManualClock>,
    options: AccountsOptions,
) -> Arc<Accounts> {
    Arc::new(accounts_with_options(
        users,
        MockSessionRepository::new(),
        clock,
        options,
    ))
}

fn basic(email: &str, password: &str) -> RequestCredentials {
    RequestCredentials {
        authorization: Some(format!(
            "Basic {}",
            STANDARD.encode(format!("{email}:{password}"))
        )),
        session_cookie: None,
        client_addr: None,
    }
}

fn verifications(accounts: &Accounts) -> u64 {
    accounts.hashing_stats().verifications
}

async fn check(accounts: &Accounts, email: &str, password: &str) -> CredentialCheck {
    accounts
        .check_credentials(email, password)
        .await
        .expect("no error")
}

#[tokio::test]
async fn a_second_basic_request_with_the_same_credentials_runs_no_argon2() {
    let user = stored_user("bob@hbtn.io", "pw", Some("Bob"), None);
    let accounts = accounts_over(
        users_with(vec![user.clone()]),
        clock(),
        AccountsOptions::default(),
    );
    let auth = BasicAuth::new(Arc::clone(&accounts));
    for _ in 0..3 {
        let recognition = auth
            .authenticate(&basic("bob@hbtn.io", "pw"))
            .await
            .expect("no error");
        assert_eq!(
            recognition,
            Recognition::Authenticated(std::sync::Arc::new(user.clone()))
        );
    }
    assert_eq!(verifications(&accounts), 1);
}

#[tokio::test]
async fn wrong_passwords_are_never_cached() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let accounts = accounts_over(users_with(vec![user]), clock(), AccountsOptions::default());
    let auth = BasicAuth::new(Arc::clone(&accounts));
    for expected in 1..=2 {
        let recognition = auth
            .authenticate(&basic("bob@hbtn.io", "wrong"))
            .await
            .expect("no error");
        assert_eq!(recognition, Recognition::Rejected);
        assert_eq!(verifications(&accounts), expected);
    }
    // A success in between does not let a wrong password through either.
    assert!(matches!(
        check(&accounts, "bob@hbtn.io", "pw").await,
        CredentialCheck::Valid(_)
    ));
    assert_eq!(
        check(&accounts, "bob@hbtn.io", "wrong").await,
        CredentialCheck::WrongPassword
    );
    assert_eq!(verifications(&accounts), 4);
    assert_eq!(accounts.cache.len(), 1, "only the success is remembered");
}

#[tokio::test]
async fn a_cached_check_is_verified_again_once_the_ttl_is_over() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let clock = clock();
    let accounts = accounts_over(users_with(vec![user]), clock.clone(), options(60, 100));
    check(&accounts, "bob@hbtn.io", "pw").await;
    clock.advance(59);
    check(&accounts, "bob@hbtn.io", "pw").await;
    assert_eq!(verifications(&accounts), 1, "still within the TTL");
    clock.advance(1);
    assert!(matches!(
        check(&accounts, "bob@hbtn.io", "pw").await,
        CredentialCheck::Valid(_)
    ));
    assert_eq!(verifications(&accounts), 2);
}

#[tokio::test]
async fn a_changed_stored_hash_misses_the_cache() {
    let users = shared(vec![stored_user("bob@hbtn.io", "old", None, None)]);
    let accounts = accounts_over(store_over(&users), clock(), AccountsOptions::default());
    check(&accounts, "bob@hbtn.io", "old").await;
    // The password changes behind the service's back (another process, a restored file).
    lock(&users)[0].password = Some(fast_hasher().hash("new").expect("hashes"));
    assert_eq!(
        check(&accounts, "bob@hbtn.io", "old").await,
        CredentialCheck::WrongPassword
    );
    assert!(matches!(
        check(&accounts, "bob@hbtn.io", "new").await,
        CredentialCheck::Valid(_)
    ));
    assert_eq!(verifications(&accounts), 3);
}

#[tokio::test]
async fn a_cache_hit_returns_the_user_as_stored_now() {
    let users = shared(vec![stored_user("bob@hbtn.io", "pw", Some("Bob"), None)]);
    let accounts = accounts_over(store_over(&users), clock(), AccountsOptions::default());
    check(&accounts, "bob@hbtn.io", "pw").await;
    lock(&users)[0].first_name = Some("Robert".into());
    let CredentialCheck::Valid(user) = check(&accounts, "bob@hbtn.io", "pw").await else {
        panic!("expected the user");
    };
    assert_eq!(user.first_name.as_deref(), Some("Robert"));
    assert_eq!(verifications(&accounts), 1);
}

#[tokio::test]
async fn deleting_a_user_drops_their_cached_checks() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let users = shared(vec![user.clone()]);
    let mut store = store_over(&users);
    let remover = Arc::clone(&users);
    store
        .expect_delete()
        .with(eq(user.id.clone()))
        .returning(move |id| {
            lock(&remover).retain(|u| u.id != id);
            Ok(true)
        });
    let mut sessions = MockSessionRepository::new();
    sessions.expect_delete_for_user().returning(|_| Ok(0));
    let accounts = Arc::new(accounts_with_options(
        store,
        sessions,
        clock(),
        AccountsOptions::default(),
    ));
    check(&accounts, "bob@hbtn.io", "pw").await;
    assert_eq!(accounts.cache.len(), 1);
    assert!(accounts.delete_user(&user.id).await.expect("no error"));
    assert_eq!(accounts.cache.len(), 0);
    assert_eq!(
        check(&accounts, "bob@hbtn.io", "pw").await,
        CredentialCheck::UnknownEmail
    );
}

#[tokio::test]
async fn a_deleted_user_still_returned_by_a_lagging_store_is_verified_again() {
    // Belt and braces: even if a lookup still found the user, the entry is gone.
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let mut store = users_with(vec![user.clone()]);
    store.expect_delete().returning(|_| Ok(true));
    let mut sessions = MockSessionRepository::new();
    sessions.expect_delete_for_user().returning(|_| Ok(0));
    let accounts = accounts_with_options(store, sessions, clock(), AccountsOptions::default());
    check(&accounts, "bob@hbtn.io", "pw").await;
    accounts.delete_user(&user.id).await.expect("no error");
    check(&accounts, "bob@hbtn.io", "pw").await;
    assert_eq!(verifications(&accounts), 2);
}

#[tokio::test]
async fn a_hash_upgrade_replaces_the_cached_check() {
    let users = shared(vec![legacy_user("bob@hbtn.io", "fake pwd")]);
    let accounts = accounts_over(store_over(&users), clock(), AccountsOptions::default());
    assert!(matches!(
        check(&accounts, "bob@hbtn.io", "fake pwd").await,
        CredentialCheck::Valid(_)
    ));
    let stats = accounts.hashing_stats();
    assert!(!lock(&users)[0]
        .password
        .as_ref()
        .expect("a hash")
        .is_legacy());
    assert_eq!(accounts.cache.len(), 1);
    // The upgraded hash is what the store now holds, and the check against it is remembered.
    assert!(matches!(
        check(&accounts, "bob@hbtn.io", "fake pwd").await,
        CredentialCheck::Valid(_)
    ));
    assert_eq!(accounts.hashing_stats(), stats, "no Argon2 work at all");
}

#[tokio::test]
async fn the_cache_stays_within_its_bound() {
    let users: Vec<User> = (0..5)
        .map(|i| stored_user(&format!("u{i}@hbtn.io"), "pw", None, None))
        .collect();
    let accounts = accounts_over(users_with(users), clock(), options(60, 3));
    for i in 0..5 {
        check(&accounts, &format!("u{i}@hbtn.io"), "pw").await;
        assert!(accounts.cache.len() <= 3);
    }
    assert_eq!(accounts.cache.len(), 3);
    // The most recent ones are remembered, the first ones were evicted.
    check(&accounts, "u4@hbtn.io", "pw").await;
    assert_eq!(verifications(&accounts), 5);
    check(&accounts, "u0@hbtn.io", "pw").await;
    assert_eq!(verifications(&accounts), 6);
}

#[tokio::test]
async fn a_ttl_of_zero_turns_the_cache_off() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let accounts = accounts_over(users_with(vec![user]), clock(), options(0, 100));
    check(&accounts, "bob@hbtn.io", "pw").await;
    check(&accounts, "bob@hbtn.io", "pw").await;
    assert_eq!(verifications(&accounts), 2);
    assert_eq!(accounts.cache.len(), 0);
}

#[tokio::test]
async fn a_cached_check_still_opens_a_new_session_at_each_login() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let accounts = accounts_over(
        users_with(vec![user.clone()]),
        clock(),
        AccountsOptions::default(),
    );
    let mut sessions = MockSessionManager::new();
    let mut next = 0;
    sessions
        .expect_create_session()
        .with(eq(user.id.clone()), always())
        .times(2)
        .returning(move |_, _| {
            next += 1;
            Ok(format!("session-{next}"))
        });
    let mut ids = Vec::new();
    for _ in 0..2 {
        match log_in(&accounts, &sessions, "bob@hbtn.io", "pw", None)
            .await
            .expect("no error")
        {
            LoginOutcome::LoggedIn { session_id, .. } => ids.push(session_id),
            other => panic!("expected a login, got {other:?}"),
        }
    }
    assert_eq!(ids, ["session-1", "session-2"]);
    assert_eq!(verifications(&accounts), 1);
}

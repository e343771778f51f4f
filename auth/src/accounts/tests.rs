//! Tests of account operations: hashing on create, credential checks, upgrades, names, deletion.

use std::sync::Arc;

use domain::{PasswordHash, PasswordHasher, PasswordParams, Verification};
use mockall::predicate::eq;
use storage::{MockSessionRepository, MockUserRepository, StorageError};

use super::*;
use crate::test_support::{
    accounts, accounts_with, accounts_with_options, clock, fast_hasher, legacy_user, stored_user,
    unavailable, users_with,
};

fn new_user(email: &str, password: &str) -> NewUser {
    NewUser {
        email: email.into(),
        password: password.into(),
        first_name: Some("Al".into()),
        last_name: None,
    }
}

#[tokio::test]
async fn a_new_user_is_stored_with_an_argon2id_hash_and_the_clock_time() {
    let clock = clock();
    clock.advance(30);
    let mut users = MockUserRepository::new();
    users
        .expect_create()
        .withf(|user| {
            let hash = user.password.as_ref().expect("a hash is stored");
            hash.as_str().starts_with("$argon2id$")
                && fast_hasher().verify(hash, "pw") == Verification::Match
                && user.email.as_deref() == Some("a@b.c")
        })
        .times(1)
        .returning(|_| Ok(()));
    let accounts = accounts_with(users, MockSessionRepository::new(), clock.clone());
    let user = accounts
        .create_user(new_user("a@b.c", "pw"))
        .await
        .expect("created");
    assert_eq!(user.first_name.as_deref(), Some("Al"));
    assert_eq!(user.created_at, clock.now());
    assert_eq!(user.updated_at, clock.now());
}

#[tokio::test]
async fn a_duplicate_email_is_refused() {
    let mut users = MockUserRepository::new();
    users
        .expect_create()
        .returning(|_| Err(StorageError::DuplicateEmail));
    let err = accounts(users)
        .create_user(new_user("a@b.c", "pw"))
        .await
        .expect_err("refused");
    assert!(matches!(
        err,
        AuthError::Storage(StorageError::DuplicateEmail)
    ));
}

#[tokio::test]
async fn the_right_password_gives_the_user_without_rewriting_a_current_hash() {
    // No `expect_update`: an update would fail the test.
    let user = stored_user("bob@hbtn.io", "H0lbertonSchool98!", None, None);
    let accounts = accounts(users_with(vec![user.clone()]));
    let check = accounts
        .check_credentials("bob@hbtn.io", "H0lbertonSchool98!")
        .await
        .expect("no error");
    assert_eq!(check, CredentialCheck::Valid(user));
}

#[tokio::test]
async fn a_wrong_password_is_reported() {
    let user = stored_user("bob@hbtn.io", "H0lbertonSchool98!", None, None);
    let accounts = accounts(users_with(vec![user]));
    for password in ["test", "", "h0lbertonSchool98!"] {
        let check = accounts
            .check_credentials("bob@hbtn.io", password)
            .await
            .expect("no error");
        assert_eq!(check, CredentialCheck::WrongPassword, "{password:?}");
    }
}

#[tokio::test]
async fn an_unknown_email_costs_exactly_one_argon2_verification() {
    let accounts = accounts(users_with(vec![]));
    let check = accounts
        .check_credentials("guillaume@hbtn.io", "test")
        .await
        .expect("no error");
    assert_eq!(check, CredentialCheck::UnknownEmail);
    let stats = accounts.hashing_stats();
    assert_eq!(stats.verifications, 1, "one verification of the dummy hash");
    assert_eq!(stats.hashes, 1, "the dummy hash itself");
    accounts
        .check_credentials("guillaume@hbtn.io", "test")
        .await
        .expect("no error");
    let stats = accounts.hashing_stats();
    assert_eq!(stats.verifications, 2, "unknown emails are never cached");
    assert_eq!(stats.hashes, 1, "the dummy hash is made once");
}

#[tokio::test]
async fn every_failed_check_costs_exactly_one_argon2_verification() {
    let argon2 = stored_user("a@hbtn.io", "pw", None, None);
    let legacy = legacy_user("b@hbtn.io", "pw");
    let mut hashless = stored_user("c@hbtn.io", "pw", None, None);
    hashless.password = None;
    let mut garbage = stored_user("d@hbtn.io", "pw", None, None);
    garbage.password = Some(PasswordHash::from_stored("not a hash"));
    let accounts = accounts(users_with(vec![argon2, legacy, hashless, garbage]));
    accounts.prepare().await.expect("the dummy hash is made");
    for email in [
        "a@hbtn.io",
        "b@hbtn.io",
        "c@hbtn.io",
        "d@hbtn.io",
        "nobody@hbtn.io",
    ] {
        let before = accounts.hashing_stats().verifications;
        let check = accounts
            .check_credentials(email, "wrong")
            .await
            .expect("no error");
        assert!(!matches!(check, CredentialCheck::Valid(_)), "{email}");
        let after = accounts.hashing_stats().verifications;
        assert_eq!(after - before, 1, "{email}");
    }
}

#[tokio::test]
async fn emails_are_compared_exactly() {
    let user = stored_user("bob@hbtn.io", "pw", None, None);
    let accounts = accounts(users_with(vec![user]));
    for email in ["Bob@hbtn.io", " bob@hbtn.io", "bob@hbtn.io "] {
        let check = accounts.check_credentials(email, "pw").await.expect("ok");
        assert_eq!(check, CredentialCheck::UnknownEmail, "{email:?}");
    }
}

#[tokio::test]
async fn a_user_without_a_stored_hash_never_matches() {
    let mut user = stored_user("bob@hbtn.io", "pw", None, None);
    user.password = None;
    let accounts = accounts(users_with(vec![user]));
    for password in ["pw", ""] {
        let check = accounts
            .check_credentials("bob@hbtn.io", password)
            .await
            .expect("no error");
        assert_eq!(check, CredentialCheck::WrongPassword);
    }
}

/// A user store holding `user` that expects one `update` carrying a fresh hash of `password`.
fn users_expecting_upgrade(user: &User, password: &'static str) -> MockUserRepository {
    let mut users = users_with(vec![user.clone()]);
    let original = user.clone();
    users
        .expect_update()
        .withf(move |updated| {
            let hash = updated.password.as_ref().expect("a hash");
            hash.as_str().starts_with("$argon2id$")
                && fast_hasher().verify(hash, password) == Verification::Match
                && updated.updated_at == original.updated_at
                && updated.id == original.id
                && updated.email == original.email
        })
        .times(1)
        .returning(|_| Ok(()));
    users
}

#[tokio::test]
async fn a_legacy_hash_is_upgraded_to_argon2id_at_the_first_good_check() {
    let user = legacy_user("bobsession@hbtn.io", "fake pwd");
    let clock = clock();
    clock.advance(3600);
    let accounts = accounts_with(
        users_expecting_upgrade(&user, "fake pwd"),
        MockSessionRepository::new(),
        clock,
    );
    let check = accounts
        .check_credentials("bobsession@hbtn.io", "fake pwd")
        .await
        .expect("no error");
    let CredentialCheck::Valid(upgraded) = check else {
        panic!("expected a valid check, got {check:?}");
    };
    let hash = upgraded.password.as_ref().expect("a hash");
    assert!(!hash.is_legacy());
    assert_eq!(fast_hasher().verify(hash, "fake pwd"), Verification::Match);
    assert_eq!(upgraded.updated_at, user.updated_at, "a silent rehash");
}

#[tokio::test]
async fn a_wrong_password_never_upgrades_a_legacy_hash() {
    let user = legacy_user("bobsession@hbtn.io", "fake pwd");
    let accounts = accounts(users_with(vec![user]));
    let check = accounts
        .check_credentials("bobsession@hbtn.io", "test")
        .await
        .expect("no error");
    assert_eq!(check, CredentialCheck::WrongPassword);
}

#[tokio::test]
async fn a_hash_with_outdated_parameters_is_upgraded() {
    let old = PasswordHasher::new(PasswordParams {
        memory_kib: 16,
        iterations: 1,
        parallelism: 1,
    })
    .expect("valid");
    let mut user = stored_user("a@b.c", "unused", None, None);
    user.password = Some(old.hash("pw").expect("hashes"));
    let accounts = accounts(users_expecting_upgrade(&user, "pw"));
    let check = accounts.check_credentials("a@b.c", "pw").await.expect("ok");
    assert!(matches!(check, CredentialCheck::Valid(_)));
}

#[tokio::test]
async fn an_upgrade_refused_for_a_shared_email_keeps_the_login_and_the_old_hash() {
    let user = legacy_user("dup@hbtn.io", "fake pwd");
    let mut users = users_with(vec![user.clone()]);
    users
        .expect_update()
        .returning(|_| Err(StorageError::DuplicateEmail));
    let check = accounts(users)
        .check_credentials("dup@hbtn.io", "fake pwd")
        .await
        .expect("no error");
    assert_eq!(check, CredentialCheck::Valid(user));
}

#[tokio::test]
async fn a_user_deleted_before_the_upgrade_is_unknown() {
    let user = legacy_user("gone@hbtn.io", "fake pwd");
    let mut users = users_with(vec![user]);
    users
        .expect_update()
        .returning(|_| Err(StorageError::NotFound));
    let check = accounts(users)
        .check_credentials("gone@hbtn.io", "fake pwd")
        .await
        .expect("no error");
    assert_eq!(check, CredentialCheck::UnknownEmail);
}

#[tokio::test]
async fn storage_errors_propagate_from_credential_checks() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Err(unavailable()));
    let err = accounts(users)
        .check_credentials("a@b.c", "pw")
        .await
        .expect_err("fails");
    assert!(matches!(
        err,
        AuthError::Storage(StorageError::Unavailable(_))
    ));

    let user = legacy_user("a@b.c", "pw");
    let mut users = users_with(vec![user]);
    users.expect_update().returning(|_| Err(unavailable()));
    let err = accounts(users)
        .check_credentials("a@b.c", "pw")
        .await
        .expect_err("fails");
    assert!(matches!(
        err,
        AuthError::Storage(StorageError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_name_change_sets_given_names_and_refreshes_updated_at() {
    let user = stored_user("a@b.c", "pw", Some("Bob"), None);
    let clock = clock();
    clock.advance(90);
    let now = clock.now();
    let mut users = users_with(vec![user.clone()]);
    users
        .expect_update()
        .withf(move |u| {
            u.first_name.as_deref() == Some("Bob")
                && u.last_name.as_deref() == Some("Z")
                && u.updated_at == now
        })
        .times(1)
        .returning(|_| Ok(()));
    let accounts = accounts_with(users, MockSessionRepository::new(), clock);
    let change = NameChange {
        first_name: None,
        last_name: Some("Z".into()),
    };
    let updated = accounts
        .update_names(&user.id, change)
        .await
        .expect("no error")
        .expect("the user exists");
    assert_eq!(updated.first_name.as_deref(), Some("Bob"));
    assert_eq!(updated.last_name.as_deref(), Some("Z"));
    assert_eq!(updated.updated_at, now);
    assert_eq!(updated.created_at, user.created_at);
}

#[tokio::test]
async fn an_empty_name_change_still_refreshes_updated_at_and_empty_strings_are_set() {
    let user = stored_user("a@b.c", "pw", Some("Bob"), Some("Dylan"));
    let clock = clock();
    clock.advance(5);
    let mut users = users_with(vec![user.clone()]);
    users.expect_update().times(2).returning(|_| Ok(()));
    let accounts = accounts_with(users, MockSessionRepository::new(), clock.clone());
    let unchanged = accounts
        .update_names(&user.id, NameChange::default())
        .await
        .expect("no error")
        .expect("exists");
    assert_eq!(unchanged.updated_at, clock.now());
    assert_eq!(unchanged.display_name(), "Bob Dylan");
    let emptied = accounts
        .update_names(
            &user.id,
            NameChange {
                first_name: Some(String::new()),
                last_name: None,
            },
        )
        .await
        .expect("no error")
        .expect("exists");
    assert_eq!(emptied.first_name.as_deref(), Some(""));
}

#[tokio::test]
async fn a_name_change_for_an_unknown_or_vanished_user_gives_none() {
    let accounts_without = accounts(users_with(vec![]));
    let result = accounts_without
        .update_names("nope", NameChange::default())
        .await
        .expect("no error");
    assert_eq!(result, None);

    let user = stored_user("a@b.c", "pw", None, None);
    let mut users = users_with(vec![user.clone()]);
    users
        .expect_update()
        .returning(|_| Err(StorageError::NotFound));
    let result = accounts(users)
        .update_names(&user.id, NameChange::default())
        .await
        .expect("no error");
    assert_eq!(result, None);
}

#[tokio::test]
async fn deleting_a_user_revokes_their_sessions() {
    let mut users = MockUserRepository::new();
    users
        .expect_delete()
        .with(eq("u1"))
        .times(1)
        .returning(|_| Ok(true));
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_for_user()
        .with(eq("u1"))
        .times(1)
        .returning(|_| Ok(2));
    let accounts = accounts_with(users, sessions, clock());
    assert!(accounts.delete_user("u1").await.expect("no error"));
}

#[tokio::test]
async fn deleting_an_unknown_user_touches_no_session() {
    let mut users = MockUserRepository::new();
    users.expect_delete().returning(|_| Ok(false));
    // No session expectation: a revocation call would fail the test.
    let accounts = accounts_with(users, MockSessionRepository::new(), clock());
    assert!(!accounts.delete_user("nope").await.expect("no error"));
}

#[tokio::test]
async fn storage_errors_propagate_from_deletion() {
    let mut users = MockUserRepository::new();
    users.expect_delete().returning(|_| Ok(true));
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_delete_for_user()
        .returning(|_| Err(unavailable()));
    let accounts = accounts_with(users, sessions, clock());
    let err = accounts.delete_user("u1").await.expect_err("fails");
    assert!(matches!(err, AuthError::Storage(_)));
}

#[test]
fn the_accounts_service_can_be_shared_between_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Arc<Accounts>>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_permit_concurrent_checks_verify_one_at_a_time() {
    let user = stored_user("bob@hbtn.io", "right", None, None);
    let options = AccountsOptions {
        max_concurrent_hashes: std::num::NonZeroUsize::MIN,
        ..AccountsOptions::default()
    };
    let accounts = Arc::new(
        accounts_with_options(
            users_with(vec![user]),
            MockSessionRepository::new(),
            clock(),
            options,
        )
        .with_hashing_hook(Arc::new(|| {
            std::thread::sleep(std::time::Duration::from_millis(5))
        })),
    );
    let checks: Vec<_> = (0..8)
        .map(|i| {
            let accounts = Arc::clone(&accounts);
            tokio::spawn(async move {
                let email = if i % 2 == 0 {
                    "bob@hbtn.io"
                } else {
                    "nobody@hbtn.io"
                };
                accounts
                    .check_credentials(email, &format!("wrong{i}"))
                    .await
            })
        })
        .collect();
    for check in checks {
        let check = check.await.expect("the task ran").expect("no error");
        assert!(!matches!(check, CredentialCheck::Valid(_)));
    }
    let stats = accounts.hashing_stats();
    assert_eq!(stats.verifications, 8);
    assert_eq!(stats.max_in_flight, 1);
}

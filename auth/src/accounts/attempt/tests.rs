//! Tests of throttled password checks: what counts, what resets, and that refusals cost no Argon2.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use domain::ManualClock;
use storage::{MockSessionRepository, MockUserRepository};

use super::*;
use crate::test_support::{accounts_with_options, clock, stored_user, unavailable, users_with};
use crate::throttle::ThrottleOptions;
use crate::AccountsOptions;

const CLIENT: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));

fn throttled_accounts(
    users: MockUserRepository,
    per_account: u32,
    per_address: u32,
) -> (Accounts, Arc<ManualClock>) {
    let clock = clock();
    let options = AccountsOptions {
        throttle: ThrottleOptions {
            max_failures_per_account: per_account,
            max_failures_per_address: per_address,
            window_seconds: 300,
            ..ThrottleOptions::default()
        },
        ..AccountsOptions::default()
    };
    let accounts =
        accounts_with_options(users, MockSessionRepository::new(), clock.clone(), options);
    (accounts, clock)
}

fn bob() -> domain::User {
    stored_user("bob@hbtn.io", "right", None, None)
}

async fn attempt(accounts: &Accounts, email: &str, password: &str) -> Attempt {
    accounts
        .attempt(email, password, CLIENT)
        .await
        .expect("no machinery error")
}

fn verifications(accounts: &Accounts) -> u64 {
    accounts.hashing_stats().verifications
}

#[tokio::test]
async fn the_attempt_after_the_limit_is_refused_without_any_argon2_work() {
    let (accounts, _clock) = throttled_accounts(users_with(vec![bob()]), 5, 50);
    for _ in 0..5 {
        assert_eq!(
            attempt(&accounts, "bob@hbtn.io", "wrong").await,
            Attempt::Checked(CredentialCheck::WrongPassword)
        );
    }
    assert_eq!(verifications(&accounts), 5);
    assert_eq!(
        attempt(&accounts, "bob@hbtn.io", "wrong").await,
        Attempt::Throttled(RetryAfter::from_seconds(300))
    );
    // Even the right password is refused while the block lasts, and costs nothing either.
    assert_eq!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Throttled(RetryAfter::from_seconds(300))
    );
    assert_eq!(verifications(&accounts), 5);
}

#[tokio::test]
async fn the_block_ends_when_the_window_slides() {
    let (accounts, clock) = throttled_accounts(users_with(vec![bob()]), 2, 50);
    attempt(&accounts, "bob@hbtn.io", "wrong").await;
    attempt(&accounts, "bob@hbtn.io", "wrong").await;
    clock.advance(299);
    assert!(matches!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Throttled(_)
    ));
    clock.advance(1);
    assert!(matches!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Checked(CredentialCheck::Valid(_))
    ));
}

#[tokio::test]
async fn a_success_clears_the_accounts_failures() {
    let (accounts, _clock) = throttled_accounts(users_with(vec![bob()]), 3, 50);
    for _ in 0..2 {
        attempt(&accounts, "bob@hbtn.io", "wrong").await;
    }
    assert!(matches!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Checked(CredentialCheck::Valid(_))
    ));
    for _ in 0..2 {
        attempt(&accounts, "bob@hbtn.io", "wrong").await;
    }
    // Two failures since the success: still under the limit of three.
    assert!(matches!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Checked(CredentialCheck::Valid(_))
    ));
}

#[tokio::test]
async fn unknown_emails_count_against_the_email_and_the_address() {
    let (accounts, _clock) = throttled_accounts(users_with(vec![bob()]), 2, 3);
    for _ in 0..2 {
        assert_eq!(
            attempt(&accounts, "nobody@hbtn.io", "x").await,
            Attempt::Checked(CredentialCheck::UnknownEmail)
        );
    }
    assert!(matches!(
        attempt(&accounts, "nobody@hbtn.io", "x").await,
        Attempt::Throttled(_)
    ));
    // The address holds two failures; a third, on another email, blocks it for every email.
    attempt(&accounts, "other@hbtn.io", "x").await;
    assert!(matches!(
        attempt(&accounts, "bob@hbtn.io", "right").await,
        Attempt::Throttled(_)
    ));
    // From another address Bob is unaffected.
    let elsewhere = accounts
        .attempt("bob@hbtn.io", "right", None)
        .await
        .expect("no error");
    assert!(matches!(
        elsewhere,
        Attempt::Checked(CredentialCheck::Valid(_))
    ));
}

#[tokio::test]
async fn machinery_errors_count_as_nothing() {
    let mut users = MockUserRepository::new();
    users
        .expect_find_by_email()
        .returning(|_| Err(unavailable()));
    let (accounts, _clock) = throttled_accounts(users, 1, 1);
    for _ in 0..3 {
        let result = accounts.attempt("bob@hbtn.io", "pw", CLIENT).await;
        assert!(matches!(result, Err(AuthError::Storage(_))));
    }
}

#[tokio::test]
async fn with_the_throttle_off_every_attempt_is_checked() {
    let (accounts, _clock) = throttled_accounts(users_with(vec![bob()]), 0, 0);
    for _ in 0..20 {
        assert_eq!(
            attempt(&accounts, "bob@hbtn.io", "wrong").await,
            Attempt::Checked(CredentialCheck::WrongPassword)
        );
    }
    assert_eq!(verifications(&accounts), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_exceed_the_limit() {
    let (accounts, _clock) = throttled_accounts(users_with(vec![bob()]), 3, 50);
    let accounts = Arc::new(accounts);
    let guesses = (0..12).map(|n| {
        let accounts = Arc::clone(&accounts);
        tokio::spawn(async move {
            accounts
                .attempt("bob@hbtn.io", &format!("guess {n}"), CLIENT)
                .await
                .expect("no error")
        })
    });
    let mut checked = 0;
    for guess in guesses.collect::<Vec<_>>() {
        if let Attempt::Checked(_) = guess.await.expect("the task ran") {
            checked += 1;
        }
    }
    assert_eq!(checked, 3);
    assert_eq!(verifications(&accounts), 3);
}

/// Runs `n` attempts of bob at once with `password`, all admitted or refused together.
async fn parallel_attempts(
    accounts: Arc<Accounts>,
    password: &'static str,
    n: usize,
) -> Vec<Attempt> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let accounts = accounts.clone();
            tokio::spawn(async move { attempt(&accounts, "bob@hbtn.io", password).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the attempt task ends"));
    }
    outcomes
}

/// A user store that takes a while to find bob, like a database a round trip away, so that
/// parallel attempts are all under way at once.
fn slow_users() -> MockUserRepository {
    let user = bob();
    let mut users = MockUserRepository::new();
    users.expect_find_by_email().returning(move |_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        Ok(Some(user.clone()))
    });
    users
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_correct_logins_beyond_the_limit_all_succeed() {
    let (accounts, _clock) = throttled_accounts(slow_users(), 1, 1);
    let outcomes = parallel_attempts(Arc::new(accounts), "right", 8).await;
    for outcome in outcomes {
        assert!(
            matches!(outcome, Attempt::Checked(CredentialCheck::Valid(_))),
            "{outcome:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_wrong_guesses_are_still_limited_like_sequential_ones() {
    let (accounts, _clock) = throttled_accounts(slow_users(), 2, 50);
    let accounts = Arc::new(accounts);
    let outcomes = parallel_attempts(accounts.clone(), "wrong", 8).await;
    let checked = outcomes
        .iter()
        .filter(|outcome| **outcome == Attempt::Checked(CredentialCheck::WrongPassword))
        .count();
    let throttled = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Attempt::Throttled(_)))
        .count();
    assert_eq!((checked, throttled), (2, 6), "{outcomes:?}");
    assert_eq!(verifications(&accounts), 2);
}

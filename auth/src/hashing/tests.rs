//! Tests of the hashing pool: one Argon2 verification per check, and a bounded number at once.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use domain::{PasswordHash, Verification};

use super::*;
use crate::test_support::fast_hasher;

fn pool(permits: usize) -> HashingPool {
    HashingPool::new(
        fast_hasher(),
        NonZeroUsize::new(permits).expect("a positive number"),
    )
}

fn argon2_hash(password: &str) -> PasswordHash {
    fast_hasher().hash(password).expect("hashing works")
}

/// The `m=..,t=..,p=..` part of a PHC string: the Argon2 parameters it was made with.
fn params_of(hash: &PasswordHash) -> String {
    hash.as_str()
        .split('$')
        .nth(3)
        .expect("a PHC string has a parameter field")
        .to_string()
}

/// A door that jobs wait at until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn hook(&self) -> JobHook {
        let gate = self.clone();
        Arc::new(move || {
            let (open, changed) = &*gate.0;
            let mut open = open.lock().expect("no panic while holding the gate");
            while !*open {
                open = changed.wait(open).expect("no panic while holding the gate");
            }
        })
    }

    fn open(&self) {
        let (open, changed) = &*self.0;
        *open.lock().expect("no panic while holding the gate") = true;
        changed.notify_all();
    }
}

/// Waits (a few seconds at most) until `condition` holds.
async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..5000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the condition never held");
}

#[tokio::test]
async fn a_check_without_a_stored_hash_runs_exactly_one_argon2_verification() {
    let pool = pool(2);
    let verification = pool
        .verify_stored(None, "guess".into())
        .await
        .expect("no error");
    assert_eq!(verification, Verification::Mismatch);
    assert_eq!(pool.stats().verifications, 1);
    pool.verify_stored(None, "again".into())
        .await
        .expect("no error");
    let stats = pool.stats();
    assert_eq!(stats.verifications, 2);
    assert_eq!(stats.hashes, 1, "the dummy hash is made once");
}

#[tokio::test]
async fn the_dummy_hash_has_the_parameters_of_real_hashes() {
    let pool = pool(1);
    pool.prepare().await.expect("the dummy is made");
    let dummy = pool.dummy.get().expect("made by prepare");
    let real = pool.hash("pw".into()).await.expect("hashes");
    assert!(dummy.as_str().starts_with("$argon2id$v=19$"));
    assert_eq!(params_of(dummy), params_of(&real));
}

#[tokio::test]
async fn a_wrong_password_against_an_argon2_hash_needs_no_dummy() {
    let pool = pool(1);
    let stored = argon2_hash("right");
    let verification = pool
        .verify_stored(Some(stored.clone()), "wrong".into())
        .await
        .expect("no error");
    assert_eq!(verification, Verification::Mismatch);
    let verification = pool
        .verify_stored(Some(stored), "right".into())
        .await
        .expect("no error");
    assert_eq!(verification, Verification::Match);
    let stats = pool.stats();
    assert_eq!(stats.verifications, 2);
    assert_eq!(stats.hashes, 0);
}

#[tokio::test]
async fn cheap_stored_values_are_padded_to_one_argon2_verification() {
    let legacy = PasswordHash::legacy_sha256("fake pwd");
    let cases = [
        (legacy.clone(), "nope", Verification::Mismatch),
        (legacy, "fake pwd", Verification::MatchNeedsUpgrade),
        (
            PasswordHash::from_stored("not a hash"),
            "x",
            Verification::Mismatch,
        ),
        (PasswordHash::from_stored(""), "", Verification::Mismatch),
    ];
    for (stored, password, expected) in cases {
        let pool = pool(1);
        let verification = pool
            .verify_stored(Some(stored), password.into())
            .await
            .expect("no error");
        assert_eq!(verification, expected, "{password:?}");
        assert_eq!(pool.stats().verifications, 1, "{password:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_permit_lets_one_job_run_at_a_time() {
    let mut pool = pool(1);
    pool.set_hook(Arc::new(|| std::thread::sleep(Duration::from_millis(5))));
    let pool = Arc::new(pool);
    let stored = argon2_hash("right");
    let checks: Vec<_> = (0..8)
        .map(|i| {
            let pool = Arc::clone(&pool);
            let stored = stored.clone();
            tokio::spawn(async move { pool.verify_stored(Some(stored), format!("wrong{i}")).await })
        })
        .collect();
    for check in checks {
        let verification = check.await.expect("the task ran").expect("no error");
        assert_eq!(verification, Verification::Mismatch);
    }
    let stats = pool.stats();
    assert_eq!(stats.verifications, 8);
    assert_eq!(stats.max_in_flight, 1);
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_permits_let_jobs_overlap() {
    // The counterpart of the test above: it shows the counter does see overlapping jobs.
    let gate = Gate::default();
    let mut pool = pool(3);
    pool.set_hook(gate.hook());
    let pool = Arc::new(pool);
    let checks: Vec<_> = (0..3)
        .map(|i| {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.hash(format!("pw{i}")).await })
        })
        .collect();
    wait_until(|| pool.stats().in_flight == 3).await;
    gate.open();
    for check in checks {
        check.await.expect("the task ran").expect("hashes");
    }
    assert_eq!(pool.stats().max_in_flight, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn waiting_for_a_permit_leaves_the_async_thread_free() {
    let gate = Gate::default();
    let mut pool = pool(1);
    pool.set_hook(gate.hook());
    let pool = Arc::new(pool);
    let stored = argon2_hash("right");
    let spawn_check = |password: &'static str| {
        let pool = Arc::clone(&pool);
        let stored = stored.clone();
        tokio::spawn(async move { pool.verify_stored(Some(stored), password.into()).await })
    };
    // The first check holds the only permit, blocked at the gate; the second waits for the
    // permit. This test body runs on the runtime's only thread meanwhile.
    let first = spawn_check("a");
    let second = spawn_check("b");
    wait_until(|| pool.stats().in_flight == 1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!first.is_finished() && !second.is_finished());
    assert_eq!(pool.stats().in_flight, 1);
    gate.open();
    for check in [first, second] {
        check.await.expect("the task ran").expect("no error");
    }
    assert_eq!(pool.stats().max_in_flight, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_check_keeps_its_permit_until_its_job_ends() {
    let gate = Gate::default();
    let mut pool = pool(1);
    pool.set_hook(gate.hook());
    let pool = Arc::new(pool);
    let stored = argon2_hash("right");
    let cancelled = {
        let pool = Arc::clone(&pool);
        let stored = stored.clone();
        tokio::spawn(async move { pool.verify_stored(Some(stored), "a".into()).await })
    };
    wait_until(|| pool.stats().in_flight == 1).await;
    cancelled.abort();
    let next = {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move { pool.verify_stored(Some(stored), "b".into()).await })
    };
    // Had the permit gone with the cancelled task, the next job would start and reach the gate.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(pool.stats().in_flight, 1);
    gate.open();
    next.await.expect("the task ran").expect("no error");
    wait_until(|| pool.stats().in_flight == 0).await;
    let stats = pool.stats();
    assert_eq!(stats.max_in_flight, 1);
    assert_eq!(
        stats.verifications, 2,
        "the cancelled job still ran to its end"
    );
}

#[test]
fn an_absurd_permit_count_is_capped_instead_of_panicking() {
    let pool = HashingPool::new(fast_hasher(), NonZeroUsize::MAX);
    assert_eq!(pool.permits.available_permits(), Semaphore::MAX_PERMITS);
    assert!(default_max_concurrent_hashes().get() >= 1);
}

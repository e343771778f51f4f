//! Password checks under way, so that a correct login does not get 429 merely because other
//! attempts of the same account were still being checked.
//!
//! The throttle counts an admitted attempt as a failure until its check says otherwise (so that
//! parallel guesses are limited like sequential ones). A burst of correct logins of one account
//! (a busy client, or a store that takes a few milliseconds per check) would therefore hit the
//! limit with attempts that are about to succeed. An attempt refused while others are still
//! being checked waits for one of them to settle and asks again, up to [`SETTLE_WAIT`]: a
//! pending failure then stays counted and the answer is 429 as before, while a pending success
//! takes its count back and lets the waiting attempt through. Nothing is ever admitted beyond
//! the limit, so the guarantee against parallel guessing is kept.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a refused attempt waits, in all, for pending checks to settle before it is
/// answered 429: a check takes one Argon2 verification and a store read or two, well under
/// this, even queued behind a few others.
pub(crate) const SETTLE_WAIT: Duration = Duration::from_secs(2);

/// The number of password checks admitted and not yet settled, and a signal when one settles.
#[derive(Debug, Default)]
pub(crate) struct PendingChecks {
    count: AtomicUsize,
    settled: Notify,
}

/// One admitted check; settling (or abandoning) it is dropping it.
pub(crate) struct PendingCheck<'a> {
    checks: &'a PendingChecks,
}

impl PendingChecks {
    /// Runs `admit` until it succeeds, waiting for a pending check to settle after each refusal
    /// while any other is under way, until `SETTLE_WAIT` has passed; returns the last refusal
    /// then. An admitted check counts as pending until the returned guard is dropped.
    ///
    /// The asking attempt counts itself as pending *before* it asks, so an attempt admitted on
    /// another thread is always counted by the time its admission can cause a refusal here.
    pub(crate) async fn admit_when_settled<T, E>(
        &self,
        mut admit: impl FnMut() -> Result<T, E>,
    ) -> Result<(T, PendingCheck<'_>), E> {
        let deadline = Instant::now() + SETTLE_WAIT;
        loop {
            // Registered before asking, so a check settling in between is not missed.
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            self.count.fetch_add(1, Ordering::SeqCst);
            match admit() {
                Ok(admitted) => return Ok((admitted, PendingCheck { checks: self })),
                Err(refusal) => {
                    // Taken back without a signal: nothing settled, and a signal would wake
                    // this very attempt's `settled` into a busy loop.
                    let others_pending = self.count.fetch_sub(1, Ordering::SeqCst) > 1;
                    if !others_pending || tokio::time::timeout_at(deadline, settled).await.is_err()
                    {
                        return Err(refusal);
                    }
                }
            }
        }
    }
}

impl Drop for PendingCheck<'_> {
    fn drop(&mut self) {
        self.checks.count.fetch_sub(1, Ordering::SeqCst);
        self.checks.settled.notify_waiters();
    }
}

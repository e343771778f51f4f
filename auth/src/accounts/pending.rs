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
    /// Records a check as under way until the returned guard is dropped.
    pub(crate) fn start(&self) -> PendingCheck<'_> {
        self.count.fetch_add(1, Ordering::SeqCst);
        PendingCheck { checks: self }
    }

    /// Runs `admit` until it succeeds, waiting for a pending check to settle after each refusal
    /// while any is under way, until `SETTLE_WAIT` has passed; returns the last refusal then.
    pub(crate) async fn admit_when_settled<T, E>(
        &self,
        mut admit: impl FnMut() -> Result<T, E>,
    ) -> Result<T, E> {
        let deadline = Instant::now() + SETTLE_WAIT;
        loop {
            // Registered before asking, so a check settling in between is not missed.
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            match admit() {
                Ok(admitted) => return Ok(admitted),
                Err(refusal) => {
                    let waiting_helps = self.count.load(Ordering::SeqCst) > 0;
                    if !waiting_helps || tokio::time::timeout_at(deadline, settled).await.is_err() {
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

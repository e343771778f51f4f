//! Running Argon2 off the async threads, a bounded number at a time.
//!
//! Every Argon2 operation of the service (hashing a new password, verifying one, making the dummy
//! hash) goes through one `HashingPool`: it first waits, asynchronously, for a permit of a
//! semaphore sized to the CPUs, then runs the work on a thread of its own at a lower scheduling
//! priority ([`priority`]). A burst of logins therefore queues instead of starting hundreds of
//! 19 MiB computations at once, the async worker threads keep serving other requests while a
//! check waits for its turn, and when the cores are all busy the requests that need no hash get
//! them first.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use domain::{PasswordHash, PasswordHasher, Verification};
use tokio::sync::{OnceCell, Semaphore};

use crate::AuthError;

pub mod priority;

/// Counters of the Argon2 work done since the service started, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashingStats {
    /// Passwords verified against an Argon2 hash (a real one or the dummy); a check of a
    /// legacy SHA-256 digest or of a value that is no Argon2 hash does not count, but the dummy
    /// verification that pads it does.
    pub verifications: u64,
    /// New Argon2 hashes made (new users, upgrades, the dummy hash).
    pub hashes: u64,
    /// Argon2 jobs running right now.
    pub in_flight: usize,
    /// The most Argon2 jobs that ever ran at the same time.
    pub max_in_flight: usize,
}

/// The number of Argon2 jobs allowed at once when the configuration does not say: one per CPU,
/// since each job keeps one core busy for its whole duration.
pub fn default_max_concurrent_hashes() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Live counters behind [`HashingStats`].
#[derive(Debug, Default)]
struct Counters {
    verifications: AtomicU64,
    hashes: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Counters {
    fn snapshot(&self) -> HashingStats {
        HashingStats {
            verifications: self.verifications.load(Ordering::Relaxed),
            hashes: self.hashes.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
        }
    }
}

/// Tells whether verifying against `stored` runs Argon2, rather than a SHA-256 digest or an
/// immediate refusal of a value that is no PHC string of Argon2.
fn runs_argon2(stored: &PasswordHash) -> bool {
    !stored.is_legacy() && stored.as_str().starts_with("$argon2")
}

/// Marks one job as running for as long as it lives, so a panicking job is still counted out.
struct InFlight<'a>(&'a Counters);

impl<'a> InFlight<'a> {
    fn enter(counters: &'a Counters) -> Self {
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(counters)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Something run inside every job before the real work; tests use it to slow jobs down.
#[cfg(test)]
pub(crate) type JobHook = Arc<dyn Fn() + Send + Sync>;

/// What a blocking job gets to work with.
struct Job {
    hasher: Arc<PasswordHasher>,
    counters: Arc<Counters>,
    #[cfg(test)]
    hook: Option<JobHook>,
}

impl Job {
    fn verify(&self, stored: &PasswordHash, password: &str) -> Verification {
        if runs_argon2(stored) {
            self.counters.verifications.fetch_add(1, Ordering::Relaxed);
        }
        self.hasher.verify(stored, password)
    }

    fn hash(&self, password: &str) -> Result<PasswordHash, domain::DomainError> {
        self.counters.hashes.fetch_add(1, Ordering::Relaxed);
        self.hasher.hash(password)
    }
}

/// Runs Argon2 work on low-priority threads, at most `permits` jobs at a time.
pub(crate) struct HashingPool {
    hasher: Arc<PasswordHasher>,
    permits: Arc<Semaphore>,
    counters: Arc<Counters>,
    /// A hash of a random password made with the same hasher (so the same parameters) as every
    /// real hash, made on first need; see [`HashingPool::verify_stored`].
    dummy: OnceCell<PasswordHash>,
    #[cfg(test)]
    hook: Option<JobHook>,
}

impl HashingPool {
    /// Creates the pool; `max_concurrent` is capped at what a tokio semaphore can count.
    pub(crate) fn new(hasher: PasswordHasher, max_concurrent: NonZeroUsize) -> Self {
        HashingPool {
            hasher: Arc::new(hasher),
            permits: Arc::new(Semaphore::new(
                max_concurrent.get().min(Semaphore::MAX_PERMITS),
            )),
            counters: Arc::default(),
            dummy: OnceCell::new(),
            #[cfg(test)]
            hook: None,
        }
    }

    /// Installs a function every job runs before its work.
    #[cfg(test)]
    pub(crate) fn set_hook(&mut self, hook: JobHook) {
        self.hook = Some(hook);
    }

    /// Returns the counters so far.
    pub(crate) fn stats(&self) -> HashingStats {
        self.counters.snapshot()
    }

    /// Hashes `password` with a fresh salt.
    pub(crate) async fn hash(&self, password: String) -> Result<PasswordHash, AuthError> {
        Ok(self.run(move |job| job.hash(&password)).await??)
    }

    /// Verifies `password` against a user's stored hash, or against the dummy hash when there is
    /// none (the answer is then always a mismatch).
    ///
    /// Every call costs one Argon2 verification, whatever the stored value: a missing hash, a
    /// legacy SHA-256 digest (which checks in microseconds) and a value that is no Argon2 hash
    /// at all (refused at once) are padded with a verification of the dummy hash, so that the
    /// time of an answer tells nothing about the account.
    pub(crate) async fn verify_stored(
        &self,
        stored: Option<PasswordHash>,
        password: String,
    ) -> Result<Verification, AuthError> {
        let padding = match &stored {
            Some(hash) if runs_argon2(hash) => None,
            _ => Some(self.dummy().await?.clone()),
        };
        self.run(move |job| {
            let verification = match &stored {
                Some(hash) => job.verify(hash, &password),
                None => Verification::Mismatch,
            };
            if let Some(dummy) = &padding {
                job.verify(dummy, &password);
            }
            verification
        })
        .await
    }

    /// Makes the dummy hash now rather than at the first unknown email, so that first answer
    /// is not slower than the others.
    pub(crate) async fn prepare(&self) -> Result<(), AuthError> {
        self.dummy().await.map(|_| ())
    }

    async fn dummy(&self) -> Result<&PasswordHash, AuthError> {
        self.dummy
            .get_or_try_init(|| async {
                Ok::<_, AuthError>(self.run(|job| job.hash(&domain::new_id())).await??)
            })
            .await
    }

    /// Waits for a permit without blocking a worker thread, then runs `work` on a low-priority
    /// thread of its own. The permit moves into the job, so it is held until the work really
    /// ends even if the request that started it is cancelled meanwhile.
    async fn run<T, F>(&self, work: F) -> Result<T, AuthError>
    where
        T: Send + 'static,
        F: FnOnce(&Job) -> T + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| AuthError::Task("the hashing pool is closed".into()))?;
        let job = Job {
            hasher: Arc::clone(&self.hasher),
            counters: Arc::clone(&self.counters),
            #[cfg(test)]
            hook: self.hook.clone(),
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        // A thread of its own rather than tokio's blocking pool, so that it can run at a lower
        // priority (see `priority`) without lowering the pool's other work. Starting a thread
        // costs some microseconds; the job costs tens of milliseconds.
        std::thread::Builder::new()
            .name("argon2".into())
            .spawn(move || {
                priority::lower_this_thread();
                let _permit = permit;
                let _running = InFlight::enter(&job.counters);
                #[cfg(test)]
                if let Some(hook) = &job.hook {
                    hook();
                }
                // Nobody waits any more when the request was cancelled: the result is dropped.
                let _ = answer.send(work(&job));
            })
            .map_err(|e| AuthError::Task(format!("cannot start an Argon2 thread: {e}")))?;
        // The sender is dropped without an answer only if the work panicked.
        answered
            .await
            .map_err(|_| AuthError::Task("an Argon2 job panicked".into()))
    }
}

#[cfg(test)]
mod tests;

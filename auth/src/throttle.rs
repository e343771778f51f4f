//! Brute-force protection: failed password checks are limited per account and per client address.
//!
//! Every failed login and every failed HTTP Basic check counts once against the account (the
//! email exactly as given, whether or not a user has it, so unknown emails behave like known
//! ones) and once against the client address. When either has reached its limit within the
//! sliding window, further attempts are refused before any password is checked, with the number
//! of seconds until the oldest counted failure leaves the window. Refused attempts do not count,
//! so a block always ends when the window slides: there is no permanent lockout. A success
//! forgets the account's failures (not the address's, which may be shared by an attacker).
//!
//! Accounting is exact (a log of each key's last `limit` failures, see `throttle/window.rs`);
//! memory is bounded by [`ThrottleOptions::max_tracked_keys`] keys per dimension. Emails are
//! kept as SHA-256 digests, so a long email costs no more memory than a short one and none is
//! held in clear. The client address is the TCP peer: behind a reverse proxy every client shares the
//! proxy's address, so the per-address limit then applies to all of them together
//! (`X-Forwarded-For` is not trusted).

mod window;

use std::net::IpAddr;
use std::sync::Arc;

use domain::{Clock, Timestamp};
use sha2::{Digest, Sha256};

use window::FailureLog;

/// The default number of failures per account within the window before attempts are refused.
pub const DEFAULT_MAX_FAILURES_PER_ACCOUNT: u32 = 5;

/// The default number of failures per client address within the window before attempts are
/// refused.
pub const DEFAULT_MAX_FAILURES_PER_ADDRESS: u32 = 50;

/// The default length of the sliding window, in seconds.
pub const DEFAULT_FAILURE_WINDOW_SECONDS: u64 = 300;

/// The default number of accounts, and of addresses, tracked at most.
pub const DEFAULT_MAX_TRACKED_KEYS: usize = 100_000;

/// The limits of [`LoginThrottle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleOptions {
    /// Failures of one account within the window after which its attempts are refused
    /// (default 5; 0 disables the per-account limit).
    pub max_failures_per_account: u32,
    /// Failures from one client address within the window after which its attempts are refused
    /// (default 50; 0 disables the per-address limit).
    pub max_failures_per_address: u32,
    /// The length of the sliding window in seconds (default 300; 0 disables both limits).
    pub window_seconds: u64,
    /// How many accounts, and separately how many addresses, are tracked at most (default
    /// 100,000). A new key in a full table first drops keys with no failure left in the window,
    /// then the ones whose last failure is the oldest.
    pub max_tracked_keys: usize,
}

impl Default for ThrottleOptions {
    fn default() -> Self {
        ThrottleOptions {
            max_failures_per_account: DEFAULT_MAX_FAILURES_PER_ACCOUNT,
            max_failures_per_address: DEFAULT_MAX_FAILURES_PER_ADDRESS,
            window_seconds: DEFAULT_FAILURE_WINDOW_SECONDS,
            max_tracked_keys: DEFAULT_MAX_TRACKED_KEYS,
        }
    }
}

impl ThrottleOptions {
    /// Options that never refuse anything, for callers that want no throttling.
    pub fn disabled() -> Self {
        ThrottleOptions {
            max_failures_per_account: 0,
            max_failures_per_address: 0,
            ..ThrottleOptions::default()
        }
    }
}

/// A refusal: the caller may try again after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(u64);

impl RetryAfter {
    /// Creates a wait of `seconds`, at least 1 (a `Retry-After: 0` would invite an instant
    /// retry that is refused again).
    pub fn from_seconds(seconds: u64) -> Self {
        RetryAfter(seconds.max(1))
    }

    /// Returns the wait in whole seconds, as sent in the `Retry-After` header.
    pub fn seconds(self) -> u64 {
        self.0
    }
}

/// The account dimension's key: the SHA-256 of the email as given.
type AccountKey = [u8; 32];

/// An attempt let through by [`LoginThrottle::admit`], already counted as a failure; hand it to
/// [`LoginThrottle::withdraw`] when the attempt turns out not to be one.
#[derive(Debug)]
#[must_use = "an admitted attempt stays counted as a failure unless withdrawn"]
pub struct Admission {
    account: AccountKey,
    address: Option<IpAddr>,
    at: i64,
}

/// Limits failed password checks per account and per client address (see the module
/// documentation); cheap to share behind an `Arc`, safe to call from any thread.
pub struct LoginThrottle {
    accounts: FailureLog<AccountKey>,
    addresses: FailureLog<IpAddr>,
    clock: Arc<dyn Clock>,
}

impl LoginThrottle {
    /// Creates a throttle with `options`, reading the time from `clock`.
    pub fn new(options: &ThrottleOptions, clock: Arc<dyn Clock>) -> Self {
        LoginThrottle {
            accounts: FailureLog::new(
                options.max_failures_per_account,
                options.window_seconds,
                options.max_tracked_keys,
            ),
            addresses: FailureLog::new(
                options.max_failures_per_address,
                options.window_seconds,
                options.max_tracked_keys,
            ),
            clock,
        }
    }

    /// Tells whether an attempt on `account` from `address` may check a password now; when the
    /// account or the address (if known) is blocked, returns the longer of the two waits.
    pub fn check(&self, account: &str, address: Option<IpAddr>) -> Result<(), RetryAfter> {
        // Skipping idle dimensions first spares the common case (no recent failure) the clock,
        // the digest and the locks.
        if self.accounts.is_idle() && self.addresses.is_idle() {
            return Ok(());
        }
        let now = seconds(self.clock.now());
        let by_account = (!self.accounts.is_idle())
            .then(|| self.accounts.retry_after(&account_key(account), now))
            .flatten();
        let by_address = address
            .filter(|_| !self.addresses.is_idle())
            .and_then(|address| self.addresses.retry_after(&address_key(address), now));
        match by_account.max(by_address) {
            Some(wait) => Err(RetryAfter(wait)),
            None => Ok(()),
        }
    }

    /// Checks like [`check`](Self::check) and, when the attempt may go ahead, counts it as a
    /// failure at once, so that concurrent attempts cannot all pass before any of them fails
    /// (an attacker's parallel guesses are limited like sequential ones). A success or an error
    /// of the machinery then takes it back with [`withdraw`](Self::withdraw); an attempt
    /// abandoned half-way (the client went away) stays counted.
    pub fn admit(&self, account: &str, address: Option<IpAddr>) -> Result<Admission, RetryAfter> {
        let at = seconds(self.clock.now());
        let admission = Admission {
            account: account_key(account),
            address: address.map(address_key),
            at,
        };
        // The read-only check first reports the longer wait when both are blocked.
        self.check(account, address)?;
        if let Some(wait) = self.accounts.admit(admission.account, at) {
            return Err(RetryAfter(wait));
        }
        if let Some(address) = admission.address {
            if let Some(wait) = self.addresses.admit(address, at) {
                self.accounts.withdraw(&admission.account, at);
                return Err(RetryAfter(wait));
            }
        }
        Ok(admission)
    }

    /// Takes back the failure an [`Admission`] counted, from the account and the address.
    pub fn withdraw(&self, admission: Admission) {
        self.accounts.withdraw(&admission.account, admission.at);
        if let Some(address) = admission.address {
            self.addresses.withdraw(&address, admission.at);
        }
    }

    /// Counts a failed check of `account` from `address` (an unknown address counts only
    /// against the account).
    pub fn record_failure(&self, account: &str, address: Option<IpAddr>) {
        if !self.is_enabled() {
            return;
        }
        let now = seconds(self.clock.now());
        self.accounts.record(account_key(account), now);
        if let Some(address) = address {
            self.addresses.record(address_key(address), now);
        }
    }

    /// Forgets the failures of `account` after a successful check; the address keeps its count.
    pub fn record_success(&self, account: &str) {
        if !self.accounts.is_idle() {
            self.accounts.forget(&account_key(account));
        }
    }

    /// Tells whether either limit is on.
    fn is_enabled(&self) -> bool {
        self.accounts.is_enabled() || self.addresses.is_enabled()
    }

    /// Returns how many accounts and how many addresses are tracked.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> (usize, usize) {
        (self.accounts.len(), self.addresses.len())
    }
}

/// Whole seconds since the Unix epoch.
fn seconds(instant: Timestamp) -> i64 {
    instant.as_naive().and_utc().timestamp()
}

fn account_key(account: &str) -> AccountKey {
    Sha256::digest(account.as_bytes()).into()
}

/// The address as counted: an IPv4-mapped IPv6 address is its IPv4 address, and an IPv6
/// address counts as its /64 network, the block one host usually controls in full.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

#[cfg(test)]
mod tests;

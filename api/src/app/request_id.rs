//! `X-Request-Id`: the client's own, when it is a short visible-ASCII token, or a new one.
//!
//! A new id is a random per-process prefix and a number (`3f9c1e07a2b4-1a`): one small
//! allocation per request, unique across restarts for all practical purposes (48 random bits
//! per process). Each thread numbers from a block of its own, so the numbers of one thread
//! say in which order it saw its requests.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};

/// The header's name.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client id accepted; longer ones are replaced by a new id.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The random part of every id this process makes.
static PREFIX: LazyLock<String> = LazyLock::new(|| {
    // The first 12 hex digits of a v4 UUID are random (its version digit comes after them).
    let random = uuid::Uuid::new_v4().simple().to_string();
    random[..12].to_string()
});

/// The first number of the next block of ids a thread takes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// How many numbers a thread takes from [`COUNTER`] at once. Every thread counts within its
/// own block, so the shared counter, whose cache line would otherwise move between the cores
/// on every request, is touched once per block. Numbers stay unique; they are no longer in
/// the order of the requests across threads.
const BLOCK: u64 = 1024;

thread_local! {
    /// The next number of this thread's block and the end of the block.
    static BLOCK_LEFT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Returns the request's id: `given`, its first `X-Request-Id`, when acceptable, otherwise a
/// new one.
pub fn request_id(given: Option<&HeaderValue>) -> HeaderValue {
    match given {
        Some(given) if is_acceptable(given.as_bytes()) => given.clone(),
        _ => new_request_id(),
    }
}

/// Tells whether a client's id can be logged and echoed as it is: 1 to 128 visible ASCII
/// characters (no spaces or control characters, so no log line can be forged with it).
fn is_acceptable(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN && id.iter().all(u8::is_ascii_graphic)
}

/// Makes a new id.
fn new_request_id() -> HeaderValue {
    numbered_id(next_number())
}

/// Takes the next number of this thread's block, starting a block when it has none left.
fn next_number() -> u64 {
    BLOCK_LEFT.with(|left| {
        let (mut next, mut end) = left.get();
        if next == end {
            next = COUNTER.fetch_add(BLOCK, Ordering::Relaxed);
            end = next.saturating_add(BLOCK);
        }
        left.set((next + 1, end));
        next
    })
}

/// The id of this process numbered `number`.
fn numbered_id(number: u64) -> HeaderValue {
    // The counter in lower-case hex without leading zeros, written by hand (`fmt` cost more
    // than the rest of the id).
    let digits = (64 - (number | 1).leading_zeros()).div_ceil(4);
    // Exactly as long as the id: `Bytes` then takes the buffer as it is, where spare capacity
    // would cost a second allocation for its shared header.
    let mut text = Vec::with_capacity(PREFIX.len() + 1 + digits as usize);
    text.extend_from_slice(PREFIX.as_bytes());
    text.push(b'-');
    for shift in (0..digits).rev() {
        text.push(b"0123456789abcdef"[((number >> (shift * 4)) & 0xf) as usize]);
    }
    // Hex digits and a dash are always a valid header value; the Bytes take the buffer
    // without a copy.
    HeaderValue::from_maybe_shared(Bytes::from(text))
        .unwrap_or_else(|_| HeaderValue::from_static("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(value: &[u8]) -> HeaderValue {
        HeaderValue::from_bytes(value).expect("a header value")
    }

    #[test]
    fn a_short_visible_ascii_id_is_kept() {
        for id in ["abc", "7f3e-11", "a.b_c:d/e+f=", &"x".repeat(128)] {
            assert_eq!(request_id(Some(&with_id(id.as_bytes()))), id);
        }
    }

    #[test]
    fn an_unacceptable_id_is_replaced() {
        for id in [
            &b"two words"[..],
            b"",
            &[b'x'; 129],
            b"tab\there",
            "caf\u{e9}".as_bytes(),
        ] {
            let replaced = request_id(Some(&with_id(id)));
            assert_ne!(replaced.as_bytes(), id);
            assert!(is_acceptable(replaced.as_bytes()), "{replaced:?}");
        }
    }

    #[test]
    fn the_counter_is_written_in_hex_without_leading_zeros() {
        for number in [0, 1, 15, 16, 255, 4096, u64::MAX] {
            let id = numbered_id(number);
            assert_eq!(
                id.to_str().expect("ASCII"),
                format!("{}-{number:x}", *PREFIX)
            );
        }
    }

    #[test]
    fn numbers_never_repeat_across_threads() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| (0..3 * BLOCK).map(|_| next_number()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<u64> = threads
            .into_iter()
            .flat_map(|thread| thread.join().expect("the thread ends"))
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn new_ids_share_the_process_prefix_and_never_repeat() {
        let first = request_id(None);
        let second = request_id(None);
        assert_ne!(first, second);
        let prefix = |id: &HeaderValue| {
            let text = id.to_str().expect("ASCII").to_string();
            text.split_once('-').expect("prefix-counter").0.to_string()
        };
        assert_eq!(prefix(&first), prefix(&second));
        assert_eq!(prefix(&first).len(), 12);
    }
}

//! The public JSON of a user written by hand: the body of the busiest answers
//! (`GET /users/me`, and every answer that shows one user).
//!
//! serde's generic machinery (a call per key, per value and per escaped fragment) cost about a
//! tenth of the CPU time of `GET /users/me`. This writes the same bytes directly: every string
//! that needs no escaping (no control character, quote or backslash: nearly all of them) is
//! copied as it is, and any other is handed to serde_json, so the output is serde_json's compact
//! form of [`PublicUser`] byte for byte. [`write_json_string`] is that string writer, for other
//! hand-written JSON (the access log's).

use std::cell::Cell;

use crate::byte_words::{all_bytes, has_byte, has_byte_below};
use crate::user::PublicUser;
use crate::Timestamp;

impl PublicUser<'_> {
    /// Appends this user as compact JSON (sorted keys, as `serde_json::to_writer` writes it).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"created_at\":");
        write_timestamp(out, self.created_at);
        out.extend_from_slice(b",\"email\":");
        write_optional_string(out, self.email);
        out.extend_from_slice(b",\"first_name\":");
        write_optional_string(out, self.first_name);
        out.extend_from_slice(b",\"id\":");
        write_json_string(out, self.id);
        out.extend_from_slice(b",\"last_name\":");
        write_optional_string(out, self.last_name);
        out.extend_from_slice(b",\"updated_at\":");
        write_timestamp(out, self.updated_at);
        out.push(b'}');
    }
}

/// The text of the last two timestamps this thread wrote. A user has two (created, updated),
/// often equal, and the same user is shown again and again; the calendar arithmetic cost more
/// than the rest of a timestamp's writing.
type RecentTimestamps = [Option<(Timestamp, [u8; 19])>; 2];

thread_local! {
    static RECENT: Cell<RecentTimestamps> = const { Cell::new([None, None]) };
}

fn write_timestamp(out: &mut Vec<u8>, value: Timestamp) {
    match timestamp_text(value) {
        Some(text) => {
            out.push(b'"');
            out.extend_from_slice(&text);
            out.push(b'"');
        }
        // Outside four-digit years: the serde path decides (it cannot fail for a timestamp).
        None => {
            let _ = serde_json::to_writer(&mut *out, &value);
        }
    }
}

/// Returns `value` as `YYYY-MM-DDTHH:MM:SS`, or `None` outside four-digit years.
fn timestamp_text(value: Timestamp) -> Option<[u8; 19]> {
    let recent = RECENT.try_with(Cell::get).unwrap_or([None, None]);
    for (known, text) in recent.iter().flatten() {
        if *known == value {
            return Some(*text);
        }
    }
    let mut text = [0u8; 19];
    value.write_ascii(&mut text)?;
    // The newest first; the older of the two is forgotten.
    let _ = RECENT.try_with(|cell| cell.set([Some((value, text)), recent[0]]));
    Some(text)
}

fn write_optional_string(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => write_json_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `value` as a JSON string, byte for byte as `serde_json` writes it: copied as it is
/// when nothing in it needs escaping, handed to serde_json otherwise.
pub fn write_json_string(out: &mut Vec<u8>, value: &str) {
    if needs_no_escape(value.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing a `str` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

/// Tells whether serde_json writes `bytes` as they are: no control character (below 0x20), no
/// quote and no backslash, the only bytes it escapes (UTF-8 goes out as it is). Eight bytes at a
/// time: the strings of a user are some 130 bytes per answer.
fn needs_no_escape(bytes: &[u8]) -> bool {
    all_bytes(
        bytes,
        |word| has_byte_below(word, 0x20) || has_byte(word, b'"') || has_byte(word, b'\\'),
        |byte| byte >= 0x20 && byte != b'"' && byte != b'\\',
    )
}

#[cfg(test)]
mod tests {
    use crate::Timestamp;

    use super::*;

    fn by_hand(user: &PublicUser<'_>) -> String {
        let mut out = Vec::new();
        user.write_json(&mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    fn by_serde(user: &PublicUser<'_>) -> String {
        serde_json::to_string(user).expect("serialises")
    }

    #[test]
    fn every_kind_of_string_is_written_as_serde_json_writes_it() {
        let at: Timestamp = "2017-10-16T04:23:04".parse().expect("valid");
        let later: Timestamp = "9999-12-31T23:59:59".parse().expect("valid");
        let texts = [
            "",
            "plain@example.com",
            "quote\"inside",
            "back\\slash",
            "new\nline\ttab\r\u{8}\u{c}",
            "nul\u{0}and\u{1f}unit",
            "del\u{7f}",
            "caf\u{e9} \u{1f600} \u{2028}",
            "</script>",
        ];
        for text in texts {
            for (email, first, last) in [
                (Some(text), None, None),
                (None, Some(text), Some(text)),
                (Some("a@b.c"), Some(text), None),
            ] {
                let user = PublicUser {
                    created_at: at,
                    email,
                    first_name: first,
                    id: text,
                    last_name: last,
                    updated_at: later,
                };
                assert_eq!(by_hand(&user), by_serde(&user), "{text:?}");
            }
        }
    }

    #[test]
    fn remembered_timestamps_are_always_the_right_ones() {
        let at = |seconds: i64| {
            Timestamp::from_naive(
                chrono::DateTime::from_timestamp(seconds, 0)
                    .expect("in range")
                    .naive_utc(),
            )
        };
        let (a, b, c) = (at(0), at(1_500_000_000), at(4_102_444_800));
        // Repeats, alternations and a third value that pushes one out.
        for (created, updated) in [(a, a), (a, b), (b, a), (c, c), (a, c), (b, b), (c, a)] {
            let user = PublicUser {
                created_at: created,
                email: None,
                first_name: None,
                id: "x",
                last_name: None,
                updated_at: updated,
            };
            assert_eq!(by_hand(&user), by_serde(&user));
        }
    }

    #[test]
    fn timestamps_beyond_four_digit_years_are_written_as_serde_writes_them() {
        for (created, updated) in [
            (chrono::NaiveDateTime::MIN, chrono::NaiveDateTime::MAX),
            (chrono::NaiveDateTime::MAX, chrono::NaiveDateTime::MIN),
        ] {
            let user = PublicUser {
                created_at: Timestamp::from_naive(created),
                email: None,
                first_name: None,
                id: "x",
                last_name: None,
                updated_at: Timestamp::from_naive(updated),
            };
            assert_eq!(by_hand(&user), by_serde(&user));
        }
    }

    #[test]
    fn the_escape_check_finds_every_escaped_byte_at_every_position() {
        for length in 0..20 {
            for at in 0..length {
                for byte in 0u8..=255 {
                    let mut bytes = vec![b'a'; length];
                    bytes[at] = byte;
                    let escaped = byte < 0x20 || byte == b'"' || byte == b'\\';
                    assert_eq!(
                        needs_no_escape(&bytes),
                        !escaped,
                        "{byte:#x} at {at} of {length}"
                    );
                }
            }
            assert!(needs_no_escape(&vec![0xe9; length]));
        }
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        for text in ["plain", "a\"b\\c\u{1}d", "tab\there", "caf\u{e9}", ""] {
            let mut out = Vec::new();
            write_json_string(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).expect("a string"));
        }
    }

    #[test]
    fn the_seed_user_is_written_with_sorted_keys() {
        let at: Timestamp = "2017-10-16T04:23:04".parse().expect("valid");
        let user = PublicUser {
            created_at: at,
            email: Some("bobsession@hbtn.io"),
            first_name: None,
            id: "d1b1d8ac-be5b-4849-b2ba-439092b4c05b",
            last_name: None,
            updated_at: at,
        };
        assert_eq!(
            by_hand(&user),
            r#"{"created_at":"2017-10-16T04:23:04","email":"bobsession@hbtn.io","first_name":null,"id":"d1b1d8ac-be5b-4849-b2ba-439092b4c05b","last_name":null,"updated_at":"2017-10-16T04:23:04"}"#
        );
    }
}

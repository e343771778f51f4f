//! Byte checks eight bytes at a time, for the scans that run on every request (a session
//! cookie's value) and on every answer (the strings of a user's JSON).
//!
//! Each word test is one of the classic SWAR ("SIMD within a register") bit tricks on a `u64`
//! holding eight bytes; [`all_bytes`] walks a slice a word at a time and checks the few bytes
//! after the last whole word one by one.

/// 0x01 in every byte.
const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// 0x80, the high bit, in every byte.
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// Tells whether some byte of `word` is below `n`; exact for `n` up to 0x80.
#[inline]
pub fn has_byte_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS != 0
}

/// Tells whether some byte of `word` is `byte`.
#[inline]
pub fn has_byte(word: u64, byte: u8) -> bool {
    has_byte_below(word ^ (ONES * u64::from(byte)), 1)
}

/// Tells whether some byte of `word` is 0x7F or above (past `~`, the last visible ASCII byte).
/// Adding 1 to every byte sets a high bit exactly where a byte is 0x7F or more; a byte of 0xFF
/// carries into its neighbour, but its own high bit already answers.
#[inline]
pub fn has_byte_from_delete(word: u64) -> bool {
    (word.wrapping_add(ONES) | word) & HIGHS != 0
}

/// Tells whether every byte of `bytes` is acceptable: `word_has_other` says whether a word of
/// eight bytes holds one that is not, `byte_is_acceptable` judges the bytes after the last
/// whole word. The two must agree on what is acceptable.
#[inline]
pub fn all_bytes(
    bytes: &[u8],
    word_has_other: impl Fn(u64) -> bool,
    byte_is_acceptable: impl Fn(u8) -> bool,
) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else {
            return false;
        };
        if word_has_other(u64::from_le_bytes(eight)) {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&byte| byte_is_acceptable(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of a word otherwise made of `filler`, as bytes and
    /// as the word.
    fn words(filler: u8) -> impl Iterator<Item = ([u8; 8], u64)> {
        (0..8).flat_map(move |at| {
            (0..=255u8).map(move |byte| {
                let mut eight = [filler; 8];
                eight[at] = byte;
                (eight, u64::from_le_bytes(eight))
            })
        })
    }

    #[test]
    fn each_word_test_agrees_with_the_bytes_of_the_word() {
        for filler in [b'a', b' ', 0x7F, 0xFF] {
            for (eight, word) in words(filler) {
                let any = |test: &dyn Fn(u8) -> bool| eight.iter().any(|&byte| test(byte));
                for n in [1, 0x20, 0x21, 0x80] {
                    assert_eq!(
                        has_byte_below(word, n),
                        any(&|b| b < n),
                        "{eight:x?} {n:#x}"
                    );
                }
                for wanted in [b'"', b';', b'\\'] {
                    assert_eq!(has_byte(word, wanted), any(&|b| b == wanted), "{eight:x?}");
                }
                assert_eq!(
                    has_byte_from_delete(word),
                    any(&|b| b >= 0x7F),
                    "{eight:x?}"
                );
            }
        }
    }

    #[test]
    fn all_bytes_checks_whole_words_and_the_rest() {
        let is_a = |byte: u8| byte == b'a';
        let word_has_other = |word: u64| word != u64::from_le_bytes([b'a'; 8]);
        for length in [0, 1, 7, 8, 9, 16, 17] {
            let mut bytes = vec![b'a'; length];
            assert!(all_bytes(&bytes, word_has_other, is_a), "{length}");
            for at in 0..length {
                bytes[at] = b'b';
                assert!(!all_bytes(&bytes, word_has_other, is_a), "{at}/{length}");
                bytes[at] = b'a';
            }
        }
    }
}

//! Deterministic UUID4-shaped ids for seed data, fast enough for millions of records.
//!
//! `domain::new_id` draws from the operating system's random source; seeding a million records
//! that way is needlessly slow, and a session must name its user's id without keeping a list of
//! them. Here the id of record `index` in stream `stream` is a pure function: SplitMix64 over the
//! pair, formatted as a version-4, variant-1 UUID, so ids look and hash like real ones.

/// The streams ids are drawn from, so that different kinds of record never share an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum IdStream {
    /// Ids of the filler users.
    FillerUser = 1,
    /// The id of the benchmark's own account.
    BenchUser = 2,
    /// Ids of session records.
    SessionRecord = 3,
    /// Session ids (the secrets held in cookies).
    SessionSecret = 4,
}

/// The length of a UUID in text form.
pub const UUID_LEN: usize = 36;

/// The id of record `index` in `stream`, as UUID4 text (lowercase, hyphenated).
pub fn fake_uuid(stream: IdStream, index: u64) -> [u8; UUID_LEN] {
    let seed = (stream as u64).wrapping_mul(0xA076_1D64_78BD_642F) ^ index;
    let high = splitmix64(seed);
    let low = splitmix64(high ^ seed.rotate_left(32));
    let mut bits = (u128::from(high) << 64) | u128::from(low);
    // Version 4 in the 13th hex digit, variant 10xx in the 17th, as in a random UUID.
    bits = (bits & !(0xF_u128 << 76)) | (0x4_u128 << 76);
    bits = (bits & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    format_uuid(bits)
}

/// The id of record `index` in `stream`, as a `String`.
pub fn fake_uuid_string(stream: IdStream, index: u64) -> String {
    let bytes = fake_uuid(stream, index);
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

/// SplitMix64's output function: a fast, well-mixed 64-bit hash.
fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Formats 128 bits as `8-4-4-4-12` lowercase hex digits.
fn format_uuid(bits: u128) -> [u8; UUID_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'-'; UUID_LEN];
    let mut at = 0;
    for (index, byte) in bits.to_be_bytes().iter().enumerate() {
        // A hyphen after the 4th, 6th, 8th and 10th byte.
        if matches!(index, 4 | 6 | 8 | 10) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xF)];
        at += 2;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_four_uuids() {
        for index in [0, 1, 999_999] {
            let id = fake_uuid_string(IdStream::FillerUser, index);
            assert_eq!(id.len(), UUID_LEN);
            let groups: Vec<&str> = id.split('-').collect();
            assert_eq!(
                groups.iter().map(|group| group.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{id}");
            assert!(id
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }

    #[test]
    fn the_same_stream_and_index_give_the_same_id() {
        assert_eq!(
            fake_uuid(IdStream::SessionRecord, 42),
            fake_uuid(IdStream::SessionRecord, 42)
        );
    }

    #[test]
    fn ids_differ_across_indexes_and_streams() {
        let mut ids: Vec<String> = (0..10_000)
            .map(|index| fake_uuid_string(IdStream::FillerUser, index))
            .chain((0..10_000).map(|index| fake_uuid_string(IdStream::SessionSecret, index)))
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20_000);
    }
}

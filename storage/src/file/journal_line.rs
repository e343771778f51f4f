//! The framing of one journal record: `<length> <crc32> <payload>\n`, so that a torn or damaged
//! record is recognised as such.
//!
//! `length` is the payload's length in bytes (decimal) and `crc32` the CRC-32 of the payload
//! (eight lowercase hex digits). The payload is compact JSON, which never holds a raw newline,
//! so records are lines.

use std::fmt;

/// Why a line is not a valid record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineError {
    /// The file ends before the line's newline.
    Unterminated,
    /// The length and checksum prefix is malformed.
    BadPrefix,
    /// The payload does not have the announced length.
    WrongLength,
    /// The payload does not match its checksum.
    BadChecksum,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::Unterminated => "the record has no end of line",
            LineError::BadPrefix => "the record does not start with a length and a checksum",
            LineError::WrongLength => "the record does not have its announced length",
            LineError::BadChecksum => "the record does not match its checksum",
        })
    }
}

/// Appends the record holding `payload` to `out`.
pub(crate) fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let crc = crc32fast::hash(payload);
    out.extend_from_slice(format!("{} {crc:08x} ", payload.len()).as_bytes());
    out.extend_from_slice(payload);
    out.push(b'\n');
}

/// Returns the payload of `line` (a record including its final newline, if it has one).
pub(crate) fn decode(line: &[u8]) -> Result<&[u8], LineError> {
    let Some(body) = line.strip_suffix(b"\n") else {
        return Err(LineError::Unterminated);
    };
    let (length, rest) = split_field(body).ok_or(LineError::BadPrefix)?;
    let (crc, payload) = split_field(rest).ok_or(LineError::BadPrefix)?;
    let length: usize = parse_ascii(length, 10).ok_or(LineError::BadPrefix)?;
    if crc.len() != 8 {
        return Err(LineError::BadPrefix);
    }
    let crc = parse_ascii::<u32>(crc, 16).ok_or(LineError::BadPrefix)?;
    if payload.len() != length {
        return Err(LineError::WrongLength);
    }
    if crc32fast::hash(payload) != crc {
        return Err(LineError::BadChecksum);
    }
    Ok(payload)
}

fn split_field(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&byte| byte == b' ')?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn parse_ascii<N: TryFrom<u64>>(digits: &[u8], radix: u32) -> Option<N> {
    // At most 16 digits: enough for any length or checksum, and never an overflow.
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in digits {
        let digit = char::from(byte).to_digit(radix)?;
        if byte.is_ascii_uppercase() {
            return None;
        }
        value = value * u64::from(radix) + u64::from(digit);
    }
    N::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(payload: &str) -> Vec<u8> {
        let mut out = Vec::new();
        encode(payload.as_bytes(), &mut out);
        out
    }

    #[test]
    fn a_record_reads_back_its_payload() {
        let encoded = line(r#"{"a":1}"#);
        assert_eq!(encoded, b"7 561bacaf {\"a\":1}\n".to_vec());
        assert_eq!(decode(&encoded), Ok(r#"{"a":1}"#.as_bytes()));
        assert_eq!(decode(&line("")), Ok(&b""[..]));
    }

    #[test]
    fn every_kind_of_damage_is_recognised() {
        let good = line(r#"{"a":1}"#);
        assert_eq!(
            decode(&good[..good.len() - 1]),
            Err(LineError::Unterminated)
        );
        assert_eq!(decode(&good[..5]), Err(LineError::Unterminated));
        let mut flipped = good.clone();
        flipped[12] ^= 1;
        assert_eq!(decode(&flipped), Err(LineError::BadChecksum));
        assert_eq!(
            decode(b"7 561bacaf {\"a\":12}\n"),
            Err(LineError::WrongLength)
        );
        assert_eq!(decode(b"x 561bacaf {}\n"), Err(LineError::BadPrefix));
        assert_eq!(decode(b"2 561BACAF {}\n"), Err(LineError::BadPrefix));
        assert_eq!(decode(b"2 561bac {}\n"), Err(LineError::BadPrefix));
        assert_eq!(decode(b"\0\0\0\0\n"), Err(LineError::BadPrefix));
        assert_eq!(decode(b"\n"), Err(LineError::BadPrefix));
    }
}

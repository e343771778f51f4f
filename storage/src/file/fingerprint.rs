//! What identifies the exact bytes of a snapshot: their length and CRC-32.
//!
//! Every journal names the snapshot it continues by this fingerprint, so start-up can tell which
//! journal records a snapshot already holds (see the module documentation of `file`).

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

/// The length and CRC-32 of a snapshot file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    /// Length in bytes.
    pub(crate) len: u64,
    /// CRC-32 (IEEE) of the bytes.
    pub(crate) crc: u32,
}

impl Fingerprint {
    /// Fingerprints `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Fingerprint {
            len: bytes.len() as u64,
            crc: crc32fast::hash(bytes),
        }
    }
}

/// A writer that fingerprints everything written through it.
pub(crate) struct FingerprintingWriter<W> {
    inner: W,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl<W: Write> FingerprintingWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        FingerprintingWriter {
            inner,
            hasher: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    /// Returns the inner writer and the fingerprint of what was written.
    pub(crate) fn finish(self) -> (W, Fingerprint) {
        let fingerprint = Fingerprint {
            len: self.len,
            crc: self.hasher.finalize(),
        };
        (self.inner, fingerprint)
    }
}

impl<W: Write> Write for FingerprintingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_and_whole_fingerprints_agree() {
        let mut writer = FingerprintingWriter::new(Vec::new());
        writer.write_all(b"hello ").expect("in memory");
        writer.write_all(b"world").expect("in memory");
        let (bytes, streamed) = writer.finish();
        assert_eq!(streamed, Fingerprint::of(&bytes));
        assert_eq!(streamed.len, 11);
        // The check value of CRC-32 (IEEE).
        assert_eq!(Fingerprint::of(b"123456789").crc, 0xcbf4_3926);
    }
}

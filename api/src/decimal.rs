//! Unsigned numbers in decimal, written into a buffer on the stack: for the access line and
//! `Content-Length`, where `fmt` machinery cost more than the rest of the work.

/// The decimal digits of one number.
pub(crate) struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// Writes `value` in decimal (at most 20 digits, `u64::MAX`).
    pub(crate) fn new(mut value: u64) -> Decimal {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            // `value % 10` is below 10, so the cast cannot truncate.
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Decimal { digits, start }
    }

    /// Returns the digits, without leading zeros.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for value in [0, 7, 10, 99, 100, 65_536, 1_000_000_007, u64::MAX] {
            assert_eq!(Decimal::new(value).as_bytes(), value.to_string().as_bytes());
        }
    }
}

//! How the report writes numbers: rates, latencies, memory sizes and ratios.

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A rate with three significant digits below 1,000 and whole units with separators above.
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() || per_second < 0.0 {
        return "-".to_string();
    }
    if per_second >= 1000.0 {
        thousands(per_second.round() as u64)
    } else if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else if per_second >= 10.0 {
        format!("{per_second:.1}")
    } else {
        format!("{per_second:.2}")
    }
}

/// A latency given in microseconds, written in milliseconds with sensible precision.
pub fn latency(micros: Option<u64>) -> String {
    let Some(micros) = micros else {
        return "-".to_string();
    };
    let millis = micros as f64 / 1000.0;
    if millis >= 1000.0 {
        format!("{} ms", thousands(millis.round() as u64))
    } else if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else if millis >= 10.0 {
        format!("{millis:.1} ms")
    } else {
        format!("{millis:.2} ms")
    }
}

/// A size given in KiB, in MiB with one decimal.
pub fn mib_from_kib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "-".to_string(),
    }
}

/// A size given in bytes, in MiB with one decimal.
pub fn mib_from_bytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// A ratio such as `0.85x`.
pub fn ratio(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => {
            if value >= 0.01 || value == 0.0 {
                format!("{value:.2}x")
            } else {
                format!("{value:.4}x")
            }
        }
        _ => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_by_commas() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn rates_keep_about_three_significant_digits() {
        assert_eq!(rate(52_310.4), "52,310");
        assert_eq!(rate(412.6), "413");
        assert_eq!(rate(41.26), "41.3");
        assert_eq!(rate(3.456), "3.46");
        assert_eq!(rate(f64::NAN), "-");
    }

    #[test]
    fn latencies_are_in_milliseconds() {
        assert_eq!(latency(Some(212)), "0.21 ms");
        assert_eq!(latency(Some(12_345)), "12.3 ms");
        assert_eq!(latency(Some(250_400)), "250 ms");
        assert_eq!(latency(Some(1_234_567)), "1,235 ms");
        assert_eq!(latency(None), "-");
    }

    #[test]
    fn sizes_are_in_mebibytes() {
        assert_eq!(mib_from_kib(Some(12_800)), "12.5 MiB");
        assert_eq!(mib_from_kib(None), "-");
        assert_eq!(mib_from_bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }

    #[test]
    fn ratios_show_small_values_with_more_digits() {
        assert_eq!(ratio(Some(0.912)), "0.91x");
        assert_eq!(ratio(Some(1.0)), "1.00x");
        assert_eq!(ratio(Some(0.00123)), "0.0012x");
        assert_eq!(ratio(Some(0.0)), "0.00x");
        assert_eq!(ratio(None), "-");
        assert_eq!(ratio(Some(f64::INFINITY)), "-");
    }
}

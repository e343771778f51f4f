//! The access line of one request, and the sink a binary can install to receive it directly.
//!
//! The gateway writes one line per request. Through `tracing` that cost about a tenth of the
//! CPU time of `GET /users/me`: dispatch, a visitor call per field and a `fmt::Write` call per
//! fragment. So a binary that writes its own log installs an [`AccessSink`] with
//! [`install_access_sink`], and the gateway hands it each [`AccessLine`] as plain values; the
//! sink formats it with [`AccessLine::write_text`] or [`AccessLine::write_json`], byte for byte
//! the layout of `tracing-subscriber`'s formatters. Without a sink (tests, a colour terminal)
//! the line is an ordinary `tracing` event. Either way `tracing`'s filter decides whether it is
//! written at all: `RUST_LOG=info,access=off` turns it off.
//!
//! Text: `2025-01-01T12:00:00.123456Z  INFO access: method=GET path=/x status=200 ...`.
//! JSON: `{"timestamp":"...","level":"INFO","method":"GET",...,"target":"access"}`.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use domain::public_json::write_json_string;

/// The `tracing` target of the access lines.
pub const ACCESS_TARGET: &str = "access";

/// What the access line says about one answered request; never a header, a cookie or a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessLine<'a> {
    /// The request method.
    pub method: &'a str,
    /// The path, without the query (query strings may carry secrets).
    pub path: &'a str,
    /// The answer's status code.
    pub status: u16,
    /// Microseconds from the request's arrival at the gateway to its answer.
    pub latency_us: u64,
    /// The request id, as returned in `X-Request-Id` (visible ASCII).
    pub request_id: &'a str,
}

/// Receives every access line the gateway writes, once installed.
pub trait AccessSink: Send + Sync {
    /// Writes `line`; must not block the request for long (queue it, do not wait for I/O).
    fn write(&self, line: &AccessLine<'_>);
}

/// The sink of this process, if its binary installed one, and whether the filter wants
/// access lines at all.
static SINK: OnceLock<Installed> = OnceLock::new();

/// An installed sink and the filter's verdict on access lines, taken once at installation.
struct Installed {
    sink: Box<dyn AccessSink>,
    wanted: bool,
}

/// Makes `sink` receive every access line of this process from now on, instead of `tracing`.
/// Only the first call installs; it returns whether this one did. Install it after the global
/// subscriber: the subscriber's filter is asked here, once, whether access lines are wanted
/// (a binary's filter does not change while it runs), instead of on every request.
pub fn install_access_sink(sink: Box<dyn AccessSink>) -> bool {
    let wanted = tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO);
    SINK.set(Installed { sink, wanted }).is_ok()
}

/// Tells whether access lines are written: the verdict taken when the sink was installed, or,
/// without a sink (tests, which may swap subscribers), the current subscriber's.
pub(crate) fn wanted() -> bool {
    match SINK.get() {
        Some(installed) => installed.wanted,
        None => tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO),
    }
}

impl AccessLine<'_> {
    /// Hands the line to the installed sink, or emits it as a `tracing` event without one.
    /// Whether access lines are wanted at all is the caller's check ([`wanted`]).
    pub(crate) fn emit(&self) {
        match SINK.get() {
            Some(installed) => installed.sink.write(self),
            None => tracing::info!(
                target: ACCESS_TARGET,
                method = self.method,
                path = self.path,
                status = u64::from(self.status),
                latency_us = self.latency_us,
                request_id = self.request_id,
            ),
        }
    }

    /// Appends the text line written at `now`, with its newline, to `out`.
    pub fn write_text(&self, out: &mut Vec<u8>, now: SystemTime) {
        write_timestamp(out, now);
        out.extend_from_slice(b"  INFO access: method=");
        // The method is a token and the path a URI path: neither holds a space. The id is
        // visible ASCII (the gateway replaces any other).
        out.extend_from_slice(self.method.as_bytes());
        out.extend_from_slice(b" path=");
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(b" status=");
        write_number(out, u64::from(self.status));
        out.extend_from_slice(b" latency_us=");
        write_number(out, self.latency_us);
        out.extend_from_slice(b" request_id=");
        out.extend_from_slice(self.request_id.as_bytes());
        out.push(b'\n');
    }

    /// Appends the JSON object written at `now`, with its newline, to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>, now: SystemTime) {
        out.extend_from_slice(b"{\"timestamp\":\"");
        write_timestamp(out, now);
        out.extend_from_slice(b"\",\"level\":\"INFO\",\"method\":");
        write_json_string(out, self.method);
        out.extend_from_slice(b",\"path\":");
        write_json_string(out, self.path);
        out.extend_from_slice(b",\"status\":");
        write_number(out, u64::from(self.status));
        out.extend_from_slice(b",\"latency_us\":");
        write_number(out, self.latency_us);
        out.extend_from_slice(b",\"request_id\":");
        write_json_string(out, self.request_id);
        out.extend_from_slice(b",\"target\":\"access\"}\n");
    }
}

thread_local! {
    /// The last whole second formatted by this thread and its text, `YYYY-MM-DDTHH:MM:SS`.
    static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
}

/// Appends `now` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC), like `tracing-subscriber` writes it.
fn write_timestamp(out: &mut Vec<u8>, now: SystemTime) {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (cached, mut text) = SECOND.get();
    if cached != seconds {
        text = civil_time(seconds);
        SECOND.set((seconds, text));
    }
    out.extend_from_slice(&text);
    let mut micros = *b".000000Z";
    let mut value = since_epoch.subsec_micros();
    for digit in micros[1..7].iter_mut().rev() {
        // `value % 10` is below 10, so the cast cannot truncate.
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.extend_from_slice(&micros);
}

/// `YYYY-MM-DDTHH:MM:SS` of `seconds` since the Unix epoch (UTC, proleptic Gregorian).
fn civil_time(seconds: u64) -> [u8; 19] {
    let days = seconds / 86_400;
    let in_day = seconds % 86_400;
    // Howard Hinnant's days-to-civil algorithm, shifted so that years start in March.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let mut text = *b"0000-00-00T00:00:00";
    let mut put = |at: usize, width: usize, mut value: u64| {
        for index in (at..at + width).rev() {
            text[index] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year.clamp(0, 9999) as u64);
    put(5, 2, month as u64);
    put(8, 2, day as u64);
    put(11, 2, in_day / 3600);
    put(14, 2, in_day % 3600 / 60);
    put(17, 2, in_day % 60);
    text
}

/// Appends `value` in decimal.
fn write_number(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn timestamp(seconds: u64, micros: u32) -> String {
        let mut out = Vec::new();
        let at = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(micros.into());
        write_timestamp(&mut out, at);
        String::from_utf8(out).expect("ASCII")
    }

    fn line() -> AccessLine<'static> {
        AccessLine {
            method: "GET",
            path: "/api/v1/users/me",
            status: 200,
            latency_us: 57,
            request_id: "3f9c1e07a2b4-1a",
        }
    }

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(timestamp(951_782_400, 7), "2000-02-29T00:00:00.000007Z");
        assert_eq!(
            timestamp(1_735_689_599, 999_999),
            "2024-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            timestamp(4_102_444_800, 123_456),
            "2100-01-01T00:00:00.123456Z"
        );
        // The cache of the second does not leak into the next one.
        assert_eq!(timestamp(4_102_444_801, 0), "2100-01-01T00:00:01.000000Z");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0, 7, 10, 200, 65_535, u64::MAX] {
            let mut out = Vec::new();
            write_number(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes());
        }
    }

    #[test]
    fn the_text_line_has_the_standard_formatters_layout() {
        let mut out = Vec::new();
        line().write_text(&mut out, UNIX_EPOCH + Duration::from_micros(1_500_000));
        assert_eq!(
            String::from_utf8(out).expect("ASCII"),
            "1970-01-01T00:00:01.500000Z  INFO access: method=GET path=/api/v1/users/me \
             status=200 latency_us=57 request_id=3f9c1e07a2b4-1a\n"
        );
    }

    #[test]
    fn the_json_line_is_one_flat_object() {
        let mut out = Vec::new();
        line().write_json(&mut out, UNIX_EPOCH);
        let text = String::from_utf8(out).expect("ASCII");
        assert!(text.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            value,
            serde_json::json!({
                "timestamp": "1970-01-01T00:00:00.000000Z",
                "level": "INFO",
                "method": "GET",
                "path": "/api/v1/users/me",
                "status": 200,
                "latency_us": 57,
                "request_id": "3f9c1e07a2b4-1a",
                "target": "access",
            })
        );
    }
}

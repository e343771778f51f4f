//! JSON text exactly as Python's `json.dump(obj, f)` writes it with default arguments.
//!
//! The original project wrote its data files that way: everything on one line, `", "` between
//! items, `": "` after keys, every character outside printable ASCII escaped as a lowercase
//! `\uXXXX` (astral characters as surrogate pairs), floats in Python's `repr` form, and no
//! trailing newline. Writing the same bytes keeps the files diff-friendly with the original's.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

/// A `serde_json` formatter reproducing Python's `json.dump` defaults byte for byte.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PythonFormatter;

/// Serialises `value` as Python's `json.dump` would.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    Ok(out)
}

/// Serialises `value` into `writer` as Python's `json.dump` would.
pub(crate) fn to_writer<W: Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut serializer = Serializer::with_formatter(writer, PythonFormatter);
    value.serialize(&mut serializer)
}

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        // Python has no single-precision floats; the shortest f32 text read as f64 is what a
        // Python reader would hold.
        let widened: f64 = value.to_string().parse().unwrap_or(f64::from(value));
        self.write_f64(writer, widened)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json already routes quotes, backslashes and control characters through
        // `write_char_escape`; what is left to do is `ensure_ascii`: DEL and all non-ASCII.
        let mut plain_start = 0;
        for (at, ch) in fragment.char_indices() {
            if (' '..='~').contains(&ch) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[plain_start..at])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            plain_start = at + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[plain_start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            // Python never escapes `/`; serde_json does not ask to either, but be explicit.
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(writer, "\\u{byte:04x}"),
        };
        writer.write_all(text)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Formats a finite float as Python's `repr(float)`: the shortest digits that round-trip, in
/// fixed notation when the decimal exponent is in `-4..16`, else as `d.ddde+XX`.
fn python_float_repr(value: f64) -> String {
    if !value.is_finite() {
        // serde_json writes non-finite floats as null before reaching the formatter; this is
        // what Python itself would write (and read back).
        return if value.is_nan() {
            "NaN".to_string()
        } else if value > 0.0 {
            "Infinity".to_string()
        } else {
            "-Infinity".to_string()
        };
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, like Python's repr, but when the
    // value lies exactly halfway between two such candidates Rust rounds the last digit up and
    // Python to even. Formatting again with that many digits, exactly, rounds half to even too.
    let shortest = format!("{value:e}");
    let significant = shortest.split('e').next().map_or(1, |mantissa| {
        mantissa.chars().filter(char::is_ascii_digit).count()
    });
    let scientific = format!("{value:.*e}", significant.saturating_sub(1));
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            format!("{sign}0.{zeros}{digits}")
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                let zeros = "0".repeat(point - digits.len());
                format!("{sign}{digits}{zeros}.0")
            } else {
                format!("{sign}{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.abs()
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    /// The `.db_User.json` line from the spec, as the original wrote it.
    const SEED_USERS: &str = r#"{"d1b1d8ac-be5b-4849-b2ba-439092b4c05b": {"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}}"#;

    fn python(value: &Value) -> String {
        String::from_utf8(to_vec(value).expect("serialises")).expect("ASCII output")
    }

    #[test]
    fn the_spec_example_file_is_written_back_byte_for_byte() {
        let value: Value = serde_json::from_str(SEED_USERS).expect("parses");
        assert_eq!(python(&value), SEED_USERS);
    }

    #[test]
    fn the_spec_example_file_survives_a_trip_through_user_records() {
        let users: indexmap::IndexMap<String, domain::User> =
            serde_json::from_str(SEED_USERS).expect("parses as users");
        let bytes = to_vec(&users).expect("serialises");
        assert_eq!(bytes, SEED_USERS.as_bytes());
    }

    #[test]
    fn separators_follow_python_defaults() {
        let value = json!({"a": [1, 2, {"b": true}], "c": {}, "d": [], "e": null});
        assert_eq!(
            python(&value),
            r#"{"a": [1, 2, {"b": true}], "c": {}, "d": [], "e": null}"#
        );
    }

    #[test]
    fn non_ascii_is_escaped_in_lowercase_hex_with_surrogate_pairs() {
        let value = json!({"name": "Zoë 😀 中", "ключ": "\u{7f}"});
        assert_eq!(
            python(&value),
            r#"{"name": "Zo\u00eb \ud83d\ude00 \u4e2d", "\u043a\u043b\u044e\u0447": "\u007f"}"#
        );
    }

    #[test]
    fn quotes_backslashes_and_control_characters_use_python_escapes() {
        let value = json!("q\" b\\ s/ \u{8}\u{c}\n\r\t \u{1} \u{1f}");
        assert_eq!(python(&value), r#""q\" b\\ s/ \b\f\n\r\t \u0001 \u001f""#);
    }

    #[test]
    fn integers_are_written_plainly() {
        let value = json!([0, -7, 42, i64::MIN, u64::MAX]);
        assert_eq!(
            python(&value),
            "[0, -7, 42, -9223372036854775808, 18446744073709551615]"
        );
    }

    #[test]
    fn floats_are_written_like_python_repr() {
        let cases: [(f64, &str); 14] = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "repr of {value:?}");
            assert_eq!(python(&json!(value)), expected, "json of {value:?}");
        }
        assert_eq!(python_float_repr(5e-324), "5e-324");
        assert_eq!(python_float_repr(123.456e20), "1.23456e+22");
        // Exactly halfway between two shortest candidates: Python rounds to even.
        assert_eq!(
            python_float_repr(618_281_928_248_935.0 + 0.25),
            "618281928248935.2"
        );
    }

    #[test]
    fn a_mixed_document_matches_what_python_printed() {
        // Expected text produced by CPython 3 `json.dumps` on the same document.
        let value = json!([
            "q\" b\\ s/ \u{8}\u{c}\n\r\t \u{1} \u{1f} \u{7f}",
            0.00001,
            1e16,
            1e15,
            1.5e-7,
            5e-324,
            123.456e20,
            -0.0,
            1.7976931348623157e308,
            {},
            []
        ]);
        assert_eq!(
            python(&value),
            r#"["q\" b\\ s/ \b\f\n\r\t \u0001 \u001f \u007f", 1e-05, 1e+16, 1000000000000000.0, 1.5e-07, 5e-324, 1.23456e+22, -0.0, 1.7976931348623157e+308, {}, []]"#
        );
    }

    #[test]
    fn output_has_no_trailing_newline() {
        assert_eq!(python(&json!({})), "{}");
        assert!(!python(&json!({"a": 1})).ends_with('\n'));
    }
}

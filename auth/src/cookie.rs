//! Reading the session cookie the way Werkzeug parses a `Cookie` header.
//!
//! Werkzeug (3.x) tokenises `Cookie` values with one regular expression; [`session_cookie`]
//! follows the same steps by hand: pieces end at `;`, a name ends at the first `=`, names and
//! values lose their outer whitespace (inner spaces stay), and a value wrapped in double quotes
//! is unquoted (`\"`, `\\` and octal `\ooo` escapes resolved, invalid UTF-8 replaced). A quoted
//! value may contain `;`. A piece without `=` is a cookie with the empty value, as in Werkzeug,
//! so `Cookie: _my_session_id` carries a (present, invalid) session cookie: 403, not 401.

use domain::byte_words::{all_bytes, has_byte, has_byte_below, has_byte_from_delete};

/// Returns the value of the cookie called `name` from the request's `Cookie` header values
/// (several headers are read in order; the first cookie with that name wins), or `None`.
/// Each header may be borrowed or owned (a `Cow` from a lossy UTF-8 conversion, say).
pub fn session_cookie<H: AsRef<str>>(
    cookie_headers: impl IntoIterator<Item = H>,
    name: &str,
) -> Option<String> {
    cookie_headers.into_iter().find_map(|header| {
        CookiePairs::new(header.as_ref())
            .find(|(cookie_name, _)| *cookie_name == name)
            .map(|(_, value)| unquote(value))
    })
}

/// Returns the value when `header` is exactly `name=value`, the value all visible ASCII
/// without `;` or `"`: what a browser sends when the session cookie is its only cookie for
/// the site. [`session_cookie`] would give the same value; this skips its general scan and
/// the UTF-8 check. `None` says nothing: the header may still hold the cookie in another
/// shape, for [`session_cookie`] to find.
pub fn sole_cookie<'h>(header: &'h [u8], name: &str) -> Option<&'h str> {
    let value = header.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
    if !is_plain_value(value) {
        return None;
    }
    // All ASCII, so this cannot fail.
    std::str::from_utf8(value).ok()
}

/// Tells whether every byte of `bytes` is visible ASCII other than `;` and `"`. Eight bytes at
/// a time: a session id is 36 bytes, checked on every request with a cookie, and the byte loop
/// cost some 290 instructions of it.
fn is_plain_value(bytes: &[u8]) -> bool {
    all_bytes(
        bytes,
        |word| {
            has_byte_below(word, 0x21)
                || has_byte_from_delete(word)
                || has_byte(word, b';')
                || has_byte(word, b'"')
        },
        is_plain_byte,
    )
}

/// The byte rule of [`is_plain_value`]: visible ASCII other than `;` and `"`.
fn is_plain_byte(byte: u8) -> bool {
    byte.is_ascii_graphic() && byte != b';' && byte != b'"'
}

/// The raw `(name, value)` pairs of one `Cookie` header value, names and values trimmed.
struct CookiePairs<'h> {
    header: &'h str,
    pos: usize,
}

impl<'h> CookiePairs<'h> {
    fn new(header: &'h str) -> Self {
        CookiePairs { header, pos: 0 }
    }

    /// Reads the piece starting at `self.pos`; `None` for a piece that names no cookie (a blank
    /// name).
    /// Every index used to slice sits on an ASCII delimiter, so slicing never splits a character.
    fn next_piece(&mut self) -> Option<(&'h str, &'h str)> {
        let header = self.header;
        let bytes = header.as_bytes();
        let start = self.pos;
        let name_end = find_from(bytes, start, |b| b == b'=' || b == b';');
        if name_end == bytes.len() || bytes[name_end] == b';' {
            self.pos = name_end + 1;
            return named(trim(&header[start..name_end]), "");
        }
        let name = trim(&header[start..name_end]);
        let value_start = skip_ascii_whitespace(bytes, name_end + 1);
        if let Some(quote_end) = quoted_end(bytes, value_start) {
            let after = skip_ascii_whitespace(bytes, quote_end + 1);
            if after == bytes.len() || bytes[after] == b';' {
                self.pos = after + 1;
                return named(name, &header[value_start..=quote_end]);
            }
        }
        // Not a well-formed quoted value: the value runs to the next `;`, quotes and all.
        let value_end = find_from(bytes, value_start, |b| b == b';');
        self.pos = value_end + 1;
        named(name, trim(&header[value_start..value_end]))
    }
}

impl<'h> Iterator for CookiePairs<'h> {
    type Item = (&'h str, &'h str);

    fn next(&mut self) -> Option<Self::Item> {
        while self.pos < self.header.len() {
            if let Some(pair) = self.next_piece() {
                return Some(pair);
            }
        }
        None
    }
}

/// `str::trim`, with a quick answer for the usual piece that starts and ends with a visible
/// ASCII character (the full trim looks at each end as Unicode).
fn trim(piece: &str) -> &str {
    match piece.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => piece,
        [only] if only.is_ascii_graphic() => piece,
        _ => piece.trim(),
    }
}

fn named<'h>(name: &'h str, value: &'h str) -> Option<(&'h str, &'h str)> {
    (!name.is_empty()).then_some((name, value))
}

fn find_from(bytes: &[u8], from: usize, wanted: impl Fn(u8) -> bool) -> usize {
    bytes
        .iter()
        .skip(from)
        .position(|&b| wanted(b))
        .map_or(bytes.len(), |offset| from + offset)
}

fn skip_ascii_whitespace(bytes: &[u8], from: usize) -> usize {
    find_from(bytes, from, |b| !b.is_ascii_whitespace())
}

/// Returns the index of the closing quote when a quoted string (with backslash escapes)
/// starts at `start`.
fn quoted_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    loop {
        match bytes.get(i)? {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Removes surrounding double quotes and resolves the escapes inside, as Werkzeug does.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return value.to_string();
    };
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
        } else if let Some(byte) = octal_escape(&bytes[i + 1..]) {
            out.push(byte);
            i += 4;
        } else {
            out.push(bytes[i + 1]);
            i += 2;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads `ooo` (first digit 0-3, so the value fits a byte) at the start of `bytes`.
fn octal_escape(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', ..] => {
            Some(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "_my_session_id";

    fn cookie(header: &str) -> Option<String> {
        session_cookie([header], NAME)
    }

    #[test]
    fn a_plain_value_is_visible_ascii_without_semicolon_or_quote_at_every_position() {
        for length in [1, 7, 8, 9, 16, 36, 37] {
            for at in 0..length {
                for byte in 0..=255u8 {
                    let mut value = vec![b'a'; length];
                    value[at] = byte;
                    assert_eq!(
                        is_plain_value(&value),
                        byte.is_ascii_graphic() && byte != b';' && byte != b'"',
                        "{byte:#x} at {at}/{length}"
                    );
                }
            }
        }
        assert!(is_plain_value(b""));
    }

    #[test]
    fn the_sole_cookie_shortcut_agrees_with_the_general_parser() {
        for header in [
            "_my_session_id=5b1c0a3e-6a07-4c41-8e9f-0f3c8b2d1a77",
            "_my_session_id=",
            "_my_session_id=a=b",
            "_my_session_id=!#$%&'()*+,-./:<=>?@[]^_`{|}~",
            "_my_session_id=\"quoted\"",
            "_my_session_id=a\"b",
            "_my_session_id=a;b",
            "_my_session_id=a b",
            "_my_session_id=ab ",
            " _my_session_id=ab",
            "_my_session_id =ab",
            "_my_session_idx=ab",
            "_my_session_i=ab",
            "_my_session_id",
            "other=1; _my_session_id=ab",
            "_my_session_id=caf\u{e9}",
        ] {
            if let Some(value) = sole_cookie(header.as_bytes(), NAME) {
                assert_eq!(Some(value.to_string()), cookie(header), "{header:?}");
            }
        }
        assert_eq!(
            sole_cookie(b"_my_session_id=5b1c0a3e-6a07", NAME),
            Some("5b1c0a3e-6a07")
        );
        assert_eq!(sole_cookie(b"_my_session_id=", NAME), Some(""));
        assert_eq!(sole_cookie(b"_my_session_id=a b", NAME), None);
        assert_eq!(sole_cookie(b"x=1; _my_session_id=ab", NAME), None);
    }

    #[test]
    fn sc4_no_cookie_header_gives_none() {
        assert_eq!(session_cookie([""; 0], NAME), None);
    }

    #[test]
    fn sc4_a_plain_value_is_returned() {
        assert_eq!(cookie("_my_session_id=Hello").as_deref(), Some("Hello"));
    }

    #[test]
    fn sc4_inner_spaces_are_kept() {
        assert_eq!(
            cookie("_my_session_id=C is fun").as_deref(),
            Some("C is fun")
        );
    }

    #[test]
    fn sc4_other_cookie_names_give_none() {
        assert_eq!(cookie("_my_session_id_fake=1"), None);
        assert_eq!(cookie("other=Hello; my_session_id=x"), None);
        assert_eq!(cookie("_My_Session_Id=x"), None, "names are case-sensitive");
    }

    #[test]
    fn outer_spaces_are_trimmed_among_other_cookies() {
        assert_eq!(
            cookie("a=1; _my_session_id=x y ; b=2").as_deref(),
            Some("x y")
        );
        assert_eq!(cookie("  _my_session_id  =  v  ").as_deref(), Some("v"));
    }

    #[test]
    fn double_quotes_are_removed() {
        assert_eq!(
            cookie("_my_session_id=\"quoted val\"").as_deref(),
            Some("quoted val")
        );
        assert_eq!(cookie("_my_session_id=\"\"").as_deref(), Some(""));
    }

    #[test]
    fn escapes_inside_quotes_are_resolved() {
        assert_eq!(
            cookie(r#"_my_session_id="a\"b\\c""#).as_deref(),
            Some(r#"a"b\c"#)
        );
        assert_eq!(
            cookie(r#"_my_session_id="\101\073z""#).as_deref(),
            Some("A;z")
        );
        assert_eq!(cookie(r#"_my_session_id="\477""#).as_deref(), Some("477"));
        assert_eq!(
            cookie(r#"_my_session_id="\377""#).as_deref(),
            Some("\u{fffd}")
        );
    }

    #[test]
    fn a_quoted_value_may_contain_a_semicolon() {
        assert_eq!(
            cookie("_my_session_id=\"a;b\"; c=d").as_deref(),
            Some("a;b")
        );
    }

    #[test]
    fn a_badly_quoted_value_is_kept_as_written() {
        assert_eq!(cookie("_my_session_id=\"abc").as_deref(), Some("\"abc"));
        assert_eq!(
            cookie("_my_session_id=\"a\" b; c=d").as_deref(),
            Some("\"a\" b")
        );
        assert_eq!(cookie("_my_session_id=\"").as_deref(), Some("\""));
    }

    #[test]
    fn the_value_is_split_at_the_first_equals_sign() {
        assert_eq!(cookie("_my_session_id=a=b").as_deref(), Some("a=b"));
    }

    #[test]
    fn an_empty_value_is_present() {
        assert_eq!(cookie("_my_session_id=").as_deref(), Some(""));
        assert_eq!(cookie("_my_session_id= ; a=b").as_deref(), Some(""));
    }

    #[test]
    fn a_piece_without_equals_is_a_cookie_with_the_empty_value() {
        assert_eq!(cookie("_my_session_id").as_deref(), Some(""));
        assert_eq!(cookie("_my_session_id; a=b").as_deref(), Some(""));
        assert_eq!(cookie("_my_session_id_fake"), None);
        assert_eq!(cookie("junk; _my_session_id=v").as_deref(), Some("v"));
    }

    #[test]
    fn the_first_cookie_with_the_name_wins_across_headers() {
        assert_eq!(
            cookie("_my_session_id=first; _my_session_id=second").as_deref(),
            Some("first")
        );
        assert_eq!(
            session_cookie(["a=1", "_my_session_id=two", "_my_session_id=three"], NAME).as_deref(),
            Some("two")
        );
    }

    #[test]
    fn weird_inputs_never_panic() {
        let inputs = [
            "",
            ";",
            ";;",
            "=",
            "==",
            "=;=",
            "\"",
            "\"\"",
            "\\",
            "=\"",
            "=\"\\",
            "a=\"\\",
            "a=\"\\\"",
            "a=\\",
            "a=\"\\1",
            "a=\"\\12\"",
            " ; = ; ",
            "é=ü",
            "ü",
            "=é",
            "_my_session_id=\"é\\",
            "_my_session_id=\u{0}",
            "\t\r\n",
            "a=\"x\"\"",
        ];
        for input in inputs {
            let _ = cookie(input);
            let _ = session_cookie([input, input], "é");
        }
        assert_eq!(
            cookie("_my_session_id=héllo wörld").as_deref(),
            Some("héllo wörld")
        );
        assert_eq!(session_cookie(["é=ü"], "é").as_deref(), Some("ü"));
        assert_eq!(cookie("=orphan; _my_session_id=v").as_deref(), Some("v"));
    }
}

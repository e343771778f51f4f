//! Property tests of the request-header parsers: the HTTP Basic chain and the session cookie.
//!
//! Both parsers read raw header text that any client controls, so besides the worked examples in
//! their unit tests they must hold for every input: no panic on any string, and what a
//! well-behaved client encodes comes back exactly.

use auth::basic::{
    decode_base64_authorization_header, extract_base64_authorization_header,
    extract_user_credentials,
};
use auth::cookie::session_cookie;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;

/// Runs the whole Basic parsing chain, as `BasicAuth` does.
fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let encoded = extract_base64_authorization_header(header);
    let decoded = decode_base64_authorization_header(encoded);
    extract_user_credentials(decoded.as_deref())
}

/// Text made mostly of the characters the parsers treat specially, with any others mixed in.
fn delimiter_heavy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![';', '=', '"', '\\', ' ', '\t', ':', '0', '3', '7']),
        1 => any::<char>(),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|chars| chars.into_iter().collect())
}

/// A cookie name: an RFC 6265 token.
fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

/// A cookie value made of RFC 6265 cookie-octets (which include `=`), possibly empty.
fn cookie_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'()*+./:<=>?@^_`{|}~\\[\\]-]{0,16}"
}

/// How one pair is written and whether a new `Cookie` header starts before it.
#[derive(Debug, Clone)]
struct Layout {
    equals: &'static str,
    separator: &'static str,
    new_header: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(vec!["=", " = ", "= ", " ="]),
        prop::sample::select(vec!["; ", ";", " ; ", ";  "]),
        any::<bool>(),
    )
        .prop_map(|(equals, separator, new_header)| Layout {
            equals,
            separator,
            new_header,
        })
}

/// Writes the pairs into one or more `Cookie` header values.
fn cookie_headers(pairs: &[(String, String, Layout)]) -> Vec<String> {
    let mut headers: Vec<String> = Vec::new();
    for (name, value, layout) in pairs {
        match headers.last_mut() {
            Some(header) if !layout.new_header => {
                header.push_str(layout.separator);
                header.push_str(&format!("{name}{}{value}", layout.equals));
            }
            _ => headers.push(format!("{name}{}{value}", layout.equals)),
        }
    }
    headers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn the_basic_chain_never_panics(header in any::<String>(), tail in delimiter_heavy_text()) {
        let _ = basic_credentials(Some(&header));
        let _ = basic_credentials(Some(&format!("Basic {header}")));
        let _ = basic_credentials(Some(&format!("Basic {tail}")));
    }

    #[test]
    fn any_base64_decodes_to_its_bytes_when_they_are_text(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let header = format!("Basic {}", STANDARD.encode(&bytes));
        let decoded =
            decode_base64_authorization_header(extract_base64_authorization_header(Some(&header)));
        prop_assert_eq!(decoded, String::from_utf8(bytes).ok());
    }

    #[test]
    fn encoded_credentials_parse_back_exactly(email in "[^:]{0,32}", password in any::<String>()) {
        let header = format!("Basic {}", STANDARD.encode(format!("{email}:{password}")));
        prop_assert_eq!(basic_credentials(Some(&header)), Some((email, password)));
    }

    #[test]
    fn text_without_a_colon_gives_no_credentials(text in "[^:]{0,32}") {
        let header = format!("Basic {}", STANDARD.encode(&text));
        prop_assert_eq!(basic_credentials(Some(&header)), None);
    }

    #[test]
    fn the_cookie_parser_never_panics(
        headers in prop::collection::vec(any::<String>(), 0..3),
        tricky in delimiter_heavy_text(),
        name in any::<String>(),
    ) {
        let _ = session_cookie(headers.iter().map(String::as_str), &name);
        let _ = session_cookie([tricky.as_str()], &name);
        let _ = session_cookie([tricky.as_str(), tricky.as_str()], "_my_session_id");
    }

    #[test]
    fn the_first_cookie_with_the_name_is_returned(
        pairs in prop::collection::vec((cookie_name(), cookie_value(), layout()), 0..8),
        pick in any::<prop::sample::Index>(),
        other_name in cookie_name(),
    ) {
        let headers = cookie_headers(&pairs);
        // Half the time the name is one that is present, otherwise a random one that may not be.
        let name = if pairs.is_empty() || pick.index(2) == 0 {
            other_name
        } else {
            pairs[pick.index(pairs.len())].0.clone()
        };
        let expected = pairs.iter().find(|(n, _, _)| *n == name).map(|(_, v, _)| v.clone());
        prop_assert_eq!(session_cookie(headers.iter().map(String::as_str), &name), expected);
    }

    #[test]
    fn a_quoted_value_comes_back_unescaped(
        name in cookie_name(),
        value in any::<String>(),
        before in cookie_name(),
    ) {
        prop_assume!(before != name);
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        let header = format!("{before}=x; {name}=\"{escaped}\"; after=y");
        prop_assert_eq!(session_cookie([header.as_str()], &name), Some(value));
    }
}

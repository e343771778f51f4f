//! The session cookie: reading it from a request and writing the `Set-Cookie` answers (D15).

use std::borrow::Cow;

use axum::http::{header, HeaderMap, HeaderValue};
use domain::SessionDuration;

use crate::error::ApiError;

/// How the session cookie is named and marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCookie {
    name: String,
    secure: bool,
}

impl SessionCookie {
    /// Creates the settings; `name` must be a valid cookie name (the configuration checks it).
    pub fn new(name: impl Into<String>, secure: bool) -> Self {
        SessionCookie {
            name: name.into(),
            secure,
        }
    }

    /// Returns the cookie's name (`SESSION_NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the session cookie's value from every `Cookie` header of the request, parsed the
    /// way Werkzeug does; bytes that are not UTF-8 are replaced rather than refused.
    pub fn read(&self, headers: &HeaderMap) -> Option<String> {
        let all = headers.get_all(header::COOKIE);
        let mut values = all.iter();
        // The usual request has one `Cookie` header.
        if let (Some(only), None) = (values.next(), values.next()) {
            return self.read_header(only);
        }
        auth::cookie::session_cookie(all.iter().map(text_of), &self.name)
    }

    /// Returns the session cookie's value from `header`, the request's only `Cookie` header;
    /// the same as [`read`](Self::read) gives for a request with that header alone.
    pub fn read_header(&self, header: &HeaderValue) -> Option<String> {
        // The usual header: the session cookie alone.
        if let Some(value) = auth::cookie::sole_cookie(header.as_bytes(), &self.name) {
            return Some(value.to_string());
        }
        auth::cookie::session_cookie(std::iter::once(text_of(header)), &self.name)
    }

    /// Builds the `Set-Cookie` value of a successful login: `Path=/; HttpOnly; SameSite=Lax`,
    /// `Max-Age` when sessions expire, `Secure` when configured.
    pub fn login(
        &self,
        session_id: &str,
        duration: SessionDuration,
    ) -> Result<HeaderValue, ApiError> {
        let mut text = format!("{}={session_id}; Path=/; HttpOnly; SameSite=Lax", self.name);
        if duration.expires() {
            text.push_str(&format!("; Max-Age={}", duration.seconds()));
        }
        self.finish(text)
    }

    /// Builds the `Set-Cookie` value that makes the browser forget the cookie at logout.
    pub fn logout(&self) -> Result<HeaderValue, ApiError> {
        self.finish(format!(
            "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            self.name
        ))
    }

    fn finish(&self, mut text: String) -> Result<HeaderValue, ApiError> {
        if self.secure {
            text.push_str("; Secure");
        }
        // The name is checked at start-up and session ids are UUIDs, so this only fails if a
        // session manager returned a malformed id; that is a machinery failure, not a 500.
        HeaderValue::try_from(text)
            .map_err(|_| ApiError::unavailable("session id is not a valid cookie value"))
    }
}

/// The text of a `Cookie` header. A header that is UTF-8 (nearly all: browsers send ASCII) is
/// read in place; only another one is copied, for the replacement. `from_utf8` checks ASCII a
/// word at a time, several times faster than the lossy decoder, which is left for the rest.
fn text_of(value: &HeaderValue) -> Cow<'_, str> {
    let bytes = value.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::COOKIE,
                HeaderValue::from_bytes(value).expect("a header value"),
            );
        }
        headers
    }

    #[test]
    fn the_session_cookie_is_found_in_any_cookie_header() {
        let cookie = SessionCookie::new("sid", false);
        assert_eq!(cookie.read(&headers(&[])), None);
        assert_eq!(
            cookie.read(&headers(&[b"a=1; sid=abc; b=2"])),
            Some("abc".to_string())
        );
        assert_eq!(
            cookie.read(&headers(&[b"a=1", b"sid=second"])),
            Some("second".to_string())
        );
    }

    #[test]
    fn one_header_read_alone_gives_what_the_whole_map_gives() {
        let cookie = SessionCookie::new("sid", false);
        for value in [
            &b"sid=abc"[..],
            b"a=1; sid=abc; b=2",
            b"sid=\"quoted\"",
            b"sid=",
            b"sidx=1",
            b"x=\xff; sid=ab\xffc",
        ] {
            let header = HeaderValue::from_bytes(value).expect("a header value");
            assert_eq!(cookie.read_header(&header), cookie.read(&headers(&[value])));
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_not_refused() {
        let cookie = SessionCookie::new("sid", false);
        assert_eq!(
            cookie.read(&headers(&[b"x=\xff", b"sid=ab\xffc"])),
            Some("ab\u{fffd}c".to_string())
        );
        assert_eq!(
            cookie.read(&headers(&[b"sid=caf\xc3\xa9"])),
            Some("caf\u{e9}".to_string())
        );
    }

    #[test]
    fn the_login_cookie_carries_max_age_only_when_sessions_expire() {
        let cookie = SessionCookie::new("_my_session_id", false);
        let never = cookie
            .login("abc", SessionDuration::from_seconds(0))
            .expect("valid");
        assert_eq!(never, "_my_session_id=abc; Path=/; HttpOnly; SameSite=Lax");
        let minute = cookie
            .login("abc", SessionDuration::from_seconds(60))
            .expect("valid");
        assert_eq!(
            minute,
            "_my_session_id=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
    }

    #[test]
    fn secure_cookies_say_so_on_login_and_logout() {
        let cookie = SessionCookie::new("sid", true);
        let login = cookie
            .login("abc", SessionDuration::from_seconds(0))
            .expect("valid");
        assert_eq!(login, "sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure");
        let logout = cookie.logout().expect("valid");
        assert_eq!(
            logout,
            "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn a_malformed_session_id_is_an_error_not_a_panic() {
        let cookie = SessionCookie::new("sid", false);
        let result = cookie.login("bad\nid", SessionDuration::from_seconds(0));
        assert!(matches!(result, Err(ApiError::Unavailable { .. })));
    }
}

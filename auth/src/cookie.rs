//! Reading the session cookie the way Werkzeug parses a `Cookie` header.

/// Returns the value of the cookie called `name` from the request's `Cookie` header values
/// (several headers are read in order; the first cookie with that name wins), or `None`.
pub fn session_cookie<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Option<String> {
    let _ = (cookie_headers.into_iter().count(), name);
    todo!("auth helper")
}

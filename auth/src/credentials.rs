//! The credentials a request carries, extracted once at the edge.

/// What the authentication filter reads from a request: the raw `Authorization` value and the
/// session cookie's value. Either may be present but empty (the empty string counts as present).
/// The client's address comes along for the login throttle.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestCredentials {
    /// The `Authorization` header as received, if the request has one.
    pub authorization: Option<String>,
    /// The value of the cookie named `SESSION_NAME`, if the request has one.
    pub session_cookie: Option<String>,
    /// The TCP peer's address, `None` when unknown (then only per-account limits apply).
    pub client_addr: Option<std::net::IpAddr>,
}

impl RequestCredentials {
    /// Tells whether the request carries no credential at all (the filter's 401 case).
    pub fn is_empty(&self) -> bool {
        self.authorization.is_none() && self.session_cookie.is_none()
    }
}

impl std::fmt::Debug for RequestCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Both values are secrets: only their presence is ever printed.
        f.debug_struct("RequestCredentials")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "session_cookie",
                &self.session_cookie.as_ref().map(|_| "<redacted>"),
            )
            .field("client_addr", &self.client_addr)
            .finish()
    }
}

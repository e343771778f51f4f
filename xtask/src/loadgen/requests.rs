//! The HTTP requests a workload sends, built as hyper requests.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE, HOST};
use hyper::{Method, Request};

use super::plan::RequestSpec;

/// The request type the generator sends: a body held entirely in memory.
pub type OutgoingRequest = Request<Full<Bytes>>;

/// The login path of the service.
pub const LOGIN_PATH: &str = "/api/v1/auth_session/login";

/// The logout path of the service.
pub const LOGOUT_PATH: &str = "/api/v1/auth_session/logout";

/// The user-creation path of the service.
pub const USERS_PATH: &str = "/api/v1/users";

/// Builds the request `spec` describes, addressed to `host`; a malformed part is a message.
pub fn from_spec(spec: &RequestSpec, host: &HeaderValue) -> Result<OutgoingRequest, String> {
    let method = Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| format!("invalid method {:?}", spec.method))?;
    let mut builder = Request::builder()
        .method(method)
        .uri(spec.path.as_str())
        .header(HOST, host.clone());
    for (name, value) in &spec.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        // The value may be a credential: it is never echoed in the message.
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("invalid value for header {name}"))?;
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(spec.body.clone())))
        .map_err(|error| format!("invalid request for {}: {error}", spec.path))
}

/// `POST /api/v1/auth_session/login` with the form fields `email` and `password`.
pub fn login(host: &HeaderValue, email: &str, password: &str) -> OutgoingRequest {
    let body = format!(
        "email={}&password={}",
        form_urlencode(email),
        form_urlencode(password)
    );
    with_body(
        Method::POST,
        LOGIN_PATH,
        host,
        "application/x-www-form-urlencoded",
        body,
    )
}

/// `DELETE /api/v1/auth_session/logout` carrying `cookie` (`name=value`).
pub fn logout(host: &HeaderValue, cookie: HeaderValue) -> OutgoingRequest {
    let mut request = Request::new(Full::new(Bytes::new()));
    *request.method_mut() = Method::DELETE;
    *request.uri_mut() = hyper::Uri::from_static(LOGOUT_PATH);
    request.headers_mut().insert(HOST, host.clone());
    request.headers_mut().insert(COOKIE, cookie);
    request
}

/// `POST /api/v1/users` with the JSON body `{"email": ..., "password": ...}`.
pub fn create_user(host: &HeaderValue, email: &str, password: &str) -> OutgoingRequest {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    with_body(Method::POST, USERS_PATH, host, "application/json", body)
}

/// The email of the `sequence`-th user created by `connection` in the run tagged `tag`.
pub fn unique_email(tag: &str, connection: usize, sequence: u64) -> String {
    format!("created-{tag}-{connection}-{sequence}@bench.example")
}

/// The `name=value` part of a `Set-Cookie` value when it sets the cookie `name`.
pub fn cookie_pair<'a>(set_cookie: &'a str, name: &str) -> Option<&'a str> {
    let pair = set_cookie.split(';').next()?.trim();
    let (found, value) = pair.split_once('=')?;
    (found == name && !value.is_empty()).then_some(pair)
}

/// Encodes `text` as an `application/x-www-form-urlencoded` value: unreserved characters as
/// they are, spaces as `+`, every other byte as `%XX`.
pub fn form_urlencode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte));
            }
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// A request with a body of the given content type.
fn with_body(
    method: Method,
    path: &'static str,
    host: &HeaderValue,
    content_type: &'static str,
    body: String,
) -> OutgoingRequest {
    let mut request = Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = method;
    *request.uri_mut() = hyper::Uri::from_static(path);
    request.headers_mut().insert(HOST, host.clone());
    request
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    request
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn host() -> HeaderValue {
        HeaderValue::from_static("127.0.0.1:9")
    }

    async fn body_text(request: OutgoingRequest) -> String {
        let bytes = request
            .into_body()
            .collect()
            .await
            .expect("an in-memory body cannot fail")
            .to_bytes();
        String::from_utf8(bytes.to_vec()).expect("the body is text")
    }

    #[test]
    fn form_values_escape_everything_but_unreserved_characters() {
        assert_eq!(
            form_urlencode("bench@bench.example"),
            "bench%40bench.example"
        );
        assert_eq!(form_urlencode("a b&c=d!"), "a+b%26c%3Dd%21");
        assert_eq!(form_urlencode("é"), "%C3%A9");
        assert_eq!(form_urlencode("Az09-._~"), "Az09-._~");
    }

    #[test]
    fn the_session_cookie_is_taken_from_set_cookie() {
        let header = "_my_session_id=abc-123; Path=/; HttpOnly; SameSite=Lax";
        assert_eq!(
            cookie_pair(header, "_my_session_id"),
            Some("_my_session_id=abc-123")
        );
        assert_eq!(cookie_pair(header, "other"), None);
        assert_eq!(
            cookie_pair("_my_session_id=; Max-Age=0", "_my_session_id"),
            None
        );
    }

    #[tokio::test]
    async fn the_login_request_is_a_form_post() {
        let request = login(&host(), "bench@bench.example", "pass word");
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().path(), LOGIN_PATH);
        assert_eq!(
            request.headers().get(CONTENT_TYPE),
            Some(&HeaderValue::from_static(
                "application/x-www-form-urlencoded"
            ))
        );
        assert_eq!(request.headers().get(HOST), Some(&host()));
        assert_eq!(
            body_text(request).await,
            "email=bench%40bench.example&password=pass+word"
        );
    }

    #[tokio::test]
    async fn the_creation_request_is_json() {
        let request = create_user(&host(), "a@b.example", "pw\"1");
        assert_eq!(request.uri().path(), USERS_PATH);
        let body: serde_json::Value =
            serde_json::from_str(&body_text(request).await).expect("the body is JSON");
        assert_eq!(
            body,
            serde_json::json!({"email": "a@b.example", "password": "pw\"1"})
        );
    }

    #[test]
    fn the_logout_request_carries_the_cookie() {
        let request = logout(&host(), HeaderValue::from_static("_my_session_id=x"));
        assert_eq!(request.method(), Method::DELETE);
        assert_eq!(request.uri().path(), LOGOUT_PATH);
        assert_eq!(
            request.headers().get(COOKIE),
            Some(&HeaderValue::from_static("_my_session_id=x"))
        );
    }

    #[test]
    fn a_spec_becomes_a_request_and_bad_parts_are_refused() {
        let spec = RequestSpec::get(
            "/api/v1/users/me",
            vec![("Cookie".to_string(), "_my_session_id=x".to_string())],
        );
        let request = from_spec(&spec, &host()).expect("a valid spec");
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri().path(), "/api/v1/users/me");
        assert!(request.headers().contains_key(COOKIE));

        let bad_header = RequestSpec::get("/", vec![("Bad Name".to_string(), "v".to_string())]);
        assert!(from_spec(&bad_header, &host()).is_err());
        let bad_value = RequestSpec::get("/", vec![("Cookie".to_string(), "a\nb".to_string())]);
        let message = from_spec(&bad_value, &host()).expect_err("a newline is refused");
        assert!(
            !message.contains("a\nb"),
            "the value is not echoed: {message}"
        );
    }

    #[test]
    fn emails_differ_by_tag_connection_and_sequence() {
        let emails = [
            unique_email("t1", 0, 0),
            unique_email("t1", 0, 1),
            unique_email("t1", 1, 0),
            unique_email("t2", 0, 0),
        ];
        let mut distinct = emails.to_vec();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), emails.len());
    }
}

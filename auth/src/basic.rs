//! HTTP Basic authentication: the original's `BasicAuth` and its parsing steps.
//!
//! The three parsing steps stay separate public functions, as in the original, so each can be
//! tested against the task pages' examples; [`BasicAuth`] chains them and checks the password.

use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::{
    Accounts, Attempt, AuthError, Authenticator, CredentialCheck, Recognition, RequestCredentials,
};

/// The scheme prefix, exactly as the original tests it: capital `B`, one space.
const BASIC_PREFIX: &str = "Basic ";

/// Returns the Base64 part of an `Authorization` value: everything after exactly `Basic `
/// (possibly empty), or `None` when the value is missing or uses another scheme.
pub fn extract_base64_authorization_header(header: Option<&str>) -> Option<&str> {
    header?.strip_prefix(BASIC_PREFIX)
}

/// Decodes strict RFC 4648 Base64 (standard alphabet, `=` padding) into UTF-8 text; `None` when
/// the value is missing, is not such Base64 (SPEC Q17), or does not decode to UTF-8.
pub fn decode_base64_authorization_header(value: Option<&str>) -> Option<String> {
    let bytes = STANDARD.decode(value?).ok()?;
    String::from_utf8(bytes).ok()
}

/// Splits decoded credentials at the first `:` into `(email, password)`; the password may hold
/// more colons and either part may be empty. `None` when the value is missing or has no `:`.
pub fn extract_user_credentials(value: Option<&str>) -> Option<(String, String)> {
    let (email, password) = value?.split_once(':')?;
    Some((email.to_string(), password.to_string()))
}

/// HTTP Basic authentication against the user store (`AUTH_TYPE=basic_auth`).
pub struct BasicAuth {
    accounts: Arc<Accounts>,
}

impl BasicAuth {
    /// Creates the mechanism, checking passwords through `accounts`.
    pub fn new(accounts: Arc<Accounts>) -> Self {
        BasicAuth { accounts }
    }
}

#[async_trait]
impl Authenticator for BasicAuth {
    async fn authenticate(
        &self,
        credentials: &RequestCredentials,
    ) -> Result<Recognition, AuthError> {
        // Another scheme (or none) is not ours: a later mechanism, such as a session cookie,
        // gets its turn, and if none recognises the request the filter answers 403.
        let Some(encoded) =
            extract_base64_authorization_header(credentials.authorization.as_deref())
        else {
            return Ok(Recognition::NotMine);
        };
        let decoded = decode_base64_authorization_header(Some(encoded));
        let Some((email, password)) = extract_user_credentials(decoded.as_deref()) else {
            return Ok(Recognition::Rejected);
        };
        // A header that does not parse names no account and costs no Argon2, so only real
        // password checks count against the throttle.
        match self
            .accounts
            .attempt(&email, &password, credentials.client_addr)
            .await?
        {
            Attempt::Checked(CredentialCheck::Valid(user)) => {
                Ok(Recognition::Authenticated(Arc::new(user)))
            }
            Attempt::Checked(CredentialCheck::UnknownEmail | CredentialCheck::WrongPassword) => {
                Ok(Recognition::Rejected)
            }
            Attempt::Throttled(retry_after) => Ok(Recognition::Throttled(retry_after)),
        }
    }

    fn authenticate_now(
        &self,
        credentials: &RequestCredentials,
    ) -> Option<Result<Recognition, AuthError>> {
        // Only "not mine" is known without waiting: a password check is never done at once.
        extract_base64_authorization_header(credentials.authorization.as_deref())
            .is_none()
            .then_some(Ok(Recognition::NotMine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{accounts, stored_user, users_with};

    #[test]
    fn ba7_extract_keeps_what_follows_basic_and_one_space() {
        let cases = [
            (None, None),
            (Some("Holberton School"), None),
            (Some("Basic Holberton"), Some("Holberton")),
            (Some("Basic SG9sYmVydG9u"), Some("SG9sYmVydG9u")),
            (
                Some("Basic SG9sYmVydG9uIFNjaG9vbA=="),
                Some("SG9sYmVydG9uIFNjaG9vbA=="),
            ),
            (Some("Basic1234"), None),
            (Some("basic xyz"), None),
            (Some("Basic "), Some("")),
            (Some("Basic  two"), Some(" two")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                extract_base64_authorization_header(input),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn ba8_decode_accepts_only_strict_base64_of_utf8() {
        let cases = [
            (None, None),
            (Some("Holberton School"), None),
            (Some("SG9sYmVydG9u"), Some("Holberton")),
            (Some("SG9sYmVydG9uIFNjaG9vbA=="), Some("Holberton School")),
            (Some("SG9sYmVydG9uIFNjaG9vbA"), None),
            (Some("test"), None),
            (Some("//79"), None),
            (Some(""), Some("")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                decode_base64_authorization_header(input).as_deref(),
                expected,
                "{input:?}"
            );
        }
        let chained = decode_base64_authorization_header(extract_base64_authorization_header(
            Some("Basic SG9sYmVydG9uIFNjaG9vbA=="),
        ));
        assert_eq!(chained.as_deref(), Some("Holberton School"));
    }

    fn pair(email: &str, password: &str) -> Option<(String, String)> {
        Some((email.to_string(), password.to_string()))
    }

    #[test]
    fn ba9_credentials_split_at_the_colon() {
        assert_eq!(extract_user_credentials(None), None);
        assert_eq!(extract_user_credentials(Some("Holberton School")), None);
        assert_eq!(
            extract_user_credentials(Some("Holberton:School")),
            pair("Holberton", "School")
        );
        assert_eq!(
            extract_user_credentials(Some("bob@gmail.com:toto1234")),
            pair("bob@gmail.com", "toto1234")
        );
        assert_eq!(extract_user_credentials(Some(":")), pair("", ""));
        assert_eq!(extract_user_credentials(Some("a:")), pair("a", ""));
    }

    #[test]
    fn ba12_the_password_may_contain_colons() {
        assert_eq!(
            extract_user_credentials(Some("bob100@hbtn.io:H0lberton:School:98!")),
            pair("bob100@hbtn.io", "H0lberton:School:98!")
        );
    }

    fn with_header(value: &str) -> RequestCredentials {
        RequestCredentials {
            authorization: Some(value.to_string()),
            session_cookie: None,
            client_addr: None,
        }
    }

    fn basic_header(email: &str, password: &str) -> RequestCredentials {
        with_header(&format!(
            "Basic {}",
            STANDARD.encode(format!("{email}:{password}"))
        ))
    }

    #[tokio::test]
    async fn ba10_the_right_password_authenticates_the_user() {
        let user = stored_user("u4@hbtn.io", "pwd-of-u4", Some("Bob"), Some("Dylan"));
        let auth = BasicAuth::new(accounts(users_with(vec![user.clone()])));
        let recognition = auth
            .authenticate(&basic_header("u4@hbtn.io", "pwd-of-u4"))
            .await
            .expect("no storage error");
        match recognition {
            Recognition::Authenticated(found) => {
                assert_eq!(found.id, user.id);
                assert_eq!(found.display_name(), "Bob Dylan");
            }
            other => panic!("expected the user, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn ba10_unknown_emails_and_wrong_passwords_are_rejected() {
        let user = stored_user("u4@hbtn.io", "pwd-of-u4", None, None);
        let auth = BasicAuth::new(accounts(users_with(vec![user])));
        for header in [
            basic_header("email@notfound.com", "pwd"),
            basic_header("u4@hbtn.io", "pwd"),
            basic_header("", ""),
        ] {
            let recognition = auth.authenticate(&header).await.expect("no storage error");
            assert_eq!(recognition, Recognition::Rejected);
        }
    }

    #[tokio::test]
    async fn a_basic_header_that_does_not_parse_is_rejected() {
        let auth = BasicAuth::new(accounts(users_with(vec![])));
        // `test` decodes to bytes that are not UTF-8; the others are not Base64 or lack a colon.
        for value in [
            "Basic test",
            "Basic ",
            "Basic Holberton School",
            "Basic SG9sYmVydG9u",
        ] {
            let recognition = auth
                .authenticate(&with_header(value))
                .await
                .expect("no error");
            assert_eq!(recognition, Recognition::Rejected, "{value:?}");
        }
    }

    #[tokio::test]
    async fn other_schemes_and_missing_headers_are_not_mine() {
        let auth = BasicAuth::new(accounts(users_with(vec![])));
        for value in [
            "Test",
            "",
            "basic Ym9iQGhidG4uaW86cHc=",
            "Bearer x",
            "Basic1234",
        ] {
            let recognition = auth
                .authenticate(&with_header(value))
                .await
                .expect("no error");
            assert_eq!(recognition, Recognition::NotMine, "{value:?}");
        }
        let cookie_only = RequestCredentials {
            authorization: None,
            session_cookie: Some("sid".into()),
            client_addr: None,
        };
        let recognition = auth.authenticate(&cookie_only).await.expect("no error");
        assert_eq!(recognition, Recognition::NotMine);
    }

    #[tokio::test]
    async fn failed_basic_checks_are_throttled_before_any_password_is_checked() {
        let user = stored_user("u4@hbtn.io", "pwd-of-u4", None, None);
        let accounts = accounts(users_with(vec![user]));
        let auth = BasicAuth::new(Arc::clone(&accounts));
        let mut wrong = basic_header("u4@hbtn.io", "guess");
        wrong.client_addr = Some(std::net::IpAddr::from([192, 0, 2, 1]));
        for _ in 0..5 {
            let recognition = auth.authenticate(&wrong).await.expect("no error");
            assert_eq!(recognition, Recognition::Rejected);
        }
        let verified = accounts.hashing_stats().verifications;
        let right = basic_header("u4@hbtn.io", "pwd-of-u4");
        let recognition = auth.authenticate(&right).await.expect("no error");
        assert_eq!(
            recognition,
            Recognition::Throttled(crate::RetryAfter::from_seconds(300))
        );
        assert_eq!(accounts.hashing_stats().verifications, verified);
        // A header that does not parse names no account and is not throttled.
        let recognition = auth
            .authenticate(&with_header("Basic Holberton"))
            .await
            .expect("no error");
        assert_eq!(recognition, Recognition::Rejected);
    }
}

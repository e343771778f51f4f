//! A chain of mechanisms: the first that recognises the request's credentials decides.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{AuthError, Authenticator, Recognition, RequestCredentials};

/// Several mechanisms tried in order (`AUTH_TYPE=basic_auth,session_db_auth`).
///
/// The first mechanism whose answer is not [`Recognition::NotMine`] decides; when none
/// recognises the credentials the chain answers `NotMine`, which the filter turns into 403.
/// An empty chain is the original's base `Auth`: it guards paths but accepts nobody.
#[derive(Clone, Default)]
pub struct AuthChain {
    mechanisms: Vec<Arc<dyn Authenticator>>,
}

impl AuthChain {
    /// Creates a chain that tries `mechanisms` in order.
    pub fn new(mechanisms: Vec<Arc<dyn Authenticator>>) -> Self {
        AuthChain { mechanisms }
    }
}

#[async_trait]
impl Authenticator for AuthChain {
    async fn authenticate(
        &self,
        credentials: &RequestCredentials,
    ) -> Result<Recognition, AuthError> {
        for mechanism in &self.mechanisms {
            match mechanism.authenticate(credentials).await? {
                Recognition::NotMine => continue,
                decided => return Ok(decided),
            }
        }
        Ok(Recognition::NotMine)
    }

    fn authenticate_now(
        &self,
        credentials: &RequestCredentials,
    ) -> Option<Result<Recognition, AuthError>> {
        // A mechanism that must wait sends the whole chain down the `async` path, which asks
        // the earlier ones again: an answer given at once changes nothing, so that is safe.
        for mechanism in &self.mechanisms {
            match mechanism.authenticate_now(credentials)? {
                Ok(Recognition::NotMine) => continue,
                decided => return Some(decided),
            }
        }
        Some(Ok(Recognition::NotMine))
    }
}

#[cfg(test)]
mod tests {
    use domain::{NewUser, PasswordHash, Timestamp, User};

    use super::*;
    use crate::MockAuthenticator;

    fn user() -> User {
        let now: Timestamp = "2020-01-01T00:00:00".parse().expect("valid");
        let input = NewUser {
            email: "a@b.c".into(),
            password: String::new(),
            first_name: None,
            last_name: None,
        };
        User::new(input, PasswordHash::legacy_sha256("pw"), now)
    }

    fn answering(recognition: Recognition) -> Arc<dyn Authenticator> {
        let mut mock = MockAuthenticator::new();
        mock.expect_authenticate()
            .times(1)
            .returning(move |_| Ok(recognition.clone()));
        Arc::new(mock)
    }

    fn never_asked() -> Arc<dyn Authenticator> {
        let mut mock = MockAuthenticator::new();
        mock.expect_authenticate().never();
        Arc::new(mock)
    }

    fn failing() -> Arc<dyn Authenticator> {
        let mut mock = MockAuthenticator::new();
        mock.expect_authenticate()
            .times(1)
            .returning(|_| Err(AuthError::Task("boom".into())));
        Arc::new(mock)
    }

    async fn run(chain: AuthChain) -> Result<Recognition, AuthError> {
        let credentials = RequestCredentials {
            authorization: Some("Test".into()),
            session_cookie: None,
            client_addr: None,
        };
        chain.authenticate(&credentials).await
    }

    #[tokio::test]
    async fn the_first_mechanism_that_recognises_the_request_decides() {
        let user = user();
        let chain = AuthChain::new(vec![
            answering(Recognition::NotMine),
            answering(Recognition::Authenticated(Arc::new(user.clone()))),
            never_asked(),
        ]);
        let recognition = run(chain).await.expect("no error");
        assert_eq!(recognition, Recognition::Authenticated(Arc::new(user)));
    }

    #[tokio::test]
    async fn a_rejection_decides_too() {
        let chain = AuthChain::new(vec![answering(Recognition::Rejected), never_asked()]);
        assert_eq!(run(chain).await.expect("no error"), Recognition::Rejected);
    }

    #[tokio::test]
    async fn when_no_mechanism_recognises_the_request_the_chain_does_not_either() {
        let chain = AuthChain::new(vec![
            answering(Recognition::NotMine),
            answering(Recognition::NotMine),
        ]);
        assert_eq!(run(chain).await.expect("no error"), Recognition::NotMine);
    }

    #[tokio::test]
    async fn an_empty_chain_recognises_nothing() {
        assert_eq!(
            run(AuthChain::default()).await.expect("no error"),
            Recognition::NotMine
        );
    }

    #[tokio::test]
    async fn an_error_stops_the_chain_and_propagates() {
        let chain = AuthChain::new(vec![
            answering(Recognition::NotMine),
            failing(),
            never_asked(),
        ]);
        assert!(matches!(run(chain).await, Err(AuthError::Task(_))));
    }
}

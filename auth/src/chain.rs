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
}

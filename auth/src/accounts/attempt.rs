//! Password checks guarded by the login throttle: how logins and HTTP Basic check a password.

use std::net::IpAddr;

use crate::throttle::RetryAfter;
use crate::{Accounts, AuthError, CredentialCheck};

/// The outcome of [`Accounts::attempt`].
#[derive(Debug, Clone, PartialEq)]
// The check holds a `User` in its common success case; see `CredentialCheck`.
#[allow(clippy::large_enum_variant)]
pub enum Attempt {
    /// The password was checked; this is the result.
    Checked(CredentialCheck),
    /// Too many recent failures for this email or client address: nothing was checked.
    Throttled(RetryAfter),
}

impl Accounts {
    /// Checks an email and password like [`Accounts::check_credentials`], under the login
    /// throttle: a blocked email or client address is refused before any Argon2 work, a wrong
    /// password or unknown email counts as a failure of both, and a success clears the email's
    /// failures. `client` is the TCP peer's address, `None` when unknown (then only the
    /// per-account limit applies). Machinery errors count as nothing.
    ///
    /// The attempt is counted as a failure before the password is checked and taken back if it
    /// was not one, so that parallel guesses cannot all slip in before the first one fails. An
    /// attempt refused while other checks are under way waits (briefly) for them to settle and
    /// asks again, so correct logins in parallel are not refused for each other's sake.
    pub async fn attempt(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Attempt, AuthError> {
        let admitted = self
            .pending
            .admit_when_settled(|| self.throttle.admit(email, client))
            .await;
        // `_pending` settles when this function returns or is abandoned (the client went away).
        let (admission, _pending) = match admitted {
            Ok(admitted) => admitted,
            Err(retry_after) => return Ok(Attempt::Throttled(retry_after)),
        };
        let check = match self.check_credentials(email, password).await {
            Ok(check) => check,
            Err(err) => {
                self.throttle.withdraw(admission);
                return Err(err);
            }
        };
        match &check {
            CredentialCheck::Valid(_) => {
                self.throttle.withdraw(admission);
                self.throttle.record_success(email);
            }
            // Already counted by the admission.
            CredentialCheck::UnknownEmail | CredentialCheck::WrongPassword => {}
        }
        Ok(Attempt::Checked(check))
    }
}

#[cfg(test)]
mod tests;

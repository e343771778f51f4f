//! Logging in: check the password, then open a session.

use std::net::IpAddr;

use domain::User;

use crate::{Attempt, CredentialCheck, RetryAfter, SessionOrigin};

/// The outcome of `POST /auth_session/login` once the form fields are present.
#[derive(Debug, Clone, PartialEq)]
// A `User` in the success variant is the common case and each value is moved once, so boxing it
// would cost an allocation per request for nothing; the enum's shape is also public API.
#[allow(clippy::large_enum_variant)]
pub enum LoginOutcome {
    /// No user has this email (404 `no user found for this email`).
    UnknownEmail,
    /// Wrong password (401 `wrong password`).
    WrongPassword,
    /// Too many recent failures for this email or client address: the password was not checked
    /// (429 with `Retry-After`).
    Throttled(RetryAfter),
    /// Logged in: the user and the new session id for the cookie.
    LoggedIn {
        /// The authenticated user.
        user: User,
        /// The new session id.
        session_id: String,
    },
}

/// Checks the credentials under the login throttle (`client` is the peer's address, `None`
/// when unknown) and, when they are right, opens a session for the user.
pub async fn log_in(
    accounts: &crate::Accounts,
    sessions: &dyn crate::SessionManager,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<LoginOutcome, crate::AuthError> {
    log_in_from(accounts, sessions, email, password, client, None).await
}

/// Logs in like [`log_in`]; the session opened remembers the client's address and
/// `user_agent` (the login request's `User-Agent`), which its owner sees in their session list.
pub async fn log_in_from(
    accounts: &crate::Accounts,
    sessions: &dyn crate::SessionManager,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
    user_agent: Option<String>,
) -> Result<LoginOutcome, crate::AuthError> {
    let check = match accounts.attempt(email, password, client).await? {
        Attempt::Throttled(retry_after) => return Ok(LoginOutcome::Throttled(retry_after)),
        Attempt::Checked(check) => check,
    };
    match check {
        CredentialCheck::UnknownEmail => Ok(LoginOutcome::UnknownEmail),
        CredentialCheck::WrongPassword => Ok(LoginOutcome::WrongPassword),
        CredentialCheck::Valid(user) => {
            let origin = SessionOrigin {
                client_addr: client.map(|ip| ip.to_string()),
                user_agent,
            };
            let session_id = sessions.create_session(&user.id, origin).await?;
            Ok(LoginOutcome::LoggedIn { user, session_id })
        }
    }
}

#[cfg(test)]
mod tests;

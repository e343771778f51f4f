//! Logging in: check the password, then open a session.

use domain::User;

use crate::CredentialCheck;

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
    /// Logged in: the user and the new session id for the cookie.
    LoggedIn {
        /// The authenticated user.
        user: User,
        /// The new session id.
        session_id: String,
    },
}

/// Checks the credentials and, when they are right, opens a session for the user.
pub async fn log_in(
    accounts: &crate::Accounts,
    sessions: &dyn crate::SessionManager,
    email: &str,
    password: &str,
) -> Result<LoginOutcome, crate::AuthError> {
    match accounts.check_credentials(email, password).await? {
        CredentialCheck::UnknownEmail => Ok(LoginOutcome::UnknownEmail),
        CredentialCheck::WrongPassword => Ok(LoginOutcome::WrongPassword),
        CredentialCheck::Valid(user) => {
            let session_id = sessions.create_session(&user.id).await?;
            Ok(LoginOutcome::LoggedIn { user, session_id })
        }
    }
}

#[cfg(test)]
mod tests;

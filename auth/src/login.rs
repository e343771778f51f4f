//! Logging in: check the password, then open a session.

use domain::User;

/// The outcome of `POST /auth_session/login` once the form fields are present.
#[derive(Debug, Clone, PartialEq)]
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
    let _ = (accounts, sessions, email, password);
    todo!("auth helper")
}

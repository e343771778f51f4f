//! `AUTH_TYPE`: which mechanisms guard the API.

use thiserror::Error;

/// One authentication mechanism of the original project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// `auth`: the base class; paths are guarded but no credential is ever valid.
    Auth,
    /// `basic_auth`: HTTP Basic against the user store.
    Basic,
    /// `session_auth`: cookie sessions in process memory, never expiring.
    Session,
    /// `session_exp_auth`: cookie sessions in process memory, expiring after `SESSION_DURATION`.
    SessionExp,
    /// `session_db_auth`: cookie sessions in the session repository, expiring, surviving restarts.
    SessionDb,
}

/// The parsed value of `AUTH_TYPE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSetting {
    /// No authentication at all (`AUTH_TYPE` unset, empty or `none`).
    Off,
    /// The filter is on and these mechanisms are tried in order.
    On(Vec<Mechanism>),
}

/// Why an `AUTH_TYPE` value was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthConfigError {
    /// A name that is not a mechanism.
    #[error("unknown AUTH_TYPE {0:?}: valid values are none, auth, basic_auth, session_auth, session_exp_auth, session_db_auth, or a comma-separated list of mechanisms such as basic_auth,session_db_auth")]
    Unknown(String),
    /// More than one session mechanism in one list.
    #[error("AUTH_TYPE {0:?} lists more than one session mechanism; choose one of session_auth, session_exp_auth, session_db_auth")]
    SeveralSessionMechanisms(String),
}

impl AuthSetting {
    /// Parses `AUTH_TYPE` (unset, empty or `none`: off; otherwise one mechanism name or a
    /// comma-separated list of them, surrounding spaces ignored; names are case-sensitive).
    pub fn parse(value: Option<&str>) -> Result<AuthSetting, AuthConfigError> {
        let Some(raw) = value else {
            return Ok(AuthSetting::Off);
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed == "none" {
            return Ok(AuthSetting::Off);
        }
        let mechanisms = trimmed
            .split(',')
            .map(|item| Mechanism::from_name(item.trim()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AuthConfigError::Unknown(raw.to_string()))?;
        // Every occurrence counts, so `session_auth,session_auth` is refused too: the chain
        // would otherwise hold two independent session managers and login would pick one.
        let session_count = mechanisms.iter().filter(|m| m.is_session()).count();
        if session_count > 1 {
            return Err(AuthConfigError::SeveralSessionMechanisms(raw.to_string()));
        }
        Ok(AuthSetting::On(mechanisms))
    }

    /// Tells whether sessions must live in the persistent session store (`session_db_auth`).
    pub fn uses_persistent_sessions(&self) -> bool {
        match self {
            AuthSetting::Off => false,
            AuthSetting::On(mechanisms) => mechanisms.contains(&Mechanism::SessionDb),
        }
    }
}

impl Mechanism {
    /// Returns the mechanism an `AUTH_TYPE` item names (exact, case-sensitive), if any.
    pub fn from_name(name: &str) -> Option<Mechanism> {
        match name {
            "auth" => Some(Mechanism::Auth),
            "basic_auth" => Some(Mechanism::Basic),
            "session_auth" => Some(Mechanism::Session),
            "session_exp_auth" => Some(Mechanism::SessionExp),
            "session_db_auth" => Some(Mechanism::SessionDb),
            _ => None,
        }
    }

    /// Returns the mechanism's `AUTH_TYPE` name.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Auth => "auth",
            Mechanism::Basic => "basic_auth",
            Mechanism::Session => "session_auth",
            Mechanism::SessionExp => "session_exp_auth",
            Mechanism::SessionDb => "session_db_auth",
        }
    }

    /// Tells whether this is one of the three cookie-session mechanisms.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Mechanism::Session | Mechanism::SessionExp | Mechanism::SessionDb
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(mechanisms: &[Mechanism]) -> Result<AuthSetting, AuthConfigError> {
        Ok(AuthSetting::On(mechanisms.to_vec()))
    }

    #[test]
    fn unset_empty_or_none_turns_authentication_off() {
        for value in [None, Some(""), Some("   "), Some("none"), Some(" none ")] {
            assert_eq!(AuthSetting::parse(value), Ok(AuthSetting::Off), "{value:?}");
        }
    }

    #[test]
    fn each_mechanism_name_is_recognised() {
        let cases = [
            ("auth", Mechanism::Auth),
            ("basic_auth", Mechanism::Basic),
            ("session_auth", Mechanism::Session),
            ("session_exp_auth", Mechanism::SessionExp),
            ("session_db_auth", Mechanism::SessionDb),
        ];
        for (name, mechanism) in cases {
            assert_eq!(AuthSetting::parse(Some(name)), on(&[mechanism]));
            assert_eq!(mechanism.name(), name);
        }
    }

    #[test]
    fn a_list_keeps_its_order_and_ignores_spaces_around_items() {
        assert_eq!(
            AuthSetting::parse(Some(" basic_auth , session_db_auth ")),
            on(&[Mechanism::Basic, Mechanism::SessionDb])
        );
        assert_eq!(
            AuthSetting::parse(Some("session_auth,basic_auth")),
            on(&[Mechanism::Session, Mechanism::Basic])
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_whole_value() {
        for value in [
            "Basic_Auth",
            "basic",
            "basic_auth,",
            ",basic_auth",
            "basic_auth,none",
            "basic_auth;session_auth",
            "NONE",
        ] {
            assert_eq!(
                AuthSetting::parse(Some(value)),
                Err(AuthConfigError::Unknown(value.to_string())),
                "{value:?}"
            );
        }
    }

    #[test]
    fn two_session_mechanisms_in_one_list_are_refused() {
        for value in [
            "session_auth,session_db_auth",
            "basic_auth,session_exp_auth,session_auth",
            "session_auth,session_auth",
        ] {
            assert_eq!(
                AuthSetting::parse(Some(value)),
                Err(AuthConfigError::SeveralSessionMechanisms(value.to_string()))
            );
        }
    }

    #[test]
    fn the_error_message_lists_the_valid_values() {
        let message = AuthConfigError::Unknown("x".into()).to_string();
        for name in [
            "none",
            "auth",
            "basic_auth",
            "session_auth",
            "session_exp_auth",
        ] {
            assert!(message.contains(name), "{name} in {message}");
        }
    }

    #[test]
    fn only_session_db_auth_uses_persistent_sessions() {
        let persistent = |value| {
            AuthSetting::parse(Some(value))
                .expect("valid setting")
                .uses_persistent_sessions()
        };
        assert!(persistent("session_db_auth"));
        assert!(persistent("basic_auth,session_db_auth"));
        assert!(!persistent("session_exp_auth"));
        assert!(!persistent("basic_auth"));
        assert!(!persistent("none"));
    }
}

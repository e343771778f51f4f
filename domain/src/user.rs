//! The `User` record: its stored shape, its public JSON shape and its display name.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{new_id, PasswordHash, Timestamp};

/// A user, as kept in `.db_User.json` by the original project.
///
/// Every field but the identifiers may be null in files the original wrote (it accepted null
/// emails and passwords), so they are options here. Attributes this version does not know are
/// kept in `extra` and written back unchanged, so nothing in a data file is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The record id (UUID4 text for records this service creates).
    pub id: String,
    /// When the user was created (UTC).
    pub created_at: Timestamp,
    /// When the user was last saved (UTC).
    pub updated_at: Timestamp,
    /// The login email; unique for users created by this service.
    pub email: Option<String>,
    /// The stored password hash (`_password` on disk; never in API output).
    #[serde(rename = "_password")]
    pub password: Option<PasswordHash>,
    /// Optional first name.
    pub first_name: Option<String>,
    /// Optional last name.
    pub last_name: Option<String>,
    /// Attributes found in a data file that this version does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The validated input for creating a user: parsed once at the edge, trusted afterwards.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The login email, non-empty.
    pub email: String,
    /// The plain-text password, non-empty; hashed before it is stored.
    pub password: String,
    /// Optional first name.
    pub first_name: Option<String>,
    /// Optional last name.
    pub last_name: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .finish()
    }
}

/// The public JSON representation of a user: the original's `to_json()` without `_password`,
/// keys in sorted order as Flask prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicUser<'a> {
    /// Creation time.
    pub created_at: Timestamp,
    /// Email (may be null for records the original created).
    pub email: Option<&'a str>,
    /// First name or null.
    pub first_name: Option<&'a str>,
    /// Record id.
    pub id: &'a str,
    /// Last name or null.
    pub last_name: Option<&'a str>,
    /// Last update time.
    pub updated_at: Timestamp,
}

impl User {
    /// Builds a new user from validated input and an already computed password hash.
    pub fn new(input: NewUser, password: PasswordHash, now: Timestamp) -> Self {
        User {
            id: new_id(),
            created_at: now,
            updated_at: now,
            email: Some(input.email),
            password: Some(password),
            first_name: input.first_name,
            last_name: input.last_name,
            extra: Map::new(),
        }
    }

    /// Returns the representation sent in API responses (no password).
    pub fn public(&self) -> PublicUser<'_> {
        PublicUser {
            created_at: self.created_at,
            email: self.email.as_deref(),
            first_name: self.first_name.as_deref(),
            id: &self.id,
            last_name: self.last_name.as_deref(),
            updated_at: self.updated_at,
        }
    }

    /// Returns the name to show for this user, following the original's rules: both names,
    /// else the one name present, else the email, else the empty string.
    pub fn display_name(&self) -> String {
        match (&self.first_name, &self.last_name) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            (Some(first), None) => first.clone(),
            (None, Some(last)) => last.clone(),
            (None, None) => self.email.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_RECORD: &str = r#"{"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}"#;

    fn user(first: Option<&str>, last: Option<&str>, email: Option<&str>) -> User {
        let mut user: User = serde_json::from_str(SEED_RECORD).expect("seed record parses");
        user.first_name = first.map(str::to_string);
        user.last_name = last.map(str::to_string);
        user.email = email.map(str::to_string);
        user
    }

    #[test]
    fn a_record_written_by_the_original_parses() {
        let user: User = serde_json::from_str(SEED_RECORD).expect("parses");
        assert_eq!(user.id, "d1b1d8ac-be5b-4849-b2ba-439092b4c05b");
        assert_eq!(user.email.as_deref(), Some("bobsession@hbtn.io"));
        assert!(user.password.as_ref().is_some_and(PasswordHash::is_legacy));
        assert_eq!(user.created_at.to_string(), "2017-10-16T04:23:04");
        assert!(user.extra.is_empty());
    }

    #[test]
    fn stored_form_keeps_the_original_keys_in_order() {
        let user: User = serde_json::from_str(SEED_RECORD).expect("parses");
        let value = serde_json::to_value(&user).expect("serialises");
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "created_at",
                "updated_at",
                "email",
                "_password",
                "first_name",
                "last_name"
            ]
        );
    }

    #[test]
    fn unknown_attributes_survive_a_round_trip() {
        let text = SEED_RECORD.replace("\"last_name\": null", "\"last_name\": null, \"age\": 42");
        let user: User = serde_json::from_str(&text).expect("parses");
        assert_eq!(user.extra.get("age"), Some(&Value::from(42)));
        let back = serde_json::to_value(&user).expect("serialises");
        assert_eq!(back["age"], Value::from(42));
    }

    #[test]
    fn null_email_and_password_from_the_original_are_accepted() {
        let text = SEED_RECORD
            .replace("\"bobsession@hbtn.io\"", "null")
            .replace(
                "\"7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967\"",
                "null",
            );
        let user: User = serde_json::from_str(&text).expect("parses");
        assert_eq!(user.email, None);
        assert_eq!(user.password, None);
    }

    #[test]
    fn the_public_form_hides_the_password_and_sorts_keys() {
        let user: User = serde_json::from_str(SEED_RECORD).expect("parses");
        let text = serde_json::to_string(&user.public()).expect("serialises");
        assert_eq!(
            text,
            r#"{"created_at":"2017-10-16T04:23:04","email":"bobsession@hbtn.io","first_name":null,"id":"d1b1d8ac-be5b-4849-b2ba-439092b4c05b","last_name":null,"updated_at":"2017-10-16T04:23:04"}"#
        );
    }

    #[test]
    fn display_name_follows_the_original_rules() {
        assert_eq!(user(None, None, None).display_name(), "");
        assert_eq!(
            user(None, None, Some("bob@hbtn.io")).display_name(),
            "bob@hbtn.io"
        );
        assert_eq!(user(Some("Bob"), None, Some("e")).display_name(), "Bob");
        assert_eq!(user(None, Some("Dylan"), Some("e")).display_name(), "Dylan");
        assert_eq!(
            user(Some("Bob"), Some("Dylan"), Some("e")).display_name(),
            "Bob Dylan"
        );
        assert_eq!(user(Some(""), None, Some("e")).display_name(), "");
    }

    #[test]
    fn a_new_user_gets_an_id_and_equal_timestamps() {
        let now: Timestamp = "2020-01-01T00:00:00".parse().expect("valid");
        let input = NewUser {
            email: "a@b.c".into(),
            password: "pw".into(),
            first_name: Some("Al".into()),
            last_name: None,
        };
        assert!(!format!("{input:?}").contains("pw\""));
        let user = User::new(input, PasswordHash::legacy_sha256("pw"), now);
        assert_eq!(user.id.len(), 36);
        assert_eq!(user.created_at, now);
        assert_eq!(user.updated_at, now);
        assert_eq!(user.first_name.as_deref(), Some("Al"));
    }
}

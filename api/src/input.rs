//! Request input as typed values: a new user, a name change, login credentials.
//!
//! Each function turns a parsed body into the value the account service takes, or into the
//! original's error answer. Checks run in the original's order (email, then password).

use auth::NameChange;
use domain::NewUser;
use serde_json::Value;

use crate::body::{FormFields, JsonObject};
use crate::error::ApiError;

/// Reads `POST /users`: `email` and `password` must be non-empty strings (D5); names are strings,
/// null or absent; anything else is `Wrong format`. Other keys are ignored.
pub fn new_user(object: &JsonObject) -> Result<NewUser, ApiError> {
    let email = required_text(object, "email").ok_or(ApiError::EmailMissing)?;
    let password = required_text(object, "password").ok_or(ApiError::PasswordMissing)?;
    Ok(NewUser {
        email,
        password,
        first_name: optional_text(object, "first_name")?,
        last_name: optional_text(object, "last_name")?,
    })
}

/// Reads `PUT /users/<id>`: a name that is a string is set (even empty), null or absent leaves
/// it unchanged, any other type is `Wrong format` (D7). Other keys are ignored.
pub fn name_change(object: &JsonObject) -> Result<NameChange, ApiError> {
    Ok(NameChange {
        first_name: optional_text(object, "first_name")?,
        last_name: optional_text(object, "last_name")?,
    })
}

/// The email and password of a login form.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginForm {
    /// The email, non-empty, as sent (not trimmed).
    pub email: String,
    /// The password, non-empty, as sent.
    pub password: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Reads the login form: the first `email` and `password` fields, each required non-empty.
pub fn login_form(fields: &FormFields) -> Result<LoginForm, ApiError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    };
    let email = field("email").ok_or(ApiError::EmailMissing)?;
    let password = field("password").ok_or(ApiError::PasswordMissing)?;
    Ok(LoginForm { email, password })
}

/// The two passwords of `PUT /users/me/password`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordChangeForm {
    /// The password the caller has now, non-empty.
    pub current_password: String,
    /// The password to set, non-empty.
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChangeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChangeForm")
            .field("current_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// Reads `PUT /users/me/password`: `current_password` then `new_password` must be non-empty
/// strings; other keys are ignored.
pub fn password_change(object: &JsonObject) -> Result<PasswordChangeForm, ApiError> {
    let current_password =
        required_text(object, "current_password").ok_or(ApiError::CurrentPasswordMissing)?;
    let new_password = required_text(object, "new_password").ok_or(ApiError::NewPasswordMissing)?;
    Ok(PasswordChangeForm {
        current_password,
        new_password,
    })
}

fn required_text(object: &JsonObject, key: &str) -> Option<String> {
    match object.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}

fn optional_text(object: &JsonObject, key: &str) -> Result<Option<String>, ApiError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::WrongFormat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            _ => panic!("test input must be an object"),
        }
    }

    #[test]
    fn a_new_user_needs_a_text_email_and_password() {
        let cases = [
            (json!({}), "email missing"),
            (json!({"email": ""}), "email missing"),
            (json!({"email": null}), "email missing"),
            (json!({"email": 5}), "email missing"),
            (json!({"email": "a@b.c"}), "password missing"),
            (
                json!({"email": "a@b.c", "password": ""}),
                "password missing",
            ),
            (
                json!({"email": "a@b.c", "password": ["x"]}),
                "password missing",
            ),
            (
                json!({"email": "a@b.c", "password": "pw", "first_name": 1}),
                "Wrong format",
            ),
            (
                json!({"email": "a@b.c", "password": "pw", "last_name": {}}),
                "Wrong format",
            ),
            (json!({"first_name": 1}), "email missing"),
        ];
        for (input, expected) in cases {
            let error = new_user(&object(input.clone())).expect_err("refused");
            assert_eq!(error.to_string(), expected, "{input}");
        }
    }

    #[test]
    fn a_new_user_keeps_names_and_ignores_other_keys() {
        let input = object(json!({
            "email": "a@b.c", "password": "pw", "first_name": "Al", "last_name": null, "id": "x"
        }));
        let user = new_user(&input).expect("valid");
        assert_eq!(user.email, "a@b.c");
        assert_eq!(user.password, "pw");
        assert_eq!(user.first_name.as_deref(), Some("Al"));
        assert_eq!(user.last_name, None);
    }

    #[test]
    fn a_name_change_sets_strings_and_skips_nulls() {
        let change = name_change(&object(
            json!({"last_name": "Z", "first_name": null, "email": 3}),
        ))
        .expect("valid");
        assert_eq!(change.first_name, None);
        assert_eq!(change.last_name.as_deref(), Some("Z"));
        let empty = name_change(&object(json!({"first_name": ""}))).expect("valid");
        assert_eq!(empty.first_name.as_deref(), Some(""));
        for bad in [
            json!({"first_name": 1}),
            json!({"last_name": true}),
            json!({"last_name": []}),
        ] {
            assert!(matches!(
                name_change(&object(bad)),
                Err(ApiError::WrongFormat)
            ));
        }
    }

    #[test]
    fn a_password_change_needs_both_passwords_as_text() {
        let cases = [
            (json!({}), "current_password missing"),
            (json!({"current_password": ""}), "current_password missing"),
            (json!({"current_password": 1}), "current_password missing"),
            (json!({"current_password": "a"}), "new_password missing"),
            (
                json!({"current_password": "a", "new_password": null}),
                "new_password missing",
            ),
            (
                json!({"current_password": "a", "new_password": ""}),
                "new_password missing",
            ),
        ];
        for (input, expected) in cases {
            let error = password_change(&object(input.clone())).expect_err("refused");
            assert_eq!(error.to_string(), expected, "{input}");
        }
        let form = password_change(&object(
            json!({"current_password": "old pw", "new_password": "new pw", "x": 1}),
        ))
        .expect("valid");
        assert_eq!(form.current_password, "old pw");
        assert_eq!(form.new_password, "new pw");
        assert!(!format!("{form:?}").contains("pw"));
    }

    #[test]
    fn the_login_form_takes_the_first_non_empty_fields() {
        let fields = |pairs: &[(&str, &str)]| -> FormFields {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let missing =
            |pairs: &[(&str, &str)]| login_form(&fields(pairs)).expect_err("refused").to_string();
        assert_eq!(missing(&[]), "email missing");
        assert_eq!(missing(&[("email", "")]), "email missing");
        assert_eq!(missing(&[("email", "a")]), "password missing");
        assert_eq!(
            missing(&[("email", "a"), ("password", "")]),
            "password missing"
        );
        let form = login_form(&fields(&[
            ("email", "a"),
            ("password", "p q"),
            ("email", "b"),
        ]))
        .expect("valid");
        assert_eq!(form.email, "a");
        assert_eq!(form.password, "p q");
        assert!(!format!("{form:?}").contains("p q"));
    }
}

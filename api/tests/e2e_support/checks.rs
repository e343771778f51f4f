//! Shape checks shared by the end-to-end tests: ids, timestamps, user objects, cookies.

use serde_json::Value;

/// Tells whether `text` is a canonical lowercase hyphenated UUID version 4.
pub fn is_uuid4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            14 => b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Tells whether `text` has the shape `YYYY-MM-DDTHH:MM:SS`.
pub fn is_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// Asserts `value` is a user as the API shows it: exactly the keys `created_at`, `email`,
/// `first_name`, `id`, `last_name`, `updated_at`, with this email and these names.
pub fn assert_user(value: &Value, email: &str, first_name: Option<&str>, last_name: Option<&str>) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("a user is a JSON object, got {value}"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "email",
            "first_name",
            "id",
            "last_name",
            "updated_at"
        ],
        "user keys of {value}"
    );
    assert_eq!(object["email"], Value::from(email), "email of {value}");
    assert_eq!(
        object["first_name"],
        Value::from(first_name),
        "first_name of {value}"
    );
    assert_eq!(
        object["last_name"],
        Value::from(last_name),
        "last_name of {value}"
    );
    let id = object["id"].as_str().unwrap_or_default();
    assert!(is_uuid4(id), "id of {value} is not a UUID4");
    for key in ["created_at", "updated_at"] {
        let stamp = object[key].as_str().unwrap_or_default();
        assert!(
            is_timestamp(stamp),
            "{key} of {value} is not YYYY-MM-DDTHH:MM:SS"
        );
    }
}

/// One `Set-Cookie` line split into its name, value and attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieLine {
    /// The line as received.
    pub line: String,
    /// The cookie name.
    pub name: String,
    /// The cookie value.
    pub value: String,
    /// The attributes in the order received, each trimmed (`Path=/`, `HttpOnly`, ...).
    pub attributes: Vec<String>,
}

impl CookieLine {
    /// Splits a `Set-Cookie` value at `;` and its first part at the first `=`.
    pub fn parse(line: &str) -> CookieLine {
        let mut parts = line.split(';');
        let pair = parts.next().unwrap_or_default();
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        CookieLine {
            line: line.to_string(),
            name: name.trim().to_string(),
            value: value.trim().to_string(),
            attributes: parts.map(|part| part.trim().to_string()).collect(),
        }
    }

    /// Asserts the attributes are exactly `expected`, in any order.
    pub fn assert_attributes(&self, expected: &[&str]) -> &CookieLine {
        let mut got: Vec<&str> = self.attributes.iter().map(String::as_str).collect();
        let mut want = expected.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "attributes of Set-Cookie {:?}", self.line);
        self
    }

    /// Asserts this is a login cookie `<name>=<uuid4>; Path=/; HttpOnly; SameSite=Lax`, plus
    /// `Max-Age=<seconds>` when given, and returns the session id.
    pub fn assert_login(&self, name: &str, max_age: Option<i64>) -> String {
        assert_eq!(self.name, name, "cookie name in {:?}", self.line);
        assert!(
            is_uuid4(&self.value),
            "session id in {:?} is not a UUID4",
            self.line
        );
        let max_age = max_age.map(|seconds| format!("Max-Age={seconds}"));
        let mut expected = vec!["Path=/", "HttpOnly", "SameSite=Lax"];
        expected.extend(max_age.as_deref());
        self.assert_attributes(&expected);
        self.value.clone()
    }

    /// Asserts this is the logout cookie `<name>=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`.
    pub fn assert_logout(&self, name: &str) {
        assert_eq!(self.name, name, "cookie name in {:?}", self.line);
        assert_eq!(self.value, "", "a logout cookie is empty: {:?}", self.line);
        self.assert_attributes(&["Path=/", "Max-Age=0", "HttpOnly", "SameSite=Lax"]);
    }
}

/// Asserts `value` is the API object of a seeded user: its id, email, `created_at`, no names.
pub fn assert_seed_user(value: &Value, user: &super::fixtures::SeedUser) {
    assert_user(value, user.email, None, None);
    assert_eq!(value["id"], Value::from(user.id), "id of {value}");
    assert_eq!(
        value["created_at"],
        Value::from(user.created_at),
        "created_at of {value}"
    );
}

//! Database URLs made safe to print: the password of `scheme://user:password@host` hidden.

/// Replaces the password of a `scheme://user:password@host` URL with `***`; every other part,
/// and text that is not such a URL, is kept as it is.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // The last `@` of the authority ends the user part: a password may hold `@` itself.
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_nothing_else_changes() {
        assert_eq!(
            redact_password("postgres://bob:s3cr@t@db.example:5432/app?x=1"),
            "postgres://bob:***@db.example:5432/app?x=1"
        );
        assert_eq!(
            redact_password("postgres://me:secret@db:5432/x?sslmode=require"),
            "postgres://me:***@db:5432/x?sslmode=require"
        );
        assert_eq!(
            redact_password("postgres://me:p@ss@db/x"),
            "postgres://me:***@db/x"
        );
        for url in [
            "postgres://bob@h/db",
            "postgres://h/db",
            "postgres://me@db/x",
            "postgres://db/x?user=me",
            "not a url",
        ] {
            assert_eq!(redact_password(url), url);
        }
    }
}

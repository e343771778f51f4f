//! Which paths need authentication: the original's `require_auth` with its slash tolerance.

/// The paths the filter never guards: the original's, in its order, then the OpenAPI document
/// (a description of the API is no secret, and clients fetch it before they can log in).
pub const EXCLUDED_PATHS: [&str; 5] = [
    "/api/v1/status/",
    "/api/v1/unauthorized/",
    "/api/v1/forbidden/",
    "/api/v1/auth_session/login/",
    "/api/v1/openapi.json/",
];

/// Tells whether `path` needs authentication given the excluded entries (Part B 3.1).
///
/// A missing or empty path, or an empty exclusion list, always needs authentication. The path
/// is compared with one trailing `/` added when missing, so `/x` and `/x/` answer alike; an
/// entry ending in `*` excludes every path starting with the entry minus the `*`; any other
/// entry must equal the path exactly (case-sensitive), an entry without a trailing `/` being
/// read as if it had one.
pub fn require_auth(path: Option<&str>, excluded: &[&str]) -> bool {
    let Some(path) = path.filter(|path| !path.is_empty()) else {
        return true;
    };
    !excluded.iter().any(|entry| matches_entry(path, entry))
}

/// Compares as if one trailing `/` were added to `path` (and to a plain `entry`) when missing.
/// `x` with a slash added when missing is `core(x) + "/"`, so the comparisons work on the cores
/// without building a new string on every request.
fn matches_entry(path: &str, entry: &str) -> bool {
    let path = core(path);
    match entry.strip_suffix('*') {
        // `path + "/"` starts with `prefix`: `path` itself does, or `prefix` is `path + "/"`.
        Some(prefix) => {
            path.starts_with(prefix)
                || (prefix.len() == path.len() + 1
                    && prefix.starts_with(path)
                    && prefix.ends_with('/'))
        }
        None => path == core(entry),
    }
}

/// `text` without one trailing `/`.
fn core(text: &str) -> &str {
    text.strip_suffix('/').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule written the obvious way (adding the slash with a new string), as a reference.
    fn require_auth_reference(path: &str, excluded: &[&str]) -> bool {
        let slashed = |text: &str| {
            if text.ends_with('/') {
                text.to_string()
            } else {
                format!("{text}/")
            }
        };
        let path = slashed(path);
        !excluded.iter().any(|entry| match entry.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == slashed(entry),
        })
    }

    #[test]
    fn the_allocation_free_rule_agrees_with_the_reference_everywhere() {
        let pieces = [
            "",
            "/",
            "//",
            "/a",
            "/a/",
            "/a//",
            "/ab",
            "/ab/",
            "/api/v1/status",
            "/api/v1/status/",
            "/api/v1/stat",
            "/api/v1/stats/",
        ];
        let mut entries: Vec<String> = Vec::new();
        for piece in pieces {
            entries.push(piece.to_string());
            entries.push(format!("{piece}*"));
        }
        for path in pieces.iter().filter(|path| !path.is_empty()) {
            for entry in &entries {
                let excluded = [entry.as_str()];
                assert_eq!(
                    require_auth(Some(path), &excluded),
                    require_auth_reference(path, &excluded),
                    "path {path:?}, entry {entry:?}"
                );
            }
        }
    }

    const STATUS: &[&str] = &["/api/v1/status/"];

    #[test]
    fn a3_an_excluded_path_does_not_need_authentication() {
        assert!(!require_auth(Some("/api/v1/status/"), STATUS));
    }

    #[test]
    fn a4_1_and_a4_2_a_missing_path_needs_authentication() {
        // Rust has no `None` list: the caller's "no list" is the empty slice.
        assert!(require_auth(None, &[]));
        assert!(require_auth(None, STATUS));
    }

    #[test]
    fn an_empty_path_needs_authentication() {
        assert!(require_auth(Some(""), STATUS));
        assert!(require_auth(Some(""), &["*"]));
    }

    #[test]
    fn a4_3_an_empty_exclusion_list_guards_everything() {
        assert!(require_auth(Some("/api/v1/status/"), &[]));
    }

    #[test]
    fn a4_4_an_exact_match_is_excluded() {
        assert!(!require_auth(Some("/api/v1/status/"), STATUS));
    }

    #[test]
    fn a4_5_a_missing_trailing_slash_still_matches() {
        assert!(!require_auth(Some("/api/v1/status"), STATUS));
    }

    #[test]
    fn a4_6_another_path_needs_authentication() {
        assert!(require_auth(Some("/api/v1/users"), STATUS));
    }

    #[test]
    fn a4_7_an_entry_is_not_a_prefix_of_longer_paths() {
        assert!(require_auth(
            Some("/api/v1/users"),
            &["/api/v1/status/", "/api/v1/stats"]
        ));
        assert!(require_auth(Some("/api/v1/status/extra"), STATUS));
    }

    #[test]
    fn a13_a_trailing_star_excludes_by_prefix() {
        let excluded = &["/api/v1/stat*"];
        assert!(require_auth(Some("/api/v1/users"), excluded));
        assert!(!require_auth(Some("/api/v1/status"), excluded));
        assert!(!require_auth(Some("/api/v1/stats"), excluded));
        assert!(
            !require_auth(Some("/api/v1/stat"), excluded),
            "* may match nothing"
        );
    }

    #[test]
    fn only_a_trailing_star_is_special() {
        let excluded = &["/api/*/status/"];
        assert!(require_auth(Some("/api/v1/status/"), excluded));
        assert!(!require_auth(Some("/api/*/status"), excluded));
    }

    #[test]
    fn entries_without_a_trailing_slash_are_normalised() {
        let excluded = &["/api/v1/stats"];
        assert!(!require_auth(Some("/api/v1/stats"), excluded));
        assert!(!require_auth(Some("/api/v1/stats/"), excluded));
        assert!(require_auth(Some("/api/v1/statsx"), excluded));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(require_auth(Some("/API/v1/status"), STATUS));
        assert!(require_auth(Some("/api/v1/Status/"), STATUS));
    }

    #[test]
    fn only_one_trailing_slash_is_tolerated() {
        assert!(require_auth(Some("/api/v1/status//"), STATUS));
    }

    #[test]
    fn the_service_exclusions_cover_status_errors_login_and_the_document_only() {
        for path in [
            "/api/v1/status",
            "/api/v1/unauthorized/",
            "/api/v1/forbidden",
            "/api/v1/auth_session/login",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json/",
        ] {
            assert!(!require_auth(Some(path), &EXCLUDED_PATHS), "{path}");
        }
        for path in [
            "/api/v1/stats",
            "/api/v1/auth_session/logout",
            "/",
            "/api/v1/users/me",
            "/api/v1/openapi",
            "/api/v1/openapi.json.bak",
            "/api/v1/openapi.jsonx/",
            "/api/v1/OpenAPI.json",
        ] {
            assert!(require_auth(Some(path), &EXCLUDED_PATHS), "{path}");
        }
    }
}

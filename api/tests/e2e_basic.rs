//! End to end: the open API (`AUTH_TYPE` unset or `none`), `auth` and `basic_auth`
//! (SPEC 7.1 S0.*, 7.2 B0-B12, 7.4 filter rows, A2 D1/D3/D8/D9/D11).

mod e2e_support;

use e2e_support::{assert_seed_user, Body, Creds, Server, LOGOUT, U1, U2, U3};
use serde_json::json;

const BASIC: &[(&str, &str)] = &[("AUTH_TYPE", "basic_auth")];

#[tokio::test]
async fn the_open_api_answers_the_status_with_sixteen_compact_bytes() {
    let server = Server::start(&[], None).await;
    let reply = server.get("/api/v1/status", &Creds::none()).await;
    reply
        .assert_json(200, json!({"status": "OK"}))
        .assert_cors();
    assert_eq!(reply.text(), "{\"status\":\"OK\"}\n", "B0 body bytes");
    assert_eq!(reply.header("content-length").as_deref(), Some("16"));
}

#[tokio::test]
async fn the_binary_announces_where_it_listens_and_warns_that_the_api_is_open() {
    let server = Server::start(&[], None).await;
    let stderr = server.stderr();
    let announcement = format!("listening on http://127.0.0.1:{}", server.port());
    assert!(
        stderr.contains(&announcement),
        "stderr lacks {announcement:?}:\n{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("warn") && stderr.contains("AUTH_TYPE"),
        "D1: an open API logs a warning naming AUTH_TYPE at start-up:\n{stderr}"
    );
}

#[tokio::test]
async fn the_open_api_serves_the_fixed_error_routes() {
    let server = Server::start(&[], None).await;
    let none = Creds::none();
    server
        .get("/api/v1/unauthorized", &none)
        .await
        .assert_unauthorized()
        .assert_cors();
    server
        .get("/api/v1/forbidden", &none)
        .await
        .assert_forbidden()
        .assert_cors();
    server
        .get("/api/v1/unauthorized/", &none)
        .await
        .assert_unauthorized();
    server
        .get("/api/v1/forbidden/", &none)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn the_open_api_lists_seeded_users_in_file_order_without_credentials() {
    let server = Server::start_seeded(&[]).await;
    let users = server.users(&Creds::none()).await;
    let users = users.as_array().expect("a JSON array");
    assert_eq!(users.len(), 3, "three seeded users: {users:?}");
    for (listed, seeded) in users.iter().zip([U1, U2, U3]) {
        assert_seed_user(listed, &seeded);
    }
    let stats = server.get("/api/v1/stats", &Creds::none()).await;
    stats.assert_json(200, json!({"users": 3}));
}

#[tokio::test]
async fn users_me_is_not_found_when_authentication_is_off() {
    let server = Server::start_seeded(&[]).await;
    server
        .get("/api/v1/users/me", &Creds::none())
        .await
        .assert_not_found();
    // Credentials mean nothing to an open API: still no current user.
    server
        .get("/api/v1/users/me", &Creds::user(&U1))
        .await
        .assert_not_found();
}

#[tokio::test]
async fn login_and_logout_are_not_found_without_a_session_mechanism() {
    for auth_type in ["", "none", "basic_auth"] {
        let env = [("AUTH_TYPE", auth_type)];
        let server = Server::start_seeded(&env).await;
        let login = server.login(U2.email, U2.password).await;
        login.assert_not_found();
        assert!(
            login.set_cookies().is_empty(),
            "D11: no cookie without sessions"
        );
        // Under basic_auth the logout route sits behind the filter, so it needs credentials.
        let logout = server.delete(LOGOUT, &Creds::user(&U1)).await;
        logout.assert_not_found();
    }
}

#[tokio::test]
async fn auth_type_none_says_explicitly_that_the_api_is_open() {
    let server = Server::start_seeded(&[("AUTH_TYPE", "none")]).await;
    let users = server.users(&Creds::none()).await;
    assert_eq!(users.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn the_base_auth_guards_paths_but_accepts_no_credential() {
    let server = Server::start_seeded(&[("AUTH_TYPE", "auth")]).await;
    let none = Creds::none();
    server
        .get("/api/v1/status", &none)
        .await
        .assert_json(200, json!({"status": "OK"}));
    server
        .get("/api/v1/status/", &none)
        .await
        .assert_json(200, json!({"status": "OK"}));
    server
        .get("/api/v1/users", &none)
        .await
        .assert_unauthorized();
    let test = Creds::authorization("Test");
    server.get("/api/v1/users", &test).await.assert_forbidden();
    server
        .get("/api/v1/users", &Creds::user(&U1))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn basic_auth_answers_the_four_filter_cases_of_the_task_page() {
    let server = Server::start_seeded(BASIC).await;
    let none = Creds::none();
    server
        .get("/api/v1/status", &none)
        .await
        .assert_json(200, json!({"status": "OK"}));
    server
        .get("/api/v1/status/", &none)
        .await
        .assert_json(200, json!({"status": "OK"}));
    server
        .get("/api/v1/users", &none)
        .await
        .assert_unauthorized()
        .assert_cors();
    let test = Creds::authorization("Test");
    server
        .get("/api/v1/users", &test)
        .await
        .assert_forbidden()
        .assert_cors();
}

#[tokio::test]
async fn basic_auth_lets_u1_list_users_and_read_itself() {
    let server = Server::start_seeded(BASIC).await;
    let u1 = Creds::authorization("Basic Ym9iQGhidG4uaW86SDBsYmVydG9uU2Nob29sOTgh");
    let users = server.users(&u1).await;
    let listed = users.as_array().expect("a JSON array");
    assert_eq!(listed.len(), 3);
    assert_seed_user(&listed[0], &U1);
    let me = server.get("/api/v1/users/me", &u1).await;
    me.assert_status(200).assert_compact().assert_cors();
    assert_seed_user(&me.json(), &U1);
    let me_slash = server.get("/api/v1/users/me/", &u1).await;
    me_slash.assert_status(200);
    assert_seed_user(&me_slash.json(), &U1);
}

#[tokio::test]
async fn a_token_that_is_not_base64_of_a_known_user_is_forbidden() {
    let server = Server::start_seeded(BASIC).await;
    server
        .get("/api/v1/users", &Creds::authorization("Basic test"))
        .await
        .assert_forbidden();
    let wrong_password = Creds::basic(U1.email, "H0lbertonSchool98");
    server
        .get("/api/v1/users", &wrong_password)
        .await
        .assert_forbidden();
    let unknown = Creds::basic("nobody@hbtn.io", U1.password);
    server
        .get("/api/v1/users", &unknown)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn a_password_containing_colons_authenticates() {
    let server = Server::start_seeded(BASIC).await;
    let u3 = Creds::authorization("Basic Ym9iMTAwQGhidG4uaW86SDBsYmVydG9uOlNjaG9vbDo5OCE=");
    let users = server.users(&u3).await;
    let emails: Vec<&str> = users
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|user| user["email"].as_str())
        .collect();
    assert!(
        emails.contains(&U1.email) && emails.contains(&U3.email),
        "B12: {emails:?}"
    );
    let me = server.get("/api/v1/users/me", &u3).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U3);
}

#[tokio::test]
async fn the_basic_scheme_is_case_sensitive_and_strict() {
    let server = Server::start_seeded(BASIC).await;
    let token = U1.token();
    for header in [
        format!("basic {token}"),
        format!("BASIC {token}"),
        format!("Basic  {token}"),
        format!("Basic{token}"),
        format!("Bearer {token}"),
        "Basic ".to_string(),
    ] {
        let reply = server
            .get("/api/v1/users", &Creds::authorization(&header))
            .await;
        reply.assert_forbidden();
    }
}

#[tokio::test]
async fn broken_base64_and_non_utf8_credentials_are_forbidden_not_errors() {
    let server = Server::start_seeded(BASIC).await;
    // D8: not Base64 at all, bad padding, and Base64 of bytes that are not UTF-8.
    for header in [
        "Basic !!!!",
        "Basic Ym9i=",
        "Basic Ym9iQGhidG4uaW8",
        "Basic //79/w==",
    ] {
        let reply = server
            .get("/api/v1/users", &Creds::authorization(header))
            .await;
        reply.assert_forbidden();
    }
    // An Authorization value that is not even UTF-8 on the wire.
    let raw = server
        .raw(
            "GET",
            "/api/v1/users",
            &[("authorization", b"Basic \xff\xfe")],
            Body::Empty,
        )
        .await;
    raw.assert_forbidden();
}

#[tokio::test]
async fn an_empty_authorization_header_counts_as_present() {
    let server = Server::start_seeded(BASIC).await;
    // D9: present but empty is a bad credential (403), not a missing one (401).
    let reply = server.get("/api/v1/users", &Creds::authorization("")).await;
    reply.assert_forbidden();
}

#[tokio::test]
async fn a_stray_session_cookie_under_basic_auth_turns_401_into_403() {
    let server = Server::start_seeded(BASIC).await;
    let cookie = Creds::session("5535d4d7-3d77-4d06-8281-495dc3acfe76");
    server
        .get("/api/v1/users", &cookie)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn the_filter_runs_before_routing() {
    let server = Server::start_seeded(BASIC).await;
    let unknown = "/api/v1/nope";
    server
        .get(unknown, &Creds::none())
        .await
        .assert_unauthorized();
    server
        .get(unknown, &Creds::authorization("Test"))
        .await
        .assert_forbidden();
    server
        .get(unknown, &Creds::user(&U1))
        .await
        .assert_not_found()
        .assert_cors();
    // A known path with a wrong method is also filtered first.
    server
        .send("PUT", "/api/v1/users", &Creds::none(), &[], Body::Empty)
        .await
        .assert_unauthorized();
    server
        .send("OPTIONS", "/api/v1/users", &Creds::none(), &[], Body::Empty)
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn paths_outside_the_api_prefix_are_guarded_and_get_no_cors_header() {
    let server = Server::start_seeded(BASIC).await;
    let root = server.get("/", &Creds::none()).await;
    root.assert_unauthorized();
    assert_eq!(
        root.header("access-control-allow-origin"),
        None,
        "Q23: CORS only on /api/v1/*"
    );
    let root = server.get("/", &Creds::user(&U1)).await;
    root.assert_not_found();
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_without_a_body() {
    let server = Server::start_seeded(BASIC).await;
    let status = server
        .send("HEAD", "/api/v1/status", &Creds::none(), &[], Body::Empty)
        .await;
    status.assert_status(200);
    assert!(status.body.is_empty(), "HEAD has no body");
    let users = server
        .send("HEAD", "/api/v1/users", &Creds::user(&U1), &[], Body::Empty)
        .await;
    users.assert_status(200);
    let guarded = server
        .send("HEAD", "/api/v1/users", &Creds::none(), &[], Body::Empty)
        .await;
    guarded.assert_status(401);
}

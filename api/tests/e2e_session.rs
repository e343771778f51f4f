//! End to end: `session_auth`, cookie sessions in process memory (SPEC 7.1 S1/S5/S7/S8, 7.4
//! session rows, A2 D2/D9/D10/D13/D15).

mod e2e_support;

use e2e_support::{
    assert_seed_user, Body, Creds, Server, DEFAULT_SESSION_NAME, LOGIN, LOGOUT, U1, U2,
};
use serde_json::json;
use tempfile::TempDir;

const SESSION: &[(&str, &str)] = &[
    ("AUTH_TYPE", "session_auth"),
    ("SESSION_NAME", "_my_session_id"),
];

#[tokio::test]
async fn session_auth_answers_the_four_filter_cases_of_the_task_page() {
    let server = Server::start_seeded(SESSION).await;
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
}

#[tokio::test]
async fn users_me_needs_a_live_session_cookie() {
    let server = Server::start_seeded(SESSION).await;
    server
        .get("/api/v1/status", &Creds::none())
        .await
        .assert_status(200);
    server
        .get("/api/v1/users/me", &Creds::none())
        .await
        .assert_unauthorized();
    // Basic credentials mean nothing to session_auth: present, but no user.
    server
        .get("/api/v1/users/me", &Creds::user(&U1))
        .await
        .assert_forbidden();
    let unknown = Creds::session("5535d4d7-3d77-4d06-8281-495dc3acfe76");
    server
        .get("/api/v1/users/me", &unknown)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn get_on_login_is_a_json_405_never_a_401() {
    let server = Server::start_seeded(SESSION).await;
    let reply = server.get(LOGIN, &Creds::none()).await;
    reply.assert_method_not_allowed("POST").assert_cors();
    let slash = server
        .get("/api/v1/auth_session/login/", &Creds::none())
        .await;
    slash.assert_method_not_allowed("POST");
}

#[tokio::test]
async fn login_explains_each_missing_or_wrong_field() {
    let server = Server::start_seeded(SESSION).await;
    let none = Creds::none();
    let no_body = server.send("POST", LOGIN, &none, &[], Body::Empty).await;
    no_body.assert_error(400, "email missing");
    let only_email = [("email", "guillaume@hbtn.io")];
    server
        .post_form(LOGIN, &only_email, &none)
        .await
        .assert_error(400, "password missing");
    let empty_email = [("email", ""), ("password", "test")];
    server
        .post_form(LOGIN, &empty_email, &none)
        .await
        .assert_error(400, "email missing");
    let empty_password = [("email", U2.email), ("password", "")];
    server
        .post_form(LOGIN, &empty_password, &none)
        .await
        .assert_error(400, "password missing");
    let unknown = server.login("guillaume@hbtn.io", "test").await;
    unknown.assert_error(404, "no user found for this email");
    let wrong = server.login(U2.email, "test").await;
    wrong.assert_error(401, "wrong password").assert_cors();
    assert!(
        wrong.set_cookies().is_empty(),
        "a failed login sets no cookie"
    );
}

#[tokio::test]
async fn login_reads_the_form_body_only() {
    let server = Server::start_seeded(SESSION).await;
    let json_body = format!(r#"{{"email":"{}","password":"{}"}}"#, U2.email, U2.password);
    let reply = server.post_json(LOGIN, &json_body, &Creds::none()).await;
    reply.assert_error(400, "email missing");
    let query = format!("{LOGIN}?email={}&password=fake%20pwd", U2.email);
    let reply = server
        .send("POST", &query, &Creds::none(), &[], Body::Empty)
        .await;
    reply.assert_error(400, "email missing");
}

#[tokio::test]
async fn login_accepts_a_multipart_form() {
    let server = Server::start_seeded(SESSION).await;
    let boundary = "XyZzYboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{}\r\n\
         --{boundary}--\r\n",
        U2.email, U2.password
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = server
        .raw(
            "POST",
            LOGIN,
            &[],
            Body::Bytes(Some(&content_type), body.into_bytes()),
        )
        .await;
    reply.assert_status(200);
    assert_seed_user(&reply.json(), &U2);
    reply.the_cookie().assert_login(DEFAULT_SESSION_NAME, None);
}

#[tokio::test]
async fn a_good_login_returns_the_user_and_a_hardened_session_cookie() {
    let server = Server::start_seeded(SESSION).await;
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_status(200).assert_compact().assert_cors();
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_seed_user(&reply.json(), &U2);
    let sid = reply.the_cookie().assert_login("_my_session_id", None);
    let me = server.get("/api/v1/users/me", &Creds::session(&sid)).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U2);
}

#[tokio::test]
async fn logout_ends_the_session_and_expires_the_cookie() {
    let server = Server::start_seeded(SESSION).await;
    let sid = server.session(&U2).await;
    let cookie = Creds::session(&sid);
    assert_seed_user(&server.get("/api/v1/users/me", &cookie).await.json(), &U2);
    let get = server.get(LOGOUT, &cookie).await;
    get.assert_method_not_allowed("DELETE");
    let logout = server.delete(LOGOUT, &cookie).await;
    logout.assert_json(200, json!({})).assert_cors();
    logout.the_cookie().assert_logout("_my_session_id");
    server
        .get("/api/v1/users/me", &cookie)
        .await
        .assert_forbidden();
    server.delete(LOGOUT, &cookie).await.assert_forbidden();
}

#[tokio::test]
async fn logout_without_a_cookie_is_401_and_with_a_dead_one_403() {
    let server = Server::start_seeded(SESSION).await;
    server
        .delete(LOGOUT, &Creds::none())
        .await
        .assert_unauthorized();
    server
        .delete(LOGOUT, &Creds::session("bad"))
        .await
        .assert_forbidden();
    let sid = server.session(&U2).await;
    let logout = server
        .delete("/api/v1/auth_session/logout/", &Creds::session(&sid))
        .await;
    logout.assert_json(200, json!({}));
}

#[tokio::test]
async fn a_valid_cookie_reaches_routing() {
    let server = Server::start_seeded(SESSION).await;
    let sid = server.session(&U2).await;
    let cookie = Creds::session(&sid);
    server
        .get("/api/v1/nope", &Creds::none())
        .await
        .assert_unauthorized();
    server.get("/api/v1/nope", &cookie).await.assert_not_found();
    server
        .get("/api/v1/stats", &cookie)
        .await
        .assert_json(200, json!({"users": 3}));
    let me = server.get("/api/v1/users/me/", &cookie).await;
    me.assert_status(200);
    assert_seed_user(&me.json(), &U2);
    server
        .get("/api/v1/users/xyz", &cookie)
        .await
        .assert_not_found();
    let u1 = server
        .get(&format!("/api/v1/users/{}", U1.id), &cookie)
        .await;
    u1.assert_status(200);
    assert_seed_user(&u1.json(), &U1);
    server.get("/", &Creds::none()).await.assert_unauthorized();
}

#[tokio::test]
async fn login_is_slash_tolerant() {
    let server = Server::start_seeded(SESSION).await;
    let fields = [("email", U2.email), ("password", U2.password)];
    let reply = server
        .post_form("/api/v1/auth_session/login/", &fields, &Creds::none())
        .await;
    reply.assert_status(200);
    reply.the_cookie().assert_login("_my_session_id", None);
}

#[tokio::test]
async fn post_on_the_status_route_is_a_json_405_listing_get() {
    let server = Server::start_seeded(SESSION).await;
    let reply = server
        .send("POST", "/api/v1/status", &Creds::none(), &[], Body::Empty)
        .await;
    reply.assert_method_not_allowed("GET").assert_cors();
}

#[tokio::test]
async fn every_login_opens_its_own_session() {
    let server = Server::start_seeded(SESSION).await;
    let first = server.session(&U2).await;
    let second = server.session(&U2).await;
    assert_ne!(first, second, "each login yields a new session id");
    server
        .delete(LOGOUT, &Creds::session(&second))
        .await
        .assert_status(200);
    let still = server
        .get("/api/v1/users/me", &Creds::session(&first))
        .await;
    still.assert_status(200);
    assert_seed_user(&still.json(), &U2);
}

#[tokio::test]
async fn the_session_cookie_is_found_among_other_cookies_as_werkzeug_parses_them() {
    let server = Server::start_seeded(SESSION).await;
    let sid = server.session(&U2).await;
    for header in [
        format!("a=1; _my_session_id={sid}; b=2"),
        format!("_my_session_id=\"{sid}\""),
        format!("other=x;_my_session_id= {sid} "),
    ] {
        let reply = server
            .get("/api/v1/users/me", &Creds::cookie_header(&header))
            .await;
        reply.assert_status(200);
        assert_seed_user(&reply.json(), &U2);
    }
    // A look-alike name is another cookie: nothing present, so 401.
    let fake = Creds::cookie_header(&format!("_my_session_id_fake={sid}"));
    server
        .get("/api/v1/users/me", &fake)
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn an_empty_session_cookie_counts_as_present() {
    let server = Server::start_seeded(SESSION).await;
    // D9: `_my_session_id=` is a present, empty cookie: 403, not 401.
    let empty = Creds::cookie_header("_my_session_id=");
    server
        .get("/api/v1/users/me", &empty)
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn the_session_name_defaults_to_my_session_id() {
    let server = Server::start_seeded(&[("AUTH_TYPE", "session_auth")]).await;
    let reply = server.login(U2.email, U2.password).await;
    reply.assert_status(200);
    let sid = reply.the_cookie().assert_login(DEFAULT_SESSION_NAME, None);
    server
        .get("/api/v1/users/me", &Creds::session(&sid))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_custom_session_name_names_the_cookie_written_and_read() {
    let env = [("AUTH_TYPE", "session_auth"), ("SESSION_NAME", "hbtn_sid")];
    let server = Server::start_seeded(&env).await;
    let sid = server.session_for(&U2, "hbtn_sid").await;
    let me = server
        .get("/api/v1/users/me", &Creds::named_session("hbtn_sid", &sid))
        .await;
    me.assert_status(200);
    // The default name is just another cookie now.
    server
        .get("/api/v1/users/me", &Creds::session(&sid))
        .await
        .assert_unauthorized();
    let logout = server
        .delete(LOGOUT, &Creds::named_session("hbtn_sid", &sid))
        .await;
    logout.assert_status(200);
    logout.the_cookie().assert_logout("hbtn_sid");
}

#[tokio::test]
async fn deleting_a_user_revokes_their_sessions() {
    let server = Server::start_seeded(SESSION).await;
    let u1_sid = server.session(&U1).await;
    let u2_sid = server.session(&U2).await;
    let path = format!("/api/v1/users/{}", U1.id);
    server
        .delete(&path, &Creds::session(&u2_sid))
        .await
        .assert_json(200, json!({}));
    server
        .get("/api/v1/users/me", &Creds::session(&u1_sid))
        .await
        .assert_forbidden();
    server
        .get("/api/v1/users/me", &Creds::session(&u2_sid))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn memory_sessions_end_with_the_process() {
    let dir = TempDir::new().expect("a temporary data folder");
    e2e_support::seed_original_data(dir.path());
    let server = Server::start(SESSION, Some(dir.path())).await;
    let sid = server.session(&U2).await;
    server.kill();
    let server = Server::start(SESSION, Some(dir.path())).await;
    server
        .get("/api/v1/users/me", &Creds::session(&sid))
        .await
        .assert_forbidden();
    // The user, and the upgraded password, survived.
    server.session(&U2).await;
}

#[tokio::test]
async fn session_cookie_secure_marks_both_cookies_secure() {
    let env = [
        ("AUTH_TYPE", "session_auth"),
        ("SESSION_COOKIE_SECURE", "1"),
    ];
    let server = Server::start_seeded(&env).await;
    let login = server.login(U2.email, U2.password).await;
    login.assert_status(200);
    let cookie = login.the_cookie();
    cookie.assert_attributes(&["Path=/", "HttpOnly", "SameSite=Lax", "Secure"]);
    let logout = server.delete(LOGOUT, &Creds::session(&cookie.value)).await;
    logout.assert_json(200, json!({}));
    logout.the_cookie().assert_attributes(&[
        "Path=/",
        "Max-Age=0",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
    ]);
}

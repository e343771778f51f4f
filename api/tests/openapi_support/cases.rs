//! Requests with the status they must get: the SPEC's example cases (Part B 7.1, 7.2 and 7.4)
//! and cases of the routes added since, as tables in the SPEC's own style.
//!
//! A table is a list of scenarios; each starts with `== AUTH_TYPE SESSION_DURATION` (`unset`
//! for no `AUTH_TYPE`) and sends its requests, in order, to one new app with U1, U2 and U3
//! stored. A request line is `id | wait | METHOD path | credential | body | status`:
//! `wait` is seconds the clock moves on first (`-` for none); the credential is `-`, `session`
//! (the cookie of the scenario's latest successful login), `cookie VALUE`, or
//! `authorization VALUE` (`U1_BASIC`/`U3_BASIC` stand for those tokens); the body is `-`,
//! `form FIELDS` or `json OBJECT`; `*N` after the status repeats the line N times. In paths,
//! `{U1}` and `{U3}` stand for those users' ids and `{HANDLE}` for a session of the caller that
//! is not the current one (from the latest session list).

use axum::http::Method;

use crate::router_common::{U1_BASIC, U3_BASIC};

/// The HTTP cases of SPEC Part B 7.1, 7.2 and 7.4, in the SPEC's order and names.
pub const SPEC_CASES: &str = "
== basic_auth 0
S0.1  | - | GET /api/v1/status          | -                      | - | 200
S0.2  | - | GET /api/v1/users           | -                      | - | 401
S0.3  | - | GET /api/v1/users           | authorization U1_BASIC | - | 200
S0.4  | - | GET /api/v1/users/me        | authorization U1_BASIC | - | 200
== session_auth 0
S1.1  | - | GET /api/v1/status          | -                  | - | 200
S1.2  | - | GET /api/v1/status/         | -                  | - | 200
S1.3  | - | GET /api/v1/users           | -                  | - | 401
S1.4  | - | GET /api/v1/users           | authorization Test | - | 403
== session_auth 0
S5.1  | - | GET /api/v1/status              | -                      | - | 200
S5.2  | - | GET /api/v1/auth_session/login  | -                      | - | 405
S5.3  | - | GET /api/v1/users/me            | -                      | - | 401
S5.4  | - | GET /api/v1/users/me            | authorization U1_BASIC | - | 403
S5.5  | - | GET /api/v1/users/me   | cookie 5535d4d7-3d77-4d06-8281-495dc3acfe76 | - | 403
== session_auth 0
S7.1  | - | GET /api/v1/auth_session/login  | - | - | 405
S7.2  | - | POST /api/v1/auth_session/login | - | - | 400
S7.3  | - | POST /api/v1/auth_session/login | - | form email=guillaume%40hbtn.io | 400
S7.4  | - | POST /api/v1/auth_session/login | - | form email=guillaume%40hbtn.io&password=test | 404
S7.5  | - | POST /api/v1/auth_session/login | - | form email=bobsession%40hbtn.io&password=test | 401
S7.6  | - | POST /api/v1/auth_session/login | - | form GOOD_LOGIN | 200
S7.7  | - | GET /api/v1/users/me            | session | - | 200
== session_auth 0
S8.1  | - | POST /api/v1/auth_session/login    | -       | form GOOD_LOGIN | 200
S8.2  | - | GET /api/v1/users/me               | session | -               | 200
S8.3  | - | GET /api/v1/auth_session/logout    | session | -               | 405
S8.4  | - | DELETE /api/v1/auth_session/logout | session | -               | 200
S8.5  | - | GET /api/v1/users/me               | session | -               | 403
== session_exp_auth 60
S9.1  | -  | POST /api/v1/auth_session/login | -       | form GOOD_LOGIN | 200
S9.2  | -  | GET /api/v1/users/me            | session | -               | 200
S9.3  | 10 | GET /api/v1/users/me            | session | -               | 200
S9.4  | 51 | GET /api/v1/users/me            | session | -               | 403
== session_db_auth 60
S10.1 | -  | POST /api/v1/auth_session/login | -       | form GOOD_LOGIN | 200
S10.2 | -  | GET /api/v1/users/me            | session | -               | 200
S10.3 | 10 | GET /api/v1/users/me            | session | -               | 200
S10.4 | 60 | GET /api/v1/users/me            | session | -               | 403
== unset 0
B0    | - | GET /api/v1/status        | - | - | 200
B1    | - | GET /api/v1/unauthorized  | - | - | 401
B2    | - | GET /api/v1/forbidden     | - | - | 403
== auth 0
B5.1  | - | GET /api/v1/status        | -                  | - | 200
B5.2  | - | GET /api/v1/status/       | -                  | - | 200
B5.3  | - | GET /api/v1/users         | -                  | - | 401
B5.4  | - | GET /api/v1/users         | authorization Test | - | 403
== basic_auth 0
B6.1  | - | GET /api/v1/status        | -                        | - | 200
B6.2  | - | GET /api/v1/status/       | -                        | - | 200
B6.3  | - | GET /api/v1/users         | -                        | - | 401
B6.4  | - | GET /api/v1/users         | authorization Test       | - | 403
B11.1 | - | GET /api/v1/users         | authorization Basic test | - | 403
B11.2 | - | GET /api/v1/users         | authorization U1_BASIC   | - | 200
B12   | - | GET /api/v1/users         | authorization U3_BASIC   | - | 200
== session_auth 0
E1    | - | GET /api/v1/nope                    | -          | -               | 401
E2    | - | POST /api/v1/auth_session/login     | -          | form GOOD_LOGIN | 200
E3    | - | GET /api/v1/nope                    | session    | -               | 404
E4    | - | GET /api/v1/stats                   | session    | -               | 200
E5    | - | GET /api/v1/users/me/               | session    | -               | 200
E6    | - | GET /api/v1/users/xyz               | session    | -               | 404
E7    | - | POST /api/v1/auth_session/login/    | -          | form GOOD_LOGIN | 200
E8    | - | DELETE /api/v1/auth_session/logout  | -          | -               | 401
E9    | - | DELETE /api/v1/auth_session/logout  | cookie bad | -               | 403
E10   | - | DELETE /api/v1/auth_session/logout/ | session    | -               | 200
E11   | - | POST /api/v1/status                 | -          | -               | 405
E12   | - | GET /                               | -          | -               | 401
== basic_auth 0
E13   | - | POST /api/v1/users        | authorization U1_BASIC | -                  | 400
E14   | - | POST /api/v1/users        | authorization U1_BASIC | json {}            | 400
E15   | - | POST /api/v1/users        | authorization U1_BASIC | json {\"email\":\"a@b.c\"} | 400
E16   | - | POST /api/v1/users        | authorization U1_BASIC \
    | json {\"email\":\"a@b.c\",\"password\":\"pw\",\"first_name\":\"Al\"} | 201
E17   | - | PUT /api/v1/users/{U1}    | authorization U1_BASIC \
    | json {\"last_name\":\"Z\",\"first_name\":null} | 200
E18   | - | PUT /api/v1/users/{U1}    | authorization U1_BASIC | -       | 400
E19   | - | PUT /api/v1/users/nope    | authorization U1_BASIC | json {} | 404
E20   | - | DELETE /api/v1/users/{U3} | authorization U1_BASIC | -       | 200
E21   | - | DELETE /api/v1/users/{U3} | authorization U1_BASIC | -       | 404
E22   | - | DELETE /api/v1/users/me   | authorization U1_BASIC | -       | 404
E23   | - | PUT /api/v1/users         | authorization U1_BASIC | -       | 405
E24   | - | GET /api/v1/users | authorization basic Ym9iQGhidG4uaW86SDBsYmVydG9uU2Nob29sOTgh | - | 403
== session_exp_auth 0
E25   | -    | POST /api/v1/auth_session/login | -       | form GOOD_LOGIN | 200
E26   | 3600 | GET /api/v1/users/me            | session | -               | 200
";

/// Cases of what the SPEC does not cover: the session list, ending sessions, changing a
/// password, a taken email, throttling, and the document itself.
pub const ADDED_CASES: &str = "
== session_db_auth 600
X1  | - | GET /api/v1/openapi.json                        | -       | -               | 200
X2  | - | POST /api/v1/auth_session/login                 | -       | form GOOD_LOGIN | 200
X3  | - | POST /api/v1/auth_session/login                 | -       | form GOOD_LOGIN | 200
X4  | - | GET /api/v1/auth_session/sessions               | session | -               | 200
X5  | - | DELETE /api/v1/auth_session/sessions/{HANDLE}   | session | -               | 200
X6  | - | DELETE /api/v1/auth_session/sessions/{HANDLE}   | session | -               | 404
X7  | - | DELETE /api/v1/auth_session/sessions            | session | -               | 200
X8  | - | PUT /api/v1/users/me/password                   | session | -               | 400
X9  | - | PUT /api/v1/users/me/password  | session | json {\"current_password\":\"x\"} | 400
X10 | - | PUT /api/v1/users/me/password  | session \
    | json {\"current_password\":\"wrong\",\"new_password\":\"new pwd\"} | 401
X11 | - | PUT /api/v1/users/me/password  | session \
    | json {\"current_password\":\"fake pwd\",\"new_password\":\"new pwd\"} | 200
X12 | - | GET /api/v1/auth_session/sessions               | session | -               | 200
X13 | - | PUT /api/v1/users/me                            | session | json {}         | 404
X14 | - | POST /api/v1/users | session | json {\"email\":\"bob@hbtn.io\",\"password\":\"pw\"} | 400
X15 | - | POST /api/v1/auth_session/login | - | form email=bob100%40hbtn.io&password=wrong | 401 *5
X16 | - | POST /api/v1/auth_session/login | - | form email=bob100%40hbtn.io&password=wrong | 429
== basic_auth 0
X17 | - | GET /api/v1/auth_session/sessions     | authorization U1_BASIC | - | 404
X18 | - | DELETE /api/v1/auth_session/sessions  | authorization U1_BASIC | - | 404
X19 | - | DELETE /api/v1/auth_session/logout    | authorization U1_BASIC | - | 404
X20 | - | PUT /api/v1/users/me/password         | -                      | - | 401
X21 | - | PUT /api/v1/users/me/password         | authorization U3_BASIC \
    | json {\"current_password\":\"wrong\",\"new_password\":\"new pwd\"} | 401
X22 | - | POST /api/v1/auth_session/login       | -                      | form GOOD_LOGIN | 404
X23 | - | GET /api/v1/users | authorization Basic Ym9iQGhidG4uaW86bm9wZQ== | - | 403 *5
X24 | - | GET /api/v1/users | authorization Basic Ym9iQGhidG4uaW86bm9wZQ== | - | 429
== unset 0
X25 | - | GET /api/v1/users/me                  | - | - | 404
X26 | - | GET /api/v1/auth_session/sessions     | - | - | 404
X27 | - | PUT /api/v1/users/me/password         | - | - | 404
";

/// U2's good login form.
const GOOD_LOGIN: &str = "email=bobsession%40hbtn.io&password=fake%20pwd";

/// The credentials a step sends.
#[derive(Clone, Debug)]
pub enum Credential {
    /// None at all.
    Anonymous,
    /// This `Authorization` header.
    Authorization(String),
    /// A session cookie with this value.
    Cookie(String),
    /// The session cookie of the scenario's latest successful login.
    Session,
}

/// The body a step sends.
#[derive(Clone, Debug)]
pub enum Payload {
    /// No body, no `Content-Type`.
    Nothing,
    /// An `application/x-www-form-urlencoded` body.
    Form(String),
    /// An `application/json` body.
    Json(String),
}

/// One request and the status it must get.
#[derive(Clone, Debug)]
pub struct Step {
    /// The case's name.
    pub id: String,
    /// Seconds the clock moves on before the request.
    pub wait: i64,
    /// The method.
    pub method: Method,
    /// The path, placeholders not yet replaced.
    pub path: String,
    /// The credentials.
    pub credential: Credential,
    /// The body.
    pub payload: Payload,
    /// The status the case expects.
    pub status: u16,
}

/// Requests sent in order to one app.
#[derive(Debug)]
pub struct Scenario {
    /// `AUTH_TYPE`, `None` for unset.
    pub auth_type: Option<&'static str>,
    /// `SESSION_DURATION`.
    pub duration: i64,
    /// The requests.
    pub steps: Vec<Step>,
}

/// Reads a table (see the module documentation).
pub fn parse(table: &'static str) -> Vec<Scenario> {
    let mut scenarios = Vec::new();
    for line in table.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(header) = line.strip_prefix("== ") {
            let (auth_type, duration) = header.split_once(' ').expect("AUTH_TYPE DURATION");
            scenarios.push(Scenario {
                auth_type: (auth_type != "unset").then_some(auth_type),
                duration: duration.parse().expect("a duration"),
                steps: Vec::new(),
            });
            continue;
        }
        let scenario = scenarios.last_mut().expect("a scenario header first");
        let (step, times) = parse_step(line);
        scenario.steps.extend(std::iter::repeat_n(step, times));
    }
    scenarios
}

fn parse_step(line: &str) -> (Step, usize) {
    let columns: Vec<&str> = line.split('|').map(str::trim).collect();
    let [id, wait, request, credential, body, status] = columns[..] else {
        panic!("six columns expected: {line}");
    };
    let (method, path) = request.split_once(' ').expect("METHOD path");
    let (status, times) = match status.split_once(" *") {
        Some((status, times)) => (status, times.parse().expect("a count")),
        None => (status, 1),
    };
    let step = Step {
        id: id.to_string(),
        wait: if wait == "-" {
            0
        } else {
            wait.parse().expect("seconds")
        },
        method: Method::from_bytes(method.as_bytes()).expect("a method"),
        path: path.to_string(),
        credential: parse_credential(credential),
        payload: parse_payload(body),
        status: status.parse().expect("a status"),
    };
    (step, times)
}

fn parse_credential(text: &str) -> Credential {
    let token = |value: &str| match value {
        "U1_BASIC" => U1_BASIC.to_string(),
        "U3_BASIC" => U3_BASIC.to_string(),
        other => other.to_string(),
    };
    match text.split_once(' ') {
        _ if text == "-" => Credential::Anonymous,
        _ if text == "session" => Credential::Session,
        Some(("authorization", value)) => Credential::Authorization(token(value)),
        Some(("cookie", value)) => Credential::Cookie(value.to_string()),
        _ => panic!("unknown credential {text}"),
    }
}

fn parse_payload(text: &str) -> Payload {
    match text.split_once(' ') {
        _ if text == "-" => Payload::Nothing,
        Some(("form", "GOOD_LOGIN")) => Payload::Form(GOOD_LOGIN.to_string()),
        Some(("form", fields)) => Payload::Form(fields.to_string()),
        Some(("json", object)) => Payload::Json(object.to_string()),
        _ => panic!("unknown body {text}"),
    }
}

#[test]
fn the_tables_parse() {
    let spec = parse(SPEC_CASES);
    assert_eq!(spec.len(), 13);
    let ids: Vec<&str> = spec
        .iter()
        .flat_map(|s| &s.steps)
        .map(|s| s.id.as_str())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (73, 73));
    let added = parse(ADDED_CASES);
    let throttled: Vec<&Step> = added[0].steps.iter().filter(|s| s.id == "X15").collect();
    assert_eq!(throttled.len(), 5);
    assert!(matches!(&added[1].steps[5].payload, Payload::Form(form) if form == GOOD_LOGIN));
    assert_eq!(added[2].auth_type, None);
}

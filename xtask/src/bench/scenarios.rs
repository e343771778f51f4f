//! The benchmark's scenarios: which server runs with which data, and what load it gets.

use super::format::thousands;
use super::options::BenchOptions;
use super::seed::SeedPlan;

/// The name of the reference scenario every ratio is taken against.
pub const REFERENCE: &str = "bare-axum";

/// The name of the start-up scenario (not a load scenario: it times start-up on big files).
pub const STARTUP: &str = "startup";

/// The name of the login-flood scenario (status throughput alone, then during a login flood).
pub const LOGIN_FLOOD: &str = "login-flood";

/// Users in the login scenarios; their sessions are spread over them.
pub const LOGIN_FILLER_USERS: u64 = 1_000;

/// Which server a scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// The `bare_axum` reference endpoint.
    BareAxum,
    /// The `api` binary with this `AUTH_TYPE` (`None`: unset, the open API).
    Api {
        /// The value of `AUTH_TYPE`, if set.
        auth_type: Option<&'static str>,
    },
}

impl ServerKind {
    /// The `AUTH_TYPE` in force, for titles: `open` when unset, `-` for the reference.
    pub fn auth_label(&self) -> &'static str {
        match self {
            ServerKind::BareAxum => "-",
            ServerKind::Api { auth_type } => auth_type.unwrap_or("open"),
        }
    }
}

/// What data a scenario starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedKind {
    /// No data file.
    Nothing,
    /// Only the benchmark account.
    BenchUser,
    /// The benchmark account among [`LOGIN_FILLER_USERS`] others, and sessions: none, or
    /// `--stored` of them.
    LoginData {
        /// Whether the sessions file holds `--stored` sessions (else none).
        stored_sessions: bool,
    },
    /// `--stored` users, or none.
    Users {
        /// Whether the users file holds `--stored` users (else none).
        stored_users: bool,
    },
}

/// What one iteration of the load does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// `GET /` on the reference server.
    BareRoot,
    /// `GET /api/v1/status`.
    Status,
    /// `GET /api/v1/users/me` with the cookie of one login made beforehand.
    MeWithSessionCookie,
    /// `GET /api/v1/users/me` with Basic credentials.
    MeWithBasic,
    /// `POST /api/v1/auth_session/login` then `DELETE /api/v1/auth_session/logout`.
    LoginLogout,
    /// `POST /api/v1/users` with a new email each time.
    CreateUsers,
}

/// One load scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadScenario {
    /// The name `--only` takes.
    pub name: &'static str,
    /// The server.
    pub server: ServerKind,
    /// The data it starts with.
    pub seed: SeedKind,
    /// The load.
    pub workload: WorkloadKind,
}

/// Every load scenario, the reference first.
pub const LOAD_SCENARIOS: &[LoadScenario] = &[
    LoadScenario {
        name: REFERENCE,
        server: ServerKind::BareAxum,
        seed: SeedKind::Nothing,
        workload: WorkloadKind::BareRoot,
    },
    LoadScenario {
        name: "status",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::Status,
    },
    LoadScenario {
        name: "me-session-auth",
        server: ServerKind::Api {
            auth_type: Some("session_auth"),
        },
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "me-session-db-auth",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "me-basic-auth",
        server: ServerKind::Api {
            auth_type: Some("basic_auth"),
        },
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithBasic,
    },
    LoadScenario {
        name: "login-logout-0",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        seed: SeedKind::LoginData {
            stored_sessions: false,
        },
        workload: WorkloadKind::LoginLogout,
    },
    LoadScenario {
        name: "login-logout-100k",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        seed: SeedKind::LoginData {
            stored_sessions: true,
        },
        workload: WorkloadKind::LoginLogout,
    },
    LoadScenario {
        name: "create-0",
        server: ServerKind::Api { auth_type: None },
        seed: SeedKind::Users {
            stored_users: false,
        },
        workload: WorkloadKind::CreateUsers,
    },
    LoadScenario {
        name: "create-100k",
        server: ServerKind::Api { auth_type: None },
        seed: SeedKind::Users { stored_users: true },
        workload: WorkloadKind::CreateUsers,
    },
];

/// Every scenario name `--only` accepts.
pub fn names() -> impl Iterator<Item = &'static str> {
    LOAD_SCENARIOS
        .iter()
        .map(|scenario| scenario.name)
        .chain([LOGIN_FLOOD, STARTUP])
}

/// The load scenarios to run: the selected ones, always with the reference first.
pub fn selected(options: &BenchOptions) -> Vec<LoadScenario> {
    let chosen: Vec<LoadScenario> = LOAD_SCENARIOS
        .iter()
        .copied()
        .filter(|scenario| scenario.name != REFERENCE && options.selects(scenario.name))
        .collect();
    if chosen.is_empty() && !options.selects(REFERENCE) {
        return chosen;
    }
    LOAD_SCENARIOS
        .iter()
        .copied()
        .filter(|scenario| scenario.name == REFERENCE)
        .chain(chosen)
        .collect()
}

impl LoadScenario {
    /// The row title in the report, with the record counts in force.
    pub fn title(&self, options: &BenchOptions) -> String {
        let stored = thousands(options.stored);
        match (self.workload, self.seed, self.server) {
            (WorkloadKind::BareRoot, _, _) => "bare axum GET / (reference)".to_string(),
            (WorkloadKind::Status, _, _) => "GET /api/v1/status".to_string(),
            (WorkloadKind::MeWithSessionCookie, _, server) => {
                format!("GET /users/me, cookie, {}", server.auth_label())
            }
            (WorkloadKind::MeWithBasic, _, _) => "GET /users/me, Basic, basic_auth".to_string(),
            (
                WorkloadKind::LoginLogout,
                SeedKind::LoginData {
                    stored_sessions: true,
                },
                _,
            ) => format!("login+logout, {stored} sessions"),
            (WorkloadKind::LoginLogout, _, _) => "login+logout, 0 sessions".to_string(),
            (WorkloadKind::CreateUsers, SeedKind::Users { stored_users: true }, _) => {
                format!("POST /users, {stored} users")
            }
            (WorkloadKind::CreateUsers, _, _) => "POST /users, 0 users".to_string(),
        }
    }

    /// The unit of the rate: requests, or login+logout iterations.
    pub fn unit(&self) -> &'static str {
        match self.workload {
            WorkloadKind::LoginLogout => "iter/s",
            _ => "req/s",
        }
    }

    /// The data files this scenario starts with.
    pub fn seed_plan(&self, options: &BenchOptions) -> SeedPlan {
        match self.seed {
            SeedKind::Nothing => SeedPlan::default(),
            SeedKind::BenchUser => SeedPlan {
                filler_users: 0,
                bench_user: true,
                sessions: 0,
            },
            SeedKind::LoginData { stored_sessions } => SeedPlan {
                filler_users: LOGIN_FILLER_USERS,
                bench_user: true,
                sessions: if stored_sessions { options.stored } else { 0 },
            },
            SeedKind::Users { stored_users } => SeedPlan {
                filler_users: if stored_users { options.stored } else { 0 },
                bench_user: false,
                sessions: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(names: &[&str]) -> BenchOptions {
        BenchOptions {
            only: names.iter().map(|name| name.to_string()).collect(),
            ..BenchOptions::default()
        }
    }

    #[test]
    fn names_are_unique_and_include_the_startup() {
        let mut all: Vec<&str> = names().collect();
        assert!(all.contains(&STARTUP) && all.contains(&REFERENCE));
        assert!(all.contains(&LOGIN_FLOOD));
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn the_reference_runs_first_with_any_load_scenario() {
        let chosen: Vec<&str> = selected(&only(&["create-0", "status"]))
            .iter()
            .map(|scenario| scenario.name)
            .collect();
        assert_eq!(chosen, [REFERENCE, "status", "create-0"]);
        assert_eq!(
            selected(&BenchOptions::default()).len(),
            LOAD_SCENARIOS.len()
        );
    }

    #[test]
    fn only_the_startup_runs_no_load_scenario() {
        assert!(selected(&only(&[STARTUP])).is_empty());
        assert!(selected(&only(&[LOGIN_FLOOD])).is_empty());
        assert_eq!(selected(&only(&[REFERENCE])).len(), 1);
    }

    #[test]
    fn the_stored_scenarios_differ_from_their_baseline_only_in_the_stored_records() {
        let options = BenchOptions {
            stored: 500,
            ..BenchOptions::default()
        };
        let plan = |name: &str| {
            LOAD_SCENARIOS
                .iter()
                .find(|scenario| scenario.name == name)
                .map(|scenario| scenario.seed_plan(&options))
                .expect("a known scenario")
        };
        let (empty, full) = (plan("login-logout-0"), plan("login-logout-100k"));
        assert_eq!((empty.sessions, full.sessions), (0, 500));
        assert_eq!(empty.filler_users, full.filler_users);
        assert!(empty.bench_user && full.bench_user);
        let (empty, full) = (plan("create-0"), plan("create-100k"));
        assert_eq!((empty.filler_users, full.filler_users), (0, 500));
    }

    #[test]
    fn titles_show_the_record_counts_in_force() {
        let options = BenchOptions::default();
        let titles: Vec<String> = LOAD_SCENARIOS
            .iter()
            .map(|scenario| scenario.title(&options))
            .collect();
        assert!(titles.contains(&"login+logout, 100,000 sessions".to_string()));
        assert!(titles.contains(&"POST /users, 100,000 users".to_string()));
        assert!(titles.contains(&"GET /users/me, cookie, session_db_auth".to_string()));
    }
}

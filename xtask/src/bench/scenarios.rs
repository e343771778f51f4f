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

/// Where the `api` server of a scenario keeps its users and stored sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// `STORAGE` unset: the data files of a fresh data folder (also for the reference server,
    /// which stores nothing).
    Files,
    /// `STORAGE=postgres`: a fresh schema of `--database-url`, filled from the seeded data
    /// folder by `api migrate`.
    Postgres,
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
    /// Where that data lives.
    pub storage: StorageKind,
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
        storage: StorageKind::Files,
        seed: SeedKind::Nothing,
        workload: WorkloadKind::BareRoot,
    },
    LoadScenario {
        name: "status",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Files,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::Status,
    },
    LoadScenario {
        name: "me-session-auth",
        server: ServerKind::Api {
            auth_type: Some("session_auth"),
        },
        storage: StorageKind::Files,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "me-session-db-auth",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Files,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "me-basic-auth",
        server: ServerKind::Api {
            auth_type: Some("basic_auth"),
        },
        storage: StorageKind::Files,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithBasic,
    },
    LoadScenario {
        name: "login-logout-0",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Files,
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
        storage: StorageKind::Files,
        seed: SeedKind::LoginData {
            stored_sessions: true,
        },
        workload: WorkloadKind::LoginLogout,
    },
    LoadScenario {
        name: "create-0",
        server: ServerKind::Api { auth_type: None },
        storage: StorageKind::Files,
        seed: SeedKind::Users {
            stored_users: false,
        },
        workload: WorkloadKind::CreateUsers,
    },
    LoadScenario {
        name: "create-100k",
        server: ServerKind::Api { auth_type: None },
        storage: StorageKind::Files,
        seed: SeedKind::Users { stored_users: true },
        workload: WorkloadKind::CreateUsers,
    },
    // The PostgreSQL ones come last, so the file scenarios run in the order they always did.
    LoadScenario {
        name: "me-session-auth-pg",
        server: ServerKind::Api {
            auth_type: Some("session_auth"),
        },
        storage: StorageKind::Postgres,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "me-session-db-auth-pg",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Postgres,
        seed: SeedKind::BenchUser,
        workload: WorkloadKind::MeWithSessionCookie,
    },
    LoadScenario {
        name: "login-logout-0-pg",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Postgres,
        seed: SeedKind::LoginData {
            stored_sessions: false,
        },
        workload: WorkloadKind::LoginLogout,
    },
    LoadScenario {
        name: "login-logout-100k-pg",
        server: ServerKind::Api {
            auth_type: Some("session_db_auth"),
        },
        storage: StorageKind::Postgres,
        seed: SeedKind::LoginData {
            stored_sessions: true,
        },
        workload: WorkloadKind::LoginLogout,
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
        let title = self.workload_title(options);
        match self.storage {
            StorageKind::Files => title,
            StorageKind::Postgres => format!("{title}, PostgreSQL"),
        }
    }

    /// Whether the scenario needs the PostgreSQL database of `--database-url`.
    pub fn needs_database(&self) -> bool {
        self.storage == StorageKind::Postgres
    }

    /// How many records the "100k" variant of this scenario stores: `--stored` on files,
    /// `--stored-pg` on PostgreSQL, where seeding goes through `api migrate` and is slower.
    fn stored_records(&self, options: &BenchOptions) -> u64 {
        match self.storage {
            StorageKind::Files => options.stored,
            StorageKind::Postgres => options.stored_pg,
        }
    }

    /// What the title says about the workload, the authentication and the stored records.
    fn workload_title(&self, options: &BenchOptions) -> String {
        let stored = thousands(self.stored_records(options));
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

    /// The data files this scenario starts with (copied into its schema on PostgreSQL).
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
                sessions: if stored_sessions {
                    self.stored_records(options)
                } else {
                    0
                },
            },
            SeedKind::Users { stored_users } => SeedPlan {
                filler_users: if stored_users {
                    self.stored_records(options)
                } else {
                    0
                },
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
            stored_pg: 300,
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
        let (empty, full) = (plan("login-logout-0-pg"), plan("login-logout-100k-pg"));
        assert_eq!((empty.sessions, full.sessions), (0, 300), "--stored-pg");
        assert_eq!(empty.filler_users, full.filler_users);
    }

    #[test]
    fn each_postgres_scenario_is_its_file_twin_on_postgres() {
        for (file, postgres) in [
            ("me-session-auth", "me-session-auth-pg"),
            ("me-session-db-auth", "me-session-db-auth-pg"),
            ("login-logout-0", "login-logout-0-pg"),
            ("login-logout-100k", "login-logout-100k-pg"),
        ] {
            let find = |name: &str| {
                *LOAD_SCENARIOS
                    .iter()
                    .find(|scenario| scenario.name == name)
                    .expect("a known scenario")
            };
            let (file, postgres) = (find(file), find(postgres));
            assert!(!file.needs_database() && postgres.needs_database());
            assert_eq!(
                LoadScenario {
                    name: file.name,
                    storage: StorageKind::Files,
                    ..postgres
                },
                file
            );
            // The same stored count on both, for the titles to compare.
            let options = BenchOptions {
                stored_pg: 100_000,
                ..BenchOptions::default()
            };
            assert_eq!(
                postgres.title(&options),
                format!("{}, PostgreSQL", file.title(&options))
            );
        }
        let needing: Vec<&str> = LOAD_SCENARIOS
            .iter()
            .filter(|scenario| scenario.needs_database())
            .map(|scenario| scenario.name)
            .collect();
        assert!(
            needing.iter().all(|name| name.ends_with("-pg")),
            "{needing:?}"
        );
    }

    #[test]
    fn the_postgres_scenarios_can_be_selected_alone_or_with_file_ones() {
        let chosen: Vec<&str> = selected(&only(&[
            "login-logout-100k-pg",
            "me-session-db-auth",
            "me-session-db-auth-pg",
        ]))
        .iter()
        .map(|scenario| scenario.name)
        .collect();
        assert_eq!(
            chosen,
            [
                REFERENCE,
                "me-session-db-auth",
                "me-session-db-auth-pg",
                "login-logout-100k-pg"
            ]
        );
        let known: Vec<&str> = names().collect();
        for name in [
            "me-session-auth-pg",
            "me-session-db-auth-pg",
            "login-logout-0-pg",
            "login-logout-100k-pg",
        ] {
            assert!(known.contains(&name), "{name}");
        }
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
        assert!(titles.contains(&"login+logout, 20,000 sessions, PostgreSQL".to_string()));
    }
}

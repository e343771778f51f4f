//! Running one scenario: seed a fresh data folder (and copy it into a fresh PostgreSQL schema
//! for the `*-pg` scenarios), start the server, prepare credentials, hand the load to the
//! `loadgen` process, read the server's peak memory, stop it, clean up.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use super::error::BenchError;
use super::fake_ids::{fake_uuid_string, IdStream};
use super::http_probe;
use super::options::BenchOptions;
use super::pg_schema::BenchSchema;
use super::scenarios::{LoadScenario, ServerKind, StorageKind, WorkloadKind};
use super::seed::{self, SeedMaterial, SeedPlan, BENCH_EMAIL, BENCH_PASSWORD};
use super::server::{free_loopback_address, RunningServer, ServerCommand};
use crate::loadgen::plan::{LoadPlan, LoadResult, RequestSpec, Workload};
use crate::loadgen::requests::{cookie_pair, form_urlencode, LOGIN_PATH};

/// The session cookie's name: the service's default `SESSION_NAME`.
const SESSION_NAME: &str = "_my_session_id";

/// How long a load scenario's server may take to start on its small data.
pub(super) const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the start-up scenario's server may take on its big data before it counts as failed.
const BIG_START_TIMEOUT: Duration = Duration::from_secs(300);

/// The warm-up before each measurement.
const WARMUP_MS: u64 = 500;

/// Everything scenarios share.
#[derive(Debug)]
pub struct BenchContext {
    /// The command-line options.
    pub options: BenchOptions,
    /// The folder every scenario's data folder and logs go under (removed at the end).
    pub root: PathBuf,
    /// The release `api` binary.
    pub api: PathBuf,
    /// The release `bare_axum` binary.
    pub bare_axum: PathBuf,
    /// The release `xtask` binary, whose `loadgen` task generates the load.
    pub xtask: PathBuf,
    /// The password hash and timestamp of the seeded records.
    pub material: SeedMaterial,
}

/// What a load scenario measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadMeasurement {
    /// The load generator's result.
    pub result: LoadResult,
    /// The server's peak resident memory, in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// What the start-up scenario measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StartupMeasurement {
    /// Users in the file, and as many sessions.
    pub records: u64,
    /// Seconds spent writing the seed files.
    pub generate_seconds: f64,
    /// Seconds from process start until `GET /api/v1/status` answered.
    pub ready_seconds: f64,
    /// The server's peak resident memory once ready, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// The two data files' total size in bytes.
    pub data_bytes: u64,
}

/// Runs one load scenario in its own folder under the bench root.
pub fn run_load(
    ctx: &BenchContext,
    scenario: &LoadScenario,
) -> Result<LoadMeasurement, BenchError> {
    let folder = ScenarioFolder::create(&ctx.root, scenario.name)?;
    seed::write_seed(
        &folder.data,
        scenario.seed_plan(&ctx.options),
        &ctx.material,
    )
    .map_err(|source| BenchError::io("writing the seed files", source))?;
    // Declared before the server, so that on an early return the server stops first.
    let schema = match scenario.storage {
        StorageKind::Files => None,
        StorageKind::Postgres => Some(seed_postgres(ctx, scenario, &folder)?),
    };
    let address = free_loopback_address()?;
    let mut command = server_command(ctx, scenario.server, address, &folder);
    if let Some(schema) = &schema {
        command.env.extend(schema.server_env());
    }
    let server = RunningServer::start(&command, address, START_TIMEOUT)?;
    let workload = workload(scenario.workload, server.address())?;
    let result = generate_load(ctx, address, workload, server.pid());
    let peak_rss_kib = server.peak_rss_kib();
    let log_tail = server.log_tail();
    server.stop();
    if let Some(schema) = schema {
        schema.drop_now();
    }
    let result = result.map_err(|error| match error {
        BenchError::LoadGenerator(message) => {
            BenchError::LoadGenerator(format!("{message}\nserver log:\n{log_tail}"))
        }
        other => other,
    })?;
    folder.remove();
    Ok(LoadMeasurement {
        result,
        peak_rss_kib,
    })
}

/// Copies the scenario's seeded data folder into a fresh schema of `--database-url` with
/// `api migrate`, and says how long that took.
fn seed_postgres(
    ctx: &BenchContext,
    scenario: &LoadScenario,
    folder: &ScenarioFolder,
) -> Result<BenchSchema, BenchError> {
    let (schema, seconds) = BenchSchema::migrate(
        &ctx.api,
        &ctx.options.database_url,
        scenario.name,
        &folder.data,
        &folder.root.join("migrate.log"),
    )?;
    eprintln!(
        "    seeded schema {} with api migrate in {seconds:.1} s",
        schema.name()
    );
    Ok(schema)
}

/// Writes `--startup-records` users and sessions, starts `api` on them with
/// `AUTH_TYPE=session_db_auth` and times it until it answers.
pub fn run_startup(ctx: &BenchContext) -> Result<StartupMeasurement, BenchError> {
    let folder = ScenarioFolder::create(&ctx.root, super::scenarios::STARTUP)?;
    let records = ctx.options.startup_records;
    let plan = SeedPlan {
        filler_users: records,
        bench_user: false,
        sessions: records,
    };
    let generating = Instant::now();
    let seeded = seed::write_seed(&folder.data, plan, &ctx.material)
        .map_err(|source| BenchError::io("writing the seed files", source))?;
    let generate_seconds = generating.elapsed().as_secs_f64();
    let address = free_loopback_address()?;
    let server_kind = ServerKind::Api {
        auth_type: Some("session_db_auth"),
    };
    let command = server_command(ctx, server_kind, address, &folder);
    let server = RunningServer::start(&command, address, BIG_START_TIMEOUT)?;
    let ready_seconds = server.ready_after().as_secs_f64();
    let peak_rss_kib = server.peak_rss_kib();
    // One seeded session must authenticate, or the server did not really load the data.
    let cookie = format!(
        "{SESSION_NAME}={}",
        fake_uuid_string(IdStream::SessionSecret, 0)
    );
    let check = http_probe::send(
        address,
        "GET",
        "/api/v1/users/me",
        &[("Cookie", &cookie)],
        "",
    )
    .map_err(|source| BenchError::io("checking a seeded session", source))?;
    server.stop();
    if check.status != 200 {
        return Err(BenchError::Setup(format!(
            "a seeded session was refused ({}): the data was not loaded",
            check.status
        )));
    }
    folder.remove();
    Ok(StartupMeasurement {
        records,
        generate_seconds,
        ready_seconds,
        peak_rss_kib,
        data_bytes: seeded.bytes,
    })
}

/// A scenario's folder: the data folder the server runs in, and its log beside it.
pub(super) struct ScenarioFolder {
    root: PathBuf,
    /// The data folder the server runs in.
    pub(super) data: PathBuf,
    log: PathBuf,
}

impl ScenarioFolder {
    /// Creates `<bench root>/<name>/data`.
    pub(super) fn create(bench_root: &Path, name: &str) -> Result<Self, BenchError> {
        let root = bench_root.join(name);
        let data = root.join("data");
        std::fs::create_dir_all(&data)
            .map_err(|source| BenchError::io(format!("creating {}", data.display()), source))?;
        Ok(ScenarioFolder {
            log: root.join("server.log"),
            root,
            data,
        })
    }

    /// Removes the folder now rather than at the end, so big seed files do not pile up; a
    /// failure is harmless since the whole bench root goes at the end anyway.
    pub(super) fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// How to start the server of a scenario.
pub(super) fn server_command(
    ctx: &BenchContext,
    server: ServerKind,
    address: SocketAddr,
    folder: &ScenarioFolder,
) -> ServerCommand {
    match server {
        ServerKind::BareAxum => ServerCommand {
            program: ctx.bare_axum.clone(),
            args: vec![address.to_string()],
            env: Vec::new(),
            dir: folder.data.clone(),
            log: folder.log.clone(),
            ready_path: "/",
        },
        ServerKind::Api { auth_type } => {
            // Everything else, the Argon2 parameters above all, stays at the defaults.
            let mut env = vec![
                ("API_HOST".to_string(), address.ip().to_string()),
                ("API_PORT".to_string(), address.port().to_string()),
                ("DATA_DIR".to_string(), folder.data.display().to_string()),
            ];
            if let Some(auth_type) = auth_type {
                env.push(("AUTH_TYPE".to_string(), auth_type.to_string()));
            }
            ServerCommand {
                program: ctx.api.clone(),
                args: Vec::new(),
                env,
                dir: folder.data.clone(),
                log: folder.log.clone(),
                ready_path: "/api/v1/status",
            }
        }
    }
}

/// The load of a workload, with any credential it needs obtained from the server first.
fn workload(kind: WorkloadKind, server: SocketAddr) -> Result<Workload, BenchError> {
    let repeat_get = |path: &str, headers: Vec<(String, String)>| Workload::Repeat {
        request: RequestSpec::get(path, headers),
        expect_status: 200,
    };
    Ok(match kind {
        WorkloadKind::BareRoot => repeat_get("/", Vec::new()),
        WorkloadKind::Status => repeat_get("/api/v1/status", Vec::new()),
        WorkloadKind::MeWithSessionCookie => {
            let cookie = log_in(server)?;
            repeat_get("/api/v1/users/me", vec![("Cookie".to_string(), cookie)])
        }
        WorkloadKind::MeWithBasic => {
            let credentials = base64::engine::general_purpose::STANDARD
                .encode(format!("{BENCH_EMAIL}:{BENCH_PASSWORD}"));
            repeat_get(
                "/api/v1/users/me",
                vec![("Authorization".to_string(), format!("Basic {credentials}"))],
            )
        }
        WorkloadKind::LoginLogout => Workload::LoginLogout {
            email: BENCH_EMAIL.to_string(),
            password: BENCH_PASSWORD.to_string(),
            cookie_name: SESSION_NAME.to_string(),
        },
        WorkloadKind::CreateUsers => Workload::CreateUsers {
            email_tag: format!("p{}", std::process::id()),
            password: BENCH_PASSWORD.to_string(),
        },
    })
}

/// Logs the benchmark account in and returns its session cookie as `name=value`.
fn log_in(address: SocketAddr) -> Result<String, BenchError> {
    let body = format!(
        "email={}&password={}",
        form_urlencode(BENCH_EMAIL),
        form_urlencode(BENCH_PASSWORD)
    );
    let response = http_probe::send(
        address,
        "POST",
        LOGIN_PATH,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    )
    .map_err(|source| BenchError::io("logging in", source))?;
    if response.status != 200 {
        return Err(BenchError::Setup(format!(
            "logging in answered {}",
            response.status
        )));
    }
    response
        .header("set-cookie")
        .and_then(|value| cookie_pair(value, SESSION_NAME))
        .map(str::to_string)
        .ok_or_else(|| BenchError::Setup("logging in set no session cookie".to_string()))
}

/// Runs the load generator as its own process and reads its result.
fn generate_load(
    ctx: &BenchContext,
    address: SocketAddr,
    workload: Workload,
    server_pid: u32,
) -> Result<LoadResult, BenchError> {
    let mut plan = load_plan(ctx, address, ctx.options.connections, workload);
    plan.server_pid = Some(server_pid);
    LoadProcess::spawn(ctx, &plan)?.finish()
}

/// The plan of a load run with the options' threads, warm-up and duration.
pub(super) fn load_plan(
    ctx: &BenchContext,
    address: SocketAddr,
    connections: usize,
    workload: Workload,
) -> LoadPlan {
    LoadPlan {
        address,
        connections,
        threads: ctx.options.load_threads,
        warmup_ms: WARMUP_MS,
        duration_ms: (ctx.options.seconds * 1000.0).round() as u64,
        workload,
        server_pid: None,
    }
}

/// A running `loadgen` process, so that two loads can run at the same time.
pub(super) struct LoadProcess {
    child: std::process::Child,
}

impl LoadProcess {
    /// Starts the load generator and hands it `plan` on its standard input.
    pub(super) fn spawn(ctx: &BenchContext, plan: &LoadPlan) -> Result<Self, BenchError> {
        let plan_json = serde_json::to_string(plan).map_err(|error| {
            BenchError::LoadGenerator(format!("cannot write the plan: {error}"))
        })?;
        let mut child = Command::new(&ctx.xtask)
            .arg("loadgen")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| BenchError::io("starting the load generator", source))?;
        // Dropping the handle closes the pipe, which ends the plan.
        if let Some(mut stdin) = child.stdin.take() {
            if let Err(source) = stdin.write_all(plan_json.as_bytes()) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BenchError::io("sending the load plan", source));
            }
        }
        Ok(LoadProcess { child })
    }

    /// Waits for the load generator to end and reads its result.
    pub(super) fn finish(self) -> Result<LoadResult, BenchError> {
        let output = self
            .child
            .wait_with_output()
            .map_err(|source| BenchError::io("waiting for the load generator", source))?;
        if !output.status.success() {
            return Err(BenchError::LoadGenerator(format!(
                "it exited with {}",
                output.status
            )));
        }
        serde_json::from_slice(&output.stdout).map_err(|error| {
            BenchError::LoadGenerator(format!("its result does not parse: {error}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> BenchContext {
        BenchContext {
            options: BenchOptions::default(),
            root: PathBuf::from("/tmp/bench-root"),
            api: PathBuf::from("/release/api"),
            bare_axum: PathBuf::from("/release/bare_axum"),
            xtask: PathBuf::from("/release/xtask"),
            material: SeedMaterial::new("hash", "2024-01-01T00:00:00").expect("plain values"),
        }
    }

    fn folder() -> ScenarioFolder {
        ScenarioFolder {
            root: PathBuf::from("/tmp/bench-root/s"),
            data: PathBuf::from("/tmp/bench-root/s/data"),
            log: PathBuf::from("/tmp/bench-root/s/server.log"),
        }
    }

    fn address() -> SocketAddr {
        "127.0.0.1:4321".parse().expect("an address")
    }

    #[test]
    fn the_api_gets_its_address_data_folder_and_auth_type_and_nothing_else() {
        let server = ServerKind::Api {
            auth_type: Some("session_db_auth"),
        };
        let command = server_command(&context(), server, address(), &folder());
        assert_eq!(command.program, PathBuf::from("/release/api"));
        let env: Vec<(&str, &str)> = command
            .env
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        // No ARGON2_* variable: the service's default cost is what gets measured.
        assert_eq!(
            env,
            [
                ("API_HOST", "127.0.0.1"),
                ("API_PORT", "4321"),
                ("DATA_DIR", "/tmp/bench-root/s/data"),
                ("AUTH_TYPE", "session_db_auth"),
            ]
        );
        assert_eq!(command.ready_path, "/api/v1/status");
    }

    #[test]
    fn the_open_api_runs_without_auth_type() {
        let command = server_command(
            &context(),
            ServerKind::Api { auth_type: None },
            address(),
            &folder(),
        );
        assert!(command.env.iter().all(|(name, _)| name != "AUTH_TYPE"));
    }

    #[test]
    fn the_reference_server_takes_its_address_as_argument() {
        let command = server_command(&context(), ServerKind::BareAxum, address(), &folder());
        assert_eq!(command.program, PathBuf::from("/release/bare_axum"));
        assert_eq!(command.args, ["127.0.0.1:4321"]);
        assert!(command.env.is_empty());
        assert_eq!(command.ready_path, "/");
    }

    #[test]
    fn basic_credentials_encode_the_benchmark_account() {
        let Ok(Workload::Repeat { request, .. }) = workload(WorkloadKind::MeWithBasic, address())
        else {
            panic!("the Basic workload repeats one request");
        };
        let (name, value) = &request.headers[0];
        assert_eq!(name, "Authorization");
        let encoded = value.strip_prefix("Basic ").expect("the Basic scheme");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("valid Base64");
        assert_eq!(
            decoded,
            format!("{BENCH_EMAIL}:{BENCH_PASSWORD}").as_bytes()
        );
        assert_eq!(request.path, "/api/v1/users/me");
    }

    #[test]
    fn workloads_without_a_credential_need_no_server() {
        for (kind, path) in [
            (WorkloadKind::BareRoot, "/"),
            (WorkloadKind::Status, "/api/v1/status"),
        ] {
            match workload(kind, address()) {
                Ok(Workload::Repeat {
                    request,
                    expect_status,
                }) => {
                    assert_eq!((request.path.as_str(), expect_status), (path, 200));
                }
                other => panic!("unexpected workload {other:?}"),
            }
        }
        assert!(matches!(
            workload(WorkloadKind::CreateUsers, address()),
            Ok(Workload::CreateUsers { .. })
        ));
        assert!(matches!(
            workload(WorkloadKind::LoginLogout, address()),
            Ok(Workload::LoginLogout { .. })
        ));
    }
}

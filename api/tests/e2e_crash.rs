//! End to end: no acknowledged write is lost or doubled when the process dies (issue 3, item 5).
//!
//! The real `api` binary (`session_db_auth`, `SESSION_DURATION` unset so sessions never expire)
//! serves user creations and logins from several concurrent tasks and is killed with SIGKILL at
//! random moments, then restarted on the same data folder, round after round. After every kill,
//! each data file in the original's format parses as a JSON object. After every restart, every
//! creation answered 201 is listed exactly as it was answered, every login answered 200 still
//! authenticates `/api/v1/users/me` as its user, nothing is listed twice, `/api/v1/stats` agrees
//! with the list, and a creation that got no answer is either wholly there (a complete record
//! whose password logs in) or absent for good. The second test stops the server with SIGTERM
//! under light load: it exits with code 0 and loses nothing it acknowledged.
//!
//! Everything is checked through HTTP, never through the storage layout, so the tests hold for
//! any store. Random choices (operations, kill moments) come from a seeded xorshift: the seed is
//! printed first (the output is shown when a test fails) and `CRASH_TEST_SEED=<seed>` replays the
//! same choices; thread timing still varies from run to run.

mod e2e_support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use e2e_support::crash::{assert_data_files_parse, crash_seed, Probe, Rng, SEED_VARIABLE};
use e2e_support::{
    assert_seed_user, assert_user, is_uuid4, seed_original_data, Creds, Reply, Server,
    DEFAULT_SESSION_NAME, ORIGINAL_USERS, U1,
};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::task::JoinSet;

/// Sessions kept in `.db_UserSession.json`; `SESSION_DURATION` unset, so they never expire.
const ENV: &[(&str, &str)] = &[("AUTH_TYPE", "session_db_auth")];
/// How many times the crash test kills and restarts the server.
const ROUNDS: usize = 5;
/// How many tasks load the server at once in the crash test.
const CRASH_WORKERS: usize = 6;
/// How many tasks load the server at once in the SIGTERM test.
const TERM_WORKERS: usize = 2;
/// The most requests one task sends per round, so a round ends even if the stop never comes.
const MAX_REQUESTS: usize = 1000;
/// How long (ms, `low..high`) the server is loaded before each SIGKILL.
const KILL_AFTER_MS: (u64, u64) = (100, 601);
/// How long (ms, `low..high`) the server is loaded before the SIGTERM.
const TERM_AFTER_MS: (u64, u64) = (200, 401);
/// The pause (ms, `low..high`) between two requests of one task under light load.
const LIGHT_PAUSE_MS: (u64, u64) = (5, 26);
/// How many concurrent tasks run the checks after a restart.
const CHECKERS: usize = 4;
/// How many users, besides the new ones, log in again after each restart.
const SAMPLE_LOGINS: usize = 3;
/// The crash test must end well under a minute.
const TIME_LIMIT: Duration = Duration::from_secs(40);

/// A user the test asks the server to create.
#[derive(Debug, Clone)]
struct NewUser {
    email: String,
    password: String,
    first_name: String,
    last_name: String,
}

impl NewUser {
    /// The `n`-th user of the task `tag`; emails are unique within a test.
    fn numbered(tag: &str, n: usize) -> NewUser {
        NewUser {
            email: format!("crash-{tag}-{n}@example.test"),
            password: format!("pw {tag}:{n}!"),
            first_name: format!("First {tag}"),
            last_name: format!("Last {n}"),
        }
    }

    /// The `POST /api/v1/users` body creating this user.
    fn body(&self) -> String {
        json!({
            "email": self.email,
            "password": self.password,
            "first_name": self.first_name,
            "last_name": self.last_name,
        })
        .to_string()
    }
}

/// Someone a load task may log in as.
#[derive(Debug, Clone)]
struct Account {
    id: String,
    email: String,
    password: String,
}

/// A user known to exist, with the object the server answered (or listed) for it.
#[derive(Debug, Clone)]
struct Known {
    account: Account,
    object: Value,
    /// Whether its password was seen to log it in after a restart (its hash is whole).
    verified: bool,
}

/// A login the server answered 200.
#[derive(Debug, Clone)]
struct Session {
    sid: String,
    user_id: String,
    email: String,
}

/// Every outcome the load tasks saw, shared between them.
#[derive(Debug, Default)]
struct Ledger {
    /// Users whose creation was acknowledged, or that got no answer and were found complete.
    known: Vec<Known>,
    /// Creations sent that got no complete answer and were not looked for yet.
    unanswered: Vec<NewUser>,
    /// Emails of unanswered creations found absent after a restart; they must stay absent.
    absent: Vec<String>,
    /// How many unanswered creations were found complete after a restart.
    present: usize,
    /// Logins answered 200.
    sessions: Vec<Session>,
    /// Answers that must never happen to a valid request: anything but 201 for a creation,
    /// anything but 200 with a cookie for a good login.
    surprises: Vec<String>,
}

impl Ledger {
    /// Picks someone to log in as: a seeded user or a known one.
    fn pick_account(&self, rng: &mut Rng) -> Account {
        let choice = rng.index(ORIGINAL_USERS.len() + self.known.len());
        match ORIGINAL_USERS.get(choice) {
            Some(seed) => Account {
                id: seed.id.to_string(),
                email: seed.email.to_string(),
                password: seed.password.to_string(),
            },
            None => self.known[choice - ORIGINAL_USERS.len()].account.clone(),
        }
    }

    /// One line counting what happened so far.
    fn summary(&self) -> String {
        format!(
            "{} users known, {} sessions acknowledged, unanswered creations: {} found whole, {} absent",
            self.known.len(),
            self.sessions.len(),
            self.present,
            self.absent.len()
        )
    }
}

/// Locks the shared ledger (never across an `.await`).
fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .expect("no load task panicked holding the ledger")
}

/// What one round of load needs: where to send, as whom, where to record, when to stop.
#[derive(Clone)]
struct Load {
    probe: Probe,
    admin: Creds,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    pause_ms: (u64, u64),
}

impl Load {
    /// Starts `workers` tasks that create users and log in, half and half, until the stop
    /// flag, their first unanswered request, or [`MAX_REQUESTS`] each.
    fn spawn(&self, workers: usize, round: usize, rng: &mut Rng) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        for worker in 0..workers {
            let load = self.clone();
            let rng = rng.fork();
            tasks.spawn(load.run(format!("r{round}w{worker}"), rng));
        }
        tasks
    }

    async fn run(self, tag: String, mut rng: Rng) {
        for n in 0..MAX_REQUESTS {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let answered = if rng.chance(50) {
                let account = lock(&self.ledger).pick_account(&mut rng);
                self.log_in(&account).await
            } else {
                self.create(NewUser::numbered(&tag, n)).await
            };
            // No answer means the server is gone; this task's round is over.
            if !answered {
                return;
            }
            let pause = rng.between(self.pause_ms.0, self.pause_ms.1);
            if pause > 0 {
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }
    }

    /// Sends one creation and records its outcome; false when no answer came back.
    async fn create(&self, user: NewUser) -> bool {
        let outcome = self
            .probe
            .try_post_json("/api/v1/users", &user.body(), &self.admin)
            .await;
        let mut ledger = lock(&self.ledger);
        match outcome {
            Err(_) => {
                ledger.unanswered.push(user);
                false
            }
            Ok(reply) => {
                match created(&reply, &user) {
                    Ok(known) => ledger.known.push(known),
                    Err(problem) => ledger.surprises.push(problem),
                }
                true
            }
        }
    }

    /// Sends one login and records its outcome; false when no answer came back.
    async fn log_in(&self, account: &Account) -> bool {
        let Ok(reply) = self
            .probe
            .try_login(&account.email, &account.password)
            .await
        else {
            return false;
        };
        let mut ledger = lock(&self.ledger);
        match logged_in(&reply, account) {
            Ok(session) => ledger.sessions.push(session),
            Err(problem) => ledger.surprises.push(problem),
        }
        true
    }
}

/// Reads an answer to a creation: 201 with this user's object, or a surprise.
fn created(reply: &Reply, user: &NewUser) -> Result<Known, String> {
    let surprise = || {
        format!(
            "{} of {}: {} {}",
            reply.request,
            user.email,
            reply.status,
            reply.text()
        )
    };
    let object: Value = serde_json::from_slice(&reply.body).map_err(|_| surprise())?;
    let id = object["id"].as_str().unwrap_or_default().to_string();
    let matches = reply.status == 201
        && is_uuid4(&id)
        && object["email"] == user.email
        && object["first_name"] == user.first_name
        && object["last_name"] == user.last_name;
    if !matches {
        return Err(surprise());
    }
    Ok(Known {
        account: Account {
            id,
            email: user.email.clone(),
            password: user.password.clone(),
        },
        object,
        verified: false,
    })
}

/// Reads an answer to a good login: 200 with the user's object and a session cookie.
fn logged_in(reply: &Reply, account: &Account) -> Result<Session, String> {
    let sid = reply
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.name == DEFAULT_SESSION_NAME)
        .map(|cookie| cookie.value)
        .filter(|sid| is_uuid4(sid));
    let user_id = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|object| object["id"].as_str().map(str::to_string));
    match (reply.status, sid, user_id) {
        (200, Some(sid), Some(user_id)) if user_id == account.id => Ok(Session {
            sid,
            user_id,
            email: account.email.clone(),
        }),
        (status, ..) => Err(format!(
            "login of {}: {status} {}",
            account.email,
            reply.text()
        )),
    }
}

/// Checks, right after a restart, everything the server acknowledged before it stopped, and
/// settles the creations that got no answer: found complete (they become known) or absent.
async fn check_after_restart(
    server: &Server,
    admin: &Creds,
    ledger: &mut Ledger,
    rng: &mut Rng,
    context: &str,
) {
    assert!(
        ledger.surprises.is_empty(),
        "{context}: answers that must not happen under load:\n{}",
        ledger.surprises.join("\n")
    );
    let listed = server.users(admin).await;
    let listed = listed
        .as_array()
        .unwrap_or_else(|| panic!("{context}: GET /api/v1/users is not an array: {listed}"));
    let mut by_id = HashMap::new();
    let mut by_email = HashMap::new();
    for user in listed {
        let id = user["id"].as_str().unwrap_or_default();
        let email = user["email"].as_str().unwrap_or_default();
        assert!(
            by_id.insert(id, user).is_none(),
            "{context}: id {id} is listed twice"
        );
        assert!(
            by_email.insert(email, user).is_none(),
            "{context}: email {email} is listed twice"
        );
    }
    server
        .get("/api/v1/stats", admin)
        .await
        .assert_json(200, json!({ "users": listed.len() }));

    for seed in &ORIGINAL_USERS {
        let found = by_id
            .get(seed.id)
            .unwrap_or_else(|| panic!("{context}: seeded user {} is missing", seed.email));
        assert_seed_user(found, seed);
    }
    for known in &ledger.known {
        let email = &known.account.email;
        let found = by_id
            .get(known.account.id.as_str())
            .unwrap_or_else(|| panic!("{context}: acknowledged user {email} is missing"));
        assert_eq!(
            **found, known.object,
            "{context}: user {email} is not listed as it was answered"
        );
    }
    for user in std::mem::take(&mut ledger.unanswered) {
        let Some(found) = by_email.get(user.email.as_str()) else {
            ledger.absent.push(user.email);
            continue;
        };
        // Present, so it must be whole: every field here, a working password hash below.
        assert_user(
            found,
            &user.email,
            Some(&user.first_name),
            Some(&user.last_name),
        );
        ledger.present += 1;
        ledger.known.push(Known {
            account: Account {
                id: found["id"].as_str().unwrap_or_default().to_string(),
                email: user.email,
                password: user.password,
            },
            object: (*found).clone(),
            verified: false,
        });
    }
    let expected: HashSet<&str> = ORIGINAL_USERS
        .iter()
        .map(|seed| seed.id)
        .chain(ledger.known.iter().map(|known| known.account.id.as_str()))
        .collect();
    for user in listed {
        assert!(
            expected.contains(user["id"].as_str().unwrap_or_default()),
            "{context}: {user} was never acknowledged nor pending (or came back after being absent)"
        );
    }

    let mut checks: Vec<Check> = ledger
        .sessions
        .iter()
        .cloned()
        .map(Check::Session)
        .collect();
    for _ in 0..SAMPLE_LOGINS.min(ledger.known.len()) {
        let sample = rng.index(ledger.known.len());
        ledger.known[sample].verified = false;
    }
    for known in ledger.known.iter_mut().filter(|known| !known.verified) {
        known.verified = true;
        checks.push(Check::Login(known.account.clone()));
    }
    // Logins made by the checks are acknowledged sessions too; later restarts check them.
    let new_sessions = run_checks(server, checks, context).await;
    ledger.sessions.extend(new_sessions);
    assert_data_files_parse(server.data_dir(), context);
}

/// One thing that must still hold after a restart, checked through HTTP.
#[derive(Debug, Clone)]
enum Check {
    /// This acknowledged session authenticates `/api/v1/users/me` as its user.
    Session(Session),
    /// This user's password logs it in: its record, hash included, is whole.
    Login(Account),
}

impl Check {
    /// Runs the check; a login gives its new session.
    async fn run(self, probe: &Probe) -> Result<Option<Session>, String> {
        match self {
            Check::Session(session) => {
                let creds = Creds::session(&session.sid);
                let reply = probe.try_get("/api/v1/users/me", &creds).await?;
                let user_id = serde_json::from_slice::<Value>(&reply.body)
                    .ok()
                    .and_then(|object| object["id"].as_str().map(str::to_string));
                if reply.status == 200 && user_id.as_deref() == Some(session.user_id.as_str()) {
                    Ok(None)
                } else {
                    Err(format!(
                        "the acknowledged session of {} gives {} {}",
                        session.email,
                        reply.status,
                        reply.text()
                    ))
                }
            }
            Check::Login(account) => {
                let reply = probe.try_login(&account.email, &account.password).await?;
                logged_in(&reply, &account).map(Some)
            }
        }
    }
}

/// Runs `checks` from a few concurrent tasks, asserts they all hold, and returns the sessions
/// the logins among them opened.
async fn run_checks(server: &Server, checks: Vec<Check>, context: &str) -> Vec<Session> {
    let total = checks.len();
    let probe = server.probe();
    let mut checkers = JoinSet::new();
    for chunk in checks.chunks(total.div_ceil(CHECKERS).max(1)) {
        let chunk = chunk.to_vec();
        let probe = probe.clone();
        checkers.spawn(async move {
            let mut outcomes = Vec::new();
            for check in chunk {
                outcomes.push(check.run(&probe).await);
            }
            outcomes
        });
    }
    let mut sessions = Vec::new();
    let mut failures = Vec::new();
    while let Some(joined) = checkers.join_next().await {
        for outcome in joined.expect("a checker ends without panicking") {
            match outcome {
                Ok(session) => sessions.extend(session),
                Err(failure) => failures.push(failure),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{context}: {} of {total} checks failed after the restart:\n{}",
        failures.len(),
        failures.join("\n")
    );
    sessions
}

/// Waits for every load task; each stops by itself once the server is gone.
async fn join_all(mut tasks: JoinSet<()>) {
    while let Some(joined) = tasks.join_next().await {
        joined.expect("a load task ends without panicking");
    }
}

/// Prints the seed where a failing test shows it, and returns it with a generator.
fn seeded(test: &str) -> (u64, Rng) {
    let seed = crash_seed();
    eprintln!("{test}: seed {seed} (replay with {SEED_VARIABLE}={seed})");
    (seed, Rng::new(seed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_at_random_moments_under_concurrent_load() {
    let started = Instant::now();
    let (seed, mut rng) = seeded("sigkill");
    let dir = TempDir::new().expect("a temporary data folder");
    seed_original_data(dir.path());
    let mut server = Server::start(ENV, Some(dir.path())).await;
    let admin_sid = server.session(&U1).await;
    let admin = Creds::session(&admin_sid);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    lock(&ledger).sessions.push(Session {
        sid: admin_sid,
        user_id: U1.id.to_string(),
        email: U1.email.to_string(),
    });

    for round in 1..=ROUNDS {
        let context = format!("seed {seed}, round {round}");
        let load = Load {
            probe: server.probe(),
            admin: admin.clone(),
            ledger: Arc::clone(&ledger),
            stop: Arc::new(AtomicBool::new(false)),
            pause_ms: (0, 0),
        };
        let tasks = load.spawn(CRASH_WORKERS, round, &mut rng);
        let kill_after = rng.between(KILL_AFTER_MS.0, KILL_AFTER_MS.1);
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        server.kill();
        load.stop.store(true, Ordering::SeqCst);
        join_all(tasks).await;
        assert_data_files_parse(dir.path(), &format!("{context}, after SIGKILL"));

        server = Server::start(ENV, Some(dir.path())).await;
        // Every load task has ended, so the ledger can leave the mutex while it is checked.
        let mut checked = std::mem::take(&mut *lock(&ledger));
        check_after_restart(&server, &admin, &mut checked, &mut rng, &context).await;
        eprintln!(
            "{context}: killed after {kill_after} ms; {}",
            checked.summary()
        );
        *lock(&ledger) = checked;
    }

    let ledger = lock(&ledger);
    let logins = ledger.sessions.len();
    assert!(
        ledger.known.len() >= ROUNDS && logins > ROUNDS,
        "seed {seed}: too little load to test anything: {}",
        ledger.summary()
    );
    assert!(
        started.elapsed() < TIME_LIMIT,
        "seed {seed}: the crash test took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigterm_under_light_load_exits_with_0_and_keeps_every_acknowledged_write() {
    let (seed, mut rng) = seeded("sigterm");
    let context = format!("seed {seed}");
    let dir = TempDir::new().expect("a temporary data folder");
    seed_original_data(dir.path());
    let server = Server::start(ENV, Some(dir.path())).await;
    let admin_sid = server.session(&U1).await;
    let admin = Creds::session(&admin_sid);
    let load = Load {
        probe: server.probe(),
        admin: admin.clone(),
        ledger: Arc::new(Mutex::new(Ledger::default())),
        stop: Arc::new(AtomicBool::new(false)),
        pause_ms: LIGHT_PAUSE_MS,
    };
    lock(&load.ledger).sessions.push(Session {
        sid: admin_sid,
        user_id: U1.id.to_string(),
        email: U1.email.to_string(),
    });
    let tasks = load.spawn(TERM_WORKERS, 1, &mut rng);
    let term_after = rng.between(TERM_AFTER_MS.0, TERM_AFTER_MS.1);
    tokio::time::sleep(Duration::from_millis(term_after)).await;

    // `terminate` polls with blocking sleeps; the load keeps running meanwhile.
    let exit = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("waiting for the exit does not panic");
    load.stop.store(true, Ordering::SeqCst);
    join_all(tasks).await;
    assert_eq!(
        exit.code,
        Some(0),
        "{context}: SIGTERM must end the server cleanly\n--- stderr ---\n{}",
        exit.stderr
    );
    assert_data_files_parse(dir.path(), &format!("{context}, after SIGTERM"));

    let server = Server::start(ENV, Some(dir.path())).await;
    let mut ledger = std::mem::take(&mut *lock(&load.ledger));
    check_after_restart(&server, &admin, &mut ledger, &mut rng, &context).await;
    eprintln!(
        "{context}: terminated after {term_after} ms; {}",
        ledger.summary()
    );
    assert!(
        !ledger.known.is_empty() && ledger.sessions.len() > 1,
        "{context}: too little load to test anything: {}",
        ledger.summary()
    );
}

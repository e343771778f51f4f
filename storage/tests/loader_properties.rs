//! Property tests of the data-file loader: whatever bytes `.db_User.json`, `.db_UserSession.json`
//! or their journals hold (random bytes, or a valid file mutated or cut short), opening the data
//! folder never panics: it loads, or it answers `StorageError::Corrupt` or `StorageError::Io`.
//! A valid file round-trips: what was stored reads back, and the file is left byte for byte.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use domain::{PasswordHash, Timestamp, User, UserSession};
use proptest::prelude::*;
use storage::file::{FileSessionRepository, FileUserRepository, SESSIONS_FILE, USERS_FILE};
use storage::{SessionRepository, StorageError, UserRepository};
use tempfile::TempDir;

/// The `.db_User.json` line the spec quotes, as the original wrote it.
const ORIGINAL_USERS: &str = r#"{"d1b1d8ac-be5b-4849-b2ba-439092b4c05b": {"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}}"#;

/// The bytes of a valid data folder: both snapshots and both journals (with changes in them).
struct ValidFiles {
    users: Vec<u8>,
    users_journal: Vec<u8>,
    sessions: Vec<u8>,
    sessions_journal: Vec<u8>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime")
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn user(id: &str, email: &str, first_name: Option<String>) -> User {
    User {
        id: id.into(),
        created_at: ts("2020-01-02T03:04:05"),
        updated_at: ts("2020-01-02T03:04:05"),
        email: Some(email.into()),
        password: Some(PasswordHash::legacy_sha256("pw")),
        first_name,
        last_name: None,
        extra: serde_json::Map::new(),
    }
}

fn session(id: &str, user_id: &str, session_id: &str) -> UserSession {
    UserSession {
        id: id.into(),
        created_at: ts("2020-01-02T03:04:05"),
        updated_at: ts("2020-01-02T03:04:05"),
        user_id: user_id.into(),
        session_id: session_id.into(),
        last_seen_at: None,
        client_addr: None,
        user_agent: None,
        extra: serde_json::Map::new(),
    }
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).expect("file readable")
}

/// Builds a valid folder once through the repositories: a snapshot folded at close, then two
/// changes left in the journal (the repositories are dropped without closing, as by a crash).
fn valid_files() -> &'static ValidFiles {
    static FILES: OnceLock<ValidFiles> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = TempDir::new().expect("a temporary data folder");
        let path = dir.path();
        fs::write(path.join(USERS_FILE), ORIGINAL_USERS).expect("seed written");
        let rt = runtime();
        rt.block_on(async {
            let users = FileUserRepository::open(path).expect("the seed opens");
            let sessions = FileSessionRepository::open(path).expect("no sessions yet");
            users
                .create(user("u-1", "one@example.com", Some("One".into())))
                .await
                .expect("created");
            sessions
                .create(session("s-1", "u-1", "sid-1"))
                .await
                .expect("created");
            users.close().await.expect("folded");
            sessions.close().await.expect("folded");
        });
        let (users_snapshot, sessions_snapshot) = (
            read(&path.join(USERS_FILE)),
            read(&path.join(SESSIONS_FILE)),
        );
        rt.block_on(async {
            let users = FileUserRepository::open(path).expect("reopens");
            let sessions = FileSessionRepository::open(path).expect("reopens");
            users
                .create(user("u-2", "two@example.com", None))
                .await
                .expect("created");
            assert!(users.delete("u-1").await.expect("deleted"));
            sessions
                .create(session("s-2", "u-2", "sid-2"))
                .await
                .expect("created");
        });
        let journal = |file: &str| read(&path.join(format!("{file}.journal")));
        ValidFiles {
            users: users_snapshot,
            users_journal: journal(USERS_FILE),
            sessions: sessions_snapshot,
            sessions_journal: journal(SESSIONS_FILE),
        }
    })
}

/// Which of the four files a case damages.
#[derive(Debug, Clone, Copy)]
enum Target {
    Users,
    UsersJournal,
    Sessions,
    SessionsJournal,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Users),
        Just(Target::UsersJournal),
        Just(Target::Sessions),
        Just(Target::SessionsJournal),
    ]
}

/// A change to a valid file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replaces the byte at this position (modulo the length) by this value.
    Set(usize, u8),
    /// Inserts this byte at this position.
    Insert(usize, u8),
    /// Removes the byte at this position.
    Remove(usize),
    /// Cuts the file at this position.
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes the JSON and journal parsers care about are favoured over arbitrary ones.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\":,\\ \n0123456789-eE.tfn".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, value)| Mutation::Set(at, value)),
        (any::<usize>(), byte).prop_map(|(at, value)| Mutation::Insert(at, value)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match *mutation {
        Mutation::Set(at, value) if len > 0 => bytes[at % len] = value,
        Mutation::Insert(at, value) => bytes.insert(at % (len + 1), value),
        Mutation::Remove(at) if len > 0 => {
            bytes.remove(at % len);
        }
        Mutation::Truncate(at) => bytes.truncate(at % (len + 1)),
        _ => {}
    }
}

/// Writes the valid folder with `target` replaced by `bytes` into a new temporary folder.
fn folder_with(target: Target, bytes: &[u8]) -> TempDir {
    let valid = valid_files();
    let dir = TempDir::new().expect("a temporary data folder");
    let files = [
        (Target::Users, USERS_FILE.to_string(), &valid.users),
        (
            Target::UsersJournal,
            format!("{USERS_FILE}.journal"),
            &valid.users_journal,
        ),
        (Target::Sessions, SESSIONS_FILE.to_string(), &valid.sessions),
        (
            Target::SessionsJournal,
            format!("{SESSIONS_FILE}.journal"),
            &valid.sessions_journal,
        ),
    ];
    for (which, name, contents) in files {
        let contents: &[u8] = if std::mem::discriminant(&which) == std::mem::discriminant(&target) {
            bytes
        } else {
            contents
        };
        fs::write(dir.path().join(name), contents).expect("file written");
    }
    dir
}

/// Opens both repositories of `dir`; each must load or fail with `Corrupt` or `Io`.
fn open_both(dir: &Path) -> Result<(), TestCaseError> {
    let acceptable = |result: Result<(), StorageError>, what: &str| match result {
        Ok(()) | Err(StorageError::Corrupt { .. }) | Err(StorageError::Io { .. }) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!(
            "opening {what} answered {other:?}"
        ))),
    };
    acceptable(FileUserRepository::open(dir).map(drop), "the users")?;
    acceptable(FileSessionRepository::open(dir).map(drop), "the sessions")
}

fn valid_bytes(target: Target) -> Vec<u8> {
    let valid = valid_files();
    match target {
        Target::Users => valid.users.clone(),
        Target::UsersJournal => valid.users_journal.clone(),
        Target::Sessions => valid.sessions.clone(),
        Target::SessionsJournal => valid.sessions_journal.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_in_any_data_file_never_panic(
        target in target(),
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let dir = folder_with(target, &bytes);
        open_both(dir.path())?;
    }

    #[test]
    fn a_mutated_or_truncated_valid_file_never_panics(
        target in target(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = valid_bytes(target);
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        let dir = folder_with(target, &bytes);
        open_both(dir.path())?;
    }
}

/// Users with arbitrary names and emails, distinct ids and emails.
fn users() -> impl Strategy<Value = Vec<User>> {
    prop::collection::vec(("[a-z0-9.+-]{1,12}", prop::option::of("\\PC{0,12}")), 0..6).prop_map(
        |fields| {
            fields
                .into_iter()
                .enumerate()
                .map(|(n, (local, first_name))| {
                    user(
                        &format!("id-{n}"),
                        &format!("{local}{n}@example.com"),
                        first_name,
                    )
                })
                .collect()
        },
    )
}

proptest! {
    // Each case syncs files; a few dozen keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_valid_file_round_trips(users in users()) {
        let dir = TempDir::new().expect("a temporary data folder");
        let rt = runtime();
        let written = rt.block_on(async {
            let repository = FileUserRepository::open(dir.path()).expect("an empty folder opens");
            for user in &users {
                repository.create(user.clone()).await.expect("created");
            }
            repository.close().await.expect("folded");
            fs::read(dir.path().join(USERS_FILE)).unwrap_or_default()
        });
        let listed = rt.block_on(async {
            let repository = FileUserRepository::open(dir.path()).expect("its own file opens");
            let listed = repository.list().await.expect("listed");
            repository.close().await.expect("closed");
            listed
        });
        prop_assert_eq!(&listed, &users);
        let again = fs::read(dir.path().join(USERS_FILE)).unwrap_or_default();
        prop_assert_eq!(again, written);
    }
}

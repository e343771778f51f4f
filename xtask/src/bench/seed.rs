//! Seed data written straight into a data folder before the server starts, in the original's
//! file format: one line, `", "` and `": "` separators, as Python's `json.dump` writes it.
//!
//! Going through the API would cost one Argon2 hash and one whole-file rewrite per record;
//! formatting the records directly writes a million of them in about a second. Every user shares
//! one Argon2id hash computed with the service's default parameters, so files have their real
//! size and the benchmark account logs in with its real cost.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use domain::{Clock, PasswordHasher, PasswordParams, SystemClock};

use super::fake_ids::{fake_uuid, fake_uuid_string, IdStream};

/// The users file's name in a data folder.
pub const USERS_FILE: &str = ".db_User.json";

/// The sessions file's name in a data folder.
pub const SESSIONS_FILE: &str = ".db_UserSession.json";

/// The email of the account the benchmark logs in with.
pub const BENCH_EMAIL: &str = "bench@bench.example";

/// The password of the account the benchmark logs in with.
pub const BENCH_PASSWORD: &str = "Bench-Passw0rd!";

/// What every seeded record shares: the password hash and the timestamp.
#[derive(Debug, Clone)]
pub struct SeedMaterial {
    /// The Argon2id PHC string of [`BENCH_PASSWORD`] with the default parameters.
    password_hash: String,
    /// The creation and update time of every record, in the file's timestamp format.
    timestamp: String,
}

impl SeedMaterial {
    /// Hashes [`BENCH_PASSWORD`] once with the service's default (OWASP) Argon2id parameters
    /// and takes the current time.
    pub fn generate() -> Result<Self, String> {
        let hasher = PasswordHasher::new(PasswordParams::default())
            .map_err(|error| format!("cannot set up Argon2id: {error}"))?;
        let hash = hasher
            .hash(BENCH_PASSWORD)
            .map_err(|error| format!("cannot hash the benchmark password: {error}"))?;
        SeedMaterial::new(hash.as_str(), &SystemClock.now().to_string())
    }

    /// Uses the given hash and timestamp; both must need no JSON escaping.
    pub fn new(password_hash: &str, timestamp: &str) -> Result<Self, String> {
        if !is_plain_json_text(password_hash) || !is_plain_json_text(timestamp) {
            return Err("seed values must be printable ASCII without quotes or backslashes".into());
        }
        Ok(SeedMaterial {
            password_hash: password_hash.to_string(),
            timestamp: timestamp.to_string(),
        })
    }
}

/// How much data a scenario starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedPlan {
    /// Users `user<N>@bench.example`, N from 0.
    pub filler_users: u64,
    /// Whether the benchmark's own account ([`BENCH_EMAIL`]) comes after them.
    pub bench_user: bool,
    /// Session records, owned by the filler users in turn (by the benchmark account when there
    /// are no fillers). No file is written when there are none.
    pub sessions: u64,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededData {
    /// The benchmark account's id, when it was seeded.
    pub bench_user_id: Option<String>,
    /// The total size of the files written, in bytes.
    pub bytes: u64,
}

/// Writes the files `plan` asks for into `dir`.
///
/// The files are not synced: the server reads them back at once from the page cache, which is
/// what a restart of a running service does too.
pub fn write_seed(dir: &Path, plan: SeedPlan, material: &SeedMaterial) -> io::Result<SeededData> {
    let mut bytes = 0;
    let bench_user_id = plan
        .bench_user
        .then(|| fake_uuid_string(IdStream::BenchUser, 0));
    if plan.filler_users > 0 || plan.bench_user {
        let path = dir.join(USERS_FILE);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        write_users(&mut out, plan, material)?;
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        bytes += std::fs::metadata(&path)?.len();
    }
    if plan.sessions > 0 {
        let path = dir.join(SESSIONS_FILE);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        write_sessions(&mut out, plan, material)?;
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        bytes += std::fs::metadata(&path)?.len();
    }
    Ok(SeededData {
        bench_user_id,
        bytes,
    })
}

/// Writes the users table of `plan`: the fillers, then the benchmark account.
pub fn write_users(
    out: &mut impl Write,
    plan: SeedPlan,
    material: &SeedMaterial,
) -> io::Result<()> {
    out.write_all(b"{")?;
    let mut email = Vec::new();
    for index in 0..plan.filler_users {
        email.clear();
        email.extend_from_slice(b"user");
        email.extend_from_slice(index.to_string().as_bytes());
        email.extend_from_slice(b"@bench.example");
        let id = fake_uuid(IdStream::FillerUser, index);
        write_user(out, index == 0, &id, &email, material)?;
    }
    if plan.bench_user {
        let id = fake_uuid(IdStream::BenchUser, 0);
        let first = plan.filler_users == 0;
        write_user(out, first, &id, BENCH_EMAIL.as_bytes(), material)?;
    }
    out.write_all(b"}")
}

/// Writes the sessions table of `plan`: session `i` belongs to filler user `i mod fillers`.
pub fn write_sessions(
    out: &mut impl Write,
    plan: SeedPlan,
    material: &SeedMaterial,
) -> io::Result<()> {
    out.write_all(b"{")?;
    for index in 0..plan.sessions {
        let user_id = if plan.filler_users > 0 {
            fake_uuid(IdStream::FillerUser, index % plan.filler_users)
        } else {
            fake_uuid(IdStream::BenchUser, 0)
        };
        let id = fake_uuid(IdStream::SessionRecord, index);
        let secret = fake_uuid(IdStream::SessionSecret, index);
        let separator: &[u8] = if index == 0 { b"" } else { b", " };
        let time = material.timestamp.as_bytes();
        write_parts(
            out,
            &[
                separator,
                b"\"",
                &id,
                b"\": {\"id\": \"",
                &id,
                b"\", \"created_at\": \"",
                time,
                b"\", \"updated_at\": \"",
                time,
                b"\", \"user_id\": \"",
                &user_id,
                b"\", \"session_id\": \"",
                &secret,
                b"\"}",
            ],
        )?;
    }
    out.write_all(b"}")
}

/// Writes one user entry `"id": {...}`, preceded by `", "` unless it is the first.
fn write_user(
    out: &mut impl Write,
    first: bool,
    id: &[u8],
    email: &[u8],
    material: &SeedMaterial,
) -> io::Result<()> {
    let separator: &[u8] = if first { b"" } else { b", " };
    let time = material.timestamp.as_bytes();
    write_parts(
        out,
        &[
            separator,
            b"\"",
            id,
            b"\": {\"id\": \"",
            id,
            b"\", \"created_at\": \"",
            time,
            b"\", \"updated_at\": \"",
            time,
            b"\", \"email\": \"",
            email,
            b"\", \"_password\": \"",
            material.password_hash.as_bytes(),
            b"\", \"first_name\": null, \"last_name\": null}",
        ],
    )
}

/// Writes `parts` one after the other. Plain byte copies rather than `write!`: the xtask binary
/// runs unoptimised, where the formatting machinery would make a million records slow.
fn write_parts(out: &mut impl Write, parts: &[&[u8]]) -> io::Result<()> {
    for part in parts {
        out.write_all(part)?;
    }
    Ok(())
}

/// Whether `text` can go between JSON quotes as it is and reads back the same in Python's
/// `json.dump` format: printable ASCII other than `"` and `\`.
fn is_plain_json_text(text: &str) -> bool {
    text.bytes()
        .all(|byte| (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\')
}

#[cfg(test)]
mod tests {
    use domain::{PasswordHash, User, UserSession, Verification};
    use serde_json::{Map, Value};

    use super::*;

    /// The SPEC's observed `.db_User.json` line, byte for byte.
    const ORIGINAL_LINE: &str = r#"{"d1b1d8ac-be5b-4849-b2ba-439092b4c05b": {"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}}"#;

    fn material() -> SeedMaterial {
        SeedMaterial::new(
            "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967",
            "2017-10-16T04:23:04",
        )
        .expect("plain values")
    }

    fn users_text(plan: SeedPlan) -> String {
        let mut out = Vec::new();
        write_users(&mut out, plan, &material()).expect("writing to memory");
        String::from_utf8(out).expect("ASCII")
    }

    fn sessions_text(plan: SeedPlan) -> String {
        let mut out = Vec::new();
        write_sessions(&mut out, plan, &material()).expect("writing to memory");
        String::from_utf8(out).expect("ASCII")
    }

    fn table(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).expect("the seed is one JSON object")
    }

    #[test]
    fn a_user_is_written_exactly_as_the_original_wrote_one() {
        let mut out = Vec::new();
        write_user(
            &mut out,
            true,
            b"d1b1d8ac-be5b-4849-b2ba-439092b4c05b",
            b"bobsession@hbtn.io",
            &material(),
        )
        .expect("writing to memory");
        let text = format!("{{{}}}", String::from_utf8(out).expect("ASCII"));
        assert_eq!(text, ORIGINAL_LINE);
    }

    #[test]
    fn the_users_file_parses_into_domain_users_keyed_by_id() {
        let text = users_text(SeedPlan {
            filler_users: 3,
            bench_user: true,
            sessions: 0,
        });
        assert!(!text.contains('\n'), "one line");
        let users = table(&text);
        assert_eq!(users.len(), 4);
        let mut emails = Vec::new();
        for (key, value) in users {
            let user: User = serde_json::from_value(value).expect("a valid user record");
            assert_eq!(user.id, key);
            assert_eq!(user.created_at.to_string(), "2017-10-16T04:23:04");
            assert!(user.extra.is_empty(), "no unknown attribute");
            emails.push(user.email.expect("every seeded user has an email"));
        }
        assert_eq!(
            emails,
            [
                "user0@bench.example",
                "user1@bench.example",
                "user2@bench.example",
                BENCH_EMAIL
            ]
        );
    }

    #[test]
    fn the_sessions_file_parses_and_points_at_seeded_users() {
        let plan = SeedPlan {
            filler_users: 2,
            bench_user: true,
            sessions: 5,
        };
        let users = table(&users_text(plan));
        let sessions = table(&sessions_text(plan));
        assert_eq!(sessions.len(), 5);
        let mut secrets = Vec::new();
        for (key, value) in sessions {
            let session: UserSession = serde_json::from_value(value).expect("a valid session");
            assert_eq!(session.id, key);
            assert!(users.contains_key(&session.user_id), "owner exists");
            secrets.push(session.session_id);
        }
        secrets.sort();
        secrets.dedup();
        assert_eq!(secrets.len(), 5, "session ids are distinct");
    }

    #[test]
    fn sessions_belong_to_the_bench_user_when_there_are_no_fillers() {
        let plan = SeedPlan {
            filler_users: 0,
            bench_user: true,
            sessions: 2,
        };
        let bench_id = fake_uuid_string(IdStream::BenchUser, 0);
        for (_, value) in table(&sessions_text(plan)) {
            let session: UserSession = serde_json::from_value(value).expect("a valid session");
            assert_eq!(session.user_id, bench_id);
        }
    }

    #[test]
    fn empty_tables_are_empty_objects() {
        assert_eq!(users_text(SeedPlan::default()), "{}");
        assert_eq!(sessions_text(SeedPlan::default()), "{}");
    }

    #[test]
    fn values_that_would_need_escaping_are_refused() {
        assert!(SeedMaterial::new("a\"b", "2017-10-16T04:23:04").is_err());
        assert!(SeedMaterial::new("hash", "2017\\").is_err());
        assert!(SeedMaterial::new("é", "2017-10-16T04:23:04").is_err());
    }

    #[test]
    fn files_are_written_only_when_they_hold_something() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let written = write_seed(
            dir.path(),
            SeedPlan {
                filler_users: 1,
                bench_user: false,
                sessions: 0,
            },
            &material(),
        )
        .expect("seeding");
        assert!(dir.path().join(USERS_FILE).exists());
        assert!(!dir.path().join(SESSIONS_FILE).exists());
        assert_eq!(written.bench_user_id, None);
        let size = std::fs::metadata(dir.path().join(USERS_FILE))
            .expect("the users file")
            .len();
        assert_eq!(written.bytes, size);
    }

    #[test]
    fn the_generated_hash_is_argon2id_with_the_default_parameters() {
        // One real OWASP-cost hash (about a tenth of a second with optimised dependencies).
        let material = SeedMaterial::generate().expect("hashing works");
        assert!(material
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let hasher = PasswordHasher::new(PasswordParams::default()).expect("default parameters");
        let stored = PasswordHash::from_stored(material.password_hash.clone());
        assert_eq!(hasher.verify(&stored, BENCH_PASSWORD), Verification::Match);
    }
}

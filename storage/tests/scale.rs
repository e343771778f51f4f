//! The scale check (ignored by default, run it in release mode):
//!
//! ```sh
//! cargo test --release -p storage --test scale -- --ignored --nocapture
//! ```
//!
//! It writes a data folder of one million users and one million sessions in the original's
//! format (`SCALE_RECORDS` changes the count), opens both file repositories, and checks that
//! loading takes under ten seconds and that the process's peak resident memory stays below three
//! times the size of the data files.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use storage::file::{FileSessionRepository, FileUserRepository, SESSIONS_FILE, USERS_FILE};
use storage::{SessionRepository, UserRepository};
use tempfile::TempDir;

/// A UUID4-shaped id made from `n` and a tag (unique, deterministic, cheap).
fn id(tag: u32, n: u64) -> String {
    format!(
        "{tag:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 32) & 0xffff,
        (n >> 20) & 0xfff,
        (n >> 8) & 0xfff,
        n
    )
}

/// Writes the users and sessions files of `count` users, each with one session, as the
/// original's `json.dump` writes them; returns their total size in bytes.
fn write_data_folder(dir: &Path, count: u64) -> u64 {
    let hash = "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967";
    let mut users = BufWriter::new(File::create(dir.join(USERS_FILE)).expect("users file"));
    let mut sessions =
        BufWriter::new(File::create(dir.join(SESSIONS_FILE)).expect("sessions file"));
    users.write_all(b"{").expect("written");
    sessions.write_all(b"{").expect("written");
    for n in 0..count {
        let separator = if n == 0 { "" } else { ", " };
        let user = id(1, n);
        write!(
            users,
            r#"{separator}"{user}": {{"id": "{user}", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "user{n}@hbtn.io", "_password": "{hash}", "first_name": null, "last_name": null}}"#
        )
        .expect("written");
        let (record, secret) = (id(2, n), id(3, n));
        write!(
            sessions,
            r#"{separator}"{record}": {{"id": "{record}", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "user_id": "{user}", "session_id": "{secret}"}}"#
        )
        .expect("written");
    }
    users.write_all(b"}").expect("written");
    sessions.write_all(b"}").expect("written");
    users.flush().expect("flushed");
    sessions.flush().expect("flushed");
    [USERS_FILE, SESSIONS_FILE]
        .iter()
        .map(|name| fs::metadata(dir.join(name)).expect("written").len())
        .sum()
}

/// The peak resident memory of this process, in bytes (`VmHWM`), where `/proc` tells it.
fn peak_resident_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes about 600 MB and needs a release build; run it on purpose"]
async fn a_million_users_and_sessions_load_fast_and_fit_in_memory() {
    let count: u64 = std::env::var("SCALE_RECORDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let dir = TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let data_bytes = write_data_folder(dir.path(), count);

    let started = Instant::now();
    let users = FileUserRepository::open(dir.path()).expect("users load");
    let users_loaded = started.elapsed();
    let sessions = FileSessionRepository::open(dir.path()).expect("sessions load");
    let loaded = started.elapsed();
    let peak = peak_resident_bytes();

    println!(
        "{count} users + {count} sessions, {:.0} MB of data files: users in {users_loaded:.2?}, \
         both in {loaded:.2?}; peak resident memory {} MB",
        data_bytes as f64 / 1e6,
        peak.map_or("unknown".to_string(), |bytes| format!(
            "{:.0}",
            bytes as f64 / 1e6
        )),
    );
    let last = count.saturating_sub(1);
    let found = users
        .find_by_email(&format!("user{last}@hbtn.io"))
        .await
        .expect("read");
    assert_eq!(found.map(|user| user.id), Some(id(1, last)));
    let session = sessions.get(&id(3, last)).await.expect("read");
    assert_eq!(session.map(|session| session.user_id), Some(id(1, last)));
    assert_eq!(users.count().await.expect("count"), count as usize);

    assert!(loaded < Duration::from_secs(10), "loading took {loaded:?}");
    if let Some(peak) = peak {
        assert!(
            peak < 3 * data_bytes,
            "peak resident memory {peak} bytes for {data_bytes} bytes of data files"
        );
    }
}

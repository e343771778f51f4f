//! The journal of the file store: changes survive a crash, folds leave the original's format,
//! a torn last record is dropped, damage in the middle stops start-up, concurrent writers share
//! syncs, and a write costs one record whatever the size of the store.

mod support;

use support::{names_in, read, ts, user, USERS_JOURNAL};

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::UserSession;
use storage::file::{
    current_contents, FileSessionRepository, FileStoreOptions, FileUserRepository, SESSIONS_FILE,
    USERS_FILE,
};
use storage::{SessionRepository, StorageError, UserRepository};
use tempfile::TempDir;

/// The `.db_User.json` line the spec quotes, byte for byte as the original wrote it.
const ORIGINAL_USERS: &str = r#"{"d1b1d8ac-be5b-4849-b2ba-439092b4c05b": {"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}}"#;

const BOB_ID: &str = "d1b1d8ac-be5b-4849-b2ba-439092b4c05b";

fn folder_with_original_users() -> TempDir {
    let dir = TempDir::new().expect("a temporary data folder");
    fs::write(dir.path().join(USERS_FILE), ORIGINAL_USERS).expect("seed file written");
    dir
}

/// What the users file of `dir` holds once its journal is folded in.
fn current_users(dir: &Path) -> String {
    let bytes = current_contents(dir, USERS_FILE)
        .expect("the folder reads")
        .expect("there is data");
    String::from_utf8(bytes).expect("ASCII")
}

async fn ids(users: &FileUserRepository) -> Vec<String> {
    users
        .list()
        .await
        .expect("listed")
        .into_iter()
        .map(|user| user.id)
        .collect()
}

/// Waits (a few seconds at most) until `users` has folded its journal `count` times.
async fn wait_for_folds(users: &FileUserRepository, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while users.stats().compactions < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(users.stats().compactions >= count, "{:?}", users.stats());
}

/// The journal's records, each with its newline.
fn journal_lines(dir: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(dir.join(USERS_JOURNAL)).expect("journal readable");
    bytes
        .split_inclusive(|&byte| byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn write_journal(dir: &Path, lines: &[Vec<u8>]) {
    fs::write(dir.join(USERS_JOURNAL), lines.concat()).expect("journal written");
}

/// Opens a store on `dir`, makes `count` users `u0`.. and drops it without closing, as a crash
/// would leave it.
async fn crash_after_creating(dir: &Path, count: usize) {
    let users = FileUserRepository::open(dir).expect("opens");
    for n in 0..count {
        users
            .create(user(&format!("u{n}"), &format!("{n}@x")))
            .await
            .expect("created");
    }
}

#[tokio::test]
async fn changes_survive_a_crash_in_the_journal_and_are_folded_at_the_next_start() {
    let dir = folder_with_original_users();
    {
        let users = FileUserRepository::open(dir.path()).expect("opens");
        users.create(user("u1", "one@x")).await.expect("created");
        users.create(user("u2", "two@x")).await.expect("created");
        let mut renamed = user("u1", "uno@x");
        renamed.first_name = Some("Uno".into());
        users.update(renamed).await.expect("updated");
        assert!(users.delete(BOB_ID).await.expect("deleted"));
        // Dropped without `close`: the journal is all there is, as after `kill -9`.
    }
    assert_eq!(
        read(&dir.path().join(USERS_FILE)),
        ORIGINAL_USERS,
        "the data file is the original's until a fold"
    );
    assert_eq!(names_in(dir.path()), [USERS_FILE, USERS_JOURNAL]);
    let folded = current_users(dir.path());

    let users = FileUserRepository::open(dir.path()).expect("replays the journal");
    assert_eq!(ids(&users).await, ["u1", "u2"]);
    let uno = users.get("u1").await.expect("read").expect("there");
    assert_eq!(uno.first_name.as_deref(), Some("Uno"));
    assert_eq!(
        users
            .find_by_email("uno@x")
            .await
            .expect("read")
            .map(|u| u.id),
        Some("u1".to_string())
    );
    assert_eq!(users.find_by_email("one@x").await.expect("read"), None);
    wait_for_folds(&users, 1).await;
    assert_eq!(
        names_in(dir.path()),
        [USERS_FILE],
        "start-up folded the journal into the data file"
    );
    assert_eq!(read(users.path()), folded);
    assert!(folded.starts_with(r#"{"u1": {"id": "u1", "created_at": "2020-01-02T03:04:05""#));
}

#[tokio::test]
async fn sessions_survive_a_crash_in_the_journal_too() {
    let dir = TempDir::new().expect("temp dir");
    let mut kept = Vec::new();
    {
        let sessions = FileSessionRepository::open(dir.path()).expect("opens");
        for (user_id, created) in [
            ("a", "2020-01-01T00:00:00"),
            ("b", "2020-01-02T00:00:00"),
            ("a", "2020-01-03T00:00:00"),
            ("c", "2020-01-04T00:00:00"),
        ] {
            let session = UserSession::new(user_id, ts(created));
            sessions.create(session.clone()).await.expect("created");
            kept.push(session);
        }
        assert_eq!(sessions.delete_for_user("a").await.expect("deleted"), 2);
        assert!(sessions.delete(&kept[3].session_id).await.expect("deleted"));
    }
    let sessions = FileSessionRepository::open(dir.path()).expect("replays");
    assert_eq!(
        sessions.get(&kept[1].session_id).await.expect("read"),
        Some(kept[1].clone())
    );
    for gone in [&kept[0], &kept[2], &kept[3]] {
        assert_eq!(sessions.get(&gone.session_id).await.expect("read"), None);
    }
    sessions.close().await.expect("closes");
    assert_eq!(names_in(dir.path()), [SESSIONS_FILE]);
}

#[tokio::test]
async fn a_copy_taken_between_writes_holds_every_acknowledged_change() {
    let dir = TempDir::new().expect("temp dir");
    let users = FileUserRepository::open(dir.path()).expect("opens");
    for n in 0..5 {
        users
            .create(user(&format!("u{n}"), &format!("{n}@x")))
            .await
            .expect("created");
        // Whatever instant a crash strikes after an answer, the files hold the change.
        let copy = TempDir::new().expect("temp dir");
        for name in names_in(dir.path()) {
            fs::copy(dir.path().join(&name), copy.path().join(&name)).expect("copied");
        }
        let reopened = FileUserRepository::open(copy.path()).expect("the copy opens");
        assert_eq!(reopened.count().await.expect("count"), n + 1);
    }
}

#[tokio::test]
async fn close_leaves_only_the_data_file_and_refuses_later_changes() {
    let dir = folder_with_original_users();
    let users = FileUserRepository::open(dir.path()).expect("opens");
    users.create(user("u1", "one@x")).await.expect("created");
    let expected = current_users(dir.path());
    users.close().await.expect("folds");
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
    assert_eq!(read(users.path()), expected);
    assert!(expected.starts_with(&ORIGINAL_USERS[..ORIGINAL_USERS.len() - 1]));
    assert!(expected.ends_with(r#""first_name": null, "last_name": null}}"#));

    let refused = users.create(user("u2", "two@x")).await;
    assert!(
        matches!(refused, Err(StorageError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(users.count().await.expect("reads still work"), 2);
    users.close().await.expect("closing twice is harmless");
    assert_eq!(read(users.path()), expected);
}

#[tokio::test]
async fn closing_without_changes_writes_nothing() {
    let dir = folder_with_original_users();
    let users = FileUserRepository::open(dir.path()).expect("opens");
    assert!(!users.delete("nobody").await.expect("no-op"));
    users.close().await.expect("closes");
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
    assert_eq!(read(users.path()), ORIGINAL_USERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_journal_is_folded_in_the_background_while_writes_go_on() {
    let dir = folder_with_original_users();
    let options = FileStoreOptions {
        compaction_threshold: 4096,
    };
    let users = Arc::new(FileUserRepository::open_with(dir.path(), options).expect("opens"));
    let mut expected = vec![BOB_ID.to_string()];
    for round in 0..10 {
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let users = Arc::clone(&users);
                let id = format!("r{round}-{n:02}");
                tokio::spawn(async move { users.create(user(&id, &format!("{id}@x"))).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task ran").expect("created");
        }
        let mut round_ids: Vec<String> = (0..20).map(|n| format!("r{round}-{n:02}")).collect();
        // Concurrent creates land in any order within the round.
        let listed = ids(&users).await;
        let tail = &listed[expected.len()..];
        let mut sorted_tail = tail.to_vec();
        sorted_tail.sort();
        round_ids.sort();
        assert_eq!(sorted_tail, round_ids);
        expected.extend(tail.iter().cloned());
    }
    // The fold runs on its own thread; give it a moment to be put in place.
    let deadline = Instant::now() + Duration::from_secs(10);
    while users.stats().compactions == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = users.stats();
    assert!(stats.compactions >= 1, "{stats:?}");
    assert_eq!(stats.changes, 200);
    let snapshot = read(users.path());
    assert!(
        snapshot.len() > ORIGINAL_USERS.len() * 10,
        "the data file took in journal records"
    );
    let journal_len = fs::metadata(dir.path().join(USERS_JOURNAL)).map_or(0, |m| m.len());
    assert!(
        journal_len < stats.appended_bytes,
        "the journal was replaced by a shorter one: {journal_len} bytes of {stats:?}"
    );
    assert_eq!(ids(&users).await, expected);

    // A crash now: the folded data file plus the rest of the journal give everything back.
    let folded = current_users(dir.path());
    drop(users);
    let reopened = FileUserRepository::open(dir.path()).expect("reopens");
    assert_eq!(ids(&reopened).await, expected);
    wait_for_folds(&reopened, 1).await;
    assert_eq!(read(reopened.path()), folded);
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
}

#[tokio::test]
async fn a_torn_last_record_is_dropped_and_every_earlier_change_kept() {
    let dir = TempDir::new().expect("temp dir");
    crash_after_creating(dir.path(), 3).await;
    let lines = journal_lines(dir.path());
    assert_eq!(lines.len(), 4, "a header and one record per change");

    // A crash in the middle of an append: half a record, no newline.
    let mut torn = lines.clone();
    let last = lines[3].clone();
    torn.push(last[..last.len() / 2].to_vec());
    write_journal(dir.path(), &torn);
    let users = FileUserRepository::open(dir.path()).expect("recovers");
    assert_eq!(ids(&users).await, ["u0", "u1", "u2"]);
    drop(users);

    // The last record complete but damaged: only that change is lost.
    let dir = TempDir::new().expect("temp dir");
    crash_after_creating(dir.path(), 3).await;
    let mut damaged = journal_lines(dir.path());
    let at = damaged[3].len() - 10;
    damaged[3][at] ^= 0x01;
    write_journal(dir.path(), &damaged);
    let users = FileUserRepository::open(dir.path()).expect("recovers");
    assert_eq!(ids(&users).await, ["u0", "u1"]);
    wait_for_folds(&users, 1).await;
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
    drop(users);

    // The last record without its newline.
    let dir = TempDir::new().expect("temp dir");
    crash_after_creating(dir.path(), 3).await;
    let mut cut = journal_lines(dir.path());
    cut[3].pop();
    write_journal(dir.path(), &cut);
    let users = FileUserRepository::open(dir.path()).expect("recovers");
    assert_eq!(ids(&users).await, ["u0", "u1"]);
    drop(users);

    // Only a torn header (a crash while the journal was being created): nothing was written.
    let dir = TempDir::new().expect("temp dir");
    crash_after_creating(dir.path(), 1).await;
    let lines = journal_lines(dir.path());
    write_journal(dir.path(), &[lines[0][..10].to_vec()]);
    let users = FileUserRepository::open(dir.path()).expect("recovers");
    assert_eq!(users.count().await.expect("count"), 0);
    assert!(names_in(dir.path()).is_empty());
}

#[tokio::test]
async fn a_damaged_record_followed_by_others_stops_start_up_and_changes_nothing() {
    let dir = folder_with_original_users();
    crash_after_creating(dir.path(), 4).await;
    let mut lines = journal_lines(dir.path());
    let offset: usize = lines[..2].iter().map(Vec::len).sum();
    let at = lines[2].len() - 5;
    lines[2][at] ^= 0x20;
    write_journal(dir.path(), &lines);
    let before_names = names_in(dir.path());
    let before_journal = fs::read(dir.path().join(USERS_JOURNAL)).expect("readable");

    let error = FileUserRepository::open(dir.path()).expect_err("must not start");
    match &error {
        StorageError::Corrupt {
            path,
            line,
            message,
            ..
        } => {
            assert_eq!(path, &dir.path().join(USERS_JOURNAL));
            assert_eq!(*line, 3);
            assert!(message.contains(&format!("byte {offset}")), "{message}");
            assert!(message.contains("checksum"), "{message}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(error.to_string().contains(USERS_JOURNAL), "{error}");
    assert_eq!(names_in(dir.path()), before_names);
    assert_eq!(
        fs::read(dir.path().join(USERS_JOURNAL)).expect("readable"),
        before_journal
    );
    assert_eq!(read(&dir.path().join(USERS_FILE)), ORIGINAL_USERS);
    assert!(current_contents(dir.path(), USERS_FILE).is_err());
}

#[tokio::test]
async fn a_journal_of_another_data_file_stops_start_up_unless_it_is_empty() {
    let dir = folder_with_original_users();
    crash_after_creating(dir.path(), 2).await;
    // The data file replaced while changes were pending (by hand, or by the original).
    let replaced = ORIGINAL_USERS.replace("bobsession@hbtn.io", "other@hbtn.io");
    fs::write(dir.path().join(USERS_FILE), &replaced).expect("replaced");
    let journal = fs::read(dir.path().join(USERS_JOURNAL)).expect("readable");
    let error = FileUserRepository::open(dir.path()).expect_err("must not guess");
    assert!(
        matches!(&error, StorageError::Corrupt { path, .. } if path.ends_with(USERS_JOURNAL)),
        "{error:?}"
    );
    assert_eq!(read(&dir.path().join(USERS_FILE)), replaced);
    assert_eq!(
        fs::read(dir.path().join(USERS_JOURNAL)).expect("readable"),
        journal
    );

    // A journal with no change loses nothing: the data file alone is the truth.
    let lines = journal_lines(dir.path());
    write_journal(dir.path(), &lines[..1]);
    let users = FileUserRepository::open(dir.path()).expect("opens");
    assert_eq!(
        users
            .find_by_email("other@hbtn.io")
            .await
            .expect("read")
            .map(|u| u.id),
        Some(BOB_ID.to_string())
    );
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_share_syncs() {
    // On the target folder's disk, where a sync takes real time.
    let dir = TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let users = Arc::new(FileUserRepository::open(dir.path()).expect("opens"));
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let users = Arc::clone(&users);
            tokio::spawn(async move {
                users
                    .create(user(&format!("u{n}"), &format!("{n}@x")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task ran").expect("created");
    }
    let stats = users.stats();
    assert_eq!(stats.changes, 200);
    assert!(
        stats.syncs < stats.changes,
        "concurrent changes share syncs: {stats:?}"
    );
    assert_eq!(users.count().await.expect("count"), 200);
    drop(users);
    let reopened = FileUserRepository::open(dir.path()).expect("reopens");
    assert_eq!(reopened.count().await.expect("count"), 200);
}

/// The users file of a store holding `count` users, as Python's `json.dump` writes it.
fn seed_file_with(count: usize) -> String {
    let records: Vec<String> = (0..count)
        .map(|n| {
            let id = format!("seed-{n:08}");
            format!(
                r#""{id}": {{"id": "{id}", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "{id}@hbtn.io", "_password": null, "first_name": null, "last_name": null}}"#
            )
        })
        .collect();
    format!("{{{}}}", records.join(", "))
}

/// How many bytes the journal grows by for each of ten creates on a store of `count` users.
async fn growth_per_write(count: usize) -> Vec<u64> {
    let dir = TempDir::new().expect("temp dir");
    let seed = seed_file_with(count);
    fs::write(dir.path().join(USERS_FILE), &seed).expect("seed written");
    let users = FileUserRepository::open(dir.path()).expect("opens");
    users
        .create(user("first", "first@x"))
        .await
        .expect("created");
    let journal = dir.path().join(USERS_JOURNAL);
    let mut len = fs::metadata(&journal).expect("journal").len();
    let mut growth = Vec::new();
    for n in 0..10 {
        users
            .create(user(&format!("user-{n}"), &format!("user-{n}@x")))
            .await
            .expect("created");
        let now = fs::metadata(&journal).expect("journal").len();
        growth.push(now - len);
        len = now;
    }
    assert_eq!(
        read(&dir.path().join(USERS_FILE)),
        seed,
        "the data file is not rewritten"
    );
    assert_eq!(users.stats().appended_bytes, len - growth_header(&journal));
    growth
}

/// The length of the journal's header record.
fn growth_header(journal: &Path) -> u64 {
    let bytes = fs::read(journal).expect("journal");
    bytes
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(0, |at| at as u64 + 1)
}

#[tokio::test]
async fn a_write_costs_one_record_whatever_the_size_of_the_store() {
    let small = growth_per_write(1).await;
    let large = growth_per_write(20_000).await;
    assert_eq!(small, large, "the same records cost the same bytes");
    for bytes in large {
        assert!(
            (150..400).contains(&bytes),
            "one line per user record: {bytes} bytes"
        );
    }
}

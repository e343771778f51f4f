//! Behaviour only the file store has: the original's files, exact bytes, corrupt files, failed
//! writes, durability across reopening. The journal itself (replay, folding, torn records,
//! group commit) is tested in `journal.rs`.

mod support;

use support::{names_in, read, ts, user_with, USERS_JOURNAL};

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use domain::{PasswordHash, PasswordHasher, PasswordParams, UserSession};
use serde_json::Value;
use storage::file::{
    current_contents, FileSessionRepository, FileUserRepository, SESSIONS_FILE, USERS_FILE,
};
use storage::{ReadNow, SessionRepository, StorageError, UserRepository};
use tempfile::TempDir;

/// The `.db_User.json` line the spec quotes, byte for byte as the original wrote it.
const ORIGINAL_USERS: &str = r#"{"d1b1d8ac-be5b-4849-b2ba-439092b4c05b": {"id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bobsession@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}}"#;

/// A `.db_UserSession.json` as one original solution wrote it (`session_id` before `user_id`).
const ORIGINAL_SESSIONS: &str = r#"{"5b4c0a52-8f4e-4c4b-9d8e-3b1c5a1e2f00": {"id": "5b4c0a52-8f4e-4c4b-9d8e-3b1c5a1e2f00", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "session_id": "2b5d3c9e-6a0f-4b7c-8d1e-9f2a4c6b8e10", "user_id": "d1b1d8ac-be5b-4849-b2ba-439092b4c05b"}}"#;

const BOB_ID: &str = "d1b1d8ac-be5b-4849-b2ba-439092b4c05b";
const BOB_SESSION_ID: &str = "2b5d3c9e-6a0f-4b7c-8d1e-9f2a4c6b8e10";

const SESSIONS_JOURNAL: &str = ".db_UserSession.json.journal";

fn folder_with(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("a temporary data folder");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("seed file written");
    }
    dir
}

/// What the data file `name` of `dir` holds once its journal is folded in.
fn current(dir: &Path, name: &str) -> String {
    let bytes = current_contents(dir, name)
        .expect("the folder reads")
        .expect("there is data");
    String::from_utf8(bytes).expect("data files are ASCII")
}

#[tokio::test]
async fn the_originals_files_load_and_their_users_verify() {
    let dir = folder_with(&[
        (USERS_FILE, ORIGINAL_USERS),
        (SESSIONS_FILE, ORIGINAL_SESSIONS),
    ]);
    let users = FileUserRepository::open(dir.path()).expect("original users load");
    let sessions = FileSessionRepository::open(dir.path()).expect("original sessions load");

    let bob = users
        .find_by_email("bobsession@hbtn.io")
        .await
        .expect("read")
        .expect("bob is there");
    assert_eq!(bob.id, BOB_ID);
    assert_eq!(bob.created_at, ts("2017-10-16T04:23:04"));
    let hasher = PasswordHasher::new(PasswordParams::INSECURE_FAST).expect("valid params");
    let stored = bob.password.as_ref().expect("a stored hash");
    assert!(hasher.verify(stored, "fake pwd").is_match());
    assert!(!hasher.verify(stored, "wrong pwd").is_match());

    let session = sessions
        .get(BOB_SESSION_ID)
        .await
        .expect("read")
        .expect("the session is there");
    assert_eq!(session.user_id, BOB_ID);
    assert_eq!(session.created_at, ts("2017-10-16T04:30:00"));
    assert_eq!(
        read(&dir.path().join(USERS_FILE)),
        ORIGINAL_USERS,
        "opening writes nothing"
    );
}

#[tokio::test]
async fn the_originals_users_file_is_rewritten_byte_for_byte() {
    let dir = folder_with(&[(USERS_FILE, ORIGINAL_USERS)]);
    let users = FileUserRepository::open(dir.path()).expect("loads");
    let extra = user_with("temporary", Some("t@x"));
    users.create(extra).await.expect("created");
    assert_eq!(
        read(users.path()),
        ORIGINAL_USERS,
        "changes go to the journal"
    );
    assert_ne!(current(dir.path(), USERS_FILE), ORIGINAL_USERS);
    assert!(users.delete("temporary").await.expect("deleted"));
    assert_eq!(current(dir.path(), USERS_FILE), ORIGINAL_USERS);
    users.close().await.expect("folds the journal");
    assert_eq!(read(users.path()), ORIGINAL_USERS);
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
}

#[tokio::test]
async fn written_files_are_python_json_and_reopen_identically() {
    let dir = TempDir::new().expect("temp dir");
    let users = FileUserRepository::open(dir.path()).expect("opens");
    let mut zoe = user_with("u-1", Some("zoë@hbtn.io"));
    zoe.first_name = Some("Zoë \"Z\"".into());
    zoe.last_name = Some("😀\n".into());
    users.create(zoe.clone()).await.expect("created");
    users.create(user_with("u-2", None)).await.expect("created");

    let hash = PasswordHash::legacy_sha256("pw");
    let hash = hash.as_str();
    let expected = format!(
        concat!(
            r#"{{"u-1": {{"id": "u-1", "created_at": "2020-01-02T03:04:05", "updated_at": "2020-01-02T03:04:05", "email": "zo\u00eb@hbtn.io", "_password": "{hash}", "first_name": "Zo\u00eb \"Z\"", "last_name": "\ud83d\ude00\n"}}, "#,
            r#""u-2": {{"id": "u-2", "created_at": "2020-01-02T03:04:05", "updated_at": "2020-01-02T03:04:05", "email": null, "_password": "{hash}", "first_name": null, "last_name": null}}}}"#
        ),
        hash = hash
    );
    assert_eq!(current(dir.path(), USERS_FILE), expected);
    users.close().await.expect("folds the journal");
    assert_eq!(read(users.path()), expected);

    let reopened = FileUserRepository::open(dir.path()).expect("reopens");
    assert_eq!(
        reopened.list().await.expect("listed"),
        users.list().await.expect("listed")
    );
    assert_eq!(reopened.get("u-1").await.expect("read"), Some(zoe));
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = TempDir::new().expect("temp dir");
    {
        let users = FileUserRepository::open(dir.path()).expect("opens");
        let sessions = FileSessionRepository::open(dir.path()).expect("opens");
        for n in 0..4 {
            users
                .create(user_with(&format!("u{n}"), Some(&format!("{n}@x"))))
                .await
                .expect("created");
        }
        let mut renamed = user_with("u1", Some("one@x"));
        renamed.first_name = Some("One".into());
        users.update(renamed).await.expect("updated");
        assert!(users.delete("u2").await.expect("deleted"));

        for (user_id, created) in [("u0", "2020-01-01T00:00:00"), ("u1", "2020-01-02T00:00:00")] {
            let mut session = UserSession::new(user_id, ts(created));
            session.session_id = format!("secret-{user_id}");
            sessions.create(session).await.expect("created");
        }
        assert_eq!(
            sessions
                .delete_created_before(ts("2020-01-02T00:00:00"))
                .await
                .expect("swept"),
            1
        );
    }
    let users = FileUserRepository::open(dir.path()).expect("reopens");
    let sessions = FileSessionRepository::open(dir.path()).expect("reopens");
    let listed = users.list().await.expect("listed");
    let ids: Vec<&str> = listed.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u0", "u1", "u3"]);
    assert_eq!(listed[1].first_name.as_deref(), Some("One"));
    assert_eq!(
        users
            .find_by_email("one@x")
            .await
            .expect("read")
            .map(|u| u.id),
        Some("u1".to_string())
    );
    assert_eq!(users.find_by_email("1@x").await.expect("read"), None);
    assert_eq!(sessions.get("secret-u0").await.expect("read"), None);
    let kept = sessions
        .get("secret-u1")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(kept.user_id, "u1");
}

/// Opens a users file holding `text` and returns the error, checking the file is untouched.
fn corrupt_users_error(text: &str) -> (PathBuf, usize, usize, String) {
    let dir = folder_with(&[(USERS_FILE, text)]);
    let error = FileUserRepository::open(dir.path()).expect_err("must not open");
    let display = error.to_string();
    assert_eq!(
        read(&dir.path().join(USERS_FILE)),
        text,
        "the file is never touched"
    );
    assert_eq!(
        names_in(dir.path()),
        [USERS_FILE],
        "nothing else is written"
    );
    match error {
        StorageError::Corrupt {
            path,
            line,
            column,
            message,
        } => {
            assert_eq!(path, dir.path().join(USERS_FILE));
            assert!(display.contains(USERS_FILE), "{display}");
            assert!(
                display.contains(&format!("line {line}, column {column}")),
                "{display}"
            );
            (path, line, column, message)
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_corrupt_users_file_refuses_to_open_and_names_the_position() {
    let (_, line, column, _) = corrupt_users_error("{\n  \"a\": {\"id\": \"a\",,}\n}");
    assert_eq!((line, column), (2, 19), "the second comma");

    let (_, line, column, message) = corrupt_users_error(&ORIGINAL_USERS.replace(
        "\"created_at\": \"2017-10-16T04:23:04\"",
        "\"created_at\": \"2017-10-16 04:23:04\"",
    ));
    assert_eq!(line, 1);
    assert!(column > 90, "points into the record, got {column}");
    assert!(message.contains("timestamp"), "{message}");

    let (_, _, _, message) =
        corrupt_users_error(&ORIGINAL_USERS.replace("\"bobsession@hbtn.io\"", "42"));
    assert!(message.contains("invalid type"), "{message}");

    let (_, _, _, message) = corrupt_users_error(r#"[{"id": "a"}]"#);
    assert!(message.contains("invalid type"), "{message}");

    let (_, _, _, message) = corrupt_users_error(r#"{"a": {"id": "a"}}"#);
    assert!(message.contains("missing field"), "{message}");

    let (_, _, _, message) = corrupt_users_error(r#"{"a": "not a record"}"#);
    assert!(message.contains("invalid type"), "{message}");

    corrupt_users_error(&format!("{ORIGINAL_USERS} trailing"));
    corrupt_users_error("{\"a\": {\"id\": \"a\", \"created_at\": NaN}}");
}

#[test]
fn an_empty_file_is_corrupt_as_the_original_could_not_parse_it_either() {
    // Python's json.load raises on an empty file too, so the original would not start either.
    let (_, line, column, message) = corrupt_users_error("");
    assert_eq!((line, column), (1, 0));
    assert!(message.contains("EOF"), "{message}");
    corrupt_users_error("   \n");
}

#[test]
fn a_corrupt_sessions_file_refuses_to_open() {
    let text = ORIGINAL_SESSIONS.replace("\"user_id\": \"d1b1", "\"user_id\": null, \"x\": \"");
    let dir = folder_with(&[(SESSIONS_FILE, &text)]);
    let error = FileSessionRepository::open(dir.path()).expect_err("must not open");
    let names_the_file = matches!(
        &error,
        StorageError::Corrupt { path, line: 1, .. } if path.ends_with(SESSIONS_FILE)
    );
    assert!(names_the_file, "{error:?}");
    assert_eq!(read(&dir.path().join(SESSIONS_FILE)), text);
}

#[test]
fn an_unreadable_file_or_folder_is_an_io_error_naming_it() {
    let dir = TempDir::new().expect("temp dir");
    fs::create_dir(dir.path().join(USERS_FILE)).expect("a folder where the file should be");
    let error = FileUserRepository::open(dir.path()).expect_err("cannot read a folder");
    assert!(
        matches!(&error, StorageError::Io { path, .. } if path == &dir.path().join(USERS_FILE)),
        "{error:?}"
    );

    let missing = dir.path().join("no-such-folder");
    let error = FileSessionRepository::open(&missing).expect_err("no folder");
    assert!(
        matches!(&error, StorageError::Io { path, .. } if path == &missing),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_attributes_survive_a_rewrite() {
    let users_text = ORIGINAL_USERS.replace(
        "\"last_name\": null}",
        "\"last_name\": null, \"age\": 42, \"tags\": [\"a\", {\"b\": 1.5}]}",
    );
    let sessions_text =
        ORIGINAL_SESSIONS.replace("\"user_id\"", "\"ip\": \"10.0.0.1\", \"user_id\"");
    let dir = folder_with(&[(USERS_FILE, &users_text), (SESSIONS_FILE, &sessions_text)]);
    let users = FileUserRepository::open(dir.path()).expect("loads");
    let sessions = FileSessionRepository::open(dir.path()).expect("loads");
    users
        .create(user_with("new", Some("new@x")))
        .await
        .expect("rewrites the file");
    sessions
        .create(UserSession::new("new", ts("2020-01-01T00:00:00")))
        .await
        .expect("rewrites the file");
    users.close().await.expect("folds the journal");
    sessions.close().await.expect("folds the journal");

    let written: Value = serde_json::from_str(&read(users.path())).expect("valid JSON");
    assert_eq!(written[BOB_ID]["age"], Value::from(42));
    assert_eq!(
        written[BOB_ID]["tags"],
        serde_json::json!(["a", {"b": 1.5}])
    );
    assert!(read(users.path()).contains(r#""age": 42, "tags": ["a", {"b": 1.5}]"#));
    assert!(
        read(users.path()).contains(r#""email": "new@x""#),
        "the new user is in"
    );
    let written: Value = serde_json::from_str(&read(sessions.path())).expect("valid JSON");
    assert_eq!(
        written["5b4c0a52-8f4e-4c4b-9d8e-3b1c5a1e2f00"]["ip"],
        Value::from("10.0.0.1")
    );

    let reopened = FileUserRepository::open(dir.path()).expect("reopens");
    let bob = reopened
        .get(BOB_ID)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(bob.extra.get("age"), Some(&Value::from(42)));
}

#[tokio::test]
async fn duplicate_emails_from_the_original_resolve_to_the_first_user() {
    let prefix = format!("{{\"{BOB_ID}\": ");
    let record = ORIGINAL_USERS
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('}'))
        .expect("one record");
    let twin = record.replace(BOB_ID, "second-bob");
    let text = format!("{prefix}{record}, \"second-bob\": {twin}}}");
    let dir = folder_with(&[(USERS_FILE, &text)]);
    let users = FileUserRepository::open(dir.path()).expect("duplicates load");
    assert_eq!(users.count().await.expect("count"), 2);
    let first = users
        .find_by_email("bobsession@hbtn.io")
        .await
        .expect("read");
    assert_eq!(first.map(|u| u.id), Some(BOB_ID.to_string()));

    let mut renamed = users.get("second-bob").await.expect("read").expect("there");
    renamed.first_name = Some("Twin".into());
    users
        .update(renamed)
        .await
        .expect("keeping a shared legacy email is allowed");

    assert!(users.delete(BOB_ID).await.expect("deleted"));
    let next = users
        .find_by_email("bobsession@hbtn.io")
        .await
        .expect("read");
    assert_eq!(next.map(|u| u.id), Some("second-bob".to_string()));
}

#[tokio::test]
async fn a_failed_write_changes_neither_memory_nor_file() {
    let root = TempDir::new().expect("temp dir");
    let data = root.path().join("data");
    fs::create_dir(&data).expect("data folder");
    let users = FileUserRepository::open(&data).expect("opens");
    let sessions = FileSessionRepository::open(&data).expect("opens");
    let kept = user_with("kept", Some("kept@x"));
    users.create(kept.clone()).await.expect("created");
    let session = UserSession::new("kept", ts("2020-01-01T00:00:00"));
    sessions.create(session.clone()).await.expect("created");

    // Running as root, permissions would not stop a write; a vanished folder does.
    fs::remove_dir_all(&data).expect("folder removed");

    let error = users
        .create(user_with("new", Some("new@x")))
        .await
        .expect_err("no folder");
    assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
    let mut changed = kept.clone();
    changed.email = Some("changed@x".into());
    let error = users.update(changed).await.expect_err("no folder");
    assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
    let error = users.delete("kept").await.expect_err("no folder");
    assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
    let error = sessions
        .delete_for_user("kept")
        .await
        .expect_err("no folder");
    assert!(matches!(error, StorageError::Io { .. }), "{error:?}");

    assert_eq!(users.get("kept").await.expect("read"), Some(kept.clone()));
    assert_eq!(users.get("new").await.expect("read"), None);
    assert_eq!(users.find_by_email("new@x").await.expect("read"), None);
    assert_eq!(users.find_by_email("changed@x").await.expect("read"), None);
    assert_eq!(
        users.find_by_email("kept@x").await.expect("read"),
        Some(kept.clone())
    );
    assert_eq!(users.count().await.expect("count"), 1);
    assert_eq!(
        sessions.get(&session.session_id).await.expect("read"),
        Some(session)
    );

    // A file in place of the folder fails the same way.
    fs::write(&data, "not a folder").expect("file written");
    let error = users
        .create(user_with("new", Some("new@x")))
        .await
        .expect_err("not a folder");
    assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
    assert_eq!(users.count().await.expect("count"), 1);

    // Once the folder is back, the next write stores the state memory kept, and only that.
    fs::remove_file(&data).expect("file removed");
    fs::create_dir(&data).expect("folder back");
    users
        .create(user_with("later", Some("later@x")))
        .await
        .expect("writes again");
    assert_eq!(
        names_in(&data),
        [USERS_FILE, USERS_JOURNAL],
        "memory was written out as a new data file, the new change went to a new journal"
    );
    drop(users);
    let reopened = FileUserRepository::open(&data).expect("reopens");
    let ids: Vec<String> = reopened
        .list()
        .await
        .expect("listed")
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, ["kept", "later"]);
    reopened.close().await.expect("closes");
    assert_eq!(names_in(&data), [USERS_FILE]);
}

#[tokio::test]
async fn writes_leave_no_temporary_files_and_no_op_writes_write_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let users = FileUserRepository::open(dir.path()).expect("opens");
    let sessions = FileSessionRepository::open(dir.path()).expect("opens");

    assert!(!users.delete("nobody").await.expect("no-op"));
    assert_eq!(sessions.delete_for_user("nobody").await.expect("no-op"), 0);
    assert_eq!(
        sessions
            .delete_created_before(ts("2030-01-01T00:00:00"))
            .await
            .expect("no-op"),
        0
    );
    assert!(!sessions.delete("nothing").await.expect("no-op"));
    assert!(
        names_in(dir.path()).is_empty(),
        "a missing file is created only by a real write"
    );

    for n in 0..5 {
        users
            .create(user_with(&format!("u{n}"), None))
            .await
            .expect("created");
        sessions
            .create(UserSession::new(format!("u{n}"), ts("2020-01-01T00:00:00")))
            .await
            .expect("created");
    }
    users.delete("u0").await.expect("deleted");
    sessions.delete_for_user("u1").await.expect("deleted");
    assert_eq!(
        names_in(dir.path()),
        [USERS_JOURNAL, SESSIONS_JOURNAL],
        "changes wait in the journals"
    );

    let journal = dir.path().join(USERS_JOURNAL);
    let bytes = read(&journal);
    assert!(!users.delete("u0").await.expect("already gone"));
    assert_eq!(read(&journal), bytes, "a no-op delete writes nothing");

    users.close().await.expect("folds");
    sessions.close().await.expect("folds");
    assert_eq!(names_in(dir.path()), [USERS_FILE, SESSIONS_FILE]);
}

#[test]
fn stale_temporary_files_from_a_crash_are_cleared_at_open() {
    let stale = format!("{USERS_FILE}.tmp-0123");
    let dir = folder_with(&[(USERS_FILE, ORIGINAL_USERS), (&stale, "{\"half\": ")]);
    FileUserRepository::open(dir.path()).expect("opens");
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
    assert_eq!(read(&dir.path().join(USERS_FILE)), ORIGINAL_USERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_lose_no_update_on_disk() {
    let dir = TempDir::new().expect("temp dir");
    let users = Arc::new(FileUserRepository::open(dir.path()).expect("opens"));
    let tasks: Vec<_> = (0..100)
        .map(|n| {
            let users = Arc::clone(&users);
            tokio::spawn(async move {
                let id = format!("u{n}");
                users
                    .create(user_with(&id, Some(&format!("{n}@x"))))
                    .await?;
                if n % 3 == 0 {
                    users.delete(&id).await?;
                }
                Ok::<(), StorageError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task ran").expect("written");
    }
    let in_memory = users.list().await.expect("listed");
    assert_eq!(in_memory.len(), 66);
    drop(users);
    let reopened = FileUserRepository::open(dir.path()).expect("reopens");
    assert_eq!(reopened.list().await.expect("listed"), in_memory);
    reopened.close().await.expect("closes");
    assert_eq!(names_in(dir.path()), [USERS_FILE]);
}

#[tokio::test]
async fn a_data_file_removed_behind_the_stores_back_is_written_out_from_memory() {
    let root = TempDir::new().expect("temp dir");
    let data = root.path().join("data");
    fs::create_dir(&data).expect("data folder");
    fs::write(data.join(USERS_FILE), ORIGINAL_USERS).expect("seed file written");
    let users = FileUserRepository::open(&data).expect("opens");

    // No journal yet: the folder vanishes, then comes back empty, with no write in between.
    fs::remove_dir_all(&data).expect("folder removed");
    fs::create_dir(&data).expect("folder back, empty");
    users
        .create(user_with("new", Some("new@x")))
        .await
        .expect("written");
    drop(users);

    let reopened = FileUserRepository::open(&data).expect("reopens");
    let ids: Vec<String> = reopened
        .list()
        .await
        .expect("listed")
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, [BOB_ID, "new"], "nothing memory held was lost");
}

#[test]
fn the_records_in_memory_are_read_without_waiting() {
    let dir = folder_with(&[
        (USERS_FILE, ORIGINAL_USERS),
        (SESSIONS_FILE, ORIGINAL_SESSIONS),
    ]);
    let users = FileUserRepository::open(dir.path()).expect("the files open");
    let sessions = FileSessionRepository::open(dir.path()).expect("the files open");
    let ReadNow::Answered(Some(bob)) = users.get_shared_now(BOB_ID) else {
        panic!("the file store answers a user at once");
    };
    assert_eq!(bob.email.as_deref(), Some("bobsession@hbtn.io"));
    let ReadNow::Answered(Some(session)) = sessions.get_shared_now(BOB_SESSION_ID) else {
        panic!("the file store answers a session at once");
    };
    assert_eq!(session.user_id, BOB_ID);
    assert_eq!(users.get_shared_now("nobody"), ReadNow::Answered(None));
    assert_eq!(sessions.get_shared_now("nothing"), ReadNow::Answered(None));
}

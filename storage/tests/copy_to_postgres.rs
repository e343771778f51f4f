//! `copy_all`: a data folder the original wrote, copied into PostgreSQL in order, twice without
//! change, with conflicts reported instead of copied. One case runs without PostgreSQL (memory
//! into a data folder); the others skip when it is not reachable, unless `CI=true`.

mod support;

use std::fs;

use support::{ts, user};

use domain::UserSession;
use storage::copy::{copy_all, CopyConflict, CopyCounts, CopyReport};
use storage::file::{FileSessionRepository, FileUserRepository, SESSIONS_FILE, USERS_FILE};
use storage::memory::{MemorySessionRepository, MemoryUserRepository};
use storage::postgres::testing::TestDatabase;
use storage::{SessionListing, SessionRepository, UserRepository};
use tempfile::TempDir;

/// Users as the original writes them: a legacy hash, a null email, unknown attributes, and an
/// email held twice (the original never checked), in an order that is not sorted by id.
const USERS: &str = r#"{"u9": {"id": "u9", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "bob@hbtn.io", "_password": "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967", "first_name": null, "last_name": null}, "u2": {"id": "u2", "created_at": "2017-10-16T05:00:00", "updated_at": "2017-10-16T05:00:00", "email": null, "_password": null, "first_name": "Anon", "last_name": null}, "u5": {"id": "u5", "created_at": "2017-10-17T00:00:00", "updated_at": "2018-01-01T00:00:00", "email": "carol@hbtn.io", "_password": "x", "first_name": "Carol", "last_name": "C", "zodiac": "leo", "tags": ["a", {"b": 1.5}]}, "u1": {"id": "u1", "created_at": "2017-10-18T00:00:00", "updated_at": "2017-10-18T00:00:00", "email": "bob@hbtn.io", "_password": "y", "first_name": null, "last_name": null}}"#;

/// Sessions as the original writes them, one with an attribute this version does not model.
const SESSIONS: &str = r#"{"s1": {"id": "s1", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "user_id": "u9", "session_id": "secret-1"}, "s2": {"id": "s2", "created_at": "2017-10-16T04:00:00", "updated_at": "2017-10-16T04:00:00", "user_id": "u5", "session_id": "secret-2", "device": "phone"}}"#;

struct Source {
    users: FileUserRepository,
    sessions: FileSessionRepository,
    _dir: TempDir,
}

fn source() -> Source {
    let dir = TempDir::new().expect("a temporary data folder");
    fs::write(dir.path().join(USERS_FILE), USERS).expect("users written");
    fs::write(dir.path().join(SESSIONS_FILE), SESSIONS).expect("sessions written");
    Source {
        users: FileUserRepository::open(dir.path()).expect("users load"),
        sessions: FileSessionRepository::open(dir.path()).expect("sessions load"),
        _dir: dir,
    }
}

fn counts(copied: usize, already_present: usize) -> CopyCounts {
    CopyCounts {
        copied,
        already_present,
    }
}

fn bob_twice() -> CopyConflict {
    CopyConflict::EmailTaken {
        user_id: "u1".into(),
        email: "bob@hbtn.io".into(),
        holder_id: Some("u9".into()),
    }
}

#[tokio::test]
async fn a_data_folder_lands_in_postgres_in_order_and_whole() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let from = source();
    let (to_users, to_sessions) = (database.store().users(), database.store().sessions());
    let report = copy_all(&from.users, &from.sessions, &to_users, &to_sessions)
        .await
        .expect("copied");
    assert_eq!(
        report,
        CopyReport {
            users: counts(3, 0),
            sessions: counts(2, 0),
            conflicts: vec![bob_twice()],
        }
    );
    assert!(!report.is_complete());
    assert_eq!(
        report.conflicts[0].to_string(),
        "user u1 not copied: email \"bob@hbtn.io\" belongs to user u9 in the target"
    );

    let mut expected_users = from.users.list().await.expect("listed");
    expected_users.retain(|user| user.id != "u1");
    assert_eq!(to_users.list().await.expect("listed"), expected_users);
    assert_eq!(
        SessionListing::list(&to_sessions).await.expect("listed"),
        SessionListing::list(&from.sessions).await.expect("listed")
    );
}

#[tokio::test]
async fn copying_twice_changes_nothing() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let from = source();
    let (to_users, to_sessions) = (database.store().users(), database.store().sessions());
    copy_all(&from.users, &from.sessions, &to_users, &to_sessions)
        .await
        .expect("copied");
    let users_before = to_users.list().await.expect("listed");
    let sessions_before = SessionListing::list(&to_sessions).await.expect("listed");

    let again = copy_all(&from.users, &from.sessions, &to_users, &to_sessions)
        .await
        .expect("copied again");
    assert_eq!(again.users, counts(0, 3));
    assert_eq!(again.sessions, counts(0, 2));
    assert_eq!(again.conflicts, [bob_twice()]);
    assert_eq!(to_users.list().await.expect("listed"), users_before);
    assert_eq!(
        SessionListing::list(&to_sessions).await.expect("listed"),
        sessions_before
    );
}

#[tokio::test]
async fn records_in_the_way_in_the_target_are_conflicts_and_the_rest_is_copied() {
    let Some(database) = TestDatabase::connect().await else {
        return;
    };
    let from = source();
    let (to_users, to_sessions) = (database.store().users(), database.store().sessions());
    let carol_elsewhere = user("other-carol", "carol@hbtn.io");
    to_users
        .create(carol_elsewhere.clone())
        .await
        .expect("created");
    let mut thief = UserSession::new("u0", ts("2020-01-01T00:00:00"));
    thief.session_id = "secret-1".into();
    to_sessions.create(thief).await.expect("created");
    let mut edited = user("u9", "bob-renamed@hbtn.io");
    edited.first_name = Some("Edited in the target".into());
    to_users.create(edited.clone()).await.expect("created");

    let report = copy_all(&from.users, &from.sessions, &to_users, &to_sessions)
        .await
        .expect("copied");
    assert_eq!(
        report.users,
        counts(2, 1),
        "u2 and u1 copied, u9 already there"
    );
    assert_eq!(report.sessions, counts(1, 0), "s2 copied");
    assert_eq!(
        report.conflicts,
        [
            CopyConflict::EmailTaken {
                user_id: "u5".into(),
                email: "carol@hbtn.io".into(),
                holder_id: Some("other-carol".into()),
            },
            CopyConflict::SessionTaken { id: "s1".into() },
        ]
    );
    assert_eq!(
        to_users.get("u9").await.expect("read"),
        Some(edited),
        "a record already present is left as the target has it"
    );
    assert_eq!(to_users.get("u5").await.expect("read"), None);
    assert_eq!(
        to_users
            .find_by_email("bob@hbtn.io")
            .await
            .expect("read")
            .map(|bob| bob.id),
        Some("u1".to_string()),
        "the email left free by the target's u9 went to the source's other holder"
    );
    assert!(!report.conflicts[1].to_string().contains("secret-1"));
}

#[tokio::test]
async fn a_copy_between_any_two_stores_keeps_order_without_postgres() {
    let (from_users, from_sessions) = (MemoryUserRepository::new(), MemorySessionRepository::new());
    for (id, email) in [("z", "z@x"), ("a", "a@x"), ("m", "m@x")] {
        from_users.create(user(id, email)).await.expect("created");
    }
    for user_id in ["z", "a"] {
        let session = UserSession::new(user_id, ts("2020-01-01T00:00:00"));
        from_sessions.create(session).await.expect("created");
    }
    let dir = TempDir::new().expect("a temporary data folder");
    let to_users = FileUserRepository::open(dir.path()).expect("opens");
    let to_sessions = FileSessionRepository::open(dir.path()).expect("opens");
    let report = copy_all(&from_users, &from_sessions, &to_users, &to_sessions)
        .await
        .expect("copied");
    assert!(report.is_complete());
    assert_eq!(
        report.to_string(),
        "users: 3 copied, 0 already present; sessions: 2 copied, 0 already present; 0 conflict(s)"
    );
    assert_eq!(
        to_users.list().await.expect("listed"),
        from_users.list().await.expect("listed")
    );
    assert_eq!(
        to_sessions.list().await.expect("listed"),
        from_sessions.list().await.expect("listed")
    );
    let sessions: Vec<UserSession> = SessionListing::list(&to_sessions).await.expect("listed");
    assert_eq!(
        to_sessions.list_for_user("z").await.expect("listed"),
        sessions[..1]
    );
}

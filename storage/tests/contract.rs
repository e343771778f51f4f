//! The repository contract, run against every implementation: memory and file, users and
//! sessions. Each case is written once, as a function over `Arc<dyn Trait>`; a macro turns
//! every case into one test per implementation.

use std::sync::Arc;

use domain::{NewUser, PasswordHash, Timestamp, User, UserSession};
use storage::file::{FileSessionRepository, FileUserRepository};
use storage::memory::{MemorySessionRepository, MemoryUserRepository};
use storage::{SessionRepository, StorageError, UserRepository};
use tempfile::TempDir;

/// A repository under test, with the folder that must outlive it (file stores only).
struct Fixture<R: ?Sized> {
    repo: Arc<R>,
    _dir: Option<TempDir>,
}

fn memory_users() -> Fixture<dyn UserRepository> {
    Fixture {
        repo: Arc::new(MemoryUserRepository::new()),
        _dir: None,
    }
}

fn file_users() -> Fixture<dyn UserRepository> {
    let dir = TempDir::new().expect("a temporary data folder");
    let repo = FileUserRepository::open(dir.path()).expect("an empty folder opens");
    Fixture {
        repo: Arc::new(repo),
        _dir: Some(dir),
    }
}

fn memory_sessions() -> Fixture<dyn SessionRepository> {
    Fixture {
        repo: Arc::new(MemorySessionRepository::default()),
        _dir: None,
    }
}

fn file_sessions() -> Fixture<dyn SessionRepository> {
    let dir = TempDir::new().expect("a temporary data folder");
    let repo = FileSessionRepository::open(dir.path()).expect("an empty folder opens");
    Fixture {
        repo: Arc::new(repo),
        _dir: Some(dir),
    }
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn user(email: Option<&str>) -> User {
    let mut user = User::new(
        NewUser {
            email: String::new(),
            password: "pw".into(),
            first_name: None,
            last_name: None,
        },
        PasswordHash::legacy_sha256("pw"),
        ts("2020-01-01T00:00:00"),
    );
    user.email = email.map(str::to_string);
    user
}

fn ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|user| user.id.as_str()).collect()
}

/// Generates one `#[tokio::test]` per case for one implementation.
macro_rules! contract_tests {
    ($fixture:path, $cases:ident: $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let fixture = $fixture();
                super::$cases::$case(Arc::clone(&fixture.repo)).await;
            }
        )*
    };
}

macro_rules! user_contract {
    ($module:ident, $fixture:path) => {
        mod $module {
            use super::*;
            contract_tests!($fixture, user_cases:
                a_created_user_can_be_read_back,
                email_lookup_is_exact_and_case_sensitive,
                listing_keeps_insertion_order,
                an_update_replaces_the_user_in_place,
                updating_an_unknown_user_is_not_found,
                a_duplicate_email_is_refused_on_create,
                a_duplicate_email_is_refused_on_update,
                users_without_email_never_clash,
                a_freed_email_can_be_taken_again,
                delete_says_whether_the_user_existed,
                a_taken_id_is_refused_on_create,
                many_concurrent_creates_all_land,
                concurrent_creates_of_one_email_let_exactly_one_through,
            );
        }
    };
}

macro_rules! session_contract {
    ($module:ident, $fixture:path) => {
        mod $module {
            use super::*;
            contract_tests!($fixture, session_cases:
                a_session_is_found_by_its_session_id_only,
                delete_says_whether_the_session_existed,
                delete_for_user_counts_and_spares_other_users,
                delete_created_before_uses_a_strict_cutoff,
                a_taken_session_id_or_record_id_is_refused,
                many_concurrent_creates_all_land,
                list_for_user_gives_only_theirs_in_creation_order,
                touch_moves_last_seen_forward_only,
                touch_of_an_unknown_session_changes_nothing,
                delete_last_seen_before_counts_from_last_seen_or_creation,
            );
        }
    };
}

user_contract!(memory_user_repository, memory_users);
user_contract!(file_user_repository, file_users);
session_contract!(memory_session_repository, memory_sessions);
session_contract!(file_session_repository, file_sessions);

mod user_cases {
    use super::*;

    pub async fn a_created_user_can_be_read_back(repo: Arc<dyn UserRepository>) {
        let bob = user(Some("bob@hbtn.io"));
        repo.create(bob.clone()).await.expect("created");
        assert_eq!(repo.get(&bob.id).await.expect("read"), Some(bob.clone()));
        assert_eq!(
            repo.find_by_email("bob@hbtn.io").await.expect("read"),
            Some(bob)
        );
        assert_eq!(repo.get("nobody").await.expect("read"), None);
        assert_eq!(
            repo.find_by_email("nobody@hbtn.io").await.expect("read"),
            None
        );
        assert_eq!(repo.count().await.expect("count"), 1);
    }

    pub async fn email_lookup_is_exact_and_case_sensitive(repo: Arc<dyn UserRepository>) {
        let lower = user(Some("bob@hbtn.io"));
        repo.create(lower.clone()).await.expect("created");
        assert_eq!(repo.find_by_email("Bob@hbtn.io").await.expect("read"), None);
        assert_eq!(
            repo.find_by_email("bob@hbtn.io ").await.expect("read"),
            None
        );
        let upper = user(Some("Bob@hbtn.io"));
        repo.create(upper.clone())
            .await
            .expect("another case is another email");
        assert_eq!(
            repo.find_by_email("Bob@hbtn.io").await.expect("read"),
            Some(upper)
        );
    }

    pub async fn listing_keeps_insertion_order(repo: Arc<dyn UserRepository>) {
        let users: Vec<User> = (0..5)
            .map(|n| user(Some(&format!("user{}@hbtn.io", 5 - n))))
            .collect();
        for one in &users {
            repo.create(one.clone()).await.expect("created");
        }
        let listed = repo.list().await.expect("listed");
        assert_eq!(ids(&listed), ids(&users));
        assert_eq!(listed, users);
        assert_eq!(repo.count().await.expect("count"), 5);
    }

    pub async fn an_update_replaces_the_user_in_place(repo: Arc<dyn UserRepository>) {
        let (a, b, c) = (user(Some("a@x")), user(Some("b@x")), user(Some("c@x")));
        for one in [&a, &b, &c] {
            repo.create(one.clone()).await.expect("created");
        }
        let mut changed = b.clone();
        changed.first_name = Some("Bee".into());
        changed.email = Some("bee@x".into());
        changed.updated_at = ts("2021-01-01T00:00:00");
        repo.update(changed.clone()).await.expect("updated");

        let listed = repo.list().await.expect("listed");
        assert_eq!(ids(&listed), [&a.id, &b.id, &c.id]);
        assert_eq!(listed[1], changed);
        assert_eq!(repo.get(&b.id).await.expect("read"), Some(changed.clone()));
        assert_eq!(repo.find_by_email("b@x").await.expect("read"), None);
        assert_eq!(
            repo.find_by_email("bee@x").await.expect("read"),
            Some(changed.clone())
        );

        let mut renamed = changed.clone();
        renamed.last_name = Some("Keeps her email".into());
        repo.update(renamed.clone())
            .await
            .expect("keeping one's own email is no clash");
        assert_eq!(
            repo.find_by_email("bee@x").await.expect("read"),
            Some(renamed)
        );
        assert_eq!(repo.count().await.expect("count"), 3);
    }

    pub async fn updating_an_unknown_user_is_not_found(repo: Arc<dyn UserRepository>) {
        let ghost = user(Some("ghost@x"));
        let error = repo.update(ghost.clone()).await.expect_err("unknown id");
        assert!(matches!(error, StorageError::NotFound), "{error:?}");
        assert_eq!(repo.get(&ghost.id).await.expect("read"), None);
        assert_eq!(repo.find_by_email("ghost@x").await.expect("read"), None);
        assert_eq!(repo.count().await.expect("count"), 0);
    }

    pub async fn a_duplicate_email_is_refused_on_create(repo: Arc<dyn UserRepository>) {
        let first = user(Some("bob@hbtn.io"));
        repo.create(first.clone()).await.expect("created");
        let second = user(Some("bob@hbtn.io"));
        let error = repo.create(second.clone()).await.expect_err("taken email");
        assert!(matches!(error, StorageError::DuplicateEmail), "{error:?}");
        assert_eq!(repo.get(&second.id).await.expect("read"), None);
        assert_eq!(
            repo.find_by_email("bob@hbtn.io").await.expect("read"),
            Some(first)
        );
        assert_eq!(repo.count().await.expect("count"), 1);
    }

    pub async fn a_duplicate_email_is_refused_on_update(repo: Arc<dyn UserRepository>) {
        let (a, b) = (user(Some("a@x")), user(Some("b@x")));
        repo.create(a.clone()).await.expect("created");
        repo.create(b.clone()).await.expect("created");
        let mut stealing = b.clone();
        stealing.email = Some("a@x".into());
        stealing.first_name = Some("Thief".into());
        let error = repo.update(stealing).await.expect_err("taken email");
        assert!(matches!(error, StorageError::DuplicateEmail), "{error:?}");
        assert_eq!(repo.get(&b.id).await.expect("read"), Some(b.clone()));
        assert_eq!(repo.find_by_email("a@x").await.expect("read"), Some(a));
        assert_eq!(repo.find_by_email("b@x").await.expect("read"), Some(b));
    }

    pub async fn users_without_email_never_clash(repo: Arc<dyn UserRepository>) {
        let (a, b) = (user(None), user(None));
        repo.create(a.clone()).await.expect("created");
        repo.create(b.clone()).await.expect("no email, no clash");
        let mut renamed = b.clone();
        renamed.first_name = Some("Nameless".into());
        repo.update(renamed.clone()).await.expect("still no clash");
        let mut emptied = user(Some("c@x"));
        repo.create(emptied.clone()).await.expect("created");
        emptied.email = None;
        repo.update(emptied.clone())
            .await
            .expect("dropping an email is fine");
        assert_eq!(repo.find_by_email("c@x").await.expect("read"), None);
        assert_eq!(repo.list().await.expect("listed"), [a, renamed, emptied]);
    }

    pub async fn a_freed_email_can_be_taken_again(repo: Arc<dyn UserRepository>) {
        let (a, b) = (user(Some("a@x")), user(Some("b@x")));
        repo.create(a.clone()).await.expect("created");
        repo.create(b.clone()).await.expect("created");
        assert!(repo.delete(&a.id).await.expect("deleted"));
        let heir = user(Some("a@x"));
        repo.create(heir.clone())
            .await
            .expect("a deleted user's email is free");
        assert_eq!(repo.find_by_email("a@x").await.expect("read"), Some(heir));

        let mut moved = b.clone();
        moved.email = Some("moved@x".into());
        repo.update(moved).await.expect("updated");
        let taker = user(Some("b@x"));
        repo.create(taker.clone())
            .await
            .expect("an updated user's old email is free");
        assert_eq!(repo.find_by_email("b@x").await.expect("read"), Some(taker));
    }

    pub async fn delete_says_whether_the_user_existed(repo: Arc<dyn UserRepository>) {
        let (a, b, c) = (user(Some("a@x")), user(Some("b@x")), user(Some("c@x")));
        for one in [&a, &b, &c] {
            repo.create(one.clone()).await.expect("created");
        }
        assert!(repo.delete(&b.id).await.expect("deleted"));
        assert!(!repo.delete(&b.id).await.expect("second delete"));
        assert!(!repo.delete("nobody").await.expect("unknown delete"));
        assert_eq!(repo.get(&b.id).await.expect("read"), None);
        assert_eq!(repo.find_by_email("b@x").await.expect("read"), None);
        assert_eq!(repo.count().await.expect("count"), 2);
        assert_eq!(repo.list().await.expect("listed"), [a, c]);
    }

    pub async fn a_taken_id_is_refused_on_create(repo: Arc<dyn UserRepository>) {
        let original = user(Some("a@x"));
        repo.create(original.clone()).await.expect("created");
        let mut impostor = user(Some("other@x"));
        impostor.id = original.id.clone();
        let error = repo.create(impostor).await.expect_err("taken id");
        assert!(matches!(error, StorageError::DuplicateId), "{error:?}");
        assert_eq!(repo.get(&original.id).await.expect("read"), Some(original));
        assert_eq!(repo.find_by_email("other@x").await.expect("read"), None);
    }

    pub async fn many_concurrent_creates_all_land(repo: Arc<dyn UserRepository>) {
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let repo = Arc::clone(&repo);
                tokio::spawn(async move {
                    let one = user(Some(&format!("user{n}@hbtn.io")));
                    repo.create(one.clone()).await.map(|()| one)
                })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            created.push(task.await.expect("task ran").expect("created"));
        }
        assert_eq!(repo.count().await.expect("count"), 200);
        for one in &created {
            let email = one.email.as_deref().expect("has an email");
            assert_eq!(
                repo.find_by_email(email).await.expect("read").as_ref(),
                Some(one)
            );
        }
    }

    pub async fn concurrent_creates_of_one_email_let_exactly_one_through(
        repo: Arc<dyn UserRepository>,
    ) {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let repo = Arc::clone(&repo);
                tokio::spawn(async move { repo.create(user(Some("same@x"))).await })
            })
            .collect();
        let mut accepted = 0;
        for task in tasks {
            match task.await.expect("task ran") {
                Ok(()) => accepted += 1,
                Err(StorageError::DuplicateEmail) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(accepted, 1);
        assert_eq!(repo.count().await.expect("count"), 1);
    }
}

mod session_cases {
    use super::*;

    fn session(user_id: &str, created_at: &str) -> UserSession {
        UserSession::new(user_id, ts(created_at))
    }

    pub async fn a_session_is_found_by_its_session_id_only(repo: Arc<dyn SessionRepository>) {
        let one = session("u1", "2020-01-01T00:00:00");
        repo.create(one.clone()).await.expect("created");
        assert_eq!(
            repo.get(&one.session_id).await.expect("read"),
            Some(one.clone())
        );
        assert_eq!(repo.get(&one.id).await.expect("read"), None);
        assert_eq!(repo.get("u1").await.expect("read"), None);
    }

    pub async fn delete_says_whether_the_session_existed(repo: Arc<dyn SessionRepository>) {
        let (a, b) = (
            session("u1", "2020-01-01T00:00:00"),
            session("u1", "2020-01-01T00:00:00"),
        );
        repo.create(a.clone()).await.expect("created");
        repo.create(b.clone()).await.expect("created");
        assert!(repo.delete(&a.session_id).await.expect("deleted"));
        assert!(!repo.delete(&a.session_id).await.expect("second delete"));
        assert!(!repo
            .delete(&b.id)
            .await
            .expect("a record id is not a session id"));
        assert_eq!(repo.get(&a.session_id).await.expect("read"), None);
        assert_eq!(repo.get(&b.session_id).await.expect("read"), Some(b));
    }

    pub async fn delete_for_user_counts_and_spares_other_users(repo: Arc<dyn SessionRepository>) {
        let mine: Vec<_> = (0..3)
            .map(|_| session("u1", "2020-01-01T00:00:00"))
            .collect();
        let theirs: Vec<_> = (0..2)
            .map(|_| session("u2", "2020-01-01T00:00:00"))
            .collect();
        for one in mine.iter().chain(&theirs) {
            repo.create(one.clone()).await.expect("created");
        }
        assert_eq!(repo.delete_for_user("u1").await.expect("deleted"), 3);
        assert_eq!(repo.delete_for_user("u1").await.expect("deleted"), 0);
        assert_eq!(repo.delete_for_user("nobody").await.expect("deleted"), 0);
        for one in &mine {
            assert_eq!(repo.get(&one.session_id).await.expect("read"), None);
        }
        for one in &theirs {
            assert_eq!(
                repo.get(&one.session_id).await.expect("read").as_ref(),
                Some(one)
            );
        }
    }

    pub async fn delete_created_before_uses_a_strict_cutoff(repo: Arc<dyn SessionRepository>) {
        let old = session("u1", "2020-01-01T00:00:00");
        let at_cutoff = session("u1", "2020-01-01T00:00:10");
        let young = session("u2", "2020-01-01T00:00:20");
        for one in [&old, &at_cutoff, &young] {
            repo.create(one.clone()).await.expect("created");
        }
        let cutoff = ts("2020-01-01T00:00:10");
        assert_eq!(repo.delete_created_before(cutoff).await.expect("swept"), 1);
        assert_eq!(repo.delete_created_before(cutoff).await.expect("swept"), 0);
        assert_eq!(repo.get(&old.session_id).await.expect("read"), None);
        assert_eq!(
            repo.get(&at_cutoff.session_id).await.expect("read"),
            Some(at_cutoff)
        );
        assert_eq!(
            repo.get(&young.session_id).await.expect("read"),
            Some(young)
        );
    }

    pub async fn a_taken_session_id_or_record_id_is_refused(repo: Arc<dyn SessionRepository>) {
        let original = session("u1", "2020-01-01T00:00:00");
        repo.create(original.clone()).await.expect("created");

        let mut same_secret = session("u2", "2020-01-01T00:00:00");
        same_secret.session_id = original.session_id.clone();
        let error = repo
            .create(same_secret)
            .await
            .expect_err("taken session id");
        assert!(matches!(error, StorageError::DuplicateId), "{error:?}");

        let mut same_record = session("u2", "2020-01-01T00:00:00");
        same_record.id = original.id.clone();
        let error = repo
            .create(same_record.clone())
            .await
            .expect_err("taken id");
        assert!(matches!(error, StorageError::DuplicateId), "{error:?}");

        assert_eq!(
            repo.get(&original.session_id).await.expect("read"),
            Some(original)
        );
        assert_eq!(repo.get(&same_record.session_id).await.expect("read"), None);
    }

    pub async fn many_concurrent_creates_all_land(repo: Arc<dyn SessionRepository>) {
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let repo = Arc::clone(&repo);
                tokio::spawn(async move {
                    let one = session(&format!("u{}", n % 7), "2020-01-01T00:00:00");
                    repo.create(one.clone()).await.map(|()| one)
                })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            created.push(task.await.expect("task ran").expect("created"));
        }
        for one in &created {
            assert_eq!(
                repo.get(&one.session_id).await.expect("read").as_ref(),
                Some(one)
            );
        }
        let mut removed = 0;
        for user in 0..7 {
            removed += repo
                .delete_for_user(&format!("u{user}"))
                .await
                .expect("deleted");
        }
        assert_eq!(removed, 200);
    }

    pub async fn list_for_user_gives_only_theirs_in_creation_order(
        repo: Arc<dyn SessionRepository>,
    ) {
        let first = session("u1", "2020-01-01T00:00:05");
        let other = session("u2", "2020-01-01T00:00:00");
        let second = session("u1", "2020-01-01T00:00:00");
        for one in [&first, &other, &second] {
            repo.create(one.clone()).await.expect("created");
        }
        let listed = repo.list_for_user("u1").await.expect("listed");
        assert_eq!(listed, vec![first.clone(), second.clone()]);
        assert!(repo
            .list_for_user("nobody")
            .await
            .expect("listed")
            .is_empty());
        repo.delete(&first.session_id).await.expect("deleted");
        assert_eq!(
            repo.list_for_user("u1").await.expect("listed"),
            vec![second]
        );
    }

    pub async fn touch_moves_last_seen_forward_only(repo: Arc<dyn SessionRepository>) {
        let mut one = session("u1", "2020-01-01T00:00:00");
        one.client_addr = Some("10.0.0.1".into());
        one.user_agent = Some("agent/1".into());
        repo.create(one.clone()).await.expect("created");
        assert!(repo
            .touch(&one.session_id, ts("2020-01-01T00:05:00"))
            .await
            .expect("touched"));
        assert!(repo
            .touch(&one.session_id, ts("2020-01-01T00:01:00"))
            .await
            .expect("touched"));
        let stored = repo
            .get(&one.session_id)
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(stored.last_seen_at, Some(ts("2020-01-01T00:05:00")));
        let mut expected = one.clone();
        expected.last_seen_at = Some(ts("2020-01-01T00:05:00"));
        assert_eq!(stored, expected, "nothing else changed");
        assert_eq!(
            repo.list_for_user("u1").await.expect("listed"),
            vec![expected]
        );
    }

    pub async fn touch_of_an_unknown_session_changes_nothing(repo: Arc<dyn SessionRepository>) {
        let one = session("u1", "2020-01-01T00:00:00");
        repo.create(one.clone()).await.expect("created");
        assert!(!repo
            .touch("unknown", ts("2020-01-01T00:05:00"))
            .await
            .expect("answered"));
        assert!(!repo
            .touch(&one.id, ts("2020-01-01T00:05:00"))
            .await
            .expect("a record id is not a session id"));
        assert_eq!(repo.get(&one.session_id).await.expect("read"), Some(one));
    }

    pub async fn delete_last_seen_before_counts_from_last_seen_or_creation(
        repo: Arc<dyn SessionRepository>,
    ) {
        let stale = session("u1", "2020-01-01T00:00:00");
        let fresh_creation = session("u1", "2020-01-01T00:10:00");
        let used = session("u2", "2020-01-01T00:00:00");
        for one in [&stale, &fresh_creation, &used] {
            repo.create(one.clone()).await.expect("created");
        }
        repo.touch(&used.session_id, ts("2020-01-01T00:10:00"))
            .await
            .expect("touched");
        let cutoff = ts("2020-01-01T00:10:00");
        assert_eq!(
            repo.delete_last_seen_before(cutoff).await.expect("swept"),
            1
        );
        assert_eq!(
            repo.delete_last_seen_before(cutoff).await.expect("swept"),
            0
        );
        assert_eq!(repo.get(&stale.session_id).await.expect("read"), None);
        assert!(repo
            .get(&fresh_creation.session_id)
            .await
            .expect("read")
            .is_some());
        assert!(repo.get(&used.session_id).await.expect("read").is_some());
    }
}

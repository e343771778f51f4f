//! The repository contract, run against every implementation: memory, file and PostgreSQL,
//! users and sessions. Each case is written once, as a function over `Arc<dyn Trait>` (in
//! `contract/`); a macro turns every case into one test per implementation.
//!
//! PostgreSQL tests run each on a fresh schema of the test database and are skipped (with a
//! printed line) when it is not reachable, unless `CI=true`.

use std::any::Any;
use std::sync::Arc;

use domain::{NewUser, PasswordHash, Timestamp, User, UserSession};
use storage::file::{FileSessionRepository, FileUserRepository};
use storage::memory::{MemorySessionRepository, MemoryUserRepository};
use storage::postgres::testing::TestDatabase;
use storage::{ReadNow, SessionListing, SessionRepository, StorageError, UserRepository};
use tempfile::TempDir;

#[path = "contract/session_cases.rs"]
mod session_cases;
#[path = "contract/user_cases.rs"]
mod user_cases;

/// A session store that can also list everything, as every implementation can.
trait SessionStore: SessionRepository + SessionListing {}

impl<T: SessionRepository + SessionListing> SessionStore for T {}

/// A repository under test, with what must outlive it (a data folder, a test schema).
struct Fixture<R: ?Sized> {
    repo: Arc<R>,
    _keep: Option<Box<dyn Any + Send>>,
}

fn fixture<R: ?Sized>(repo: Arc<R>, keep: impl Any + Send) -> Option<Fixture<R>> {
    Some(Fixture {
        repo,
        _keep: Some(Box::new(keep)),
    })
}

async fn memory_users() -> Option<Fixture<dyn UserRepository>> {
    fixture(Arc::new(MemoryUserRepository::new()), ())
}

async fn file_users() -> Option<Fixture<dyn UserRepository>> {
    let dir = TempDir::new().expect("a temporary data folder");
    let repo = FileUserRepository::open(dir.path()).expect("an empty folder opens");
    fixture(Arc::new(repo), dir)
}

async fn postgres_users() -> Option<Fixture<dyn UserRepository>> {
    let database = TestDatabase::connect().await?;
    fixture(Arc::new(database.store().users()), database)
}

async fn memory_sessions() -> Option<Fixture<dyn SessionStore>> {
    fixture(Arc::new(MemorySessionRepository::default()), ())
}

async fn file_sessions() -> Option<Fixture<dyn SessionStore>> {
    let dir = TempDir::new().expect("a temporary data folder");
    let repo = FileSessionRepository::open(dir.path()).expect("an empty folder opens");
    fixture(Arc::new(repo), dir)
}

async fn postgres_sessions() -> Option<Fixture<dyn SessionStore>> {
    let database = TestDatabase::connect().await?;
    fixture(Arc::new(database.store().sessions()), database)
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

/// Generates one `#[tokio::test]` per case for one implementation; a fixture that cannot be
/// had (PostgreSQL not reachable outside CI) skips the test.
macro_rules! contract_tests {
    ($fixture:path, $cases:ident: $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(fixture) = $fixture().await else {
                    return;
                };
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
                every_attribute_reads_back_exactly,
                a_read_answered_at_once_agrees_with_the_async_one,
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
                listing_gives_every_session_in_creation_order,
                every_attribute_reads_back_exactly,
                a_read_answered_at_once_agrees_with_the_async_one,
            );
        }
    };
}

user_contract!(memory_user_repository, memory_users);
user_contract!(file_user_repository, file_users);
user_contract!(postgres_user_repository, postgres_users);
session_contract!(memory_session_repository, memory_sessions);
session_contract!(file_session_repository, file_sessions);
session_contract!(postgres_session_repository, postgres_sessions);

/// The memory stores keep every record in memory, so they answer reads at once (the contract
/// above only checks that an answer given at once is right).
#[tokio::test]
async fn the_memory_stores_answer_reads_without_waiting() {
    let users = MemoryUserRepository::new();
    let bob = user(Some("bob@hbtn.io"));
    users.create(bob.clone()).await.expect("created");
    assert_eq!(
        users.get_shared_now(&bob.id),
        ReadNow::Answered(Some(Arc::new(bob)))
    );
    let sessions = MemorySessionRepository::default();
    let one = UserSession::new("u1", ts("2020-01-01T00:00:00"));
    sessions.create(one.clone()).await.expect("created");
    assert_eq!(
        sessions.get_shared_now(&one.session_id),
        ReadNow::Answered(Some(Arc::new(one)))
    );
}

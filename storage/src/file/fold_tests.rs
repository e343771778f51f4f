//! A fold interrupted at every step: whatever the crash instant, start-up finds every change
//! exactly once, in the right order.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use domain::{PasswordHash, User};
use tempfile::TempDir;

use super::atomic_write;
use super::journal::Journal;
use super::journal_entry::{self, Folded};
use super::journal_table::JournalTable;
use super::options::{FileStoreOptions, Paths};
use super::snapshot::write_snapshot;
use super::USERS_FILE;
use crate::memory::table::Table;
use crate::memory::UserTable;

fn user(id: &str) -> User {
    User {
        id: id.into(),
        created_at: "2020-01-02T03:04:05".parse().expect("valid"),
        updated_at: "2020-01-02T03:04:05".parse().expect("valid"),
        email: Some(format!("{id}@x")),
        password: Some(PasswordHash::legacy_sha256("pw")),
        first_name: None,
        last_name: None,
        extra: serde_json::Map::new(),
    }
}

async fn create(table: &JournalTable<UserTable>, id: &str) {
    let new = user(id);
    table
        .commit(move |users: &UserTable| users.plan_create(new.clone()))
        .await
        .expect("created");
}

async fn delete(table: &JournalTable<UserTable>, id: &str) {
    let id = id.to_string();
    let existed = table
        .commit(move |users: &UserTable| users.plan_delete(&id))
        .await
        .expect("deleted");
    assert!(existed);
}

/// Opens a copy of `dir` and returns the ids it holds, in order.
async fn ids_in_copy_of(dir: &Path) -> Vec<String> {
    let copy = TempDir::new().expect("temp dir");
    for entry in fs::read_dir(dir).expect("listable") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copied");
    }
    let table = JournalTable::<UserTable>::open(copy.path(), USERS_FILE, Default::default())
        .expect("the copy opens");
    let ids = table.read(|users| users.list().into_iter().map(|u| u.id).collect());
    table.settle().await;
    let leftovers: Vec<String> = fs::read_dir(copy.path())
        .expect("listable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != USERS_FILE)
        .collect();
    assert!(
        leftovers.is_empty(),
        "start-up folds and cleans up: {leftovers:?}"
    );
    ids
}

#[tokio::test]
async fn a_fold_interrupted_at_any_step_loses_and_repeats_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let paths = Paths::new(dir.path(), USERS_FILE);
    let (records, upto) = {
        let table = JournalTable::<UserTable>::open(
            dir.path(),
            USERS_FILE,
            FileStoreOptions {
                compaction_threshold: u64::MAX,
            },
        )
        .expect("opens");
        // A removed id put again goes last: replaying these over a snapshot that already holds
        // them would move "d" behind "n".
        create(&table, "d").await;
        create(&table, "x").await;
        delete(&table, "d").await;
        create(&table, "d").await;
        create(&table, "n").await;
        // The snapshot of this fold holds the changes so far, not those after it.
        let records = table.read(|users| users.records().snapshot());
        let upto = fs::metadata(&paths.journal).expect("journal").len();
        create(&table, "c").await;
        delete(&table, "x").await;
        (records, upto)
    };
    let expected = ["d", "n", "c"];
    assert_eq!(
        ids_in_copy_of(dir.path()).await,
        expected,
        "before the fold"
    );

    let written = write_snapshot(&paths.snapshot, &records).expect("written");
    assert_eq!(
        ids_in_copy_of(dir.path()).await,
        expected,
        "snapshot written, not in place"
    );

    let tail = super::journal::read_range(&paths.journal, upto, u64::MAX).expect("tail");
    let next = Journal::create(
        &paths.next,
        &paths.journal,
        Some(written.fingerprint),
        &tail,
    )
    .expect("next journal");
    assert_eq!(
        ids_in_copy_of(dir.path()).await,
        expected,
        "next journal written"
    );

    let mut journal = Journal::reopen(
        &paths.journal,
        fs::metadata(&paths.journal).expect("journal").len(),
        0,
    )
    .expect("reopens");
    let mut mark = Vec::new();
    journal_entry::encode_folded(
        &Folded {
            into: written.fingerprint,
            upto,
        },
        &mut mark,
    )
    .expect("encodes");
    journal.append(&mark).expect("mark appended");
    assert_eq!(ids_in_copy_of(dir.path()).await, expected, "mark written");

    atomic_write::install(&written.temp, &paths.snapshot).expect("installed");
    assert_eq!(
        ids_in_copy_of(dir.path()).await,
        expected,
        "new snapshot in place"
    );

    next.put_in_place(&paths.next).expect("renamed");
    assert_eq!(
        ids_in_copy_of(dir.path()).await,
        expected,
        "new journal in place"
    );
}

#[tokio::test]
async fn a_background_fold_carries_the_changes_made_meanwhile() {
    let dir = TempDir::new().expect("temp dir");
    let table = Arc::new(
        JournalTable::<UserTable>::open(
            dir.path(),
            USERS_FILE,
            FileStoreOptions {
                compaction_threshold: 0,
            },
        )
        .expect("opens"),
    );
    let mut expected = Vec::new();
    for n in 0..60 {
        let id = format!("u{n:02}");
        create(&table, &id).await;
        expected.push(id.clone());
        if n % 7 == 3 {
            delete(&table, &id).await;
            expected.pop();
        }
        // Copying files one by one is a crash only while nothing moves.
        table.settle().await;
        assert_eq!(
            ids_in_copy_of(dir.path()).await,
            expected,
            "after change {n}"
        );
    }
    assert!(table.stats().compactions > 0);
    table.close().await.expect("closes");
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("listable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, [USERS_FILE]);
    assert_eq!(ids_in_copy_of(dir.path()).await, expected);
}

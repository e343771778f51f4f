//! Repositories over the original project's data files, each with an append-only journal.
//!
//! [`FileUserRepository`] keeps `<dir>/.db_User.json` and [`FileSessionRepository`] keeps
//! `<dir>/.db_UserSession.json`: the *snapshot*, a single JSON object `{id: {record}}` in
//! insertion order, byte for byte as Python's `json.dump` writes it (see `python_json`), so the
//! original can read it. Beside each snapshot, `<file>.journal` holds the changes made since the
//! snapshot was written. Both repositories are thin wrappers around one generic `JournalTable`.
//!
//! # One process per folder
//!
//! Opening a table locks the data folder (`folder_lock`: an advisory `flock` on the folder
//! itself, shared by the tables of one process, released by the system when the process ends),
//! so a second server or an `api user` command on a folder in use stops with
//! `StorageError::InUse` instead of overwriting the other's changes.
//!
//! # Reads
//!
//! Files are read once, at `open`; memory serves every read (`memory::records`: O(1) by id,
//! email and session id, listings in insertion order, O(1) amortised removal).
//!
//! # Writes: one journal record per change, one sync per batch
//!
//! A change is a line `<length> <crc32> <json>\n` (`journal_line`): the JSON says which ids to
//! remove and which full records to put (`journal_entry`), so its cost depends on the record,
//! not on the size of the store. Each table has a writer thread (`writer`) fed by a channel.
//! It takes every change waiting, plans each against the durable state, appends all their
//! records with one write, calls `fdatasync` once, and only then applies them to memory (under
//! one lock, in journal order) and answers the callers: concurrent writers share one sync,
//! readers never see a change that is not durable, and a failed write changes nothing (the
//! appended bytes are cut off again) and answers `StorageError::Io`. Two changes touching the
//! same id, email or session id never share a batch (`batch`), since each is planned without
//! seeing the other. A journal whose file vanished (its folder was removed) or could not be cut
//! back is abandoned: the next change first rewrites the snapshot from memory, with a new
//! journal.
//!
//! # Folding the journal into the snapshot (compaction)
//!
//! Every journal starts with a header naming, by length and CRC-32 (`fingerprint`), the snapshot
//! it continues. A fold writes a new snapshot (temporary file, fsync), appends to the journal a
//! *fold mark* `{into: <new snapshot's fingerprint>, upto: <offset>}` saying that the new
//! snapshot holds every change before `upto`, renames the snapshot in place (fsync of the
//! folder), and finally replaces the journal by a new one continuing the new snapshot (or
//! deletes it). At start-up (`recovery`), the fingerprint of the snapshot on disk decides what
//! to replay: the one in the header (the rename did not happen) means every change before the
//! mark; the one in the mark (it did) means only those after `upto`. No change is ever replayed
//! over a snapshot that already holds it, whatever the crash instant, so replay needs no
//! idempotence beyond what puts and removals have anyway. A journal naming neither snapshot (the
//! data file was replaced while changes were pending) stops start-up with
//! `StorageError::Corrupt`, unless it holds no change.
//!
//! Folds happen:
//! * at start-up, after replaying a non-empty journal, in the background (serving starts at once);
//! * at [`close`](crate::UserRepository::close), which the API calls at graceful shutdown (the
//!   data folder is then exactly what the original would have written);
//! * when the journal grows longer than both the snapshot and
//!   [`FileStoreOptions::compaction_threshold`]. Then reads go on untouched and writes keep
//!   going to the journal: the writer thread takes a copy of the records (one shared pointer
//!   each, a few milliseconds for a million), a helper thread serialises it to the temporary
//!   file, and the writer thread, between two batches, carries the records appended meanwhile
//!   into the new journal, writes the mark and does the renames (a few syncs, no serialising).
//!
//! # Crashes
//!
//! A crash during an append leaves a torn last record: start-up drops it (with a warning naming
//! the journal and the byte offset) and keeps everything before it. A damaged record followed by
//! others, or a snapshot that does not parse, stops start-up with `StorageError::Corrupt` naming
//! the file and the position, and nothing is written. Temporary files never hold the truth and
//! are deleted at start-up.

mod atomic_write;
mod batch;
mod fingerprint;
#[cfg(test)]
mod fold_tests;
mod folder_lock;
mod journal;
mod journal_entry;
mod journal_line;
mod journal_read;
mod journal_table;
mod load;
mod options;
mod python_json;
mod recovery;
mod sessions;
mod snapshot;
mod stored_record;
mod users;
mod writer;

use std::io;
use std::path::Path;

pub use options::{FileStoreOptions, JournalStats};
pub use sessions::FileSessionRepository;
pub use users::FileUserRepository;

use crate::memory::{SessionTable, UserTable};
use crate::StorageError;

/// The name of the users file in a data folder, as the original named it.
pub const USERS_FILE: &str = ".db_User.json";

/// The name of the sessions file in a data folder, as the original named it.
pub const SESSIONS_FILE: &str = ".db_UserSession.json";

/// The suffix a data file's journal adds to its name (`.db_User.json.journal`).
pub const JOURNAL_SUFFIX: &str = options::JOURNAL_SUFFIX;

/// Returns the bytes the data file `file_name` ([`USERS_FILE`] or [`SESSIONS_FILE`]) of `dir`
/// would hold if its journal were folded in now, without writing anything; `None` when there is
/// neither a data file nor a journal.
///
/// For tools and tests that inspect a data folder while a server uses it: the data file alone
/// may lag behind until the next fold. Without a journal, these are the file's bytes as they are.
pub fn current_contents(dir: &Path, file_name: &str) -> Result<Option<Vec<u8>>, StorageError> {
    match file_name {
        USERS_FILE => journal_table::current_contents::<UserTable>(dir, file_name),
        SESSIONS_FILE => journal_table::current_contents::<SessionTable>(dir, file_name),
        _ => Err(StorageError::Io {
            path: dir.join(file_name),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a data file of this store"),
        }),
    }
}

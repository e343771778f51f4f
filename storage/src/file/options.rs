//! The knobs of a file store, and the counters it keeps for tests and benchmarks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How a file repository manages its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStoreOptions {
    /// The journal is folded into a new snapshot, in the background, once it is longer than
    /// both this many bytes and the snapshot itself. Tests set it low to force folding.
    pub compaction_threshold: u64,
}

impl FileStoreOptions {
    /// The default threshold: 16 MiB, so a small store folds rarely and a large one folds when
    /// its journal outgrows its snapshot (journal replay at start-up then costs at most about
    /// as much as loading the snapshot).
    pub const DEFAULT_COMPACTION_THRESHOLD: u64 = 16 << 20;
}

impl Default for FileStoreOptions {
    fn default() -> Self {
        FileStoreOptions {
            compaction_threshold: Self::DEFAULT_COMPACTION_THRESHOLD,
        }
    }
}

/// What a file repository did since it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JournalStats {
    /// Batches of changes appended to the journal, each made durable by one `fdatasync`.
    pub syncs: u64,
    /// Changes appended to the journal (several may share one sync).
    pub changes: u64,
    /// Bytes appended to the journal for changes.
    pub appended_bytes: u64,
    /// Snapshots written and put in place (folding the journal into the data file).
    pub compactions: u64,
}

/// The live counters behind [`JournalStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    syncs: AtomicU64,
    changes: AtomicU64,
    appended_bytes: AtomicU64,
    compactions: AtomicU64,
}

impl Counters {
    /// Counts one synced batch of `changes` changes taking `bytes` bytes.
    pub(crate) fn batch(&self, changes: usize, bytes: usize) {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.changes.fetch_add(changes as u64, Ordering::Relaxed);
        self.appended_bytes
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts one compaction.
    pub(crate) fn compaction(&self) {
        self.compactions.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads the counters.
    pub(crate) fn read(&self) -> JournalStats {
        JournalStats {
            syncs: self.syncs.load(Ordering::Relaxed),
            changes: self.changes.load(Ordering::Relaxed),
            appended_bytes: self.appended_bytes.load(Ordering::Relaxed),
            compactions: self.compactions.load(Ordering::Relaxed),
        }
    }
}

/// The files of one table in a data folder.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    /// The data folder.
    pub(crate) dir: PathBuf,
    /// The data file's name (`.db_User.json`).
    pub(crate) file_name: String,
    /// The seed-format snapshot, `<dir>/<file>`.
    pub(crate) snapshot: PathBuf,
    /// The journal, `<dir>/<file>.journal`.
    pub(crate) journal: PathBuf,
    /// Where a new journal is written before it replaces the old one, `<dir>/<file>.journal.next`.
    pub(crate) next: PathBuf,
}

/// The suffix of a journal's name after its data file's name.
pub(crate) const JOURNAL_SUFFIX: &str = ".journal";

impl Paths {
    /// The files of `file_name` in `dir`.
    pub(crate) fn new(dir: &Path, file_name: &str) -> Self {
        Paths {
            dir: dir.to_path_buf(),
            file_name: file_name.to_string(),
            snapshot: dir.join(file_name),
            journal: dir.join(format!("{file_name}{JOURNAL_SUFFIX}")),
            next: dir.join(format!("{file_name}{JOURNAL_SUFFIX}.next")),
        }
    }
}

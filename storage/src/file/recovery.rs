//! Start-up: which journal records the snapshot does not hold yet, replaying them, and getting
//! the files ready for the writer (a fold of the replayed journal then starts in the background).

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic_write::is_temp_file_of;
use super::fingerprint::Fingerprint;
use super::journal::{read_range, remove_durably, Journal};
use super::journal_read::{self, Scan};
use super::options::Paths;
use super::stored_record::StoredRecord;
use super::writer::{JournalState, Writer};
use crate::memory::table::Table;
use crate::StorageError;

/// Which records to replay over the snapshot, decided before anything is written.
#[derive(Debug)]
pub(crate) enum Replay {
    /// No journal, or one with nothing the snapshot lacks.
    Nothing {
        /// A journal (or torn remains of one) to delete.
        leftover: Option<Scan>,
    },
    /// Replay `[from, to)` of the journal (or, after an interrupted rebuild, of the `next` one).
    Range {
        /// The journal holding the records.
        scan: Scan,
        /// Whether `scan` is the `next` journal that must first replace the main one.
        from_next: bool,
        /// The first byte to replay (the start of a record).
        from: u64,
        /// The byte replay stops at.
        to: u64,
    },
}

/// Decides what to replay over the snapshot whose fingerprint is `snapshot`.
///
/// The journal's header names the snapshot it continues; a fold mark names the snapshot that
/// took in the journal's records before `upto`. So: the snapshot named by the mark is current
/// (the fold's rename happened) => replay after `upto`; the one named by the header is current
/// (it did not) => replay everything before the mark. A journal that matches neither is refused
/// as [`StorageError::Corrupt`], unless it holds no change at all.
pub(crate) fn plan(paths: &Paths, snapshot: Option<Fingerprint>) -> Result<Replay, StorageError> {
    let Some(scan) = journal_read::scan(&paths.journal)? else {
        return Ok(Replay::Nothing { leftover: None });
    };
    if let Some(torn_at) = scan.torn_at {
        tracing::warn!(
            path = %scan.path.display(),
            offset = torn_at,
            "the last journal record is incomplete (a crash during a write): it is dropped"
        );
    }
    let Some(header) = scan.header else {
        return Ok(Replay::Nothing {
            leftover: Some(scan),
        });
    };
    let range = match scan.folded {
        Some((folded, mark_at)) if Some(folded.into) == snapshot => Some((folded.upto, mark_at)),
        Some((_, mark_at)) if header.base == snapshot => Some((0, mark_at)),
        None if header.base == snapshot => Some((0, scan.good_len)),
        _ => None,
    };
    if let Some((from, to)) = range {
        return Ok(Replay::Range {
            scan,
            from_next: false,
            from,
            to,
        });
    }
    // A rebuild writes the new journal, then the snapshot, then moves the journal in place: a
    // crash between the last two leaves the stale journal and a `next` one naming the snapshot.
    if scan.folded.is_none() {
        if let Ok(Some(next)) = journal_read::scan(&paths.next) {
            if next
                .header
                .is_some_and(|next_header| next_header.base == snapshot)
            {
                let to = next.good_len;
                return Ok(Replay::Range {
                    scan: next,
                    from_next: true,
                    from: 0,
                    to,
                });
            }
        }
    }
    if scan.changes == 0 {
        // Nothing pending (a journal left empty, then the data file replaced by hand or by the
        // original application): nothing is lost by starting from the data file.
        return Ok(Replay::Nothing {
            leftover: Some(scan),
        });
    }
    Err(StorageError::Corrupt {
        path: scan.path.clone(),
        line: 1,
        column: 1,
        message: format!(
            "the journal holds changes to another version of {} (was it replaced while the \
             service was stopped?); move the journal away to start from the data file alone",
            paths.file_name
        ),
    })
}

/// Replays what `replay` says into `table`; returns how many changes were applied.
pub(crate) fn replay<T>(replay: &Replay, table: &mut T) -> Result<usize, StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    match replay {
        Replay::Nothing { .. } => Ok(0),
        Replay::Range { scan, from, to, .. } => journal_read::replay(&scan.path, *from, *to, table),
    }
}

/// Gets the files ready for the writer after a replay: a journal with changes the snapshot
/// lacks is kept for appending (cut after its last good record) and a fold into a new snapshot
/// starts in the background, so that serving does not wait for it; leftovers (a journal with
/// nothing to replay, a `next` journal, stale temporary files) are removed.
pub(crate) fn settle<T>(
    paths: &Paths,
    replay: Replay,
    applied: usize,
    writer: &mut Writer<T>,
) -> Result<(), StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    match replay {
        Replay::Nothing { leftover } => {
            if leftover.is_some() {
                remove_durably(&paths.journal)?;
            }
        }
        Replay::Range { .. } if applied == 0 => remove_durably(&paths.journal)?,
        Replay::Range {
            scan,
            from_next,
            from,
            to,
        } => {
            if from_next {
                // The `next` journal is the right one: it replaces the stale one first.
                fs::rename(&paths.next, &paths.journal).map_err(|source| StorageError::Io {
                    path: paths.journal.clone(),
                    source,
                })?;
                super::atomic_write::sync_folder(&paths.dir)?;
            }
            let journal = if from == 0 {
                // The journal continues the snapshot as it is: keep it up to `to`, dropping a
                // torn record or an old fold mark.
                Journal::reopen(&paths.journal, to, scan.header_len)?
            } else {
                // Only its records after `from` are missing from the snapshot: carry them into
                // a journal that continues the snapshot, replacing this one.
                let tail = read_range(&scan.path, from, to)?;
                let journal =
                    Journal::create(&paths.next, &paths.journal, writer.snapshot(), &tail)?;
                journal.put_in_place(&paths.next)?;
                journal
            };
            writer.set_journal(JournalState::Open(journal));
        }
    }
    remove_durably(&paths.next)?;
    remove_stale_temp_files(&paths.dir, &paths.file_name);
    // Only now: the fold's own temporary file must not be taken for a stale one.
    writer.start_folding(true);
    Ok(())
}

/// Deletes `<file_name>.tmp-*` files a crash may have left in `dir`; they never hold the truth
/// (the rename that would have made them the data file did not happen).
pub(crate) fn remove_stale_temp_files(dir: &Path, file_name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_temp_file_of(&name.to_string_lossy(), file_name) {
            let path: PathBuf = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => tracing::info!(path = %path.display(), "removed a stale temporary file"),
                Err(error) => tracing::warn!(
                    path = %path.display(),
                    %error,
                    "cannot remove a stale temporary file"
                ),
            }
        }
    }
}

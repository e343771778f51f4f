//! Reading a journal at start-up: a first pass that checks every record and finds a torn tail,
//! and a second that replays a range of changes into a table.

use std::fs::File;
use std::io::{self, BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;

use super::journal_entry::{Entry, Folded, Header, FORMAT_VERSION};
use super::journal_line::{self, LineError};
use super::stored_record::{Stored, StoredRecord};
use crate::memory::table::{Edit, Table};
use crate::StorageError;

/// What the first pass learnt about a journal.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    /// The journal file.
    pub(crate) path: PathBuf,
    /// Its header; `None` when the file holds no complete record at all.
    pub(crate) header: Option<Header>,
    /// The length of its header record (0 without one).
    pub(crate) header_len: u64,
    /// How many change records it holds.
    pub(crate) changes: usize,
    /// The fold mark and its offset, when the journal was folded into a newer snapshot.
    pub(crate) folded: Option<(Folded, u64)>,
    /// The offset just past the last valid record.
    pub(crate) good_len: u64,
    /// The offset of a torn last record (left by a crash in the middle of an append), if any.
    pub(crate) torn_at: Option<u64>,
}

/// Checks every record of the journal at `path`; `Ok(None)` when there is no such file.
///
/// A damaged record with nothing after it is a torn tail (reported in [`Scan::torn_at`], for
/// the caller to cut off); a damaged record followed by anything, an unreadable record, or
/// records out of order are [`StorageError::Corrupt`] with the line and byte offset.
pub(crate) fn scan(path: &Path) -> Result<Option<Scan>, StorageError> {
    let Some(mut lines) = Lines::open(path)? else {
        return Ok(None);
    };
    let mut scan = Scan {
        path: path.to_path_buf(),
        header: None,
        header_len: 0,
        changes: 0,
        folded: None,
        good_len: 0,
        torn_at: None,
    };
    while let Some(line) = lines.next_line()? {
        let payload = match journal_line::decode(&lines.buffer) {
            Ok(payload) => payload,
            Err(error) => {
                if error == LineError::Unterminated || lines.at_end()? {
                    scan.torn_at = Some(line.offset);
                    break;
                }
                return Err(corrupt(
                    path,
                    line,
                    &format!("{error}, and records follow it"),
                ));
            }
        };
        let entry: Entry<IgnoredAny> = serde_json::from_slice(payload)
            .map_err(|error| corrupt(path, line, &format!("unreadable record: {error}")))?;
        if scan.folded.is_some() {
            return Err(corrupt(path, line, "a record follows the fold mark"));
        }
        match (entry, scan.header) {
            (Entry::Journal(header), None) => {
                if header.version != FORMAT_VERSION {
                    let message = format!("unknown journal format {}", header.version);
                    return Err(corrupt(path, line, &message));
                }
                scan.header = Some(header);
                scan.header_len = lines.buffer.len() as u64;
            }
            (_, None) => {
                return Err(corrupt(
                    path,
                    line,
                    "the journal does not start with its header",
                ));
            }
            (Entry::Journal(_), Some(_)) => {
                return Err(corrupt(path, line, "a second journal header"));
            }
            (Entry::Change { .. }, Some(_)) => scan.changes += 1,
            (Entry::Folded(folded), Some(_)) => {
                if folded.upto > line.offset {
                    return Err(corrupt(path, line, "the fold mark points past itself"));
                }
                scan.folded = Some((folded, line.offset));
            }
        }
        scan.good_len = line.offset + lines.buffer.len() as u64;
    }
    Ok(Some(scan))
}

/// Applies to `table` every change recorded in `[from, to)` of the journal at `path`, which
/// [`scan`] accepted; returns how many were applied.
///
/// `from` must be the offset of a record (a fold mark's `upto`). A record that cannot be read
/// as a change of this table is [`StorageError::Corrupt`].
pub(crate) fn replay<T>(
    path: &Path,
    from: u64,
    to: u64,
    table: &mut T,
) -> Result<usize, StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    let Some(mut lines) = Lines::open(path)? else {
        return Ok(0);
    };
    let mut found_start = from == to;
    let mut applied = 0;
    while let Some(line) = lines.next_line()? {
        if line.offset >= to {
            break;
        }
        if line.offset < from {
            continue;
        }
        found_start |= line.offset == from;
        if !found_start {
            return Err(corrupt(path, line, "the fold mark points inside a record"));
        }
        let payload = journal_line::decode(&lines.buffer)
            .map_err(|error| corrupt(path, line, &error.to_string()))?;
        let entry: Entry<Stored<T::Record>> = serde_json::from_slice(payload)
            .map_err(|error| corrupt(path, line, &format!("unreadable record: {error}")))?;
        if let Entry::Change { del, put } = entry {
            let put = put.into_iter().map(|Stored(record)| record).collect();
            Edit::from_parts(del, put).apply_to(table);
            applied += 1;
        }
    }
    if !found_start {
        let message = format!("the fold mark points to byte {from}, where no record starts");
        return Err(StorageError::Corrupt {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message,
        });
    }
    Ok(applied)
}

/// Where a line starts.
#[derive(Debug, Clone, Copy)]
struct LineStart {
    /// 1-based line number.
    number: usize,
    /// Byte offset in the file.
    offset: u64,
}

/// The lines of a journal, one at a time, in a reused buffer.
struct Lines {
    path: PathBuf,
    reader: BufReader<File>,
    buffer: Vec<u8>,
    next: LineStart,
}

impl Lines {
    fn open(path: &Path) -> Result<Option<Lines>, StorageError> {
        match File::open(path) {
            Ok(file) => Ok(Some(Lines {
                path: path.to_path_buf(),
                reader: BufReader::with_capacity(1 << 20, file),
                buffer: Vec::new(),
                next: LineStart {
                    number: 1,
                    offset: 0,
                },
            })),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io_error(path, source)),
        }
    }

    /// Reads the next line (with its newline, if any) into `buffer`.
    fn next_line(&mut self) -> Result<Option<LineStart>, StorageError> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|source| io_error(&self.path, source))?;
        if read == 0 {
            return Ok(None);
        }
        let start = self.next;
        self.next = LineStart {
            number: start.number + 1,
            offset: start.offset + read as u64,
        };
        Ok(Some(start))
    }

    fn at_end(&mut self) -> Result<bool, StorageError> {
        self.reader
            .fill_buf()
            .map(|rest| rest.is_empty())
            .map_err(|source| io_error(&self.path, source))
    }
}

fn io_error(path: &Path, source: io::Error) -> StorageError {
    StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn corrupt(path: &Path, line: LineStart, problem: &str) -> StorageError {
    StorageError::Corrupt {
        path: path.to_path_buf(),
        line: line.number,
        column: 1,
        message: format!("record at byte {}: {problem}", line.offset),
    }
}

//! The journal being appended to: records written in batches, each batch synced once, a failed
//! batch cut off again so that it can never come back.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::atomic_write::{folder_of, sync_folder};
use super::fingerprint::Fingerprint;
use super::journal_entry::{self, Header, FORMAT_VERSION};
use crate::StorageError;

/// An open journal file, appended to by the writer thread only.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    /// Everything before this offset is durable; nothing after it is meaningful.
    len: u64,
    /// The length of the header record: a longer journal holds changes.
    header_len: u64,
    /// Set when the file can no longer be trusted to end at `len` (a failed batch could not be
    /// cut off) or is no longer reachable (it was deleted): it must not be appended to again.
    broken: bool,
}

impl Journal {
    /// Writes a new journal at `next` continuing the snapshot `base` and holding `tail` (records
    /// carried over from the journal it replaces), synced; [`put_in_place`](Self::put_in_place)
    /// then renames it to `path`.
    pub(crate) fn create(
        next: &Path,
        path: &Path,
        base: Option<Fingerprint>,
        tail: &[u8],
    ) -> Result<Journal, StorageError> {
        let io_error = |source| io_error(next, source);
        let mut bytes = Vec::with_capacity(tail.len() + 128);
        let header = Header {
            version: FORMAT_VERSION,
            base,
        };
        journal_entry::encode_header(&header, &mut bytes)
            .map_err(|error| io_error(io::Error::other(error)))?;
        let header_len = bytes.len() as u64;
        bytes.extend_from_slice(tail);
        // A `next` journal left by an interrupted fold never holds the truth.
        let _ = fs::remove_file(next);
        let created = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(next)
            .and_then(|mut file| {
                file.write_all(&bytes)?;
                file.sync_all()?;
                Ok(file)
            });
        let file = match created {
            Ok(file) => file,
            Err(source) => {
                let _ = fs::remove_file(next);
                return Err(io_error(source));
            }
        };
        if let Err(error) = sync_folder(&folder_of(next)) {
            let _ = fs::remove_file(next);
            return Err(error);
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            len: bytes.len() as u64,
            header_len,
            broken: false,
        })
    }

    /// Renames the journal written by [`create`](Self::create) from `next` to its real name
    /// (replacing any journal there, atomically) and makes the rename durable.
    pub(crate) fn put_in_place(&self, next: &Path) -> Result<(), StorageError> {
        fs::rename(next, &self.path).map_err(|source| io_error(&self.path, source))?;
        sync_folder(&folder_of(&self.path))
    }

    /// Opens the existing journal at `path` for appending, cutting off anything after `keep`
    /// (a torn record, a stale fold mark).
    pub(crate) fn reopen(path: &Path, keep: u64, header_len: u64) -> Result<Journal, StorageError> {
        let io_error = |source| io_error(path, source);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io_error)?;
        let actual = file.metadata().map_err(io_error)?.len();
        if actual != keep {
            file.set_len(keep).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            len: keep,
            header_len,
            broken: false,
        })
    }

    /// The journal's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The durable length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Tells whether the journal holds any change (or fold mark) after its header.
    pub(crate) fn has_changes(&self) -> bool {
        self.len > self.header_len
    }

    /// Tells whether the journal must not be appended to any more.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    /// Appends `bytes` (whole records) and syncs them: once this returns `Ok`, they survive a
    /// crash. On failure they are cut off again, so that a failed change can never reappear;
    /// should even that fail, the journal is marked broken.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        let written = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            self.cut_back(self.len);
            return Err(io_error(&self.path, source));
        }
        // A deleted journal (its folder removed, say) still takes writes, which then reach no
        // file anyone will read: that is a failed write, not a durable one.
        if self.is_unlinked() {
            self.broken = true;
            return Err(io_error(
                &self.path,
                io::Error::new(io::ErrorKind::NotFound, "the journal file was removed"),
            ));
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Cuts the journal back to `len` (undoing the last append), marking it broken on failure.
    pub(crate) fn cut_back(&mut self, len: u64) {
        let cut = self.file.set_len(len).and_then(|()| self.file.sync_data());
        match cut {
            Ok(()) => self.len = len,
            Err(error) => {
                tracing::warn!(
                    path = %self.path.display(),
                    %error,
                    "cannot cut the journal back after a failed write"
                );
                self.broken = true;
            }
        }
    }

    /// Returns the bytes from `offset` to the durable end.
    pub(crate) fn read_from(&self, offset: u64) -> Result<Vec<u8>, StorageError> {
        let io_error = |source| io_error(&self.path, source);
        let wanted = self.len.saturating_sub(offset);
        let mut bytes = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
        if wanted == 0 {
            return Ok(bytes);
        }
        // A second handle: with O_APPEND, moving its position does not affect where appends go.
        let mut reader = self.file.try_clone().map_err(io_error)?;
        reader.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        reader
            .take(wanted)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if (bytes.len() as u64) != wanted {
            return Err(io_error(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the journal is shorter than written",
            )));
        }
        Ok(bytes)
    }

    /// Deletes the journal file and makes that durable.
    pub(crate) fn remove(self) -> Result<(), StorageError> {
        remove_durably(&self.path)
    }

    #[cfg(unix)]
    fn is_unlinked(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        self.file
            .metadata()
            .map(|metadata| metadata.nlink() == 0)
            .unwrap_or(true)
    }

    #[cfg(not(unix))]
    fn is_unlinked(&self) -> bool {
        !self.path.exists()
    }
}

/// Reads the bytes `[from, to)` of the file at `path`.
pub(crate) fn read_range(path: &Path, from: u64, to: u64) -> Result<Vec<u8>, StorageError> {
    let io_error = |source| io_error(path, source);
    let mut file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    file.seek(SeekFrom::Start(from)).map_err(io_error)?;
    let wanted = to.min(len).saturating_sub(from);
    let mut bytes = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
    file.take(wanted)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    Ok(bytes)
}

/// Deletes `path` if it exists and syncs its folder.
pub(crate) fn remove_durably(path: &Path) -> Result<(), StorageError> {
    match fs::remove_file(path) {
        Ok(()) => sync_folder(&folder_of(path)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(io_error(path, source)),
    }
}

fn io_error(path: &Path, source: io::Error) -> StorageError {
    StorageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

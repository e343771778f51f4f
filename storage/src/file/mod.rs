//! Repositories over the original project's data files, replaced atomically on every write.
//!
//! [`FileUserRepository`] keeps `<dir>/.db_User.json` and [`FileSessionRepository`] keeps
//! `<dir>/.db_UserSession.json`, each a single JSON object `{id: {record}}` in insertion order,
//! as the original wrote them. A file is read once, at [`open`](FileUserRepository::open); from
//! then on memory serves every read. Each change (one at a time per file) writes the whole new
//! file to `<file>.tmp-<random>`, syncs it, renames it over the data file and syncs the folder,
//! all on a blocking thread; memory changes only once that succeeded. Files are written byte for
//! byte as Python's `json.dump` writes them (see `python_json`), so the original can read them.
//!
//! Both repositories are thin wrappers around one generic `JsonFileTable`, the single place that
//! knows how a table reaches the disk.

mod after_edit;
mod atomic_write;
mod json_file_table;
mod load;
mod python_json;
mod sessions;
mod users;

pub use sessions::FileSessionRepository;
pub use users::FileUserRepository;

/// The name of the users file in a data folder, as the original named it.
pub const USERS_FILE: &str = ".db_User.json";

/// The name of the sessions file in a data folder, as the original named it.
pub const SESSIONS_FILE: &str = ".db_UserSession.json";

//! In-memory repositories, and the indexed tables the file repositories build on.
//!
//! [`MemoryUserRepository`] and [`MemorySessionRepository`] keep everything in process memory
//! and lose it at exit; they serve tests and a server run without a data folder.
//!
//! The rules of the repository contract (unique emails, insertion order, what each delete
//! removes) live once, in the crate-private `UserTable` and `SessionTable`. A table never
//! changes itself while deciding: each operation first *plans* an `Edit` against the current
//! state, and the caller applies that edit. The memory repositories apply it at once; the file
//! repositories apply it only after it is safely in their journal on disk.
//!
//! Tables keep their records in `records::Records`: insertion order, O(1) lookup by id and by
//! one secondary value (email, session id), O(1) amortised removal.

mod locked_table;
pub(crate) mod records;
mod session_table;
mod sessions;
pub(crate) mod table;
mod user_table;
mod users;

pub(crate) use locked_table::LockedTable;
pub(crate) use session_table::SessionTable;
pub use sessions::MemorySessionRepository;
pub(crate) use user_table::UserTable;
pub use users::MemoryUserRepository;

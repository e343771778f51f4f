//! The domain of the authentication service: the records it keeps and the rules they obey.
//!
//! Nothing here performs I/O. [`User`] and [`UserSession`] are the two stored records, in the
//! shapes of the original project's data files; [`Timestamp`] is the one UTC clock format used in
//! JSON and on disk; [`password`] holds the hashing rules (Argon2id for new passwords, legacy
//! unsalted SHA-256 still verified and flagged for upgrade); [`clock`] lets time-dependent logic
//! run against a clock that tests control; [`public_json`] writes a user's public JSON, and any
//! JSON string, by hand, byte for byte as serde_json would; [`byte_words`] checks bytes eight at
//! a time for that writer and for the session cookie's reader.
#![warn(missing_docs)]

pub mod byte_words;
pub mod clock;
pub mod error;
pub mod ids;
pub mod password;
pub mod public_json;
pub mod session;
pub mod timestamp;
pub mod user;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::DomainError;
pub use ids::new_id;
pub use password::{PasswordHash, PasswordHasher, PasswordParams, Verification};
pub use session::{SessionDuration, UserSession};
pub use timestamp::Timestamp;
pub use user::{NewUser, User};

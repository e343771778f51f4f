//! Password rules: Argon2id for every new hash, legacy unsalted SHA-256 still accepted once.
//!
//! The original stored `sha256(password).hexdigest()`. Those hashes still verify here (so a data
//! folder written by the original keeps working), but a successful check reports
//! [`Verification::MatchNeedsUpgrade`] so the caller can replace the hash with Argon2id.

use std::fmt;

use argon2::password_hash::{PasswordHash as PhcString, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::DomainError;

/// A stored password hash: the text kept in the `_password` field of a user record.
///
/// Either an Argon2id PHC string (`$argon2id$v=19$...`) or a legacy 64-digit SHA-256 hex digest.
/// Its `Debug` form hides the value so that hashes never reach a log line.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored hash string exactly as found in a data file.
    pub fn from_stored(value: impl Into<String>) -> Self {
        PasswordHash(value.into())
    }

    /// Returns the stored text, for writing it back to storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Computes the original project's legacy hash: lowercase hex SHA-256 of the UTF-8 bytes.
    pub fn legacy_sha256(password: &str) -> Self {
        PasswordHash(hex_sha256(password))
    }

    /// Tells whether this is a legacy unsalted SHA-256 digest.
    pub fn is_legacy(&self) -> bool {
        self.0.len() == 64 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password does not match (or the stored hash is unusable).
    Mismatch,
    /// The password matches and the hash is current.
    Match,
    /// The password matches, but the hash is legacy SHA-256 or uses other Argon2 parameters and
    /// should be replaced by a fresh hash.
    MatchNeedsUpgrade,
}

impl Verification {
    /// Tells whether the password was accepted.
    pub fn is_match(self) -> bool {
        !matches!(self, Verification::Mismatch)
    }
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

impl PasswordParams {
    /// OWASP's recommended minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: PasswordParams = PasswordParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The cheapest parameters Argon2 accepts; for tests only.
    pub const INSECURE_FAST: PasswordParams = PasswordParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
}

impl Default for PasswordParams {
    fn default() -> Self {
        PasswordParams::OWASP
    }
}

/// Hashes new passwords with Argon2id and verifies stored hashes of either kind.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    params: Params,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("memory_kib", &self.params.m_cost())
            .field("iterations", &self.params.t_cost())
            .field("parallelism", &self.params.p_cost())
            .finish()
    }
}

impl PasswordHasher {
    /// Creates a hasher with the given Argon2id parameters, rejecting values Argon2 cannot use.
    pub fn new(params: PasswordParams) -> Result<Self, DomainError> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| DomainError::InvalidPasswordParams(e.to_string()))?;
        Ok(PasswordHasher {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
            params,
        })
    }

    /// Hashes `password` with a fresh random salt into an Argon2id PHC string.
    pub fn hash(&self, password: &str) -> Result<PasswordHash, DomainError> {
        let salt = SaltString::generate(&mut rand_core::OsRng);
        self.argon2
            .hash_password(password.as_bytes(), &salt)
            .map(|phc| PasswordHash(phc.to_string()))
            .map_err(|e| DomainError::Hashing(e.to_string()))
    }

    /// Checks `password` against `stored`, in constant time for legacy digests.
    pub fn verify(&self, stored: &PasswordHash, password: &str) -> Verification {
        if stored.is_legacy() {
            let computed = hex_sha256(password);
            return if constant_time_eq(
                computed.as_bytes(),
                stored.0.to_ascii_lowercase().as_bytes(),
            ) {
                Verification::MatchNeedsUpgrade
            } else {
                Verification::Mismatch
            };
        }
        let Ok(phc) = PhcString::new(&stored.0) else {
            return Verification::Mismatch;
        };
        if self
            .argon2
            .verify_password(password.as_bytes(), &phc)
            .is_err()
        {
            return Verification::Mismatch;
        }
        if self.is_current(&phc) {
            Verification::Match
        } else {
            Verification::MatchNeedsUpgrade
        }
    }

    /// Returns a hash of a random password, to verify against when no user matches, so that an
    /// unknown email costs as much time as a wrong password.
    pub fn dummy_hash(&self) -> Result<PasswordHash, DomainError> {
        self.hash(&crate::new_id())
    }

    fn is_current(&self, phc: &PhcString<'_>) -> bool {
        if phc.algorithm.as_str() != "argon2id" {
            return false;
        }
        match Params::try_from(phc) {
            Ok(stored) => {
                stored.m_cost() == self.params.m_cost()
                    && stored.t_cost() == self.params.t_cost()
                    && stored.p_cost() == self.params.p_cost()
            }
            Err(_) => false,
        }
    }
}

fn hex_sha256(password: &str) -> String {
    let digest = Sha256::digest(password.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> PasswordHasher {
        PasswordHasher::new(PasswordParams::INSECURE_FAST).expect("valid params")
    }

    #[test]
    fn legacy_hashes_match_the_fixture_digests() {
        assert_eq!(
            PasswordHash::legacy_sha256("H0lbertonSchool98!").as_str(),
            "a5c904771b8617de27d3511d1f538094e26c120da663363b3f760f7b894f9d69"
        );
        assert_eq!(
            PasswordHash::legacy_sha256("fake pwd").as_str(),
            "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967"
        );
        assert_eq!(
            PasswordHash::legacy_sha256("H0lberton:School:98!").as_str(),
            "7b5f8a2f5164d5310520dc65933d3956f5998d824ae604bcec3046068dbbd78c"
        );
        assert_eq!(
            PasswordHash::legacy_sha256("").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_legacy_hash_verifies_and_asks_for_an_upgrade() {
        let stored = PasswordHash::legacy_sha256("fake pwd");
        assert!(stored.is_legacy());
        assert_eq!(
            fast().verify(&stored, "fake pwd"),
            Verification::MatchNeedsUpgrade
        );
        assert_eq!(fast().verify(&stored, "fake pw"), Verification::Mismatch);
    }

    #[test]
    fn new_hashes_are_salted_argon2id_and_verify() {
        let hasher = fast();
        let a = hasher.hash("secret").expect("hashes");
        let b = hasher.hash("secret").expect("hashes");
        assert!(a.as_str().starts_with("$argon2id$v=19$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(!a.is_legacy());
        assert_eq!(hasher.verify(&a, "secret"), Verification::Match);
        assert_eq!(hasher.verify(&a, "Secret"), Verification::Mismatch);
    }

    #[test]
    fn a_hash_made_with_other_parameters_asks_for_an_upgrade() {
        let old = PasswordHasher::new(PasswordParams {
            memory_kib: 16,
            iterations: 1,
            parallelism: 1,
        })
        .expect("valid");
        let stored = old.hash("pw").expect("hashes");
        assert_eq!(
            fast().verify(&stored, "pw"),
            Verification::MatchNeedsUpgrade
        );
        assert_eq!(fast().verify(&stored, "nope"), Verification::Mismatch);
    }

    #[test]
    fn garbage_in_the_password_field_never_verifies() {
        for stored in ["", "not a hash", "$argon2id$broken", "zz"] {
            let stored = PasswordHash::from_stored(stored);
            assert_eq!(fast().verify(&stored, ""), Verification::Mismatch);
            assert_eq!(fast().verify(&stored, "x"), Verification::Mismatch);
        }
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        let err = PasswordHasher::new(PasswordParams {
            memory_kib: 0,
            iterations: 0,
            parallelism: 0,
        });
        assert!(matches!(err, Err(DomainError::InvalidPasswordParams(_))));
    }

    #[test]
    fn the_debug_form_hides_the_hash() {
        let stored = PasswordHash::legacy_sha256("fake pwd");
        assert!(!format!("{stored:?}").contains("7a321db"));
    }

    #[test]
    fn owasp_parameters_are_the_default() {
        assert_eq!(PasswordParams::default(), PasswordParams::OWASP);
        assert!(PasswordHasher::new(PasswordParams::default()).is_ok());
    }
}

//! The users of the original task pages and a data folder written in the original's exact format.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

/// One user of the task pages as the original application stored it.
#[derive(Debug, Clone, Copy)]
pub struct SeedUser {
    /// The fixed id used in the seeded file.
    pub id: &'static str,
    /// The e-mail address.
    pub email: &'static str,
    /// The clear-text password of the task pages.
    pub password: &'static str,
    /// The original's unsalted SHA-256 hex hash of `password` (SPEC Part B 2.2).
    pub sha256: &'static str,
    /// `created_at` in the seeded file.
    pub created_at: &'static str,
    /// `updated_at` in the seeded file.
    pub updated_at: &'static str,
}

impl SeedUser {
    /// Returns the Base64 token of `email:password`, as sent after `Basic `.
    pub fn token(&self) -> String {
        base64(format!("{}:{}", self.email, self.password).as_bytes())
    }

    /// Returns this user's entry in the original's one-line `json.dump` format.
    fn original_entry(&self) -> String {
        format!(
            "\"{id}\": {{\"id\": \"{id}\", \"created_at\": \"{created}\", \"updated_at\": \"{updated}\", \"email\": \"{email}\", \"_password\": \"{hash}\", \"first_name\": null, \"last_name\": null}}",
            id = self.id,
            created = self.created_at,
            updated = self.updated_at,
            email = self.email,
            hash = self.sha256,
        )
    }
}

/// U1 of the task pages: `bob@hbtn.io` / `H0lbertonSchool98!`.
pub const U1: SeedUser = SeedUser {
    id: "9f4b7d2e-3c1a-4e5b-8a6d-1f2e3d4c5b6a",
    email: "bob@hbtn.io",
    password: "H0lbertonSchool98!",
    sha256: "a5c904771b8617de27d3511d1f538094e26c120da663363b3f760f7b894f9d69",
    created_at: "2017-10-16T04:23:04",
    updated_at: "2017-10-16T04:23:04",
};

/// U2 of the task pages: `bobsession@hbtn.io` / `fake pwd`.
pub const U2: SeedUser = SeedUser {
    id: "d1b1d8ac-be5b-4849-b2ba-439092b4c05b",
    email: "bobsession@hbtn.io",
    password: "fake pwd",
    sha256: "7a321db83885ebbe8358bc1160c803af6cc70c80aa8f750eeb9d21d5f8c75967",
    created_at: "2017-10-17T10:01:02",
    updated_at: "2017-10-18T11:12:13",
};

/// U3 of the task pages, whose password contains colons: `bob100@hbtn.io` / `H0lberton:School:98!`.
pub const U3: SeedUser = SeedUser {
    id: "5c8e2a1f-7b3d-4f6e-9a2c-8d1e0f3b4a5c",
    email: "bob100@hbtn.io",
    password: "H0lberton:School:98!",
    sha256: "7b5f8a2f5164d5310520dc65933d3956f5998d824ae604bcec3046068dbbd78c",
    created_at: "2018-01-02T03:04:05",
    updated_at: "2018-01-02T03:04:05",
};

/// The seeded users in file order.
pub const ORIGINAL_USERS: [SeedUser; 3] = [U1, U2, U3];

/// Writes `.db_User.json` holding U1, U2 and U3 byte for byte as the original's `json.dump`
/// writes it (one line, `", "` and `": "` separators, no trailing newline) and returns the text.
pub fn seed_original_data(dir: &Path) -> String {
    let entries: Vec<String> = ORIGINAL_USERS
        .iter()
        .map(SeedUser::original_entry)
        .collect();
    let text = format!("{{{}}}", entries.join(", "));
    fs::write(dir.join(".db_User.json"), &text).expect("the seed file can be written");
    text
}

/// Creates a fresh temporary data folder seeded by [`seed_original_data`].
pub fn seeded_dir() -> TempDir {
    let dir = TempDir::new().expect("a temporary data folder can be created");
    seed_original_data(dir.path());
    dir
}

/// Encodes bytes as standard padded Base64 (RFC 4648), enough for Basic tokens.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for position in 0..4 {
            if position <= chunk.len() {
                let index = (group >> (18 - 6 * position)) & 63;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

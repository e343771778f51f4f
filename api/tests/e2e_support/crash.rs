//! Tools of the crash tests: a seeded random source, requests that report "no answer" instead of
//! failing the test, and the check that every data file in the original's format still parses.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method};
use serde_json::Value;

use super::http::{Creds, Reply};
use super::requests::LOGIN;
use super::server::Server;

/// The environment variable that replays a crash test with a given seed.
pub const SEED_VARIABLE: &str = "CRASH_TEST_SEED";

/// The data files in the original's format; each one that exists must always parse.
pub const SEED_FORMAT_FILES: [&str; 2] = [".db_User.json", ".db_UserSession.json"];

/// How long a load request may wait for its answer: a server that hangs ends the load instead
/// of the test.
const LOAD_TIMEOUT: Duration = Duration::from_secs(5);

/// A small xorshift64* generator: reproducible from its seed, good enough to pick moments and
/// operations, and no extra crate.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// Starts a generator from `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        // xorshift never leaves the all-zero state, so the seed is mixed with a non-zero constant.
        Rng {
            state: (seed ^ 0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// Returns the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Returns a number in `low..high` (`low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        match high.checked_sub(low) {
            Some(width) if width > 0 => low + self.next_u64() % width,
            _ => low,
        }
    }

    /// Returns an index below `len` (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.between(0, len as u64) as usize
    }

    /// Returns true `percent` times out of a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.between(0, 100) < percent
    }

    /// Returns an independent generator seeded from this one, for another task.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

/// Returns the seed of this run: `CRASH_TEST_SEED` when set to a number, else one made from the
/// clock and the process id.
pub fn crash_seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_VARIABLE)
        .ok()
        .and_then(|text| text.trim().parse().ok())
    {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// Asserts that each file of [`SEED_FORMAT_FILES`] present in `dir` parses as a JSON object.
pub fn assert_data_files_parse(dir: &Path, context: &str) {
    for name in SEED_FORMAT_FILES {
        let path = dir.join(name);
        let Ok(bytes) = fs::read(&path) else {
            continue;
        };
        let parsed: Value = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!(
                "{context}: {name} is not JSON ({error}); it holds {} bytes: {:?}",
                bytes.len(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
            )
        });
        assert!(
            parsed.is_object(),
            "{context}: {name} is JSON but not an object"
        );
    }
}

/// A handle other tasks use to load a [`Server`]: it outlives the process it talks to, and a
/// request that gets no complete answer (the process was killed) is an `Err`, not a failure.
#[derive(Debug, Clone)]
pub struct Probe {
    client: Client,
    base: String,
}

impl Server {
    /// Returns a [`Probe`] for this server, with its own connections and a short timeout.
    pub fn probe(&self) -> Probe {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(LOAD_TIMEOUT)
            .build()
            .expect("the HTTP client builds");
        Probe {
            client,
            base: self.url(""),
        }
    }
}

impl Probe {
    /// Sends a request; `Err` describes why no complete answer came back.
    async fn try_send(
        &self,
        method: Method,
        path: &str,
        creds: &Creds,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<Reply, String> {
        let request = format!("{method} {path}");
        let mut builder = self.client.request(method, format!("{}{path}", self.base));
        if let Some(value) = &creds.authorization {
            builder = builder.header("authorization", value.as_str());
        }
        if let Some(value) = &creds.cookie {
            builder = builder.header("cookie", value.as_str());
        }
        let response = build(builder)
            .send()
            .await
            .map_err(|error| format!("{request}: no answer ({error})"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| format!("{request}: incomplete body ({error})"))?;
        Ok(Reply {
            request,
            status,
            headers,
            body: body.to_vec(),
        })
    }

    /// `GET path`.
    pub async fn try_get(&self, path: &str, creds: &Creds) -> Result<Reply, String> {
        self.try_send(Method::GET, path, creds, |builder| builder)
            .await
    }

    /// `POST path` with this JSON text as an `application/json` body.
    pub async fn try_post_json(
        &self,
        path: &str,
        json: &str,
        creds: &Creds,
    ) -> Result<Reply, String> {
        let body = json.to_string();
        self.try_send(Method::POST, path, creds, |builder| {
            builder
                .header("content-type", "application/json")
                .body(body)
        })
        .await
    }

    /// Posts the login form with these credentials.
    pub async fn try_login(&self, email: &str, password: &str) -> Result<Reply, String> {
        let fields = [("email", email), ("password", password)];
        self.try_send(Method::POST, LOGIN, &Creds::none(), |builder| {
            builder.form(&fields)
        })
        .await
    }
}

//! What the load generator is asked to do and what it reports: the JSON that `cargo xtask bench`
//! writes to the `loadgen` process's standard input and reads back from its standard output.
//!
//! Credentials travel on standard input rather than on the command line so they never show in a
//! process listing.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::cpu::CpuTime;

/// One load run: where to send requests, how hard and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadPlan {
    /// The server's loopback address.
    pub address: SocketAddr,
    /// How many keep-alive connections run iterations concurrently, each one at a time.
    pub connections: usize,
    /// How many threads the generator's runtime uses.
    pub threads: usize,
    /// How long to drive load before measuring, in milliseconds (connections open, caches warm).
    pub warmup_ms: u64,
    /// How long the measurement lasts, in milliseconds.
    pub duration_ms: u64,
    /// What one iteration does.
    pub workload: Workload,
    /// The server's process id, when the generator should also report the server's CPU time
    /// during the measured window (it reads `/proc`, so only on the same machine).
    #[serde(default)]
    pub server_pid: Option<u32>,
}

/// What one iteration of a connection does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Workload {
    /// Sends the same request and expects the same status every time.
    Repeat {
        /// The request.
        request: RequestSpec,
        /// The status a successful answer has.
        expect_status: u16,
    },
    /// Logs in with the form fields (expecting 200 and a session cookie), then logs out with
    /// that cookie (expecting 200): two requests per iteration.
    LoginLogout {
        /// The account's email.
        email: String,
        /// The account's password.
        password: String,
        /// The session cookie's name (`SESSION_NAME`).
        cookie_name: String,
    },
    /// Creates a user with a new unique email through `POST /api/v1/users`, expecting 201.
    CreateUsers {
        /// A tag making this run's emails distinct from every seeded one.
        email_tag: String,
        /// The password every created user gets.
        password: String,
    },
}

/// One HTTP request, as plain text parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    /// The method, such as `GET`.
    pub method: String,
    /// The path and query, such as `/api/v1/status`.
    pub path: String,
    /// Extra headers (`Host` is always added).
    pub headers: Vec<(String, String)>,
    /// The body, empty for none.
    pub body: String,
}

impl RequestSpec {
    /// A `GET path` request with the given extra headers.
    pub fn get(path: &str, headers: Vec<(String, String)>) -> Self {
        RequestSpec {
            method: "GET".to_string(),
            path: path.to_string(),
            headers,
            body: String::new(),
        }
    }
}

/// What a load run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadResult {
    /// Iterations that completed successfully inside the measurement window.
    pub iterations: u64,
    /// HTTP requests those iterations sent.
    pub requests: u64,
    /// Iterations that failed (wrong status, broken connection) inside the window.
    pub errors: u64,
    /// The measurement window's length in seconds.
    pub seconds: f64,
    /// Median iteration latency in microseconds, if any iteration completed.
    pub p50_us: Option<u64>,
    /// 99th-percentile iteration latency in microseconds, if any iteration completed.
    pub p99_us: Option<u64>,
    /// The slowest iteration in microseconds, if any iteration completed.
    pub max_us: Option<u64>,
    /// What went wrong the first time an iteration failed (never a secret).
    pub first_error: Option<String>,
    /// The server's CPU time during the measured window, when its process id was given and
    /// `/proc` could tell.
    #[serde(default)]
    pub server_cpu: Option<CpuTime>,
    /// The load generator's own CPU time during the measured window, when `/proc` could tell.
    #[serde(default)]
    pub loadgen_cpu: Option<CpuTime>,
}

impl LoadResult {
    /// Microseconds of CPU per request of `cpu` (a window's time), if any request was sent.
    pub fn per_request(&self, cpu: Option<CpuTime>) -> Option<(f64, f64)> {
        let cpu = cpu?;
        (self.requests > 0).then(|| {
            let requests = self.requests as f64;
            (
                cpu.user_us as f64 / requests,
                cpu.system_us as f64 / requests,
            )
        })
    }

    /// Successful iterations per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.iterations as f64 / self.seconds
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_survives_the_trip_through_json() {
        let plan = LoadPlan {
            address: "127.0.0.1:8080".parse().expect("a valid address"),
            connections: 4,
            threads: 1,
            warmup_ms: 100,
            duration_ms: 1000,
            workload: Workload::LoginLogout {
                email: "bench@bench.example".to_string(),
                password: "secret".to_string(),
                cookie_name: "_my_session_id".to_string(),
            },
            server_pid: Some(4242),
        };
        let text = serde_json::to_string(&plan).expect("serialises");
        assert!(text.contains("\"kind\":\"login_logout\""), "{text}");
        let back: LoadPlan = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, plan);
    }

    #[test]
    fn the_rate_is_iterations_per_second_and_zero_for_an_empty_window() {
        let mut result = LoadResult {
            iterations: 500,
            requests: 1000,
            errors: 0,
            seconds: 2.0,
            p50_us: Some(10),
            p99_us: Some(20),
            max_us: Some(30),
            first_error: None,
            server_cpu: None,
            loadgen_cpu: None,
        };
        assert_eq!(result.rate(), 250.0);
        result.seconds = 0.0;
        assert_eq!(result.rate(), 0.0);
    }

    #[test]
    fn cpu_per_request_divides_the_window_by_the_requests_sent() {
        let mut result = LoadResult {
            iterations: 500,
            requests: 1000,
            errors: 0,
            seconds: 2.0,
            p50_us: None,
            p99_us: None,
            max_us: None,
            first_error: None,
            server_cpu: None,
            loadgen_cpu: None,
        };
        let cpu = CpuTime {
            user_us: 3_000,
            system_us: 7_000,
        };
        assert_eq!(result.per_request(Some(cpu)), Some((3.0, 7.0)));
        assert_eq!(result.per_request(None), None);
        result.requests = 0;
        assert_eq!(result.per_request(Some(cpu)), None);
    }
}

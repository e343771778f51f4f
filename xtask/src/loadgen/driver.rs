//! Drives a load plan: N keep-alive HTTP/1.1 connections, each running iterations back to back
//! until the measurement window closes, every iteration's latency recorded.
//!
//! Throughput counts the iterations that *complete* inside the window (after the warm-up), so a
//! slow iteration in flight at either edge neither inflates nor hides the steady-state rate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::cpu::CpuTime;
use super::latency::LatencySamples;
use super::plan::{LoadPlan, LoadResult, Workload};
use super::requests::{self, OutgoingRequest};

/// How long a connection waits before reconnecting after the server refused or dropped it.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// Why an iteration failed.
#[derive(Debug)]
enum Failure {
    /// The connection broke or could not be made; the next iteration reconnects.
    Transport(String),
    /// The server answered something other than what the workload expects.
    Unexpected(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Transport(message) | Failure::Unexpected(message) => message,
        }
    }
}

/// What one answer carried that the workloads look at.
struct Answer {
    status: StatusCode,
    set_cookie: Option<HeaderValue>,
}

/// The counts of one connection, merged into the run's result at the end.
#[derive(Default)]
struct Tally {
    samples: LatencySamples,
    iterations: u64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
}

/// When measurement starts and ends.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// Runs `plan` on a fresh Tokio runtime with `plan.threads` threads and returns what it measured.
pub fn drive(plan: LoadPlan) -> Result<LoadResult, String> {
    let runtime = if plan.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(plan.threads)
            .enable_all()
            .build()
    }
    .map_err(|error| format!("cannot start the load generator's runtime: {error}"))?;
    runtime.block_on(drive_async(Arc::new(plan)))
}

async fn drive_async(plan: Arc<LoadPlan>) -> Result<LoadResult, String> {
    let now = Instant::now();
    let start = now + Duration::from_millis(plan.warmup_ms);
    let window = Window {
        start,
        end: start + Duration::from_millis(plan.duration_ms),
    };
    let host = HeaderValue::from_str(&plan.address.to_string())
        .map_err(|_| format!("invalid address {}", plan.address))?;
    let sampler = tokio::spawn(sample_cpu(window, plan.server_pid));
    let mut tasks = Vec::with_capacity(plan.connections);
    for index in 0..plan.connections.max(1) {
        let connection = Connection {
            plan: Arc::clone(&plan),
            host: host.clone(),
            index,
            sequence: 0,
            sender: None,
        };
        tasks.push(tokio::spawn(connection.run(window)));
    }
    let mut total = Tally::default();
    for task in tasks {
        let tally = task
            .await
            .map_err(|error| format!("a connection task failed: {error}"))?;
        total.iterations += tally.iterations;
        total.requests += tally.requests;
        total.errors += tally.errors;
        total.samples.merge(tally.samples);
        if total.first_error.is_none() {
            total.first_error = tally.first_error;
        }
    }
    let (server_cpu, loadgen_cpu) = sampler.await.unwrap_or((None, None));
    let summary = total.samples.summarize();
    Ok(LoadResult {
        iterations: total.iterations,
        requests: total.requests,
        errors: total.errors,
        seconds: Duration::from_millis(plan.duration_ms).as_secs_f64(),
        p50_us: summary.map(|s| s.p50_us),
        p99_us: summary.map(|s| s.p99_us),
        max_us: summary.map(|s| s.max_us),
        first_error: total.first_error,
        server_cpu,
        loadgen_cpu,
    })
}

/// Reads the CPU time of the server (when `server_pid` is given) and of this process at the
/// start and the end of the measured window, and returns what each used in between.
async fn sample_cpu(window: Window, server_pid: Option<u32>) -> (Option<CpuTime>, Option<CpuTime>) {
    let read = || {
        (
            server_pid.and_then(|pid| CpuTime::of(Some(pid))),
            CpuTime::of(None),
        )
    };
    tokio::time::sleep_until(tokio::time::Instant::from_std(window.start)).await;
    let (server_start, own_start) = read();
    tokio::time::sleep_until(tokio::time::Instant::from_std(window.end)).await;
    let (server_end, own_end) = read();
    (
        server_end
            .zip(server_start)
            .map(|(end, start)| end.since(start)),
        own_end.zip(own_start).map(|(end, start)| end.since(start)),
    )
}

/// One client connection and the iterations it runs.
struct Connection {
    plan: Arc<LoadPlan>,
    host: HeaderValue,
    /// This connection's number, part of the emails it creates.
    index: usize,
    /// How many users this connection has created, for unique emails.
    sequence: u64,
    /// The open connection, if any.
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// Runs iterations until the window ends; an iteration still running then is abandoned.
    async fn run(mut self, window: Window) -> Tally {
        let mut tally = Tally::default();
        let deadline = tokio::time::Instant::from_std(window.end);
        loop {
            let started = Instant::now();
            if started >= window.end {
                break;
            }
            let Ok(outcome) = tokio::time::timeout_at(deadline, self.iteration()).await else {
                break;
            };
            let finished = Instant::now();
            let counted = finished >= window.start && finished < window.end;
            match outcome {
                Ok(requests) if counted => {
                    tally.iterations += 1;
                    tally.requests += requests;
                    tally.samples.record(finished - started);
                }
                Ok(_) => {}
                Err(failure) => {
                    let transport = matches!(failure, Failure::Transport(_));
                    if counted {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| failure.message());
                    }
                    if transport {
                        self.sender = None;
                        tokio::time::sleep(RECONNECT_PAUSE).await;
                    }
                }
            }
        }
        tally
    }

    /// Runs one iteration of the workload; returns how many requests it sent.
    async fn iteration(&mut self) -> Result<u64, Failure> {
        let plan = Arc::clone(&self.plan);
        match &plan.workload {
            Workload::Repeat {
                request,
                expect_status,
            } => {
                let request =
                    requests::from_spec(request, &self.host).map_err(Failure::Unexpected)?;
                let answer = self.exchange(request).await?;
                expect(&answer, *expect_status, "the request")?;
                Ok(1)
            }
            Workload::LoginLogout {
                email,
                password,
                cookie_name,
            } => {
                let answer = self
                    .exchange(requests::login(&self.host, email, password))
                    .await?;
                expect(&answer, 200, "login")?;
                let cookie = answer
                    .set_cookie
                    .as_ref()
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| requests::cookie_pair(value, cookie_name))
                    .and_then(|pair| HeaderValue::from_str(pair).ok())
                    .ok_or_else(|| {
                        Failure::Unexpected(format!("login set no `{cookie_name}` cookie"))
                    })?;
                let answer = self.exchange(requests::logout(&self.host, cookie)).await?;
                expect(&answer, 200, "logout")?;
                Ok(2)
            }
            Workload::CreateUsers {
                email_tag,
                password,
            } => {
                let email = requests::unique_email(email_tag, self.index, self.sequence);
                self.sequence += 1;
                let answer = self
                    .exchange(requests::create_user(&self.host, &email, password))
                    .await?;
                expect(&answer, 201, "user creation")?;
                Ok(1)
            }
        }
    }

    /// Sends `request` on the open connection (opening one first if needed), reads the whole
    /// answer and returns the parts the workloads check.
    async fn exchange(&mut self, request: OutgoingRequest) -> Result<Answer, Failure> {
        let sender = match &mut self.sender {
            Some(sender) => sender,
            None => self.sender.insert(connect(&self.plan).await?),
        };
        sender
            .ready()
            .await
            .map_err(|error| Failure::Transport(format!("connection lost: {error}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| Failure::Transport(format!("request failed: {error}")))?;
        let status = response.status();
        let set_cookie = response.headers().get(SET_COOKIE).cloned();
        response
            .into_body()
            .collect()
            .await
            .map_err(|error| Failure::Transport(format!("reading the body failed: {error}")))?;
        Ok(Answer { status, set_cookie })
    }
}

/// Opens a keep-alive HTTP/1.1 connection to the plan's server.
async fn connect(plan: &LoadPlan) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let stream = TcpStream::connect(plan.address).await.map_err(|error| {
        Failure::Transport(format!("cannot connect to {}: {error}", plan.address))
    })?;
    // Requests are small and sent whole; Nagle's algorithm would only add delay.
    stream
        .set_nodelay(true)
        .map_err(|error| Failure::Transport(format!("cannot set TCP_NODELAY: {error}")))?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| Failure::Transport(format!("HTTP handshake failed: {error}")))?;
    // The connection future does the actual I/O; it ends when the sender is dropped.
    tokio::spawn(connection);
    Ok(sender)
}

/// Fails unless `answer` has the status `expected`.
fn expect(answer: &Answer, expected: u16, what: &str) -> Result<(), Failure> {
    if answer.status.as_u16() == expected {
        Ok(())
    } else {
        Err(Failure::Unexpected(format!(
            "{what} answered {}, expected {expected}",
            answer.status
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{delete, get, post};
    use axum::Router;

    use super::*;
    use crate::loadgen::plan::RequestSpec;

    /// Serves `app` on a loopback port from its own thread and runtime, for the rest of the
    /// test process.
    fn serve(app: Router) -> SocketAddr {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a test runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a free port");
                sender
                    .send(listener.local_addr().expect("bound"))
                    .expect("the test waits");
                axum::serve(listener, app).await.expect("serving");
            });
        });
        receiver.recv().expect("the server started")
    }

    fn plan(address: SocketAddr, workload: Workload) -> LoadPlan {
        LoadPlan {
            address,
            connections: 2,
            threads: 1,
            warmup_ms: 50,
            duration_ms: 300,
            server_pid: None,
            workload,
        }
    }

    #[test]
    fn a_repeated_request_is_counted_with_its_latencies() {
        let address = serve(Router::new().route("/", get(|| async { "{}" })));
        let result = drive(plan(
            address,
            Workload::Repeat {
                request: RequestSpec::get("/", Vec::new()),
                expect_status: 200,
            },
        ))
        .expect("the load runs");
        assert!(result.iterations > 0, "{result:?}");
        assert_eq!(result.requests, result.iterations);
        assert_eq!(result.errors, 0, "{result:?}");
        assert!(result.p50_us <= result.p99_us && result.p99_us <= result.max_us);
        assert!(result.p50_us.is_some());
    }

    #[test]
    fn an_unexpected_status_is_an_error_not_a_success() {
        let address = serve(Router::new().route("/", get(|| async { StatusCode::FORBIDDEN })));
        let result = drive(plan(
            address,
            Workload::Repeat {
                request: RequestSpec::get("/", Vec::new()),
                expect_status: 200,
            },
        ))
        .expect("the load runs");
        assert_eq!(result.iterations, 0);
        assert!(result.errors > 0);
        assert_eq!(
            result.first_error.as_deref(),
            Some("the request answered 403 Forbidden, expected 200")
        );
    }

    #[test]
    fn each_logout_carries_the_cookie_its_login_set() {
        let app = Router::new()
            .route(
                requests::LOGIN_PATH,
                post(|| async { ([(SET_COOKIE, "sid=fresh-session; Path=/; HttpOnly")], "{}") }),
            )
            .route(
                requests::LOGOUT_PATH,
                delete(|headers: HeaderMap| async move {
                    match headers.get("cookie").and_then(|value| value.to_str().ok()) {
                        Some("sid=fresh-session") => StatusCode::OK,
                        _ => StatusCode::FORBIDDEN,
                    }
                }),
            );
        let result = drive(plan(
            serve(app),
            Workload::LoginLogout {
                email: "a@b.example".to_string(),
                password: "pw".to_string(),
                cookie_name: "sid".to_string(),
            },
        ))
        .expect("the load runs");
        assert!(result.iterations > 0, "{result:?}");
        assert_eq!(result.errors, 0, "{result:?}");
        assert_eq!(result.requests, 2 * result.iterations);
    }

    #[test]
    fn a_server_that_is_not_there_gives_errors() {
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port");
        let result = drive(plan(
            address,
            Workload::Repeat {
                request: RequestSpec::get("/", Vec::new()),
                expect_status: 200,
            },
        ))
        .expect("the load runs");
        assert_eq!(result.iterations, 0);
        assert!(result.errors > 0);
        assert!(result
            .first_error
            .is_some_and(|error| error.starts_with("cannot connect")));
    }
}

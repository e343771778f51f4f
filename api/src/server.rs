//! Running the server: binding, the expired-session sweep and graceful shutdown.
//!
//! On SIGTERM or SIGINT the listener closes at once (new connections are refused), idle
//! keep-alive connections close, and requests in flight get `SHUTDOWN_TIMEOUT_SECONDS` to
//! finish; connections still busy then are dropped with a warning. Either way the stores are
//! closed (journals folded into the data files) and the process exits 0.

use std::future::{Future, IntoFuture};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use auth::SessionManager;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError};
use crate::state::AppState;

/// Why the server could not start (or stopped with an error); `main` prints it and exits 1.
#[derive(Debug, Error)]
pub enum StartError {
    /// The environment holds an invalid value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A data file could not be opened or parsed (the message names the file and position).
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The password hasher refused its parameters.
    #[error("invalid password hashing parameters: {0}")]
    Hashing(#[from] domain::DomainError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// `host:port` as configured.
        address: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The server failed while running.
    #[error("server failed: {0}")]
    Serve(#[source] io::Error),
}

/// How [`run`] serves, beyond the application itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// How often expired sessions are purged (`SESSION_SWEEP_SECONDS`); `None`: never.
    pub sweep_interval: Option<Duration>,
    /// How long a request may take before it is answered 503 (`REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout: Option<Duration>,
    /// How long requests in flight may finish after the shutdown signal
    /// (`SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_timeout: Duration,
}

impl RunOptions {
    /// Takes the options from `config`.
    pub fn from_config(config: &Config) -> RunOptions {
        RunOptions {
            sweep_interval: config.sweep_interval,
            request_timeout: config.request_timeout,
            shutdown_timeout: config.shutdown_timeout,
        }
    }
}

/// Starts the service described by `config`: opens the stores, binds `API_HOST:API_PORT`, logs
/// `listening on http://HOST:PORT`, and serves until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> Result<(), StartError> {
    if config.is_open_by_default() {
        tracing::warn!(
            "AUTH_TYPE is not set: every route is open without authentication \
             (set AUTH_TYPE=none to say so explicitly)"
        );
    }
    tracing::info!(auth = ?config.auth, data_dir = %config.data_dir.display(), "starting");
    let state = AppState::build(&config).await?;
    let address = host_port(&config.host, config.port);
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
    // With API_PORT=0 the system picks the port; the log line tells which one.
    let port = listener.local_addr().map_or(config.port, |a| a.port());
    tracing::info!("listening on http://{}", host_port(&config.host, port));
    run(
        listener,
        state,
        RunOptions::from_config(&config),
        shutdown_signal(),
    )
    .await
}

/// Serves the application on an already bound listener until `shutdown` completes, sweeping
/// expired sessions when sessions expire; then lets requests in flight finish (at most
/// `options.shutdown_timeout`) and closes the stores, which folds their journals into the data
/// files.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    options: RunOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let sweeper = options
        .sweep_interval
        .zip(state.auth.sessions.clone())
        .filter(|(_, sessions)| sessions.duration().expires() || sessions.idle_timeout().applies())
        .map(|(interval, sessions)| spawn_sweep(sessions, interval));
    let stores = state.clone();
    let app = crate::connect_info::WithPeerAddress::new(
        crate::router(state).with_request_timeout(options.request_timeout),
    );
    let (signalled, on_signal) = oneshot::channel();
    let shutdown = async move {
        shutdown.await;
        let _ = signalled.send(());
    };
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .into_future();
    let result = bounded(server, on_signal, options.shutdown_timeout).await;
    if let Some(task) = sweeper {
        task.abort();
    }
    stores.close_stores().await;
    tracing::info!("stopped");
    result.map_err(StartError::Serve)
}

/// Runs `server` to its end, except that once `on_signal` fires it gets at most `bound` to
/// finish its requests in flight; then it is dropped with a warning, which ends the wait for
/// them (their connections close when the runtime stops).
async fn bounded(
    server: impl Future<Output = io::Result<()>>,
    on_signal: oneshot::Receiver<()>,
    bound: Duration,
) -> io::Result<()> {
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result,
        Ok(()) = on_signal => match tokio::time::timeout(bound, &mut server).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    seconds = bound.as_secs(),
                    "shutdown timeout: requests still in flight are dropped"
                );
                Ok(())
            }
        },
    }
}

/// Purges expired and idle sessions now and then every `interval` (D14).
fn spawn_sweep(sessions: Arc<dyn SessionManager>, interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sessions.purge_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "expired sessions purged"),
                Err(err) => tracing::warn!(error = %err, "expired-session sweep failed"),
            }
        }
    })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

/// `host:port`, with an IPv6 host in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stopping_folds_the_journals_into_the_data_files() {
        let dir = tempfile::tempdir().expect("a temporary data folder");
        let data_dir = dir.path().to_string_lossy().into_owned();
        let config = Config::from_vars([
            ("DATA_DIR", data_dir.as_str()),
            ("AUTH_TYPE", "session_db_auth"),
        ])
        .expect("valid configuration");
        let state = AppState::build(&config).await.expect("the stores open");
        let now = "2020-01-02T03:04:05".parse().expect("a valid timestamp");
        let mut user = domain::User::new(
            domain::NewUser {
                email: "bob@hbtn.io".into(),
                password: "pw".into(),
                first_name: None,
                last_name: None,
            },
            domain::PasswordHash::legacy_sha256("pw"),
            now,
        );
        user.id = "u1".into();
        state.users.create(user).await.expect("created");
        let journal = dir.path().join(".db_User.json.journal");
        assert!(journal.exists(), "the change waits in the journal");

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let options = RunOptions {
            sweep_interval: None,
            request_timeout: None,
            shutdown_timeout: Duration::from_secs(10),
        };
        run(listener, state, options, async {})
            .await
            .expect("stops cleanly");

        assert!(!journal.exists(), "stopping folded the journal");
        let text = std::fs::read_to_string(dir.path().join(".db_User.json")).expect("written");
        assert!(text.starts_with(r#"{"u1": {"id": "u1", "#), "{text}");
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        assert_eq!(host_port("0.0.0.0", 5000), "0.0.0.0:5000");
        assert_eq!(host_port("::1", 80), "[::1]:80");
    }
}

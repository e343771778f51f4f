//! Why a benchmark scenario could not be measured.

use std::io;

use thiserror::Error;

/// A scenario that could not run; the bench reports it and goes on with the next one.
#[derive(Debug, Error)]
pub enum BenchError {
    /// A file, folder or process operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What the bench was doing.
        action: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The server stopped before it answered.
    #[error("the server exited ({status}) before answering; its last log lines:\n{log_tail}")]
    ServerExited {
        /// Its exit status.
        status: String,
        /// The end of its log.
        log_tail: String,
    },
    /// The server did not answer in time.
    #[error("the server did not answer within {seconds} s; its last log lines:\n{log_tail}")]
    NotReady {
        /// The time allowed.
        seconds: u64,
        /// The end of its log.
        log_tail: String,
    },
    /// Preparing the scenario (such as logging in for a cookie) failed.
    #[error("setting up the scenario failed: {0}")]
    Setup(String),
    /// The load generator failed or answered nonsense.
    #[error("the load generator failed: {0}")]
    LoadGenerator(String),
}

impl BenchError {
    /// An I/O failure while doing `action`.
    pub fn io(action: impl Into<String>, source: io::Error) -> Self {
        BenchError::Io {
            action: action.into(),
            source,
        }
    }
}

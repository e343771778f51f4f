//! The access log: one line per request under the target `access`, at INFO (see
//! [`crate::access_line`] for what it holds and where it goes).
//!
//! `RUST_LOG=info,access=off` turns it off, and then nothing of it is computed.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri};

use crate::access_line::{self, AccessLine};

/// What the access line needs from the request, taken before the request is routed.
pub struct AccessEntry {
    method: Method,
    uri: Uri,
    started: Instant,
}

impl AccessEntry {
    /// Starts timing `request`, or returns `None` when the access log is filtered out.
    pub fn start(request: &Request) -> Option<AccessEntry> {
        if !access_line::wanted() {
            return None;
        }
        Some(AccessEntry {
            method: request.method().clone(),
            // A reference-counted copy of the bytes the server already parsed.
            uri: request.uri().clone(),
            started: Instant::now(),
        })
    }

    /// Writes the line for the answer `status` under `request_id`.
    pub fn finish(self, status: StatusCode, request_id: &HeaderValue) {
        AccessLine {
            method: self.method.as_str(),
            path: self.uri.path(),
            status: status.as_u16(),
            latency_us: u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX),
            // Accepted ids are visible ASCII, new ones hex: `to_str` always succeeds.
            request_id: request_id.to_str().unwrap_or("-"),
        }
        .emit();
    }
}

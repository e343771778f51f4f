//! The benchmark's reference server: bare axum answering `GET /` with a constant JSON body.
//!
//! `cargo xtask bench` measures every scenario of the real service against this, in the same
//! run and with the same load generator, so its ratios say how much the service costs on top
//! of axum itself. Usage: `bare_axum ADDRESS` (such as `127.0.0.1:8080`); it logs
//! `listening on http://ADDRESS` to stderr like the `api` binary and serves until killed.

use std::process::ExitCode;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

/// The constant body: the size of `{"status":"OK"}`, the service's cheapest answer.
const BODY: &str = "{\"status\":\"OK\"}\n";

#[tokio::main]
async fn main() -> ExitCode {
    let Some(address) = std::env::args().nth(1) else {
        eprintln!("usage: bare_axum ADDRESS");
        return ExitCode::from(2);
    };
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on http://{address}");
    let app = Router::new().route(
        "/",
        get(|| async { ([(CONTENT_TYPE, "application/json")], BODY) }),
    );
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: server failed: {error}");
            ExitCode::FAILURE
        }
    }
}

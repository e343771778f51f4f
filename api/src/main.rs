//! The `api` binary: with no arguments it serves, like `python3 -m api.v1.app`.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc malloc: every request allocates a little (records, JSON, headers),
/// and glibc's allocator showed as a tenth of the CPU time in profiles of `GET /users/me`; it
/// also kept Argon2's 19 MiB blocks in per-thread arenas long after the hashing ended.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: api\n\nServes the authentication API. Configuration comes from the \
environment: API_HOST, API_PORT, AUTH_TYPE, SESSION_NAME, SESSION_DURATION, DATA_DIR, \
ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, MAX_BODY_BYTES, SESSION_COOKIE_SECURE, \
SESSION_SWEEP_SECONDS, RUST_LOG.";

#[tokio::main]
async fn main() -> ExitCode {
    if let Some(argument) = std::env::args_os().nth(1) {
        if argument == "--help" || argument == "-h" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        eprintln!("error: unexpected argument {argument:?}\n\n{USAGE}");
        return ExitCode::FAILURE;
    }
    init_logging();
    let result = match api::Config::from_env() {
        Ok(config) => api::serve(config).await,
        Err(err) => Err(err.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`); colours only on a terminal, so log
/// files and service managers get plain text.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

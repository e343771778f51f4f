//! The `api` binary: with no arguments it serves, like `python3 -m api.v1.app`; `api --help`
//! lists the administration commands (see [`cli`]).

mod allocator;
mod cli;

use std::process::ExitCode;

/// mimalloc instead of glibc malloc: every request allocates a little (records, JSON, headers),
/// and glibc's allocator showed as a tenth of the CPU time in profiles of `GET /users/me`; it
/// also kept Argon2's 19 MiB blocks in per-thread arenas long after the hashing ended.
#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    cli::run(std::env::args_os()).await
}

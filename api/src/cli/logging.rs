//! The log: `tracing` lines on stderr as text or JSON, written in batches by a background
//! thread (see [`super::log_writer`]), so no request ever waits on stderr; access lines take
//! a fast path (see [`super::access_format`]).

use std::io::IsTerminal;

use api::config::{Config, LogFormat};
use tracing_subscriber::fmt::format::{format, JsonFields};
use tracing_subscriber::EnvFilter;

use super::access_format::AccessFast;
use super::log_writer::{batch_writer, FlushOnDrop};

/// Installs the global subscriber: `RUST_LOG` (or `--log-filter`) filters, `default_filter`
/// when neither is given; `LOG_FORMAT` chooses text or JSON. The returned guard writes out the
/// waiting lines when dropped, so it must live until the process ends.
pub fn init(config: &Config, default_filter: &str) -> FlushOnDrop {
    let directives = config.log_filter.as_deref().unwrap_or(default_filter);
    // The configuration already refused a filter that does not parse.
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = batch_writer(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match config.log_format {
        // Colours only on a terminal, so log files and service managers get plain text.
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .event_format(AccessFast::new(format(), false))
            .init(),
        LogFormat::Json => builder
            .fmt_fields(JsonFields::new())
            .event_format(AccessFast::new(
                format()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false),
                true,
            ))
            .init(),
    }
    guard
}

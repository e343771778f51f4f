//! The log: `tracing` lines on stderr as text or JSON, written in batches by a background
//! thread (see [`super::log_writer`]), so no request ever waits on stderr; access lines skip
//! `tracing`'s formatting (see [`super::access_sink`]).

use std::io::IsTerminal;

use api::config::{Config, LogFormat};
use tracing_subscriber::fmt::format::{format, JsonFields};
use tracing_subscriber::EnvFilter;

use super::access_sink::QueuedAccessLines;
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
        .with_writer(writer.clone());
    // Colours only on a terminal, so log files and service managers get plain text.
    let ansi = config.log_format == LogFormat::Text && std::io::stderr().is_terminal();
    match config.log_format {
        LogFormat::Text => builder.with_ansi(ansi).event_format(format()).init(),
        LogFormat::Json => builder
            .fmt_fields(JsonFields::new())
            .event_format(
                format()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false),
            )
            .init(),
    }
    // Coloured access lines are left to the standard formatter; every other access line is
    // written in the same layout without it. The filter above still decides whether any is.
    if !ansi {
        api::access_line::install_access_sink(Box::new(QueuedAccessLines::new(
            writer,
            config.log_format == LogFormat::Json,
        )));
    }
    guard
}

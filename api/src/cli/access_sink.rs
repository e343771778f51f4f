//! The binary's access-line sink: each line formatted by hand and queued on the log's writer.

use std::cell::RefCell;
use std::time::SystemTime;

use api::access_line::{AccessLine, AccessSink};

use super::log_writer::BatchWriter;

/// Formats access lines as text or JSON and queues them with the other log lines.
pub struct QueuedAccessLines {
    writer: BatchWriter,
    json: bool,
}

impl QueuedAccessLines {
    /// Queues on `writer`, as JSON objects when `json` is set.
    pub fn new(writer: BatchWriter, json: bool) -> Self {
        QueuedAccessLines { writer, json }
    }
}

thread_local! {
    /// The buffer each thread formats its lines in, kept between lines (no allocation each).
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl AccessSink for QueuedAccessLines {
    fn write(&self, line: &AccessLine<'_>) {
        LINE.with_borrow_mut(|buffer| {
            buffer.clear();
            if self.json {
                line.write_json(buffer, SystemTime::now());
            } else {
                line.write_text(buffer, SystemTime::now());
            }
            self.writer.append(buffer);
        });
    }
}

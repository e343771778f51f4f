//! Where log lines go: a shared buffer that a background thread writes to stderr in batches.
//!
//! A request that logs copies its formatted line into the buffer under a short lock and goes on:
//! it never waits for stderr, allocates nothing and wakes nobody, except the first line after
//! the writer found the buffer empty. The writer then lets lines gather for a few milliseconds
//! and writes them with one system call. (A channel with a line per message, as
//! `tracing-appender` has, cost a wake-up of the writer thread and an allocation per request:
//! about a tenth of the throughput of `GET /users/me` on two cores.)
//!
//! If stderr stops taking lines (a full pipe), the buffer grows to [`MAX_PENDING_BYTES`], then
//! new lines are dropped and counted, and a line saying how many is written once stderr moves
//! again: requests never block on the log.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// The most bytes waiting to be written; lines beyond are dropped.
pub const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// How long the writer lets lines gather after the first one arrives.
const GATHER: Duration = Duration::from_millis(5);

/// The `MakeWriter` given to the subscriber: every line goes into the shared buffer.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, after it has written every line already logged.
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    dropped: u64,
    writer_waiting: bool,
    stopping: bool,
}

impl Shared {
    /// Queues `line`, or counts it as dropped when the queue is full; wakes the writer only if
    /// it waits for a first line.
    fn append(&self, line: &[u8]) {
        let wake = {
            let mut state = self.lock();
            if state.pending.len() + line.len() > MAX_PENDING_BYTES {
                state.dropped += 1;
                false
            } else {
                state.pending.extend_from_slice(line);
                std::mem::take(&mut state.writer_waiting)
            }
        };
        if wake {
            self.wake.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves at worst a partial line: still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Starts the writer thread over `output` and returns the subscriber's writer and the guard.
pub fn batch_writer<W: Write + Send + 'static>(output: W) -> (BatchWriter, FlushOnDrop) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
    });
    let worker = shared.clone();
    let thread = std::thread::Builder::new()
        .name("api-log-writer".into())
        .spawn(move || write_batches(&worker, output))
        // Without a thread the lines pile up to the cap and are dropped; nothing else breaks.
        .ok();
    (
        BatchWriter {
            shared: shared.clone(),
        },
        FlushOnDrop { shared, thread },
    )
}

/// The writer thread: waits for lines, lets more gather, writes them all, until stopped.
fn write_batches<W: Write>(shared: &Shared, mut output: W) {
    let mut batch = Vec::new();
    loop {
        let stopping = {
            let mut state = shared.lock();
            while state.pending.is_empty() && state.dropped == 0 && !state.stopping {
                state.writer_waiting = true;
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state.writer_waiting = false;
            }
            state.stopping
        };
        if !stopping {
            std::thread::sleep(GATHER);
        }
        let dropped = {
            let mut state = shared.lock();
            std::mem::swap(&mut batch, &mut state.pending);
            std::mem::take(&mut state.dropped)
        };
        // Nowhere to report a failing stderr: the lines are lost, as they would be anyway.
        let _ = output.write_all(&batch);
        if dropped > 0 {
            let _ = writeln!(
                output,
                "WARN log: {dropped} log line(s) dropped: stderr did not keep up"
            );
        }
        let _ = output.flush();
        batch.clear();
        if stopping && shared.lock().pending.is_empty() {
            return;
        }
    }
}

impl BatchWriter {
    /// Queues `line` (one or more whole lines) without waiting for stderr.
    pub fn append(&self, line: &[u8]) {
        self.shared.append(line);
    }
}

impl Write for BatchWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.shared.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = QueuedLine<'a>;

    fn make_writer(&'a self) -> QueuedLine<'a> {
        // A borrow, not a clone: no reference count shared by every thread changes per line.
        QueuedLine {
            shared: &self.shared,
        }
    }
}

/// The writer of one line, lent by [`BatchWriter`].
pub struct QueuedLine<'a> {
    shared: &'a Shared,
}

impl Write for QueuedLine<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.shared.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test can read back, shared with the writer thread.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_is_dropped() {
        let output = Captured::default();
        let (writer, guard) = batch_writer(output.clone());
        let mut handles = Vec::new();
        for thread in 0..4 {
            let mut writer = writer.clone();
            handles.push(std::thread::spawn(move || {
                for n in 0..1000 {
                    writer
                        .write_all(format!("{thread} {n}\n").as_bytes())
                        .expect("never fails");
                }
            }));
        }
        for handle in handles {
            handle.join().expect("the thread ends");
        }
        drop(guard);
        let text =
            String::from_utf8(output.0.lock().expect("not poisoned").clone()).expect("UTF-8");
        assert_eq!(text.lines().count(), 4000);
        for thread in 0..4 {
            let numbers: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&format!("{thread} ")))
                .map(|n| n.parse().expect("a number"))
                .collect();
            assert_eq!(numbers, (0..1000).collect::<Vec<_>>());
        }
    }

    /// An output that takes nothing until it is released.
    struct Stuck(Arc<(Mutex<bool>, Condvar)>, Captured);

    impl Write for Stuck {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let (released, turn) = &*self.0;
            let mut open = released.lock().expect("not poisoned");
            while !*open {
                open = turn.wait(open).expect("not poisoned");
            }
            self.1.write(bytes)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_beyond_the_cap_are_dropped_and_counted_instead_of_blocking() {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let output = Captured::default();
        let (mut writer, guard) = batch_writer(Stuck(gate.clone(), output.clone()));
        let line = vec![b'x'; 1023];
        let line = [line, b"\n".to_vec()].concat();
        // The writer may hold the first batch while stuck; the cap applies to the rest.
        let lines = 2 * MAX_PENDING_BYTES / line.len();
        for _ in 0..lines {
            writer.write_all(&line).expect("never blocks, never fails");
        }
        *gate.0.lock().expect("not poisoned") = true;
        gate.1.notify_all();
        drop(guard);
        let text =
            String::from_utf8(output.0.lock().expect("not poisoned").clone()).expect("UTF-8");
        let written = text.lines().filter(|l| l.starts_with('x')).count();
        assert!(written < lines, "{written} of {lines}");
        let dropped = lines - written;
        assert!(
            text.contains(&format!("{dropped} log line(s) dropped")),
            "{}",
            text.lines().last().unwrap_or_default()
        );
    }
}

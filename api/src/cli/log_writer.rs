//! Where log lines go: per-thread buffers that a background thread writes to stderr in batches.
//!
//! A thread that logs copies its formatted line into a buffer of its own (its *lane*) under a
//! lock that only the writer thread ever contends for, and goes on: it never waits for stderr,
//! allocates nothing once its lane has grown, and wakes nobody, except the first line after the
//! writer found every lane empty. The writer then lets lines gather for a few milliseconds and
//! writes them all with one system call. (A channel with a line per message, as
//! `tracing-appender` has, cost a wake-up of the writer thread and an allocation per request,
//! about a tenth of the throughput of `GET /users/me` on two cores; one buffer shared by every
//! thread cost its lock and its cache lines moving between the cores on every request.)
//!
//! Each thread's lines are written in the order it logged them, and the lanes are merged by
//! the timestamp that starts every line, so the log reads in time order across threads.
//!
//! If stderr stops taking lines (a full pipe), each lane grows to [`MAX_PENDING_BYTES`], then
//! new lines are dropped and counted, and a line saying how many is written once stderr moves
//! again: requests never block on the log.

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// The most bytes waiting to be written from one thread; its lines beyond are dropped.
pub const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// How long the writer lets lines gather after the first one arrives.
const GATHER: Duration = Duration::from_millis(5);

/// The `MakeWriter` given to the subscriber: every line goes into the logging thread's lane.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, after it has written every line already logged.
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the logging threads and the writer thread share.
struct Shared {
    /// Tells a thread's lanes of different writers apart (tests start several).
    id: u64,
    /// Every lane that may hold lines: one per thread that has logged, and `orphans` first.
    lanes: Mutex<Vec<Arc<Lane>>>,
    /// The lane of a thread whose own is gone (a line logged while the thread ends).
    orphans: Arc<Lane>,
    /// Set by the first line after the writer emptied the lanes, cleared by the writer just
    /// before it empties them again.
    pending: AtomicBool,
    stopping: Mutex<bool>,
    wake: Condvar,
}

/// One thread's waiting lines.
#[derive(Default)]
struct Lane {
    queued: Mutex<Queued>,
    dropped: AtomicU64,
}

/// Lines waiting in a lane: their bytes, and where each logged piece ends (a piece is one
/// event, normally one line).
#[derive(Default)]
struct Queued {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// How many leading bytes of a piece order it among the other lanes' pieces: every format
/// starts each line with its timestamp, after a prefix that is the same for every line
/// (`{"timestamp":"` in JSON, colour codes on a terminal).
const ORDER_KEY_BYTES: usize = 48;

static NEXT_WRITER_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's lane of each writer it has logged to (in practice one).
    static OWN_LANES: RefCell<Vec<(u64, Arc<Lane>)>> = const { RefCell::new(Vec::new()) };
}

impl Lane {
    /// Queues `line`, or counts it as dropped when the lane is full.
    fn push(&self, line: &[u8]) {
        let mut queued = lock(&self.queued);
        if queued.bytes.len() + line.len() > MAX_PENDING_BYTES {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            queued.bytes.extend_from_slice(line);
            let end = queued.bytes.len();
            queued.ends.push(end);
        }
    }

    /// Tells whether the lane holds nothing to write: no line and no count of dropped ones.
    fn is_idle(&self) -> bool {
        lock(&self.queued).ends.is_empty() && self.dropped.load(Ordering::Relaxed) == 0
    }

    /// Swaps the waiting lines with `empty` (an emptied buffer, kept for reuse) and returns
    /// how many lines were dropped.
    fn take(&self, empty: &mut Queued) -> u64 {
        std::mem::swap(&mut *lock(&self.queued), empty);
        self.dropped.swap(0, Ordering::Relaxed)
    }
}

impl Queued {
    /// Empties the buffer, keeping its memory.
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

/// Appends the pieces of every lane to `batch`, oldest first: each lane is in the order its
/// thread logged, and between lanes the piece whose line starts with the earliest timestamp
/// goes first. So a client's sequential requests, answered on different threads, are logged
/// in their order.
fn merge(lanes: &[Queued], batch: &mut Vec<u8>) {
    // (lane, next piece, where it starts)
    let mut heads: Vec<(usize, usize, usize)> = (0..lanes.len())
        .filter(|&lane| !lanes[lane].ends.is_empty())
        .map(|lane| (lane, 0, 0))
        .collect();
    let key = |lane: usize, piece: usize, start: usize| {
        let end = lanes[lane].ends[piece];
        &lanes[lane].bytes[start..end.min(start + ORDER_KEY_BYTES)]
    };
    while !heads.is_empty() {
        let mut first = 0;
        for candidate in 1..heads.len() {
            let (lane, piece, start) = heads[candidate];
            let (best_lane, best_piece, best_start) = heads[first];
            if key(lane, piece, start) < key(best_lane, best_piece, best_start) {
                first = candidate;
            }
        }
        let (lane, piece, start) = heads[first];
        let end = lanes[lane].ends[piece];
        batch.extend_from_slice(&lanes[lane].bytes[start..end]);
        if piece + 1 < lanes[lane].ends.len() {
            heads[first] = (lane, piece + 1, end);
        } else {
            heads.swap_remove(first);
        }
    }
}

impl Shared {
    /// Queues `line` in the calling thread's lane; wakes the writer only if every lane was
    /// empty.
    fn append(&self, line: &[u8]) {
        let queued = OWN_LANES.try_with(|lanes| {
            let mut lanes = lanes.borrow_mut();
            match lanes.iter().find(|(id, _)| *id == self.id) {
                Some((_, lane)) => lane.push(line),
                None => {
                    let lane = Arc::new(Lane::default());
                    lane.push(line);
                    lock(&self.lanes).push(lane.clone());
                    lanes.push((self.id, lane));
                }
            }
        });
        if queued.is_err() {
            self.orphans.push(line);
        }
        // Read first: while the writer gathers, the flag stays set and this costs no write
        // to a cache line the other threads read.
        if !self.pending.load(Ordering::Relaxed) && !self.pending.swap(true, Ordering::AcqRel) {
            let _stopping = lock(&self.stopping);
            self.wake.notify_one();
        }
    }

    /// Empties every lane into `batch`, in order (see [`merge`]), forgets the lanes of
    /// threads that have ended, and returns how many lines were dropped. `buffers` are the
    /// writer's emptied buffers, swapped with the lanes'.
    fn drain_into(&self, buffers: &mut Vec<Queued>, batch: &mut Vec<u8>) -> u64 {
        self.pending.store(false, Ordering::SeqCst);
        let mut dropped = 0;
        {
            let mut lanes = lock(&self.lanes);
            // A lane only this list holds belongs to a thread that has ended (the orphans'
            // lane is also held by `self`), so nothing is added to it any more: once it is
            // idle it is forgotten. Checked before draining, so that a line the thread added
            // just before it ended is written first, not lost.
            lanes.retain(|lane| Arc::strong_count(lane) > 1 || !lane.is_idle());
            if buffers.len() < lanes.len() {
                buffers.resize_with(lanes.len(), Queued::default);
            }
            for (lane, buffer) in lanes.iter().zip(buffers.iter_mut()) {
                dropped += lane.take(buffer);
            }
        }
        merge(buffers, batch);
        buffers.iter_mut().for_each(Queued::clear);
        dropped
    }
}

/// Locks `mutex`; a panic while it was held leaves at worst a partial line: still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the writer thread over `output` and returns the subscriber's writer and the guard.
pub fn batch_writer<W: Write + Send + 'static>(output: W) -> (BatchWriter, FlushOnDrop) {
    let orphans = Arc::new(Lane::default());
    let shared = Arc::new(Shared {
        id: NEXT_WRITER_ID.fetch_add(1, Ordering::Relaxed),
        lanes: Mutex::new(vec![orphans.clone()]),
        orphans,
        pending: AtomicBool::new(false),
        stopping: Mutex::new(false),
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

/// The writer thread: waits for a first line, lets more gather, writes them all, repeats;
/// after the stop signal, writes what is left and ends.
fn write_batches<W: Write>(shared: &Shared, mut output: W) {
    let mut batch = Vec::new();
    let mut buffers = Vec::new();
    loop {
        let stopping = {
            let mut stopping = lock(&shared.stopping);
            while !shared.pending.load(Ordering::SeqCst) && !*stopping {
                stopping = shared
                    .wake
                    .wait(stopping)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            *stopping
        };
        if !stopping {
            std::thread::sleep(GATHER);
        }
        let dropped = shared.drain_into(&mut buffers, &mut batch);
        // Errors are ignored: there is nowhere left to report a failing stderr.
        let _ = output.write_all(&batch);
        if dropped > 0 {
            let _ = writeln!(
                output,
                "WARN log: {dropped} log line(s) dropped: stderr did not keep up"
            );
        }
        let _ = output.flush();
        batch.clear();
        if stopping && !shared.pending.load(Ordering::SeqCst) {
            return;
        }
    }
}

impl BatchWriter {
    /// Queues one whole line (or several), as the subscriber's writers do.
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

/// The writer of one event: `tracing-subscriber` formats the whole line first and writes it
/// with one `write_all`, so lines of different threads never interleave.
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
        *lock(&self.shared.stopping) = true;
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

    /// Waits up to five seconds for `output` to hold `lines` lines.
    fn wait_for_lines(output: &Captured, lines: usize) -> bool {
        for _ in 0..500 {
            let written = output.0.lock().expect("not poisoned").clone();
            if written.iter().filter(|&&b| b == b'\n').count() >= lines {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn a_line_after_the_lanes_were_emptied_wakes_the_writer_again() {
        let output = Captured::default();
        let (mut writer, _guard) = batch_writer(output.clone());
        writer.write_all(b"first\n").expect("never fails");
        assert!(wait_for_lines(&output, 1), "the first line is written");
        let other = writer.clone();
        std::thread::spawn(move || other.append(b"second\n"))
            .join()
            .expect("the thread ends");
        writer.write_all(b"third\n").expect("never fails");
        assert!(
            wait_for_lines(&output, 3),
            "later lines are written without a stop"
        );
    }

    #[test]
    fn the_lane_of_a_thread_that_ended_is_written_then_forgotten() {
        let output = Captured::default();
        let (writer, guard) = batch_writer(output.clone());
        let other = writer.clone();
        std::thread::spawn(move || other.append(b"from a short-lived thread\n"))
            .join()
            .expect("the thread ends");
        assert!(wait_for_lines(&output, 1));
        // The writer drained the lane while its thread may still have been ending; one more
        // batch forgets it for certain.
        writer.append(b"next\n");
        assert!(wait_for_lines(&output, 2));
        let lanes = lock(&guard.shared.lanes).len();
        // The orphans' lane and this thread's.
        assert_eq!(lanes, 2);
        drop(guard);
        let text =
            String::from_utf8(output.0.lock().expect("not poisoned").clone()).expect("UTF-8");
        assert!(text.starts_with("from a short-lived thread\n"), "{text}");
    }

    fn queued(pieces: &[&str]) -> Queued {
        let mut queued = Queued::default();
        for piece in pieces {
            queued.bytes.extend_from_slice(piece.as_bytes());
            queued.ends.push(queued.bytes.len());
        }
        queued
    }

    #[test]
    fn lanes_are_merged_by_the_timestamps_that_start_their_lines() {
        let lanes = [
            queued(&["12:00:01 a1\n", "12:00:04 a2\n", "12:00:05 a3\n"]),
            Queued::default(),
            queued(&["12:00:02 b1\n", "12:00:03 b2\nsecond line of b2\n"]),
            queued(&["12:00:00 c1\n"]),
        ];
        let mut batch = Vec::new();
        merge(&lanes, &mut batch);
        assert_eq!(
            String::from_utf8(batch).expect("UTF-8"),
            "12:00:00 c1\n12:00:01 a1\n12:00:02 b1\n12:00:03 b2\nsecond line of b2\n\
             12:00:04 a2\n12:00:05 a3\n"
        );
    }

    #[test]
    fn a_lane_keeps_its_own_order_whatever_its_timestamps() {
        let lanes = [
            queued(&["12:00:09 a1\n", "12:00:01 a2\n"]),
            queued(&["12:00:05 b1\n"]),
        ];
        let mut batch = Vec::new();
        merge(&lanes, &mut batch);
        assert_eq!(
            String::from_utf8(batch).expect("UTF-8"),
            "12:00:05 b1\n12:00:09 a1\n12:00:01 a2\n"
        );
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

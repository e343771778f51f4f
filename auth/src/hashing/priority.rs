//! The scheduling priority of Argon2 threads: below the threads that serve requests.
//!
//! An Argon2 check keeps a core busy for tens of milliseconds, and a login flood can keep every
//! permitted job running. On a machine whose cores are all busy, the kernel shares them by
//! weight: at nice 10 a hashing thread weighs about a tenth of a request thread, so requests that
//! need no hash keep most of the CPU, while an idle machine still gives Argon2 every spare cycle
//! (a nice value only matters when threads compete).

/// How much nicer than the rest of the process Argon2 runs.
pub const HASHING_NICENESS: i32 = 10;

/// Lowers the calling thread's scheduling priority by [`HASHING_NICENESS`]; on systems other
/// than Linux it does nothing.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `nice` takes an integer and touches no memory of this program. On Linux the
        // nice value is a per-thread attribute, so this changes only the calling thread (other
        // Unix systems would change the whole process, hence the `cfg`). A failure (only
        // possible when lowering is refused, which raising never is) leaves the priority as it
        // was, which is harmless.
        let _ = unsafe { libc::nice(HASHING_NICENESS) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn niceness() -> i32 {
        // /proc/thread-self/stat field 19 is the nice value; the command name (field 2) is in
        // parentheses and may hold spaces, so fields are counted after its closing one.
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("procfs");
        let after_name = stat.rsplit_once(')').expect("a command name").1;
        after_name
            .split_whitespace()
            .nth(16)
            .expect("a nice field")
            .parse()
            .expect("a number")
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_the_calling_thread_becomes_nicer() {
        let before = niceness();
        let inside = std::thread::spawn(|| {
            let start = niceness();
            lower_this_thread();
            (start, niceness())
        })
        .join()
        .expect("the thread ends");
        assert_eq!(inside.1, (inside.0 + HASHING_NICENESS).min(19));
        assert_eq!(niceness(), before, "the test's own thread is untouched");
    }
}

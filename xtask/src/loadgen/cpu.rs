//! The CPU time a process has used, read from Linux's `/proc/<pid>/stat`, so that the bench can
//! say what one request cost the server and the load generator during the measured window.
//!
//! On a machine where both share the cores, every rate also pays for the load generator's work,
//! which grows with the size of the answers it parses; these figures separate the two.

use serde::{Deserialize, Serialize};

/// Microseconds per clock tick of `/proc` (`USER_HZ`, which Linux fixes at 100 for
/// user-visible interfaces on every architecture).
const MICROS_PER_TICK: u64 = 10_000;

/// User-space and kernel CPU time of a process (all its threads), in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuTime {
    /// Time spent running the process's own code.
    pub user_us: u64,
    /// Time the kernel spent working for it (system calls, networking, page faults).
    pub system_us: u64,
}

impl CpuTime {
    /// The CPU time process `pid` has used so far (this process for `None`); `None` when
    /// `/proc` cannot tell (another system, a process that has ended).
    pub fn of(pid: Option<u32>) -> Option<CpuTime> {
        let path = match pid {
            Some(pid) => format!("/proc/{pid}/stat"),
            None => "/proc/self/stat".to_string(),
        };
        parse_stat(&std::fs::read_to_string(path).ok()?)
    }

    /// The time used between `earlier` and this reading.
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user_us: self.user_us.saturating_sub(earlier.user_us),
            system_us: self.system_us.saturating_sub(earlier.system_us),
        }
    }
}

/// Reads `utime` and `stime` (fields 14 and 15) of a `/proc/<pid>/stat` text. The command
/// name (field 2) is in parentheses and may hold spaces or parentheses itself, so fields are
/// counted after its last closing parenthesis.
fn parse_stat(stat: &str) -> Option<CpuTime> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let ticks = |field: Option<&str>| field?.parse::<u64>().ok();
    let user = ticks(fields.next())?;
    let system = ticks(fields.next())?;
    Some(CpuTime {
        user_us: user.saturating_mul(MICROS_PER_TICK),
        system_us: system.saturating_mul(MICROS_PER_TICK),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_system_ticks_are_read_after_the_command_name() {
        let stat = "4242 (api (v) x) S 1 4242 4242 0 -1 4194560 3513 0 0 0 \
                    731 129 0 0 20 0 3 0 1234 123456789 4321 18446744073709551615";
        assert_eq!(
            parse_stat(stat),
            Some(CpuTime {
                user_us: 7_310_000,
                system_us: 1_290_000
            })
        );
        assert_eq!(parse_stat("4242 (api) S 1"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }

    #[test]
    fn this_process_can_read_its_own_time_and_time_only_grows() {
        let Some(first) = CpuTime::of(None) else {
            return; // not Linux: nothing to read
        };
        let mut spin = 0u64;
        for n in 0..2_000_000u64 {
            spin = spin.wrapping_add(n.rotate_left(7));
        }
        assert_ne!(spin, 1);
        let later = CpuTime::of(None).expect("still readable");
        let used = later.since(first);
        assert!(later.user_us >= first.user_us && later.system_us >= first.system_us);
        assert_eq!(
            first.since(later),
            CpuTime::default(),
            "saturates, never wraps"
        );
        assert!(used.user_us <= 60_000_000);
    }
}

//! A one-line description of the machine a run measured, for the report.

/// What the report says about the machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// Logical CPUs available to this process.
    pub cpus: usize,
    /// The CPU model, from `/proc/cpuinfo`.
    pub cpu_model: Option<String>,
    /// Total memory in KiB, from `/proc/meminfo`.
    pub memory_kib: Option<u64>,
    /// The kernel release.
    pub kernel: Option<String>,
    /// The one-minute load average when the run started: other work on the machine skews
    /// the figures, and this says how much there was.
    pub load_average: Option<f64>,
}

impl Machine {
    /// Reads the machine's description from the system (missing parts stay unknown).
    pub fn detect() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).ok();
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model: read("/proc/cpuinfo").and_then(|text| cpu_model(&text)),
            memory_kib: read("/proc/meminfo").and_then(|text| mem_total_kib(&text)),
            kernel: read("/proc/sys/kernel/osrelease").map(|text| text.trim().to_string()),
            load_average: read("/proc/loadavg").and_then(|text| load_average(&text)),
        }
    }

    /// Such as `2 CPUs (AMD EPYC 7B13), 23.5 GiB RAM, Linux 6.1.0, load average 0.12 at start`.
    pub fn describe(&self) -> String {
        let unit = if self.cpus == 1 { "CPU" } else { "CPUs" };
        let mut text = format!("{} {unit}", self.cpus);
        if let Some(model) = &self.cpu_model {
            text.push_str(&format!(" ({model})"));
        }
        if let Some(kib) = self.memory_kib {
            text.push_str(&format!(", {:.1} GiB RAM", kib as f64 / (1024.0 * 1024.0)));
        }
        if let Some(kernel) = &self.kernel {
            text.push_str(&format!(", Linux {kernel}"));
        }
        if let Some(load) = self.load_average {
            text.push_str(&format!(", load average {load:.2} at start"));
        }
        text
    }
}

/// The first `model name` of a `/proc/cpuinfo` text.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
        .filter(|model| !model.is_empty())
}

/// The one-minute load average of a `/proc/loadavg` text.
fn load_average(loadavg: &str) -> Option<f64> {
    loadavg.split_whitespace().next()?.parse().ok()
}

/// `MemTotal` of a `/proc/meminfo` text, in KiB.
fn mem_total_kib(meminfo: &str) -> Option<u64> {
    meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|number| number.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_model_and_memory_are_read_from_proc() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\nflags\t: fpu\n";
        assert_eq!(cpu_model(cpuinfo).as_deref(), Some("Example CPU @ 2.00GHz"));
        assert_eq!(cpu_model("processor\t: 0\n"), None);
        assert_eq!(
            mem_total_kib("MemTotal:       24683520 kB\nMemFree: 1 kB\n"),
            Some(24_683_520)
        );
        assert_eq!(mem_total_kib("MemFree: 1 kB\n"), None);
        assert_eq!(load_average("0.52 0.58 0.59 1/467 12345\n"), Some(0.52));
        assert_eq!(load_average(""), None);
    }

    #[test]
    fn the_description_names_what_is_known() {
        let machine = Machine {
            cpus: 2,
            cpu_model: Some("Example CPU".to_string()),
            memory_kib: Some(24 * 1024 * 1024),
            kernel: Some("6.1.0".to_string()),
            load_average: Some(0.5),
        };
        assert_eq!(
            machine.describe(),
            "2 CPUs (Example CPU), 24.0 GiB RAM, Linux 6.1.0, load average 0.50 at start"
        );
        let bare = Machine {
            cpus: 1,
            cpu_model: None,
            memory_kib: None,
            kernel: None,
            load_average: None,
        };
        assert_eq!(bare.describe(), "1 CPU");
    }
}

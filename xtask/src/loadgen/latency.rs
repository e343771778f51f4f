//! Iteration latencies kept in memory, one sample each, and their percentiles.
//!
//! Every sample is kept (4 bytes per iteration: a 5-second run at 100,000 iterations/s is 2 MB),
//! so percentiles are exact rather than bucketed as in an HDR histogram.

use std::time::Duration;

/// The latencies recorded so far, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct LatencySamples {
    micros: Vec<u32>,
}

/// The percentiles the report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    /// The median, in microseconds.
    pub p50_us: u64,
    /// The 99th percentile, in microseconds.
    pub p99_us: u64,
    /// The largest sample, in microseconds.
    pub max_us: u64,
}

impl LatencySamples {
    /// Records one latency; anything beyond `u32::MAX` microseconds (71 minutes) saturates.
    pub fn record(&mut self, latency: Duration) {
        let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        self.micros.push(micros);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: LatencySamples) {
        self.micros.extend(other.micros);
    }

    /// Sorts the samples and returns p50, p99 and the maximum, or `None` without samples.
    pub fn summarize(&mut self) -> Option<LatencySummary> {
        self.micros.sort_unstable();
        Some(LatencySummary {
            p50_us: percentile_of_sorted(&self.micros, 50.0)?,
            p99_us: percentile_of_sorted(&self.micros, 99.0)?,
            max_us: self.micros.last().copied().map(u64::from)?,
        })
    }
}

/// The `percent`-th percentile of ascending `sorted` by the nearest-rank method: the smallest
/// sample such that at least `percent`% of the samples are less than or equal to it.
///
/// `None` for no samples; `percent` is clamped to 0..=100 (0 gives the minimum).
pub fn percentile_of_sorted(sorted: &[u32], percent: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let percent = percent.clamp(0.0, 100.0);
    // rank = ceil(p/100 * n), 1-based; the float product of two exact small numbers is exact
    // enough that ceil does not jump a rank for the percentiles used here.
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).copied().map(u64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_samples_have_no_percentile() {
        assert_eq!(percentile_of_sorted(&[], 50.0), None);
        assert_eq!(LatencySamples::default().summarize(), None);
    }

    #[test]
    fn a_single_sample_is_every_percentile() {
        assert_eq!(percentile_of_sorted(&[7], 0.0), Some(7));
        assert_eq!(percentile_of_sorted(&[7], 50.0), Some(7));
        assert_eq!(percentile_of_sorted(&[7], 100.0), Some(7));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile_of_sorted(&sorted, 50.0), Some(50));
        assert_eq!(percentile_of_sorted(&sorted, 99.0), Some(99));
        assert_eq!(percentile_of_sorted(&sorted, 100.0), Some(100));
        assert_eq!(percentile_of_sorted(&sorted, 0.0), Some(1));
        // Four samples: the median is the 2nd, the 99th percentile the 4th.
        assert_eq!(percentile_of_sorted(&[10, 20, 30, 40], 50.0), Some(20));
        assert_eq!(percentile_of_sorted(&[10, 20, 30, 40], 99.0), Some(40));
    }

    #[test]
    fn out_of_range_percents_are_clamped() {
        assert_eq!(percentile_of_sorted(&[1, 2, 3], -5.0), Some(1));
        assert_eq!(percentile_of_sorted(&[1, 2, 3], 250.0), Some(3));
    }

    #[test]
    fn the_summary_sorts_merged_samples_first() {
        let mut first = LatencySamples::default();
        for micros in [900, 100, 500] {
            first.record(Duration::from_micros(micros));
        }
        let mut second = LatencySamples::default();
        second.record(Duration::from_micros(300));
        first.merge(second);
        assert_eq!(
            first.summarize(),
            Some(LatencySummary {
                p50_us: 300,
                p99_us: 900,
                max_us: 900,
            })
        );
    }

    #[test]
    fn a_huge_latency_saturates_instead_of_wrapping() {
        let mut samples = LatencySamples::default();
        samples.record(Duration::from_secs(10_000));
        assert_eq!(
            samples.summarize().map(|summary| summary.max_us),
            Some(u64::from(u32::MAX))
        );
    }
}

//! What the interleaved rounds of one load scenario measured together: the rate over all of
//! them, each round's rate, and the median round, whole.
//!
//! The rate is pooled: every round's iterations over every round's measured seconds. On this
//! shared two-core machine the rate of one window moves by 10% or more from one second to the
//! next, in the reference as much as in the service, and the moves look like noise, not drift
//! (two one-second windows taken back to back differ as much as two taken minutes apart). A
//! mean over all the measured seconds is the estimate that such noise disturbs least; the
//! median round, which the report used before, throws most of the measured seconds away.
//! Latencies, memory and CPU per request are not pooled: they are those of the median round,
//! so that each set of figures comes from one window.

use super::runner::LoadMeasurement;

/// What the rounds of one load scenario measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    /// The round with the median rate (the upper middle one for an even count), whole: its
    /// latencies, memory and CPU per request are the ones reported.
    pub median: LoadMeasurement,
    /// Every round's rate, in the order the rounds ran.
    pub rates: Vec<f64>,
    /// The rate of all rounds together: their iterations over their measured seconds.
    pub pooled_rate: f64,
}

impl Rounds {
    /// Gathers the rounds of one scenario; any failed round makes the scenario failed, with
    /// that round's error.
    pub fn gather(outcomes: Vec<Result<LoadMeasurement, String>>) -> Result<Rounds, String> {
        let measured = outcomes.into_iter().collect::<Result<Vec<_>, String>>()?;
        let rates: Vec<f64> = measured.iter().map(|round| round.result.rate()).collect();
        let iterations: u64 = measured.iter().map(|round| round.result.iterations).sum();
        let seconds: f64 = measured.iter().map(|round| round.result.seconds).sum();
        let pooled_rate = if seconds > 0.0 {
            iterations as f64 / seconds
        } else {
            0.0
        };
        let mut by_rate = measured;
        by_rate.sort_by(|a, b| a.result.rate().total_cmp(&b.result.rate()));
        let middle = by_rate.len() / 2;
        let median = by_rate
            .into_iter()
            .nth(middle)
            .ok_or_else(|| "no round ran".to_string())?;
        Ok(Rounds {
            median,
            rates,
            pooled_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::fixtures::load_result;

    fn round(iterations: u64) -> Result<LoadMeasurement, String> {
        Ok(LoadMeasurement {
            result: load_result(iterations),
            peak_rss_kib: Some(iterations),
        })
    }

    fn round_of(iterations: u64, seconds: f64) -> Result<LoadMeasurement, String> {
        let mut measurement = round(iterations)?;
        measurement.result.seconds = seconds;
        Ok(measurement)
    }

    #[test]
    fn the_median_round_is_kept_whole() {
        let rounds = Rounds::gather(vec![round(90), round(70), round(80)]).expect("all ran");
        assert_eq!(rounds.median.result.iterations, 80);
        assert_eq!(
            rounds.median.peak_rss_kib,
            Some(80),
            "the same round's memory"
        );
        let upper = Rounds::gather(vec![round(1), round(4), round(2), round(3)]).expect("all ran");
        assert_eq!(upper.median.result.iterations, 3);
        let single = Rounds::gather(vec![round(5)]).expect("ran");
        assert_eq!(single.median.result.iterations, 5);
    }

    #[test]
    fn the_rate_is_every_iteration_over_every_measured_second() {
        let rounds = Rounds::gather(vec![
            round_of(100, 1.0),
            round_of(300, 2.0),
            round_of(50, 1.0),
        ])
        .expect("all ran");
        assert_eq!(rounds.pooled_rate, 450.0 / 4.0);
        assert_eq!(
            rounds.rates,
            vec![100.0, 150.0, 50.0],
            "in the order they ran"
        );
        assert_eq!(rounds.median.result.iterations, 100, "the middle rate");
    }

    #[test]
    fn rounds_that_measured_no_time_have_no_rate() {
        let rounds = Rounds::gather(vec![round_of(0, 0.0)]).expect("ran");
        assert_eq!(rounds.pooled_rate, 0.0);
    }

    #[test]
    fn a_failed_round_fails_the_scenario() {
        let failed = Rounds::gather(vec![round(5), Err("refused".to_string()), round(6)]);
        assert_eq!(failed.err().as_deref(), Some("refused"));
        assert!(Rounds::gather(Vec::new()).is_err());
    }
}

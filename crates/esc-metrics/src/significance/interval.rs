//! The t confidence interval of a mean (e.g. of a metric over training seeds).

use serde::{Deserialize, Serialize};

use super::student_t_quantile;
use crate::MetricsError;

/// A sample mean with its two-sided Student t confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// The sample mean.
    pub mean: f64,
    /// The sample standard deviation (`n - 1` in the denominator, numpy `ddof=1`).
    pub std: f64,
    /// The number of values.
    pub n: usize,
    /// Lower end: `mean - t · std / sqrt(n)`.
    pub lo: f64,
    /// Upper end: `mean + t · std / sqrt(n)`.
    pub hi: f64,
    /// The confidence level (e.g. 0.95); `t` is the `(1 + level) / 2` quantile
    /// with `n - 1` degrees of freedom.
    pub level: f64,
}

/// Mean, sample standard deviation and the two-sided t interval
/// `mean ± t_{(1+level)/2, n-1} · std / sqrt(n)`, as
/// `scipy.stats.t.interval(level, n - 1, loc=mean, scale=scipy.stats.sem(values))`.
///
/// The interval assumes the values are independent draws of a roughly normal
/// quantity (e.g. one score per training seed). When all values are equal,
/// `std` is 0 and `lo = hi = mean` (scipy gives NaN for a zero scale).
///
/// # Errors
/// [`MetricsError::TooFew`] for fewer than 2 values (the standard deviation needs
/// `n - 1 >= 1`), [`MetricsError::NonFinite`] for a NaN or infinite value,
/// [`MetricsError::InvalidOption`] for a `level` outside (0, 1).
///
/// ```
/// use esc_metrics::mean_confidence_interval;
/// let ci = mean_confidence_interval(&[1.0, 2.0, 3.0], 0.95)?;
/// assert_eq!((ci.mean, ci.std, ci.n), (2.0, 1.0, 3));
/// // t_{0.975, 2} = 4.302652729749464; sem = 1 / sqrt(3).
/// assert!((ci.hi - (2.0 + 4.302652729749464 / 3f64.sqrt())).abs() < 1e-12);
/// assert!(mean_confidence_interval(&[1.0], 0.95).is_err());
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn mean_confidence_interval(values: &[f64], level: f64) -> Result<MeanCi, MetricsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(MetricsError::InvalidOption {
            option: "level",
            value: level.to_string(),
            expected: "a confidence level strictly between 0 and 1",
        });
    }
    let n = values.len();
    if n < 2 {
        return Err(MetricsError::TooFew {
            what: "values of a t confidence interval",
            got: n,
            needed: 2,
        });
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFinite {
            what: "values",
            index,
            value,
        });
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let std = (squares / (n - 1) as f64).sqrt();
    let half_width =
        student_t_quantile(0.5 * (1.0 + level), (n - 1) as f64)? * std / (n as f64).sqrt();
    Ok(MeanCi {
        mean,
        std,
        n,
        lo: mean - half_width,
        hi: mean + half_width,
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_give_a_point_interval() {
        let ci = mean_confidence_interval(&[2.5; 4], 0.9).unwrap();
        assert_eq!((ci.lo, ci.mean, ci.hi, ci.std), (2.5, 2.5, 2.5, 0.0));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            mean_confidence_interval(&[], 0.95),
            Err(MetricsError::TooFew {
                got: 0,
                needed: 2,
                ..
            })
        ));
        assert!(matches!(
            mean_confidence_interval(&[1.0, f64::NAN], 0.95),
            Err(MetricsError::NonFinite { index: 1, .. })
        ));
        for level in [0.0, 1.0, f64::NAN] {
            assert!(matches!(
                mean_confidence_interval(&[1.0, 2.0], level),
                Err(MetricsError::InvalidOption { .. })
            ));
        }
    }
}

//! Empirical quantiles of a sample, as numpy computes them by default.

use crate::MetricsError;

/// The `q`-quantile of a sorted sample with linear interpolation between order
/// statistics: `numpy.quantile(sorted, q)` (method `"linear"`, numpy's default;
/// `numpy.percentile(sorted, 100 q)` up to the rounding of `100 q / 100`).
///
/// With `h = (n - 1) q`, `i = floor(h)` and `g = h - i`, the value is
/// `x[i] + g (x[i+1] - x[i])` (for `g < 1/2`, else `x[i+1] - (1 - g)(x[i+1] - x[i])`,
/// numpy's `_lerp`), and `x[n-1]` when `h >= n - 1`.
///
/// # Errors
/// [`MetricsError::Empty`] for an empty sample, [`MetricsError::InvalidOption`]
/// for `q` outside [0, 1] or a sample that is not sorted ascending, and
/// [`MetricsError::NonFinite`] for a NaN or infinite value.
///
/// ```
/// use esc_metrics::empirical_quantile;
/// let x = [1.0, 2.0, 4.0, 8.0];
/// assert_eq!(empirical_quantile(&x, 0.5)?, 3.0);
/// assert_eq!(empirical_quantile(&x, 0.0)?, 1.0);
/// assert_eq!(empirical_quantile(&x, 1.0)?, 8.0);
/// assert!(empirical_quantile(&[3.0, 1.0], 0.5).is_err());
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn empirical_quantile(sorted: &[f64], q: f64) -> Result<f64, MetricsError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(MetricsError::InvalidOption {
            option: "q",
            value: q.to_string(),
            expected: "a quantile level in [0, 1]",
        });
    }
    if sorted.is_empty() {
        return Err(MetricsError::Empty { what: "sample" });
    }
    if let Some((index, &value)) = sorted.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFinite {
            what: "sample",
            index,
            value,
        });
    }
    if let Some(w) = sorted.windows(2).find(|w| w[0] > w[1]) {
        return Err(MetricsError::InvalidOption {
            option: "sample",
            value: format!("{} before {}", w[0], w[1]),
            expected: "values sorted ascending",
        });
    }
    let n = sorted.len();
    let h = (n - 1) as f64 * q;
    if h >= (n - 1) as f64 {
        return Ok(sorted[n - 1]);
    }
    let i = h.floor();
    let g = h - i;
    let (a, b) = (sorted[i as usize], sorted[i as usize + 1]);
    let diff = b - a;
    Ok(if g >= 0.5 {
        b - diff * (1.0 - g)
    } else {
        a + diff * g
    })
}

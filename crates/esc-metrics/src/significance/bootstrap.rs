//! The paired bootstrap test of two systems scored on the same items (Koehn 2004;
//! Efron & Tibshirani 1993): resample the items with replacement, score both
//! systems on each resample, and look at the distribution of the difference.

use serde::{Deserialize, Serialize};

use super::empirical_quantile;
use super::splitmix::SplitMix64;
use crate::MetricsError;

/// Settings of [`paired_bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Number of resamples (default 1000; 10,000 gives p-values to about ±0.005).
    pub resamples: usize,
    /// Seed of the resampling (default 0): the same seed gives the same resamples.
    pub seed: u64,
    /// Level of the percentile confidence interval of the delta (default 0.95).
    pub level: f64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            resamples: 1000,
            seed: 0,
            level: 0.95,
        }
    }
}

/// What [`paired_bootstrap`] found. The delta is always B − A (positive: B is
/// better for a higher-is-better metric).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    /// Score of system A on all items (the identity resample `0..n`).
    pub observed_a: f64,
    /// Score of system B on all items.
    pub observed_b: f64,
    /// `observed_b - observed_a`.
    pub observed_delta: f64,
    /// Mean of the resampled deltas.
    pub mean_delta: f64,
    /// Lower end of the percentile interval: the `(1 - level) / 2` quantile of the
    /// resampled deltas ([`empirical_quantile`], numpy's linear interpolation).
    pub lo: f64,
    /// Upper end: the `(1 + level) / 2` quantile of the resampled deltas.
    pub hi: f64,
    /// The interval's level.
    pub level: f64,
    /// Share of resamples with `delta <= 0`.
    pub share_nonpositive: f64,
    /// Share of resamples with `delta >= 0`.
    pub share_nonnegative: f64,
    /// Two-sided p-value: `min(1, 2 · min(share_nonpositive, share_nonnegative))`.
    pub p_value: f64,
    /// Number of resamples.
    pub resamples: usize,
}

/// Paired bootstrap of two systems' scores on the same `n_items` items.
///
/// `metric(indices)` returns `(score of A, score of B)` on the resample given by
/// `indices` (each in `0..n_items`, repetitions allowed, `n_items` of them): an
/// item drawn twice counts twice, e.g. a mean over per-item scores takes it
/// twice, and corpus metrics add its statistics twice (see
/// [`GenerationMetrics::report_on`](crate::GenerationMetrics::report_on)). It is
/// first called on the identity resample `0..n_items` (the observed scores), then
/// on `options.resamples` resamples drawn uniformly with replacement by a
/// SplitMix64 generator seeded with `options.seed`, so results are deterministic.
///
/// The p-value convention: with `delta_r` the B − A difference on resample `r`,
/// `p = min(1, 2 · min(#{delta_r <= 0}, #{delta_r >= 0}) / R)`: twice the share of
/// resamples on the less frequent side of zero, ties at zero counting on both
/// sides (so two identical systems get p = 1). This tests whether the sign of the
/// difference is stable under resampling of the items; it says nothing about the
/// variance between training runs (use [`mean_confidence_interval`] over seeds
/// for that). `p_value == 0` means that no resample crossed zero: report it as
/// `p < 1 / R`.
///
/// [`mean_confidence_interval`]: crate::mean_confidence_interval
///
/// # Errors
/// [`MetricsError::Empty`] when `n_items == 0`; [`MetricsError::InvalidOption`]
/// for zero resamples or a level outside (0, 1); [`MetricsError::NonFinite`] when
/// `metric` returns NaN or an infinity (`index` is the resample: 0 for the
/// observed scores, `r` for the r-th resample).
///
/// ```
/// use esc_metrics::{BootstrapOptions, paired_bootstrap};
/// // Per-item scores of two systems (e.g. sentence-level ROUGE-L).
/// let a = [0.20, 0.35, 0.10, 0.40, 0.25, 0.30];
/// let b = [0.30, 0.40, 0.15, 0.45, 0.20, 0.40];
/// let mean = |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64;
/// let options = BootstrapOptions { resamples: 2000, ..Default::default() };
/// let result = paired_bootstrap(a.len(), &options, |idx| (mean(&a, idx), mean(&b, idx)))?;
/// assert!((result.observed_delta - 0.05).abs() < 1e-12);
/// assert!(result.lo <= result.observed_delta && result.observed_delta <= result.hi);
/// assert!(result.p_value < 0.1);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn paired_bootstrap(
    n_items: usize,
    options: &BootstrapOptions,
    mut metric: impl FnMut(&[usize]) -> (f64, f64),
) -> Result<BootstrapResult, MetricsError> {
    if n_items == 0 {
        return Err(MetricsError::Empty {
            what: "bootstrap items",
        });
    }
    if options.resamples == 0 {
        return Err(MetricsError::InvalidOption {
            option: "resamples",
            value: "0".into(),
            expected: "at least one resample",
        });
    }
    let level = options.level;
    if !(level > 0.0 && level < 1.0) {
        return Err(MetricsError::InvalidOption {
            option: "level",
            value: level.to_string(),
            expected: "a confidence level strictly between 0 and 1",
        });
    }
    let mut indices: Vec<usize> = (0..n_items).collect();
    let (observed_a, observed_b) = metric(&indices);
    let observed_delta = checked_delta(observed_a, observed_b, "the observed scores", 0)?;

    let mut rng = SplitMix64::new(options.seed);
    let mut deltas = Vec::with_capacity(options.resamples);
    for r in 1..=options.resamples {
        for i in indices.iter_mut() {
            *i = rng.below(n_items as u64) as usize;
        }
        let (a, b) = metric(&indices);
        deltas.push(checked_delta(a, b, "the scores of a resample", r)?);
    }
    let n = deltas.len() as f64;
    let mean_delta = deltas.iter().sum::<f64>() / n;
    let share_nonpositive = deltas.iter().filter(|&&d| d <= 0.0).count() as f64 / n;
    let share_nonnegative = deltas.iter().filter(|&&d| d >= 0.0).count() as f64 / n;
    deltas.sort_by(f64::total_cmp);
    Ok(BootstrapResult {
        observed_a,
        observed_b,
        observed_delta,
        mean_delta,
        lo: empirical_quantile(&deltas, 0.5 * (1.0 - level))?,
        hi: empirical_quantile(&deltas, 0.5 * (1.0 + level))?,
        level,
        share_nonpositive,
        share_nonnegative,
        p_value: (2.0 * share_nonpositive.min(share_nonnegative)).min(1.0),
        resamples: options.resamples,
    })
}

/// `b - a`, or the error naming the first non-finite value.
fn checked_delta(a: f64, b: f64, what: &'static str, index: usize) -> Result<f64, MetricsError> {
    let delta = b - a;
    match [a, b, delta].into_iter().find(|v| !v.is_finite()) {
        Some(value) => Err(MetricsError::NonFinite { what, index, value }),
        None => Ok(delta),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_errors() {
        let ok = |_: &[usize]| (0.0, 0.0);
        let o = BootstrapOptions::default();
        assert!(matches!(
            paired_bootstrap(0, &o, ok),
            Err(MetricsError::Empty { .. })
        ));
        let zero = BootstrapOptions {
            resamples: 0,
            ..o.clone()
        };
        assert!(matches!(
            paired_bootstrap(3, &zero, ok),
            Err(MetricsError::InvalidOption {
                option: "resamples",
                ..
            })
        ));
        let level = BootstrapOptions {
            level: 1.0,
            ..o.clone()
        };
        assert!(matches!(
            paired_bootstrap(3, &level, ok),
            Err(MetricsError::InvalidOption {
                option: "level",
                ..
            })
        ));
        let mut calls = 0;
        let nan_on_third = |_: &[usize]| {
            calls += 1;
            if calls == 3 {
                (f64::NAN, 0.0)
            } else {
                (0.0, 1.0)
            }
        };
        assert!(matches!(
            paired_bootstrap(3, &o, nan_on_third),
            Err(MetricsError::NonFinite { index: 2, .. })
        ));
    }

    #[test]
    fn resamples_have_n_items_in_range() {
        let mut lens = Vec::new();
        paired_bootstrap(
            7,
            &BootstrapOptions {
                resamples: 50,
                ..Default::default()
            },
            |idx| {
                assert!(idx.iter().all(|&i| i < 7));
                lens.push(idx.len());
                (0.0, 0.0)
            },
        )
        .unwrap();
        assert_eq!(lens, vec![7; 51]);
    }
}

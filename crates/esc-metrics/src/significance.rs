//! Statistics for controlled model comparisons ("does STAR help?"): is a
//! difference between two systems larger than what the choice of test items or
//! of training seeds produces by chance?
//!
//! - Across **training seeds**: [`mean_confidence_interval`] gives the mean of a
//!   metric over runs with its Student t interval (built on
//!   [`student_t_quantile`], `scipy.stats.t.ppf`).
//! - Across **test items**: [`paired_bootstrap`] resamples the items of one test
//!   set on which two systems were both scored and reports the delta's percentile
//!   interval and a two-sided p-value. Corpus metrics are recomputed cheaply on
//!   each resample from per-example statistics:
//!   [`GenerationMetrics::per_example`](crate::GenerationMetrics::per_example) and
//!   [`PerExampleStats::report_on`](crate::PerExampleStats::report_on) for the
//!   whole report, [`BleuStats::merge`](crate::BleuStats::merge) for BLEU alone.
//!
//! Parity: quantiles, intervals and the bootstrap's resampling distribution are
//! tested against numpy/scipy fixtures written by
//! `scripts/significance_reference.py` (`tests/significance.rs`).
//!
//! ```
//! use esc_metrics::{BootstrapOptions, GenerationMetrics, paired_bootstrap};
//! let refs = ["i am sorry to hear that", "have you talked to your friends about it",
//!             "that sounds really hard", "what happened next"];
//! let a = ["ok", "did you talk to anyone", "that is hard", "what"];
//! let b = ["i am sorry to hear that", "have you talked to your friends", "that sounds hard",
//!          "what happened then"];
//! let (mut ma, mut mb) = (GenerationMetrics::esc(), GenerationMetrics::esc());
//! for i in 0..refs.len() {
//!     ma.add(a[i], &[refs[i]])?;
//!     mb.add(b[i], &[refs[i]])?;
//! }
//! // Precompute the per-example statistics once, then score each resample.
//! let (pa, pb) = (ma.per_example()?, mb.per_example()?);
//! let options = BootstrapOptions { resamples: 200, ..Default::default() };
//! // BLEU-2; an error would become NaN, which `paired_bootstrap` reports.
//! let bleu2 = |r: Result<esc_metrics::GenerationReport, _>| r.map_or(f64::NAN, |r| r.bleu[1]);
//! let result = paired_bootstrap(refs.len(), &options, |idx| {
//!     (bleu2(pa.report_on(idx)), bleu2(pb.report_on(idx)))
//! })?;
//! assert_eq!(result.observed_b, mb.finish()?.bleu[1]);
//! assert!(result.observed_delta > 0.0);
//! # Ok::<(), esc_metrics::MetricsError>(())
//! ```

mod bootstrap;
mod interval;
mod quantile;
mod splitmix;
mod student_t;

pub use bootstrap::{BootstrapOptions, BootstrapResult, paired_bootstrap};
pub use interval::{MeanCi, mean_confidence_interval};
pub use quantile::empirical_quantile;
pub use student_t::student_t_quantile;

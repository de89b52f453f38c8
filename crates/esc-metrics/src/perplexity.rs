//! Perplexity from summed token negative log-likelihoods.
//!
//! Two conventions exist in the ESC code bases:
//! - corpus level (the reference's validation PPL, `eval_model_loss`):
//!   `exp(sum of all token NLLs / number of tokens)`, each token weighted equally;
//! - sentence mean: `mean_i exp(nll_i / n_i)`, each sentence weighted equally
//!   (larger, dominated by hard sentences).

use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// Both perplexities with the totals they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerplexityReport {
    /// `exp(total_nll / total_tokens)`.
    pub corpus: f64,
    /// `mean_i exp(nll_i / n_i)`.
    pub sentence_mean: f64,
    /// Mean token NLL (nats).
    pub mean_nll: f64,
    /// Number of sentences.
    pub sentences: usize,
    /// Number of tokens.
    pub tokens: u64,
}

/// Streaming perplexity: add each sentence's summed NLL (natural log) and token count.
///
/// ```
/// let mut ppl = esc_metrics::Perplexity::new();
/// ppl.add(2.0, 2)?;
/// ppl.add(6.0, 2)?;
/// let r = ppl.finish()?;
/// assert!((r.corpus - 2f64.exp()).abs() < 1e-12);
/// assert!((r.sentence_mean - (1f64.exp() + 3f64.exp()) / 2.0).abs() < 1e-12);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Perplexity {
    nll: f64,
    tokens: u64,
    sentence_ppl_sum: f64,
    sentences: usize,
}

impl Perplexity {
    /// An empty accumulator.
    ///
    /// ```
    /// assert!(esc_metrics::Perplexity::new().finish().is_err());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sentence.
    ///
    /// # Errors
    /// [`MetricsError::NonFinite`] for a NaN/infinite or negative NLL,
    /// [`MetricsError::InvalidOption`] for `tokens == 0` or a running token total beyond
    /// `u64::MAX` (nothing is added).
    ///
    /// ```
    /// let mut ppl = esc_metrics::Perplexity::new();
    /// assert!(ppl.add(f64::NAN, 3).is_err());
    /// assert!(ppl.add(1.0, 0).is_err());
    /// ppl.add(1.0, u64::MAX)?;
    /// assert!(ppl.add(1.0, 1).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn add(&mut self, nll_sum: f64, tokens: u64) -> Result<(), MetricsError> {
        if !nll_sum.is_finite() || nll_sum < 0.0 {
            return Err(MetricsError::NonFinite {
                what: "nll_sums",
                index: self.sentences,
                value: nll_sum,
            });
        }
        if tokens == 0 {
            return Err(MetricsError::InvalidOption {
                option: "token count",
                value: "0".into(),
                expected: "at least one token per sentence",
            });
        }
        // Found by `tests/fuzz_text.rs`: the total used to overflow (a panic in debug builds).
        let Some(total) = self.tokens.checked_add(tokens) else {
            return Err(MetricsError::InvalidOption {
                option: "token count",
                value: tokens.to_string(),
                expected: "a running total of at most u64::MAX tokens",
            });
        };
        self.nll += nll_sum;
        self.tokens = total;
        self.sentence_ppl_sum += (nll_sum / tokens as f64).exp();
        self.sentences += 1;
        Ok(())
    }

    /// Both perplexities.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when nothing was added.
    ///
    /// ```
    /// let mut ppl = esc_metrics::Perplexity::new();
    /// ppl.add(0.0, 5)?;
    /// assert_eq!(ppl.finish()?.corpus, 1.0);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn finish(&self) -> Result<PerplexityReport, MetricsError> {
        if self.sentences == 0 {
            return Err(MetricsError::Empty {
                what: "perplexity sentences",
            });
        }
        let mean_nll = self.nll / self.tokens as f64;
        Ok(PerplexityReport {
            corpus: mean_nll.exp(),
            sentence_mean: self.sentence_ppl_sum / self.sentences as f64,
            mean_nll,
            sentences: self.sentences,
            tokens: self.tokens,
        })
    }
}

/// Both perplexities of a corpus given per-sentence NLL sums and token counts.
///
/// # Errors
/// [`MetricsError::LengthMismatch`] and those of [`Perplexity::add`] / [`Perplexity::finish`].
///
/// ```
/// let r = esc_metrics::perplexity(&[3.0, 1.0], &[2, 2])?;
/// assert!((r.corpus - 1f64.exp()).abs() < 1e-12);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn perplexity(
    nll_sums: &[f64],
    token_counts: &[u64],
) -> Result<PerplexityReport, MetricsError> {
    if nll_sums.len() != token_counts.len() {
        return Err(MetricsError::LengthMismatch {
            what: "nll_sums vs token_counts",
            left: nll_sums.len(),
            right: token_counts.len(),
        });
    }
    let mut p = Perplexity::new();
    for (&nll, &n) in nll_sums.iter().zip(token_counts) {
        p.add(nll, n)?;
    }
    p.finish()
}

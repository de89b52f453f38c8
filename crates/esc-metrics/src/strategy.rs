//! The streaming accumulator of the strategy-prediction metrics: add each
//! predicted (or scored) strategy with the gold one, then [`StrategyMetrics::finish`].

use serde::{Deserialize, Serialize};

use crate::{
    ClassificationOptions, ClassificationReport, MetricsError, classification_report,
    top_k_accuracy,
};

/// Top-k accuracy for one k.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopK {
    /// k.
    pub k: usize,
    /// Share of samples whose gold class is among the k best scores.
    pub accuracy: f64,
}

/// Strategy metrics: the sklearn report plus top-k accuracies (when scores were given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyReport {
    /// Accuracy, P/R/F1 (macro = the papers' strategy F1), confusion matrix.
    pub classification: ClassificationReport,
    /// Top-k accuracies; empty unless every sample was added with scores.
    pub top_k: Vec<TopK>,
}

/// Streaming accumulator of strategy predictions.
///
/// ```
/// use esc_metrics::StrategyMetrics;
/// let mut m = StrategyMetrics::esc();
/// m.add_scores(0, &[2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])?; // predicted 0
/// m.add_scores(3, &[0.0, 1.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0])?; // predicted 1
/// let r = m.finish()?;
/// assert_eq!(r.classification.accuracy, 0.5);
/// assert_eq!(r.top_k[1].accuracy, 1.0); // top-3
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyMetrics {
    options: ClassificationOptions,
    ks: Vec<usize>,
    golds: Vec<usize>,
    preds: Vec<usize>,
    scores: Vec<Vec<f64>>,
}

impl StrategyMetrics {
    /// An accumulator with the given options and top-k values.
    ///
    /// ```
    /// use esc_metrics::{ClassificationOptions, StrategyMetrics};
    /// let m = StrategyMetrics::new(ClassificationOptions::new(8), &[1, 3]);
    /// assert!(m.is_empty());
    /// ```
    pub fn new(options: ClassificationOptions, top_k: &[usize]) -> Self {
        Self {
            options,
            ks: top_k.to_vec(),
            golds: Vec::new(),
            preds: Vec::new(),
            scores: Vec::new(),
        }
    }

    /// The ESC setting: 8 strategies, sklearn defaults, top-1 and top-3.
    ///
    /// ```
    /// assert!(esc_metrics::StrategyMetrics::esc().is_empty());
    /// ```
    pub fn esc() -> Self {
        Self::new(ClassificationOptions::new(8), &[1, 3])
    }

    /// Number of samples added.
    ///
    /// ```
    /// let mut m = esc_metrics::StrategyMetrics::esc();
    /// m.add(1, 1)?;
    /// assert_eq!(m.len(), 1);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.golds.len()
    }

    /// Whether nothing was added.
    ///
    /// ```
    /// assert!(esc_metrics::StrategyMetrics::esc().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.golds.is_empty()
    }

    /// Adds a gold and a predicted class id.
    ///
    /// # Errors
    /// [`MetricsError::LabelOutOfRange`] for an id `>= n_classes` (nothing is added).
    ///
    /// ```
    /// let mut m = esc_metrics::StrategyMetrics::esc();
    /// assert!(m.add(8, 0).is_err());
    /// ```
    pub fn add(&mut self, gold: usize, pred: usize) -> Result<(), MetricsError> {
        let n = self.options.n_classes;
        for (what, label) in [("gold", gold), ("pred", pred)] {
            if label >= n {
                return Err(MetricsError::LabelOutOfRange {
                    what,
                    index: self.len(),
                    label,
                    n_classes: n,
                });
            }
        }
        self.golds.push(gold);
        self.preds.push(pred);
        Ok(())
    }

    /// Adds a gold class and the class scores (logits or probabilities); the
    /// prediction is the first highest score (torch/numpy `argmax`).
    ///
    /// # Errors
    /// [`MetricsError::LengthMismatch`] for a row of another width than `n_classes`,
    /// [`MetricsError::NonFinite`], [`MetricsError::LabelOutOfRange`] (nothing is added).
    ///
    /// ```
    /// let mut m = esc_metrics::StrategyMetrics::esc();
    /// assert!(m.add_scores(0, &[1.0, 2.0]).is_err());
    /// ```
    pub fn add_scores(&mut self, gold: usize, scores: &[f64]) -> Result<(), MetricsError> {
        let n = self.options.n_classes;
        if scores.len() != n {
            return Err(MetricsError::LengthMismatch {
                what: "scores vs n_classes",
                left: scores.len(),
                right: n,
            });
        }
        if let Some(&bad) = scores.iter().find(|s| !s.is_finite()) {
            return Err(MetricsError::NonFinite {
                what: "scores",
                index: self.len(),
                value: bad,
            });
        }
        let mut pred = 0;
        for (j, &s) in scores.iter().enumerate() {
            if s > scores[pred] {
                pred = j;
            }
        }
        if self.scores.len() == self.len() {
            self.add(gold, pred)?;
            self.scores.push(scores.to_vec());
        } else {
            // Some earlier samples had no scores: top-k is off for good.
            self.add(gold, pred)?;
        }
        Ok(())
    }

    /// The report of everything added so far.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when nothing was added; [`MetricsError::InvalidOption`]
    /// for a top-k value of 0.
    ///
    /// ```
    /// assert!(esc_metrics::StrategyMetrics::esc().finish().is_err());
    /// ```
    pub fn finish(&self) -> Result<StrategyReport, MetricsError> {
        let classification = classification_report(&self.golds, &self.preds, &self.options)?;
        let top_k = if self.scores.len() == self.len() {
            self.ks
                .iter()
                .map(|&k| {
                    top_k_accuracy(&self.scores, &self.golds, k)
                        .map(|accuracy| TopK { k, accuracy })
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        Ok(StrategyReport {
            classification,
            top_k,
        })
    }
}

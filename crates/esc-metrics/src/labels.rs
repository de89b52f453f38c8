//! Classification on arbitrary string labels, with scikit-learn 1.9's semantics:
//! `classification_report(y_true, y_pred, labels=..., zero_division=...)`,
//! `accuracy_score` and `confusion_matrix(labels=...)` on lists of strings.
//!
//! The labels are mapped to class ids and scored by the numeric implementation
//! of [`classification_report`](crate::classification_report), so both give the
//! same numbers. Any strings work: strategy names outside ESConv's eight
//! (`"Other"`, `"Greeting"`), unicode, the empty string.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::classification::report_from_confusion;
use crate::{MetricsError, Prf, ZeroDivision, confusion_matrix};

/// Options of [`classification_report_labels`]: sklearn's `labels=` and
/// `zero_division=` arguments. The default is sklearn's (`labels=None`,
/// `zero_division="warn"`, which scores 0/0 as 0).
///
/// ```
/// use esc_metrics::{LabelOptions, ZeroDivision};
/// let o = LabelOptions::new()
///     .with_labels(["Question", "Greeting"])
///     .with_zero_division(ZeroDivision::One);
/// assert_eq!(o.labels.as_deref(), Some(&["Question".to_string(), "Greeting".to_string()][..]));
/// assert_eq!(LabelOptions::default().labels, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelOptions {
    /// sklearn's `labels`: `None` scores the sorted union of the labels of
    /// `y_true` and `y_pred` ([`unique_labels`]); `Some(list)` scores exactly
    /// `list`, in its order, including labels that occur nowhere (they score
    /// 0/0), and leaves the other labels out of the per-label rows, the averages
    /// and the confusion matrix (not out of the accuracy).
    pub labels: Option<Vec<String>>,
    /// sklearn's `zero_division`.
    pub zero_division: ZeroDivision,
}

impl Default for LabelOptions {
    fn default() -> Self {
        Self {
            labels: None,
            zero_division: ZeroDivision::Zero,
        }
    }
}

impl LabelOptions {
    /// sklearn's defaults ([`LabelOptions::default`]).
    ///
    /// ```
    /// assert_eq!(esc_metrics::LabelOptions::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// With an explicit label list (sklearn's `labels=`), in the order the
    /// report's rows and confusion matrix will have.
    ///
    /// ```
    /// let o = esc_metrics::LabelOptions::new().with_labels(vec!["b".to_string(), "a".into()]);
    /// assert_eq!(o.labels.unwrap(), ["b", "a"]);
    /// ```
    pub fn with_labels<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.labels = Some(labels.into_iter().map(Into::into).collect());
        self
    }

    /// With another zero-division value.
    ///
    /// ```
    /// use esc_metrics::{LabelOptions, ZeroDivision};
    /// let o = LabelOptions::new().with_zero_division(ZeroDivision::Nan);
    /// assert_eq!(o.zero_division, ZeroDivision::Nan);
    /// ```
    pub fn with_zero_division(mut self, zero_division: ZeroDivision) -> Self {
        self.zero_division = zero_division;
        self
    }
}

/// The scores of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScores {
    /// The label.
    pub label: String,
    /// Precision, recall, F1.
    pub scores: Prf,
    /// Number of samples whose true label it is.
    pub support: u64,
}

/// Everything sklearn reports for a classification on string labels.
///
/// Per-label rows and the confusion matrix follow the label order: sorted (by
/// Unicode code point, as Python sorts strings) when no labels were given, the
/// given order otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelReport {
    /// Number of samples.
    pub samples: usize,
    /// `accuracy_score(y_true, y_pred)`: over all samples, whatever the labels.
    pub accuracy: f64,
    /// `average="macro"`.
    pub macro_avg: Prf,
    /// `average="micro"` (equals the accuracy unless an explicit label list leaves
    /// out labels that occur; sklearn's report then shows "micro avg").
    pub micro_avg: Prf,
    /// `average="weighted"` (weights = support).
    pub weighted_avg: Prf,
    /// `average=None`: one row per label, in label order.
    pub per_label: Vec<LabelScores>,
    /// `confusion_matrix(y_true, y_pred, labels=...)`: rows true, columns
    /// predicted, in label order. Samples with a true or predicted label outside
    /// an explicit label list are not counted in it.
    pub confusion_matrix: Vec<Vec<u64>>,
}

impl LabelReport {
    /// The labels, in the report's order.
    ///
    /// ```
    /// use esc_metrics::{classification_report_labels, LabelOptions};
    /// let r = classification_report_labels(&["b", "a"], &["c", "a"], &LabelOptions::new())?;
    /// assert_eq!(r.labels().collect::<Vec<_>>(), ["a", "b", "c"]);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.per_label.iter().map(|s| s.label.as_str())
    }

    /// The scores of `label`, `None` when it is not one of the report's labels.
    ///
    /// ```
    /// use esc_metrics::{classification_report_labels, LabelOptions};
    /// let r = classification_report_labels(&["Greeting"], &["Greeting"], &LabelOptions::new())?;
    /// assert_eq!(r.get("Greeting").map(|s| s.support), Some(1));
    /// assert!(r.get("Question").is_none());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn get(&self, label: &str) -> Option<&LabelScores> {
        self.per_label.iter().find(|s| s.label == label)
    }

    /// The scores of `label`.
    ///
    /// # Errors
    /// [`MetricsError::UnknownKey`] naming the label and listing the report's labels.
    ///
    /// ```
    /// use esc_metrics::{classification_report_labels, LabelOptions};
    /// let r = classification_report_labels(&["Other", "Question"], &["Other", "Other"], &LabelOptions::new())?;
    /// assert_eq!(r.try_get("Other")?.scores.precision, 0.5);
    /// let err = r.try_get("Others").unwrap_err();
    /// assert!(err.to_string().contains("\"Others\""));
    /// assert!(err.to_string().contains("\"Other\", \"Question\""));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn try_get(&self, label: &str) -> Result<&LabelScores, MetricsError> {
        self.get(label).ok_or_else(|| MetricsError::UnknownKey {
            what: "label",
            key: label.to_string(),
            valid: self.labels().map(str::to_string).collect(),
        })
    }
}

/// sklearn's `unique_labels(y_true, y_pred)` for strings: every label of either
/// side once, sorted by Unicode code point (Python's string order).
///
/// ```
/// let labels = esc_metrics::unique_labels(&["b", "Z", "é"], &["a", "b"]);
/// assert_eq!(labels, ["Z", "a", "b", "é"]);
/// ```
pub fn unique_labels<T: AsRef<str>, P: AsRef<str>>(y_true: &[T], y_pred: &[P]) -> Vec<String> {
    let set: BTreeSet<&str> = y_true
        .iter()
        .map(AsRef::as_ref)
        .chain(y_pred.iter().map(AsRef::as_ref))
        .collect();
    set.into_iter().map(str::to_string).collect()
}

/// Accuracy, precision/recall/F1 (per label, macro, micro, weighted) and the
/// confusion matrix of string labels, as scikit-learn 1.9's
/// `classification_report`, `precision_recall_fscore_support`, `accuracy_score`
/// and `confusion_matrix` compute them with the same `labels` and `zero_division`.
///
/// The labels are the sorted union of `y_true` and `y_pred` ([`unique_labels`]),
/// or [`LabelOptions::labels`]. Scores are those of
/// [`classification_report`](crate::classification_report) on the labels mapped to
/// ids. For ESConv's eight strategies as class ids, [`StrategyMetrics`](crate::StrategyMetrics)
/// and `classification_report` stay the convenient choice.
///
/// Cost: the report holds the dense n × n confusion matrix of the n labels
/// (as sklearn's `confusion_matrix` does), so memory grows with n².
///
/// # Errors
/// - [`MetricsError::Empty`] for no samples, or an explicit label list that is
///   empty (sklearn raises);
/// - [`MetricsError::LengthMismatch`] when `y_true` and `y_pred` differ in length;
/// - [`MetricsError::InvalidOption`] for a label given twice in the list (sklearn
///   gives inconsistent numbers then);
/// - [`MetricsError::Undefined`] when no label of the explicit list occurs in
///   `y_true` (sklearn's `confusion_matrix` raises).
///
/// ```
/// use esc_metrics::{classification_report_labels, LabelOptions, ZeroDivision};
/// let y_true = ["Question", "Greeting", "Other", "Question"];
/// let y_pred = ["Question", "Question", "Other", "Affirmation"];
/// let r = classification_report_labels(&y_true, &y_pred, &LabelOptions::new())?;
/// assert_eq!(r.labels().collect::<Vec<_>>(), ["Affirmation", "Greeting", "Other", "Question"]);
/// assert_eq!(r.accuracy, 0.5);
/// let q = r.try_get("Question")?;
/// assert_eq!((q.scores.precision, q.scores.recall, q.support), (0.5, 0.5, 2));
/// assert_eq!(r.confusion_matrix[3], [1, 0, 0, 1]); // true "Question"
///
/// // sklearn's labels=: "Greeting" is never predicted, "Empathy" occurs nowhere.
/// let opts = LabelOptions::new()
///     .with_labels(["Greeting", "Empathy"])
///     .with_zero_division(ZeroDivision::Nan);
/// let r = classification_report_labels(&y_true, &y_pred, &opts)?;
/// assert!(r.try_get("Greeting")?.scores.precision.is_nan());
/// assert_eq!(r.try_get("Greeting")?.scores.recall, 0.0);
/// assert_eq!(r.macro_avg.recall, 0.0); // NaN values are left out of the average
/// assert_eq!(r.confusion_matrix, [[0, 0], [0, 0]]);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn classification_report_labels<T: AsRef<str>, P: AsRef<str>>(
    y_true: &[T],
    y_pred: &[P],
    options: &LabelOptions,
) -> Result<LabelReport, MetricsError> {
    if y_true.len() != y_pred.len() {
        return Err(MetricsError::LengthMismatch {
            what: "y_true vs y_pred",
            left: y_true.len(),
            right: y_pred.len(),
        });
    }
    if y_true.is_empty() {
        return Err(MetricsError::Empty { what: "y_true" });
    }
    let labels = match &options.labels {
        None => unique_labels(y_true, y_pred),
        Some(list) => {
            check_label_list(list)?;
            list.clone()
        }
    };
    // Listed labels get the ids 0..n; every other label shares the id n: it is
    // never scored, and merging such labels keeps every listed label's row and
    // column sums (the accuracy is counted on the strings).
    let index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let n = labels.len();
    let id = |s: &str| index.get(s).copied().unwrap_or(n);
    let golds: Vec<usize> = y_true.iter().map(|s| id(s.as_ref())).collect();
    let preds: Vec<usize> = y_pred.iter().map(|s| id(s.as_ref())).collect();
    if golds.iter().all(|&g| g == n) {
        return Err(MetricsError::Undefined {
            metric: "confusion_matrix with an explicit label list",
            reason: "no label of the list occurs in y_true (sklearn: \"At least one label specified must be in y_true\")",
        });
    }
    let has_other = golds.iter().chain(&preds).any(|&i| i == n);
    let cm = confusion_matrix(&golds, &preds, n + usize::from(has_other))?;
    let correct = y_true
        .iter()
        .zip(y_pred)
        .filter(|(t, p)| t.as_ref() == p.as_ref())
        .count();
    let ids: Vec<usize> = (0..n).collect();
    let report = report_from_confusion(cm, correct, y_true.len(), &ids, options.zero_division);
    let mut cm = report.confusion_matrix;
    cm.truncate(n);
    for row in &mut cm {
        row.truncate(n);
    }
    let per_label = report
        .per_class
        .into_iter()
        .zip(labels)
        .map(|(c, label)| LabelScores {
            label,
            scores: c.scores,
            support: c.support,
        })
        .collect();
    Ok(LabelReport {
        samples: report.samples,
        accuracy: report.accuracy,
        macro_avg: report.macro_avg,
        micro_avg: report.micro_avg,
        weighted_avg: report.weighted_avg,
        per_label,
        confusion_matrix: cm,
    })
}

/// An explicit label list must be non-empty and without repetitions.
fn check_label_list(list: &[String]) -> Result<(), MetricsError> {
    if list.is_empty() {
        return Err(MetricsError::Empty { what: "labels" });
    }
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(list.len());
    for (i, label) in list.iter().enumerate() {
        if let Some(j) = first.insert(label.as_str(), i) {
            return Err(MetricsError::InvalidOption {
                option: "labels",
                value: format!("{label:?} at positions {j} and {i}"),
                expected: "each label once",
            });
        }
    }
    Ok(())
}

//! Strategy classification metrics as scikit-learn 1.9 computes them
//! (`accuracy_score`, `precision_recall_fscore_support` with `average` =
//! `macro`/`micro`/`weighted`/`None`, `confusion_matrix`, `top_k_accuracy_score`).
//!
//! The papers' "F1" column for strategy prediction is `f1_score(golds, preds,
//! average="macro")`: the mean of per-class F1 over the labels present in golds
//! *or* predictions, with a class that is never predicted getting precision 0
//! (sklearn's `zero_division="warn"` value).

use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// Which labels enter the per-class table and the averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabelSet {
    /// sklearn's default (`labels=None`): the sorted union of gold and predicted labels.
    Present,
    /// `labels=range(n_classes)`: every class, even one absent from both sides
    /// (it then scores 0, lowering the macro average).
    All,
}

/// sklearn's `zero_division`: the value of a ratio whose denominator is 0.
///
/// | sklearn 1.9 | here |
/// |---|---|
/// | `"warn"` (the default: 0 and a warning) | [`Zero`](Self::Zero) |
/// | `0` / `0.0` | [`Zero`](Self::Zero) |
/// | `1` / `1.0` | [`One`](Self::One) |
/// | `np.nan` | [`Nan`](Self::Nan) |
///
/// It parses from sklearn's spellings (`"warn"`, `"0"`, `"0.0"`, `"1"`, `"1.0"`, `"nan"`):
///
/// ```
/// use esc_metrics::ZeroDivision;
/// assert_eq!("warn".parse::<ZeroDivision>()?, ZeroDivision::Zero);
/// assert_eq!("nan".parse::<ZeroDivision>()?, ZeroDivision::Nan);
/// assert!("2".parse::<ZeroDivision>().is_err());
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZeroDivision {
    /// 0 (also what `"warn"`, sklearn's default, gives).
    Zero,
    /// 1.
    One,
    /// NaN (sklearn's `zero_division=np.nan`). The only setting under which a
    /// classification score can be NaN: such a per-class value is left out of the
    /// macro and weighted averages (sklearn's `_nanaverage`), and an average of
    /// only NaN values is NaN.
    Nan,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::One => 1.0,
            Self::Nan => f64::NAN,
        }
    }
}

impl std::str::FromStr for ZeroDivision {
    type Err = MetricsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "warn" | "0" | "0.0" => Ok(Self::Zero),
            "1" | "1.0" => Ok(Self::One),
            "nan" | "NaN" | "np.nan" => Ok(Self::Nan),
            _ => Err(MetricsError::InvalidOption {
                option: "zero_division",
                value: s.to_string(),
                expected: "\"warn\", 0, 1 or nan",
            }),
        }
    }
}

/// Options of [`classification_report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationOptions {
    /// Number of classes; labels are `0..n_classes`.
    pub n_classes: usize,
    /// Labels used for per-class scores and averages.
    pub labels: LabelSet,
    /// Value of 0/0 ratios.
    pub zero_division: ZeroDivision,
}

impl ClassificationOptions {
    /// sklearn's defaults: present labels, zero division gives 0.
    ///
    /// ```
    /// use esc_metrics::{ClassificationOptions, LabelSet};
    /// let o = ClassificationOptions::new(8);
    /// assert_eq!(o.labels, LabelSet::Present);
    /// ```
    pub fn new(n_classes: usize) -> Self {
        Self {
            n_classes,
            labels: LabelSet::Present,
            zero_division: ZeroDivision::Zero,
        }
    }

    /// With another label set.
    ///
    /// ```
    /// use esc_metrics::{ClassificationOptions, LabelSet};
    /// assert_eq!(ClassificationOptions::new(8).with_labels(LabelSet::All).labels, LabelSet::All);
    /// ```
    pub fn with_labels(mut self, labels: LabelSet) -> Self {
        self.labels = labels;
        self
    }

    /// With another zero-division value.
    ///
    /// ```
    /// use esc_metrics::{ClassificationOptions, ZeroDivision};
    /// let o = ClassificationOptions::new(8).with_zero_division(ZeroDivision::One);
    /// assert_eq!(o.zero_division, ZeroDivision::One);
    /// ```
    pub fn with_zero_division(mut self, zero_division: ZeroDivision) -> Self {
        self.zero_division = zero_division;
        self
    }
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Scores of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// The class id.
    pub label: usize,
    /// Precision, recall, F1.
    pub scores: Prf,
    /// Number of gold samples of the class.
    pub support: u64,
}

/// Everything sklearn reports for a multi-class prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Number of samples.
    pub samples: usize,
    /// `accuracy_score`.
    pub accuracy: f64,
    /// `average="macro"` (the papers' strategy F1 is `macro.f1`).
    pub macro_avg: Prf,
    /// `average="micro"` (equals accuracy when all labels are used).
    pub micro_avg: Prf,
    /// `average="weighted"` (weights = support).
    pub weighted_avg: Prf,
    /// `average=None`, one row per label of the label set.
    pub per_class: Vec<ClassScores>,
    /// `confusion_matrix(golds, preds, labels=range(n_classes))`: rows gold, columns predicted.
    pub confusion_matrix: Vec<Vec<u64>>,
}

fn check_labels(
    what: &'static str,
    labels: &[usize],
    n_classes: usize,
) -> Result<(), MetricsError> {
    match labels.iter().position(|&l| l >= n_classes) {
        Some(index) => Err(MetricsError::LabelOutOfRange {
            what,
            index,
            label: labels[index],
            n_classes,
        }),
        None => Ok(()),
    }
}

fn check_pair(golds: &[usize], preds: &[usize], n_classes: usize) -> Result<(), MetricsError> {
    if golds.len() != preds.len() {
        return Err(MetricsError::LengthMismatch {
            what: "golds vs preds",
            left: golds.len(),
            right: preds.len(),
        });
    }
    if golds.is_empty() {
        return Err(MetricsError::Empty { what: "golds" });
    }
    check_labels("golds", golds, n_classes)?;
    check_labels("preds", preds, n_classes)
}

/// `confusion_matrix(golds, preds, labels=range(n_classes))`.
///
/// # Errors
/// [`MetricsError::Empty`], [`MetricsError::LengthMismatch`], [`MetricsError::LabelOutOfRange`].
///
/// ```
/// let cm = esc_metrics::confusion_matrix(&[0, 1, 1], &[0, 0, 1], 2)?;
/// assert_eq!(cm, [[1, 0], [1, 1]]);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn confusion_matrix(
    golds: &[usize],
    preds: &[usize],
    n_classes: usize,
) -> Result<Vec<Vec<u64>>, MetricsError> {
    check_pair(golds, preds, n_classes)?;
    let mut cm = vec![vec![0u64; n_classes]; n_classes];
    for (&g, &p) in golds.iter().zip(preds) {
        cm[g][p] += 1;
    }
    Ok(cm)
}

/// `accuracy_score(golds, preds)`.
///
/// # Errors
/// [`MetricsError::Empty`], [`MetricsError::LengthMismatch`].
///
/// ```
/// assert_eq!(esc_metrics::accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2])?, 0.75);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn accuracy(golds: &[usize], preds: &[usize]) -> Result<f64, MetricsError> {
    check_pair(golds, preds, usize::MAX)?;
    let correct = golds.iter().zip(preds).filter(|(g, p)| g == p).count();
    Ok(correct as f64 / golds.len() as f64)
}

/// Accuracy, precision/recall/F1 (per class, macro, micro, weighted) and the
/// confusion matrix, as scikit-learn computes them.
///
/// For string labels (sklearn's usual input) see
/// [`classification_report_labels`](crate::classification_report_labels).
///
/// # Errors
/// [`MetricsError::Empty`], [`MetricsError::LengthMismatch`], [`MetricsError::LabelOutOfRange`].
///
/// ```
/// use esc_metrics::{classification_report, ClassificationOptions};
/// // Class 2 is never predicted: its precision is 0/0 -> 0.
/// let r = classification_report(&[0, 1, 2], &[0, 1, 1], &ClassificationOptions::new(3))?;
/// assert_eq!(r.per_class[2].scores.precision, 0.0);
/// assert!((r.macro_avg.f1 - (1.0 + 2.0 / 3.0 + 0.0) / 3.0).abs() < 1e-12);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn classification_report(
    golds: &[usize],
    preds: &[usize],
    options: &ClassificationOptions,
) -> Result<ClassificationReport, MetricsError> {
    let n = options.n_classes;
    let cm = confusion_matrix(golds, preds, n)?;
    let labels: Vec<usize> = match options.labels {
        LabelSet::All => (0..n).collect(),
        // A label is present when its row (gold) or column (predicted) is not all zero.
        LabelSet::Present => (0..n)
            .filter(|&l| cm[l].iter().any(|&c| c > 0) || cm.iter().any(|row| row[l] > 0))
            .collect(),
    };
    let correct: u64 = (0..n).map(|l| cm[l][l]).sum();
    Ok(report_from_confusion(
        cm,
        correct as usize,
        golds.len(),
        &labels,
        options.zero_division,
    ))
}

/// The one place where the classification scores are computed, from a full
/// confusion matrix `cm` (rows gold, columns predicted, `samples > 0` samples, of
/// which `correct` are right): per-class scores of `labels` in that order, and
/// their macro, micro and weighted averages as sklearn 1.9's
/// `precision_recall_fscore_support` computes them (`_prf_divide`, then
/// `_nanaverage`). `cm` is moved into the report unchanged.
pub(crate) fn report_from_confusion(
    cm: Vec<Vec<u64>>,
    correct: usize,
    samples: usize,
    labels: &[usize],
    zero_division: ZeroDivision,
) -> ClassificationReport {
    let zd = zero_division.value();
    let div = |a: f64, b: f64| if b == 0.0 { zd } else { a / b };

    let mut per_class = Vec::with_capacity(labels.len());
    let (mut tp_all, mut pred_all, mut true_all) = (0u64, 0u64, 0u64);
    for &l in labels {
        let tp = cm[l][l];
        let pred_sum: u64 = cm.iter().map(|row| row[l]).sum();
        let true_sum: u64 = cm[l].iter().sum();
        tp_all += tp;
        pred_all += pred_sum;
        true_all += true_sum;
        per_class.push(ClassScores {
            label: l,
            scores: Prf {
                precision: div(tp as f64, pred_sum as f64),
                recall: div(tp as f64, true_sum as f64),
                f1: div(2.0 * tp as f64, (true_sum + pred_sum) as f64),
            },
            support: true_sum,
        });
    }
    let average = |f: fn(&Prf) -> f64, weighted: bool| {
        let values = per_class.iter().map(|c| (f(&c.scores), c.support));
        nan_average(values, weighted)
    };
    let avg = |weighted: bool| Prf {
        precision: average(|s| s.precision, weighted),
        recall: average(|s| s.recall, weighted),
        f1: average(|s| s.f1, weighted),
    };
    ClassificationReport {
        samples,
        accuracy: correct as f64 / samples as f64,
        macro_avg: avg(false),
        micro_avg: Prf {
            precision: div(tp_all as f64, pred_all as f64),
            recall: div(tp_all as f64, true_all as f64),
            f1: div(2.0 * tp_all as f64, (true_all + pred_all) as f64),
        },
        weighted_avg: avg(true),
        per_class,
        confusion_matrix: cm,
    }
}

/// sklearn's `_nanaverage`: the mean (or the support-weighted mean) of the values
/// that are not NaN; NaN when there are none; the plain mean when the weights of
/// the values kept sum to 0. Without NaN values (zero division 0 or 1) this is the
/// plain macro or weighted average.
fn nan_average(values: impl Iterator<Item = (f64, u64)>, weighted: bool) -> f64 {
    let (mut sum, mut count, mut weighted_sum, mut weight) = (0.0, 0usize, 0.0, 0u64);
    for (v, w) in values.filter(|(v, _)| !v.is_nan()) {
        sum += v;
        count += 1;
        weighted_sum += v * w as f64;
        weight += w;
    }
    if count == 0 {
        f64::NAN
    } else if weighted && weight > 0 {
        weighted_sum / weight as f64
    } else {
        sum / count as f64
    }
}

/// `f1_score(golds, preds, average="macro")` (sklearn defaults): the strategy F1 of
/// the ESC papers.
///
/// # Errors
/// As [`classification_report`].
///
/// ```
/// let f1 = esc_metrics::macro_f1(&[0, 0, 1, 1], &[0, 1, 1, 1], 8)?;
/// assert!((f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn macro_f1(golds: &[usize], preds: &[usize], n_classes: usize) -> Result<f64, MetricsError> {
    Ok(
        classification_report(golds, preds, &ClassificationOptions::new(n_classes))?
            .macro_avg
            .f1,
    )
}

/// `top_k_accuracy_score(golds, scores, k=k, labels=range(n_classes))`: the share
/// of samples whose gold class is among the `k` highest scores. Ties rank the
/// higher class id first, as sklearn's reversed stable argsort does.
///
/// # Errors
/// [`MetricsError::Empty`], [`MetricsError::LengthMismatch`] (also for a score row
/// of another width than the first), [`MetricsError::LabelOutOfRange`],
/// [`MetricsError::NonFinite`], [`MetricsError::InvalidOption`] for `k == 0`.
///
/// ```
/// let scores = [[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]];
/// assert_eq!(esc_metrics::top_k_accuracy(&scores, &[2, 0], 1)?, 0.0);
/// // Tie between classes 0 and 1: class 1 ranks first, so class 0 is third.
/// assert_eq!(esc_metrics::top_k_accuracy(&scores, &[2, 0], 2)?, 0.5);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn top_k_accuracy<S: AsRef<[f64]>>(
    scores: &[S],
    golds: &[usize],
    k: usize,
) -> Result<f64, MetricsError> {
    if k == 0 {
        return Err(MetricsError::InvalidOption {
            option: "k",
            value: "0".into(),
            expected: "k >= 1",
        });
    }
    if scores.len() != golds.len() {
        return Err(MetricsError::LengthMismatch {
            what: "scores vs golds",
            left: scores.len(),
            right: golds.len(),
        });
    }
    let Some(first) = scores.first() else {
        return Err(MetricsError::Empty { what: "scores" });
    };
    let n_classes = first.as_ref().len();
    check_labels("golds", golds, n_classes)?;
    let mut hits = 0usize;
    for (i, (row, &g)) in scores.iter().zip(golds).enumerate() {
        let row = row.as_ref();
        if row.len() != n_classes {
            return Err(MetricsError::LengthMismatch {
                what: "score row width vs number of classes",
                left: row.len(),
                right: n_classes,
            });
        }
        if let Some(&bad) = row.iter().find(|s| !s.is_finite()) {
            return Err(MetricsError::NonFinite {
                what: "scores",
                index: i,
                value: bad,
            });
        }
        let sg = row[g];
        let rank = row
            .iter()
            .enumerate()
            .filter(|&(j, &s)| s > sg || (s == sg && j > g))
            .count();
        if rank < k {
            hits += 1;
        }
    }
    Ok(hits as f64 / golds.len() as f64)
}

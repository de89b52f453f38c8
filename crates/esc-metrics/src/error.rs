//! The crate's error type: every failure names what was wrong and what was expected.

/// Why a metric could not be computed.
///
/// Metric functions never panic on user data and never return NaN (unless asked
/// to, with [`ZeroDivision::Nan`](crate::ZeroDivision::Nan)): empty corpora,
/// mismatched lengths, out-of-range labels, unknown keys and undefined smoothing
/// cases are reported here instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// A corpus or sample list was empty where at least one item is needed.
    #[error("{what} is empty: at least one item is needed")]
    Empty {
        /// What was empty (e.g. "hypotheses").
        what: &'static str,
    },
    /// Two inputs that must have one entry per item have different lengths.
    #[error("{what}: {left} vs {right} entries; expected the same number")]
    LengthMismatch {
        /// Which inputs (e.g. "hypotheses vs references").
        what: &'static str,
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// An item had no reference at all (nltk raises `ValueError` here).
    #[error("item {index} has no reference; expected at least one")]
    NoReferences {
        /// 0-based index of the item.
        index: usize,
    },
    /// An option is outside its valid range.
    #[error("invalid option {option} = {value}; expected {expected}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A class label is not below the number of classes.
    #[error("{what}[{index}] = {label} is not a class id; expected < {n_classes}")]
    LabelOutOfRange {
        /// Which input (e.g. "golds").
        what: &'static str,
        /// 0-based index of the sample.
        index: usize,
        /// The label found.
        label: usize,
        /// The number of classes.
        n_classes: usize,
    },
    /// A number that must be finite (a score, a loss) was NaN or infinite.
    #[error("{what}[{index}] = {value} is not finite")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// 0-based index of the value.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Fewer items than a statistic needs (e.g. a sample standard deviation of one value).
    #[error("{what}: {got} given; at least {needed} are needed")]
    TooFew {
        /// What was counted (e.g. "values of a confidence interval").
        what: &'static str,
        /// How many were given.
        got: usize,
        /// The least number accepted.
        needed: usize,
    },
    /// An index into a list of items is not below the list's length.
    #[error("{what}[{index}] = {value} is out of range; expected < {len}")]
    IndexOutOfRange {
        /// Which input (e.g. "indices").
        what: &'static str,
        /// 0-based position of the offending index in the input.
        index: usize,
        /// The index found.
        value: usize,
        /// The number of items it indexes.
        len: usize,
    },
    /// A lookup by name found nothing: a metric key of
    /// [`GenerationReport::try_get`](crate::GenerationReport::try_get), a label of
    /// [`LabelReport::try_get`](crate::LabelReport::try_get).
    #[error("unknown {what} {key:?}; expected one of: {}", list_names(valid))]
    UnknownKey {
        /// What was looked up (e.g. "generation metric key").
        what: &'static str,
        /// The name given.
        key: String,
        /// Every name accepted, in the report's order.
        valid: Vec<String>,
    },
    /// The reference implementation has no value for this input (it raises).
    #[error("{metric} is undefined here: {reason}")]
    Undefined {
        /// The metric (e.g. "BLEU with smoothing method6").
        metric: &'static str,
        /// Why, in the reference's terms.
        reason: &'static str,
    },
}

/// `"a", "b", "c"`: names quoted as Rust debug strings, so that a label with a
/// comma or a space stays readable.
fn list_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

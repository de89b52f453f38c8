//! Distinct-n: the number of distinct n-grams over all hypotheses divided by the
//! number of n-grams (Li et al. 2016), in two variants.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash};

use serde::{Deserialize, Serialize};

use crate::MetricsError;
use crate::hash::FxHasher;

/// Which n-grams of a sentence are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DistinctVariant {
    /// The ESC reference (`calc_distinct_k` in the ESConv authors' `myMetrics.py`):
    /// `for i in range(0, len(sen) - k)`, which skips the last n-gram of every
    /// sentence (off by one). Use it to reproduce published numbers.
    Reference,
    /// All `len - n + 1` n-grams of every sentence.
    Standard,
}

/// Corpus Distinct-n in [0, 1] (x100 for the usual tables).
///
/// Returns 0 when no sentence has an n-gram (the reference's defined value).
///
/// # Errors
/// [`MetricsError::Empty`] for no hypotheses, [`MetricsError::InvalidOption`] for `n == 0`.
///
/// ```
/// use esc_metrics::{distinct_n, DistinctVariant};
/// let hyps = [vec!["a", "b", "a", "b"]];
/// assert_eq!(distinct_n(&hyps, 1, DistinctVariant::Standard)?, 0.5);
/// // The reference variant sees only "a b a": 2 distinct of 3.
/// assert_eq!(distinct_n(&hyps, 1, DistinctVariant::Reference)?, 2.0 / 3.0);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn distinct_n<T, H>(
    hypotheses: &[H],
    n: usize,
    variant: DistinctVariant,
) -> Result<f64, MetricsError>
where
    T: Eq + Hash,
    H: AsRef<[T]>,
{
    if n == 0 {
        return Err(MetricsError::InvalidOption {
            option: "n",
            value: "0".into(),
            expected: "an n-gram order >= 1",
        });
    }
    if hypotheses.is_empty() {
        return Err(MetricsError::Empty { what: "hypotheses" });
    }
    let mut seen: HashSet<&[T], BuildHasherDefault<FxHasher>> = HashSet::default();
    let mut total = 0usize;
    for h in hypotheses {
        let h = h.as_ref();
        let count = match variant {
            DistinctVariant::Reference => h.len().saturating_sub(n),
            DistinctVariant::Standard => (h.len() + 1).saturating_sub(n),
        };
        for i in 0..count {
            seen.insert(&h[i..i + n]);
        }
        total += count;
    }
    Ok(if total == 0 {
        0.0
    } else {
        seen.len() as f64 / total as f64
    })
}

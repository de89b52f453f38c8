//! Unigram F1 as the ESC reference computes it (`calc_unigram_f1` in the ESConv
//! authors' `myMetrics.py`): bag-of-tokens overlap (`Counter(hyp) & Counter(ref)`),
//! F1 per reference, the best reference per sentence, then the mean over sentences.
//! Not to be confused with the strategy macro-F1 of the papers' "F1" column.

use std::hash::Hash;

use crate::MetricsError;
use crate::hash::FxHashMap;

/// Sentence unigram F1 in [0, 1], the maximum over the references.
///
/// `P = overlap / len(hyp)`, `R = overlap / len(ref)` (empty sides divide by 1e-10,
/// giving 0), `F1 = 2 P R / max(P + R, 1e-10)`.
///
/// # Errors
/// [`MetricsError::NoReferences`] for an empty reference list.
///
/// ```
/// let f1 = esc_metrics::unigram_f1(&["a", "a", "b"], &[vec!["a", "c"]])?;
/// let (p, r) = (1.0 / 3.0, 1.0 / 2.0);
/// assert!((f1 - 2.0 * p * r / (p + r)).abs() < 1e-15);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn unigram_f1<T, R>(hypothesis: &[T], references: &[R]) -> Result<f64, MetricsError>
where
    T: Eq + Hash,
    R: AsRef<[T]>,
{
    if references.is_empty() {
        return Err(MetricsError::NoReferences { index: 0 });
    }
    let mut hyp_counts: FxHashMap<&T, u32> = FxHashMap::default();
    for t in hypothesis {
        *hyp_counts.entry(t).or_default() += 1;
    }
    let mut best = f64::NEG_INFINITY;
    let mut left: FxHashMap<&T, u32> = FxHashMap::default();
    for r in references {
        let r = r.as_ref();
        left.clone_from(&hyp_counts);
        let mut overlap = 0u32;
        for t in r {
            if let Some(c) = left.get_mut(t)
                && *c > 0
            {
                *c -= 1;
                overlap += 1;
            }
        }
        best = best.max(f1_of_overlap(overlap, hypothesis.len(), r.len()));
    }
    Ok(best)
}

/// The reference's F1 of one hypothesis/reference pair from their bag overlap.
pub(crate) fn f1_of_overlap(overlap: u32, hyp_len: usize, ref_len: usize) -> f64 {
    let overlap = f64::from(overlap);
    let p = overlap / (hyp_len as f64).max(1e-10);
    let rc = overlap / (ref_len as f64).max(1e-10);
    2.0 * p * rc / (p + rc).max(1e-10)
}

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

/// Distinct-n of interned token ids, both variants at once: `(reference,
/// standard)`, each equal to [`distinct_n`] of the same hypotheses. `flat` holds
/// the hypotheses back to back, `ends` where each one ends, and every id is below
/// `vocab`.
///
/// Instead of a set of slices, each n-gram is packed into one `u64` (when `n` ids
/// of `vocab`'s bit width fit, as on any real corpus), with a low bit marking a
/// hypothesis's last n-gram (the one the reference variant skips); the keys are
/// sorted and runs of equal n-grams counted. Otherwise the slice sets are used.
pub(crate) fn distinct_ids(flat: &[u32], ends: &[usize], n: usize, vocab: usize) -> (f64, f64) {
    let ratio = |seen: usize, total: usize| {
        if total == 0 {
            0.0
        } else {
            seen as f64 / total as f64
        }
    };
    let bits = (usize::BITS - vocab.saturating_sub(1).leading_zeros()).max(1) as usize;
    if n * bits + 1 > 64 {
        let mut start = 0;
        let hyps: Vec<&[u32]> = ends
            .iter()
            .map(|&end| {
                let h = &flat[start..end];
                start = end;
                h
            })
            .collect();
        let d = |v| distinct_n(&hyps, n, v).expect("n >= 1 and hypotheses");
        return (d(DistinctVariant::Reference), d(DistinctVariant::Standard));
    }
    let mut keys: Vec<u64> = Vec::with_capacity(flat.len());
    let mut start = 0;
    for &end in ends {
        let h = &flat[start..end];
        start = end;
        let count = (h.len() + 1).saturating_sub(n);
        for i in 0..count {
            let packed = h[i..i + n]
                .iter()
                .fold(0u64, |k, &t| (k << bits) | u64::from(t));
            keys.push((packed << 1) | u64::from(i + 1 == count));
        }
    }
    let total_standard = keys.len();
    let total_reference = total_standard - keys.iter().filter(|&&k| k & 1 == 1).count();
    keys.sort_unstable();
    let (mut seen_standard, mut seen_reference) = (0, 0);
    let mut i = 0;
    while i < keys.len() {
        // A run of one n-gram: flag-0 keys (not last in their hypothesis) sort first.
        seen_standard += 1;
        if keys[i] & 1 == 0 {
            seen_reference += 1;
        }
        let ngram = keys[i] >> 1;
        while i < keys.len() && keys[i] >> 1 == ngram {
            i += 1;
        }
    }
    (
        ratio(seen_reference, total_reference),
        ratio(seen_standard, total_standard),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_and_fallback_paths_equal_distinct_n() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..200 {
            let hyps: Vec<Vec<u32>> = (0..1 + next(12))
                .map(|_| (0..next(9)).map(|_| next(6) as u32).collect())
                .collect();
            let mut flat = Vec::new();
            let mut ends = Vec::new();
            for h in &hyps {
                flat.extend_from_slice(h);
                ends.push(flat.len());
            }
            for n in 1..=5 {
                let want = (
                    distinct_n(&hyps, n, DistinctVariant::Reference).unwrap(),
                    distinct_n(&hyps, n, DistinctVariant::Standard).unwrap(),
                );
                // A small vocabulary packs n-grams into u64 keys; a huge one
                // (31-bit ids) takes the slice-set path from n = 3 on.
                assert_eq!(distinct_ids(&flat, &ends, n, 6), want);
                assert_eq!(distinct_ids(&flat, &ends, n, 1 << 31), want);
            }
        }
    }
}

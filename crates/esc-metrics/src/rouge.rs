//! ROUGE-L as the ESC reference computes it (`calc_rouge_l` in the ESConv authors'
//! `myMetrics.py`, after the coco-caption `Rouge` scorer): LCS precision and recall
//! on tokens, each maximised over the references *separately*, combined into an
//! F-measure with `beta = 1.2`; the corpus value is the mean over sentences.

use crate::MetricsError;

/// The reference's `beta`.
pub const ROUGE_BETA: f64 = 1.2;

/// Length of the longest common subsequence of two token sequences.
///
/// ```
/// assert_eq!(esc_metrics::lcs_len(&["a", "b", "c", "d"], &["b", "d", "a"]), 2);
/// ```
pub fn lcs_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    lcs_len_in(a, b, &mut Vec::new())
}

/// [`lcs_len`] of interned token ids (each below `masks.len()`; `masks` is all
/// zero and left so). When the shorter side has at most 64 tokens, the
/// bit-parallel algorithm of Crochemore et al. (2001) computes the same length in
/// one word operation per token of the longer side; else the dynamic programme
/// runs on `row`.
pub(crate) fn lcs_len_ids(a: &[u32], b: &[u32], masks: &mut [u64], row: &mut Vec<u32>) -> usize {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if short.len() > 64 {
        return lcs_len_in(a, b, row);
    }
    for (j, &y) in short.iter().enumerate() {
        masks[y as usize] |= 1 << j;
    }
    // Bit j of `v` is 0 where the LCS row increases at column j.
    let mut v = u64::MAX;
    for &x in long {
        let u = v & masks[x as usize];
        v = v.wrapping_add(u) | (v - u);
    }
    for &y in short {
        masks[y as usize] = 0;
    }
    let used = if short.len() == 64 {
        u64::MAX
    } else {
        (1u64 << short.len()) - 1
    };
    (!v & used).count_ones() as usize
}

/// [`lcs_len`] with a caller-owned row buffer (no allocation once it is large enough).
fn lcs_len_in<T: PartialEq>(a: &[T], b: &[T], row: &mut Vec<u32>) -> usize {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    row.clear();
    row.resize(short.len() + 1, 0);
    for x in long {
        let mut diag = 0u32;
        for (j, y) in short.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[short.len()] as usize
}

/// Sentence ROUGE-L F-measure in [0, 1].
///
/// `precision = max_r lcs / len(hyp)`, `recall = max_r lcs / len(ref)` (an empty side
/// divides by 1e-10 as the reference does, giving 0), and
/// `(1 + beta^2) P R / (R + beta^2 P)`, or 0 if either is 0.
///
/// # Errors
/// [`MetricsError::NoReferences`] for an empty reference list;
/// [`MetricsError::InvalidOption`] for a non-finite or negative `beta`.
///
/// ```
/// use esc_metrics::{rouge_l, ROUGE_BETA};
/// let s = rouge_l(&["the", "cat", "sat"], &[vec!["the", "cat"]], ROUGE_BETA)?;
/// let (p, r, b2) = (2.0 / 3.0, 1.0, 1.2f64 * 1.2);
/// assert!((s - (1.0 + b2) * p * r / (r + b2 * p)).abs() < 1e-15);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn rouge_l<T, R>(hypothesis: &[T], references: &[R], beta: f64) -> Result<f64, MetricsError>
where
    T: PartialEq,
    R: AsRef<[T]>,
{
    rouge_l_with(hypothesis, references, beta, lcs_len)
}

/// [`rouge_l`] with the LCS length computed by `lcs` (the same value, faster).
pub(crate) fn rouge_l_with<T, R>(
    hypothesis: &[T],
    references: &[R],
    beta: f64,
    mut lcs: impl FnMut(&[T], &[T]) -> usize,
) -> Result<f64, MetricsError>
where
    T: PartialEq,
    R: AsRef<[T]>,
{
    if !beta.is_finite() || beta < 0.0 {
        return Err(MetricsError::InvalidOption {
            option: "beta",
            value: beta.to_string(),
            expected: "a finite, non-negative number",
        });
    }
    if references.is_empty() {
        return Err(MetricsError::NoReferences { index: 0 });
    }
    let mut p_max = f64::NEG_INFINITY;
    let mut r_max = f64::NEG_INFINITY;
    for r in references {
        let r = r.as_ref();
        let lcs = lcs(r, hypothesis) as f64;
        p_max = p_max.max(lcs / (hypothesis.len() as f64).max(1e-10));
        r_max = r_max.max(lcs / (r.len() as f64).max(1e-10));
    }
    if p_max != 0.0 && r_max != 0.0 {
        let b2 = beta * beta;
        Ok(((1.0 + b2) * p_max * r_max) / (r_max + b2 * p_max))
    } else {
        Ok(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_parallel_lcs_equals_the_dynamic_programme() {
        // Pseudo-random id sequences of lengths 0..=130 over small alphabets, so the
        // 64-token word boundary and both code paths are crossed.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut masks = vec![0u64; 16];
        let mut row = Vec::new();
        for _ in 0..3000 {
            let alphabet = 1 + next(16);
            let a: Vec<u32> = (0..next(131)).map(|_| next(alphabet) as u32).collect();
            let b: Vec<u32> = (0..next(131)).map(|_| next(alphabet) as u32).collect();
            assert_eq!(
                lcs_len_ids(&a, &b, &mut masks, &mut row),
                lcs_len(&a, &b),
                "{a:?} / {b:?}"
            );
            assert!(masks.iter().all(|&m| m == 0));
        }
    }
}

//! BLEU as nltk 3.10 computes it (`nltk.translate.bleu_score`): `corpus_bleu`,
//! `sentence_bleu` and every `SmoothingFunction` method, including their quirks.
//!
//! The ESC papers report `corpus_bleu` with `SmoothingFunction().method3` and the
//! weights `[1/k]*k + [0]*(4-k)` (four orders always, zeros beyond k), x100:
//! [`BleuOptions::esc`]. Corpus statistics are micro-averaged (clipped n-gram
//! matches and totals summed over the corpus, closest reference lengths summed for
//! the brevity penalty), so the result does not depend on the order of the pairs,
//! except with smoothing methods 5, 6 and 7: nltk applies them with the *last*
//! pair's hypothesis and references even at corpus level, and so do we.

use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::MetricsError;
use crate::hash::FxHashMap;

/// nltk's `SmoothingFunction` methods (Chen & Cherry 2014). Parameter defaults are
/// nltk's: `epsilon = 0.1`, `alpha = 5`, `k = 5` ([`Smoothing::nltk`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Smoothing {
    /// `method0`: no smoothing. A zero precision becomes `sys.float_info.min`, so the
    /// score is (nearly) 0 when an order has no match.
    Method0,
    /// `method1`: add `epsilon` to zero match counts.
    Method1 {
        /// Count added to zero numerators.
        epsilon: f64,
    },
    /// `method2`: add 1 to numerator and denominator of orders >= 2 (Lin & Och 2004).
    Method2,
    /// `method3`: NIST geometric smoothing, the k-th zero precision becomes
    /// `1 / (2^k * total)`. The ESC reference uses this one.
    Method3,
    /// `method4`: like method3 but scaled by `ln(hyp_len) / k` (shorter hypotheses get less).
    Method4 {
        /// nltk's `k`.
        k: f64,
    },
    /// `method5`: average of the n-1, n and n+1 precisions (n+1 = 5-gram precision of
    /// the last pair).
    Method5,
    /// `method6`: interpolation with a prior from the two lower orders (Gao & He
    /// 2013). Needs at least 3 orders and a non-zero trigram precision.
    Method6 {
        /// nltk's `alpha`.
        alpha: f64,
    },
    /// `method7`: method4 then method5.
    Method7 {
        /// nltk's `k` (of method4).
        k: f64,
    },
}

impl Smoothing {
    /// Whether the method reads nltk's order-5 precision of the last pair.
    pub(crate) fn needs_order_5(&self) -> bool {
        matches!(self, Self::Method5 | Self::Method7 { .. })
    }

    /// `SmoothingFunction().method{n}` with nltk's default parameters.
    ///
    /// ```
    /// use esc_metrics::Smoothing;
    /// assert_eq!(Smoothing::nltk(3)?, Smoothing::Method3);
    /// assert_eq!(Smoothing::nltk(1)?, Smoothing::Method1 { epsilon: 0.1 });
    /// assert!(Smoothing::nltk(8).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn nltk(method: u8) -> Result<Self, MetricsError> {
        Ok(match method {
            0 => Self::Method0,
            1 => Self::Method1 { epsilon: 0.1 },
            2 => Self::Method2,
            3 => Self::Method3,
            4 => Self::Method4 { k: 5.0 },
            5 => Self::Method5,
            6 => Self::Method6 { alpha: 5.0 },
            7 => Self::Method7 { k: 5.0 },
            _ => {
                return Err(MetricsError::InvalidOption {
                    option: "smoothing method",
                    value: method.to_string(),
                    expected: "0..=7 (nltk SmoothingFunction().method0..method7)",
                });
            }
        })
    }
}

/// Weights and smoothing of a BLEU computation (nltk's `weights` and `smoothing_function`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BleuOptions {
    /// One weight per n-gram order, from unigrams up. Its length is the number of
    /// orders nltk computes (which matters for smoothing methods 5 to 7).
    pub weights: Vec<f64>,
    /// The smoothing method.
    pub smoothing: Smoothing,
}

impl BleuOptions {
    /// nltk's usual shape: `weights = (1/k,) * k`.
    ///
    /// ```
    /// use esc_metrics::{BleuOptions, Smoothing};
    /// let o = BleuOptions::uniform(2, Smoothing::Method0);
    /// assert_eq!(o.weights, [0.5, 0.5]);
    /// ```
    pub fn uniform(max_order: usize, smoothing: Smoothing) -> Self {
        Self {
            weights: vec![1.0 / max_order as f64; max_order],
            smoothing,
        }
    }

    /// The ESC reference's BLEU-k: weights `[1/k]*k + [0]*(4-k)`, `method3`.
    ///
    /// ```
    /// let o = esc_metrics::BleuOptions::esc(2);
    /// assert_eq!(o.weights, [0.5, 0.5, 0.0, 0.0]);
    /// ```
    pub fn esc(k: usize) -> Self {
        let mut weights = vec![1.0 / k as f64; k];
        weights.resize(k.max(4), 0.0);
        Self {
            weights,
            smoothing: Smoothing::Method3,
        }
    }

    fn validate(&self) -> Result<(), MetricsError> {
        if self.weights.is_empty() {
            return Err(MetricsError::InvalidOption {
                option: "weights",
                value: "[]".into(),
                expected: "at least one n-gram weight",
            });
        }
        if let Some(w) = self.weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(MetricsError::InvalidOption {
                option: "weights",
                value: w.to_string(),
                expected: "finite, non-negative weights",
            });
        }
        let param = match self.smoothing {
            Smoothing::Method1 { epsilon: p }
            | Smoothing::Method4 { k: p }
            | Smoothing::Method6 { alpha: p }
            | Smoothing::Method7 { k: p } => p,
            _ => 1.0,
        };
        if !param.is_finite() || param <= 0.0 {
            return Err(MetricsError::InvalidOption {
                option: "smoothing parameter",
                value: param.to_string(),
                expected: "a finite, positive number",
            });
        }
        Ok(())
    }
}

/// A BLEU value with the statistics it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BleuScore {
    /// BLEU in [0, 1] (x100 for the usual tables). nltk's method6 can exceed 1.
    pub bleu: f64,
    /// Clipped n-gram matches per order.
    pub matches: Vec<u64>,
    /// Hypothesis n-gram counts per order (each sentence counts at least 1, as in nltk).
    pub totals: Vec<u64>,
    /// Precisions after smoothing, per order.
    pub precisions: Vec<f64>,
    /// The brevity penalty.
    pub brevity_penalty: f64,
    /// Total hypothesis length (tokens).
    pub hyp_len: u64,
    /// Total closest-reference length (tokens).
    pub ref_len: u64,
}

/// Sufficient statistics of corpus BLEU, accumulated pair by pair.
///
/// ```
/// use esc_metrics::{BleuOptions, BleuStats};
/// let mut stats = BleuStats::new(4);
/// stats.add(&["the", "cat", "sat", "down"], &[vec!["the", "cat", "sat", "down"]])?;
/// assert_eq!(stats.score(&BleuOptions::esc(4))?.bleu, 1.0);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BleuStats {
    max_order: usize,
    pairs: usize,
    matches: Vec<u64>,
    totals: Vec<u64>,
    hyp_len: u64,
    ref_len: u64,
    /// Hypothesis length of the last pair (method6 counts its n-grams).
    last_hyp_len: usize,
    /// 5-gram modified precision of the last pair (method5's extra order).
    last_p5: (u64, u64),
}

impl BleuStats {
    /// Empty statistics for n-gram orders `1..=max_order`.
    ///
    /// ```
    /// let stats = esc_metrics::BleuStats::new(4);
    /// assert_eq!(stats.pairs(), 0);
    /// ```
    pub fn new(max_order: usize) -> Self {
        Self {
            max_order,
            pairs: 0,
            matches: vec![0; max_order],
            totals: vec![0; max_order],
            hyp_len: 0,
            ref_len: 0,
            last_hyp_len: 0,
            last_p5: (0, 1),
        }
    }

    /// Number of pairs added.
    ///
    /// ```
    /// let mut stats = esc_metrics::BleuStats::new(2);
    /// stats.add(&["a"], &[vec!["a"]])?;
    /// assert_eq!(stats.pairs(), 1);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn pairs(&self) -> usize {
        self.pairs
    }

    /// Adds one hypothesis and its references.
    ///
    /// # Errors
    /// [`MetricsError::NoReferences`] when `references` is empty (nltk raises).
    ///
    /// ```
    /// let mut stats = esc_metrics::BleuStats::new(4);
    /// stats.add(&[1u32, 2, 3], &[vec![1u32, 2], vec![3]])?;
    /// assert!(stats.add(&[1u32], &Vec::<Vec<u32>>::new()).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn add<T, R>(&mut self, hypothesis: &[T], references: &[R]) -> Result<(), MetricsError>
    where
        T: Eq + Hash,
        R: AsRef<[T]>,
    {
        if references.is_empty() {
            return Err(MetricsError::NoReferences { index: self.pairs });
        }
        for n in 1..=self.max_order {
            let (m, t) = modified_precision(hypothesis, references, n);
            self.matches[n - 1] += m;
            self.totals[n - 1] += t;
        }
        let hyp_len = hypothesis.len();
        self.hyp_len += hyp_len as u64;
        self.ref_len += closest_ref_length(references, hyp_len) as u64;
        self.last_hyp_len = hyp_len;
        self.last_p5 = modified_precision(hypothesis, references, 5);
        self.pairs += 1;
        Ok(())
    }

    /// Adds the pairs of `other` after those of `self`: the same statistics as
    /// adding `other`'s pairs, in order, to `self` with [`add`](Self::add). Sums
    /// are summed; the last-pair fields that smoothing methods 5, 6 and 7 read
    /// (nltk applies them to the corpus's last pair) come from `other`'s last pair,
    /// unless `other` is empty, which changes nothing.
    ///
    /// So a caller can keep one `BleuStats` per example and merge any subset (e.g.
    /// a bootstrap resample, repetitions included) to get its corpus BLEU.
    ///
    /// # Errors
    /// [`MetricsError::LengthMismatch`] when the two were collected with different
    /// `max_order`s (`self` is left unchanged).
    ///
    /// ```
    /// use esc_metrics::{BleuOptions, BleuStats};
    /// let pairs = [(vec!["a", "b", "c"], vec!["a", "b", "d"]), (vec!["b", "c"], vec!["b", "c"])];
    /// let mut all = BleuStats::new(4);
    /// let mut merged = BleuStats::new(4);
    /// for (hyp, reference) in &pairs {
    ///     all.add(hyp, &[reference])?;
    ///     let mut one = BleuStats::new(4);
    ///     one.add(hyp, &[reference])?;
    ///     merged.merge(&one)?;
    /// }
    /// assert_eq!(merged, all);
    /// assert!(merged.merge(&BleuStats::new(2)).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn merge(&mut self, other: &BleuStats) -> Result<(), MetricsError> {
        if other.max_order != self.max_order {
            return Err(MetricsError::LengthMismatch {
                what: "BLEU statistics' max_order, self vs other",
                left: self.max_order,
                right: other.max_order,
            });
        }
        if other.pairs == 0 {
            return Ok(());
        }
        for (m, o) in self.matches.iter_mut().zip(&other.matches) {
            *m += o;
        }
        for (t, o) in self.totals.iter_mut().zip(&other.totals) {
            *t += o;
        }
        self.hyp_len += other.hyp_len;
        self.ref_len += other.ref_len;
        self.last_hyp_len = other.last_hyp_len;
        self.last_p5 = other.last_p5;
        self.pairs += other.pairs;
        Ok(())
    }

    /// [`add`](Self::add) from precounted statistics: `clipped[n - 1]` and
    /// `totals[n - 1]` as `modified_precision` returns them for orders
    /// `1..=max_order` and, for smoothing methods 5 and 7, order 5 (a caller that
    /// never scores with those may leave it out), the hypothesis length and the
    /// closest reference length.
    pub(crate) fn add_counts(
        &mut self,
        clipped: &[u64],
        totals: &[u64],
        hyp_len: usize,
        closest_ref_len: usize,
    ) {
        for n in 0..self.max_order {
            self.matches[n] += clipped[n];
            self.totals[n] += totals[n];
        }
        self.hyp_len += hyp_len as u64;
        self.ref_len += closest_ref_len as u64;
        self.last_hyp_len = hyp_len;
        if let (Some(&c), Some(&t)) = (clipped.get(4), totals.get(4)) {
            self.last_p5 = (c, t);
        }
        self.pairs += 1;
    }

    /// Corpus BLEU from the statistics (nltk `corpus_bleu`).
    ///
    /// # Errors
    /// [`MetricsError::Empty`] without pairs; [`MetricsError::InvalidOption`] for bad
    /// weights or more weights than orders collected; [`MetricsError::Undefined`]
    /// where nltk raises (method6 without a trigram match).
    ///
    /// ```
    /// use esc_metrics::{BleuOptions, BleuStats, Smoothing};
    /// let mut stats = BleuStats::new(4);
    /// stats.add(&["a", "b", "c"], &[vec!["a", "b", "d"]])?;
    /// let plain = stats.score(&BleuOptions::uniform(4, Smoothing::Method0))?;
    /// let smoothed = stats.score(&BleuOptions::esc(4))?;
    /// assert!(plain.bleu < 1e-100 && smoothed.bleu > 0.1);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn score(&self, options: &BleuOptions) -> Result<BleuScore, MetricsError> {
        options.validate()?;
        let k = options.weights.len();
        if k > self.max_order {
            return Err(MetricsError::InvalidOption {
                option: "weights",
                value: format!("{k} orders"),
                expected: "at most the max_order the statistics were collected with",
            });
        }
        if self.pairs == 0 {
            return Err(MetricsError::Empty {
                what: "BLEU corpus",
            });
        }
        let bp = brevity_penalty(self.ref_len, self.hyp_len);
        let mut score = BleuScore {
            bleu: 0.0,
            matches: self.matches[..k].to_vec(),
            totals: self.totals[..k].to_vec(),
            precisions: (0..k)
                .map(|i| ratio(self.matches[i], self.totals[i]))
                .collect(),
            brevity_penalty: bp,
            hyp_len: self.hyp_len,
            ref_len: self.ref_len,
        };
        if self.matches[0] == 0 {
            return Ok(score);
        }
        let p = self.smooth(&options.smoothing, k)?;
        let terms: Vec<f64> = options
            .weights
            .iter()
            .zip(&p)
            .filter(|(_, p)| **p > 0.0)
            .map(|(w, p)| w * p.ln())
            .collect();
        score.bleu = bp * fsum(&terms).exp();
        score.precisions = p;
        Ok(score)
    }

    /// The smoothed precisions of the first `k` orders.
    fn smooth(&self, smoothing: &Smoothing, k: usize) -> Result<Vec<f64>, MetricsError> {
        let num = &self.matches[..k];
        let den = &self.totals[..k];
        let mut p: Vec<f64> = (0..k).map(|i| ratio(num[i], den[i])).collect();
        match *smoothing {
            Smoothing::Method0 => {
                for i in 0..k {
                    if num[i] == 0 {
                        p[i] = f64::MIN_POSITIVE;
                    }
                }
            }
            Smoothing::Method1 { epsilon } => {
                for i in 0..k {
                    if num[i] == 0 {
                        p[i] = epsilon / den[i] as f64;
                    }
                }
            }
            Smoothing::Method2 => {
                for i in 1..k {
                    p[i] = ratio(num[i] + 1, den[i] + 1);
                }
            }
            Smoothing::Method3 => {
                let mut inc = 1;
                for i in 0..k {
                    if num[i] == 0 {
                        p[i] = 1.0 / (2f64.powi(inc) * den[i] as f64);
                        inc += 1;
                    }
                }
            }
            Smoothing::Method4 { k: kk } => self.method4(&mut p, kk),
            Smoothing::Method5 => self.method5(&mut p),
            Smoothing::Method6 { alpha } => {
                if k < 3 || p[2] == 0.0 {
                    return Err(MetricsError::Undefined {
                        metric: "BLEU with smoothing method6",
                        reason: "it needs 3 or more orders and a non-zero trigram precision",
                    });
                }
                for i in 2..k {
                    let pi0 = if p[i - 2] == 0.0 {
                        0.0
                    } else {
                        p[i - 1] * p[i - 1] / p[i - 2]
                    };
                    let l = self.last_hyp_len.saturating_sub(i) as f64;
                    p[i] = (num[i] as f64 + alpha * pi0) / (l + alpha);
                }
            }
            Smoothing::Method7 { k: kk } => {
                self.method4(&mut p, kk);
                self.method5(&mut p);
            }
        }
        Ok(p)
    }

    fn method4(&self, p: &mut [f64], k: f64) {
        let hyp_len = self.hyp_len;
        let mut inc = 1;
        for ((pi, &m), &t) in p.iter_mut().zip(&self.matches).zip(&self.totals) {
            if m == 0 && hyp_len > 1 {
                let numerator = 1.0 / (2f64.powi(inc) * k / (hyp_len as f64).ln());
                *pi = numerator / t as f64;
                inc += 1;
            }
        }
    }

    fn method5(&self, p: &mut [f64]) {
        let mut plus1 = p.to_vec();
        plus1.push(ratio(self.last_p5.0, self.last_p5.1));
        let mut prev = p[0] + 1.0;
        for (i, pi) in p.iter_mut().enumerate() {
            *pi = (prev + plus1[i] + plus1[i + 1]) / 3.0;
            prev = *pi;
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b as f64
}

/// nltk `modified_precision`: (clipped matches, max(1, hypothesis n-grams)).
fn modified_precision<T, R>(hypothesis: &[T], references: &[R], n: usize) -> (u64, u64)
where
    T: Eq + Hash,
    R: AsRef<[T]>,
{
    if hypothesis.len() < n {
        return (0, 1);
    }
    // n-gram -> (count in hypothesis, max count in one reference, count in current reference)
    let mut counts: FxHashMap<&[T], (u32, u32, u32)> = FxHashMap::default();
    counts.reserve(hypothesis.len() + 1 - n);
    for g in hypothesis.windows(n) {
        counts.entry(g).or_default().0 += 1;
    }
    for r in references {
        let r = r.as_ref();
        if r.len() < n {
            continue;
        }
        for g in r.windows(n) {
            if let Some(e) = counts.get_mut(g) {
                e.2 += 1;
            }
        }
        for e in counts.values_mut() {
            e.1 = e.1.max(e.2);
            e.2 = 0;
        }
    }
    let total: u64 = counts.values().map(|e| u64::from(e.0)).sum();
    let clipped: u64 = counts.values().map(|e| u64::from(e.0.min(e.1))).sum();
    (clipped, total.max(1))
}

/// nltk `closest_ref_length`: the reference length closest to the hypothesis
/// length, the shorter one on ties.
pub(crate) fn closest_ref_length<T, R: AsRef<[T]>>(references: &[R], hyp_len: usize) -> usize {
    references
        .iter()
        .map(|r| r.as_ref().len())
        .min_by_key(|&l| (l.abs_diff(hyp_len), l))
        .unwrap_or(0)
}

/// nltk `brevity_penalty`.
fn brevity_penalty(ref_len: u64, hyp_len: u64) -> f64 {
    if hyp_len > ref_len {
        1.0
    } else if hyp_len == 0 {
        0.0
    } else {
        (1.0 - ref_len as f64 / hyp_len as f64).exp()
    }
}

/// Python's `math.fsum` (Shewchuk's exact partial sums, CPython's rounding).
fn fsum(values: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &v in values {
        let mut x = v;
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        partials.push(x);
    }
    let Some(mut n) = partials.len().checked_sub(1) else {
        return 0.0;
    };
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

/// nltk `corpus_bleu(references, hypotheses, weights, smoothing_function)`.
///
/// # Errors
/// [`MetricsError::LengthMismatch`], [`MetricsError::Empty`],
/// [`MetricsError::NoReferences`], and those of [`BleuStats::score`].
///
/// ```
/// use esc_metrics::{corpus_bleu, BleuOptions};
/// let hyps = [vec!["he", "read", "the", "book"]];
/// let refs = [vec![vec!["he", "read", "the", "book"]]];
/// assert_eq!(corpus_bleu(&hyps, &refs, &BleuOptions::esc(4))?.bleu, 1.0);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn corpus_bleu<T, H, RS, R>(
    hypotheses: &[H],
    references: &[RS],
    options: &BleuOptions,
) -> Result<BleuScore, MetricsError>
where
    T: Eq + Hash,
    H: AsRef<[T]>,
    RS: AsRef<[R]>,
    R: AsRef<[T]>,
{
    if hypotheses.len() != references.len() {
        return Err(MetricsError::LengthMismatch {
            what: "hypotheses vs references",
            left: hypotheses.len(),
            right: references.len(),
        });
    }
    let mut stats = BleuStats::new(options.weights.len());
    for (h, r) in hypotheses.iter().zip(references) {
        stats.add(h.as_ref(), r.as_ref())?;
    }
    stats.score(options)
}

/// nltk `sentence_bleu(references, hypothesis, weights, smoothing_function)`
/// (corpus BLEU of one pair).
///
/// ```
/// use esc_metrics::{sentence_bleu, BleuOptions, Smoothing};
/// let s = sentence_bleu(&["a", "cat"], &[vec!["a", "cat", "sat"]], &BleuOptions::uniform(2, Smoothing::Method0))?;
/// assert!((s.bleu - (1.0f64 - 3.0 / 2.0).exp()).abs() < 1e-12);
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn sentence_bleu<T, R>(
    hypothesis: &[T],
    references: &[R],
    options: &BleuOptions,
) -> Result<BleuScore, MetricsError>
where
    T: Eq + Hash,
    R: AsRef<[T]>,
{
    let mut stats = BleuStats::new(options.weights.len());
    stats.add(hypothesis, references)?;
    stats.score(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsum_is_exact_where_naive_summation_is_not() {
        assert_eq!(fsum(&[1e100, 1.0, -1e100, 1e-100]), 1.0);
        assert_eq!(fsum(&[0.1; 10]), 1.0);
    }

    #[test]
    fn nltk_modified_precision_examples() {
        // From the nltk `modified_precision` docstring: 2/7 for "the the the ...".
        let r1 = "the cat is on the mat".split(' ').collect::<Vec<_>>();
        let r2 = "there is a cat on the mat".split(' ').collect::<Vec<_>>();
        let h = ["the"; 7];
        assert_eq!(modified_precision(&h, &[r1, r2], 1), (2, 7));
    }

    #[test]
    fn closest_reference_prefers_the_shorter_on_ties() {
        let refs = [vec![0u8; 13], vec![0u8; 11]];
        assert_eq!(closest_ref_length(&refs, 12), 11);
    }
}

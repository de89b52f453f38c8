//! Per-example statistics of a [`GenerationMetrics`] accumulator, from which its
//! report is recomputed on any subset or resample of the pairs without
//! tokenising or counting n-grams again (bootstrap tests resample thousands of
//! times).
//!
//! Every report metric is a function of per-pair quantities: BLEU of the summed
//! clipped matches, totals and lengths (plus the last pair's, for smoothing
//! methods 5 to 7), ROUGE-L, unigram F1 and length of per-pair values, and
//! Distinct-n of the set of hypothesis n-grams, kept here as corpus-wide n-gram
//! ids so a resample only marks ids in a table.

use super::{GenerationConfig, GenerationMetrics, GenerationReport, bleu_scores, ngram_orders};
use crate::hash::FxHashMap;
use crate::{BleuStats, MetricsError};

/// The n-grams of one order of every hypothesis, as corpus-wide ids.
#[derive(Debug, Clone)]
struct NgramIds {
    /// Ids of all hypotheses' n-grams back to back; hypothesis `i` has
    /// `ids[starts[i]..starts[i + 1]]` (all `len - n + 1` of them, in order).
    ids: Vec<u32>,
    starts: Vec<usize>,
    /// Number of distinct ids (every id is below it).
    distinct: usize,
}

/// What each pair of a [`GenerationMetrics`] contributes to its report; see
/// [`GenerationMetrics::per_example`] and [`report_on`](Self::report_on).
#[derive(Debug, Clone)]
pub struct PerExampleStats {
    config: GenerationConfig,
    /// Values per pair in `clipped` and `totals`.
    orders: usize,
    clipped: Vec<u64>,
    totals: Vec<u64>,
    hyp_lens: Vec<usize>,
    closest_ref_lens: Vec<usize>,
    f1: Vec<f64>,
    rouge_l: Vec<f64>,
    /// `ngrams[n - 1]`: the hypotheses' n-grams, for Distinct-n.
    ngrams: Vec<NgramIds>,
}

impl PerExampleStats {
    /// The statistics of every pair of `m` (see [`GenerationMetrics::per_example`]).
    pub(super) fn new(m: &GenerationMetrics) -> Result<Self, MetricsError> {
        if m.is_empty() {
            return Err(MetricsError::Empty {
                what: "generation pairs",
            });
        }
        let mut hyp_lens = Vec::with_capacity(m.pairs);
        let mut start = 0;
        for &end in &m.hyp_ends {
            hyp_lens.push(end - start);
            start = end;
        }
        Ok(Self {
            config: m.config,
            orders: ngram_orders(&m.config),
            clipped: m.pair_clipped.clone(),
            totals: m.pair_totals.clone(),
            closest_ref_lens: m.closest_ref_lens.clone(),
            f1: m.f1.clone(),
            rouge_l: m.rouge_l.clone(),
            ngrams: ngram_ids(
                &m.hyp_flat,
                &hyp_lens,
                m.config.max_distinct_order,
                m.vocab.len(),
            ),
            hyp_lens,
        })
    }

    /// Number of pairs.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("a", &["b"])?;
    /// assert_eq!(m.per_example()?.len(), 1);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.hyp_lens.len()
    }

    /// Whether there is no pair (never: [`GenerationMetrics::per_example`]
    /// refuses an empty accumulator).
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("a", &["b"])?;
    /// assert!(!m.per_example()?.is_empty());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.hyp_lens.is_empty()
    }

    /// The BLEU statistics of pair `index` alone: [`BleuStats::merge`] them to
    /// score any subset's corpus BLEU.
    ///
    /// # Errors
    /// [`MetricsError::IndexOutOfRange`] when `index >= len()`.
    ///
    /// ```
    /// use esc_metrics::{BleuOptions, BleuStats, GenerationMetrics};
    /// let mut m = GenerationMetrics::esc();
    /// m.add("the cat sat", &["the cat sat"])?;
    /// m.add("a dog", &["the dog ran"])?;
    /// let per_example = m.per_example()?;
    /// let mut subset = per_example.bleu_stats(1)?;
    /// subset.merge(&per_example.bleu_stats(0)?)?;
    /// assert!(subset.score(&BleuOptions::esc(2))?.bleu > 0.0);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn bleu_stats(&self, index: usize) -> Result<BleuStats, MetricsError> {
        self.check(&[index])?;
        let mut stats = BleuStats::new(self.config.max_bleu_order.max(4));
        self.add_bleu(&mut stats, index);
        Ok(stats)
    }

    /// The report on the pairs `indices`, in that order and with repetitions
    /// (a bootstrap resample): equal to [`GenerationMetrics::finish`] on an
    /// accumulator to which exactly those pairs were added in that order, and
    /// so exactly `finish()` for `0..len()`.
    ///
    /// A pair that appears `r` times counts `r` times everywhere: its BLEU
    /// statistics are summed `r` times, its ROUGE-L, F1 and length weigh `r` in
    /// the means, and for Distinct-n its n-grams are counted `r` times in the
    /// total while adding nothing new to the distinct ones after the first (so
    /// repetitions lower Distinct-n, as duplicated responses would). BLEU
    /// smoothing methods 5 to 7 use the last index's pair, as nltk uses the
    /// corpus's last pair.
    ///
    /// Cost: O(number of indices × (n-gram orders + hypothesis length × Distinct
    /// orders)), plus a zeroed table per Distinct order of the corpus's distinct
    /// n-gram count.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] for no indices, [`MetricsError::IndexOutOfRange`] for
    /// an index `>= len()`, and those of BLEU scoring.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("i hear you", &["i hear you"])?;
    /// m.add("ok ok", &["tell me more"])?;
    /// let per_example = m.per_example()?;
    /// assert_eq!(per_example.report_on(&[0, 1])?, m.finish()?);
    /// let twice = per_example.report_on(&[0, 0])?;
    /// assert_eq!(twice.rouge_l, 100.0);
    /// assert_eq!(twice.distinct_standard[0], 50.0); // 3 distinct of 6 unigrams
    /// assert!(per_example.report_on(&[2]).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn report_on(&self, indices: &[usize]) -> Result<GenerationReport, MetricsError> {
        self.check(indices)?;
        let m = indices.len();
        let mut bleu = BleuStats::new(self.config.max_bleu_order.max(4));
        for &i in indices {
            self.add_bleu(&mut bleu, i);
        }
        let (distinct, distinct_standard) = self
            .ngrams
            .iter()
            .map(|g| {
                let (r, s) = distinct_on(g, indices);
                (100.0 * r, 100.0 * s)
            })
            .unzip();
        let length: usize = indices.iter().map(|&i| self.hyp_lens[i]).sum();
        let mean = |v: &[f64]| indices.iter().map(|&i| v[i]).sum::<f64>() / m as f64;
        Ok(GenerationReport {
            pairs: m,
            length: length as f64 / m as f64,
            bleu: bleu_scores(&self.config, &bleu)?,
            distinct,
            distinct_standard,
            rouge_l: 100.0 * mean(&self.rouge_l),
            unigram_f1: 100.0 * mean(&self.f1),
            smoothing: self.config.smoothing,
        })
    }

    /// Errors for no indices or one out of range.
    fn check(&self, indices: &[usize]) -> Result<(), MetricsError> {
        if indices.is_empty() {
            return Err(MetricsError::Empty { what: "indices" });
        }
        match indices.iter().position(|&i| i >= self.len()) {
            Some(index) => Err(MetricsError::IndexOutOfRange {
                what: "indices",
                index,
                value: indices[index],
                len: self.len(),
            }),
            None => Ok(()),
        }
    }

    /// Adds pair `i`'s BLEU statistics to `stats`, as
    /// [`GenerationMetrics`] added them when the pair came in.
    fn add_bleu(&self, stats: &mut BleuStats, i: usize) {
        let range = i * self.orders..(i + 1) * self.orders;
        stats.add_counts(
            &self.clipped[range.clone()],
            &self.totals[range],
            self.hyp_lens[i],
            self.closest_ref_lens[i],
        );
    }
}

/// Corpus-wide ids of the n-grams (orders `1..=max_order`) of the hypotheses
/// `flat` (back to back, lengths `lens`, token ids below `vocab`). Unigram ids
/// are the token ids; an n-gram's id is looked up from its (n-1)-gram prefix's
/// id and its last token, so ids are exact.
fn ngram_ids(flat: &[u32], lens: &[usize], max_order: usize, vocab: usize) -> Vec<NgramIds> {
    let mut out: Vec<NgramIds> = Vec::with_capacity(max_order);
    let mut starts = Vec::with_capacity(lens.len() + 1);
    starts.push(0);
    for &len in lens {
        starts.push(starts.last().copied().unwrap_or(0) + len);
    }
    out.push(NgramIds {
        ids: flat.to_vec(),
        starts,
        distinct: vocab,
    });
    for n in 2..=max_order {
        let prev = &out[n - 2];
        let mut map: FxHashMap<u64, u32> = FxHashMap::default();
        let mut ids = Vec::with_capacity(prev.ids.len());
        let mut starts = Vec::with_capacity(lens.len() + 1);
        starts.push(0);
        let mut token_start = 0;
        for (i, &len) in lens.iter().enumerate() {
            let prefixes = &prev.ids[prev.starts[i]..prev.starts[i + 1]];
            let tokens = &flat[token_start..token_start + len];
            token_start += len;
            // The n-gram at j is the (n-1)-gram at j followed by token j + n - 1.
            for (&prefix, &last) in prefixes.iter().zip(tokens.iter().skip(n - 1)) {
                let next = u32::try_from(map.len()).expect("fewer than 2^32 n-grams");
                let key = (u64::from(prefix) << 32) | u64::from(last);
                ids.push(*map.entry(key).or_insert(next));
            }
            starts.push(ids.len());
        }
        out.push(NgramIds {
            ids,
            starts,
            distinct: map.len(),
        });
    }
    out
}

/// Distinct-n `(reference, standard)` of the hypotheses `indices`, as
/// [`distinct_n`](crate::distinct_n) of those hypotheses in that order.
fn distinct_on(g: &NgramIds, indices: &[usize]) -> (f64, f64) {
    // Per n-gram id: bit 0 = seen (standard variant), bit 1 = seen other than as
    // a hypothesis's last n-gram (reference variant).
    let mut seen = vec![0u8; g.distinct];
    let (mut seen_standard, mut seen_reference) = (0usize, 0usize);
    let (mut total_standard, mut total_reference) = (0usize, 0usize);
    for &i in indices {
        let ids = &g.ids[g.starts[i]..g.starts[i + 1]];
        let Some((&last, rest)) = ids.split_last() else {
            continue;
        };
        total_standard += ids.len();
        total_reference += rest.len();
        for &id in rest {
            let flags = &mut seen[id as usize];
            seen_standard += usize::from(*flags & 1 == 0);
            seen_reference += usize::from(*flags & 2 == 0);
            *flags = 3;
        }
        let flags = &mut seen[last as usize];
        seen_standard += usize::from(*flags & 1 == 0);
        *flags |= 1;
    }
    let ratio = |seen: usize, total: usize| {
        if total == 0 {
            0.0
        } else {
            seen as f64 / total as f64
        }
    };
    (
        ratio(seen_reference, total_reference),
        ratio(seen_standard, total_standard),
    )
}

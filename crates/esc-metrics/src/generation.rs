//! The streaming accumulator of the ESC response-quality metrics: add each
//! generated response with its reference(s), then [`GenerationMetrics::finish`].
//!
//! With [`GenerationConfig::default`] it reproduces the reference evaluation
//! (`Metric.forword` + `Metric.close` of the ESConv authors' `myMetrics.py`):
//! both sides are tokenised with `nltk.word_tokenize(text.lower())`, and the report
//! holds BLEU-1..4 (nltk corpus BLEU, method3, x100), Distinct-1..3 (reference
//! variant, and the standard one), ROUGE-L (beta 1.2), unigram F1 and the mean
//! hypothesis length. Tokens are interned to ids, so the corpus is cheap to hold.
//!
//! ## Scales: per sentence 0–1, report ×100
//!
//! As in the reference, the two scales differ: the per-sentence scores
//! ([`GenerationMetrics::unigram_f1_scores`], [`GenerationMetrics::rouge_l_scores`],
//! the reference's `metric_list.json`) are fractions in [0, 1], while every score
//! of a [`GenerationReport`] (BLEU, Distinct, ROUGE-L, F1; the reference's
//! `metric.json`) is a percentage in [0, 100]. So the report's `rouge_l` is
//! `100 × mean(rouge_l_scores())`. `length` is a token count, on neither scale.

mod per_example;

use serde::{Deserialize, Serialize};

pub use per_example::PerExampleStats;

use crate::bleu::closest_ref_length;
use crate::distinct::distinct_ids;
use crate::f1::f1_of_overlap;
use crate::hash::FxHashMap;
use crate::ngram::{NgramCounter, PairCounts};
use crate::rouge::{lcs_len_ids, rouge_l_with};
use crate::tokenize::{TokenScratch, WordTokenizer};
use crate::{BleuOptions, BleuStats, MetricsError, ROUGE_BETA, Smoothing};

/// What [`GenerationMetrics`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GenerationConfig {
    /// BLEU-1..=this (the reference: 4). Each BLEU-k uses the weights
    /// `[1/k]*k + [0]*(max(4, max_bleu_order)-k)`, as the reference does.
    pub max_bleu_order: usize,
    /// BLEU smoothing (the reference: nltk method3).
    pub smoothing: Smoothing,
    /// Distinct-1..=this (the reference: 3).
    pub max_distinct_order: usize,
    /// ROUGE-L beta (the reference: 1.2).
    pub rouge_beta: f64,
    /// Lowercase texts before tokenising (the reference does).
    pub lowercase: bool,
}

impl Default for GenerationConfig {
    /// The reference configuration.
    fn default() -> Self {
        Self {
            max_bleu_order: 4,
            smoothing: Smoothing::Method3,
            max_distinct_order: 3,
            rouge_beta: ROUGE_BETA,
            lowercase: true,
        }
    }
}

/// The metric values of a corpus of responses. Every score is ×100 (a percentage),
/// unlike the per-sentence scores of [`GenerationMetrics`], which are in [0, 1]
/// (see [Scales](GenerationMetrics#scales)); `length` is in tokens.
///
/// Look values up by the reference's keys with [`try_get`](Self::try_get) (or
/// [`get`](Self::get)); [`entries`](Self::entries) lists them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationReport {
    /// Number of hypothesis/reference pairs.
    pub pairs: usize,
    /// Mean hypothesis length in tokens.
    pub length: f64,
    /// BLEU-1..k x100 (`bleu[0]` is BLEU-1).
    pub bleu: Vec<f64>,
    /// Distinct-1..n x100, reference variant (skips each sentence's last n-gram).
    pub distinct: Vec<f64>,
    /// Distinct-1..n x100, standard variant.
    pub distinct_standard: Vec<f64>,
    /// ROUGE-L x100 (mean over sentences).
    pub rouge_l: f64,
    /// Unigram F1 x100 (mean over sentences).
    pub unigram_f1: f64,
    /// The BLEU smoothing used.
    pub smoothing: Smoothing,
}

impl GenerationReport {
    /// The values under the reference's keys, in its order: `length`, `dist-n`,
    /// `dist-n-standard`, `bleu-k`, `f1`, `rouge-l`.
    ///
    /// The keys are those of the reference's `metric.json`, i.e. of
    /// `Metric.close()` in the ESConv authors' `metric/myMetrics.py` (codes_zcj, which
    /// STAR's evaluation uses unchanged), with the same scale, plus one key of ours:
    ///
    /// | key | reference key | value | field |
    /// |---|---|---|---|
    /// | `length` | `length` | mean hypothesis length, tokens | [`length`](Self::length) |
    /// | `dist-1` … `dist-n` | `dist-1` … `dist-3` | Distinct-n ×100, the reference's variant | [`distinct`](Self::distinct) |
    /// | `dist-1-standard` … | (none: ours) | Distinct-n ×100, every n-gram counted | [`distinct_standard`](Self::distinct_standard) |
    /// | `bleu-1` … `bleu-k` | `bleu-1` … `bleu-4` | corpus BLEU ×100 | [`bleu`](Self::bleu) |
    /// | `f1` | `f1` | unigram F1 ×100 (the response F1, **not** the strategy macro-F1) | [`unigram_f1`](Self::unigram_f1) |
    /// | `rouge-l` | `rouge-l` | ROUGE-L ×100 | [`rouge_l`](Self::rouge_l) |
    ///
    /// The keys already match the reference's one for one, so there are no
    /// renamed or alias keys. `n` and `k` run to
    /// [`GenerationConfig::max_distinct_order`] and
    /// [`GenerationConfig::max_bleu_order`] (the reference: 3 and 4).
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("i am here for you.", &["i am here."])?;
    /// let r = m.finish()?;
    /// assert_eq!(r.entries()[0], ("length".to_string(), 6.0));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn entries(&self) -> Vec<(String, f64)> {
        let mut out = vec![("length".to_string(), self.length)];
        for (i, v) in self.distinct.iter().enumerate() {
            out.push((format!("dist-{}", i + 1), *v));
        }
        for (i, v) in self.distinct_standard.iter().enumerate() {
            out.push((format!("dist-{}-standard", i + 1), *v));
        }
        for (i, v) in self.bleu.iter().enumerate() {
            out.push((format!("bleu-{}", i + 1), *v));
        }
        out.push(("f1".to_string(), self.unigram_f1));
        out.push(("rouge-l".to_string(), self.rouge_l));
        out
    }

    /// Every key of [`entries`](Self::entries), in that order.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("hello there", &["hello there"])?;
    /// let keys = m.finish()?.keys();
    /// assert_eq!(keys.first().map(String::as_str), Some("length"));
    /// assert!(keys.iter().any(|k| k == "dist-3-standard"));
    /// assert_eq!(keys.len(), 1 + 3 + 3 + 4 + 2);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.entries().into_iter().map(|(k, _)| k).collect()
    }

    /// One value by its reference key (see [`entries`](Self::entries)), `None` for
    /// an unknown key. [`try_get`](Self::try_get) says what was wrong instead.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("hello there", &["hello there"])?;
    /// assert_eq!(m.finish()?.get("bleu-2"), Some(100.0));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<f64> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// One value by its reference key (see [`entries`](Self::entries)); keys are
    /// exact (lowercase, `-`-separated, as in the reference's `metric.json`).
    ///
    /// # Errors
    /// [`MetricsError::UnknownKey`] naming the key and listing every valid one
    /// (e.g. `bleu-5` with the default four BLEU orders, or `ROUGE-L`).
    ///
    /// ```
    /// use esc_metrics::MetricsError;
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("hello there", &["hello there"])?;
    /// let r = m.finish()?;
    /// assert_eq!(r.try_get("rouge-l")?, 100.0); // x100, not 1.0
    /// let err = r.try_get("rouge_l").unwrap_err();
    /// assert!(matches!(&err, MetricsError::UnknownKey { key, .. } if key == "rouge_l"));
    /// assert!(err.to_string().contains("\"rouge-l\""));
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn try_get(&self, key: &str) -> Result<f64, MetricsError> {
        self.get(key).ok_or_else(|| MetricsError::UnknownKey {
            what: "generation metric key",
            key: key.to_string(),
            valid: self.keys(),
        })
    }
}

/// Streaming accumulator of the response metrics.
///
/// # Scales
///
/// Per-sentence scores ([`unigram_f1_scores`](Self::unigram_f1_scores),
/// [`rouge_l_scores`](Self::rouge_l_scores)) are fractions in [0, 1]; the
/// [`GenerationReport`] of [`finish`](Self::finish) holds percentages in
/// [0, 100] (its `rouge_l` is `100 × mean(rouge_l_scores())`), as the reference's
/// `metric_list.json` and `metric.json` do.
///
/// ```
/// use esc_metrics::GenerationMetrics;
/// let mut m = GenerationMetrics::esc();
/// m.add("I understand how you feel.", &["I understand, that must be hard."])?;
/// m.add("Have you talked to a friend?", &["Did you talk to your friends?"])?;
/// let report = m.finish()?;
/// assert_eq!(report.pairs, 2);
/// assert!(report.bleu[0] > 0.0 && report.bleu[0] <= 100.0);
/// println!("{}", report.to_markdown());
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct GenerationMetrics {
    config: GenerationConfig,
    tokenizer: WordTokenizer,
    /// Token (as characters, how the tokenizer yields it) -> id.
    vocab: FxHashMap<Box<[char]>, u32>,
    bleu: BleuStats,
    /// N-gram ids and counts of orders up to BLEU's (at least 4, and 5 for
    /// smoothing methods 5 and 7).
    ngrams: NgramCounter,
    pairs: usize,
    /// Per pair, the BLEU clipped matches and totals of orders
    /// `1..=ngram_orders(&config)` (for [`PerExampleStats`]).
    pair_clipped: Vec<u64>,
    pair_totals: Vec<u64>,
    /// Per pair: the closest reference length (BLEU's brevity penalty).
    closest_ref_lens: Vec<usize>,
    /// The hypotheses' token ids back to back (for Distinct-n), and where each ends.
    hyp_flat: Vec<u32>,
    hyp_ends: Vec<usize>,
    f1: Vec<f64>,
    rouge_l: Vec<f64>,
    /// Per-pair scratch, kept to avoid allocations.
    counts: PairCounts,
    lcs_row: Vec<u32>,
    /// Per token id, all zero between pairs (bit-parallel LCS).
    lcs_masks: Vec<u64>,
    token_scratch: TokenScratch,
    /// Token ids of the pair being added: hypothesis, then references.
    pair_ids: Vec<Vec<u32>>,
    /// A given token as characters, for the vocabulary lookup.
    token_buf: Vec<char>,
}

impl GenerationMetrics {
    /// An accumulator with the given configuration.
    ///
    /// # Errors
    /// [`MetricsError::InvalidOption`] for zero orders or a bad `rouge_beta`.
    ///
    /// ```
    /// use esc_metrics::{GenerationConfig, GenerationMetrics};
    /// let cfg = GenerationConfig { max_distinct_order: 4, ..Default::default() };
    /// let m = GenerationMetrics::new(cfg)?;
    /// assert!(m.is_empty());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn new(config: GenerationConfig) -> Result<Self, MetricsError> {
        for (option, v) in [
            ("max_bleu_order", config.max_bleu_order),
            ("max_distinct_order", config.max_distinct_order),
        ] {
            if v == 0 {
                return Err(MetricsError::InvalidOption {
                    option,
                    value: "0".into(),
                    expected: "an n-gram order >= 1",
                });
            }
        }
        if !config.rouge_beta.is_finite() || config.rouge_beta < 0.0 {
            return Err(MetricsError::InvalidOption {
                option: "rouge_beta",
                value: config.rouge_beta.to_string(),
                expected: "a finite, non-negative number",
            });
        }
        Ok(Self {
            bleu: BleuStats::new(config.max_bleu_order.max(4)),
            ngrams: NgramCounter::new(ngram_orders(&config)),
            config,
            tokenizer: WordTokenizer::english(),
            vocab: FxHashMap::default(),
            pairs: 0,
            pair_clipped: Vec::new(),
            pair_totals: Vec::new(),
            closest_ref_lens: Vec::new(),
            hyp_flat: Vec::new(),
            hyp_ends: Vec::new(),
            f1: Vec::new(),
            rouge_l: Vec::new(),
            counts: PairCounts::default(),
            lcs_row: Vec::new(),
            lcs_masks: Vec::new(),
            token_scratch: TokenScratch::default(),
            pair_ids: Vec::new(),
            token_buf: Vec::new(),
        })
    }

    /// Uses `tokenizer` instead of building a new one (building parses the embedded
    /// Punkt model, about a millisecond).
    ///
    /// ```
    /// use esc_metrics::{tokenize::WordTokenizer, GenerationMetrics};
    /// let tok = WordTokenizer::english();
    /// let m = GenerationMetrics::esc().with_tokenizer(tok.clone());
    /// assert!(m.is_empty());
    /// ```
    pub fn with_tokenizer(mut self, tokenizer: WordTokenizer) -> Self {
        self.tokenizer = tokenizer;
        self
    }

    /// The reference configuration ([`GenerationConfig::default`]).
    ///
    /// ```
    /// assert_eq!(esc_metrics::GenerationMetrics::esc().len(), 0);
    /// ```
    pub fn esc() -> Self {
        Self::new(GenerationConfig::default()).expect("the default configuration is valid")
    }

    /// Number of pairs added.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("a", &["b"])?;
    /// assert_eq!(m.len(), 1);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.pairs
    }

    /// Whether nothing was added.
    ///
    /// ```
    /// assert!(esc_metrics::GenerationMetrics::esc().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.pairs == 0
    }

    /// Adds a generated text and its reference text(s), tokenising both.
    ///
    /// # Errors
    /// [`MetricsError::NoReferences`] for an empty `references` (nothing is added).
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("I'm sorry.", &["I am sorry to hear that."])?;
    /// assert!(m.add("x", &[] as &[&str]).is_err());
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn add<S: AsRef<str>>(
        &mut self,
        hypothesis: &str,
        references: &[S],
    ) -> Result<(), MetricsError> {
        if references.is_empty() {
            return Err(MetricsError::NoReferences { index: self.len() });
        }
        // Reused id buffers: taken out of `self` while it tokenises into them.
        let mut ids = std::mem::take(&mut self.pair_ids);
        ids.resize_with(ids.len().max(1 + references.len()), Vec::new);
        let (hyp, refs) = ids.split_at_mut(1);
        self.tokenize_to_ids(hypothesis, &mut hyp[0]);
        for (r, out) in references.iter().zip(refs.iter_mut()) {
            self.tokenize_to_ids(r.as_ref(), out);
        }
        let result = self.add_ids(&hyp[0], &refs[..references.len()]);
        self.pair_ids = ids;
        result
    }

    /// Adds an already tokenised pair (no lowercasing or tokenising is applied).
    ///
    /// # Errors
    /// [`MetricsError::NoReferences`] for an empty `references` (nothing is added).
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add_tokens(&["hi", "there"], &[vec!["hi"]])?;
    /// assert_eq!(m.finish()?.length, 2.0);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn add_tokens<S, R>(
        &mut self,
        hypothesis: &[S],
        references: &[R],
    ) -> Result<(), MetricsError>
    where
        S: AsRef<str>,
        R: AsRef<[S]>,
    {
        if references.is_empty() {
            return Err(MetricsError::NoReferences { index: self.len() });
        }
        let (vocab, buf) = (&mut self.vocab, &mut self.token_buf);
        let mut intern_str = |t: &S| {
            buf.clear();
            buf.extend(t.as_ref().chars());
            intern(vocab, buf)
        };
        let hyp: Vec<u32> = hypothesis.iter().map(&mut intern_str).collect();
        let refs: Vec<Vec<u32>> = references
            .iter()
            .map(|r| r.as_ref().iter().map(&mut intern_str).collect())
            .collect();
        self.add_ids(&hyp, &refs)
    }

    /// Per-sentence unigram F1 in [0, 1] (not ×100: the report's `f1` is 100 times
    /// their mean), in insertion order; the reference's `metric_list.json` `f1`.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("a b", &["a b"])?;
    /// assert_eq!(m.unigram_f1_scores(), [1.0]);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn unigram_f1_scores(&self) -> &[f64] {
        &self.f1
    }

    /// Per-sentence ROUGE-L in [0, 1] (not ×100: the report's `rouge-l` is 100
    /// times their mean), in insertion order; the reference's `metric_list.json`
    /// `rouge-l`.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("a b", &["c"])?;
    /// assert_eq!(m.rouge_l_scores(), [0.0]);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn rouge_l_scores(&self) -> &[f64] {
        &self.rouge_l
    }

    /// The report of everything added so far (the accumulator is kept).
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when nothing was added.
    ///
    /// ```
    /// let m = esc_metrics::GenerationMetrics::esc();
    /// assert!(m.finish().is_err());
    /// ```
    pub fn finish(&self) -> Result<GenerationReport, MetricsError> {
        let n = self.len();
        if n == 0 {
            return Err(MetricsError::Empty {
                what: "generation pairs",
            });
        }
        let bleu = bleu_scores(&self.config, &self.bleu)?;
        let (distinct, distinct_standard): (Vec<f64>, Vec<f64>) =
            (1..=self.config.max_distinct_order)
                .map(|k| {
                    let (r, s) = distinct_ids(&self.hyp_flat, &self.hyp_ends, k, self.vocab.len());
                    (100.0 * r, 100.0 * s)
                })
                .unzip();
        Ok(GenerationReport {
            pairs: n,
            length: self.hyp_flat.len() as f64 / n as f64,
            bleu,
            distinct,
            distinct_standard,
            rouge_l: 100.0 * self.rouge_l.iter().sum::<f64>() / n as f64,
            unigram_f1: 100.0 * self.f1.iter().sum::<f64>() / n as f64,
            smoothing: self.config.smoothing,
        })
    }

    /// The per-example statistics of every pair added so far, from which
    /// [`PerExampleStats::report_on`] recomputes the report on any subset or
    /// resample of the pairs (e.g. for [`paired_bootstrap`](crate::paired_bootstrap)).
    /// Build it once (about the cost of [`finish`](Self::finish)), then call
    /// `report_on` as often as needed.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when nothing was added.
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("i am here for you", &["i am here"])?;
    /// m.add("tell me more", &["what happened"])?;
    /// let per_example = m.per_example()?;
    /// assert_eq!(per_example.report_on(&[0, 1])?, m.finish()?);
    /// assert_eq!(per_example.report_on(&[1, 1])?.rouge_l, 0.0);
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn per_example(&self) -> Result<PerExampleStats, MetricsError> {
        PerExampleStats::new(self)
    }

    /// The report on the pairs `indices` (repetitions allowed): the same as
    /// [`finish`](Self::finish) on an accumulator to which those pairs were added
    /// in that order, and exactly `finish()` for `0..len()`. Builds the
    /// [`per_example`](Self::per_example) statistics at every call: for many
    /// subsets, build them once and use [`PerExampleStats::report_on`].
    ///
    /// # Errors
    /// Those of [`PerExampleStats::report_on`].
    ///
    /// ```
    /// let mut m = esc_metrics::GenerationMetrics::esc();
    /// m.add("i am here", &["i am here"])?;
    /// m.add("no", &["what happened"])?;
    /// assert_eq!(m.report_on(&[0])?.bleu[1], 100.0); // BLEU-2 of the first pair alone
    /// # Ok::<(), esc_metrics::MetricsError>(())
    /// ```
    pub fn report_on(&self, indices: &[usize]) -> Result<GenerationReport, MetricsError> {
        self.per_example()?.report_on(indices)
    }

    /// The one place where a pair's statistics are counted (`refs` is not empty):
    /// BLEU, Distinct-n and unigram F1 from the n-gram ids, ROUGE-L by LCS. The
    /// values equal those of the generic one-shot functions exactly.
    fn add_ids(&mut self, hyp: &[u32], refs: &[Vec<u32>]) -> Result<(), MetricsError> {
        let vocab = self.vocab.len();
        self.ngrams.add_pair(hyp, refs, vocab, &mut self.counts);
        let c = &self.counts;
        let closest_ref_len = closest_ref_length(refs, hyp.len());
        self.bleu
            .add_counts(&c.clipped, &c.totals, hyp.len(), closest_ref_len);
        self.pair_clipped.extend_from_slice(&c.clipped);
        self.pair_totals.extend_from_slice(&c.totals);
        self.closest_ref_lens.push(closest_ref_len);
        let f1 = refs
            .iter()
            .zip(&c.unigram_overlap)
            .map(|(r, &o)| f1_of_overlap(o, hyp.len(), r.len()))
            .fold(f64::NEG_INFINITY, f64::max);
        self.f1.push(f1);
        if self.lcs_masks.len() < vocab {
            self.lcs_masks.resize(vocab, 0);
        }
        let (masks, row) = (&mut self.lcs_masks, &mut self.lcs_row);
        self.rouge_l
            .push(rouge_l_with(hyp, refs, self.config.rouge_beta, |a, b| {
                lcs_len_ids(a, b, masks, row)
            })?);
        self.hyp_flat.extend_from_slice(hyp);
        self.hyp_ends.push(self.hyp_flat.len());
        self.pairs += 1;
        Ok(())
    }

    /// Tokenises `text` into token ids in `ids` (cleared first).
    fn tokenize_to_ids(&mut self, text: &str, ids: &mut Vec<u32>) {
        ids.clear();
        let vocab = &mut self.vocab;
        self.tokenizer.for_each_token(
            text,
            self.config.lowercase,
            &mut self.token_scratch,
            |token| ids.push(intern(vocab, token)),
        );
    }
}

/// The n-gram orders counted per pair: BLEU's (at least 4), and 5 for smoothing
/// methods 5 and 7.
fn ngram_orders(config: &GenerationConfig) -> usize {
    config
        .max_bleu_order
        .max(4)
        .max(usize::from(config.smoothing.needs_order_5()) * 5)
}

/// BLEU-1..=`max_bleu_order` x100 of `stats` as the report holds them.
fn bleu_scores(config: &GenerationConfig, stats: &BleuStats) -> Result<Vec<f64>, MetricsError> {
    (1..=config.max_bleu_order)
        .map(|k| {
            let mut options = BleuOptions::esc(k);
            options.weights.resize(config.max_bleu_order.max(4), 0.0);
            options.smoothing = config.smoothing;
            stats.score(&options).map(|s| 100.0 * s.bleu)
        })
        .collect()
}

/// The id of `token`, a new one for a token not seen before.
fn intern(vocab: &mut FxHashMap<Box<[char]>, u32>, token: &[char]) -> u32 {
    if let Some(&id) = vocab.get(token) {
        return id;
    }
    let id = u32::try_from(vocab.len()).expect("fewer than 2^32 distinct tokens");
    vocab.insert(token.into(), id);
    id
}

//! # esc-metrics
//!
//! The metrics of the emotional-support-conversation (ESC) literature, value-exact
//! with the Python reference the papers use: the ESConv authors'
//! `metric/myMetrics.py` on top of nltk 3.10, and scikit-learn 1.9 for strategy
//! prediction. Pure Rust, no ML framework, no nltk_data at run time.
//!
//! | Metric | Reproduces |
//! |---|---|
//! | [`WordTokenizer`](tokenize::WordTokenizer) | `nltk.word_tokenize` (Punkt `english` + improved Treebank) |
//! | [`corpus_bleu`], [`sentence_bleu`], [`Smoothing`] | `nltk.translate.bleu_score`, `SmoothingFunction().method0..7` |
//! | [`distinct_n`] | Distinct-n, the reference's off-by-one variant and the standard one |
//! | [`rouge_l`] | the reference's ROUGE-L (LCS, beta 1.2) |
//! | [`unigram_f1`] | the reference's bag-of-words F1 |
//! | [`classification_report`], [`macro_f1`], [`top_k_accuracy`] | sklearn `precision_recall_fscore_support`, `f1_score`, `top_k_accuracy_score`, `confusion_matrix` |
//! | [`classification_report_labels`], [`unique_labels`] | the same on string labels, with sklearn's `labels=` and `zero_division=` (`"warn"`, 0, 1, `np.nan`) |
//! | [`perplexity`] | corpus PPL (`exp` of the mean token NLL) and the sentence-mean variant |
//! | [`student_t_quantile`], [`mean_confidence_interval`], [`empirical_quantile`] | `scipy.stats.t.ppf`, `scipy.stats.t.interval`, `numpy.quantile` |
//! | [`paired_bootstrap`], [`GenerationMetrics::per_example`] | the paired bootstrap test of two systems (module `significance`) |
//!
//! ## Quick start
//! ```
//! use esc_metrics::{EvalReport, GenerationMetrics, StrategyMetrics};
//!
//! let mut responses = GenerationMetrics::esc(); // nltk tokens, BLEU method3, beta 1.2, ...
//! responses.add("I know how hard that is. Have you told anyone?", &["That sounds hard. Did you tell your family?"])?;
//! let mut strat = StrategyMetrics::esc(); // 8 strategies, sklearn defaults
//! strat.add(0, 0)?;
//! strat.add(5, 3)?;
//! let report = EvalReport {
//!     generation: Some(responses.finish()?),
//!     strategy: Some(strat.finish()?),
//!     perplexity: None,
//! };
//! println!("{}", report.to_markdown());
//! # Ok::<(), esc_metrics::MetricsError>(())
//! ```
//!
//! Parity with the Python reference is tested against fixtures written by
//! `scripts/metrics_reference.py` (values within 1e-9), on pairs from the ESConv
//! valid and test splits; tokenizer parity covers every utterance of both splits.

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme_doctest {}

mod bleu;
mod classification;
mod distinct;
mod error;
mod f1;
mod generation;
mod hash;
mod labels;
mod ngram;
mod perplexity;
mod report;
mod rouge;
pub mod significance;
mod strategy;
pub mod tokenize;

pub use bleu::{BleuOptions, BleuScore, BleuStats, Smoothing, corpus_bleu, sentence_bleu};
pub use classification::{
    ClassScores, ClassificationOptions, ClassificationReport, LabelSet, Prf, ZeroDivision,
    accuracy, classification_report, confusion_matrix, macro_f1, top_k_accuracy,
};
pub use distinct::{DistinctVariant, distinct_n};
pub use error::MetricsError;
pub use f1::unigram_f1;
pub use generation::{GenerationConfig, GenerationMetrics, GenerationReport, PerExampleStats};
pub use labels::{
    LabelOptions, LabelReport, LabelScores, classification_report_labels, unique_labels,
};
pub use perplexity::{Perplexity, PerplexityReport, perplexity};
pub use report::EvalReport;
pub use rouge::{ROUGE_BETA, lcs_len, rouge_l};
pub use significance::{
    BootstrapOptions, BootstrapResult, MeanCi, empirical_quantile, mean_confidence_interval,
    paired_bootstrap, student_t_quantile,
};
pub use strategy::{StrategyMetrics, StrategyReport, TopK};

//! Property tests (proptest, fixed seed and case budget) of the text-facing metrics on arbitrary
//! Unicode: the nltk-compatible word tokenizer and the accumulators never panic, scores stay
//! finite and in range, and bad numbers or labels give a typed [`MetricsError`].
//!
//! Each property prints how many inputs it tried (`cargo test ... -- --nocapture`).

#[path = "../../esc-data/tests/fuzz_check/mod.rs"]
mod fuzz_check;

use esc_metrics::tokenize::WordTokenizer;
use esc_metrics::{
    GenerationConfig, GenerationMetrics, MetricsError, Perplexity, Smoothing, StrategyMetrics,
};
use fuzz_check::check;
use proptest::prelude::*;

/// Arbitrary text: any code points (controls, combining marks, unpaired-free UTF-8), printable
/// Unicode, and punctuation-heavy English.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "[A-Za-z0-9 .,!?'\"()\\-:;`$%&*/\\\\\n\t\u{a0}\u{2019}\u{201c}\u{201d}\u{2026}]{0,80}",
        // Long runs of one character stress the regex-like scanners.
        ("[.!?'\"a -]", 0usize..400).prop_map(|(c, n)| c.repeat(n)),
    ]
}

#[test]
fn the_word_tokenizer_never_panics_on_unicode() {
    let tok = WordTokenizer::english();
    check("word_tokenizer", 1024, any_text(), |text| {
        let tokens = tok.tokenize(&text);
        for t in &tokens {
            prop_assert!(!t.is_empty(), "empty token from {text:?}");
        }
        let lower = tok.tokenize_lowercased(&text);
        prop_assert_eq!(lower.len(), tokens.len());
        // Text with no visible character has no token.
        if text.chars().all(char::is_whitespace) {
            prop_assert!(tokens.is_empty(), "{text:?} -> {tokens:?}");
        }
        Ok(())
    });
}

fn smoothing() -> impl Strategy<Value = Smoothing> {
    (0u8..8).prop_map(|m| Smoothing::nltk(m).unwrap())
}

#[test]
fn the_generation_accumulator_stays_finite_on_unicode() {
    let pair = (any_text(), prop::collection::vec(any_text(), 0..3));
    let input = (
        prop::collection::vec(pair, 1..6),
        smoothing(),
        1usize..6,
        1usize..5,
        any::<bool>(),
    );
    check(
        "generation_metrics",
        256,
        input,
        |(pairs, smoothing, bleu_order, distinct_order, lowercase)| {
            let config = GenerationConfig {
                max_bleu_order: bleu_order,
                max_distinct_order: distinct_order,
                smoothing,
                lowercase,
                ..GenerationConfig::default()
            };
            let mut m = GenerationMetrics::new(config).unwrap();
            let mut added = 0;
            for (hyp, refs) in &pairs {
                match m.add(hyp, refs) {
                    Ok(()) => added += 1,
                    Err(MetricsError::NoReferences { .. }) => prop_assert!(refs.is_empty()),
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }
            prop_assert_eq!(m.len(), added);
            match m.finish() {
                Ok(report) => {
                    prop_assert!(added > 0);
                    for (key, value) in report.entries() {
                        prop_assert!(value.is_finite(), "{key} = {value}");
                    }
                    for v in report.bleu.iter().chain(&report.distinct) {
                        prop_assert!((0.0..=100.0).contains(v), "{report:?}");
                    }
                    for v in [report.rouge_l, report.unigram_f1] {
                        prop_assert!((0.0..=100.0 + 1e-9).contains(&v), "{report:?}");
                    }
                }
                Err(MetricsError::Empty { .. }) => prop_assert_eq!(added, 0),
                // Some smoothing methods are undefined on some corpora: a typed error is fine.
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            Ok(())
        },
    );
}

#[test]
fn strategy_and_perplexity_accumulators_reject_bad_numbers_with_typed_errors() {
    let score = prop_oneof![
        any::<f64>(),
        -10.0f64..10.0,
        Just(f64::NAN),
        Just(f64::INFINITY),
    ];
    let sample = (
        prop_oneof![0usize..8, any::<usize>()],
        prop_oneof![0usize..8, any::<usize>()],
        prop::collection::vec(score, 0..10),
        any::<bool>(),
    );
    let nll = (any::<f64>(), prop_oneof![0u64..100, any::<u64>()]);
    let input = (
        prop::collection::vec(sample, 0..12),
        prop::collection::vec(nll, 0..6),
    );
    check("strategy_perplexity", 512, input, |(samples, nlls)| {
        let mut m = StrategyMetrics::esc();
        for (gold, pred, scores, with_scores) in &samples {
            let before = m.len();
            let result = if *with_scores {
                m.add_scores(*gold, scores)
            } else {
                m.add(*gold, *pred)
            };
            match result {
                Ok(()) => prop_assert_eq!(m.len(), before + 1),
                Err(
                    MetricsError::LabelOutOfRange { .. }
                    | MetricsError::LengthMismatch { .. }
                    | MetricsError::NonFinite { .. },
                ) => prop_assert_eq!(m.len(), before, "a rejected sample was added"),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
        match m.finish() {
            Ok(r) => {
                let f1 = r.classification.macro_avg.f1;
                prop_assert!((0.0..=1.0).contains(&f1), "{f1}");
                for k in &r.top_k {
                    prop_assert!((0.0..=1.0).contains(&k.accuracy));
                }
            }
            Err(e) => prop_assert!(m.is_empty(), "{e}"),
        }
        let mut p = Perplexity::new();
        let mut total: Option<u64> = Some(0);
        for (sum, tokens) in &nlls {
            let fits = total.and_then(|t| t.checked_add(*tokens));
            match p.add(*sum, *tokens) {
                Ok(()) => total = fits,
                Err(e) => prop_assert!(
                    !sum.is_finite() || *sum < 0.0 || *tokens == 0 || fits.is_none(),
                    "{e}"
                ),
            }
        }
        if let Ok(r) = p.finish() {
            prop_assert!(!r.to_markdown().is_empty());
            prop_assert!(!r.corpus.is_nan() && r.corpus >= 1.0, "{r:?}");
        }
        Ok(())
    });
}

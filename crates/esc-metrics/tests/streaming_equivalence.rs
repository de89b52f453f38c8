//! The streaming accumulator (`GenerationMetrics`, which counts n-grams on interned
//! ids and tokenises without allocating per token) gives exactly (bit for bit) the
//! values of the generic one-shot functions (`corpus_bleu`, `distinct_n`,
//! `unigram_f1`, `rouge_l`, `WordTokenizer::tokenize_lowercased`), whose parity
//! with nltk is tested on fixtures.

use esc_metrics::tokenize::WordTokenizer;
use esc_metrics::{
    BleuOptions, DistinctVariant, GenerationConfig, GenerationMetrics, Smoothing, corpus_bleu,
    distinct_n, rouge_l, unigram_f1,
};
use proptest::prelude::*;

type Pair = (Vec<String>, Vec<Vec<String>>);

fn sentence() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0u8..8).prop_map(|t| format!("w{t}")), 0..14)
}

fn corpus() -> impl Strategy<Value = Vec<Pair>> {
    prop::collection::vec((sentence(), prop::collection::vec(sentence(), 1..4)), 1..10)
}

proptest! {
    #[test]
    fn accumulator_equals_one_shot_functions(
        pairs in corpus(),
        method in 0u8..8,
        max_bleu_order in 1usize..7,
        max_distinct_order in 1usize..7,
    ) {
        let smoothing = Smoothing::nltk(method).unwrap();
        let config = GenerationConfig {
            max_bleu_order,
            smoothing,
            max_distinct_order,
            ..Default::default()
        };
        let mut m = GenerationMetrics::new(config).unwrap();
        for (h, rs) in &pairs {
            m.add_tokens(h, rs).unwrap();
        }
        let hyps: Vec<Vec<String>> = pairs.iter().map(|p| p.0.clone()).collect();
        let refs: Vec<Vec<Vec<String>>> = pairs.iter().map(|p| p.1.clone()).collect();
        let bleu: Result<Vec<f64>, _> = (1..=max_bleu_order)
            .map(|k| {
                let mut options = BleuOptions::esc(k);
                options.weights.resize(max_bleu_order.max(4), 0.0);
                options.smoothing = smoothing;
                corpus_bleu(&hyps, &refs, &options).map(|s| 100.0 * s.bleu)
            })
            .collect();
        let (bleu, report) = match (bleu, m.finish()) {
            (Ok(b), Ok(r)) => (b, r),
            (b, r) => {
                // Method 6 is undefined on some corpora: both sides must say so.
                prop_assert!(b.is_err() && r.is_err() && method == 6, "{b:?} vs {r:?}");
                return Ok(());
            }
        };
        prop_assert_eq!(&report.bleu, &bleu);
        for (variant, ours) in [
            (DistinctVariant::Reference, &report.distinct),
            (DistinctVariant::Standard, &report.distinct_standard),
        ] {
            let want: Vec<f64> = (1..=max_distinct_order)
                .map(|n| 100.0 * distinct_n(&hyps, n, variant).unwrap())
                .collect();
            prop_assert_eq!(ours, &want);
        }
        let f1: Vec<f64> = pairs.iter().map(|(h, rs)| unigram_f1(h, rs).unwrap()).collect();
        let rouge: Vec<f64> = pairs.iter().map(|(h, rs)| rouge_l(h, rs, 1.2).unwrap()).collect();
        prop_assert_eq!(m.unigram_f1_scores(), &f1[..]);
        prop_assert_eq!(m.rouge_l_scores(), &rouge[..]);
    }

    #[test]
    fn adding_texts_equals_adding_their_tokens(
        texts in prop::collection::vec(("[a-zA-Z .,!?'\"()\\-:;`]{0,40}", "[a-zA-Z .,!?'\"]{0,40}"), 1..8),
    ) {
        let tok = WordTokenizer::english();
        let mut from_text = GenerationMetrics::esc();
        let mut from_tokens = GenerationMetrics::esc();
        for (h, r) in &texts {
            from_text.add(h, &[r]).unwrap();
            from_tokens
                .add_tokens(&tok.tokenize_lowercased(h), &[tok.tokenize_lowercased(r)])
                .unwrap();
        }
        prop_assert_eq!(from_text.finish().unwrap(), from_tokens.finish().unwrap());
    }
}

//! Invariants of the metrics (proptest): identical hypothesis and reference give
//! the maximum, scores stay in range, corpus statistics do not depend on the order
//! of the pairs, and the tokenizer never panics.

use esc_metrics::tokenize::WordTokenizer;
use esc_metrics::{
    BleuOptions, ClassificationOptions, DistinctVariant, Smoothing, classification_report,
    corpus_bleu, distinct_n, rouge_l, sentence_bleu, unigram_f1,
};
use proptest::prelude::*;

fn sentence(min: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..12, min..18)
}

fn corpus() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    prop::collection::vec((sentence(0), sentence(0)), 1..12)
}

proptest! {
    #[test]
    fn identical_pairs_score_the_maximum(s in sentence(4)) {
        let refs = [s.clone()];
        let bleu = sentence_bleu(&s, &refs, &BleuOptions::esc(4)).unwrap();
        prop_assert!((100.0 * bleu.bleu - 100.0).abs() < 1e-9);
        prop_assert_eq!(rouge_l(&s, &refs, 1.2).unwrap(), 1.0);
        prop_assert!((unigram_f1(&s, &refs).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn scores_stay_in_range(pairs in corpus(), method in 0u8..5) {
        let hyps: Vec<Vec<u8>> = pairs.iter().map(|p| p.0.clone()).collect();
        let refs: Vec<Vec<Vec<u8>>> = pairs.iter().map(|p| vec![p.1.clone()]).collect();
        for k in 1..=4 {
            let b = corpus_bleu(&hyps, &refs, &BleuOptions::uniform(k, Smoothing::nltk(method).unwrap())).unwrap();
            prop_assert!((0.0..=1.0).contains(&b.bleu) && !b.bleu.is_nan());
        }
        for (h, r) in hyps.iter().zip(&refs) {
            prop_assert!((0.0..=1.0).contains(&rouge_l(h, r, 1.2).unwrap()));
            prop_assert!((0.0..=1.0 + 1e-12).contains(&unigram_f1(h, r).unwrap()));
        }
        for n in 1..=4 {
            for v in [DistinctVariant::Reference, DistinctVariant::Standard] {
                prop_assert!((0.0..=1.0).contains(&distinct_n(&hyps, n, v).unwrap()));
            }
        }
    }

    #[test]
    fn corpus_statistics_do_not_depend_on_pair_order(pairs in corpus(), seed in any::<u64>()) {
        let mut shuffled = pairs.clone();
        // A seeded Fisher-Yates shuffle.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let split = |p: &[(Vec<u8>, Vec<u8>)]| -> (Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>) {
            (p.iter().map(|q| q.0.clone()).collect(), p.iter().map(|q| vec![q.1.clone()]).collect())
        };
        let (h1, r1) = split(&pairs);
        let (h2, r2) = split(&shuffled);
        for k in 1..=4 {
            let a = corpus_bleu(&h1, &r1, &BleuOptions::esc(k)).unwrap();
            let b = corpus_bleu(&h2, &r2, &BleuOptions::esc(k)).unwrap();
            prop_assert_eq!(a.bleu, b.bleu);
        }
        for n in 1..=3 {
            prop_assert_eq!(
                distinct_n(&h1, n, DistinctVariant::Reference).unwrap(),
                distinct_n(&h2, n, DistinctVariant::Reference).unwrap()
            );
        }
    }

    #[test]
    fn micro_f1_equals_accuracy_and_macro_f1_is_a_share(
        pairs in prop::collection::vec((0usize..8, 0usize..8), 1..60)
    ) {
        let golds: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        let preds: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        let r = classification_report(&golds, &preds, &ClassificationOptions::new(8)).unwrap();
        prop_assert!((r.micro_avg.f1 - r.accuracy).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&r.macro_avg.f1));
        let total: u64 = r.confusion_matrix.iter().flatten().sum();
        prop_assert_eq!(total as usize, golds.len());
    }

    #[test]
    fn tokenizer_never_panics_and_yields_clean_tokens(text in "\\PC{0,60}") {
        let tok = WordTokenizer::english();
        for t in tok.tokenize(&text) {
            prop_assert!(!t.is_empty() && !t.chars().any(char::is_whitespace), "{:?}", t);
        }
    }

    #[test]
    fn tokenizer_handles_punctuation_soup(text in "[a-zA-Z .,!?'\"()\\-:;`]{0,50}") {
        let tok = WordTokenizer::english();
        let tokens = tok.tokenize(&text);
        let letters = |s: &str| s.chars().filter(|c| c.is_ascii_alphabetic()).count();
        // Tokenisation only inserts spaces (and rewrites double quotes): letters survive.
        prop_assert_eq!(letters(&text), tokens.iter().map(|t| letters(t)).sum::<usize>());
    }
}

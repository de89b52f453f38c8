//! `WordTokenizer` against `nltk.word_tokenize` (nltk 3.10.4): every utterance of
//! the ESConv valid and test splits (token-list hashes in the fixture), plus
//! hand-written and seeded random strings (tokens in the fixture).
//! Fixtures: `scripts/metrics_reference.py`.

mod common;

use common::{fixture_path, read_json, read_split, token_hash};
use esc_metrics::tokenize::{PunktSentenceTokenizer, WordTokenizer};

#[test]
fn every_valid_and_test_utterance_tokenizes_like_nltk() {
    let tok = WordTokenizer::english();
    let mut checked = 0;
    for split in ["valid", "test"] {
        let path = fixture_path(&format!("tokenize_{split}.txt"));
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expected: Vec<&str> = expected.lines().collect();
        let utterances: Vec<String> = read_split(split)
            .into_iter()
            .flatten()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            utterances.len(),
            expected.len(),
            "{split}: utterance count differs from the fixture"
        );
        let mut mismatches = Vec::new();
        for (i, (text, line)) in utterances.iter().zip(&expected).enumerate() {
            let (want_lower, want_orig) = line.split_once(' ').expect("two hashes per line");
            let lower = tok.tokenize_lowercased(text);
            let orig = tok.tokenize(text);
            if token_hash(&lower) != want_lower {
                mismatches.push((i, "lowercased", lower));
            } else if token_hash(&orig) != want_orig {
                mismatches.push((i, "original case", orig));
            }
        }
        if let Some((i, variant, tokens)) = mismatches.first() {
            panic!(
                "{split}: {} of {} utterances differ from nltk; first: #{i} ({variant}), our tokens {tokens:?}",
                mismatches.len(),
                utterances.len()
            );
        }
        checked += utterances.len();
    }
    println!("tokenizer parity: {checked} utterances (valid + test), lowercased and original case");
    assert!(checked > 11_000);
}

#[test]
fn hand_written_and_random_strings_tokenize_like_nltk() {
    let tok = WordTokenizer::english();
    let punkt = PunktSentenceTokenizer::english();
    let cases = read_json("tokenize_cases.json");
    let cases = cases.as_array().expect("array of cases");
    let mut failures = Vec::new();
    for c in cases {
        let text = c["text"].as_str().expect("text");
        let want: Vec<String> = serde_json::from_value(c["tokens"].clone()).expect("tokens");
        let want_sents: Vec<String> =
            serde_json::from_value(c["sentences"].clone()).expect("sentences");
        let got = tok.tokenize(text);
        let got_sents = punkt.tokenize(text);
        if got_sents != want_sents {
            failures.push(format!(
                "{text:?}\n  sentences nltk {want_sents:?}\n  ours       {got_sents:?}"
            ));
        } else if got != want {
            failures.push(format!(
                "{text:?}\n  tokens nltk {want:?}\n  ours       {got:?}"
            ));
        }
    }
    println!("tokenizer cases: {} strings", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; first:\n{}",
        failures.len(),
        cases.len(),
        failures[0]
    );
}

//! The shared ESConv split: dialog and turn counts (REFERENCE.md), and examples id-for-id
//! equal to the reference inputters (fixture written by `scripts/examples_reference.py`
//! with transformers' slow tokenizer). Needs the shared data: fails with the lookup's
//! message when it is missing.

use std::sync::OnceLock;

use esc_data::paths::{blenderbot_small_dir, esconv_dir};
use esc_data::stats::Percentiles;
use esc_data::{
    BlenderbotSmallTokenizer, EscExample, ExampleConfig, InputLayout, Split, Splits,
    build_examples, dialog_stats, load_splits, token_length_stats,
};
use serde_json::Value;

fn splits() -> &'static Splits {
    static SPLITS: OnceLock<Splits> = OnceLock::new();
    SPLITS.get_or_init(|| {
        let dir = esconv_dir().unwrap_or_else(|e| panic!("{e}"));
        load_splits(&dir).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn tokenizer() -> &'static BlenderbotSmallTokenizer {
    static TOKENIZER: OnceLock<BlenderbotSmallTokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| {
        let dir = blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
        BlenderbotSmallTokenizer::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/examples_reference.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// FNV-1a 64 folded to 32 bits over little-endian u32s (as the fixture script).
fn h32(parts: &[&[u32]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let sep = [u32::MAX];
        let ids = if i == 0 { &[][..] } else { &sep[..] };
        for id in ids.iter().chain(part.iter()) {
            for b in id.to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    (h ^ (h >> 32)) as u32
}

fn example_hash(e: &EscExample) -> String {
    format!(
        "{:08x}",
        h32(&[&e.input_ids, &e.decoder_input_ids, &e.labels])
    )
}

#[test]
fn dialog_and_supporter_turn_counts_match_the_reference() {
    // REFERENCE.md: 910 / 195 / 195 dialogs; 12,759 / 2,722 / 2,895 supporter turns;
    // 12,271 / 2,621 / 2,801 examples.
    let expected = [
        (Split::Train, 910, 12_759, 12_271),
        (Split::Valid, 195, 2_722, 2_621),
        (Split::Test, 195, 2_895, 2_801),
    ];
    for (split, dialogs, supporter, examples) in expected {
        let stats = dialog_stats(splits().get(split));
        assert_eq!(
            (stats.dialogs, stats.supporter_turns, stats.examples),
            (dialogs, supporter, examples),
            "{split}"
        );
        assert_eq!(stats.strategies.iter().sum::<usize>(), supporter);
    }
}

fn check_examples(split: Split, layout: InputLayout, key: &str) {
    let config = ExampleConfig::new().with_layout(layout);
    let examples = build_examples(splits().get(split), tokenizer(), &config).unwrap();
    let reference = &fixture()["splits"][split.name()][key];
    assert_eq!(examples.len() as u64, reference["count"].as_u64().unwrap());
    if let Some(first) = reference["first"].as_array() {
        for (e, r) in examples.iter().zip(first) {
            let ids = |k: &str| -> Vec<u32> {
                r[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as u32)
                    .collect()
            };
            assert_eq!(e.turn as u64, r["turn"].as_u64().unwrap());
            assert_eq!(e.input_ids, ids("input_ids"));
            assert_eq!(e.decoder_input_ids, ids("decoder_input_ids"));
            assert_eq!(e.labels, ids("labels"));
        }
    }
    let expected: Vec<&str> = reference["hashes"].as_str().unwrap().split(' ').collect();
    let mismatches: Vec<usize> = examples
        .iter()
        .zip(&expected)
        .enumerate()
        .filter(|(_, (e, h))| example_hash(e) != **h)
        .map(|(i, _)| i)
        .collect();
    println!(
        "{split} ({key}): {} examples checked against the reference, {} differ",
        examples.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "examples differing from the reference: {mismatches:?}"
    );
}

#[test]
fn train_examples_equal_the_reference() {
    check_examples(Split::Train, InputLayout::Star, "star");
}

#[test]
fn valid_examples_equal_the_reference() {
    check_examples(Split::Valid, InputLayout::Star, "star");
}

#[test]
fn test_examples_equal_the_reference_in_both_layouts() {
    check_examples(Split::Test, InputLayout::Star, "star");
    check_examples(Split::Test, InputLayout::Zcj, "zcj");
}

#[test]
fn token_length_percentiles_match_numpy() {
    for split in Split::ALL {
        let stats =
            token_length_stats(splits().get(split), tokenizer(), &ExampleConfig::new()).unwrap();
        let reference = &fixture()["splits"][split.name()]["lengths"];
        for (name, ours) in [
            ("utterance", &stats.utterance),
            ("context_full", &stats.context_full),
            ("input", &stats.input),
            ("target_full", &stats.target_full),
            ("target", &stats.target),
        ] {
            let r = &reference[name];
            let get = |k: &str| r[k].as_f64().unwrap();
            let Percentiles {
                count,
                mean,
                p50,
                p90,
                p95,
                p99,
                max,
            } = *ours;
            assert_eq!(count as u64, r["count"].as_u64().unwrap(), "{split} {name}");
            for (k, v) in [
                ("mean", mean),
                ("p50", p50),
                ("p90", p90),
                ("p95", p95),
                ("p99", p99),
                ("max", max),
            ] {
                assert!(
                    (v - get(k)).abs() < 1e-9,
                    "{split} {name} {k}: {v} vs {}",
                    get(k)
                );
            }
        }
    }
}

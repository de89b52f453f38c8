//! `GenerationReport` keys: the reference's names (`Metric.close()` of the ESConv
//! authors' `metric/myMetrics.py`, the keys of its `metric.json`), the lookup that
//! errors on unknown keys, and the two scales (per sentence 0–1, report ×100).

use esc_metrics::{GenerationConfig, GenerationMetrics, GenerationReport, MetricsError};

fn report() -> (GenerationMetrics, GenerationReport) {
    let mut m = GenerationMetrics::esc();
    m.add(
        "I know how hard that is. Have you told anyone?",
        &["That sounds hard. Did you tell your family?"],
    )
    .expect("add");
    m.add("I am here for you.", &["I am here."]).expect("add");
    let r = m.finish().expect("report");
    (m, r)
}

/// The keys of the reference's `metric.json` for response metrics.
const REFERENCE_KEYS: [&str; 10] = [
    "length", "dist-1", "dist-2", "dist-3", "bleu-1", "bleu-2", "bleu-3", "bleu-4", "f1", "rouge-l",
];

#[test]
fn every_reference_key_is_there_with_the_fields_value() {
    let (_, r) = report();
    let want = [
        r.length,
        r.distinct[0],
        r.distinct[1],
        r.distinct[2],
        r.bleu[0],
        r.bleu[1],
        r.bleu[2],
        r.bleu[3],
        r.unigram_f1,
        r.rouge_l,
    ];
    for (key, value) in REFERENCE_KEYS.iter().zip(want) {
        assert_eq!(r.try_get(key), Ok(value), "{key}");
        assert_eq!(r.get(key), Some(value), "{key}");
    }
    // Ours on top: the standard Distinct variant; nothing else.
    let keys = r.keys();
    let extra: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| !REFERENCE_KEYS.contains(k))
        .collect();
    assert_eq!(
        extra,
        ["dist-1-standard", "dist-2-standard", "dist-3-standard"]
    );
    assert_eq!(
        keys,
        r.entries().into_iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
}

#[test]
fn try_get_agrees_with_entries() {
    let (_, r) = report();
    for (key, value) in r.entries() {
        assert_eq!(r.try_get(&key), Ok(value), "{key}");
    }
}

#[test]
fn unknown_keys_are_errors_listing_the_valid_ones() {
    let (_, r) = report();
    for key in ["bleu-5", "ROUGE-L", "rouge_l", "dist-4", "B-2", "", "f1 "] {
        match r.try_get(key) {
            Err(MetricsError::UnknownKey {
                what,
                key: got,
                valid,
            }) => {
                assert_eq!(what, "generation metric key");
                assert_eq!(got, key);
                assert_eq!(valid, r.keys());
            }
            other => panic!("{key:?} gave {other:?}"),
        }
        assert_eq!(r.get(key), None, "{key:?}");
    }
    let message = r.try_get("bleu-5").unwrap_err().to_string();
    assert!(
        message.starts_with(
            "unknown generation metric key \"bleu-5\"; expected one of: \"length\", \"dist-1\""
        ),
        "{message}"
    );
    assert!(message.ends_with("\"f1\", \"rouge-l\""), "{message}");
}

#[test]
fn keys_follow_the_configured_orders() {
    let cfg = GenerationConfig {
        max_bleu_order: 5,
        max_distinct_order: 2,
        ..Default::default()
    };
    let mut m = GenerationMetrics::new(cfg).expect("config");
    m.add("a b c d e f", &["a b c d e f"]).expect("add");
    let r = m.finish().expect("report");
    assert_eq!(r.try_get("bleu-5"), Ok(100.0));
    assert!(r.try_get("dist-3").is_err());
    assert!(r.try_get("dist-2-standard").is_ok());
}

#[test]
fn per_sentence_scores_are_fractions_and_the_report_is_percent() {
    let (m, r) = report();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    for v in m.rouge_l_scores().iter().chain(m.unigram_f1_scores()) {
        assert!((0.0..=1.0).contains(v), "{v}");
    }
    assert_eq!(r.try_get("rouge-l"), Ok(100.0 * mean(m.rouge_l_scores())));
    assert_eq!(r.try_get("f1"), Ok(100.0 * mean(m.unigram_f1_scores())));
    // The second pair's ROUGE-L is well above 1 % on the report's scale.
    assert!(r.rouge_l > 1.0);
}

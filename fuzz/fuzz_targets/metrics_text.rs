//! The nltk-compatible word tokenizer and the generation metrics on any text: no panic, finite
//! scores. The input is split at `0x00` bytes into a hypothesis and its references.
#![no_main]

use esc_metrics::GenerationMetrics;
use esc_metrics::tokenize::WordTokenizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = WordTokenizer::english().tokenize(&text);
    let mut parts = text.split('\0');
    let hypothesis = parts.next().unwrap_or_default();
    let references: Vec<&str> = parts.collect();
    let mut metrics = GenerationMetrics::esc();
    if metrics.add(hypothesis, &references).is_ok() {
        let report = metrics.finish().expect("one pair was added");
        assert!(report.entries().iter().all(|(_, v)| v.is_finite()));
    }
});

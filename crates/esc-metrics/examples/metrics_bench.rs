//! Times the full ESC response-metric set on the ESConv test split (2,700 pairs:
//! supporter turn i against turn i+1, as `scripts/metrics_reference.py` builds
//! them): nltk-equivalent tokenisation of both sides, BLEU-1..4, Distinct-1..3
//! (both variants), ROUGE-L, unigram F1, length. Prints one JSON line.
//!
//! `cargo run --release -p esc-metrics --example metrics_bench -- [iterations]`
//! (run by `scripts/bench_metrics.py`, which also times the Python reference).

#[path = "../benches/workload/mod.rs"]
mod workload;

use std::time::Instant;

use esc_metrics::GenerationMetrics;
use esc_metrics::tokenize::WordTokenizer;

fn main() {
    let iters: usize = std::env::args()
        .nth(1)
        .map_or(20, |a| a.parse().expect("iterations"));
    let pairs = workload::test_pairs();
    let tokenizer = WordTokenizer::english();
    let mut times = Vec::with_capacity(iters);
    let mut report = None;
    for _ in 0..iters {
        let start = Instant::now();
        let mut m = GenerationMetrics::esc().with_tokenizer(tokenizer.clone());
        for (h, r) in &pairs {
            m.add(h, &[r]).expect("add");
        }
        report = Some(m.finish().expect("report"));
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let report = report.expect("at least one iteration");
    let values: serde_json::Map<String, serde_json::Value> = report
        .entries()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::from(v)))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "pairs": pairs.len(),
            "iterations": iters,
            "median_s": times[times.len() / 2],
            "min_s": times[0],
            "report": values,
        })
    );
}

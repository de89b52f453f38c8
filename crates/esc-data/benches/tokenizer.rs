//! Tokenizer throughput on the ESConv test split (6,039 utterances).
//!
//! `cargo bench -p esc-data --bench tokenizer`. "cold" starts each pass from an empty word
//! cache (a fresh clone), "warm" reuses one tokenizer. Compare with transformers' slow tokenizer
//! with `python scripts/bench_tokenizer.py` (see BENCHMARKS.md).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use esc_data::BlenderbotSmallTokenizer;

fn test_utterances() -> Vec<String> {
    let dir = esc_data::paths::esconv_dir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("test.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .flat_map(|line| {
            let dialog: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
            dialog["dialog"]
                .as_array()
                .expect("dialog array")
                .iter()
                .map(|t| t["text"].as_str().expect("text").to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
    let tok = BlenderbotSmallTokenizer::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let texts = test_utterances();
    let mut group = c.benchmark_group("tokenizer/test_split");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.sample_size(20);
    group.bench_function("encode_cold", |b| {
        b.iter_batched(
            || tok.clone(),
            |t| texts.iter().map(|s| t.encode(s).len()).sum::<usize>(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("encode_warm", |b| {
        b.iter(|| texts.iter().map(|s| tok.encode(s).len()).sum::<usize>())
    });
    let ids: Vec<Vec<u32>> = texts.iter().map(|s| tok.encode(s)).collect();
    group.bench_function("decode", |b| {
        b.iter(|| ids.iter().map(|i| tok.decode(i).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Criterion benches of esc-metrics on the ESConv test split (needs the shared
//! data: `STAR_ESC_DATA` or an ancestor's `shared/data`).
//!
//! `cargo bench -p esc-metrics --bench metrics`

mod workload;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use esc_metrics::tokenize::WordTokenizer;
use esc_metrics::{
    BleuOptions, ClassificationOptions, DistinctVariant, GenerationMetrics, classification_report,
    corpus_bleu, distinct_n, rouge_l, unigram_f1,
};

fn bench(c: &mut Criterion) {
    let pairs = workload::test_pairs();
    let tok = WordTokenizer::english();
    let hyps: Vec<Vec<String>> = pairs
        .iter()
        .map(|(h, _)| tok.tokenize_lowercased(h))
        .collect();
    let refs: Vec<Vec<Vec<String>>> = pairs
        .iter()
        .map(|(_, r)| vec![tok.tokenize_lowercased(r)])
        .collect();

    let mut g = c.benchmark_group("esconv_test_2700_pairs");
    g.sample_size(20);
    g.bench_function("full_esc_metric_set", |b| {
        b.iter(|| {
            let mut m = GenerationMetrics::esc().with_tokenizer(tok.clone());
            for (h, r) in &pairs {
                m.add(h, &[r]).expect("add");
            }
            black_box(m.finish().expect("report"))
        })
    });
    g.bench_function("accumulator_on_tokens", |b| {
        // The full metric set without tokenising (BLEU, Distinct, ROUGE-L, F1 on
        // interned ids).
        b.iter(|| {
            let mut m = GenerationMetrics::esc().with_tokenizer(tok.clone());
            for (h, r) in hyps.iter().zip(&refs) {
                m.add_tokens(h, r).expect("add");
            }
            black_box(m.finish().expect("report"))
        })
    });
    g.bench_function("tokenize_hyps_and_refs", |b| {
        b.iter(|| {
            for (h, r) in &pairs {
                black_box(tok.tokenize_lowercased(h));
                black_box(tok.tokenize_lowercased(r));
            }
        })
    });
    g.bench_function("corpus_bleu4_method3_on_tokens", |b| {
        b.iter(|| black_box(corpus_bleu(&hyps, &refs, &BleuOptions::esc(4)).expect("bleu")))
    });
    g.bench_function("rouge_l_and_f1_on_tokens", |b| {
        b.iter(|| {
            for (h, r) in hyps.iter().zip(&refs) {
                black_box(rouge_l(h, r, 1.2).expect("rouge"));
                black_box(unigram_f1(h, r).expect("f1"));
            }
        })
    });
    g.bench_function("distinct_1_to_3_on_tokens", |b| {
        b.iter(|| {
            for n in 1..=3 {
                black_box(distinct_n(&hyps, n, DistinctVariant::Reference).expect("distinct"));
            }
        })
    });
    g.finish();

    // One bootstrap resample of the paired tests: the whole report recomputed from per-example
    // statistics on 2,700 indices drawn with repetition.
    let mut m = GenerationMetrics::esc();
    for (h, r) in &pairs {
        m.add(h, &[r.as_str()]).expect("pair");
    }
    let per_example = m.per_example().expect("per-example statistics");
    let resample: Vec<usize> = (0..pairs.len())
        .map(|i| (i * 7919 + 13) % pairs.len())
        .collect();
    c.bench_function("report_on_resample_2700", |b| {
        b.iter(|| black_box(per_example.report_on(&resample).expect("report")))
    });

    let golds: Vec<usize> = (0..2700).map(|i| (i * 7 + i / 13) % 8).collect();
    let preds: Vec<usize> = (0..2700).map(|i| (i * 5 + i / 7) % 8).collect();
    c.bench_function("classification_report_2700", |b| {
        b.iter(|| {
            black_box(
                classification_report(&golds, &preds, &ClassificationOptions::new(8))
                    .expect("report"),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

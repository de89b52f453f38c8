//! KEMI retrieval: BM25 over the ESConv training split's exemplars (12,271 seeker utterance ->
//! supporter response pairs), queried with the last seeker utterance before every supporter turn
//! of the validation split, as example building queries it.
//!
//! `cargo bench --workspace --bench bm25` (the data through `esc_data::paths`). "query" is one
//! pass over all validation queries (top-2, own dialog excluded); "build" indexes the split.
//! Compare with rank_bm25 with `python scripts/bench_bm25.py` (see BENCHMARKS.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use esc_data::{Bm25Knowledge, KnowledgeSource, Speaker, Split, load_split};

fn bench(c: &mut Criterion) {
    let dir = esc_data::paths::esconv_dir().unwrap_or_else(|e| panic!("{e}"));
    let train = load_split(&dir, Split::Train).unwrap_or_else(|e| panic!("{e}"));
    let valid = load_split(&dir, Split::Valid).unwrap_or_else(|e| panic!("{e}"));
    let queries: Vec<(usize, usize)> = valid
        .iter()
        .enumerate()
        .flat_map(|(d, dialog)| {
            dialog
                .turns
                .iter()
                .enumerate()
                .filter(|(i, t)| *i > 0 && t.speaker == Speaker::Supporter)
                .map(move |(i, _)| (d, i))
        })
        .collect();
    let retriever = Bm25Knowledge::new(&train, 2);
    eprintln!(
        "{} exemplars, {} queries",
        retriever.exemplars().len(),
        queries.len()
    );

    let mut group = c.benchmark_group("bm25");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("query", |b| {
        b.iter(|| {
            let mut n = 0;
            for &(d, turn) in &queries {
                n += retriever.knowledge(&valid[d], turn).unwrap().len();
            }
            n
        })
    });
    group.finish();
    let mut group = c.benchmark_group("bm25");
    group.sample_size(10);
    group.bench_function("build", |b| b.iter(|| Bm25Knowledge::new(&train, 2)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

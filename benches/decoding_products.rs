//! The products of one decoding step on flex at 16, 8 and 4 rows (greedy at batch 16 or 8, beam
//! search with 4 beams), the new and the previous way:
//! - the tied LM head `h·sharedᵀ + bias` (`[16, d]` against `[54 944, d]`): [TransposedLinear]
//!   over `shared` as it is, against burn's `matmul` over the transposed view (what
//!   `lm_logits` did before);
//! - a decoder FFN projection `[16, 512]·[512, 2048]`: [TransposedLinear] over the transposed
//!   copy that the decoder's cache keeps, against `row_linear::forward` (the few-row kernel).
//!
//! The weights are larger than the caches, as in decoding, where each step reads every weight
//! once. `cargo bench --bench decoding_products`

use burn::nn::LinearConfig;
use burn::tensor::{Device, Distribution, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};
use star_esc::star_core::{TransposedLinear, row_linear};

/// Rows of a step: greedy decoding at batch 16 and 8, beam search with 4 beams at batch 1.
const ROWS: [usize; 3] = [16, 8, 4];
const VOCAB: usize = 54_944;

fn bench_lm_head(c: &mut Criterion) {
    let device = Device::flex();
    device.seed(0);
    for (rows, d) in ROWS.into_iter().flat_map(|rows| [(rows, 256), (rows, 512)]) {
        let shared = Tensor::<2>::random([VOCAB, d], Distribution::Normal(0.0, 0.02), &device);
        let bias = Tensor::<1>::zeros([VOCAB], &device);
        let h = Tensor::<2>::random([rows, d], Distribution::Normal(0.0, 1.0), &device);
        let head = TransposedLinear::new(shared.clone(), Some(bias.clone()));
        let mut group = c.benchmark_group(format!("lm_head/{rows}x{d}"));
        group.bench_function("transposed_linear", |b| {
            b.iter(|| head.forward(h.clone()).into_data())
        });
        group.bench_function("matmul_transposed_view", |b| {
            b.iter(|| {
                (h.clone().matmul(shared.clone().transpose()) + bias.clone().unsqueeze_dim(0))
                    .into_data()
            })
        });
        group.finish();
    }
}

fn bench_projection(c: &mut Criterion) {
    let device = Device::flex();
    device.seed(0);
    // Sixteen layers' worth of weights (64 MB), used in turn, so that each call reads from
    // memory.
    let layers: Vec<_> = (0..16)
        .map(|_| LinearConfig::new(512, 2048).init(&device))
        .collect();
    let copies: Vec<_> = layers.iter().map(TransposedLinear::from_linear).collect();
    for rows in ROWS {
        let x = Tensor::<2>::random([rows, 512], Distribution::Normal(0.0, 1.0), &device);
        let mut group = c.benchmark_group(format!("projection/{rows}x512x2048"));
        let mut i = 0;
        group.bench_function("transposed_linear", |b| {
            b.iter(|| {
                i = (i + 1) % copies.len();
                copies[i].forward(x.clone()).into_data()
            })
        });
        group.bench_function("row_linear", |b| {
            b.iter(|| {
                i = (i + 1) % layers.len();
                row_linear::forward(&layers[i], x.clone()).into_data()
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_lm_head, bench_projection
}
criterion_main!(benches);

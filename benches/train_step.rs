//! One BlenderBot-Small training step (forward, cross-entropy, backward, AdamW; batch 8, encoder
//! 160, decoder 40, vocabulary 54,944) of the `small` configuration on the default CPU backend
//! (flex), with criterion. The workload is `examples/bench_bbs.rs`' one (a shared file), whose
//! JSON timings `scripts/bench_bbs.py` sets beside PyTorch's.
//!
//! `cargo bench --bench train_step`

#[path = "../examples/workload/train_step.rs"]
mod train_step;

use burn::tensor::Device;
use criterion::{Criterion, criterion_group, criterion_main};
use star_esc::esc_models::BlenderbotSmallConfig;
use train_step::{BATCH, TrainStep};

fn bench_train_step(c: &mut Criterion) {
    // What the `train` binary does (BENCHMARKS.md, "allocator").
    star_esc::star_core::tune_allocator();
    let device = Device::flex();
    device.seed(0);
    let mut step = TrainStep::new(&BlenderbotSmallConfig::small(), &device);
    let batch = step.batch(BATCH);
    c.bench_function("train_step/small/flex/b8", |b| {
        b.iter(|| step.run(batch.clone()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_train_step
}
criterion_main!(benches);

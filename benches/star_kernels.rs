//! STAR's kernels one by one at the paper sizes (d 512, ffn 2048, gate 48, 8 strategies, 8 heads,
//! 41 positions, batch 32), forward and forward+backward, on the default CPU backend (flex):
//! causal attention pooling (Eq. 1), one expert's gate (Eq. 2) and refinement (Eq. 3), the blend
//! (Eq. 4), and the whole module with the experts dispatched by strategy. The workload is the one
//! of star-core's `benches/star.rs` and `examples/star_bench_json.rs` (one shared file).
//!
//! `cargo bench --bench star_kernels`

#[path = "../crates/star-core/benches/common/workload.rs"]
mod workload;

use burn::tensor::{Device, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};
use star_esc::star_core::{PoolingMode, StarConfig, StarInput, blend};
use workload::{D, N_STRATEGIES};

const BATCH: usize = 32;

/// Times `run` on `device`, waiting for the device after each call.
fn bench<T>(c: &mut Criterion, name: &str, device: &Device, mut run: impl FnMut() -> T) {
    c.bench_function(name, |b| {
        b.iter(|| {
            let out = run();
            device.sync().expect("sync");
            out
        })
    });
}

fn kernels(c: &mut Criterion, device: &Device, mode: &str) {
    let star = StarConfig::new(D, N_STRATEGIES)
        .with_pooling(PoolingMode::Causal)
        .init(device);
    let StarInput {
        hidden, mask_pad, ..
    } = workload::input(BATCH, device);
    // Each kernel's inputs are leaves: a backward pass consumes the graph behind its inputs.
    let leaf = |x: Tensor<3>| {
        if mode == "train" {
            x.detach().require_grad()
        } else {
            x
        }
    };
    let hidden = leaf(hidden);
    let pooled = leaf(
        star.pooling
            .forward_causal(hidden.clone(), mask_pad.clone()),
    );
    let expert = &star.experts[0];
    let (gate, refined) = expert.forward(pooled.clone());
    let (gate, refined) = (leaf(gate), leaf(refined));
    // Inference returns the output; training also runs the backward pass of its sum.
    let finish = |out: Tensor<3>| {
        if mode == "train" {
            let _ = out.sum().backward();
        }
    };
    let prefix = format!("star_kernels/{mode}/b{BATCH}");
    bench(c, &format!("{prefix}/pooling"), device, || {
        finish(
            star.pooling
                .forward_causal(hidden.clone(), mask_pad.clone()),
        )
    });
    bench(c, &format!("{prefix}/gate"), device, || {
        finish(expert.gate.forward(pooled.clone()))
    });
    bench(c, &format!("{prefix}/refine"), device, || {
        finish(expert.refine.forward(pooled.clone()))
    });
    bench(c, &format!("{prefix}/blend"), device, || {
        finish(blend(refined.clone(), hidden.clone(), gate.clone()))
    });
    let input = workload::input(BATCH, device);
    let input = StarInput {
        hidden: hidden.clone(),
        ..input
    };
    bench(c, &format!("{prefix}/star_with_experts"), device, || {
        finish(star.forward(input.clone()).hidden)
    });
}

fn star_kernels(c: &mut Criterion) {
    // What the `train` binary does (BENCHMARKS.md, "allocator").
    star_esc::star_core::tune_allocator();
    kernels(c, &Device::flex(), "inference");
    kernels(c, &Device::flex().autodiff(), "train");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = star_kernels
}
criterion_main!(benches);

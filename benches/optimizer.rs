//! One AdamW step over every parameter of BlenderBot-Small (`small`, 20 M parameters) on flex:
//! burn's `AdamW` against [`star_esc::train::FusedAdamW`], the trainer's (same arithmetic and
//! state, one pass per parameter). Gradients come from a tiny forward and backward pass, made
//! outside the timed part.
//!
//! `cargo bench --bench optimizer`

use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Tensor};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use star_esc::esc_models::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};
use star_esc::train::FusedAdamW;

/// The model and gradients of every parameter, from one example of 16 / 8 tokens.
fn model_and_grads(
    model: BlenderbotSmallForConditionalGeneration,
    device: &Device,
) -> (BlenderbotSmallForConditionalGeneration, GradientsParams) {
    let ids =
        |t: usize| Tensor::<2>::random([1, t], Distribution::Uniform(4.0, 50_000.0), device).int();
    let input = ids(16);
    let mask = input.clone().equal_elem(0);
    let logits = model.forward(input, mask, ids(8)).logits;
    let grads = GradientsParams::from_grads(logits.powf_scalar(2.0).mean().backward(), &model);
    (model, grads)
}

fn bench_optimizer(c: &mut Criterion) {
    star_esc::star_core::tune_allocator();
    let device = Device::flex().autodiff();
    device.seed(0);
    let optimizers: [(&str, ModuleOptimizer); 2] = [
        (
            "burn_adamw",
            AdamWConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(0.01)
                .init(),
        ),
        (
            "fused_adamw",
            FusedAdamW::new(0.9, 0.999, 1e-8, 0.01).into(),
        ),
    ];
    for (name, mut optim) in optimizers {
        // The setup takes the model and the timed step puts the updated one back.
        let model = std::cell::RefCell::new(Some(BlenderbotSmallConfig::small().init(&device)));
        c.bench_function(&format!("optimizer_step/small/flex/{name}"), |b| {
            b.iter_batched(
                || model_and_grads(model.borrow_mut().take().expect("model"), &device),
                |(m, grads)| *model.borrow_mut() = Some(optim.step(1e-4, m, grads)),
                BatchSize::PerIteration,
            )
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_optimizer
}
criterion_main!(benches);

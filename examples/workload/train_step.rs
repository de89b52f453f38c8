//! One BlenderBot-Small training step (forward, cross-entropy, backward, AdamW) on random ids at
//! the shapes of `scripts/bench_bbs.py` (batch 8, encoder 160, decoder 40): the workload shared
//! by `examples/bench_bbs.rs` (JSON timings beside PyTorch's) and the criterion bench
//! `benches/train_step.rs`, which include this file with `#[path]`. The optimizer is the
//! trainer's ([FusedAdamW]).

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Int, Tensor};
use star_esc::esc_models::loss::cross_entropy;
use star_esc::esc_models::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};
use star_esc::train::FusedAdamW;

/// Examples per step.
pub const BATCH: usize = 8;
/// Encoder tokens per example.
pub const SRC: usize = 160;
/// Decoder tokens per example.
pub const TGT: usize = 40;

/// Random ids in `4..vocab - 1` (no special token).
pub fn ids(b: usize, t: usize, vocab: usize, device: &Device) -> Tensor<2, Int> {
    Tensor::<2>::random(
        [b, t],
        Distribution::Uniform(4.0, vocab as f64 - 1.0),
        device,
    )
    .int()
}

/// One step's inputs: encoder ids, their pad mask, decoder ids, labels.
#[derive(Clone)]
pub struct Batch {
    input: Tensor<2, Int>,
    mask: Tensor<2, burn::tensor::Bool>,
    decoder: Tensor<2, Int>,
    labels: Tensor<2, Int>,
}

/// A randomly initialised model and its AdamW optimizer on an autodiff device.
pub struct TrainStep {
    /// The model being trained.
    pub model: BlenderbotSmallForConditionalGeneration,
    optim: ModuleOptimizer,
    vocab_size: usize,
    device: Device,
}

impl TrainStep {
    /// `config`'s model on `base.autodiff()`, AdamW with torch's defaults and weight decay 0.01
    /// (the reference's; `scripts/bench_bbs.py` sets the same on PyTorch's side).
    pub fn new(config: &BlenderbotSmallConfig, base: &Device) -> Self {
        let device = base.clone().autodiff();
        Self {
            model: config.init(&device),
            optim: FusedAdamW::new(0.9, 0.999, 1e-8, 0.01).into(),
            vocab_size: config.vocab_size,
            device,
        }
    }

    /// A random batch of `b` examples.
    pub fn batch(&self, b: usize) -> Batch {
        let input = ids(b, SRC, self.vocab_size, &self.device);
        Batch {
            mask: input.clone().equal_elem(0),
            input,
            decoder: ids(b, TGT, self.vocab_size, &self.device),
            labels: ids(b, TGT, self.vocab_size, &self.device),
        }
    }

    /// One optimizer step on `batch`, returning once the updated weights are computed, with the
    /// seconds of its phases: `[forward, loss, backward, optimizer, total]`. flex executes eagerly,
    /// so each phase has finished when its call returns (on a lazy backend such as CUDA only the
    /// total is meaningful).
    pub fn run(&mut self, batch: Batch) -> [f64; 5] {
        use std::time::Instant;
        let start = Instant::now();
        let out = self.model.forward(batch.input, batch.mask, batch.decoder);
        let forward = start.elapsed().as_secs_f64();
        let loss = cross_entropy(out.logits, batch.labels);
        let loss_done = start.elapsed().as_secs_f64();
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        let backward_done = start.elapsed().as_secs_f64();
        self.model = self.optim.step(3e-5, self.model.clone(), grads);
        // Reading one weight waits for the whole update.
        let _ = self
            .model
            .model
            .shared
            .weight
            .val()
            .slice([0..1, 0..1])
            .into_data();
        let total = start.elapsed().as_secs_f64();
        [
            forward,
            loss_done - forward,
            backward_done - loss_done,
            total - backward_done,
            total,
        ]
    }
}

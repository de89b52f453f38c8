//! STAR attached to your own burn decoder, trained for a few steps.
//!
//! The decoder is a stand-in for yours: token and position embeddings, one causal
//! self-attention block with a feed-forward layer, and an LM head. STAR sits between the last
//! hidden states and the LM head; a small strategy head on the decoder states gives the
//! strategy loss `L_ST`, and the two losses are mixed with `loss::combine` and a
//! `LambdaSchedule` (Section 3.3 of the paper).
//!
//! The toy task: each sequence counts through the tokens `1..VOCAB` with a step fixed by its
//! "strategy" (1, 2 or 3), from a random start, with a random length and right padding. The
//! LM predicts the next token; the strategy head predicts the step. STAR pools causally with
//! the pads masked (leak-free: position `t` sees positions `<= t` only) and picks its expert by
//! the gold strategy, a given condition here as in the paper's training.
//!
//! `cargo run -p star-core --example own_decoder` (a few seconds; exits non-zero if the losses
//! did not decrease). `tests/own_decoder.rs` runs the same training.

use burn::config::Config;
use burn::module::Module;
use burn::nn::attention::{
    MhaInput, MultiHeadAttention, MultiHeadAttentionConfig, generate_autoregressive_mask,
};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::gelu;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use star_core::{LambdaSchedule, PoolingMode, Star, StarConfig, StarInput, combine};

/// Vocabulary: `PAD` (0) and the tokens `1..VOCAB`.
pub const VOCAB: usize = 12;
/// The padding token id.
pub const PAD: usize = 0;
/// Number of strategies (counting steps 1, 2, 3).
pub const N_STRATEGIES: usize = 3;
/// Longest sequence (input positions: one fewer).
pub const MAX_LEN: usize = 9;

/// Configuration of [`ToyDecoder`].
#[derive(Config, Debug)]
pub struct ToyDecoderConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Longest input (number of position embeddings).
    pub max_len: usize,
    /// Width of the hidden states. Default 32.
    #[config(default = 32)]
    pub d_model: usize,
    /// Attention heads. Default 4.
    #[config(default = 4)]
    pub n_heads: usize,
}

impl ToyDecoderConfig {
    /// Initialise a [`ToyDecoder`] on `device`.
    pub fn init(&self, device: &Device) -> ToyDecoder {
        let d = self.d_model;
        ToyDecoder {
            tokens: EmbeddingConfig::new(self.vocab_size, d).init(device),
            positions: EmbeddingConfig::new(self.max_len, d).init(device),
            attn: MultiHeadAttentionConfig::new(d, self.n_heads)
                .with_dropout(0.0)
                .init(device),
            norm_attn: LayerNormConfig::new(d).init(device),
            ff_in: LinearConfig::new(d, 2 * d).init(device),
            ff_out: LinearConfig::new(2 * d, d).init(device),
            norm_ff: LayerNormConfig::new(d).init(device),
            lm_head: LinearConfig::new(d, self.vocab_size).init(device),
        }
    }
}

/// A one-block causal decoder: the part of your model that STAR attaches to.
///
/// Should be created with [`ToyDecoderConfig`].
#[derive(Module, Debug)]
pub struct ToyDecoder {
    tokens: Embedding,
    positions: Embedding,
    attn: MultiHeadAttention,
    norm_attn: LayerNorm,
    ff_in: Linear,
    ff_out: Linear,
    norm_ff: LayerNorm,
    lm_head: Linear,
}

impl ToyDecoder {
    /// The last hidden states `[batch_size, seq_length, d_model]` (before the LM head).
    pub fn hidden(&self, tokens: Tensor<2, Int>, mask_pad: Tensor<2, Bool>) -> Tensor<3> {
        let [b, t] = tokens.dims();
        let device = tokens.device();
        let positions = Tensor::<1, Int>::arange(0..t as i64, &device)
            .unsqueeze::<2>()
            .expand([b, t]);
        let x = self.tokens.forward(tokens) + self.positions.forward(positions);
        let attn = MhaInput::self_attn(x.clone())
            .mask_attn(generate_autoregressive_mask(b, t, &device))
            .mask_pad(mask_pad);
        let x = self.norm_attn.forward(x + self.attn.forward(attn).context);
        let ff = self.ff_out.forward(gelu(self.ff_in.forward(x.clone())));
        self.norm_ff.forward(x + ff)
    }

    /// Next-token logits `[batch_size, seq_length, vocab_size]`.
    pub fn lm_head(&self, hidden: Tensor<3>) -> Tensor<3> {
        self.lm_head.forward(hidden)
    }
}

/// Configuration of [`ToyModel`]: your decoder plus STAR plus a strategy head.
#[derive(Config, Debug)]
pub struct ToyModelConfig {
    /// The decoder.
    pub decoder: ToyDecoderConfig,
    /// STAR; its `d_model` must be the decoder's.
    pub star: StarConfig,
}

impl ToyModelConfig {
    /// The toy sizes: d_model 32, STAR causal with masked pads (leak-free), small widths.
    pub fn toy() -> Self {
        let decoder = ToyDecoderConfig::new(VOCAB, MAX_LEN);
        let star = StarConfig::new(decoder.d_model, N_STRATEGIES)
            .with_n_heads(4)
            .with_gate_dim(16)
            .with_d_ffn(64)
            .with_pooling(PoolingMode::Causal);
        Self::new(decoder, star)
    }

    /// Initialise a [`ToyModel`] on `device`.
    pub fn init(&self, device: &Device) -> ToyModel {
        ToyModel {
            decoder: self.decoder.init(device),
            star: self.star.init(device),
            strategy_head: LinearConfig::new(self.decoder.d_model, self.star.n_strategies)
                .init(device),
        }
    }
}

/// Your decoder with STAR between its last hidden states and its LM head.
///
/// Should be created with [`ToyModelConfig`].
#[derive(Module, Debug)]
pub struct ToyModel {
    decoder: ToyDecoder,
    star: Star,
    strategy_head: Linear,
}

/// A padded batch of the toy task.
#[derive(Debug, Clone)]
pub struct ToyBatch {
    /// Input tokens `[batch_size, seq_length]`, right-padded with [`PAD`].
    pub inputs: Tensor<2, Int>,
    /// Next tokens `[batch_size, seq_length]`, [`PAD`] where there is none.
    pub targets: Tensor<2, Int>,
    /// `[batch_size, seq_length]`, `true` = padding (star-core's mask convention).
    pub mask_pad: Tensor<2, Bool>,
    /// Gold strategy of each example `[batch_size]`.
    pub strategies: Tensor<1, Int>,
}

impl ToyBatch {
    /// `per_strategy` sequences of each strategy, deterministic in `seed`.
    pub fn generate(per_strategy: usize, seed: u64, device: &Device) -> Self {
        let mut state = seed.max(1);
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let t = MAX_LEN - 1;
        let b = per_strategy * N_STRATEGIES;
        let (mut inputs, mut targets, mut pads, mut strategies) = (vec![], vec![], vec![], vec![]);
        for strategy in (0..N_STRATEGIES).flat_map(|s| std::iter::repeat_n(s, per_strategy)) {
            let len = 5 + next(MAX_LEN - 4); // 5..=MAX_LEN tokens
            let start = next(VOCAB - 1);
            let seq: Vec<i64> = (0..len)
                .map(|i| (1 + (start + i * (strategy + 1)) % (VOCAB - 1)) as i64)
                .collect();
            for i in 0..t {
                let real = i + 1 < len;
                inputs.push(if real { seq[i] } else { PAD as i64 });
                targets.push(if real { seq[i + 1] } else { PAD as i64 });
                pads.push(!real);
            }
            strategies.push(strategy as i64);
        }
        Self {
            inputs: Tensor::from_data(TensorData::new(inputs, [b, t]), device),
            targets: Tensor::from_data(TensorData::new(targets, [b, t]), device),
            mask_pad: Tensor::from_data(TensorData::new(pads, [b, t]), device),
            strategies: Tensor::from_data(TensorData::new(strategies, [b]), device),
        }
    }
}

/// The two losses of one forward pass, and STAR's mean gate.
#[derive(Debug)]
pub struct ToyLosses {
    /// `L_LM`, next-token cross-entropy over the non-pad positions, `[1]`.
    pub lm: Tensor<1>,
    /// `L_ST`, strategy cross-entropy, `[1]`.
    pub strategy: Tensor<1>,
    /// Mean integration value `g` of STAR (Eq. (2)).
    pub gate: f32,
}

impl ToyModel {
    /// Forward pass and both losses.
    pub fn losses(&self, batch: &ToyBatch) -> ToyLosses {
        let h = self
            .decoder
            .hidden(batch.inputs.clone(), batch.mask_pad.clone());
        let [b, t, d] = h.dims();
        let device = h.device();

        // Strategy from the decoder states (masked mean over the real positions).
        let keep = batch
            .mask_pad
            .clone()
            .bool_not()
            .float()
            .unsqueeze_dim::<3>(2);
        let mean = (h.clone() * keep.clone()).sum_dim(1) / keep.sum_dim(1);
        let strategy_logits = self.strategy_head.forward(mean.reshape([b, d]));
        let strategy = CrossEntropyLossConfig::new()
            .init(&device)
            .forward(strategy_logits, batch.strategies.clone());

        // STAR refines the states for the LM head: h' = g ⊙ P(z) + (1 - g) ⊙ h.
        let star = self
            .star
            .forward(StarInput::new(h, batch.strategies.clone()).mask_pad(batch.mask_pad.clone()));
        let logits = self.decoder.lm_head(star.hidden);
        let lm = CrossEntropyLossConfig::new()
            .with_pad_tokens(Some(vec![PAD]))
            .init(&device)
            .forward(
                logits.reshape([b * t, VOCAB]),
                batch.targets.clone().reshape([b * t]),
            );

        ToyLosses {
            lm,
            strategy,
            gate: star.gate.mean().into_scalar(),
        }
    }
}

/// The losses of one optimizer step.
#[derive(Debug, Clone, Copy)]
pub struct StepLog {
    /// Zero-based epoch.
    pub epoch: usize,
    /// `λ` of the epoch.
    pub lambda: f64,
    /// `L = (1 - λ) L_LM + λ L_ST`.
    pub loss: f32,
    /// `L_LM`.
    pub lm: f32,
    /// `L_ST`.
    pub strategy: f32,
    /// STAR's mean gate.
    pub gate: f32,
}

/// Train a fresh [`ToyModel`] on one fixed toy batch with Adam (lr 1e-2), `epochs` ×
/// `steps_per_epoch` steps, `λ` from [`LambdaSchedule::Log`] with `λ0 = 0.5`.
///
/// `device` must be an autodiff device (`Device::flex().autodiff()`).
pub fn train(device: &Device, epochs: usize, steps_per_epoch: usize) -> Vec<StepLog> {
    device.seed(7);
    let mut model = ToyModelConfig::toy().init(device);
    let mut optim = AdamConfig::new().init();
    let batch = ToyBatch::generate(8, 42, device);
    let schedule = LambdaSchedule::Log { lambda0: 0.5 };

    let mut log = Vec::new();
    for epoch in 0..epochs {
        let lambda = schedule.lambda(epoch, epochs);
        for _ in 0..steps_per_epoch {
            let losses = model.losses(&batch);
            let lm: f32 = losses.lm.clone().into_scalar();
            let strategy: f32 = losses.strategy.clone().into_scalar();
            let loss = combine(losses.lm, losses.strategy, lambda);
            log.push(StepLog {
                epoch,
                lambda,
                loss: loss.clone().into_scalar(),
                lm,
                strategy,
                gate: losses.gate,
            });
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
    }
    log
}

/// `Ok` when both `L_LM` and `L_ST` ended lower than they started.
///
/// # Errors
/// A message naming the loss that did not decrease.
pub fn check_decreased(log: &[StepLog]) -> Result<(), String> {
    let (first, last) = match (log.first(), log.last()) {
        (Some(first), Some(last)) if log.len() > 1 => (first, last),
        _ => return Err("need at least two steps".into()),
    };
    for (name, start, end) in [
        ("L_LM", first.lm, last.lm),
        ("L_ST", first.strategy, last.strategy),
    ] {
        if end.is_nan() || end >= start {
            return Err(format!("{name} did not decrease: {start:.4} -> {end:.4}"));
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let device = Device::flex().autodiff();
    let log = train(&device, 4, 10);
    println!("step epoch lambda   loss     L_LM     L_ST     gate");
    for (step, s) in log.iter().enumerate() {
        println!(
            "{:>4} {:>5} {:>6.3} {:>8.4} {:>8.4} {:>8.4} {:>8.4}",
            step + 1,
            s.epoch,
            s.lambda,
            s.loss,
            s.lm,
            s.strategy,
            s.gate
        );
    }
    check_decreased(&log)?;
    println!("both losses decreased");
    Ok(())
}

//! Multi-head attention of BlenderBot-Small (HF `BlenderbotSmallAttention`, copied from BART):
//! separate `q_proj`/`k_proj`/`v_proj`/`out_proj` linears with bias, scores scaled by `head_dim^-0.5`,
//! dropout on the attention probabilities.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Tensor};
use star_core::dropout;

use super::sublayer::Projection;

/// Keys and values of one attention layer, each `[batch_size, n_heads, seq_length, head_dim]`.
#[derive(Clone, Debug)]
pub struct KeyValue {
    /// Projected keys.
    pub key: Tensor<4>,
    /// Projected values.
    pub value: Tensor<4>,
}

impl KeyValue {
    /// Number of cached positions.
    pub fn len(&self) -> usize {
        self.key.dims()[2]
    }

    /// `true` when no position is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends new positions (self-attention cache growth).
    pub fn append(self, new: KeyValue) -> KeyValue {
        KeyValue {
            key: Tensor::cat(vec![self.key, new.key], 2),
            value: Tensor::cat(vec![self.value, new.value], 2),
        }
    }

    /// Keeps the batch rows `indices` (beam reordering).
    pub fn select(self, indices: Tensor<1, burn::tensor::Int>) -> KeyValue {
        KeyValue {
            key: self.key.select(0, indices.clone()),
            value: self.value.select(0, indices),
        }
    }
}

/// Multi-head attention with HF parameter names. Should be created with `Attention::new`.
#[derive(Module, Debug)]
pub struct Attention {
    /// Query projection (`[d_model, d_model]` in burn layout).
    pub q_proj: Linear,
    /// Key projection.
    pub k_proj: Linear,
    /// Value projection.
    pub v_proj: Linear,
    /// Output projection.
    pub out_proj: Linear,
    /// Dropout on the attention probabilities (`attention_dropout`).
    pub dropout: Dropout,
    /// Number of heads.
    pub n_heads: usize,
}

impl Attention {
    /// A randomly initialised layer (weights N(0, `init_std`), biases 0, as HF's `_init_weights`).
    pub fn new(
        d_model: usize,
        n_heads: usize,
        attention_dropout: f64,
        init_std: f64,
        device: &Device,
    ) -> Self {
        let linear = || hf_linear(d_model, d_model, init_std, device);
        Self {
            q_proj: linear(),
            k_proj: linear(),
            v_proj: linear(),
            out_proj: linear(),
            dropout: DropoutConfig::new(attention_dropout).init(),
            n_heads,
        }
    }

    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, t, d] = x.dims();
        x.reshape([b, t, self.n_heads, d / self.n_heads])
            .swap_dims(1, 2)
    }

    /// Keys or values: [Attention::split_heads], materialised in the `[b, h, t, d/h]` order
    /// when decoding. Every decoding step reads the cross-attention's keys and values again, and
    /// an attention kernel copies a strided input to contiguous memory at every call (90M,
    /// greedy batch 16: 1.25x). The swapped view cannot be reshaped to `[b·h, t, d/h]` without a
    /// copy, so the round trip makes one. Training reads them once: the view is kept.
    fn split_heads_kv(&self, x: Tensor<3>) -> Tensor<4> {
        if x.device().is_autodiff() {
            return self.split_heads(x);
        }
        let [b, t, d] = x.dims();
        let h = self.n_heads;
        self.split_heads(x)
            .reshape([b * h, t, d / h])
            .reshape([b, h, t, d / h])
    }

    /// Projects `x` `[batch_size, seq_length, d_model]` to keys and values.
    pub fn project_kv(&self, x: Tensor<3>) -> KeyValue {
        self.project_kv_with(
            (
                Projection::Module(&self.k_proj),
                Projection::Module(&self.v_proj),
            ),
            x,
        )
    }

    /// [Attention::project_kv] through the given key and value projections.
    pub(crate) fn project_kv_with(
        &self,
        (k_proj, v_proj): (Projection, Projection),
        x: Tensor<3>,
    ) -> KeyValue {
        KeyValue {
            key: self.split_heads_kv(k_proj.forward(x.clone())),
            value: self.split_heads_kv(v_proj.forward(x)),
        }
    }

    /// Attends from `x` `[b, t, d]` to `kv` (`[b, h, s, d/h]`); `mask` `[b, t, s]` (`true` = masked).
    /// Returns the output projection, `[b, t, d]`.
    ///
    /// # Panics
    /// If the batch sizes or widths disagree.
    pub fn attend(&self, x: Tensor<3>, kv: &KeyValue, mask: Option<Tensor<3, Bool>>) -> Tensor<3> {
        self.attend_with(
            (
                Projection::Module(&self.q_proj),
                Projection::Module(&self.out_proj),
            ),
            x,
            kv,
            mask,
        )
    }

    /// [Attention::attend] through the given query and output projections.
    pub(crate) fn attend_with(
        &self,
        (q_proj, out_proj): (Projection, Projection),
        x: Tensor<3>,
        kv: &KeyValue,
        mask: Option<Tensor<3, Bool>>,
    ) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let head_dim = d / self.n_heads;
        let q = self.split_heads(q_proj.forward(x));
        let s = kv.len();
        let scale = (head_dim as f64).powf(-0.5);
        let dropout_active = self.dropout.prob > 0.0
            && self.dropout.training.is_enabled()
            && q.device().is_autodiff();
        // On flex: one fused operation, with its own backward pass under autodiff. Without
        // autodiff it keeps no probabilities, and its vectorised softmax made the 90M encoder
        // 1.15x faster than burn-flex's `attention`. A decoding step (one query per sequence)
        // takes it from enough (example, head) pairs to share among the threads; below, burn-flex's
        // kernel has less to set up (batch 1: 1.2x faster).
        #[cfg(feature = "flex")]
        if !dropout_active
            && (t > 1
                || q.device().is_autodiff()
                || b * self.n_heads >= super::flex_attention::DECODING_MIN_PAIRS)
            && super::flex_attention::supports(&q)
        {
            let context =
                super::flex_attention::attention(q, kv.key.clone(), kv.value.clone(), mask, scale);
            return linear_out(out_proj, context);
        }
        let mask = mask.map(|m| m.unsqueeze_dim::<4>(1).expand([b, self.n_heads, t, s]));
        let context = if dropout_active {
            // The fused kernel has no dropout: compute the probabilities explicitly.
            let mut scores = q.matmul(kv.key.clone().swap_dims(2, 3)) * scale;
            if let Some(mask) = mask {
                scores = scores.mask_fill(mask, f32::MIN);
            }
            let probs = dropout::forward(&self.dropout, softmax(scores, 3));
            probs.matmul(kv.value.clone())
        } else {
            let options = AttentionModuleOptions {
                scale: Some(scale),
                softcap: None,
                is_causal: false,
            };
            attention(q, kv.key.clone(), kv.value.clone(), mask, None, options)
        };
        linear_out(out_proj, context)
    }
}

/// The output projection of the heads' context `[b, h, t, d/h]`, `[b, t, d]`.
fn linear_out(out_proj: Projection, context: Tensor<4>) -> Tensor<3> {
    let [b, h, t, head_dim] = context.dims();
    out_proj.forward(context.swap_dims(1, 2).reshape([b, t, h * head_dim]))
}

/// Builds a linear layer initialised as HF does (weights N(0, std), bias 0).
pub(crate) fn hf_linear(d_input: usize, d_output: usize, std: f64, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_input, d_output)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device);
    // A fresh trainable parameter: mapping the drawn bias to `zeros_like` would give a tensor
    // that does not require gradients, i.e. a frozen bias.
    linear.bias = Some(Initializer::Zeros.init([d_output], device));
    linear
}

/// `[b, t, s]` mask (`true` = masked) that hides padded keys, from `mask_pad` `[b, s]`.
pub(crate) fn key_padding_mask(mask_pad: &Tensor<2, Bool>, t: usize) -> Tensor<3, Bool> {
    let [b, s] = mask_pad.dims();
    mask_pad.clone().unsqueeze_dim::<3>(1).expand([b, t, s])
}

/// `[b, t, past + t]` causal mask (`true` = future key) for `t` new positions after `past` cached ones.
pub(crate) fn causal_mask(b: usize, t: usize, past: usize, device: &Device) -> Tensor<3, Bool> {
    Tensor::<2, Bool>::tril_mask([t, past + t], past as i64, device)
        .unsqueeze_dim::<3>(0)
        .expand([b, t, past + t])
}

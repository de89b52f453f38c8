//! BERT self-attention block (HF `BertAttention` = `BertSelfAttention` + `BertSelfOutput`):
//! `LayerNorm(x + dense(MHA(x)))`, scores scaled by `head_dim^-0.5`.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Tensor};

use super::config::BertConfig;
use crate::blenderbot_small::attention::hf_linear;

/// Multi-head self-attention (HF `BertSelfAttention`: `query`, `key`, `value`).
#[derive(Module, Debug)]
pub struct BertSelfAttention {
    /// Query projection (`[hidden_size, hidden_size]` in burn layout).
    pub query: Linear,
    /// Key projection.
    pub key: Linear,
    /// Value projection.
    pub value: Linear,
    /// Dropout on the attention probabilities (`attention_probs_dropout_prob`).
    pub dropout: Dropout,
    /// Number of heads.
    pub n_heads: usize,
}

/// Output projection and residual norm of the attention (HF `BertSelfOutput`).
#[derive(Module, Debug)]
pub struct BertSelfOutput {
    /// Output projection.
    pub dense: Linear,
    /// Layer norm after the residual (HF `LayerNorm`).
    pub layer_norm: LayerNorm,
    /// Residual-branch dropout (`hidden_dropout_prob`).
    pub dropout: Dropout,
}

/// The attention block of a layer (HF `BertAttention`; its `self` is `self_`, a Rust keyword).
#[derive(Module, Debug)]
pub struct BertAttention {
    /// The attention proper (HF `self`).
    pub self_: BertSelfAttention,
    /// Projection, residual and norm (HF `output`).
    pub output: BertSelfOutput,
}

impl BertAttention {
    pub(crate) fn new(config: &BertConfig, device: &Device) -> Self {
        let d = config.hidden_size;
        let linear = || hf_linear(d, d, config.initializer_range, device);
        Self {
            self_: BertSelfAttention {
                query: linear(),
                key: linear(),
                value: linear(),
                dropout: DropoutConfig::new(config.attention_probs_dropout_prob).init(),
                n_heads: config.num_attention_heads,
            },
            output: BertSelfOutput {
                dense: linear(),
                layer_norm: LayerNormConfig::new(d)
                    .with_epsilon(config.layer_norm_eps)
                    .init(device),
                dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            },
        }
    }

    /// Self-attention with residual and norm.
    ///
    /// # Shapes
    /// `x` `[b, t, d]`, `mask` `[b, t, t]` (`true` = masked key) -> `[b, t, d]`.
    ///
    /// # Panics
    /// If the shapes disagree.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<3, Bool>) -> Tensor<3> {
        let context = self.self_.forward(x.clone(), mask);
        let h = self
            .output
            .dropout
            .forward(self.output.dense.forward(context));
        self.output.layer_norm.forward(x + h)
    }
}

impl BertSelfAttention {
    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [b, t, d] = x.dims();
        x.reshape([b, t, self.n_heads, d / self.n_heads])
            .swap_dims(1, 2)
    }

    /// The attention context before the output projection.
    ///
    /// # Shapes
    /// `x` `[b, t, d]`, `mask` `[b, t, t]` (`true` = masked key) -> `[b, t, d]`.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<3, Bool>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let q = self.split_heads(self.query.forward(x.clone()));
        let k = self.split_heads(self.key.forward(x.clone()));
        let v = self.split_heads(self.value.forward(x));
        let mask = mask.unsqueeze_dim::<4>(1).expand([b, self.n_heads, t, t]);
        let scale = ((d / self.n_heads) as f64).powf(-0.5);
        let dropout_active = self.dropout.prob > 0.0
            && self.dropout.training.is_enabled()
            && q.device().is_autodiff();
        let context = if dropout_active {
            // The fused kernel has no dropout: compute the probabilities explicitly.
            let scores = (q.matmul(k.swap_dims(2, 3)) * scale).mask_fill(mask, f32::MIN);
            self.dropout.forward(softmax(scores, 3)).matmul(v)
        } else {
            let options = AttentionModuleOptions {
                scale: Some(scale),
                softcap: None,
                is_causal: false,
            };
            attention(q, k, v, Some(mask), None, options)
        };
        context.swap_dims(1, 2).reshape([b, t, d])
    }
}

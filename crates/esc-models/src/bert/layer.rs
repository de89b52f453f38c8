//! One BERT encoder layer (HF `BertLayer`), post-LN:
//! `x = LN(x + Attn(x))`, `x = LN(x + output.dense(gelu(intermediate.dense(x))))`.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation::gelu;
use burn::tensor::{Bool, Device, Tensor};

use super::attention::BertAttention;
use super::config::BertConfig;
use crate::blenderbot_small::attention::hf_linear;

/// Feed-forward input (HF `BertIntermediate`): `gelu(dense(x))`.
#[derive(Module, Debug)]
pub struct BertIntermediate {
    /// `hidden_size -> intermediate_size`.
    pub dense: Linear,
}

/// Feed-forward output, residual and norm (HF `BertOutput`).
#[derive(Module, Debug)]
pub struct BertOutput {
    /// `intermediate_size -> hidden_size`.
    pub dense: Linear,
    /// Layer norm after the residual (HF `LayerNorm`).
    pub layer_norm: LayerNorm,
    /// Residual-branch dropout (`hidden_dropout_prob`).
    pub dropout: Dropout,
}

/// One encoder layer (HF names). Built by [super::BertConfig::init].
#[derive(Module, Debug)]
pub struct BertLayer {
    /// Self-attention block.
    pub attention: BertAttention,
    /// Feed-forward input.
    pub intermediate: BertIntermediate,
    /// Feed-forward output.
    pub output: BertOutput,
}

impl BertLayer {
    pub(crate) fn new(config: &BertConfig, device: &Device) -> Self {
        let (d, ff, std) = (
            config.hidden_size,
            config.intermediate_size,
            config.initializer_range,
        );
        Self {
            attention: BertAttention::new(config, device),
            intermediate: BertIntermediate {
                dense: hf_linear(d, ff, std, device),
            },
            output: BertOutput {
                dense: hf_linear(ff, d, std, device),
                layer_norm: LayerNormConfig::new(d)
                    .with_epsilon(config.layer_norm_eps)
                    .init(device),
                dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            },
        }
    }

    /// # Shapes
    /// `x` `[b, t, d]`, `mask` `[b, t, t]` (`true` = masked key) -> `[b, t, d]`.
    ///
    /// # Panics
    /// If the shapes disagree.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<3, Bool>) -> Tensor<3> {
        let x = self.attention.forward(x, mask);
        let h = gelu(self.intermediate.dense.forward(x.clone()));
        let h = self.output.dropout.forward(self.output.dense.forward(h));
        self.output.layer_norm.forward(x + h)
    }
}

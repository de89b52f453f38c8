//! BlenderBot-Small encoder (HF `BlenderbotSmallEncoder` / `BlenderbotSmallEncoderLayer`), post-LN:
//! `x = LN(embed(ids) * embed_scale + pos)`, then per layer
//! `x = LN(x + SelfAttn(x))`, `x = LN(x + fc2(gelu(fc1 x)))`.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Bool, Device, Int, Tensor};
use star_core::{dropout, layer_norm};

use super::attention::{Attention, hf_linear, key_padding_mask};
use super::config::BlenderbotSmallConfig;
use super::sublayer::{Projection, feed_forward, residual_norm};

/// One encoder layer (HF names). Built by [Encoder::new].
#[derive(Module, Debug)]
pub struct EncoderLayer {
    /// Self-attention.
    pub self_attn: Attention,
    /// Layer norm after the attention residual.
    pub self_attn_layer_norm: LayerNorm,
    /// Feed-forward in (`d_model -> encoder_ffn_dim`).
    pub fc1: Linear,
    /// Feed-forward out.
    pub fc2: Linear,
    /// Layer norm after the feed-forward residual.
    pub final_layer_norm: LayerNorm,
    /// Residual-branch dropout (`dropout`).
    pub dropout: Dropout,
    /// Dropout after the activation (`activation_dropout`).
    pub activation_dropout: Dropout,
}

impl EncoderLayer {
    fn new(config: &BlenderbotSmallConfig, device: &Device) -> Self {
        let d = config.d_model;
        Self {
            self_attn: Attention::new(
                d,
                config.encoder_attention_heads,
                config.attention_dropout,
                config.init_std,
                device,
            ),
            self_attn_layer_norm: LayerNormConfig::new(d).init(device),
            fc1: hf_linear(d, config.encoder_ffn_dim, config.init_std, device),
            fc2: hf_linear(config.encoder_ffn_dim, d, config.init_std, device),
            final_layer_norm: LayerNormConfig::new(d).init(device),
            dropout: DropoutConfig::new(config.dropout).init(),
            activation_dropout: DropoutConfig::new(config.activation_dropout).init(),
        }
    }

    /// `x` `[b, s, d]`, `mask` `[b, s, s]` (`true` = masked key) -> `[b, s, d]`.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<3, Bool>) -> Tensor<3> {
        let kv = self.self_attn.project_kv(x.clone());
        let h = self.self_attn.attend(x.clone(), &kv, Some(mask));
        let x = residual_norm(&self.self_attn_layer_norm, &self.dropout, x, h);
        feed_forward(
            (Projection::Module(&self.fc1), Projection::Module(&self.fc2)),
            (&self.activation_dropout, &self.dropout),
            &self.final_layer_norm,
            x,
        )
    }
}

/// The encoder stack (HF names; the token embedding is the model's `shared`, passed in).
#[derive(Module, Debug)]
pub struct Encoder {
    /// Learned positions `[max_position_embeddings, d_model]`.
    pub embed_positions: Embedding,
    /// Layer norm on the summed embeddings.
    pub layernorm_embedding: LayerNorm,
    /// The layers.
    pub layers: Vec<EncoderLayer>,
    /// Embedding dropout (`dropout`).
    pub dropout: Dropout,
    /// `sqrt(d_model)` when `scale_embedding`, else 1.
    pub embed_scale: f64,
}

impl Encoder {
    /// A randomly initialised encoder.
    pub fn new(config: &BlenderbotSmallConfig, device: &Device) -> Self {
        Self {
            embed_positions: super::model::hf_embedding(
                config.max_position_embeddings,
                config.d_model,
                config.init_std,
                device,
            ),
            layernorm_embedding: LayerNormConfig::new(config.d_model).init(device),
            layers: (0..config.encoder_layers)
                .map(|_| EncoderLayer::new(config, device))
                .collect(),
            dropout: DropoutConfig::new(config.dropout).init(),
            embed_scale: if config.scale_embedding {
                (config.d_model as f64).sqrt()
            } else {
                1.0
            },
        }
    }

    /// Encodes token ids.
    ///
    /// # Shapes
    /// - `input_ids`: `[batch_size, seq_length]`
    /// - `mask_pad`: `[batch_size, seq_length]`, `true` = padding
    /// - output: `[batch_size, seq_length, d_model]`
    ///
    /// # Panics
    /// If the shapes disagree or `seq_length > max_position_embeddings`.
    pub fn forward(
        &self,
        shared: &Embedding,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
    ) -> Tensor<3> {
        let embeds = shared.forward(input_ids) * self.embed_scale;
        self.forward_embeds(embeds, mask_pad)
    }

    /// Encodes token embeddings that are already scaled (HF `inputs_embeds`): the hook for heads that
    /// add to the input embeddings (e.g. Emstremo-style role embeddings).
    ///
    /// # Shapes
    /// - `inputs_embeds`: `[batch_size, seq_length, d_model]`
    /// - `mask_pad`: `[batch_size, seq_length]`, `true` = padding
    ///
    /// # Panics
    /// If the shapes disagree or `seq_length > max_position_embeddings`.
    pub fn forward_embeds(&self, inputs_embeds: Tensor<3>, mask_pad: Tensor<2, Bool>) -> Tensor<3> {
        let [b, s, _] = inputs_embeds.dims();
        assert_eq!(
            mask_pad.dims(),
            [b, s],
            "mask_pad must be [batch, seq_length]"
        );
        let positions = positions(&self.embed_positions, 0, s, &inputs_embeds.device());
        let x = layer_norm::forward(&self.layernorm_embedding, inputs_embeds + positions);
        let mut x = dropout::forward(&self.dropout, x);
        let mask = key_padding_mask(&mask_pad, s);
        for layer in &self.layers {
            x = layer.forward(x, mask.clone());
        }
        x
    }
}

/// Position embeddings for positions `start..start + len`, `[1, len, d]`.
///
/// # Panics
/// If `start + len` exceeds the table.
pub(crate) fn positions(table: &Embedding, start: usize, len: usize, device: &Device) -> Tensor<3> {
    let [max, _] = table.weight.dims();
    assert!(
        start + len <= max,
        "sequence of {} positions exceeds max_position_embeddings {max}",
        start + len
    );
    let _ = device;
    table
        .weight
        .val()
        .narrow(0, start, len)
        .unsqueeze_dim::<3>(0)
}

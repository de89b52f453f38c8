//! The BERT encoder (HF `BertModel` without its pooler), returning the hidden states after a chosen
//! number of layers, as bert-score does when it truncates `model.encoder.layer` to `num_layers`.

use burn::module::Module;
use burn::tensor::{Bool, Device, Int, Tensor, assert_shape};

use super::config::BertConfig;
use super::embeddings::BertEmbeddings;
use super::layer::BertLayer;
use crate::blenderbot_small::attention::key_padding_mask;

/// The layer stack (HF `BertEncoder`).
#[derive(Module, Debug)]
pub struct BertEncoder {
    /// The layers (HF `layer.N`).
    pub layer: Vec<BertLayer>,
}

/// A BERT encoder with HF parameter names (see [super::weights] for the two renamed keys).
/// Should be created with [BertConfig::init].
#[derive(Module, Debug)]
pub struct BertModel {
    /// Input embeddings.
    pub embeddings: BertEmbeddings,
    /// The layers.
    pub encoder: BertEncoder,
}

impl BertModel {
    pub(crate) fn new(config: &BertConfig, device: &Device) -> Self {
        Self {
            embeddings: BertEmbeddings::new(config, device),
            encoder: BertEncoder {
                layer: (0..config.num_hidden_layers)
                    .map(|_| BertLayer::new(config, device))
                    .collect(),
            },
        }
    }

    /// Number of encoder layers.
    pub fn num_layers(&self) -> usize {
        self.encoder.layer.len()
    }

    /// Number of learned positions (the longest input).
    pub fn max_positions(&self) -> usize {
        self.embeddings.position_embeddings.weight.dims()[0]
    }

    /// The hidden states after the first `num_layers` layers (0: the embedding output; HF's
    /// `hidden_states[num_layers]`). Padded positions hold values that no real token attends to.
    ///
    /// # Shapes
    /// `input_ids` `[batch_size, seq_length]`, `mask_pad` `[batch_size, seq_length]` (`true` = padding)
    /// -> `[batch_size, seq_length, hidden_size]`.
    ///
    /// # Panics
    /// If `num_layers` exceeds [BertModel::num_layers], the shapes disagree or `seq_length` exceeds
    /// [BertModel::max_positions].
    pub fn forward(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        num_layers: usize,
    ) -> Tensor<3> {
        assert!(
            num_layers <= self.num_layers(),
            "num_layers {num_layers} > the model's {} layers",
            self.num_layers()
        );
        let [b, t] = input_ids.dims();
        assert_shape!(mask_pad, [b, t]);
        let mask = key_padding_mask(&mask_pad, t);
        let mut x = self.embeddings.forward(input_ids);
        for layer in &self.encoder.layer[..num_layers] {
            x = layer.forward(x, mask.clone());
        }
        x
    }
}

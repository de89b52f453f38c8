//! BERT input embeddings (HF `BertEmbeddings`): `LayerNorm(word + position + token_type)`, then
//! dropout. Positions are absolute (`0..t`); every token has type 0, as in a single-sentence input.

use burn::module::Module;
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig,
};
use burn::tensor::{Device, Int, Tensor};

use super::config::BertConfig;

/// The embedding block (HF names; `LayerNorm` is `layer_norm`, see [super::weights]).
/// Built by [super::BertConfig::init].
#[derive(Module, Debug)]
pub struct BertEmbeddings {
    /// Token embeddings `[vocab_size, hidden_size]`.
    pub word_embeddings: Embedding,
    /// Absolute position embeddings `[max_position_embeddings, hidden_size]`.
    pub position_embeddings: Embedding,
    /// Segment embeddings `[type_vocab_size, hidden_size]`.
    pub token_type_embeddings: Embedding,
    /// Layer norm over the sum (HF `LayerNorm`).
    pub layer_norm: LayerNorm,
    /// Dropout (`hidden_dropout_prob`).
    pub dropout: Dropout,
}

impl BertEmbeddings {
    pub(crate) fn new(config: &BertConfig, device: &Device) -> Self {
        let embedding = |rows: usize| {
            EmbeddingConfig::new(rows, config.hidden_size)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: config.initializer_range,
                })
                .init(device)
        };
        Self {
            word_embeddings: embedding(config.vocab_size),
            position_embeddings: embedding(config.max_position_embeddings),
            token_type_embeddings: embedding(config.type_vocab_size),
            layer_norm: LayerNormConfig::new(config.hidden_size)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
        }
    }

    /// Embeds `input_ids`.
    ///
    /// # Shapes
    /// `input_ids` `[batch_size, seq_length]` -> `[batch_size, seq_length, hidden_size]`.
    ///
    /// # Panics
    /// If `seq_length` exceeds `max_position_embeddings` (truncate first).
    pub fn forward(&self, input_ids: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = input_ids.dims();
        let max = self.position_embeddings.weight.dims()[0];
        assert!(
            t <= max,
            "sequence of {t} tokens, the model has {max} positions"
        );
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..t as i64, &device)
            .unsqueeze_dim::<2>(0)
            .expand([b, t]);
        let token_types = Tensor::<2, Int>::zeros([b, t], &device);
        let x = self.word_embeddings.forward(input_ids)
            + self.token_type_embeddings.forward(token_types)
            + self.position_embeddings.forward(positions);
        self.dropout.forward(self.layer_norm.forward(x))
    }
}

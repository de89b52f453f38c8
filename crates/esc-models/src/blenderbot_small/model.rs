//! BlenderBot-Small encoder-decoder with its LM head (HF `BlenderbotSmallModel` /
//! `BlenderbotSmallForConditionalGeneration`, transformers 4.57 `modeling_blenderbot_small.py`).
//!
//! The LM head is truly tied: `logits = h · sharedᵀ + final_logits_bias` uses the `shared`
//! embedding matrix itself, so fine-tuning the embedding changes the head too.
//! `final_logits_bias` is an HF buffer: a `Param` here (so that it loads) that is frozen.

use burn::module::{Module, Param};
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::tensor::{Bool, Device, Int, Tensor};

use super::config::BlenderbotSmallConfig;
use super::decoder::{Decoder, DecoderCache};
use super::encoder::Encoder;
use star_core::TransposedLinear;

/// Embedding initialised as HF does (N(0, std)).
pub(crate) fn hf_embedding(n: usize, d: usize, std: f64, device: &Device) -> Embedding {
    EmbeddingConfig::new(n, d)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device)
}

/// Shared embedding, encoder and decoder (HF `BlenderbotSmallModel`, key prefix `model.`).
#[derive(Module, Debug)]
pub struct BlenderbotSmallModel {
    /// Token embedding `[vocab_size, d_model]`, shared by encoder, decoder and LM head.
    pub shared: Embedding,
    /// The encoder.
    pub encoder: Encoder,
    /// The decoder.
    pub decoder: Decoder,
}

/// The outputs of one teacher-forced pass.
#[derive(Clone, Debug)]
pub struct Seq2SeqOutput {
    /// Encoder output `[batch_size, seq_length, d_model]`.
    pub encoder_hidden: Tensor<3>,
    /// Decoder output `[batch_size, target_length, d_model]`.
    pub decoder_hidden: Tensor<3>,
    /// LM logits `[batch_size, target_length, vocab_size]`.
    pub logits: Tensor<3>,
}

/// BlenderBot-Small with its tied LM head. Should be created with [BlenderbotSmallConfig::init]
/// (random weights), then filled by [crate::load_hf].
#[derive(Module, Debug)]
pub struct BlenderbotSmallForConditionalGeneration {
    /// Embedding, encoder, decoder.
    pub model: BlenderbotSmallModel,
    /// Bias added to every logit, `[1, vocab_size]` (frozen; HF buffer).
    pub final_logits_bias: Param<Tensor<2>>,
    /// The configuration it was built from (not a weight).
    #[module(skip)]
    pub config: BlenderbotSmallConfig,
}

impl BlenderbotSmallForConditionalGeneration {
    pub(crate) fn new(config: &BlenderbotSmallConfig, device: &Device) -> Self {
        Self {
            model: BlenderbotSmallModel {
                shared: hf_embedding(config.vocab_size, config.d_model, config.init_std, device),
                encoder: Encoder::new(config, device),
                decoder: Decoder::new(config, device),
            },
            final_logits_bias: Param::from_tensor(Tensor::zeros([1, config.vocab_size], device))
                .set_require_grad(false),
            config: config.clone(),
        }
    }

    /// Rows of the shared embedding (and columns of the logits).
    pub fn vocab_size(&self) -> usize {
        self.model.shared.weight.dims()[0]
    }

    /// Hidden size.
    pub fn d_model(&self) -> usize {
        self.model.shared.weight.dims()[1]
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.model.shared.weight.val().device()
    }

    /// An empty KV cache for incremental decoding.
    pub fn new_cache(&self) -> DecoderCache {
        DecoderCache::new(self.model.decoder.layers.len())
    }

    /// Encodes `input_ids` `[b, s]` with `mask_pad` `[b, s]` (`true` = padding) to `[b, s, d]`.
    ///
    /// # Panics
    /// If the shapes disagree or `s > max_position_embeddings`.
    pub fn encode(&self, input_ids: Tensor<2, Int>, mask_pad: Tensor<2, Bool>) -> Tensor<3> {
        self.model
            .encoder
            .forward(&self.model.shared, input_ids, mask_pad)
    }

    /// Decoder hidden states for `decoder_input_ids` `[b, t]` (the new positions when a cache is
    /// given). See [Decoder::forward_embeds] for shapes and panics.
    pub fn decode_hidden(
        &self,
        decoder_input_ids: Tensor<2, Int>,
        encoder_hidden: &Tensor<3>,
        encoder_mask_pad: &Tensor<2, Bool>,
        cache: Option<&mut DecoderCache>,
    ) -> Tensor<3> {
        self.model.decoder.forward(
            &self.model.shared,
            decoder_input_ids,
            encoder_hidden,
            encoder_mask_pad,
            cache,
        )
    }

    /// The tied LM head: `h · sharedᵀ + final_logits_bias`, `[b, t, d] -> [b, t, vocab_size]`.
    pub fn lm_logits(&self, hidden: Tensor<3>) -> Tensor<3> {
        // `shared` is already one output per row: at decoding steps `TransposedLinear` streams it
        // in order (small model, batch 16: 7.8 → 3.6 ms per step); otherwise it multiplies by
        // the transposed view, which a 2-D matmul reads through its strides (`linear` would copy
        // the whole `[vocab, d]` matrix first).
        TransposedLinear::new(
            self.model.shared.weight.val(),
            Some(self.final_logits_bias.val().squeeze_dim(0)),
        )
        .forward(hidden)
    }

    /// Decoder logits for `decoder_input_ids` (new positions when a cache is given).
    pub fn decode(
        &self,
        decoder_input_ids: Tensor<2, Int>,
        encoder_hidden: &Tensor<3>,
        encoder_mask_pad: &Tensor<2, Bool>,
        cache: Option<&mut DecoderCache>,
    ) -> Tensor<3> {
        self.lm_logits(self.decode_hidden(
            decoder_input_ids,
            encoder_hidden,
            encoder_mask_pad,
            cache,
        ))
    }

    /// One teacher-forced pass (HF `forward` with `decoder_input_ids`).
    ///
    /// # Shapes
    /// - `input_ids`, `mask_pad`: `[batch_size, seq_length]` (`true` = padding)
    /// - `decoder_input_ids`: `[batch_size, target_length]`
    ///
    /// # Panics
    /// If the shapes disagree or a length exceeds `max_position_embeddings`.
    pub fn forward(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        decoder_input_ids: Tensor<2, Int>,
    ) -> Seq2SeqOutput {
        let encoder_hidden = self.encode(input_ids, mask_pad.clone());
        let decoder_hidden =
            self.decode_hidden(decoder_input_ids, &encoder_hidden, &mask_pad, None);
        let logits = self.lm_logits(decoder_hidden.clone());
        Seq2SeqOutput {
            encoder_hidden,
            decoder_hidden,
            logits,
        }
    }

    /// Grows (or shrinks) the vocabulary to `new_vocab_size` rows, e.g. `+ 8` for the strategy tokens.
    ///
    /// New embedding rows are the **mean of the old rows**. transformers' `resize_token_embeddings`
    /// (`mean_resizing=True`, 4.4x+) samples them from N(mean, 1e-9 · covariance), whose spread is
    /// negligible; we take the mean itself so the result is deterministic. New `final_logits_bias`
    /// entries are 0 (as HF's `_resize_final_logits_bias`). `vocab_size` in the config follows.
    /// Parameter ids are kept, so an optimiser state keyed by them must be rebuilt.
    ///
    /// # Panics
    /// If `new_vocab_size` is 0.
    pub fn resize_token_embeddings(mut self, new_vocab_size: usize) -> Self {
        assert!(new_vocab_size > 0, "vocabulary cannot be empty");
        let old = self.vocab_size();
        if new_vocab_size == old {
            return self;
        }
        let device = self.device();
        let grow = new_vocab_size > old;
        // Built from detached values so the new parameters are leaves; `map` keeps ids and the
        // gradient setting.
        self.model.shared.weight = self.model.shared.weight.map(|weight| {
            let require_grad = weight.is_require_grad();
            let weight = weight.detach();
            let [_, d] = weight.dims();
            let resized = if grow {
                let mean = weight.clone().mean_dim(0).expand([new_vocab_size - old, d]);
                Tensor::cat(vec![weight, mean], 0)
            } else {
                weight.narrow(0, 0, new_vocab_size)
            };
            resized.set_require_grad(require_grad)
        });
        self.final_logits_bias = self.final_logits_bias.map(|bias| {
            let bias = bias.detach();
            if grow {
                Tensor::cat(
                    vec![bias, Tensor::zeros([1, new_vocab_size - old], &device)],
                    1,
                )
            } else {
                bias.slice([0..1, 0..new_vocab_size])
            }
        });
        self.config.vocab_size = new_vocab_size;
        self
    }
}

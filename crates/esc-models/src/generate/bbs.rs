//! Generation with a plain BlenderBot-Small.

use burn::tensor::{Bool, Device, Int, Tensor};
use rand::Rng;

use super::config::GenerationConfig;
use super::search::{SpecialIds, StepDecoder, generate_with};
use crate::blenderbot_small::{BlenderbotSmallForConditionalGeneration, DecoderCache};

/// [StepDecoder] of a [BlenderbotSmallForConditionalGeneration]: encoder output computed once,
/// decoder self- and cross-attention KV-cached.
pub struct BbsStepper<'a> {
    model: &'a BlenderbotSmallForConditionalGeneration,
    encoder_hidden: Tensor<3>,
    mask_pad: Tensor<2, Bool>,
    cache: DecoderCache,
}

impl<'a> BbsStepper<'a> {
    /// Encodes `input_ids` `[b, s]` (`mask_pad` `true` = padding) and prepares an empty cache.
    pub fn new(
        model: &'a BlenderbotSmallForConditionalGeneration,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
    ) -> Self {
        let encoder_hidden = model.encode(input_ids, mask_pad.clone());
        Self {
            model,
            encoder_hidden,
            mask_pad,
            cache: model.new_cache(),
        }
    }

    /// Repeats every example `n` times (beam search), encoder output included.
    pub fn expand(&mut self, n: usize) {
        let [b, _, _] = self.encoder_hidden.dims();
        let idx: Vec<i64> = (0..b as i64)
            .flat_map(|i| std::iter::repeat_n(i, n))
            .collect();
        let idx = Tensor::<1, Int>::from_data(
            burn::tensor::TensorData::new(idx, [b * n]),
            &self.encoder_hidden.device(),
        );
        self.encoder_hidden = self.encoder_hidden.clone().select(0, idx.clone());
        self.mask_pad = self.mask_pad.clone().select(0, idx.clone());
        self.cache.select(idx);
    }
}

impl StepDecoder for BbsStepper<'_> {
    fn step(&mut self, new_ids: Tensor<2, Int>) -> Tensor<2> {
        let [n, _] = new_ids.dims();
        let logits = self.model.decode(
            new_ids,
            &self.encoder_hidden,
            &self.mask_pad,
            Some(&mut self.cache),
        );
        let [_, t, v] = logits.dims();
        logits.slice([0..n, t - 1..t]).reshape([n, v])
    }

    fn select(&mut self, indices: Tensor<1, Int>) {
        self.cache.select(indices);
    }

    fn device(&self) -> Device {
        self.encoder_hidden.device()
    }
}

/// Generates replies for a padded batch (HF `model.generate(input_ids, attention_mask, ...)`).
/// Returns one id sequence per example, decoder start token included, padded after EOS to a common
/// length as HF does.
///
/// # Shapes
/// - `input_ids`, `mask_pad`: `[batch_size, seq_length]` (`true` = padding)
///
/// # Errors
/// [crate::Error::InvalidConfig] if `config` is invalid or names a token id beyond the model's
/// vocabulary.
pub fn generate<R: Rng + ?Sized>(
    model: &BlenderbotSmallForConditionalGeneration,
    input_ids: Tensor<2, Int>,
    mask_pad: Tensor<2, Bool>,
    config: &GenerationConfig,
    rng: &mut R,
) -> Result<Vec<Vec<u32>>, crate::Error> {
    config.validate()?;
    config.validate_ids(model.config.vocab_size)?;
    let [b, _] = input_ids.dims();
    let encoder_rows = super::host_rows(input_ids.clone());
    let start = config
        .decoder_start_token_id
        .unwrap_or(model.config.decoder_start_token_id);
    let special = SpecialIds {
        eos: config.eos_token_id.unwrap_or(model.config.eos_token_id),
        pad: config.pad_token_id.unwrap_or(model.config.pad_token_id),
    };
    let mut stepper = BbsStepper::new(model, input_ids, mask_pad);
    if config.num_beams > 1 {
        stepper.expand(config.num_beams);
    }
    Ok(generate_with(
        &mut stepper,
        vec![vec![start]; b],
        &encoder_rows,
        config,
        special,
        rng,
    ))
}

//! Generation with a plain BlenderBot-Small.

use burn::tensor::{Bool, Device, Int, Tensor};
use rand::Rng;

use super::config::GenerationConfig;
use super::search::{SpecialIds, StepDecoder, generate_with, generate_with_sampled};
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
        let hidden = self.model.decode_hidden(
            new_ids,
            &self.encoder_hidden,
            &self.mask_pad,
            Some(&mut self.cache),
        );
        // Only the last position's logits are needed: the LM head on it alone.
        let [_, t, _] = hidden.dims();
        let logits = self.model.lm_logits(hidden.slice([0..n, t - 1..t]));
        let [_, _, v] = logits.dims();
        logits.reshape([n, v])
    }

    fn select(&mut self, indices: Tensor<1, Int>) {
        self.cache.select(indices);
    }

    fn device(&self) -> Device {
        self.encoder_hidden.device()
    }
}

/// Generates replies for a padded batch by greedy decoding or beam search (HF
/// `model.generate(input_ids, attention_mask, ...)` with `do_sample=False`); no random-number
/// generator is involved. Returns one id sequence per example, decoder start token included,
/// padded after EOS to a common length as HF does. [GenerationConfig::max_new_tokens] counts the
/// tokens after the start token.
///
/// # Shapes
/// - `input_ids`, `mask_pad`: `[batch_size, seq_length]` (`true` = padding)
///
/// # Errors
/// [crate::Error::InvalidConfig] if `config` is invalid, names a token id beyond the model's
/// vocabulary, or sets `do_sample` (use [generate_sampled]).
pub fn generate(
    model: &BlenderbotSmallForConditionalGeneration,
    input_ids: Tensor<2, Int>,
    mask_pad: Tensor<2, Bool>,
    config: &GenerationConfig,
) -> Result<Vec<Vec<u32>>, crate::Error> {
    config.require_deterministic("generate_sampled")?;
    let (mut stepper, start) = prepare(model, input_ids, mask_pad, config)?;
    generate_with(
        &mut stepper,
        start.prefixes,
        &start.encoder_rows,
        config,
        start.special,
    )
}

/// As [generate], and samples when [GenerationConfig::do_sample] is set (HF
/// `model.generate(..., do_sample=True)`), drawing from `rng`; greedy decoding and beam search
/// leave `rng` untouched.
///
/// # Shapes
/// - `input_ids`, `mask_pad`: `[batch_size, seq_length]` (`true` = padding)
///
/// # Errors
/// [crate::Error::InvalidConfig] if `config` is invalid or names a token id beyond the model's
/// vocabulary.
pub fn generate_sampled<R: Rng + ?Sized>(
    model: &BlenderbotSmallForConditionalGeneration,
    input_ids: Tensor<2, Int>,
    mask_pad: Tensor<2, Bool>,
    config: &GenerationConfig,
    rng: &mut R,
) -> Result<Vec<Vec<u32>>, crate::Error> {
    let (mut stepper, start) = prepare(model, input_ids, mask_pad, config)?;
    generate_with_sampled(
        &mut stepper,
        start.prefixes,
        &start.encoder_rows,
        config,
        start.special,
        rng,
    )
}

/// What the decoding loop starts from.
struct Start {
    prefixes: Vec<Vec<u32>>,
    encoder_rows: Vec<Vec<u32>>,
    special: SpecialIds,
}

/// Checks `config` against the model, encodes the batch and builds the start of the loop.
fn prepare<'a>(
    model: &'a BlenderbotSmallForConditionalGeneration,
    input_ids: Tensor<2, Int>,
    mask_pad: Tensor<2, Bool>,
    config: &GenerationConfig,
) -> Result<(BbsStepper<'a>, Start), crate::Error> {
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
    let start = Start {
        prefixes: vec![vec![start]; b],
        encoder_rows,
        special,
    };
    Ok((stepper, start))
}

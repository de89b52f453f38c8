//! Generation with an [EscModel]: predict the strategy, then decode the response conditioned on it.
//!
//! As the STAR reference's `generate` (with `GOLDEN_TRUTH=False`): decode `<s>`; "before" = arg-max
//! of the pre-STAR strategy logits picks the expert; STAR refines; "after" = arg-max of the refined
//! logits' strategy columns is the reported prediction and the strategy token appended to the
//! prefix `[<s>, strategy]`; the strategy tokens are banned inside the response.
//!
//! Deliberate differences from the reference (see REFERENCE.md, "Which strategy picks the expert"):
//! the response steps keep one expert ([ResponseExpert], default "after", the strategy the
//! response is conditioned on, as in training) instead of re-picking it from each new token's
//! strategy columns, and with `PoolingMode::Full` the pooling covers the decoded prefix so far
//! (star-core's incremental cache) instead of only the newest token.
//!
//! Emstremo-style head: "before" is its encoder strategy classifier; the emotion and strategy
//! embeddings (predicted mixture, or the forced strategy) are decoded together with `<s>` in the
//! first step, so they sit in the KV cache at positions 0 and 1 and every later step attends to
//! them; STAR only sees the states from `<s>` on, as in training.

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use esc_data::EscBatch;
use rand::Rng;
use star_core::StarCache;

use crate::blenderbot_small::DecoderCache;
use crate::esc_model::EscModel;
use crate::generate::search::{Draw, SpecialIds, StepDecoder, run, uniform};
use crate::generate::{GenerationConfig, host_rows};
use crate::heads::PrefixSource;
use crate::routing::StarRoute;

/// Which expert STAR uses while decoding the response. [EscModel::response_expert] gives the
/// one that matches the model's training routing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseExpert {
    /// The "after" strategy (the one in the prefix), as in teacher-forced training with gold
    /// experts. Default.
    #[default]
    After,
    /// The first step's decision (the expert that produced the prediction): the "before"
    /// strategy, or the pre-STAR mixture under soft routing; as in training with predicted or
    /// soft routing.
    Before,
}

/// Result of [EscModel::generate].
#[derive(Clone, Debug)]
pub struct EscGeneration {
    /// Generated ids per example: `[<s>, strategy token, response..., EOS, pad...]`.
    pub sequences: Vec<Vec<u32>>,
    /// Strategy from the pre-STAR logits ("before").
    pub strategy_before: Vec<usize>,
    /// Strategy from the refined logits ("after"; equals "before" without STAR). The prediction.
    pub strategy_after: Vec<usize>,
    /// With STAR: per example, STAR's integration value `g` at the strategy step (averaged over
    /// its channels for a per-channel gate), from the "before" expert that made "after".
    pub gate: Option<Vec<f32>>,
}

struct EscStepper<'a> {
    model: &'a EscModel,
    encoder_hidden: Tensor<3>,
    mask_pad: Tensor<2, Bool>,
    cache: DecoderCache,
    star_cache: StarCache,
    route: Option<StarRoute>,
    /// Prefix positions already in the caches (skipped at the first step).
    skip: usize,
}

impl StepDecoder for EscStepper<'_> {
    fn step(&mut self, new_ids: Tensor<2, Int>) -> Tensor<2> {
        let [n, t] = new_ids.dims();
        let new_ids = if self.skip > 0 {
            let skip = std::mem::take(&mut self.skip);
            new_ids.slice([0..n, skip..t])
        } else {
            new_ids
        };
        let embeds = self
            .model
            .head
            .decoder_embeds(&self.model.backbone, new_ids);
        let hidden = self.model.backbone.model.decoder.forward_embeds(
            embeds,
            &self.encoder_hidden,
            &self.mask_pad,
            Some(&mut self.cache),
        );
        let (refined, _) = self.model.apply_star(
            hidden,
            self.route.as_ref(),
            None,
            Some(&mut self.star_cache),
        );
        let [_, t, _] = refined.dims();
        let last = refined.slice([0..n, t - 1..t]);
        let vocab = self.model.backbone.vocab_size();
        self.model.backbone.lm_logits(last).reshape([n, vocab])
    }

    fn select(&mut self, indices: Tensor<1, Int>) {
        self.cache.select(indices.clone());
        self.star_cache.select_batch(indices.clone());
        self.route = self.route.take().map(|r| r.select(indices.clone()));
        self.encoder_hidden = self.encoder_hidden.clone().select(0, indices.clone());
        self.mask_pad = self.mask_pad.clone().select(0, indices);
    }

    fn device(&self) -> Device {
        self.encoder_hidden.device()
    }
}

fn argmax_rows(logits: Tensor<2>) -> Vec<usize> {
    let [b, _] = logits.dims();
    let ids = logits
        .argmax(1)
        .reshape([b])
        .into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .expect("int ids");
    ids.into_iter().map(|x| x as usize).collect()
}

fn int1(values: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = values.iter().map(|&x| x as i64).collect();
    Tensor::from_data(TensorData::new(v, [values.len()]), device)
}

impl EscModel {
    /// Predicts the strategy and generates a response for each example of a padded batch, by
    /// greedy decoding or beam search (no random-number generator; for `do_sample` use
    /// [EscModel::generate_sampled]). [GenerationConfig::max_new_tokens] counts the response
    /// tokens after the prefix `[<s>, strategy token]`.
    ///
    /// # Shapes
    /// - `input_ids`, `mask_pad`: `[batch_size, seq_length]` (`true` = padding)
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid or sets `do_sample`.
    pub fn generate(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        config: &GenerationConfig,
        response_expert: ResponseExpert,
    ) -> Result<EscGeneration, crate::Error> {
        config.require_deterministic("EscModel::generate_sampled")?;
        let input = EncoderInput::new(input_ids, mask_pad, None);
        self.generate_impl(input, config, response_expert, None, None)
    }

    /// As [EscModel::generate], and samples the response when [GenerationConfig::do_sample] is
    /// set, drawing from `rng` (untouched by greedy decoding and beam search).
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid.
    pub fn generate_sampled<R: Rng + ?Sized>(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        config: &GenerationConfig,
        response_expert: ResponseExpert,
        rng: &mut R,
    ) -> Result<EscGeneration, crate::Error> {
        let input = EncoderInput::new(input_ids, mask_pad, None);
        let draw = &mut uniform(rng);
        self.generate_impl(input, config, response_expert, None, Some(draw))
    }

    /// As [EscModel::generate], with the response conditioned on the given strategy of each
    /// example (its token in the prefix and, with STAR, its expert); "before" / "after" are
    /// still predicted and reported.
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid or sets `do_sample`, or `strategies`
    /// does not hold one valid strategy id per example.
    pub fn generate_with_strategy(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        config: &GenerationConfig,
        strategies: &[usize],
    ) -> Result<EscGeneration, crate::Error> {
        config.require_deterministic("EscModel::generate_with_strategy_sampled")?;
        self.check_strategies(input_ids.dims()[0], strategies)?;
        let input = EncoderInput::new(input_ids, mask_pad, None);
        self.generate_impl(input, config, ResponseExpert::After, Some(strategies), None)
    }

    /// As [EscModel::generate_with_strategy], sampling as [EscModel::generate_sampled].
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid or `strategies` does not hold one
    /// valid strategy id per example.
    pub fn generate_with_strategy_sampled<R: Rng + ?Sized>(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        config: &GenerationConfig,
        strategies: &[usize],
        rng: &mut R,
    ) -> Result<EscGeneration, crate::Error> {
        self.check_strategies(input_ids.dims()[0], strategies)?;
        let input = EncoderInput::new(input_ids, mask_pad, None);
        let draw = &mut uniform(rng);
        self.generate_impl(
            input,
            config,
            ResponseExpert::After,
            Some(strategies),
            Some(draw),
        )
    }

    /// As [EscModel::generate] (`strategies` `None`) or [EscModel::generate_with_strategy]
    /// (`Some`, one id per example) on a padded batch, with its speaker roles
    /// ([EscBatch::input_roles]: the encoder input of a head with role embeddings).
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid or sets `do_sample`, or
    /// `strategies` does not hold one valid strategy id per example.
    pub fn generate_batch(
        &self,
        batch: &EscBatch,
        config: &GenerationConfig,
        response_expert: ResponseExpert,
        strategies: Option<&[usize]>,
    ) -> Result<EscGeneration, crate::Error> {
        config.require_deterministic("EscModel::generate_batch_sampled")?;
        let input = self.batch_input(batch, strategies)?;
        self.generate_impl(input, config, response_expert, strategies, None)
    }

    /// As [EscModel::generate_batch], sampling as [EscModel::generate_sampled].
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] if `config` is invalid or `strategies` does not hold one
    /// valid strategy id per example.
    pub fn generate_batch_sampled<R: Rng + ?Sized>(
        &self,
        batch: &EscBatch,
        config: &GenerationConfig,
        response_expert: ResponseExpert,
        strategies: Option<&[usize]>,
        rng: &mut R,
    ) -> Result<EscGeneration, crate::Error> {
        let input = self.batch_input(batch, strategies)?;
        let draw = &mut uniform(rng);
        self.generate_impl(input, config, response_expert, strategies, Some(draw))
    }

    /// The encoder input of `batch`, roles included, after checking `strategies`.
    fn batch_input(
        &self,
        batch: &EscBatch,
        strategies: Option<&[usize]>,
    ) -> Result<EncoderInput, crate::Error> {
        if let Some(s) = strategies {
            self.check_strategies(batch.input_ids.dims()[0], s)?;
        }
        Ok(EncoderInput::new(
            batch.input_ids.clone(),
            batch.input_mask_pad.clone(),
            Some(batch.input_roles.clone()),
        ))
    }

    fn check_strategies(&self, b: usize, strategies: &[usize]) -> Result<(), crate::Error> {
        let n = self.head.n_strategies();
        if strategies.len() != b || strategies.iter().any(|&s| s >= n) {
            return Err(crate::Error::InvalidConfig {
                path: None,
                field: "strategies",
                expected: format!(
                    "one strategy id below {n} per example ({b} examples), found {strategies:?}"
                ),
            });
        }
        Ok(())
    }

    /// Both steps; `draw` samples the response (`None`: greedy decoding or beam search).
    fn generate_impl(
        &self,
        input: EncoderInput,
        config: &GenerationConfig,
        response_expert: ResponseExpert,
        forced: Option<&[usize]>,
        draw: Draw<'_>,
    ) -> Result<EscGeneration, crate::Error> {
        config.validate()?;
        config.validate_ids(self.backbone.vocab_size())?;
        if self.head.needs_roles() && input.roles.is_none() {
            return Err(crate::Error::InvalidConfig {
                path: None,
                field: "input_roles",
                expected: "the speaker roles of the encoder input: this head has role \
                           embeddings (use EscModel::generate_batch)"
                    .into(),
            });
        }
        let EncoderInput {
            ids: input_ids,
            mask_pad,
            roles,
        } = input;
        let [b, _] = input_ids.dims();
        let device = input_ids.device();
        let bb = &self.backbone.config;
        let start = config
            .decoder_start_token_id
            .unwrap_or(bb.decoder_start_token_id);
        let special = SpecialIds {
            eos: config.eos_token_id.unwrap_or(bb.eos_token_id),
            pad: config.pad_token_id.unwrap_or(bb.pad_token_id),
        };
        let encoder_rows = host_rows(input_ids.clone());
        let encoder_hidden = self.encode_with_roles(input_ids, mask_pad.clone(), roles);
        let encoder_logits = self.head.encoder_logits(&encoder_hidden, &mask_pad);

        // Step 1: `<s>` alone (after the head's prepended embeddings, if any); "before" from the
        // pre-STAR logits.
        let mut cache = self.backbone.new_cache();
        let mut star_cache = StarCache::new();
        let start_ids = Tensor::<2, Int>::full([b, 1], start as i64, &device);
        let embeds = self.head.decoder_embeds(&self.backbone, start_ids);
        let source = match forced {
            Some(s) => PrefixSource::Strategies(Box::new(int1(s, &device))),
            None => PrefixSource::Predicted,
        };
        let p = self.head.decoder_prefix_len();
        let embeds = match self.head.decoder_prefix(encoder_logits.as_ref(), &source) {
            Some(prefix) => Tensor::cat(vec![prefix, embeds], 1),
            None => embeds,
        };
        let h0 = self
            .backbone
            .model
            .decoder
            .forward_embeds(embeds, &encoder_hidden, &mask_pad, Some(&mut cache))
            .slice([0..b, p..p + 1]);
        let pre_star = self.pre_star_logits(encoder_logits.as_ref(), &h0);
        let before = argmax_rows(pre_star.clone());
        // The first step's route: the "before" expert, or the pre-STAR mixture (soft routing).
        let first_route = self
            .star
            .as_ref()
            .map(|_| StarRoute::from_logits(self.routing, &pre_star));
        let (refined0, gate0) =
            self.apply_star(h0, first_route.as_ref(), None, Some(&mut star_cache));
        let (after, gate) = match gate0 {
            Some(gate0) => {
                let logits = self.backbone.lm_logits(refined0);
                let gate: Vec<f32> = gate0
                    .mean_dim(2)
                    .reshape([b])
                    .into_data()
                    .convert::<f32>()
                    .try_into_vec::<f32>()
                    .expect("gate values are floats");
                (
                    argmax_rows(self.head.strategy_logits_from_lm(&logits)),
                    Some(gate),
                )
            }
            None => (before.clone(), None),
        };
        let chosen: Vec<usize> = forced.map_or_else(|| after.clone(), <[usize]>::to_vec);

        // Step 2: the response after `[<s>, strategy]`, strategy tokens banned.
        let mut config = config.clone();
        config
            .bad_words_ids
            .extend((0..self.head.n_strategies()).map(|s| vec![self.head.strategy_token(s)]));
        let route = match response_expert {
            ResponseExpert::After => first_route.map(|_| StarRoute::Ids(int1(&chosen, &device))),
            ResponseExpert::Before => first_route,
        };
        let n = config.num_beams;
        let repeat: Vec<usize> = (0..b).flat_map(|i| std::iter::repeat_n(i, n)).collect();
        let repeat_t = int1(&repeat, &device);
        let route = route.map(|r| r.select(repeat_t.clone()));
        cache.select(repeat_t.clone());
        star_cache.select_batch(repeat_t.clone());
        let mut stepper = EscStepper {
            model: self,
            encoder_hidden: encoder_hidden.select(0, repeat_t.clone()),
            mask_pad: mask_pad.select(0, repeat_t),
            cache,
            star_cache,
            route,
            skip: 1,
        };
        let prefixes: Vec<Vec<u32>> = chosen
            .iter()
            .map(|&s| vec![start, self.head.strategy_token(s)])
            .collect();
        let sequences = run(
            &mut stepper,
            prefixes,
            &encoder_rows,
            &config,
            special,
            draw,
        )?;
        Ok(EscGeneration {
            sequences,
            strategy_before: before,
            strategy_after: after,
            gate,
        })
    }
}

/// What the encoder reads: ids `[b, s]`, padding mask `[b, s]` (`true` = padding) and, for
/// heads with role embeddings, the speaker roles `[b, s]`.
struct EncoderInput {
    ids: Tensor<2, Int>,
    mask_pad: Tensor<2, Bool>,
    roles: Option<Tensor<2, Int>>,
}

impl EncoderInput {
    fn new(ids: Tensor<2, Int>, mask_pad: Tensor<2, Bool>, roles: Option<Tensor<2, Int>>) -> Self {
        Self {
            ids,
            mask_pad,
            roles,
        }
    }
}

//! `EscModel` = BlenderBot-Small backbone + multitask head + optional STAR, as the STAR reference
//! wires them (`models/star_blenderbot_small.py`):
//! - the decoder hidden states `h` give the pre-STAR strategy logits (the head);
//! - STAR refines `h` with the expert of the **gold** strategy in training and validation;
//! - the LM logits come from the refined states (`logits = h' · sharedᵀ + bias`);
//! - `L = (1 - λ) L_LM + λ L_ST`, `L_LM` = token-mean CE of the refined logits over
//!   `[strategy] + response + [EOS]` (full vocabulary), `L_ST` = CE of the pre-STAR strategy logits.
//!
//! With the Emstremo-style head ([crate::heads::emstremo]) the pre-STAR strategy logits are the
//! head's encoder classifier (its "before" prediction, which also picks STAR's expert at
//! inference), the emotion and strategy embeddings are prepended to the decoder input and cut
//! from its output, and the head's weighted terms are added:
//! `L = (1 - λ) L_LM + λ L_ST + 0.05 L_emo + 0.05 L_str + 0.2 L_con` (λ = 0 without STAR, so
//! the reference's `L_LM + 0.05 L_emo + 0.05 L_str + 0.2 L_con`; `L_ST` and `L_str` are the same
//! CE, STAR's schedule adds its λ share on top, as it does on Joint's strategy logits).

use burn::module::{Module, ParamGroup};
use burn::tensor::{Bool, Device, Int, Tensor};
use esc_data::EscBatch;
use serde::{Deserialize, Serialize};
use star_core::{Star, StarCache, StarConfig, StarInput};

use crate::blenderbot_small::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};
use crate::heads::{EncoderLogits, Head, HeadConfig, LossTerm, PrefixSource};
use crate::loss::{classification_cross_entropy, cross_entropy, nll_per_example};
use crate::routing::{Routing, StarRoute, StrategyTarget};

/// Settings of an [EscModel]: backbone, head and (optionally) STAR.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EscModelConfig {
    /// Backbone settings; `vocab_size` includes the added strategy tokens.
    pub backbone: BlenderbotSmallConfig,
    /// The head.
    pub head: HeadConfig,
    /// STAR on the decoder states, or `None` for the plain head.
    pub star: Option<StarConfig>,
    /// STAR's expert in the training pass (default, and in configs written before it existed:
    /// [Routing::Gold], the reference).
    #[serde(default)]
    pub routing: Routing,
    /// The logits `L_ST` trains (default [StrategyTarget::PreStar], the reference).
    #[serde(default)]
    pub strategy_target: StrategyTarget,
}

impl EscModelConfig {
    /// A randomly initialised model.
    ///
    /// # Panics
    /// If a sub-configuration is invalid.
    pub fn init(&self, device: &Device) -> EscModel {
        EscModel::new(
            self.backbone.init(device),
            &self.head,
            self.star.as_ref(),
            device,
        )
        .with_routing(self.routing, self.strategy_target)
    }
}

/// Backbone + head + optional STAR. Should be created with [EscModelConfig::init] or
/// [EscModel::new] (from a loaded, resized backbone).
#[derive(Module, Debug)]
pub struct EscModel {
    /// BlenderBot-Small with its tied LM head.
    pub backbone: BlenderbotSmallForConditionalGeneration,
    /// The multitask head.
    pub head: Head,
    /// STAR, if attached.
    pub star: Option<Star>,
    /// STAR's expert in the training pass.
    #[module(skip)]
    pub routing: Routing,
    /// The logits `L_ST` trains.
    #[module(skip)]
    pub strategy_target: StrategyTarget,
}

/// Which expert STAR uses in a teacher-forced pass; for the Emstremo-style head also what the
/// prepended embeddings encode ([PrefixSource]).
#[derive(Clone, Debug)]
pub enum ExpertChoice {
    /// The gold strategy of each example (training and validation, as the reference).
    /// Emstremo-style prefix: gold emotion and gold strategy.
    Gold,
    /// Given strategy ids `[batch_size]`. Emstremo-style prefix: these strategies, predicted
    /// emotion.
    Ids(Box<Tensor<1, Int>>),
    /// The arg-max of the pre-STAR strategy logits ("before"). Emstremo-style prefix: the
    /// predicted distributions, as at inference.
    Predicted,
    /// Every expert, mixed by the pre-STAR strategy probabilities. Emstremo-style prefix: the
    /// predicted distributions.
    Soft,
    /// The model's training routing ([EscModel::routing]: gold, predicted or soft experts).
    /// Emstremo-style prefix: gold emotion and gold strategy, as in training.
    Configured,
}

/// Outputs of a teacher-forced pass.
#[derive(Clone, Debug)]
pub struct EscOutput {
    /// LM logits `[b, t, vocab]` (from the STAR-refined states when STAR is attached).
    pub logits: Tensor<3>,
    /// Pre-STAR strategy logits τ `[b, n_strategies]` ("before").
    pub strategy_logits: Tensor<2>,
    /// Refined strategy logits τ′ `[b, n_strategies]`: position 0's LM logits over the strategy
    /// columns ("after"; from the unrefined states without STAR).
    pub refined_strategy_logits: Tensor<2>,
    /// Decoder states before STAR `[b, t, d]`.
    pub hidden: Tensor<3>,
    /// Decoder states after STAR `[b, t, d]` (equal to `hidden` without STAR).
    pub refined: Tensor<3>,
    /// STAR's integration values `g`, if attached.
    pub gate: Option<Tensor<3>>,
    /// Encoder output `[b, s, d]`.
    pub encoder_hidden: Tensor<3>,
    /// The head's encoder-side emotion / strategy logits (Emstremo-style), else `None`.
    pub encoder_logits: Option<EncoderLogits>,
}

/// The loss terms of a batch.
#[derive(Clone, Debug)]
pub struct EscLoss {
    /// `(1 - λ) L_LM + λ L_ST + Σ weight · head term`, `[1]`.
    pub total: Tensor<1>,
    /// `L_LM`, `[1]`.
    pub lm: Tensor<1>,
    /// `L_ST`, `[1]`.
    pub strategy: Tensor<1>,
    /// The head's weighted extra terms (empty for BlenderBot-Joint).
    pub head_terms: Vec<LossTerm>,
}

/// Summed negative log-likelihood and token count of a validation batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NllStats {
    /// Σ token NLL.
    pub nll_sum: f64,
    /// Σ tokens.
    pub n_tokens: f64,
}

impl NllStats {
    /// Adds another batch.
    pub fn add(&mut self, other: NllStats) {
        self.nll_sum += other.nll_sum;
        self.n_tokens += other.n_tokens;
    }

    /// `exp(Σ NLL / Σ tokens)`.
    pub fn perplexity(&self) -> f64 {
        (self.nll_sum / self.n_tokens).exp()
    }
}

impl EscModel {
    /// Assembles a model from a backbone whose vocabulary already holds the strategy tokens
    /// (see [BlenderbotSmallForConditionalGeneration::resize_token_embeddings]).
    ///
    /// # Panics
    /// If the head does not fit the vocabulary or the STAR width differs from `d_model`.
    pub fn new(
        backbone: BlenderbotSmallForConditionalGeneration,
        head: &HeadConfig,
        star: Option<&StarConfig>,
        device: &Device,
    ) -> Self {
        let head = head.init(backbone.vocab_size(), backbone.d_model(), device);
        let star = star.map(|c| {
            assert_eq!(
                c.d_model,
                backbone.d_model(),
                "STAR d_model must equal the backbone's"
            );
            c.init(device)
        });
        Self {
            backbone,
            head,
            star,
            routing: Routing::Gold,
            strategy_target: StrategyTarget::PreStar,
        }
    }

    /// Sets the training routing and the target of `L_ST` (default: gold experts, pre-STAR
    /// logits, as the reference).
    pub fn with_routing(mut self, routing: Routing, strategy_target: StrategyTarget) -> Self {
        self.routing = routing;
        self.strategy_target = strategy_target;
        self
    }

    /// The teacher-forced choice that matches inference: pre-STAR arg-max experts, or the
    /// mixture under [Routing::Soft]. Validation and analysis predict strategies with it.
    pub fn inference_choice(&self) -> ExpertChoice {
        match self.routing {
            Routing::Gold | Routing::Predicted => ExpertChoice::Predicted,
            Routing::Soft => ExpertChoice::Soft,
        }
    }

    /// The expert of the response steps in generation that matches training: the strategy in
    /// the prefix ("after") under gold routing (where training's expert is the gold strategy,
    /// the prefix token), else the first step's pre-STAR decision.
    pub fn response_expert(&self) -> crate::ResponseExpert {
        match self.routing {
            Routing::Gold => crate::ResponseExpert::After,
            Routing::Predicted | Routing::Soft => crate::ResponseExpert::Before,
        }
    }

    /// Encoder output `[b, s, d]` for `input_ids` `[b, s]` (`mask_pad` `true` = padding), without
    /// speaker roles.
    ///
    /// # Panics
    /// If the head has role embeddings ([Head::needs_roles]): use [EscModel::encode_with_roles].
    pub fn encode(&self, input_ids: Tensor<2, Int>, mask_pad: Tensor<2, Bool>) -> Tensor<3> {
        self.encode_with_roles(input_ids, mask_pad, None)
    }

    /// As [EscModel::encode], with the speaker `roles` `[b, s]` of the input
    /// ([EscBatch::input_roles]; used by heads with role embeddings only).
    ///
    /// # Panics
    /// If the head has role embeddings and `roles` is `None`.
    pub fn encode_with_roles(
        &self,
        input_ids: Tensor<2, Int>,
        mask_pad: Tensor<2, Bool>,
        roles: Option<Tensor<2, Int>>,
    ) -> Tensor<3> {
        let embeds = self.head.encoder_embeds(&self.backbone, input_ids, roles);
        self.backbone.model.encoder.forward_embeds(embeds, mask_pad)
    }

    /// Teacher-forced pass over a batch.
    ///
    /// # Panics
    /// If the batch shapes disagree or a length exceeds `max_position_embeddings`.
    pub fn forward(&self, batch: &EscBatch, expert: ExpertChoice) -> EscOutput {
        let (encoder_hidden, encoder_logits) = self.encode_batch(batch);
        let embeds = self
            .head
            .decoder_embeds(&self.backbone, batch.decoder_input_ids.clone());
        let [b, t, _] = embeds.dims();
        let p = self.head.decoder_prefix_len();
        let source = prefix_source(&expert, batch);
        let embeds = match self.head.decoder_prefix(encoder_logits.as_ref(), &source) {
            Some(prefix) => Tensor::cat(vec![prefix, embeds], 1),
            None => embeds,
        };
        let hidden = self.backbone.model.decoder.forward_embeds(
            embeds,
            &encoder_hidden,
            &batch.input_mask_pad,
            None,
        );
        // The LM logits skip the prepended positions.
        let hidden = if p > 0 {
            hidden.slice([0..b, p..p + t])
        } else {
            hidden
        };
        let strategy_logits = self.pre_star_logits(encoder_logits.as_ref(), &hidden);
        let route = self.star_route(&expert, batch, &strategy_logits);
        let (refined, gate) = self.apply_star(
            hidden.clone(),
            route.as_ref(),
            Some(batch.decoder_mask_pad.clone()),
            None,
        );
        let logits = self.backbone.lm_logits(refined.clone());
        let refined_strategy_logits = self.head.strategy_logits_from_lm(&logits);
        EscOutput {
            logits,
            strategy_logits,
            refined_strategy_logits,
            hidden,
            refined,
            gate,
            encoder_hidden,
            encoder_logits,
        }
    }

    /// The same LM logits as [EscModel::forward] `[b, t, vocab]`, computed the way generation
    /// computes them: one decoder position at a time through the key/value and STAR caches,
    /// the expert fixed at the first step. Slow; it exists to show that training and
    /// generation run the same model (tests compare the two).
    ///
    /// # Panics
    /// As [EscModel::forward].
    pub fn forward_incremental(&self, batch: &EscBatch, expert: ExpertChoice) -> Tensor<3> {
        let (encoder_hidden, encoder_logits) = self.encode_batch(batch);
        let [b, t] = batch.decoder_input_ids.dims();
        let source = prefix_source(&expert, batch);
        let mut cache = self.backbone.new_cache();
        let mut star_cache = StarCache::new();
        let mut route = None;
        let mut logits = Vec::with_capacity(t);
        for i in 0..t {
            let ids = batch.decoder_input_ids.clone().slice([0..b, i..i + 1]);
            let mut embeds = self.head.decoder_embeds(&self.backbone, ids);
            if i == 0
                && let Some(prefix) = self.head.decoder_prefix(encoder_logits.as_ref(), &source)
            {
                embeds = Tensor::cat(vec![prefix, embeds], 1);
            }
            let hidden = self.backbone.model.decoder.forward_embeds(
                embeds,
                &encoder_hidden,
                &batch.input_mask_pad,
                Some(&mut cache),
            );
            let [_, n, _] = hidden.dims();
            let hidden = hidden.slice([0..b, n - 1..n]);
            if i == 0 {
                let strategy_logits = self.pre_star_logits(encoder_logits.as_ref(), &hidden);
                route = self.star_route(&expert, batch, &strategy_logits);
            }
            let mask = batch.decoder_mask_pad.clone().slice([0..b, i..i + 1]);
            let (refined, _) =
                self.apply_star(hidden, route.as_ref(), Some(mask), Some(&mut star_cache));
            logits.push(self.backbone.lm_logits(refined));
        }
        Tensor::cat(logits, 1)
    }

    /// The encoder output `[b, s, d]` of a batch (with its speaker roles) and the head's
    /// encoder-side logits (Emstremo-style heads).
    fn encode_batch(&self, batch: &EscBatch) -> (Tensor<3>, Option<EncoderLogits>) {
        let encoder_hidden = self.encode_with_roles(
            batch.input_ids.clone(),
            batch.input_mask_pad.clone(),
            Some(batch.input_roles.clone()),
        );
        let encoder_logits = self
            .head
            .encoder_logits(&encoder_hidden, &batch.input_mask_pad);
        (encoder_hidden, encoder_logits)
    }

    /// Pre-STAR strategy logits τ: the head's encoder classifier (Emstremo-style) or position
    /// 0 of the decoder states `[b, t, d]` over the strategy columns.
    pub(crate) fn pre_star_logits(
        &self,
        encoder_logits: Option<&EncoderLogits>,
        hidden: &Tensor<3>,
    ) -> Tensor<2> {
        match encoder_logits {
            Some(l) => l.strategy.clone(),
            None => self.head.strategy_logits(&self.backbone, hidden),
        }
    }

    /// STAR's experts for a teacher-forced `choice`, given the pre-STAR logits; `None` without
    /// STAR.
    fn star_route(
        &self,
        choice: &ExpertChoice,
        batch: &EscBatch,
        strategy_logits: &Tensor<2>,
    ) -> Option<StarRoute> {
        self.star.as_ref()?;
        let routing = match choice {
            ExpertChoice::Gold => Routing::Gold,
            ExpertChoice::Ids(ids) => return Some(StarRoute::Ids((**ids).clone())),
            ExpertChoice::Predicted => Routing::Predicted,
            ExpertChoice::Soft => Routing::Soft,
            ExpertChoice::Configured => self.routing,
        };
        Some(match routing {
            Routing::Gold => StarRoute::Ids(batch.strategy_ids.clone()),
            other => StarRoute::from_logits(other, strategy_logits),
        })
    }

    /// The one place STAR runs (training, validation, generation): refines `hidden`
    /// `[b, n, d]` with the experts of `route`; with a `cache`, `hidden` holds the newest
    /// positions only. Returns the refined states and the gate (`None` without STAR).
    pub(crate) fn apply_star(
        &self,
        hidden: Tensor<3>,
        route: Option<&StarRoute>,
        mask_pad: Option<Tensor<2, Bool>>,
        cache: Option<&mut StarCache>,
    ) -> (Tensor<3>, Option<Tensor<3>>) {
        let (Some(star), Some(route)) = (&self.star, route) else {
            return (hidden, None);
        };
        let input = match route {
            StarRoute::Ids(ids) => StarInput::new(hidden, ids.clone()),
            StarRoute::Weights(w) => StarInput::mixed(hidden, w.clone()),
        };
        let input = match mask_pad {
            Some(mask) => input.mask_pad(mask),
            None => input,
        };
        let out = match cache {
            Some(cache) => star.forward_step(input, cache),
            None => star.forward(input),
        };
        (out.hidden, Some(out.gate))
    }

    /// `(1 - λ) L_LM + λ L_ST + Σ weight · head term` for an output of [EscModel::forward]
    /// (training: [ExpertChoice::Configured]); `L_ST` on the logits of
    /// [EscModel::strategy_target].
    /// `lambda` comes from `star_core::LambdaSchedule` (pass 0 for BlenderBot-Joint as in
    /// `codes_zcj`, whose only loss is `L_LM` — the strategy token is its first label).
    pub fn loss(&self, out: &EscOutput, batch: &EscBatch, lambda: f64) -> EscLoss {
        let lm = cross_entropy(out.logits.clone(), batch.labels.clone());
        let ce = |logits: &Tensor<2>| {
            classification_cross_entropy(logits.clone(), batch.strategy_ids.clone())
        };
        let strategy = match (self.strategy_target, self.star.is_some()) {
            (StrategyTarget::Refined, true) => ce(&out.refined_strategy_logits),
            (StrategyTarget::Both, true) => {
                (ce(&out.strategy_logits) + ce(&out.refined_strategy_logits)) * 0.5
            }
            _ => ce(&out.strategy_logits),
        };
        let mut total = star_core::combine(lm.clone(), strategy.clone(), lambda);
        let head_terms = self.head.extra_loss(out, batch);
        for term in &head_terms {
            if term.weight != 0.0 {
                total = total + term.value.clone() * term.weight;
            }
        }
        EscLoss {
            total,
            lm,
            strategy,
            head_terms,
        }
    }

    /// Validation NLL as the reference computes perplexity: gold strategy token in the decoder
    /// input, the training routing's expert ([ExpertChoice::Configured]: gold in the
    /// reference), label position 0 (the strategy token) excluded, softmax over the base
    /// vocabulary only (the added tokens are cut off). Leak-free with causal pooling: every
    /// counted position already sees the gold strategy token as input.
    pub fn validation_nll(&self, batch: &EscBatch) -> NllStats {
        let mut total = NllStats::default();
        for example in self.validation_nll_per_example(batch) {
            total.add(example);
        }
        total
    }

    /// [EscModel::validation_nll] of each example of the batch (paired tests between models).
    pub fn validation_nll_per_example(&self, batch: &EscBatch) -> Vec<NllStats> {
        let out = self.forward(batch, ExpertChoice::Configured);
        let [b, t, _] = out.logits.dims();
        let base = self.head.base_vocab_size();
        let logits = out.logits.slice([0..b, 0..t, 0..base]);
        let labels = batch.labels.clone();
        let device = labels.device();
        let first = Tensor::<2, Int>::full([b, 1], crate::loss::IGNORE_INDEX, &device);
        let labels = if t > 1 {
            Tensor::cat(vec![first, labels.slice([0..b, 1..t])], 1)
        } else {
            first
        };
        let (nll, count) = nll_per_example(logits, labels);
        let floats = |x: Tensor<1>| -> Vec<f64> {
            x.into_data()
                .convert::<f64>()
                .try_into_vec::<f64>()
                .expect("float values")
        };
        floats(nll)
            .into_iter()
            .zip(floats(count))
            .map(|(nll_sum, n_tokens)| NllStats { nll_sum, n_tokens })
            .collect()
    }

    /// Two-stage training, stage 2: every parameter frozen except STAR's and the shared embedding
    /// (`star.*`, `backbone.model.shared.weight`). Dropout flags are left as they are.
    ///
    /// # Panics
    /// Never for this model (the regex is constant).
    pub fn freeze_except_star_and_embedding(self) -> Self {
        let group = ParamGroup::from_regex(r"^(star\..*|backbone\.model\.shared\..*)$")
            .expect("constant regex");
        self.set_require_grad(false)
            .set_require_grad_group(group, true)
    }
}

/// What the Emstremo-style prefix encodes for a teacher-forced `choice`.
fn prefix_source(choice: &ExpertChoice, batch: &EscBatch) -> PrefixSource {
    match choice {
        ExpertChoice::Gold | ExpertChoice::Configured => PrefixSource::Gold {
            emotions: Box::new(batch.emotion_ids.clone()),
            strategies: Box::new(batch.strategy_ids.clone()),
        },
        ExpertChoice::Ids(ids) => PrefixSource::Strategies(ids.clone()),
        ExpertChoice::Predicted | ExpertChoice::Soft => PrefixSource::Predicted,
    }
}

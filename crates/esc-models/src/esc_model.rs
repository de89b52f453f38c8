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
use star_core::{Star, StarConfig, StarInput};

use crate::blenderbot_small::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};
use crate::heads::{EncoderLogits, Head, HeadConfig, LossTerm, PrefixSource};
use crate::loss::{classification_cross_entropy, cross_entropy, nll_sum};

/// Settings of an [EscModel]: backbone, head and (optionally) STAR.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EscModelConfig {
    /// Backbone settings; `vocab_size` includes the added strategy tokens.
    pub backbone: BlenderbotSmallConfig,
    /// The head.
    pub head: HeadConfig,
    /// STAR on the decoder states, or `None` for the plain head.
    pub star: Option<StarConfig>,
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
}

/// Outputs of a teacher-forced pass.
#[derive(Clone, Debug)]
pub struct EscOutput {
    /// LM logits `[b, t, vocab]` (from the STAR-refined states when STAR is attached).
    pub logits: Tensor<3>,
    /// Pre-STAR strategy logits `[b, n_strategies]`.
    pub strategy_logits: Tensor<2>,
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
        let encoder_hidden = self.encode_with_roles(
            batch.input_ids.clone(),
            batch.input_mask_pad.clone(),
            Some(batch.input_roles.clone()),
        );
        let encoder_logits = self
            .head
            .encoder_logits(&encoder_hidden, &batch.input_mask_pad);
        let embeds = self
            .head
            .decoder_embeds(&self.backbone, batch.decoder_input_ids.clone());
        let [b, t, _] = embeds.dims();
        let source = match &expert {
            ExpertChoice::Gold => PrefixSource::Gold {
                emotions: Box::new(batch.emotion_ids.clone()),
                strategies: Box::new(batch.strategy_ids.clone()),
            },
            ExpertChoice::Ids(ids) => PrefixSource::Strategies(ids.clone()),
            ExpertChoice::Predicted => PrefixSource::Predicted,
        };
        let p = self.head.decoder_prefix_len();
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
        let strategy_logits = match &encoder_logits {
            Some(l) => l.strategy.clone(),
            None => self.head.strategy_logits(&self.backbone, &hidden),
        };
        let (refined, gate) = match &self.star {
            Some(star) => {
                let ids = match expert {
                    ExpertChoice::Gold => batch.strategy_ids.clone(),
                    ExpertChoice::Ids(ids) => *ids,
                    ExpertChoice::Predicted => strategy_logits.clone().argmax(1).flatten(0, 1),
                };
                let out = star.forward(
                    StarInput::new(hidden.clone(), ids).mask_pad(batch.decoder_mask_pad.clone()),
                );
                (out.hidden, Some(out.gate))
            }
            None => (hidden.clone(), None),
        };
        let logits = self.backbone.lm_logits(refined.clone());
        EscOutput {
            logits,
            strategy_logits,
            hidden,
            refined,
            gate,
            encoder_hidden,
            encoder_logits,
        }
    }

    /// `(1 - λ) L_LM + λ L_ST + Σ weight · head term` for an output of [EscModel::forward] with
    /// gold experts.
    /// `lambda` comes from `star_core::LambdaSchedule` (pass 0 for BlenderBot-Joint as in
    /// `codes_zcj`, whose only loss is `L_LM` — the strategy token is its first label).
    pub fn loss(&self, out: &EscOutput, batch: &EscBatch, lambda: f64) -> EscLoss {
        let lm = cross_entropy(out.logits.clone(), batch.labels.clone());
        let strategy =
            classification_cross_entropy(out.strategy_logits.clone(), batch.strategy_ids.clone());
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
    /// input and gold expert, label position 0 (the strategy token) excluded, softmax over the
    /// base vocabulary only (the added tokens are cut off).
    pub fn validation_nll(&self, batch: &EscBatch) -> NllStats {
        let out = self.forward(batch, ExpertChoice::Gold);
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
        let (nll, count) = nll_sum(logits, labels);
        NllStats {
            nll_sum: nll.into_scalar::<f64>(),
            n_tokens: count.into_scalar::<f64>(),
        }
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

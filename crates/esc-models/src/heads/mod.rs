//! Multitask heads on the BlenderBot-Small backbone. [EscModel](crate::EscModel) holds one [Head],
//! chosen by [HeadConfig].
//!
//! What a head decides, and where the later heads plug in:
//! - the **strategy logits** ([Head::strategy_logits]): BlenderBot-Joint reads position 0 of the LM
//!   logits over the strategy columns; KEMI-style is the same head: its 8 knowledge tokens are
//!   added *after* the strategy tokens (the reference's order), so the strategy tokens keep their
//!   ids and their columns become `[-16:-8]` (`JointConfig::first_strategy_token`); the knowledge
//!   text in the input is an esc-data concern (`esc_data::KnowledgeSource`); Emstremo-style uses
//!   its encoder classifier instead;
//! - the **strategy token** that conditions the response ([Head::strategy_token]) and the
//!   **base vocabulary** of validation perplexity ([Head::base_vocab_size]);
//! - the **inputs** of the backbone ([Head::encoder_embeds], [Head::decoder_embeds]): plain
//!   token embeddings here; Emstremo-style optionally adds speaker-role embeddings to the
//!   encoder input and prepends emotion/strategy embeddings to the decoder
//!   input ([Head::decoder_prefix], the backbone's `forward_embeds` hooks);
//! - **encoder classifiers** ([Head::encoder_logits]): Emstremo-style predicts the emotion and
//!   the strategy from the encoder; its strategy logits replace the decoder-read ones;
//! - **extra losses** ([Head::extra_loss]): none here; Emstremo-style adds emotion, strategy and
//!   contrastive terms.

pub mod contrastive;
pub mod emstremo;
pub mod joint;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};
use esc_data::EscBatch;
use serde::{Deserialize, Serialize};

use crate::blenderbot_small::BlenderbotSmallForConditionalGeneration;
use crate::esc_model::EscOutput;
use crate::loss::classification_cross_entropy;
pub use emstremo::{EmstremoConfig, EmstremoHead, EncoderLogits, PrefixMode, PrefixSource};
pub use joint::{JointConfig, JointHead};

/// A weighted loss term a head adds to the total.
#[derive(Clone, Debug)]
pub struct LossTerm {
    /// Short name (`L_emo`, `L_str`, `L_con`).
    pub name: &'static str,
    /// Its weight in the total.
    pub weight: f64,
    /// The unweighted value, `[1]`.
    pub value: Tensor<1>,
}

/// Which head to build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HeadConfig {
    /// BlenderBot-Joint (and KEMI-style, whose knowledge tokens follow the strategy tokens:
    /// `first_strategy_token`).
    Joint(JointConfig),
    /// Emstremo-style: encoder emotion/strategy classifiers, prepended embeddings, contrastive loss.
    Emstremo(EmstremoConfig),
}

impl HeadConfig {
    /// Builds the head for a vocabulary of `vocab_size` ids and a backbone of width `d_model`.
    ///
    /// # Panics
    /// If the head's configuration is invalid for this vocabulary.
    pub fn init(&self, vocab_size: usize, d_model: usize, device: &Device) -> Head {
        match self {
            HeadConfig::Joint(c) => Head::Joint(JointHead::new(c, vocab_size)),
            HeadConfig::Emstremo(c) => {
                Head::Emstremo(EmstremoHead::new(c, vocab_size, d_model, device))
            }
        }
    }

    /// Positions the head prepends to the decoder input (2 for Emstremo-style, else 0).
    pub fn decoder_prefix_len(&self) -> usize {
        match self {
            HeadConfig::Joint(_) => 0,
            HeadConfig::Emstremo(_) => EmstremoHead::PREFIX_LEN,
        }
    }
}

/// A multitask head. Should be created with [HeadConfig::init].
// A model holds a single head, so the size gap between variants costs nothing; burn's Module
// derive has no `Box` support to even it out.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Head {
    /// BlenderBot-Joint.
    Joint(JointHead),
    /// Emstremo-style.
    Emstremo(EmstremoHead),
}

impl Head {
    /// Encoder input embeddings (already scaled) for `input_ids` `[b, s]`; an Emstremo-style
    /// head with role embeddings adds those of the speaker `roles` `[b, s]` (ignored otherwise).
    ///
    /// # Panics
    /// If the head has role embeddings and `roles` is `None`.
    pub fn encoder_embeds(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        input_ids: Tensor<2, Int>,
        roles: Option<Tensor<2, Int>>,
    ) -> Tensor<3> {
        let embeds = backbone.model.shared.forward(input_ids) * backbone.model.encoder.embed_scale;
        match self {
            Head::Joint(_) => embeds,
            Head::Emstremo(h) => h.add_roles(embeds, roles),
        }
    }

    /// Whether the encoder input needs the speaker roles (an Emstremo-style head with role
    /// embeddings).
    pub fn needs_roles(&self) -> bool {
        matches!(self, Head::Emstremo(h) if h.role_embedding.is_some())
    }

    /// Decoder input embeddings (unscaled, before the decoder's layer norm) for
    /// `decoder_input_ids` `[b, t]` (the tokens only: see [Head::decoder_prefix]).
    pub fn decoder_embeds(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        decoder_input_ids: Tensor<2, Int>,
    ) -> Tensor<3> {
        match self {
            Head::Joint(_) | Head::Emstremo(_) => {
                let e = backbone.model.shared.forward(decoder_input_ids);
                let scale = backbone.model.decoder.embed_scale;
                if scale != 1.0 { e * scale } else { e }
            }
        }
    }

    /// Strategy logits `[b, n_strategies]` from the (pre-STAR) decoder hidden states `[b, t, d]`:
    /// position 0's LM logits over the strategy columns. For Emstremo-style these are the LM's
    /// strategy-token logits, not the head's prediction: [crate::EscModel] uses
    /// [Head::encoder_logits] whenever it is `Some`.
    pub fn strategy_logits(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        hidden: &Tensor<3>,
    ) -> Tensor<2> {
        match self {
            Head::Joint(h) => h.strategy_logits(backbone, hidden),
            Head::Emstremo(h) => h.token_columns().strategy_logits(backbone, hidden),
        }
    }

    /// Emotion and strategy logits predicted from the encoder output `[b, s, d]` (`mask_pad`
    /// `true` at padding); `None` for heads that read the strategy from the decoder.
    pub fn encoder_logits(
        &self,
        encoder_hidden: &Tensor<3>,
        mask_pad: &Tensor<2, burn::tensor::Bool>,
    ) -> Option<EncoderLogits> {
        match self {
            Head::Joint(_) => None,
            Head::Emstremo(h) => Some(h.encoder_logits(encoder_hidden, mask_pad)),
        }
    }

    /// Embeddings `[b, p, d]` prepended to the decoder input embeddings, or `None` (p = 0).
    /// `logits` are [Head::encoder_logits]' (required by heads that prepend something).
    ///
    /// # Panics
    /// If a prepending head gets no encoder logits.
    pub fn decoder_prefix(
        &self,
        logits: Option<&EncoderLogits>,
        source: &PrefixSource,
    ) -> Option<Tensor<3>> {
        match self {
            Head::Joint(_) => None,
            Head::Emstremo(h) => Some(h.decoder_prefix(
                logits.expect("the Emstremo prefix needs the encoder logits"),
                source,
            )),
        }
    }

    /// Positions prepended to the decoder input.
    pub fn decoder_prefix_len(&self) -> usize {
        match self {
            Head::Joint(_) => 0,
            Head::Emstremo(_) => EmstremoHead::PREFIX_LEN,
        }
    }

    /// Strategy logits `[b, n_strategies]` read from LM logits `[b, t, vocab]` (used on the
    /// STAR-refined logits for the "after" prediction).
    pub fn strategy_logits_from_lm(&self, logits: &Tensor<3>) -> Tensor<2> {
        match self {
            Head::Joint(h) => h.strategy_logits_from_lm(logits),
            Head::Emstremo(h) => h.token_columns().strategy_logits_from_lm(logits),
        }
    }

    /// Vocabulary id of strategy `s`.
    pub fn strategy_token(&self, s: usize) -> u32 {
        match self {
            Head::Joint(h) => h.strategy_token(s),
            Head::Emstremo(h) => h.token_columns().strategy_token(s),
        }
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        match self {
            Head::Joint(h) => h.n_strategies,
            Head::Emstremo(h) => h.n_strategies,
        }
    }

    /// The vocabulary before the added tokens (validation perplexity's softmax).
    pub fn base_vocab_size(&self) -> usize {
        match self {
            Head::Joint(h) => h.base_vocab_size(),
            Head::Emstremo(h) => h.token_columns().base_vocab_size(),
        }
    }

    /// Head-specific weighted loss terms added to the total (none for BlenderBot-Joint).
    /// Emstremo-style: `L_emo` (CE of the emotion logits), `L_str` (CE of the encoder strategy
    /// logits) and `L_con` (the contrastive loss over the pre-STAR decoder states at each
    /// example's last label position), with the configured weights.
    pub fn extra_loss(&self, out: &EscOutput, batch: &EscBatch) -> Vec<LossTerm> {
        match self {
            Head::Joint(_) => Vec::new(),
            Head::Emstremo(h) => {
                let logits = out
                    .encoder_logits
                    .as_ref()
                    .expect("an Emstremo output carries encoder logits");
                let [w_emo, w_str, w_con] = h.weights;
                let states = contrastive::final_states(&out.hidden, &batch.decoder_mask_pad);
                vec![
                    LossTerm {
                        name: "L_emo",
                        weight: w_emo,
                        value: classification_cross_entropy(
                            logits.emotion.clone(),
                            batch.emotion_ids.clone(),
                        ),
                    },
                    LossTerm {
                        name: "L_str",
                        weight: w_str,
                        value: classification_cross_entropy(
                            logits.strategy.clone(),
                            batch.strategy_ids.clone(),
                        ),
                    },
                    LossTerm {
                        name: "L_con",
                        weight: w_con,
                        value: contrastive::strategy_contrastive_loss(
                            states,
                            batch.strategy_ids.clone(),
                        ),
                    },
                ]
            }
        }
    }
}

//! Multitask heads on the BlenderBot-Small backbone. [EscModel](crate::EscModel) holds one [Head],
//! chosen by [HeadConfig].
//!
//! What a head decides, and where the later heads plug in:
//! - the **strategy logits** ([Head::strategy_logits]): BlenderBot-Joint reads position 0 of the LM
//!   logits over the strategy columns; KEMI-style is the same with the columns shifted by its 8
//!   knowledge tokens (`JointConfig::first_strategy_token`), plus knowledge text in the input
//!   (an esc-data concern); Emstremo-style will use encoder classifiers instead;
//! - the **strategy token** that conditions the response ([Head::strategy_token]) and the
//!   **base vocabulary** of validation perplexity ([Head::base_vocab_size]);
//! - the **inputs** of the backbone ([Head::encoder_embeds], [Head::decoder_embeds]): plain
//!   token embeddings here; Emstremo-style adds role embeddings to the encoder input and prepends
//!   emotion/strategy embeddings to the decoder input (the backbone's `forward_embeds` hooks);
//! - **extra losses** ([Head::extra_loss]): none here; Emstremo-style adds emotion, strategy,
//!   contrastive and KL terms.

pub mod joint;

use burn::module::Module;
use burn::tensor::{Bool, Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::blenderbot_small::BlenderbotSmallForConditionalGeneration;
pub use joint::{JointConfig, JointHead};

/// Which head to build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HeadConfig {
    /// BlenderBot-Joint (and KEMI-style inputs through `first_strategy_token`).
    Joint(JointConfig),
}

impl HeadConfig {
    /// Builds the head for a vocabulary of `vocab_size` ids.
    pub fn init(&self, vocab_size: usize) -> Head {
        match self {
            HeadConfig::Joint(c) => Head::Joint(JointHead::new(c, vocab_size)),
        }
    }
}

/// A multitask head. Should be created with [HeadConfig::init].
#[derive(Module, Debug)]
pub enum Head {
    /// BlenderBot-Joint.
    Joint(JointHead),
}

impl Head {
    /// Encoder input embeddings (already scaled) for `input_ids` `[b, s]`.
    pub fn encoder_embeds(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        input_ids: Tensor<2, Int>,
    ) -> Tensor<3> {
        match self {
            Head::Joint(_) => {
                backbone.model.shared.forward(input_ids) * backbone.model.encoder.embed_scale
            }
        }
    }

    /// Decoder input embeddings (unscaled, before the decoder's layer norm) for
    /// `decoder_input_ids` `[b, t]`.
    pub fn decoder_embeds(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        decoder_input_ids: Tensor<2, Int>,
    ) -> Tensor<3> {
        match self {
            Head::Joint(_) => {
                let e = backbone.model.shared.forward(decoder_input_ids);
                let scale = backbone.model.decoder.embed_scale;
                if scale != 1.0 { e * scale } else { e }
            }
        }
    }

    /// Strategy logits `[b, n_strategies]` from the (pre-STAR) decoder hidden states `[b, t, d]`.
    pub fn strategy_logits(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        hidden: &Tensor<3>,
    ) -> Tensor<2> {
        match self {
            Head::Joint(h) => h.strategy_logits(backbone, hidden),
        }
    }

    /// Strategy logits `[b, n_strategies]` read from LM logits `[b, t, vocab]` (used on the
    /// STAR-refined logits for the "after" prediction).
    pub fn strategy_logits_from_lm(&self, logits: &Tensor<3>) -> Tensor<2> {
        match self {
            Head::Joint(h) => h.strategy_logits_from_lm(logits),
        }
    }

    /// Vocabulary id of strategy `s`.
    pub fn strategy_token(&self, s: usize) -> u32 {
        match self {
            Head::Joint(h) => h.strategy_token(s),
        }
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        match self {
            Head::Joint(h) => h.n_strategies,
        }
    }

    /// The vocabulary before the added tokens (validation perplexity's softmax).
    pub fn base_vocab_size(&self) -> usize {
        match self {
            Head::Joint(h) => h.base_vocab_size(),
        }
    }

    /// Head-specific loss terms added to the total (none for BlenderBot-Joint).
    pub fn extra_loss(
        &self,
        _encoder_hidden: &Tensor<3>,
        _encoder_mask_pad: &Tensor<2, Bool>,
        _decoder_hidden: &Tensor<3>,
    ) -> Option<Tensor<1>> {
        match self {
            Head::Joint(_) => None,
        }
    }
}

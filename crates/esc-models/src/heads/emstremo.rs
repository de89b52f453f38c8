//! The Emstremo-style head (emotion-strategy integration; REFERENCE.md "Emstremo-style"):
//! - an **emotion classifier** on the encoder's last non-pad state (Linear d→11, BatchNorm1d),
//!   trained with CE against the dialog's ESConv `emotion_type`;
//! - a **strategy classifier** on the encoder state at position 0 (Linear d→8, BatchNorm1d): the
//!   head's strategy prediction ("before");
//! - an **emotion embedding** and a **strategy embedding** prepended, in this order, to the
//!   decoder input: the gold ids in teacher-forced passes, the predicted distributions' mixture
//!   `softmax(logits) · table` (or the arg-max, [PrefixMode]) at inference. The LM logits skip the
//!   two prepended positions;
//! - a supervised **contrastive loss** over the decoder's final-token states grouped by strategy
//!   ([super::contrastive]).
//!
//! Loss: `L_LM + 0.05 L_emo + 0.05 L_str + 0.2 L_con` (weights in [EmstremoConfig]).
//!
//! The strategy token stays the first label, as for BlenderBot-Joint: the data layout, the
//! validation perplexity (position 0 excluded, base vocabulary) and STAR's "after" prediction
//! (arg-max of the refined LM logits' strategy columns at `<s>`) are shared with the Joint head.
//!
//! Optional **speaker-role embeddings** ([EmstremoConfig::role_embeddings], off by default): an
//! `Embedding(esc_data::N_ROLES, d_model)` indexed by the per-token roles of the encoder input
//! ([esc_data::EscExample::input_roles]: seeker, supporter, knowledge/situation, padding) and
//! added to the scaled token embeddings, before the positions. The reference multiplies its
//! `[SEK]`/`[SPT]` role embedding by `rl_emb_ratio` (−1.0 in its shipped config); as the table is
//! learned from a zero-mean normal init, a fixed factor −1 is a reparametrisation of the same
//! model, so the embedding is added with factor 1 (and not multiplied by `embed_scale`). The
//! knowledge role is ours: the reference's encoder input has no knowledge.
//!
//! Not implemented: the reference's COMET cross-attentions and the emotion-transition KL term, which needs a 28-way GoEmotions
//! distribution of each gold response (`add_emo.py`) that ESConv does not carry
//! ([EmstremoConfig::emotion_transition] is rejected by [EmstremoConfig::validate]).

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Embedding, Linear};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Int, Tensor};
use serde::{Deserialize, Serialize};

use super::contrastive::last_index;
use super::joint::JointHead;
use crate::blenderbot_small::attention::hf_linear;
use crate::blenderbot_small::model::hf_embedding;

/// How the prepended embeddings are formed when the gold labels are not used (inference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrefixMode {
    /// `softmax(logits) · table`, the reference's default. Default.
    #[default]
    Mixture,
    /// The embedding of the arg-max class (the reference's `--generate_with_predicted_strategy`).
    Argmax,
}

fn default_n_strategies() -> usize {
    8
}
fn default_n_emotions() -> usize {
    11
}
fn default_emotion_weight() -> f64 {
    0.05
}
fn default_strategy_weight() -> f64 {
    0.05
}
fn default_contrastive_weight() -> f64 {
    0.2
}
fn default_true() -> bool {
    true
}
fn default_init_std() -> f64 {
    0.02
}

/// Settings of [EmstremoHead]. Missing JSON fields take the defaults of [EmstremoConfig::new].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmstremoConfig {
    /// Number of strategies (8 in ESConv).
    #[serde(default = "default_n_strategies")]
    pub n_strategies: usize,
    /// Number of emotion types (11 in ESConv).
    #[serde(default = "default_n_emotions")]
    pub n_emotions: usize,
    /// Vocabulary id of strategy token 0 (consecutive ids); `None` = the last `n_strategies` ids.
    #[serde(default)]
    pub first_strategy_token: Option<usize>,
    /// Weight of the emotion CE (0.05).
    #[serde(default = "default_emotion_weight")]
    pub emotion_weight: f64,
    /// Weight of the encoder strategy CE (0.05).
    #[serde(default = "default_strategy_weight")]
    pub strategy_weight: f64,
    /// Weight of the contrastive loss (0.2).
    #[serde(default = "default_contrastive_weight")]
    pub contrastive_weight: f64,
    /// BatchNorm1d after each classifier's Linear, as the reference (true).
    #[serde(default = "default_true")]
    pub batch_norm: bool,
    /// The prepended embeddings at inference (mixture).
    #[serde(default)]
    pub inference_prefix: PrefixMode,
    /// The reference's emotion-transition KL term. Needs per-response emotion distributions,
    /// which ESConv does not carry: must stay `false` ([EmstremoConfig::validate]).
    #[serde(default)]
    pub emotion_transition: bool,
    /// Standard deviation of the new weights' normal init (0.02, BlenderBot's `init_std`).
    #[serde(default = "default_init_std")]
    pub init_std: f64,
    /// Add a learned speaker-role embedding to the encoder input embeddings (the reference's
    /// `--use_role_embed`). Default false, so older configs and checkpoints load unchanged.
    #[serde(default)]
    pub role_embeddings: bool,
}

impl EmstremoConfig {
    /// The reference's settings for `n_strategies` strategies and `n_emotions` emotions.
    pub fn new(n_strategies: usize, n_emotions: usize) -> Self {
        Self {
            n_strategies,
            n_emotions,
            first_strategy_token: None,
            emotion_weight: default_emotion_weight(),
            strategy_weight: default_strategy_weight(),
            contrastive_weight: default_contrastive_weight(),
            batch_norm: true,
            inference_prefix: PrefixMode::Mixture,
            emotion_transition: false,
            init_std: default_init_std(),
            role_embeddings: false,
        }
    }

    /// With or without speaker-role embeddings on the encoder input.
    pub fn with_role_embeddings(mut self, role_embeddings: bool) -> Self {
        self.role_embeddings = role_embeddings;
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [crate::Error::InvalidConfig] naming the field: a zero class count, a negative or
    /// non-finite weight, or `emotion_transition` (no data source for it).
    pub fn validate(&self) -> Result<(), crate::Error> {
        let invalid = |field: &'static str, expected: String| crate::Error::InvalidConfig {
            path: None,
            field,
            expected,
        };
        if self.n_strategies == 0 {
            return Err(invalid("n_strategies", "at least 1".into()));
        }
        if self.n_emotions == 0 {
            return Err(invalid("n_emotions", "at least 1".into()));
        }
        for (field, w) in [
            ("emotion_weight", self.emotion_weight),
            ("strategy_weight", self.strategy_weight),
            ("contrastive_weight", self.contrastive_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(invalid(field, format!("a finite weight >= 0, found {w}")));
            }
        }
        if self.emotion_transition {
            return Err(invalid(
                "emotion_transition",
                "false: the emotion-transition KL term needs a 28-way emotion distribution of \
                 each gold response (the reference's GoEmotions labels), which ESConv does not \
                 carry"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Encoder-side predictions of the Emstremo-style head.
#[derive(Clone, Debug)]
pub struct EncoderLogits {
    /// Emotion logits `[batch_size, n_emotions]`.
    pub emotion: Tensor<2>,
    /// Strategy logits `[batch_size, n_strategies]`.
    pub strategy: Tensor<2>,
}

/// What the prepended embeddings encode.
#[derive(Clone, Debug)]
pub enum PrefixSource {
    /// Gold emotion and strategy ids, each `[batch_size]` (teacher-forced passes).
    Gold {
        /// Emotion ids.
        emotions: Box<Tensor<1, Int>>,
        /// Strategy ids.
        strategies: Box<Tensor<1, Int>>,
    },
    /// The predicted distributions, combined as [EmstremoConfig::inference_prefix] says.
    Predicted,
    /// Given strategy ids `[batch_size]` (one-hot) with the predicted emotion.
    Strategies(Box<Tensor<1, Int>>),
}

/// A linear classifier followed (optionally) by BatchNorm1d.
#[derive(Module, Debug)]
pub struct Classifier {
    /// `d_model → n_classes`.
    pub linear: Linear,
    /// BatchNorm1d over the classes, if enabled.
    pub norm: Option<BatchNorm>,
}

impl Classifier {
    fn new(d: usize, n: usize, batch_norm: bool, std: f64, device: &Device) -> Self {
        Self {
            linear: hf_linear(d, n, std, device),
            norm: batch_norm.then(|| BatchNormConfig::new(n).init(device)),
        }
    }

    /// Logits `[b, n]` of states `[b, d]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = self.linear.forward(x);
        match &self.norm {
            Some(norm) => norm.forward(y),
            None => y,
        }
    }
}

/// The Emstremo-style head. Should be created with [EmstremoConfig] through
/// [super::HeadConfig::init].
#[derive(Module, Debug)]
pub struct EmstremoHead {
    /// Emotion classifier on the last non-pad encoder state.
    pub emotion_classifier: Classifier,
    /// Strategy classifier on encoder position 0.
    pub strategy_classifier: Classifier,
    /// Emotion embedding table `[n_emotions, d_model]`.
    pub emotion_embedding: Embedding,
    /// Strategy embedding table `[n_strategies, d_model]`.
    pub strategy_embedding: Embedding,
    /// Number of strategies.
    pub n_strategies: usize,
    /// Number of emotions.
    pub n_emotions: usize,
    /// Vocabulary id of strategy token 0.
    pub first_strategy_token: usize,
    /// Loss weights `[emotion, strategy, contrastive]`.
    pub weights: [f64; 3],
    /// Arg-max instead of mixture at inference.
    pub argmax_prefix: bool,
    /// Speaker-role embedding table `[esc_data::N_ROLES, d_model]`, if enabled.
    pub role_embedding: Option<Embedding>,
}

impl EmstremoHead {
    /// The head for a backbone of width `d_model` and a vocabulary of `vocab_size` ids.
    ///
    /// # Panics
    /// If the configuration is invalid ([EmstremoConfig::validate]) or the strategy tokens do
    /// not fit in the vocabulary.
    pub fn new(
        config: &EmstremoConfig,
        vocab_size: usize,
        d_model: usize,
        device: &Device,
    ) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid Emstremo config: {e}");
        }
        let first = config
            .first_strategy_token
            .unwrap_or(vocab_size.saturating_sub(config.n_strategies));
        assert!(
            first + config.n_strategies <= vocab_size,
            "strategy tokens {first}..{} outside the vocabulary of {vocab_size}",
            first + config.n_strategies
        );
        let std = config.init_std;
        Self {
            emotion_classifier: Classifier::new(
                d_model,
                config.n_emotions,
                config.batch_norm,
                std,
                device,
            ),
            strategy_classifier: Classifier::new(
                d_model,
                config.n_strategies,
                config.batch_norm,
                std,
                device,
            ),
            emotion_embedding: hf_embedding(config.n_emotions, d_model, std, device),
            strategy_embedding: hf_embedding(config.n_strategies, d_model, std, device),
            n_strategies: config.n_strategies,
            n_emotions: config.n_emotions,
            first_strategy_token: first,
            weights: [
                config.emotion_weight,
                config.strategy_weight,
                config.contrastive_weight,
            ],
            argmax_prefix: config.inference_prefix == PrefixMode::Argmax,
            role_embedding: config
                .role_embeddings
                .then(|| hf_embedding(esc_data::N_ROLES, d_model, std, device)),
        }
    }

    /// Adds the role embeddings of `roles` `[b, s]` to the encoder input embeddings `[b, s, d]`
    /// (unchanged without a role table).
    ///
    /// # Panics
    /// If the head has a role table and `roles` is `None`, or a role id is out of range.
    pub fn add_roles(&self, embeds: Tensor<3>, roles: Option<Tensor<2, Int>>) -> Tensor<3> {
        match &self.role_embedding {
            Some(table) => {
                let roles = roles.expect("an Emstremo head with role embeddings needs the roles");
                embeds + table.forward(roles)
            }
            None => embeds,
        }
    }

    /// Number of positions prepended to the decoder input.
    pub const PREFIX_LEN: usize = 2;

    /// The strategy-token columns of the vocabulary (the LM's strategy logits, the strategy
    /// tokens, the base vocabulary), as for BlenderBot-Joint.
    pub fn token_columns(&self) -> JointHead {
        JointHead {
            n_strategies: self.n_strategies,
            first_strategy_token: self.first_strategy_token,
        }
    }

    /// Emotion logits from the last non-pad encoder state, strategy logits from position 0.
    ///
    /// # Shapes
    /// - `encoder_hidden`: `[batch_size, seq_length, d_model]`
    /// - `mask_pad`: `[batch_size, seq_length]`, `true` at (right) padding
    pub fn encoder_logits(
        &self,
        encoder_hidden: &Tensor<3>,
        mask_pad: &Tensor<2, Bool>,
    ) -> EncoderLogits {
        let [b, _, d] = encoder_hidden.dims();
        let last = last_index(mask_pad);
        let last_state = encoder_hidden
            .clone()
            .gather(1, last.reshape([b, 1, 1]).expand([b, 1, d]))
            .reshape([b, d]);
        let first_state = encoder_hidden.clone().slice([0..b, 0..1]).reshape([b, d]);
        EncoderLogits {
            emotion: self.emotion_classifier.forward(last_state),
            strategy: self.strategy_classifier.forward(first_state),
        }
    }

    /// The `[emotion, strategy]` embeddings `[batch_size, 2, d_model]` to prepend to the decoder
    /// input.
    pub fn decoder_prefix(&self, logits: &EncoderLogits, source: &PrefixSource) -> Tensor<3> {
        let [b, _] = logits.strategy.dims();
        let (emotion, strategy) = match source {
            PrefixSource::Gold {
                emotions,
                strategies,
            } => (
                lookup(&self.emotion_embedding, *emotions.clone()),
                lookup(&self.strategy_embedding, *strategies.clone()),
            ),
            PrefixSource::Predicted => (
                self.predicted(&self.emotion_embedding, &logits.emotion),
                self.predicted(&self.strategy_embedding, &logits.strategy),
            ),
            PrefixSource::Strategies(ids) => (
                self.predicted(&self.emotion_embedding, &logits.emotion),
                lookup(&self.strategy_embedding, *ids.clone()),
            ),
        };
        let d = emotion.dims()[1];
        Tensor::cat(
            vec![emotion.reshape([b, 1, d]), strategy.reshape([b, 1, d])],
            1,
        )
    }

    fn predicted(&self, table: &Embedding, logits: &Tensor<2>) -> Tensor<2> {
        if self.argmax_prefix {
            let [b, _] = logits.dims();
            lookup(table, logits.clone().argmax(1).reshape([b]))
        } else {
            softmax(logits.clone(), 1).matmul(table.weight.val())
        }
    }
}

/// Rows of `table` for `ids` `[b]`, `[b, d]`.
fn lookup(table: &Embedding, ids: Tensor<1, Int>) -> Tensor<2> {
    table.weight.val().select(0, ids)
}

//! The BlenderBot-Joint head (Liu et al., 2021, `codes_zcj` `strat_blenderbot_small.py`): the
//! strategy is the first decoder token. Its logits at position 0 (after `<s>`), restricted to the
//! strategy-token columns, are the strategy classifier — the tied embeddings of the strategy tokens
//! act as its weights. The LM loss covers `[strategy] + response + [EOS]`.

use burn::module::Module;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::blenderbot_small::BlenderbotSmallForConditionalGeneration;

/// Settings of [JointHead].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointConfig {
    /// Number of strategies (8 in ESConv).
    pub n_strategies: usize,
    /// Vocabulary id of strategy 0; the strategies are consecutive. `None` = the last
    /// `n_strategies` ids of the vocabulary (BlenderBot-Joint: 54944..54951). A KEMI-style
    /// vocabulary adds its 8 knowledge tokens after the strategy tokens (as the reference does),
    /// so the strategy tokens keep their ids: it sets `vocab_size - 16` (columns `[-16:-8]`).
    pub first_strategy_token: Option<usize>,
}

impl JointConfig {
    /// `n_strategies` strategy tokens at the end of the vocabulary.
    pub fn new(n_strategies: usize) -> Self {
        Self {
            n_strategies,
            first_strategy_token: None,
        }
    }
}

/// The BlenderBot-Joint head (no parameters of its own). Should be created with [JointConfig].
#[derive(Module, Debug)]
pub struct JointHead {
    /// Number of strategies.
    pub n_strategies: usize,
    /// Vocabulary id of strategy 0.
    pub first_strategy_token: usize,
}

impl JointHead {
    /// The head for a vocabulary of `vocab_size` ids.
    ///
    /// # Panics
    /// If the strategy columns do not fit in the vocabulary.
    pub fn new(config: &JointConfig, vocab_size: usize) -> Self {
        let first = config
            .first_strategy_token
            .unwrap_or(vocab_size.saturating_sub(config.n_strategies));
        assert!(
            first + config.n_strategies <= vocab_size && config.n_strategies > 0,
            "strategy tokens {first}..{} outside the vocabulary of {vocab_size}",
            first + config.n_strategies
        );
        Self {
            n_strategies: config.n_strategies,
            first_strategy_token: first,
        }
    }

    /// Strategy logits from the decoder hidden states: position 0's LM logits over the strategy
    /// columns, `h_0 · E[strategies]ᵀ + bias[strategies]` (only those columns are computed).
    ///
    /// # Shapes
    /// - `hidden`: `[batch_size, target_length, d_model]`
    /// - output: `[batch_size, n_strategies]`
    pub fn strategy_logits(
        &self,
        backbone: &BlenderbotSmallForConditionalGeneration,
        hidden: &Tensor<3>,
    ) -> Tensor<2> {
        let [b, _, d] = hidden.dims();
        let cols = self.first_strategy_token..self.first_strategy_token + self.n_strategies;
        let h0 = hidden.clone().slice([0..b, 0..1]).reshape([b, d]);
        let weight = backbone
            .model
            .shared
            .weight
            .val()
            .narrow(0, cols.start, self.n_strategies)
            .transpose();
        let bias = backbone.final_logits_bias.val().slice([0..1, cols]);
        h0.matmul(weight) + bias
    }

    /// Strategy logits from full LM logits `[b, t, vocab]`: `logits[:, 0, strategy columns]`.
    pub fn strategy_logits_from_lm(&self, logits: &Tensor<3>) -> Tensor<2> {
        let [b, _, _] = logits.dims();
        logits
            .clone()
            .slice([
                0..b,
                0..1,
                self.first_strategy_token..self.first_strategy_token + self.n_strategies,
            ])
            .reshape([b, self.n_strategies])
    }

    /// The vocabulary id of strategy `s`.
    pub fn strategy_token(&self, s: usize) -> u32 {
        (self.first_strategy_token + s) as u32
    }

    /// The vocabulary size before the added tokens (the softmax of validation perplexity).
    pub fn base_vocab_size(&self) -> usize {
        self.first_strategy_token
    }
}

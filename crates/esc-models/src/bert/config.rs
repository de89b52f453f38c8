//! The BERT hyper-parameters, read from an HF `config.json`.
//!
//! Mirrors transformers' `BertConfig` (`models/bert/configuration_bert.py`): the field names are the
//! HF keys, a missing key takes HF's default, unknown keys are ignored.

use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::model::BertModel;
use crate::config_fields;
use crate::error::Error;
use crate::json_config::{
    InvalidField, JsonConfig, check_dropouts, check_ids_below, check_positive,
    check_positive_numbers, load_json_config, parse_json_config,
};

/// Hyper-parameters of a BERT encoder (HF `config.json` keys).
///
/// Build it with [BertConfig::load] (an HF `config.json`) and [BertConfig::init].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size (rows of `word_embeddings`). HF default: 30522.
    #[serde(default = "defaults::vocab_size")]
    pub vocab_size: usize,
    /// Hidden size. HF default: 768.
    #[serde(default = "defaults::hidden_size")]
    pub hidden_size: usize,
    /// Encoder layers. HF default: 12.
    #[serde(default = "defaults::num_hidden_layers")]
    pub num_hidden_layers: usize,
    /// Attention heads. HF default: 12.
    #[serde(default = "defaults::num_attention_heads")]
    pub num_attention_heads: usize,
    /// Feed-forward width. HF default: 3072.
    #[serde(default = "defaults::intermediate_size")]
    pub intermediate_size: usize,
    /// Feed-forward activation; only `"gelu"` (exact erf form) is supported. HF default: `"gelu"`.
    #[serde(default = "defaults::hidden_act")]
    pub hidden_act: String,
    /// Dropout on embeddings and residual branches. HF default: 0.1.
    #[serde(default = "defaults::dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout on the attention probabilities. HF default: 0.1.
    #[serde(default = "defaults::dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Number of learned positions, the longest sequence. HF default: 512.
    #[serde(default = "defaults::max_position_embeddings")]
    pub max_position_embeddings: usize,
    /// Rows of `token_type_embeddings`. HF default: 2.
    #[serde(default = "defaults::type_vocab_size")]
    pub type_vocab_size: usize,
    /// Layer-norm epsilon. HF default: 1e-12.
    #[serde(default = "defaults::layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Standard deviation of the random initialisation. HF default: 0.02.
    #[serde(default = "defaults::initializer_range")]
    pub initializer_range: f64,
    /// Position encoding; only `"absolute"` is supported. HF default: `"absolute"`.
    #[serde(default = "defaults::position_embedding_type")]
    pub position_embedding_type: String,
    /// Padding id. HF default: 0.
    #[serde(default)]
    pub pad_token_id: u32,
}

mod defaults {
    pub fn vocab_size() -> usize {
        30522
    }
    pub fn hidden_size() -> usize {
        768
    }
    pub fn num_hidden_layers() -> usize {
        12
    }
    pub fn num_attention_heads() -> usize {
        12
    }
    pub fn intermediate_size() -> usize {
        3072
    }
    pub fn hidden_act() -> String {
        "gelu".into()
    }
    pub fn dropout() -> f64 {
        0.1
    }
    pub fn max_position_embeddings() -> usize {
        512
    }
    pub fn type_vocab_size() -> usize {
        2
    }
    pub fn layer_norm_eps() -> f64 {
        1e-12
    }
    pub fn initializer_range() -> f64 {
        0.02
    }
    pub fn position_embedding_type() -> String {
        "absolute".into()
    }
}

impl BertConfig {
    /// Reads an HF `config.json` and validates it.
    ///
    /// # Errors
    /// [Error::Io] if the file cannot be read, [Error::ConfigParse] (with line and column) if it is not
    /// valid JSON of the right types, [Error::InvalidConfig] if a value is impossible or unsupported;
    /// all name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        load_json_config(path)
    }

    /// Parses an HF `config.json` held in memory and validates it, as [BertConfig::load] reads a
    /// file.
    ///
    /// # Errors
    /// [Error::ConfigParse] (with line and column, naming the source `<json>`) if it is not valid
    /// JSON of the right types, [Error::InvalidConfig] if a value is impossible or unsupported.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, Error> {
        parse_json_config(json)
    }

    /// Checks that the values describe a model that can be built.
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming the field and what was expected.
    pub fn validate(&self) -> Result<(), Error> {
        Ok(self.check()?)
    }

    /// A randomly initialised model (weights N(0, `initializer_range`), biases 0, layer norms 1/0,
    /// as HF's `_init_weights`).
    pub fn init(&self, device: &Device) -> BertModel {
        BertModel::new(self, device)
    }
}

impl JsonConfig for BertConfig {
    fn check(&self) -> Result<(), InvalidField> {
        let sizes = config_fields!(self; vocab_size, hidden_size, num_attention_heads,
            intermediate_size, max_position_embeddings, type_vocab_size);
        check_positive(&sizes)?;
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(InvalidField::new(
                "num_attention_heads",
                format!(
                    "a divisor of hidden_size {}, found {}",
                    self.hidden_size, self.num_attention_heads
                ),
            ));
        }
        check_dropouts(&config_fields!(self; hidden_dropout_prob, attention_probs_dropout_prob))?;
        check_positive_numbers(&config_fields!(self; layer_norm_eps))?;
        if self.hidden_act != "gelu" {
            return Err(InvalidField::new(
                "hidden_act",
                format!("\"gelu\", found {:?}", self.hidden_act),
            ));
        }
        if self.position_embedding_type != "absolute" {
            return Err(InvalidField::new(
                "position_embedding_type",
                format!("\"absolute\", found {:?}", self.position_embedding_type),
            ));
        }
        check_ids_below(
            "vocab_size",
            self.vocab_size,
            &config_fields!(self; pad_token_id),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<BertConfig, Error> {
        let config: BertConfig =
            serde_json::from_str(json).map_err(|source| Error::ConfigParse {
                path: "config.json".into(),
                source,
            })?;
        config.validate()?;
        Ok(config)
    }

    #[test]
    fn defaults_are_bert_base() {
        let c = parse("{}").unwrap();
        assert_eq!(
            (c.hidden_size, c.num_hidden_layers, c.vocab_size),
            (768, 12, 30522)
        );
    }

    #[test]
    fn rejects_impossible_values() {
        for (json, field) in [
            (
                r#"{"hidden_size": 30, "num_attention_heads": 4}"#,
                "num_attention_heads",
            ),
            (r#"{"hidden_act": "relu"}"#, "hidden_act"),
            (
                r#"{"position_embedding_type": "relative_key"}"#,
                "position_embedding_type",
            ),
            (r#"{"vocab_size": 0}"#, "vocab_size"),
            (r#"{"hidden_dropout_prob": 1.5}"#, "hidden_dropout_prob"),
        ] {
            match parse(json) {
                Err(Error::InvalidConfig { field: f, .. }) => assert_eq!(f, field, "{json}"),
                other => panic!("{json}: {other:?}"),
            }
        }
    }
}

//! The BlenderBot-Small hyper-parameters, read from an HF `config.json`.
//!
//! Mirrors transformers' `BlenderbotSmallConfig` (`configuration_blenderbot_small.py`): the field
//! names are the HF keys, a missing key takes HF's default, unknown keys are ignored.

use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::model::BlenderbotSmallForConditionalGeneration;
use crate::config_fields;
use crate::error::Error;
use crate::json_config::{
    InvalidField, JsonConfig, check_dropouts, check_ids_below, check_positive, load_json_config,
    parse_json_config,
};

/// Hyper-parameters of a BlenderBot-Small encoder-decoder (HF `config.json` keys).
///
/// Build it with [BlenderbotSmallConfig::load] (an HF `config.json`), a preset
/// ([BlenderbotSmallConfig::blenderbot_small_90m], [BlenderbotSmallConfig::small],
/// [BlenderbotSmallConfig::tiny]) and [BlenderbotSmallConfig::init].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlenderbotSmallConfig {
    /// Vocabulary size (rows of the shared embedding). HF default: 50265.
    #[serde(default = "defaults::vocab_size")]
    pub vocab_size: usize,
    /// Number of learned positions, the longest encoder or decoder sequence. HF default: 512.
    #[serde(default = "defaults::max_position_embeddings")]
    pub max_position_embeddings: usize,
    /// Hidden size. HF default: 512.
    #[serde(default = "defaults::d_model")]
    pub d_model: usize,
    /// Encoder layers. HF default: 8.
    #[serde(default = "defaults::layers")]
    pub encoder_layers: usize,
    /// Decoder layers. HF default: 8.
    #[serde(default = "defaults::layers")]
    pub decoder_layers: usize,
    /// Encoder attention heads. HF default: 16.
    #[serde(default = "defaults::heads")]
    pub encoder_attention_heads: usize,
    /// Decoder attention heads. HF default: 16.
    #[serde(default = "defaults::heads")]
    pub decoder_attention_heads: usize,
    /// Encoder feed-forward width. HF default: 2048.
    #[serde(default = "defaults::ffn")]
    pub encoder_ffn_dim: usize,
    /// Decoder feed-forward width. HF default: 2048.
    #[serde(default = "defaults::ffn")]
    pub decoder_ffn_dim: usize,
    /// Dropout on embeddings and on every residual branch. HF default: 0.1.
    #[serde(default = "defaults::dropout")]
    pub dropout: f64,
    /// Dropout on the attention probabilities. HF default: 0.0.
    #[serde(default)]
    pub attention_dropout: f64,
    /// Dropout after the feed-forward activation. HF default: 0.0.
    #[serde(default)]
    pub activation_dropout: f64,
    /// Feed-forward activation; only `"gelu"` (exact erf form) is supported. HF default: `"gelu"`.
    #[serde(default = "defaults::activation_function")]
    pub activation_function: String,
    /// Multiply encoder token embeddings by `sqrt(d_model)`. HF default: `false` (the 90M checkpoint: `true`).
    #[serde(default)]
    pub scale_embedding: bool,
    /// Pre-LN layers. BlenderBot-Small is post-LN; `true` is rejected. Default: `false`.
    #[serde(default)]
    pub normalize_before: bool,
    /// A final encoder/decoder layer norm (BlenderBot-Small has none); `true` is rejected. Default: `false`.
    #[serde(default)]
    pub add_final_layer_norm: bool,
    /// Padding id. HF default: 0.
    #[serde(default)]
    pub pad_token_id: u32,
    /// Begin-of-sequence id. HF default: 1.
    #[serde(default = "defaults::bos")]
    pub bos_token_id: u32,
    /// End-of-sequence id. HF default: 2.
    #[serde(default = "defaults::eos")]
    pub eos_token_id: u32,
    /// First decoder input id. HF default: 1.
    #[serde(default = "defaults::bos")]
    pub decoder_start_token_id: u32,
    /// Standard deviation of the normal initialisation of linear and embedding weights. HF default: 0.02.
    #[serde(default = "defaults::init_std")]
    pub init_std: f64,
    /// Not an HF key. Multiply the *decoder* token embeddings by `sqrt(d_model)` too, as transformers
    /// before 4.5x did; 4.57 and 5.x do not. The layer norm that follows makes the two differ only
    /// through its epsilon (about 1e-4 in logits). Default: `false` (transformers 4.57).
    #[serde(default)]
    pub scale_decoder_embedding: bool,
}

mod defaults {
    pub fn vocab_size() -> usize {
        50265
    }
    pub fn max_position_embeddings() -> usize {
        512
    }
    pub fn d_model() -> usize {
        512
    }
    pub fn layers() -> usize {
        8
    }
    pub fn heads() -> usize {
        16
    }
    pub fn ffn() -> usize {
        2048
    }
    pub fn dropout() -> f64 {
        0.1
    }
    pub fn activation_function() -> String {
        "gelu".to_string()
    }
    pub fn bos() -> u32 {
        1
    }
    pub fn eos() -> u32 {
        2
    }
    pub fn init_std() -> f64 {
        0.02
    }
}

impl BlenderbotSmallConfig {
    /// `facebook/blenderbot_small-90M`: the numbers of `shared/data/blenderbot_small-90M/config.json`
    /// (8+8 layers, d 512, 16 heads, ffn 2048, vocab 54,944, 512 positions, dropout 0.1).
    pub fn blenderbot_small_90m() -> Self {
        Self {
            vocab_size: 54944,
            max_position_embeddings: 512,
            d_model: 512,
            encoder_layers: 8,
            decoder_layers: 8,
            encoder_attention_heads: 16,
            decoder_attention_heads: 16,
            encoder_ffn_dim: 2048,
            decoder_ffn_dim: 2048,
            dropout: 0.1,
            attention_dropout: 0.0,
            activation_dropout: 0.0,
            activation_function: "gelu".to_string(),
            scale_embedding: true,
            normalize_before: false,
            add_final_layer_norm: false,
            pad_token_id: 0,
            bos_token_id: 1,
            eos_token_id: 2,
            decoder_start_token_id: 1,
            init_std: 0.02,
            scale_decoder_embedding: false,
        }
    }

    /// A CPU-sized configuration (the "small" PyTorch speed anchor): d 256, 4+4 layers, ffn 1024,
    /// 4 heads, otherwise as [BlenderbotSmallConfig::blenderbot_small_90m].
    pub fn small() -> Self {
        Self {
            d_model: 256,
            encoder_layers: 4,
            decoder_layers: 4,
            encoder_attention_heads: 4,
            decoder_attention_heads: 4,
            encoder_ffn_dim: 1024,
            decoder_ffn_dim: 1024,
            ..Self::blenderbot_small_90m()
        }
    }

    /// A CPU experiment size: d 128, 2+2 layers, 4 heads, ffn 512 (about 1/6 of
    /// [BlenderbotSmallConfig::small]'s compute per token), the 90M model's vocabulary and
    /// positions.
    pub fn mini() -> Self {
        Self {
            d_model: 128,
            encoder_layers: 2,
            decoder_layers: 2,
            encoder_attention_heads: 4,
            decoder_attention_heads: 4,
            encoder_ffn_dim: 512,
            decoder_ffn_dim: 512,
            ..Self::blenderbot_small_90m()
        }
    }

    /// A toy configuration for tests: d 16, 2+2 layers, 4 heads, ffn 32, vocab 60, 64 positions.
    pub fn tiny() -> Self {
        Self {
            vocab_size: 60,
            max_position_embeddings: 64,
            d_model: 16,
            encoder_layers: 2,
            decoder_layers: 2,
            encoder_attention_heads: 4,
            decoder_attention_heads: 4,
            encoder_ffn_dim: 32,
            decoder_ffn_dim: 32,
            ..Self::blenderbot_small_90m()
        }
    }

    /// Reads an HF `config.json` and validates it.
    ///
    /// # Errors
    /// [Error::Io] if the file cannot be read, [Error::ConfigParse] (with line and column) if it is not
    /// valid JSON of the right types, [Error::InvalidConfig] if a value is impossible; all name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        load_json_config(path)
    }

    /// Parses an HF `config.json` held in memory and validates it, as [BlenderbotSmallConfig::load] reads a file.
    ///
    /// # Errors
    /// [Error::ConfigParse] (with line and column, naming the source `<json>`) if it is not valid
    /// JSON of the right types, [Error::InvalidConfig] if a value is impossible.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, Error> {
        parse_json_config(json)
    }

    /// Writes the configuration as JSON (HF key names plus `scale_decoder_embedding`).
    ///
    /// # Errors
    /// [Error::Io] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let text = serde_json::to_string_pretty(self).expect("config serialises");
        std::fs::write(path, text).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Checks that the values describe a model that can be built.
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming the field and what was expected.
    pub fn validate(&self) -> Result<(), Error> {
        Ok(self.check()?)
    }

    /// Builds a randomly initialised model (HF's `_init_weights`: linear and embedding weights
    /// N(0, `init_std`), biases 0, layer norms 1/0, `final_logits_bias` 0 and frozen).
    ///
    /// # Panics
    /// If the configuration is invalid (see [BlenderbotSmallConfig::validate]).
    pub fn init(&self, device: &Device) -> BlenderbotSmallForConditionalGeneration {
        if let Err(e) = self.validate() {
            panic!("invalid BlenderbotSmallConfig: {e}");
        }
        BlenderbotSmallForConditionalGeneration::new(self, device)
    }

    /// Width of one attention head in the encoder.
    pub fn encoder_head_dim(&self) -> usize {
        self.d_model / self.encoder_attention_heads
    }
}

impl JsonConfig for BlenderbotSmallConfig {
    fn check(&self) -> Result<(), InvalidField> {
        let sizes = config_fields!(self; vocab_size, max_position_embeddings, d_model,
            encoder_layers, decoder_layers, encoder_attention_heads, decoder_attention_heads,
            encoder_ffn_dim, decoder_ffn_dim);
        check_positive(&sizes)?;
        let heads = config_fields!(self; encoder_attention_heads, decoder_attention_heads);
        for (field, heads) in heads {
            if !self.d_model.is_multiple_of(heads) {
                return Err(InvalidField::new(
                    field,
                    format!("a divisor of d_model {}, found {heads}", self.d_model),
                ));
            }
        }
        check_dropouts(&config_fields!(self; dropout, attention_dropout, activation_dropout))?;
        if self.activation_function != "gelu" {
            return Err(InvalidField::new(
                "activation_function",
                format!("\"gelu\", found {:?}", self.activation_function),
            ));
        }
        if self.normalize_before {
            return Err(InvalidField::new(
                "normalize_before",
                "false (post-LN), found true",
            ));
        }
        if self.add_final_layer_norm {
            return Err(InvalidField::new(
                "add_final_layer_norm",
                "false, found true",
            ));
        }
        let ids = config_fields!(self; pad_token_id, bos_token_id, eos_token_id,
            decoder_start_token_id);
        check_ids_below("vocab_size", self.vocab_size, &ids)?;
        if !(self.init_std.is_finite() && self.init_std >= 0.0) {
            return Err(InvalidField::new(
                "init_std",
                format!("a finite non-negative number, found {}", self.init_std),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_90m_config_equals_the_preset() {
        let dir = esc_data::paths::blenderbot_small_dir().expect("shared data directory");
        let loaded = BlenderbotSmallConfig::load(dir.join("config.json")).unwrap();
        assert_eq!(loaded, BlenderbotSmallConfig::blenderbot_small_90m());
    }

    #[test]
    fn missing_keys_take_hf_defaults_and_unknown_keys_are_ignored() {
        let c: BlenderbotSmallConfig =
            serde_json::from_str(r#"{"d_model": 64, "some_future_key": [1, 2]}"#).unwrap();
        assert_eq!(c.d_model, 64);
        assert_eq!(c.vocab_size, 50265);
        assert_eq!(c.dropout, 0.1);
        assert!(!c.scale_embedding);
    }

    #[test]
    fn heads_must_divide_d_model() {
        let c = BlenderbotSmallConfig {
            decoder_attention_heads: 5,
            ..BlenderbotSmallConfig::tiny()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("decoder_attention_heads"), "{err}");
    }

    #[test]
    fn zero_layers_and_bad_activation_are_rejected() {
        let c = BlenderbotSmallConfig {
            encoder_layers: 0,
            ..BlenderbotSmallConfig::tiny()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("encoder_layers")
        );
        let c = BlenderbotSmallConfig {
            activation_function: "relu".into(),
            ..BlenderbotSmallConfig::tiny()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn load_reports_file_and_line() {
        let dir = std::env::temp_dir().join(format!("bbs-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(&path, "{\n  \"d_model\": \"big\"\n}").unwrap();
        let err = BlenderbotSmallConfig::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.json") && err.contains("line 2"),
            "{err}"
        );
        std::fs::write(&path, "{\"d_model\": 30, \"encoder_attention_heads\": 4}").unwrap();
        let err = BlenderbotSmallConfig::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.json") && err.contains("encoder_attention_heads"),
            "{err}"
        );
    }
}

//! Decoding settings with HF `GenerationConfig` key names.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config_fields;
use crate::error::Error;
use crate::json_config::{
    InvalidField, JsonConfig, check_ids_below, check_positive_numbers, load_json_config,
    parse_json_config,
};

/// Decoding settings (HF `generation_config.json` / `generate(**kwargs)` key names; unknown keys
/// are ignored). `max_length` and `min_length` count decoder tokens **including** the start token
/// (the whole decoder prefix), as HF does for encoder-decoder models; `max_new_tokens` and
/// `min_new_tokens` count only the tokens generated after the prefix and, when set, replace
/// `max_length` / `min_length`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationConfig {
    /// Longest output, start token included; at least 2. Ignored when `max_new_tokens` is set.
    /// HF default: 20.
    pub max_length: usize,
    /// Most tokens to generate after the decoder prefix (the start token, and for
    /// [crate::EscModel] also the strategy token); at least 1. When set it takes precedence over
    /// `max_length`, which becomes `prefix length + max_new_tokens` (HF `_prepare_generated_length`).
    /// HF default: none.
    pub max_new_tokens: Option<usize>,
    /// EOS is banned while the output is shorter than this (start token included). Ignored when
    /// `min_new_tokens` is set. HF default: 0.
    pub min_length: usize,
    /// EOS is banned until this many tokens follow the decoder prefix. When set it takes
    /// precedence over `min_length`, which becomes `prefix length + min_new_tokens` (HF
    /// `_prepare_generated_length`). HF default: none.
    pub min_new_tokens: Option<usize>,
    /// Sample (`true`) or take the arg-max / beam search (`false`). HF default: `false`.
    pub do_sample: bool,
    /// Beams; 1 = greedy or sampling. HF default: 1.
    pub num_beams: usize,
    /// Softmax temperature (sampling only). HF default: 1.0.
    pub temperature: f64,
    /// Keep the `top_k` most likely tokens; 0 = off (sampling only). HF default: 50.
    pub top_k: usize,
    /// Keep the smallest set of tokens with cumulative probability above `top_p`; 1.0 = off
    /// (sampling only). HF default: 1.0.
    pub top_p: f64,
    /// CTRL repetition penalty over the decoder ids so far (start token included); 1.0 = off.
    /// HF default: 1.0.
    pub repetition_penalty: f64,
    /// Ban n-grams that already occur in the output; 0 = off. HF default: 0.
    pub no_repeat_ngram_size: usize,
    /// Ban n-grams of the encoder input (the context) in the output; 0 = off. HF default: 0.
    pub encoder_no_repeat_ngram_size: usize,
    /// Banned token sequences (a single id bans that token everywhere). HF default: none.
    pub bad_words_ids: Vec<Vec<u32>>,
    /// Beam score = sum of log-probs / length^length_penalty. HF default: 1.0.
    pub length_penalty: f64,
    /// Beam search stops as soon as `num_beams` hypotheses are finished. HF default: `false`.
    pub early_stopping: bool,
    /// Force EOS at the last position (`max_length - 1`). HF default: none (the 90M
    /// checkpoint's own generation config sets 2).
    pub forced_eos_token_id: Option<u32>,
    /// End of sequence; `None` = the model's. HF default: model config.
    pub eos_token_id: Option<u32>,
    /// Padding written after EOS; `None` = the model's. HF default: model config.
    pub pad_token_id: Option<u32>,
    /// First decoder token; `None` = the model's. HF default: model config.
    pub decoder_start_token_id: Option<u32>,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        Self {
            max_length: 20,
            max_new_tokens: None,
            min_length: 0,
            min_new_tokens: None,
            do_sample: false,
            num_beams: 1,
            temperature: 1.0,
            top_k: 50,
            top_p: 1.0,
            repetition_penalty: 1.0,
            no_repeat_ngram_size: 0,
            encoder_no_repeat_ngram_size: 0,
            bad_words_ids: Vec::new(),
            length_penalty: 1.0,
            early_stopping: false,
            forced_eos_token_id: None,
            eos_token_id: None,
            pad_token_id: None,
            decoder_start_token_id: None,
        }
    }
}

impl GenerationConfig {
    /// Greedy decoding up to `max_length` tokens (start token included), nothing else.
    pub fn greedy(max_length: usize) -> Self {
        Self {
            max_length,
            ..Self::default()
        }
    }

    /// The same settings, generating at most `n` tokens after the decoder prefix (sets
    /// [GenerationConfig::max_new_tokens]).
    pub fn with_max_new_tokens(self, n: usize) -> Self {
        Self {
            max_new_tokens: Some(n),
            ..self
        }
    }

    /// The length limit of a decoder sequence that starts with `prefix_len` tokens, prefix
    /// included: `prefix_len + max_new_tokens` when that is set, else `max_length`.
    ///
    /// ```
    /// use esc_models::GenerationConfig;
    /// assert_eq!(GenerationConfig::greedy(8).max_length_for(1), 8);
    /// assert_eq!(GenerationConfig::greedy(8).with_max_new_tokens(5).max_length_for(2), 7);
    /// ```
    pub fn max_length_for(&self, prefix_len: usize) -> usize {
        self.max_new_tokens
            .map_or(self.max_length, |n| prefix_len + n)
    }

    /// The minimum length (EOS banned below it) of a decoder sequence that starts with
    /// `prefix_len` tokens, prefix included: `prefix_len + min_new_tokens` when that is set, else
    /// `min_length`.
    ///
    /// ```
    /// use esc_models::GenerationConfig;
    /// let config = GenerationConfig { min_length: 5, ..GenerationConfig::greedy(20) };
    /// assert_eq!(config.min_length_for(2), 5);
    /// let config = GenerationConfig { min_new_tokens: Some(5), ..config };
    /// assert_eq!(config.min_length_for(2), 7);
    /// ```
    pub fn min_length_for(&self, prefix_len: usize) -> usize {
        self.min_new_tokens
            .map_or(self.min_length, |n| prefix_len + n)
    }

    /// The STAR paper's decoding: sampling with temperature 0.7, top-k 30, top-p 0.3, repetition
    /// penalty 1.03, no-repeat 3-grams in the output and from the context, at least 15 and at
    /// most 40 response tokens.
    ///
    /// As the reference's `infer.py`, the lengths count the whole decoder sequence, whose prefix is
    /// `[<s>, strategy token]`: `max_length = 40 + 2`, `min_length = 15` (so at least 13 new
    /// tokens). Add the strategy tokens to [GenerationConfig::bad_words_ids] (the reference bans
    /// all added tokens) — [crate::EscModel]'s generation methods do that themselves. The preset samples:
    /// decode with [crate::EscModel::generate_sampled] (or [crate::generate_sampled]).
    pub fn paper() -> Self {
        Self {
            max_length: 42,
            min_length: 15,
            do_sample: true,
            num_beams: 1,
            temperature: 0.7,
            top_k: 30,
            top_p: 0.3,
            repetition_penalty: 1.03,
            no_repeat_ngram_size: 3,
            encoder_no_repeat_ngram_size: 3,
            ..Self::default()
        }
    }

    /// Reads a JSON file with HF key names and validates it.
    ///
    /// # Errors
    /// [Error::Io], [Error::ConfigParse] (with line/column), [Error::InvalidConfig]; all name the
    /// file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        load_json_config(path)
    }

    /// Parses a `generation_config.json` held in memory and validates it, as [GenerationConfig::load] reads a file.
    ///
    /// # Errors
    /// [Error::ConfigParse] (with line and column, naming the source `<json>`) if it is not valid
    /// JSON of the right types, [Error::InvalidConfig] if a value is impossible.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, Error> {
        parse_json_config(json)
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        Ok(self.check()?)
    }

    /// Checks that [GenerationConfig::do_sample] is off, for the decoding functions that take no
    /// random-number generator.
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming `do_sample` and the sampled function to call instead.
    pub(crate) fn require_deterministic(&self, sampled: &str) -> Result<(), Error> {
        if self.do_sample {
            return Err(InvalidField::new(
                "do_sample",
                format!(
                    "false without a random-number generator: sampling needs one, call {sampled}"
                ),
            )
            .into());
        }
        Ok(())
    }

    /// Checks that the token ids set here exist in a model with `vocab_size` rows: an id
    /// beyond the embedding would otherwise be fed to the decoder (found by
    /// `tests/fuzz_loaders.rs`: a panic inside the backend instead of an error).
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming the field.
    pub fn validate_ids(&self, vocab_size: usize) -> Result<(), Error> {
        let ids = config_fields!(self; decoder_start_token_id, eos_token_id, pad_token_id,
            forced_eos_token_id);
        Ok(check_ids_below("the model's vocab_size", vocab_size, &ids)?)
    }
}

impl JsonConfig for GenerationConfig {
    fn check(&self) -> Result<(), InvalidField> {
        let invalid =
            |field: &'static str, expected: String| Err(InvalidField::new(field, expected));
        match self.max_new_tokens {
            // HF raises a ValueError for `max_new_tokens <= 0`.
            Some(0) => return invalid("max_new_tokens", "at least 1, found 0".into()),
            Some(_) => {}
            // Every decoder prefix holds at least the start token, and HF's `generate` refuses a
            // `max_length` that leaves no room for a new token (ValueError): so do we, for every
            // search (beam search would otherwise take one step where greedy takes none).
            None if self.max_length < 2 => {
                return invalid(
                    "max_length",
                    format!(
                        "at least 2 (the start token and one new token), found {}",
                        self.max_length
                    ),
                );
            }
            None => {}
        }
        if self.num_beams == 0 {
            return invalid("num_beams", "at least 1, found 0".into());
        }
        if self.do_sample && self.num_beams > 1 {
            return invalid(
                "num_beams",
                "1 when do_sample is true (beam sampling is not supported)".into(),
            );
        }
        check_positive_numbers(&config_fields!(self; temperature, repetition_penalty))?;
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return invalid("top_p", format!("a number in (0, 1], found {}", self.top_p));
        }
        if self.bad_words_ids.iter().any(|w| w.is_empty()) {
            return invalid("bad_words_ids", "non-empty id sequences".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_length_without_room_for_a_token_is_refused_for_every_search() {
        // transformers 4.57.1 raises "Input length of decoder_input_ids is 1, but `max_length`
        // is set to 1" for greedy and beam search alike.
        for num_beams in [1, 3] {
            let c = GenerationConfig {
                num_beams,
                ..GenerationConfig::greedy(1)
            };
            assert!(matches!(
                c.validate(),
                Err(Error::InvalidConfig {
                    field: "max_length",
                    ..
                })
            ));
        }
        assert!(GenerationConfig::greedy(2).validate().is_ok());
    }

    #[test]
    fn hf_keys_parse_and_unknown_keys_are_ignored() {
        let c: GenerationConfig = serde_json::from_str(
            r#"{"num_beams": 10, "length_penalty": 0.65, "min_length": 20, "max_length": 128,
                "no_repeat_ngram_size": 3, "forced_eos_token_id": 2, "_from_model_config": true}"#,
        )
        .unwrap();
        assert_eq!(c.num_beams, 10);
        assert_eq!(c.forced_eos_token_id, Some(2));
        assert_eq!(c.top_k, 50);
        c.validate().unwrap();
    }

    #[test]
    fn paper_preset_has_the_paper_numbers() {
        let c = GenerationConfig::paper();
        assert!(c.do_sample);
        assert_eq!((c.temperature, c.top_k, c.top_p), (0.7, 30, 0.3));
        assert_eq!(c.repetition_penalty, 1.03);
        assert_eq!(
            (c.no_repeat_ngram_size, c.encoder_no_repeat_ngram_size),
            (3, 3)
        );
        assert_eq!((c.min_length, c.max_length - 2), (15, 40));
    }

    #[test]
    fn impossible_values_are_rejected() {
        let c = GenerationConfig {
            top_p: 0.0,
            ..GenerationConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("top_p"));
        let c = GenerationConfig {
            do_sample: true,
            num_beams: 3,
            ..GenerationConfig::default()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn max_new_tokens_parses_wins_over_max_length_and_must_be_positive() {
        let c: GenerationConfig =
            serde_json::from_str(r#"{"max_length": 1, "max_new_tokens": 5}"#).unwrap();
        assert_eq!(c.max_new_tokens, Some(5));
        // `max_length` is not used when `max_new_tokens` is set, so it is not checked either.
        c.validate().unwrap();
        assert_eq!(c.max_length_for(1), 6);
        assert_eq!(c.max_length_for(2), 7);
        let c: GenerationConfig = serde_json::from_str(r#"{"max_new_tokens": null}"#).unwrap();
        assert_eq!((c.max_new_tokens, c.max_length_for(1)), (None, 20));
        let zero = GenerationConfig::default().with_max_new_tokens(0);
        let err = zero.validate().unwrap_err().to_string();
        assert!(
            err.contains("`max_new_tokens`: expected at least 1"),
            "{err}"
        );
    }

    #[test]
    fn ids_beyond_the_vocabulary_are_rejected() {
        let c = GenerationConfig {
            pad_token_id: Some(60),
            ..GenerationConfig::default()
        };
        c.validate_ids(61).unwrap();
        let err = c.validate_ids(60).unwrap_err().to_string();
        assert!(
            err.contains("pad_token_id") && err.contains("vocab_size 60"),
            "{err}"
        );
    }
}

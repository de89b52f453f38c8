//! Decoding settings with HF `GenerationConfig` key names.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Decoding settings (HF `generation_config.json` / `generate(**kwargs)` key names; unknown keys
/// are ignored). Lengths count decoder tokens **including** the start token, as HF does for
/// encoder-decoder models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationConfig {
    /// Longest output, start token included; at least 2. HF default: 20.
    pub max_length: usize,
    /// EOS is banned while the output is shorter than this (start token included). HF default: 0.
    pub min_length: usize,
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
            min_length: 0,
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

    /// The STAR paper's decoding: sampling with temperature 0.7, top-k 30, top-p 0.3, repetition
    /// penalty 1.03, no-repeat 3-grams in the output and from the context, at least 15 and at
    /// most 40 response tokens.
    ///
    /// As the reference's `infer.py`, the lengths count the whole decoder sequence, whose prefix is
    /// `[<s>, strategy token]`: `max_length = 40 + 2`, `min_length = 15` (so at least 13 new
    /// tokens). Add the strategy tokens to [GenerationConfig::bad_words_ids] (the reference bans
    /// all added tokens) — [crate::EscModel::generate] does that itself.
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
    /// [Error::Io], [Error::ConfigParse] (with line/column), [Error::InvalidConfig].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let config: Self = crate::error::read_json(path)?;
        config.validate().map_err(|e| e.with_path(path))?;
        Ok(config)
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [Error::InvalidConfig] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |field: &'static str, expected: String| {
            Err(Error::InvalidConfig {
                path: None,
                field,
                expected,
            })
        };
        // Every decoder prefix holds at least the start token, and HF's `generate` refuses a
        // `max_length` that leaves no room for a new token (ValueError): so do we, for every
        // search (beam search would otherwise take one step where greedy takes none).
        if self.max_length < 2 {
            return invalid(
                "max_length",
                format!(
                    "at least 2 (the start token and one new token), found {}",
                    self.max_length
                ),
            );
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
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return invalid(
                "temperature",
                format!("a positive number, found {}", self.temperature),
            );
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return invalid("top_p", format!("a number in (0, 1], found {}", self.top_p));
        }
        if !(self.repetition_penalty.is_finite() && self.repetition_penalty > 0.0) {
            return invalid(
                "repetition_penalty",
                format!("a positive number, found {}", self.repetition_penalty),
            );
        }
        if self.bad_words_ids.iter().any(|w| w.is_empty()) {
            return invalid("bad_words_ids", "non-empty id sequences".into());
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
        for (field, id) in [
            ("decoder_start_token_id", self.decoder_start_token_id),
            ("eos_token_id", self.eos_token_id),
            ("pad_token_id", self.pad_token_id),
            ("forced_eos_token_id", self.forced_eos_token_id),
        ] {
            if let Some(id) = id
                && id as usize >= vocab_size
            {
                return Err(Error::InvalidConfig {
                    path: None,
                    field,
                    expected: format!(
                        "an id below the model's vocab_size {vocab_size}, found {id}"
                    ),
                });
            }
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

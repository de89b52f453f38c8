//! A fresh BlenderBot-style BPE vocabulary trained with `tokenizers`' BPE trainer, for runs
//! without the HF vocabulary.
//!
//! The corpus goes through the same pre-processing as [`BlenderbotSmallTokenizer`] (words,
//! pieces, lowercase); the trainer learns merges with the `</w>` end-of-word suffix; the result
//! is written in BlenderBot-Small's format (`vocab.json` with `@@` on non-final pieces,
//! subword-nmt `merges.txt`), so it loads as a [`BlenderbotSmallTokenizer`] and the rest of the
//! pipeline does not change. Ids 0..3 are `__null__`, `__start__`, `__end__`, `__unk__`.

use std::path::Path;

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::{AddedToken, Trainer};

use super::blenderbot_small::{
    BOS_TOKEN, BlenderbotSmallTokenizer, CONTINUATION, EOS_TOKEN, PAD_TOKEN, UNK_TOKEN,
};
use super::bpe::END_OF_WORD;
use super::error::TokenizerError;
use super::pretokenize::{pieces, words};
use super::pystr::py_lower;

/// Settings of [`train_bpe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeTrainingConfig {
    /// Target vocabulary size, special tokens included (BlenderBot-Small has 54,944).
    pub vocab_size: usize,
    /// Pairs seen fewer times are not merged. Default 2.
    pub min_frequency: u64,
}

impl BpeTrainingConfig {
    /// A config for `vocab_size` entries, `min_frequency` 2.
    pub fn new(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            min_frequency: 2,
        }
    }
}

/// A trained vocabulary in BlenderBot-Small's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainedBpe {
    /// `vocab.json` entries (token, id), by id.
    pub vocab: Vec<(String, u32)>,
    /// `merges.txt` pairs, by rank.
    pub merges: Vec<(String, String)>,
}

impl TrainedBpe {
    /// The tokenizer (with the 8 strategy tokens added after the vocabulary).
    pub fn tokenizer(&self) -> Result<BlenderbotSmallTokenizer, TokenizerError> {
        BlenderbotSmallTokenizer::from_parts(
            self.vocab.clone(),
            &self.merges,
            Path::new("<trained>"),
        )
    }

    /// Writes `vocab.json` and `merges.txt` into `dir` (created if needed), loadable with
    /// [`BlenderbotSmallTokenizer::from_dir`] and with transformers' `BlenderbotSmallTokenizer`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), TokenizerError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| TokenizerError::io(dir, e))?;
        let vocab: serde_json::Map<String, serde_json::Value> = self
            .vocab
            .iter()
            .map(|(t, id)| (t.clone(), (*id).into()))
            .collect();
        let vocab_path = dir.join("vocab.json");
        let text =
            serde_json::to_string(&vocab).map_err(|e| TokenizerError::io(&vocab_path, e.into()))?;
        std::fs::write(&vocab_path, text).map_err(|e| TokenizerError::io(&vocab_path, e))?;
        // Python drops the first line and everything after the last newline.
        let mut merges = String::from("#version: 0.2\n");
        for (a, b) in &self.merges {
            merges.push_str(&format!("{a} {b}\n"));
        }
        let merges_path = dir.join("merges.txt");
        std::fs::write(&merges_path, merges).map_err(|e| TokenizerError::io(&merges_path, e))
    }
}

/// The lowercased BPE pieces of `text`, as the tokenizer sees them (added tokens not split off).
fn training_pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(text) {
        pieces(word, |p| out.push(py_lower(p)));
    }
    out
}

/// Trains a BPE vocabulary on `texts` (one utterance or line each).
pub fn train_bpe<I, S>(texts: I, config: &BpeTrainingConfig) -> Result<TrainedBpe, TokenizerError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let specials = [PAD_TOKEN, BOS_TOKEN, EOS_TOKEN, UNK_TOKEN];
    if config.vocab_size <= specials.len() {
        return Err(TokenizerError::Training(format!(
            "vocab_size {} leaves no room beside the {} special tokens",
            config.vocab_size,
            specials.len()
        )));
    }
    let mut trainer = BpeTrainerBuilder::new()
        .vocab_size(config.vocab_size)
        .min_frequency(config.min_frequency)
        .special_tokens(
            specials
                .iter()
                .map(|t| AddedToken::from(*t, true))
                .collect(),
        )
        .end_of_word_suffix(END_OF_WORD.to_owned())
        .show_progress(false)
        .build();
    let texts: Vec<String> = texts.into_iter().map(|t| t.as_ref().to_owned()).collect();
    trainer
        .feed(texts.iter(), |text| Ok(training_pieces(text)))
        .map_err(|e| TokenizerError::tokenizers("feeding the BPE trainer", e))?;
    let mut model = BPE::builder()
        .unk_token(UNK_TOKEN.to_owned())
        .end_of_word_suffix(END_OF_WORD.to_owned())
        .build()
        .map_err(|e| TokenizerError::tokenizers("building an empty BPE", e))?;
    trainer
        .train(&mut model)
        .map_err(|e| TokenizerError::tokenizers("training BPE", e))?;

    // Vocabulary: specials as they are, `x</w>` -> `x`, other pieces `x` -> `x@@`.
    let mut vocab: Vec<(String, u32)> = model.get_vocab().into_iter().collect();
    vocab.sort_by_key(|(_, id)| *id);
    let mut seen = std::collections::HashSet::new();
    let vocab = vocab
        .into_iter()
        .map(|(symbol, id)| {
            let token = if specials.contains(&symbol.as_str()) {
                symbol.clone()
            } else {
                match symbol.strip_suffix(END_OF_WORD) {
                    Some(stem) => stem.to_owned(),
                    None => format!("{symbol}{CONTINUATION}"),
                }
            };
            if !seen.insert(token.clone()) {
                return Err(TokenizerError::Training(format!(
                    "two learnt pieces give the token {token:?} (the corpus contains \"@@\" or \"</w>\")"
                )));
            }
            Ok((token, id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let serialized = serde_json::to_value(&model)
        .map_err(|e| TokenizerError::tokenizers("reading the trained merges", Box::new(e)))?;
    let merges: Vec<(String, String)> = serde_json::from_value(serialized["merges"].clone())
        .map_err(|e| TokenizerError::tokenizers("reading the trained merges", Box::new(e)))?;
    Ok(TrainedBpe { vocab, merges })
}

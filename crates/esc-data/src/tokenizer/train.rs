//! A fresh BlenderBot-style BPE vocabulary trained on a corpus, for runs without the HF
//! vocabulary.
//!
//! The corpus goes through the same pre-processing as [`BlenderbotSmallTokenizer`] (words,
//! pieces, lowercase); merges are learnt with the `</w>` end-of-word suffix, deterministically
//! (ties between equally frequent pairs go to the lexicographically smallest pair); the result
//! is written in BlenderBot-Small's format (`vocab.json` with `@@` on non-final pieces,
//! subword-nmt `merges.txt`), so it loads as a [`BlenderbotSmallTokenizer`] and the rest of the
//! pipeline does not change. Ids 0..3 are `__null__`, `__start__`, `__end__`, `__unk__`.

use std::path::Path;

use std::collections::BTreeMap;

use super::blenderbot_small::{
    BOS_TOKEN, BlenderbotSmallTokenizer, CONTINUATION, EOS_TOKEN, PAD_TOKEN, UNK_TOKEN,
};
use super::bpe::END_OF_WORD;
use super::error::TokenizerError;
use super::learn_merges::learn_bpe;
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
    let mut word_counts: BTreeMap<String, u64> = BTreeMap::new();
    for text in texts {
        for piece in training_pieces(text.as_ref()) {
            *word_counts.entry(piece).or_default() += 1;
        }
    }
    let learned = learn_bpe(
        &word_counts,
        &specials,
        config.vocab_size,
        config.min_frequency,
        END_OF_WORD,
    );

    // Vocabulary: specials as they are, `x</w>` -> `x`, other pieces `x` -> `x@@`.
    let mut seen = std::collections::HashSet::new();
    let vocab = learned
        .symbols
        .into_iter()
        .zip(0u32..)
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
    let merges = learned.merges;
    Ok(TrainedBpe { vocab, merges })
}

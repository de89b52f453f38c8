//! Loading a run's data: the splits, the tokenizer and the examples.

use std::path::Path;

use esc_data::tokenizer::{BpeTrainingConfig, TrainedBpe, train_bpe};
use esc_data::{
    BlenderbotSmallTokenizer, Dialog, EscExample, ExampleConfig, Splits, Tokenize, build_examples,
    build_examples_with, load_splits, sample_splits,
};

use super::config::{TokenizerSource, TrainConfig};
use super::error::{Result, TrainError};
use super::knowledge::add_knowledge_tokens;

/// The examples of the three splits and their tokenizer.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The tokenizer (strategy tokens, then any knowledge tokens, at the end of the vocabulary).
    pub tokenizer: BlenderbotSmallTokenizer,
    /// Training examples.
    pub train: Vec<EscExample>,
    /// Validation examples.
    pub valid: Vec<EscExample>,
    /// Test examples.
    pub test: Vec<EscExample>,
}

impl RunData {
    /// Reads the dialogs of `config.data` (or the sample dataset), builds or loads the tokenizer
    /// and builds the examples with the configured lengths.
    ///
    /// # Errors
    /// A data, tokenizer or configuration error, or [TrainError::EmptySplit].
    pub fn load(config: &TrainConfig) -> Result<Self> {
        let splits = match &config.data {
            Some(dir) => load_splits(dir)?,
            None => sample_splits()?,
        };
        let tokenizer = load_tokenizer(&config.tokenizer, &splits.train)?;
        Self::from_splits(config, &splits, tokenizer)
    }

    /// Builds the examples of `splits` with `tokenizer`.
    ///
    /// A KEMI-style run ([TrainConfig::knowledge]) gets the knowledge tokens added to
    /// `tokenizer` and the knowledge of every example from its source, whose index is built
    /// from `splits.train`.
    ///
    /// # Errors
    /// As [RunData::load].
    pub fn from_splits(
        config: &TrainConfig,
        splits: &Splits,
        mut tokenizer: BlenderbotSmallTokenizer,
    ) -> Result<Self> {
        add_knowledge_tokens(config, &mut tokenizer)?;
        let source = config.knowledge.as_ref().map(|k| k.source(&splits.train));
        let ex_config = ExampleConfig::new()
            .with_max_input_len(config.max_input_len)
            .with_max_target_len(config.max_target_len);
        let build = |dialogs: &[Dialog], limit: Option<usize>, split: &'static str| {
            let mut examples = match &source {
                Some(source) => build_examples_with(dialogs, &tokenizer, &ex_config, &**source)?,
                None => build_examples(dialogs, &tokenizer, &ex_config)?,
            };
            if let Some(n) = limit {
                examples.truncate(n);
            }
            if examples.is_empty() {
                return Err(TrainError::EmptySplit { split });
            }
            Ok(examples)
        };
        let train = build(&splits.train, config.max_train_examples, "train")?;
        let valid = build(&splits.valid, config.max_eval_examples, "valid")?;
        let test = build(&splits.test, config.max_eval_examples, "test")?;
        Ok(Self {
            tokenizer,
            train,
            valid,
            test,
        })
    }

    /// Vocabulary size including the strategy (and knowledge) tokens.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.vocab_size()
    }
}

/// Loads the tokenizer from a folder or trains a BPE vocabulary on the training dialogs' turns.
///
/// # Errors
/// [TrainError::Tokenizer].
pub fn load_tokenizer(
    source: &TokenizerSource,
    train: &[Dialog],
) -> Result<BlenderbotSmallTokenizer> {
    match source {
        TokenizerSource::Dir(dir) => Ok(BlenderbotSmallTokenizer::from_dir(dir)?),
        TokenizerSource::TrainBpe(size) => {
            let texts = train
                .iter()
                .flat_map(|d| d.turns.iter())
                .map(|t| t.text.clone());
            Ok(train_bpe(texts, &BpeTrainingConfig::new(*size))?.tokenizer()?)
        }
    }
}

/// The folder of a run directory that holds the run's vocabulary.
pub const TOKENIZER_DIR: &str = "tokenizer";

/// Writes `tokenizer`'s `vocab.json` and `merges.txt` into `dir` (loadable with
/// [BlenderbotSmallTokenizer::from_dir], which adds the strategy tokens again).
///
/// # Errors
/// [TrainError::Tokenizer] if the files cannot be written.
pub fn save_tokenizer(tokenizer: &BlenderbotSmallTokenizer, dir: &Path) -> Result<()> {
    let mut vocab: Vec<(String, u32)> = tokenizer
        .vocab()
        .map(|(token, id)| (token.to_owned(), id))
        .collect();
    vocab.sort_by_key(|(_, id)| *id);
    let merges = tokenizer
        .merges()
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    Ok(TrainedBpe { vocab, merges }.save(dir)?)
}

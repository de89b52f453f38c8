//! KEMI-style runs: the knowledge source of a run and the knowledge tokens of its vocabulary.
//!
//! A KEMI-style run is BlenderBot-Joint with knowledge appended to the encoder input
//! ([TrainConfig::knowledge]). Its vocabulary is the base vocabulary, then the 8 strategy tokens,
//! then the 8 knowledge type tokens ([KNOWLEDGE_TOKENS]), as the reference adds them; the strategy
//! classifier stays on the 8 strategy columns (`[-16:-8]` of the LM logits).
//!
//! **How a checkpoint finds its retriever's data.** The BM25 index is built from the training
//! split of the run's data: `config.data` (recorded in the run folder's `config.json`; `None` =
//! the built-in sample dataset). Building is deterministic, so resume, `evaluate` and `chat`
//! rebuild exactly the index the run trained with, as long as that folder is unchanged (an
//! evaluation with another `--data` indexes that data's training split).

use esc_data::{
    BlenderbotSmallTokenizer, Bm25Knowledge, DataKnowledge, Dialog, KNOWLEDGE_TOKENS,
    KnowledgeSource, Strategy, Tokenize, load_split, sample_splits,
};
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::error::{Result, TrainError};

/// Where a KEMI-style run's knowledge comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KnowledgeSourceKind {
    /// BM25 retrieval of training-split responses ([Bm25Knowledge]); needs nothing external.
    Bm25,
    /// The data's own `knowledge` / `heal` fields ([DataKnowledge]).
    Data,
}

/// The knowledge input of a KEMI-style run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeConfig {
    /// The source.
    pub source: KnowledgeSourceKind,
    /// Retrieved exemplars per example (BM25 only).
    #[serde(default = "default_top_k")]
    pub top_k: usize,
}

fn default_top_k() -> usize {
    KnowledgeConfig::DEFAULT_TOP_K
}

impl KnowledgeConfig {
    /// The default number of retrieved exemplars.
    pub const DEFAULT_TOP_K: usize = 2;

    /// BM25 retrieval of `top_k` exemplars.
    pub fn bm25(top_k: usize) -> Self {
        Self {
            source: KnowledgeSourceKind::Bm25,
            top_k,
        }
    }

    /// The data's own fields.
    pub fn data() -> Self {
        Self {
            source: KnowledgeSourceKind::Data,
            top_k: Self::DEFAULT_TOP_K,
        }
    }

    /// The source, its index built from the training dialogs `train`.
    pub fn source(&self, train: &[Dialog]) -> Box<dyn KnowledgeSource> {
        match self.source {
            KnowledgeSourceKind::Bm25 => Box::new(Bm25Knowledge::new(train, self.top_k)),
            KnowledgeSourceKind::Data => Box::new(DataKnowledge),
        }
    }
}

/// The knowledge source of a run (`None` without [TrainConfig::knowledge]), its index built
/// from the training split of `config.data` (or the sample dataset). For chat; training and
/// evaluation build it from the splits they load ([RunData](super::RunData)).
///
/// # Errors
/// Data errors reading the training split.
pub fn run_knowledge_source(config: &TrainConfig) -> Result<Option<Box<dyn KnowledgeSource>>> {
    let Some(knowledge) = &config.knowledge else {
        return Ok(None);
    };
    let train = match &config.data {
        Some(dir) => load_split(dir, esc_data::Split::Train)?,
        None => sample_splits()?.train,
    };
    Ok(Some(knowledge.source(&train)))
}

/// Adds the knowledge tokens after the strategy tokens when `config` has a knowledge input
/// (nothing otherwise; adding twice is a no-op).
///
/// # Errors
/// [TrainError::InvalidConfig] when the tokens do not land right after the strategy tokens
/// (a vocabulary that already holds one of them).
pub fn add_knowledge_tokens(
    config: &TrainConfig,
    tokenizer: &mut BlenderbotSmallTokenizer,
) -> Result<()> {
    if config.knowledge.is_none() {
        return Ok(());
    }
    tokenizer.add_tokens(&KNOWLEDGE_TOKENS, true);
    let last_strategy = tokenizer.strategy_token_id(Strategy::Others);
    let ids: Vec<Option<u32>> = KNOWLEDGE_TOKENS
        .iter()
        .map(|t| tokenizer.added_token_id(t))
        .collect();
    let expected: Vec<Option<u32>> = (1..=KNOWLEDGE_TOKENS.len() as u32)
        .map(|i| Some(last_strategy + i))
        .collect();
    if ids != expected || tokenizer.vocab_size() != last_strategy as usize + 9 {
        return Err(TrainError::InvalidConfig {
            field: "knowledge",
            message: format!(
                "the knowledge tokens {KNOWLEDGE_TOKENS:?} got ids {ids:?}, expected the 8 ids after the \
                 strategy tokens at the end of the vocabulary (does the vocabulary already hold one?)"
            ),
        });
    }
    Ok(())
}

//! # esc-data
//!
//! ESConv (Liu et al., ACL 2021) for Rust: typed dialogs, both file formats, the
//! BlenderBot-Small tokenizer (id-exact with transformers' slow tokenizer),
//! examples built exactly as the reference builds them, and burn batching.
//!
//! ## Quick start
//! ```
//! use esc_data::{build_examples, dialog_stats, load_splits, sample_dir, ExampleConfig};
//! # use esc_data::{Strategy, tokenizer::{SpecialTokens, Tokenize}};
//! # struct Chars;
//! # impl Tokenize for Chars {
//! #     fn encode(&self, text: &str) -> Vec<u32> { text.bytes().map(u32::from).collect() }
//! #     fn decode(&self, _: &[u32]) -> String { String::new() }
//! #     fn vocab_size(&self) -> usize { 264 }
//! #     fn special_tokens(&self) -> SpecialTokens { SpecialTokens { pad: 0, bos: 1, eos: 2, unk: 3 } }
//! #     fn strategy_token_id(&self, s: Strategy) -> u32 { 256 + s.id() as u32 }
//! # }
//! # let tokenizer = Chars; // in practice: the BlenderBot-Small tokenizer
//! let splits = load_splits(sample_dir())?; // or esc_data::paths::esconv_dir()?
//! let stats = dialog_stats(&splits.train);
//! let examples = build_examples(&splits.train, &tokenizer, &ExampleConfig::new())?;
//! assert_eq!(examples.len(), stats.examples);
//! # Ok::<(), esc_data::Error>(())
//! ```
//!
//! Batching: [`EscBatcher`] (a burn [`Batcher`](burn::data::dataloader::batcher::Batcher))
//! pads examples into an [`EscBatch`]; [`BucketSampler`] orders them like the
//! reference's length-bucketed sampler.

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme_doctest {}

mod batch;
mod bucket;
mod dialog;
mod emotion;
mod error;
mod esconv;
mod example;
mod knowledge;
mod mt19937;
pub mod paths;
mod role;
mod sample;
mod split;
pub mod stats;
mod strategy;
pub mod tokenizer;

pub use batch::{EscBatch, EscBatcher, IGNORE_INDEX};
pub use bucket::{BucketSampler, REFERENCE_BUCKET};
pub use dialog::{Dialog, Speaker, Survey, Turn, normalize_whitespace};
pub use emotion::{Emotion, UnknownEmotion};
pub use error::{Error, Location, Record, Result};
pub use esconv::{
    Format, parse_dialogs, parse_jsonl, parse_original, read_dialogs, read_jsonl, read_original,
};
pub use example::{
    EscExample, ExampleConfig, InputLayout, build_examples, build_examples_with, dialog_examples,
    dialog_examples_with,
};
pub use knowledge::{
    Bm25, Bm25Knowledge, Bm25Params, DataKnowledge, Exemplar, KNOWLEDGE_TOKENS, KnowledgeError,
    KnowledgeKind, KnowledgeSegment, KnowledgeSource, KnowledgeTextError, bm25_tokens,
    dialog_fingerprint, parse_knowledge_text,
};
pub use mt19937::PyRandom;
pub use paths::{DataDirNotFound, shared_data_dir};
pub use role::{N_ROLES, ROLE_KNOWLEDGE, ROLE_PAD, ROLE_SEEKER, ROLE_SUPPORTER};
pub use sample::{sample_dir, sample_splits};
pub use split::{
    ESCONV_SPLIT_SEED, Split, Splits, load_original_split, load_split, load_splits, split_dialogs,
};
pub use stats::{DialogStats, SplitReport, TokenLengthStats, dialog_stats, token_length_stats};
pub use strategy::{Strategy, UnknownStrategy};
pub use tokenizer::{
    BlenderbotSmallTokenizer, DecodeOptions, SpecialTokens, Tokenize, TokenizerError,
};

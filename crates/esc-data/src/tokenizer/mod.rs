//! Tokenizers: the BlenderBot-Small BPE (id-exact with transformers' slow
//! `BlenderbotSmallTokenizer`) and the [`Tokenize`] trait the rest of the crate uses.
//!
//! - [`BlenderbotSmallTokenizer`]: the pure-Rust port (load with `from_dir`).
//! - [`export_hf_tokenizer`]: an HF `tokenizer.json` for the `tokenizers` library that
//!   reproduces it (with one documented id remapping, see [`HfExport`]).
//! - [`train_bpe`]: a fresh BPE vocabulary trained with `tokenizers`' trainer, loadable as a
//!   [`BlenderbotSmallTokenizer`], for runs without the HF vocabulary.

mod added_tokens;
mod blenderbot_small;
mod bpe;
mod error;
mod hf_export;
mod learn_merges;
mod pretokenize;
mod pystr;
mod train;
mod vocab_files;

pub use blenderbot_small::{
    BOS_TOKEN, BlenderbotSmallTokenizer, CONTINUATION, DecodeOptions, EOS_TOKEN, PAD_TOKEN,
    UNK_TOKEN,
};
pub use error::TokenizerError;
pub use hf_export::{HfExport, export_hf_tokenizer};
pub use train::{BpeTrainingConfig, TrainedBpe, train_bpe};

use crate::Strategy;

/// Ids of the special tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialTokens {
    /// Padding (`__null__` in BlenderBot-Small, id 0).
    pub pad: u32,
    /// Beginning of sequence / decoder start (`__start__`, id 1).
    pub bos: u32,
    /// End of sequence (`__end__`, id 2).
    pub eos: u32,
    /// Unknown (`__unk__`, id 3).
    pub unk: u32,
}

/// What example building, batching and decoding need from a tokenizer.
///
/// Implemented by the BlenderBot-Small tokenizer; tests may implement it on a toy vocabulary.
pub trait Tokenize {
    /// Token ids of `text` (no special tokens added).
    fn encode(&self, text: &str) -> Vec<u32>;
    /// Text of `ids`, as the reference decodes it: `toker.decode(ids)` with default arguments,
    /// so special tokens are kept (`__unk__` included); callers cut at EOS and drop the strategy
    /// token first, as the reference does. For other options see
    /// [`BlenderbotSmallTokenizer::decode_with`].
    fn decode(&self, ids: &[u32]) -> String;
    /// Vocabulary size including added tokens (strategy tokens and others).
    fn vocab_size(&self) -> usize;
    /// Special token ids.
    fn special_tokens(&self) -> SpecialTokens;
    /// Id of the added token for `strategy`.
    fn strategy_token_id(&self, strategy: Strategy) -> u32;
    /// Id of the added token `token` (e.g. the knowledge type token `[xReact]`), `None` when
    /// the tokenizer has no such added token (the default).
    fn added_token_id(&self, token: &str) -> Option<u32> {
        let _ = token;
        None
    }
}

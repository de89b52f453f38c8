//! # esc-data
//!
//! ESConv (Liu et al., ACL 2021) for Rust: typed dialogs, both file formats, the
//! BlenderBot-Small tokenizer (id-exact with transformers' slow tokenizer),
//! examples built exactly as the reference builds them, and burn batching.

pub mod paths;
mod strategy;
pub mod tokenizer;

pub use paths::{shared_data_dir, DataDirNotFound};
pub use strategy::{Strategy, UnknownStrategy};
pub use tokenizer::{
    BlenderbotSmallTokenizer, DecodeOptions, SpecialTokens, Tokenize, TokenizerError,
};

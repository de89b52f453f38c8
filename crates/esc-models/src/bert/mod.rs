//! BERT encoders (HF `models/bert/modeling_bert.py`, transformers 4.57.1) and BERTScore.
//!
//! - [BertModel]: embeddings and post-LN layers with HF parameter names, returning the hidden
//!   states after any number of layers; [BertConfig] reads an HF `config.json`.
//! - [load_bert]: HF checkpoints in (`.safetensors`, `.bin`), with the [crate::LoadReport] of
//!   every tensor (the key map is in [weights]).
//! - [BertTokenizer]: the folder's WordPiece tokenizer (`tokenizer.json` or `vocab.txt`).
//! - [BertScorer]: BERTScore P/R/F as the `bert-score` package computes it.
//!
//! ```
//! use burn::tensor::Device;
//! use esc_models::bert::{BertScore, BertScorer, ScoreOptions};
//!
//! # fn main() -> Result<(), esc_models::Error> {
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_bert");
//! let scorer = BertScorer::from_dir(&dir, Some(2), &Device::flex())?;
//! let scores = scorer.score(
//!     &["the cat sat on the mat"],
//!     &["a cat was sitting on the mat"],
//!     &ScoreOptions::default(),
//! )?;
//! let mean = BertScore::mean(&scores).unwrap();
//! assert!(mean.f1 > 0.0 && mean.f1 <= 1.0);
//! # Ok(())
//! # }
//! ```

pub mod attention;
pub mod config;
pub mod embeddings;
pub mod layer;
pub mod model;
pub mod score;
pub mod tokenizer;
pub mod weights;

pub use attention::{BertAttention, BertSelfAttention, BertSelfOutput};
pub use config::BertConfig;
pub use embeddings::BertEmbeddings;
pub use layer::{BertIntermediate, BertLayer, BertOutput};
pub use model::{BertEncoder, BertModel};
pub use score::{BertScore, BertScorer, ScoreOptions};
pub use tokenizer::BertTokenizer;
pub use weights::load_bert;

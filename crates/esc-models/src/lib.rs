//! # esc-models
//!
//! BlenderBot-Small on burn 0.22, logit-exact with transformers 4.57.1, with the ESC multitask
//! heads, STAR attached as the STAR reference does, and batched KV-cached generation.
//!
//! - [blenderbot_small]: the encoder-decoder (HF field names), its config and weight I/O
//!   ([load_hf] for `.safetensors`/`.bin`, burnpack checkpoints, HF SafeTensors export).
//! - [heads]: the BlenderBot-Joint and Emstremo-style heads ([Head], [HeadConfig]).
//! - `bert` (feature `bert`, on by default): a BERT encoder (HF names) and BERTScore
//!   (`bert::BertScorer`), for evaluation.
//! - [EscModel]: backbone + head + optional STAR; losses, validation perplexity, two-stage freeze.
//! - [generate](mod@generate): greedy / sampling / beam search with HF's logits processors ([GenerationConfig]).
//! - [json_config]: the JSON loader and value checks every configuration shares.
//!
//! ## Quick start: load a checkpoint and reply
//!
//! ```
//! use burn::tensor::{Bool, Device, Int, Tensor};
//! use esc_models::{BlenderbotSmallConfig, GenerationConfig, generate, load_hf};
//!
//! # fn main() -> Result<(), esc_models::Error> {
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_bbs");
//! let device = Device::flex();
//! let config = BlenderbotSmallConfig::load(dir.join("config.json"))?;
//! let mut model = config.init(&device);
//! let report = load_hf(&mut model, dir.join("model.safetensors"))?;
//! assert!(report.is_complete());
//!
//! let input_ids = Tensor::<2, Int>::from_ints([[5, 17, 33, 2]], &device);
//! let mask_pad = input_ids.clone().equal_elem(0);
//! // Greedy decoding needs no random-number generator (sampling: `generate_sampled`).
//! let config = GenerationConfig::default().with_max_new_tokens(6);
//! let reply = generate(&model, input_ids, mask_pad, &config)?;
//! assert_eq!(reply[0][0], 1); // decoder start token
//! assert!(reply[0].len() <= 1 + 6);
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//! The library needs none: burn without a backend; the [burn::tensor::Device] you pass picks it.
//! - `bert` (default): the BERT encoder and BERTScore.
//! - `flex`: fused CPU kernels for burn's flex backend, each with its own backward pass: the
//!   cross-entropy of [loss] (about 10x faster than burn's composed `log_softmax`) and, in
//!   training, the attention of [blenderbot_small]; compiles flex in. Without it, flex runs
//!   burn's composed operations, with the same results.
//! - `cuda`: run the parity tests on the first NVIDIA GPU as well.
#![warn(missing_docs)]

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme_doctest {}

#[cfg(feature = "bert")]
pub mod bert;
pub mod blenderbot_small;
pub mod error;
pub mod esc_generate;
pub mod esc_model;
pub mod generate;
pub mod heads;
pub mod json_config;
pub mod loss;
pub mod routing;

pub use blenderbot_small::weights::{
    LoadOptions, LoadReport, ShapeMismatch, TensorInfo, export_hf_safetensors, load_burnpack,
    load_hf, load_hf_safetensors_bytes, load_hf_with, save_burnpack,
};
pub use blenderbot_small::{
    BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration, DecoderCache, Seq2SeqOutput,
};
pub use error::Error;
pub use esc_generate::{EscGeneration, ResponseExpert};
pub use esc_model::{EscLoss, EscModel, EscModelConfig, EscOutput, ExpertChoice, NllStats};
pub use generate::{GenerationConfig, generate, generate_sampled};
pub use heads::{
    EmstremoConfig, EmstremoHead, Head, HeadConfig, JointConfig, JointHead, LossTerm, PrefixMode,
};
pub use loss::{classification_cross_entropy, cross_entropy, nll_per_example, nll_sum, token_nll};
pub use routing::{Routing, StarRoute, StrategyTarget};

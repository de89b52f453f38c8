//! # star-esc
//!
//! STAR (Strategy-Aware Refinement) for emotional support conversation (ESC), on
//! [burn](https://burn.dev). This facade re-exports the workspace crates:
//!
//! - [`star_core`]: the STAR module (attention pooling, SARA gate, SR refinement) and
//!   the multitask loss schedule, usable on any decoder.
//! - [`esc_data`]: ESConv parsing, the BlenderBot-Small tokenizer, examples and batching.
//! - [`esc_models`]: BlenderBot-Small and the multitask heads, with STAR attached.
//! - [`esc_metrics`]: the metrics of the ESC literature, value-exact with the reference.
//! - [`train`]: training and evaluation of BlenderBot-Joint and BlenderBot-Joint + STAR.
//! - [`analysis`]: gradient conflict, representation clusters and STAR gate statistics of a run.
//!
//! ## Feature flags
//! - `flex` (default): pure-Rust CPU backend.
//! - `ndarray`: the ndarray CPU backend.
//! - `cuda`: NVIDIA GPUs.

pub use esc_data;
pub use esc_metrics;
pub use esc_models;
pub use star_core;

pub mod analysis;
pub mod experiment;
pub mod train;

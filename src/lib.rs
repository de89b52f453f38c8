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
//! - [`experiment`]: controlled comparisons (arms × seeds, confidence intervals, paired tests).
//! - `analysis` (feature `analysis`): gradient conflict, representation clusters and STAR gate
//!   statistics of a run.
//! - `plots` (feature `plots`): training curves and the analysis figures.
//!
//! ## Feature flags
//! - `flex` (default): pure-Rust CPU backend.
//! - `ndarray` (default): the ndarray CPU backend.
//! - `analysis` (default): the `analysis` module (t-SNE through `bhtsne`); implies `plots`.
//! - `plots` (default through `analysis`): the `plots` module (plotters).
//! - `bertscore` (default): BERTScore in the evaluation (`train::EvalOptions::bertscore`; without
//!   it, asking for BERTScore is an error that names the feature).
//! - `cuda`: NVIDIA GPUs.
//!
//! A library user who only trains and evaluates can opt out of the figures and the analysis:
//! `star-esc = { version = "0.1", default-features = false, features = ["flex"] }`.

pub use esc_data;
pub use esc_metrics;
pub use esc_models;
pub use star_core;

#[cfg(feature = "analysis")]
pub mod analysis;
pub mod experiment;
#[cfg(feature = "plots")]
pub mod plots;
pub mod train;

#![doc = include_str!("../README.md")]
//!
//! ## Where each part lives
//!
//! - Eq. (1): [`AttentionPooling`] ([`AttentionPoolingConfig`]), full or causal
//!   ([`PoolingMode`]), pads masked or pooled ([`PadPooling`]);
//! - Eq. (2): [`StarGate`], scalar or per-channel ([`GateWidth`]);
//! - Eq. (3): [`StarRefine`], with the exact GELU [`gelu_exact`];
//! - Eq. (4): [`blend`];
//! - one expert per strategy or a shared one: [`StarExpert`] ([`StarExpertConfig`]),
//!   [`ExpertMode`]; initialisation: [`StarInit`];
//! - the whole module: [`Star`] ([`StarConfig`], [`StarInput`], [`StarOutput`]); generation:
//!   [`Star::forward_step`] with a [`StarCache`]; invalid configurations: [`StarConfigError`];
//! - masks: [`pad_mask_from_attention_mask`], [`attention_mask_from_pad_mask`];
//! - Section 3.3: [`combine`] and [`LambdaSchedule`], in [`loss`];
//! - speed: the experts' linear layers go through [`row_linear::forward`], which takes a fused
//!   few-row kernel on flex with the `flex` feature; [`dropout::forward`] is `Dropout::forward`
//!   in one pass (forward and backward) on flex, [`gelu_exact`] vectorised on flex, and
//!   [`layer_norm::forward`] is `LayerNorm::forward` with a fused backward pass on flex.

mod allocator;
mod blend;
mod cache;
mod dispatch;
pub mod dropout;
mod error;
mod expert;
#[cfg(feature = "flex")]
#[doc(hidden)]
pub mod flex_adamw;
#[cfg(feature = "flex")]
mod flex_dropout;
#[cfg(feature = "flex")]
mod flex_gelu;
#[cfg(feature = "flex")]
mod flex_gemm_linear;
#[cfg(feature = "flex")]
mod flex_layer_norm;
#[cfg(feature = "flex")]
#[doc(hidden)]
pub mod flex_math;
#[cfg(feature = "flex")]
mod flex_row_linear;
#[cfg(feature = "flex")]
#[doc(hidden)]
pub mod flex_tensors;
#[cfg(feature = "flex")]
mod flex_transposed_linear;
mod gelu;
mod init;
pub mod layer_norm;
pub mod loss;
mod mask;
mod modes;
mod pooling;
pub mod row_linear;
mod star;
#[cfg(all(test, feature = "flex"))]
mod test_values;
pub mod transposed_linear;

pub use allocator::tune_allocator;
pub use blend::blend;
pub use cache::StarCache;
pub use error::StarConfigError;
pub use expert::{StarExpert, StarExpertConfig, StarGate, StarRefine};
pub use gelu::gelu_exact;
pub use loss::{LambdaSchedule, combine};
pub use mask::{attention_mask_from_pad_mask, pad_mask_from_attention_mask};
pub use modes::{ExpertMode, GateWidth, PadPooling, PoolingMode, StarInit};
pub use pooling::{AttentionPooling, AttentionPoolingConfig};
pub use star::{Star, StarConfig, StarInput, StarOutput};
pub use transposed_linear::TransposedLinear;

//! # star-core
//!
//! STAR (Strategy-Aware Refinement) for [burn](https://burn.dev) decoders: the module of
//! Section 3 of the STAR paper, usable on any decoder's hidden states, on any burn device.
//!
//! For decoder hidden states `h` and a strategy per example:
//! - Eq. (1) `z = Pooling(h)`: multi-head attention pooling whose single query is the mean of
//!   the positions ([`AttentionPooling`]);
//! - Eq. (2) `g = σ(f(z))`: the SARA integration value, `f` = Linear-ReLU-Linear
//!   ([`StarGate`]), scalar or per-channel ([`GateWidth`]);
//! - Eq. (3) `ĥ = P(z)`: the SR refinement, `P` = Linear-GELU-Linear ([`StarRefine`]);
//! - Eq. (4) `h' = g ⊙ ĥ + (1 - g) ⊙ h`, with `ĥ` broadcast over positions ([`blend`]).
//!
//! One gate + refinement expert per strategy (the reference) or a shared one
//! ([`ExpertMode`]); pooling over the whole sequence (the reference) or causal
//! ([`PoolingMode`]), with an incremental API for generation ([`Star::forward_step`],
//! [`StarCache`]); the multitask loss schedule of Section 3.3 in [`loss`].
//!
//! ## Quick start: attach STAR to your decoder
//!
//! ```
//! use burn::tensor::{Device, Int, Tensor};
//! use star_core::{StarConfig, StarInput};
//!
//! let device = Device::flex();
//! // d_model 64, 8 strategies; the rest keeps the reference defaults.
//! let star = StarConfig::new(64, 8).with_d_ffn(128).init(&device);
//!
//! // `hidden` = your decoder's last hidden states [batch, seq, d_model] (before the LM head),
//! // `strategy` = the strategy of each example (gold in training, predicted at inference).
//! let hidden = Tensor::<3>::zeros([2, 5, 64], &device);
//! let strategy = Tensor::<1, Int>::from_ints([3, 0], &device);
//! let pad = Tensor::<2, Int>::from_ints([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]], &device).bool();
//!
//! let out = star.forward(StarInput::new(hidden, strategy).mask_pad(pad));
//! // Feed out.hidden (h', Eq. (4)) to your LM head; log out.gate (g, Eq. (2)).
//! assert_eq!(out.hidden.dims(), [2, 5, 64]);
//! assert_eq!(out.gate.dims(), [2, 1, 1]);
//! ```
//!
//! Training loss (Section 3.3): `loss::combine(lm_loss, strategy_loss, schedule.lambda(epoch,
//! max_epochs))` with `schedule = LambdaSchedule::reference()`.
//!
//! ## Feature flags
//! None: this crate uses burn without a backend; pick one through the [`burn::tensor::Device`]
//! you pass (`flex`, `ndarray`, `cuda`, ... enabled in your application).

mod blend;
mod cache;
mod dispatch;
mod error;
mod expert;
mod init;
pub mod loss;
mod modes;
mod pooling;
mod star;

pub use blend::blend;
pub use cache::StarCache;
pub use error::StarConfigError;
pub use expert::{StarExpert, StarExpertConfig, StarGate, StarRefine, gelu_exact};
pub use loss::{LambdaSchedule, combine};
pub use modes::{ExpertMode, GateWidth, PadPooling, PoolingMode, StarInit};
pub use pooling::{AttentionPooling, AttentionPoolingConfig};
pub use star::{Star, StarConfig, StarInput, StarOutput};

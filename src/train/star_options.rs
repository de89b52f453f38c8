//! [StarOptions]: every choice STAR leaves open, as one nested part of [super::TrainConfig].

use esc_models::{Routing, StrategyTarget};
use serde::{Deserialize, Serialize};
use star_core::{ExpertMode, GateWidth, PadPooling, PoolingMode, StarConfig};

/// STAR's choices besides its pooling span ([super::TrainConfig::pooling]).
///
/// Two named sets: [StarOptions::reference] (the authors' code: pads pooled, gold experts,
/// `L_ST` on the pre-STAR logits; what configs written before these options existed mean) and
/// [StarOptions::leak_free] (the experiment default: pads masked, experts picked as at
/// inference, `L_ST` on the refined logits τ′).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StarOptions {
    /// Whether pads take part in the pooling.
    pub pad_pooling: PadPooling,
    /// Scalar or per-channel gate.
    pub gate_width: GateWidth,
    /// One expert per strategy, or one shared.
    pub expert_mode: ExpertMode,
    /// STAR's expert in training.
    pub routing: Routing,
    /// The logits `L_ST` trains.
    pub strategy_target: StrategyTarget,
}

impl StarOptions {
    /// The reference's choices: pads pooled, scalar gate, one expert per strategy, gold
    /// experts in training, `L_ST` on the pre-STAR logits.
    pub fn reference() -> Self {
        Self {
            pad_pooling: PadPooling::IncludePads,
            gate_width: GateWidth::Scalar,
            expert_mode: ExpertMode::PerStrategy,
            routing: Routing::Gold,
            strategy_target: StrategyTarget::PreStar,
        }
    }

    /// The experiment default: pads masked (an example's refinement does not depend on its
    /// batch), the expert of the pre-STAR prediction in training as at inference, `L_ST` on
    /// the refined logits τ′ (the paper), one expert per strategy, scalar gate. Pair it with
    /// [PoolingMode::Causal].
    pub fn leak_free() -> Self {
        Self {
            pad_pooling: PadPooling::Masked,
            routing: Routing::Predicted,
            strategy_target: StrategyTarget::Refined,
            ..Self::reference()
        }
    }

    /// The star-core configuration for a model of width `d_model` with `pooling`.
    pub fn star_config(&self, d_model: usize, pooling: PoolingMode) -> StarConfig {
        StarConfig::new(d_model, esc_data::Strategy::COUNT)
            .with_pooling(pooling)
            .with_pad_pooling(self.pad_pooling)
            .with_gate_width(self.gate_width)
            .with_expert_mode(self.expert_mode)
    }
}

//! How STAR picks its expert, and which strategy logits the strategy loss trains.
//!
//! The reference routes each training example to the expert of its **gold** strategy and trains
//! `L_ST` on the **pre-STAR** strategy logits. At inference the expert is the pre-STAR prediction
//! ("before"), so an expert trained only on its own strategy pushes toward it and the refined
//! prediction ("after") repeats "before". The other options make the refinement observable.

use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

/// Which expert STAR uses in the teacher-forced training pass ([crate::ExpertChoice::Configured]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// The gold strategy's expert (the reference). Inference uses the "before" prediction's.
    #[default]
    Gold,
    /// The arg-max of the pre-STAR strategy logits, in training as at inference.
    Predicted,
    /// Every expert, mixed by the pre-STAR strategy probabilities (gradients reach them), in
    /// training as at inference.
    Soft,
}

/// Which strategy logits `L_ST` is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyTarget {
    /// The pre-STAR logits τ (the reference).
    #[default]
    PreStar,
    /// The refined logits τ′: position 0's LM logits over the strategy columns, computed from
    /// the STAR-refined states (the paper, §3.1 and §3.3). Without STAR this is `PreStar`.
    Refined,
    /// The mean of both cross-entropies: τ′ as the paper, and τ supervised too, so that the
    /// prediction that picks the expert ([Routing::Predicted], [Routing::Soft]) is trained
    /// directly. Without STAR this is `PreStar`.
    Both,
}

/// The experts of a STAR call: one id per example, or weights over all experts.
#[derive(Debug, Clone)]
pub enum StarRoute {
    /// Strategy ids `[batch_size]`.
    Ids(Tensor<1, Int>),
    /// Expert weights `[batch_size, n_strategies]`.
    Weights(Tensor<2>),
}

impl StarRoute {
    /// The route that `routing` takes at inference from the pre-STAR strategy logits
    /// `[batch_size, n_strategies]`: their arg-max, or their softmax under [Routing::Soft].
    pub fn from_logits(routing: Routing, logits: &Tensor<2>) -> Self {
        match routing {
            Routing::Gold | Routing::Predicted => {
                StarRoute::Ids(logits.clone().argmax(1).flatten(0, 1))
            }
            Routing::Soft => {
                StarRoute::Weights(burn::tensor::activation::softmax(logits.clone(), 1))
            }
        }
    }

    /// Keeps the rows `indices` (beam search expands and reorders the batch).
    pub fn select(self, indices: Tensor<1, Int>) -> Self {
        match self {
            StarRoute::Ids(ids) => StarRoute::Ids(ids.select(0, indices)),
            StarRoute::Weights(w) => StarRoute::Weights(w.select(0, indices)),
        }
    }
}

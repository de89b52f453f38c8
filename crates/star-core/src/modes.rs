//! The choices the paper leaves open or the reference code makes implicitly, as enums.
//!
//! Each enum names the reference behaviour it reproduces, so a configuration says
//! explicitly whether it follows the authors' code or the paper's equations.

use burn::config::Config;

/// Width of the SARA integration value `g` of Eq. (2).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum GateWidth {
    /// One scalar `g` per example (and per pooled position): `f` ends in
    /// `Linear(gate_dim, 1)`. This is what the reference code does.
    Scalar,
    /// One `g` per channel, `g ∈ (0, 1)^d`: `f` ends in `Linear(gate_dim, d_model)`. This is
    /// the element-wise `⊙` of Eq. (4) read literally.
    PerChannel,
}

impl GateWidth {
    /// The output width of the gate network for a model of width `d_model`.
    pub fn width(self, d_model: usize) -> usize {
        match self {
            GateWidth::Scalar => 1,
            GateWidth::PerChannel => d_model,
        }
    }
}

/// How the gate `f` and the refinement `P` are shared across strategies.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum ExpertMode {
    /// One gate + refinement expert per strategy, picked by the strategy id of each example
    /// (the reference code: a `ModuleDict` keyed by strategy id).
    PerStrategy,
    /// A single expert for all examples (the paper's Eqs. (2)-(3) read literally); strategy
    /// ids are ignored.
    Shared,
}

/// Which positions the attention pooling of Eq. (1) summarises for each output position.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum PoolingMode {
    /// One pooled vector over the whole sequence, broadcast to every position (the
    /// reference). In teacher-forced training every position sees future positions.
    Full,
    /// Position `t` pools only positions `<= t`: no future leak, and training computes
    /// exactly what incremental generation computes.
    Causal,
}

/// Whether padding positions take part in the pooling of Eq. (1).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum PadPooling {
    /// Padding positions are left out of the mean (the query) and of the keys/values.
    Masked,
    /// Compatibility with the reference code, which pools the padded sequence as is: pads
    /// count in the mean and are attended to. The pad mask is then ignored for pooling.
    IncludePads,
}

/// Parameter initialisation of a [`Star`](crate::Star) module.
#[derive(Config, Debug, Copy, PartialEq)]
pub enum StarInit {
    /// The init the reference code intends: pooling projections as PyTorch `nn.Linear`
    /// (`U(-1/sqrt(d_in), 1/sqrt(d_in))` for weight and bias), gate input layer `N(0, 0.01)`
    /// with zero bias, gate output layer zero (so `g = 0.5` at start), refinement layers
    /// Xavier-uniform with zero biases.
    Reference,
    /// Every weight `N(0, std)`, every bias zero: what HF `from_pretrained` actually does to
    /// the reference's `star.*` weights (BlenderBot-Small `init_std` 0.02).
    Normal {
        /// Standard deviation of the weights (0.02 in the reference's HF config).
        std: f64,
    },
}

//! One STAR expert: the SARA gate network `f` of Eq. (2) and the SR refinement `P` of Eq. (3).
//!
//! Reference (`models/star_blenderbot_small.py`): gate
//! `g = σ(W_out · ReLU(W_in · dropout_0.2(z) + b_in))` with `W_out` bias-free, refinement
//! `P(z) = dropout_0.1(fc2(dropout_0.0(gelu(fc1 z))))` with exact (erf) GELU.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::Device;
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid};

use crate::init::{LayerKind, linear};
use crate::{GateWidth, StarInit};
use crate::{dropout, gelu_exact, row_linear};

/// Configuration to create a [`StarExpert`] with [`StarExpertConfig::init`].
#[derive(Config, Debug)]
pub struct StarExpertConfig {
    /// Width of the pooled vector `z` and of the hidden states.
    pub d_model: usize,
    /// Hidden width of the gate network `f`. Default 48 (the reference).
    #[config(default = 48)]
    pub gate_dim: usize,
    /// Hidden width of the refinement network `P`. Default 2048 (the reference).
    #[config(default = 2048)]
    pub d_ffn: usize,
    /// Output width of the gate. Default [`GateWidth::Scalar`] (the reference).
    #[config(default = "GateWidth::Scalar")]
    pub gate_width: GateWidth,
    /// Dropout on `z` before the gate network. Default 0.2 (the reference).
    #[config(default = 0.2)]
    pub gate_dropout: f64,
    /// Dropout after the GELU of `P`. Default 0.0 (the reference).
    #[config(default = 0.0)]
    pub refine_hidden_dropout: f64,
    /// Dropout on the output of `P`. Default 0.1 (the reference).
    #[config(default = 0.1)]
    pub refine_dropout: f64,
    /// Parameter initialisation. Default [`StarInit::Reference`].
    #[config(default = "StarInit::Reference")]
    pub init: StarInit,
}

impl StarExpertConfig {
    /// Initialise a [`StarExpert`] on `device`.
    ///
    /// # Panics
    /// If a dropout probability is outside `[0, 1)`.
    pub fn init(&self, device: &Device) -> StarExpert {
        let d = self.d_model;
        let gate_out = self.gate_width.width(d);
        StarExpert {
            gate: StarGate {
                fc1: linear(
                    d,
                    self.gate_dim,
                    true,
                    LayerKind::GateInput,
                    self.init,
                    device,
                ),
                fc2: linear(
                    self.gate_dim,
                    gate_out,
                    false,
                    LayerKind::GateOutput,
                    self.init,
                    device,
                ),
                dropout: DropoutConfig::new(self.gate_dropout).init(),
            },
            refine: StarRefine {
                fc1: linear(d, self.d_ffn, true, LayerKind::Refine, self.init, device),
                fc2: linear(self.d_ffn, d, true, LayerKind::Refine, self.init, device),
                hidden_dropout: DropoutConfig::new(self.refine_hidden_dropout).init(),
                dropout: DropoutConfig::new(self.refine_dropout).init(),
            },
        }
    }
}

/// The gate network of Eq. (2): `g = σ(fc2(ReLU(fc1(dropout(z)))))`.
#[derive(Module, Debug)]
pub struct StarGate {
    /// `d_model -> gate_dim`, with bias.
    pub fc1: Linear,
    /// `gate_dim -> 1` ([`GateWidth::Scalar`]) or `gate_dim -> d_model`
    /// ([`GateWidth::PerChannel`]), without bias.
    pub fc2: Linear,
    /// Dropout on `z`.
    pub dropout: Dropout,
}

impl StarGate {
    /// The integration value `g ∈ (0, 1)`.
    ///
    /// # Shapes
    /// - `z`: `[..., d_model]`
    /// - output: `[..., 1]` or `[..., d_model]`
    pub fn forward<const D: usize>(&self, z: Tensor<D>) -> Tensor<D> {
        let hidden = relu(row_linear::forward(
            &self.fc1,
            dropout::forward(&self.dropout, z),
        ));
        sigmoid(row_linear::forward(&self.fc2, hidden))
    }
}

/// The refinement network of Eq. (3): `ĥ = dropout(fc2(dropout(GELU(fc1(z)))))`.
#[derive(Module, Debug)]
pub struct StarRefine {
    /// `d_model -> d_ffn`, with bias.
    pub fc1: Linear,
    /// `d_ffn -> d_model`, with bias.
    pub fc2: Linear,
    /// Dropout after the GELU.
    pub hidden_dropout: Dropout,
    /// Dropout on the output.
    pub dropout: Dropout,
}

impl StarRefine {
    /// The refined representation `ĥ = P(z)`.
    ///
    /// # Shapes
    /// - `z`: `[..., d_model]`
    /// - output: `[..., d_model]`
    pub fn forward<const D: usize>(&self, z: Tensor<D>) -> Tensor<D> {
        let hidden = self
            .hidden_dropout
            .forward(gelu_exact(row_linear::forward(&self.fc1, z)));
        dropout::forward(&self.dropout, row_linear::forward(&self.fc2, hidden))
    }
}

/// One gate + refinement pair. [`Star`](crate::Star) holds one per strategy
/// ([`ExpertMode::PerStrategy`](crate::ExpertMode)) or a single shared one.
///
/// Should be created with [`StarExpertConfig`].
#[derive(Module, Debug)]
pub struct StarExpert {
    /// The gate network `f` of Eq. (2).
    pub gate: StarGate,
    /// The refinement network `P` of Eq. (3).
    pub refine: StarRefine,
}

impl StarExpert {
    /// `(g, ĥ)` for pooled vectors `z`.
    ///
    /// # Shapes
    /// - `z`: `[..., d_model]`
    /// - output: (`[..., 1 | d_model]`, `[..., d_model]`)
    pub fn forward<const D: usize>(&self, z: Tensor<D>) -> (Tensor<D>, Tensor<D>) {
        (self.gate.forward(z.clone()), self.refine.forward(z))
    }
}

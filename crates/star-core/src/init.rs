//! Construction of the `Linear` layers of STAR under a [`StarInit`] scheme.

use burn::nn::{Initializer, Linear};
use burn::tensor::Device;

use crate::StarInit;

/// Which layer of STAR is being initialised; the reference init differs per layer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LayerKind {
    /// q/k/v/out projections of the attention pooling.
    Pooling,
    /// First layer of the gate network `f`.
    GateInput,
    /// Last layer of the gate network `f`.
    GateOutput,
    /// Either layer of the refinement network `P`.
    Refine,
}

/// The PyTorch `nn.Linear` default: `U(-1/sqrt(d_in), 1/sqrt(d_in))` for weight and bias.
fn torch_default() -> Initializer {
    Initializer::KaimingUniform {
        gain: 1.0 / 3.0f64.sqrt(),
        fan_out_only: false,
    }
}

/// A `Linear` (weight `[d_input, d_output]`, burn layout) initialised as `init` says for `kind`.
pub(crate) fn linear(
    d_input: usize,
    d_output: usize,
    bias: bool,
    kind: LayerKind,
    init: StarInit,
    device: &Device,
) -> Linear {
    let (weight_init, bias_init) = match (init, kind) {
        (StarInit::Normal { std }, _) => {
            (Initializer::Normal { mean: 0.0, std }, Initializer::Zeros)
        }
        (StarInit::Reference, LayerKind::Pooling) => (torch_default(), torch_default()),
        (StarInit::Reference, LayerKind::GateInput) => (
            Initializer::Normal {
                mean: 0.0,
                std: 0.01,
            },
            Initializer::Zeros,
        ),
        (StarInit::Reference, LayerKind::GateOutput) => (Initializer::Zeros, Initializer::Zeros),
        (StarInit::Reference, LayerKind::Refine) => {
            (Initializer::XavierUniform { gain: 1.0 }, Initializer::Zeros)
        }
    };
    let (fan_in, fan_out) = (Some(d_input), Some(d_output));
    Linear {
        weight: weight_init.init_with([d_input, d_output], fan_in, fan_out, device),
        bias: bias.then(|| bias_init.init_with([d_output], fan_in, fan_out, device)),
    }
}

//! What BlenderBot-Small's encoder and decoder layers share (post-LN, as HF's BART family): the
//! residual connection with its layer norm, the feed-forward block that ends every layer, and
//! how a sub-layer applies its linear layers.

use burn::nn::{Dropout, LayerNorm, Linear};
use burn::tensor::Tensor;
use star_core::{TransposedLinear, dropout, layer_norm, row_linear};

/// A linear layer as a sub-layer applies it: burn's module, or a copy of it with one output per
/// row, which decoding steps of a few sequences read in order (see `decoder::StepWeights`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Projection<'a> {
    /// The module itself, through [row_linear::forward].
    Module(&'a Linear),
    /// Its transposed copy.
    Transposed(&'a TransposedLinear),
}

impl Projection<'_> {
    /// The layer's output for `x` `[..., d_input]`.
    pub(crate) fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Projection::Module(linear) => row_linear::forward(linear, x),
            Projection::Transposed(linear) => linear.forward(x),
        }
    }
}

/// `LN(x + dropout(h))`: a sub-layer's output `h` added to its input `x`.
pub(crate) fn residual_norm(
    norm: &LayerNorm,
    dropout: &Dropout,
    x: Tensor<3>,
    h: Tensor<3>,
) -> Tensor<3> {
    layer_norm::forward(norm, x + dropout::forward(dropout, h))
}

/// The feed-forward block with its residual: `LN(x + dropout(fc2(dropout_act(gelu(fc1(x))))))`.
pub(crate) fn feed_forward(
    (fc1, fc2): (Projection, Projection),
    (activation_dropout, dropout): (&Dropout, &Dropout),
    norm: &LayerNorm,
    x: Tensor<3>,
) -> Tensor<3> {
    let h = dropout::forward(
        activation_dropout,
        star_core::gelu_exact(fc1.forward(x.clone())),
    );
    residual_norm(norm, dropout, x, fc2.forward(h))
}

//! What BlenderBot-Small's encoder and decoder layers share (post-LN, as HF's BART family): the
//! residual connection with its layer norm, and the feed-forward block that ends every layer.

use burn::nn::{Dropout, LayerNorm, Linear};
use burn::tensor::Tensor;
use star_core::{dropout, layer_norm, row_linear};

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
    (fc1, fc2): (&Linear, &Linear),
    (activation_dropout, dropout): (&Dropout, &Dropout),
    norm: &LayerNorm,
    x: Tensor<3>,
) -> Tensor<3> {
    let h = dropout::forward(
        activation_dropout,
        star_core::gelu_exact(row_linear::forward(fc1, x.clone())),
    );
    residual_norm(norm, dropout, x, row_linear::forward(fc2, h))
}

//! Emstremo-style supervised contrastive loss over the decoder's final-token states, grouped by
//! strategy: for every ordered pair `i != j` of the batch, `(2 - cos_ij)²` when the two examples
//! share their strategy and `cos_ij²` otherwise, averaged over the pairs. Same-strategy states are
//! pulled together, different-strategy states pushed towards orthogonality.

use burn::tensor::{Bool, Int, Tensor};

/// `cos` uses `x / max(‖x‖, eps)` on each side, as `torch.nn.functional.cosine_similarity`.
const EPS: f64 = 1e-8;

/// The decoder's state at each example's last non-pad position.
///
/// # Shapes
/// - `hidden`: `[batch_size, target_length, d_model]`
/// - `mask_pad`: `[batch_size, target_length]`, `true` at padding (right-padded rows)
/// - output: `[batch_size, d_model]`
///
/// # Panics
/// If the shapes disagree.
pub fn final_states(hidden: &Tensor<3>, mask_pad: &Tensor<2, Bool>) -> Tensor<2> {
    let [b, t, d] = hidden.dims();
    assert_eq!(
        mask_pad.dims(),
        [b, t],
        "mask_pad must be [batch, target_length]"
    );
    let last = last_index(mask_pad);
    hidden
        .clone()
        .gather(1, last.reshape([b, 1, 1]).expand([b, 1, d]))
        .reshape([b, d])
}

/// Index of each row's last non-pad position (0 for an all-pad row), `[batch_size]`.
pub(crate) fn last_index(mask_pad: &Tensor<2, Bool>) -> Tensor<1, Int> {
    let [b, _] = mask_pad.dims();
    let lengths = mask_pad.clone().bool_not().int().sum_dim(1).reshape([b]);
    (lengths - 1).clamp_min(0)
}

/// The contrastive loss of final states `[batch_size, d_model]` with strategy ids `[batch_size]`,
/// `[1]`. A batch of one example has no pairs: the loss is 0 (and carries no gradient).
pub fn strategy_contrastive_loss(states: Tensor<2>, strategies: Tensor<1, Int>) -> Tensor<1> {
    let [b, _] = states.dims();
    let device = states.device();
    if b < 2 {
        return Tensor::zeros([1], &device);
    }
    let norm = states
        .clone()
        .powf_scalar(2.0)
        .sum_dim(1)
        .sqrt()
        .clamp_min(EPS);
    let unit = states / norm;
    let cos = unit.clone().matmul(unit.transpose());
    let same = strategies
        .clone()
        .reshape([b, 1])
        .expand([b, b])
        .equal(strategies.reshape([1, b]).expand([b, b]))
        .float();
    let pull = (-cos.clone() + 2.0).powf_scalar(2.0);
    let push = cos.powf_scalar(2.0);
    let pair = pull * same.clone() + push * (-same + 1.0);
    // Off-diagonal pairs only.
    let off = -Tensor::<2>::eye(b, &device) + 1.0;
    (pair * off).sum() / (b * (b - 1)) as f64
}

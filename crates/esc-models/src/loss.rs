//! Cross-entropy helpers with PyTorch semantics (`ignore_index = -100`, token mean).

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

/// The label ignored by the losses (PyTorch's `ignore_index`).
pub const IGNORE_INDEX: i64 = -100;

/// Summed negative log-likelihood of `labels` under `logits` and the number of counted labels
/// (labels equal to [IGNORE_INDEX] are skipped).
///
/// # Shapes
/// - `logits`: `[batch_size, target_length, n_classes]`
/// - `labels`: `[batch_size, target_length]`
///
/// # Panics
/// If the shapes disagree.
pub fn nll_sum(logits: Tensor<3>, labels: Tensor<2, Int>) -> (Tensor<1>, Tensor<1>) {
    let (nll, count) = nll_per_example(logits, labels);
    (nll.sum(), count.sum())
}

/// Per-example summed negative log-likelihood and counted tokens, `([b], [b])`, ignoring
/// [IGNORE_INDEX] labels: [nll_sum] before the sum over the batch.
///
/// # Shapes
/// As [nll_sum].
///
/// # Panics
/// If the shapes disagree.
pub fn nll_per_example(logits: Tensor<3>, labels: Tensor<2, Int>) -> (Tensor<1>, Tensor<1>) {
    let [b, t, _] = logits.dims();
    assert_eq!(
        labels.dims(),
        [b, t],
        "labels must be [batch, target_length]"
    );
    let keep = labels.clone().not_equal_elem(IGNORE_INDEX);
    let safe = labels.mask_fill(keep.clone().bool_not(), 0);
    let log_probs = log_softmax(logits, 2);
    let picked = log_probs
        .gather(2, safe.unsqueeze_dim::<3>(2))
        .reshape([b, t]);
    let keep_f = keep.float();
    let nll = -(picked * keep_f.clone()).sum_dim(1).reshape([b]);
    (nll, keep_f.sum_dim(1).reshape([b]))
}

/// Token-mean cross-entropy (PyTorch `CrossEntropyLoss()` with `ignore_index = -100`), `[1]`.
///
/// # Shapes
/// As [nll_sum].
pub fn cross_entropy(logits: Tensor<3>, labels: Tensor<2, Int>) -> Tensor<1> {
    let (nll, count) = nll_sum(logits, labels);
    nll / count.clamp_min(1.0)
}

/// Mean cross-entropy of class logits `[batch_size, n_classes]` against `targets` `[batch_size]`.
pub fn classification_cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [b, c] = logits.dims();
    cross_entropy(logits.reshape([b, 1, c]), targets.reshape([b, 1]))
}

//! Cross-entropy helpers with PyTorch semantics (`ignore_index = -100`, token mean).
//!
//! All of them go through [token_nll], which on the flex backend (crate feature `flex`) is one
//! fused operation with its own backward pass instead of burn's composed `log_softmax`.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

#[cfg(feature = "flex")]
mod flex_token_nll;
#[cfg(feature = "flex")]
mod row_kernels;

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
    let [b, t, n_classes] = logits.dims();
    assert_eq!(
        labels.dims(),
        [b, t],
        "labels must be [batch, target_length]"
    );
    let keep = labels.clone().not_equal_elem(IGNORE_INDEX);
    let safe = labels.mask_fill(keep.clone().bool_not(), 0);
    let nll = token_nll(logits.reshape([b * t, n_classes]), safe.reshape([b * t])).reshape([b, t]);
    let keep_f = keep.float();
    let nll = (nll * keep_f.clone()).sum_dim(1).reshape([b]);
    (nll, keep_f.sum_dim(1).reshape([b]))
}

/// Negative log-likelihood of each row's label, `[n]`:
/// `log Σ_j exp(logits[i, j]) − logits[i, labels[i]]`.
///
/// On f32 flex tensors (crate feature `flex`) this is one fused operation whose backward pass
/// writes `(softmax − one_hot) · g` directly; elsewhere it is burn's `log_softmax` and `gather`.
/// Both give the same values and gradients (to float rounding).
///
/// # Shapes
/// - `logits`: `[n, n_classes]`
/// - `labels`: `[n]`, each in `0..n_classes` (no [IGNORE_INDEX]: mask those rows yourself)
///
/// # Panics
/// If the shapes disagree, or (flex) a label lies outside `0..n_classes`.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Int, Tensor};
///
/// let device = Device::flex();
/// let logits = Tensor::<2>::from_floats([[0.0, 0.0], [2.0, 0.0]], &device);
/// let labels = Tensor::<1, Int>::from_ints([1, 0], &device);
/// let nll: Vec<f32> = esc_models::loss::token_nll(logits, labels).into_data().to_vec().unwrap();
/// assert!((nll[0] - 2f32.ln()).abs() < 1e-6);
/// assert!((nll[1] - (1.0 + (-2f32).exp()).ln()).abs() < 1e-6);
/// ```
pub fn token_nll(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let [n, _] = logits.dims();
    assert_eq!(
        labels.dims(),
        [n],
        "labels must be [n] for logits [n, n_classes]"
    );
    #[cfg(feature = "flex")]
    if flex_token_nll::supports(&logits) {
        return flex_token_nll::token_nll(logits, labels);
    }
    composed_token_nll(logits, labels)
}

/// [token_nll] from burn's operations, for every backend.
fn composed_token_nll(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let [n, _] = logits.dims();
    -log_softmax(logits, 1)
        .gather(1, labels.reshape([n, 1]))
        .reshape([n])
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

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec().unwrap()
    }

    /// `token_nll` (fused on flex) against the composed form on the same inputs: values, and the
    /// gradient of a weighted sum (so that each row's upstream gradient differs).
    #[test]
    #[cfg(feature = "flex")]
    fn token_nll_equals_the_composed_form_with_gradients() {
        let device = Device::flex().autodiff();
        assert!(flex_token_nll::supports(&Tensor::zeros([1, 1], &device)));
        for (n, classes) in [(1, 1), (3, 5), (4, 16), (5, 37), (2, 2000)] {
            let raw: Vec<f32> = (0..n * classes)
                .map(|i| ((i * 7919 % 613) as f32 / 613.0 - 0.5) * 24.0)
                .collect();
            let labels: Vec<i64> = (0..n).map(|i| ((i * 31) % classes) as i64).collect();
            let weights: Vec<f32> = (0..n).map(|i| 0.5 + i as f32).collect();
            let run = |fused: bool| {
                let logits =
                    Tensor::<2>::from_data(TensorData::new(raw.clone(), [n, classes]), &device)
                        .require_grad();
                let labels =
                    Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [n]), &device);
                let nll = if fused {
                    token_nll(logits.clone(), labels)
                } else {
                    composed_token_nll(logits.clone(), labels)
                };
                let weights =
                    Tensor::<1>::from_data(TensorData::new(weights.clone(), [n]), &device);
                let grads = (nll.clone() * weights).sum().backward();
                (values(nll), values(logits.grad(&grads).unwrap()))
            };
            let (nll, grad) = run(true);
            let (want_nll, want_grad) = run(false);
            for (g, w) in nll.iter().zip(&want_nll) {
                assert!(
                    (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                    "{n}x{classes}: {nll:?} vs {want_nll:?}"
                );
            }
            for (g, w) in grad.iter().zip(&want_grad) {
                assert!((g - w).abs() <= 1e-6, "{n}x{classes}: gradient {g} vs {w}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "labels must be [n]")]
    fn token_nll_rejects_mismatched_labels() {
        let device = Device::flex();
        let logits = Tensor::<2>::zeros([3, 4], &device);
        token_nll(logits, Tensor::<1, Int>::zeros([2], &device));
    }
}

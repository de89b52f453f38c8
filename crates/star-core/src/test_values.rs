//! What the unit tests of the flex kernels share: a tensor's values and the largest difference.

use burn::tensor::Tensor;

/// The f32 values of `t`, in order.
pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec().unwrap()
}

/// The largest absolute difference between two equally long slices.
pub(crate) fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A deterministic test value in [-0.72, 0.71] for index `i`: inputs that are neither zero nor
/// round, without a random generator.
pub(crate) fn pattern(i: usize) -> f32 {
    ((i * 7919 % 1000) as f32 - 500.0) / 700.0
}

/// Asserts that `got` is within 1e-4 (relative above 1) of the f64 reference `want`.
pub(crate) fn assert_close(got: f32, want: f64, context: impl std::fmt::Display) {
    let diff = (got as f64 - want).abs();
    assert!(
        diff < 1e-4 * (1.0 + want.abs()),
        "{context}: {got} vs {want}"
    );
}

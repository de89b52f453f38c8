//! `LayerNorm::forward` with a fused forward and backward pass on flex, for training (which
//! BlenderBot-Small's encoder and decoder in `esc-models` use); elsewhere `LayerNorm::forward`
//! itself.

use burn::nn::LayerNorm;
use burn::tensor::Tensor;

/// `layer_norm.forward(x)`, with the same values and gradients.
///
/// With the `flex` feature, f32 tensors on a flex autodiff device take a fused kernel, forward
/// and backward (`flex_layer_norm.rs`): burn-autodiff differentiates burn's composed layer norm,
/// ten tracked operations over the activations. Without autodiff burn-flex's own fused
/// `layer_norm` runs (through `LayerNorm::forward`), and so does every other backend, and a
/// layer norm without a shift `β`.
///
/// # Panics
/// As `LayerNorm::forward`: if the last dimension of `x` is not the layer's width.
///
/// # Example
/// ```
/// use burn::nn::LayerNormConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex().autodiff();
/// let norm = LayerNormConfig::new(4).init(&device);
/// let x = Tensor::<2>::from_floats([[1.0, 2.0, 3.0, 4.0]], &device).require_grad();
/// let y = star_core::layer_norm::forward(&norm, x.clone());
/// let grads = y.sum().backward();
/// // The outputs of a row sum to 0 (γ = 1, β = 0), whatever x is: no gradient reaches x.
/// let dx = x.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert!(dx.iter().all(|g| g.abs() < 1e-6));
/// ```
pub fn forward<const D: usize>(layer_norm: &LayerNorm, x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    {
        if x.device().is_autodiff()
            && crate::flex_tensors::on_flex_f32(&x)
            && let (Some(beta), Some(epsilon)) = (&layer_norm.beta, epsilon(layer_norm))
        {
            use crate::flex_layer_norm::LayerNormOps;
            use burn::backend::Dispatch;

            let dims = x.dims();
            let gamma = layer_norm.gamma.val();
            let [d] = gamma.dims();
            assert_eq!(
                dims[D - 1],
                d,
                "layer norm: input width {} but the layer takes {d}",
                dims[D - 1]
            );
            let rows = dims[..D - 1].iter().product();
            let out = <Dispatch as LayerNormOps>::fused_layer_norm(
                x.reshape([rows, d]).into_dispatch(),
                gamma.into_dispatch(),
                beta.val().into_dispatch(),
                epsilon,
            );
            return Tensor::<2>::from_dispatch(out).reshape(dims);
        }
    }
    layer_norm.forward(x)
}

/// The layer's ε. burn 0.22 keeps it private and shows it only in the module's display
/// (`LayerNorm {d_model: 512, epsilon: 0.00001, ...}`, the shortest decimal that reads back
/// as the same f64); `None` if that text changes, and the caller falls back to
/// `LayerNorm::forward`.
#[cfg(feature = "flex")]
fn epsilon(layer_norm: &LayerNorm) -> Option<f64> {
    let text = layer_norm.to_string();
    let start = text.find("epsilon: ")? + "epsilon: ".len();
    let rest = &text[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::test_values::{max_diff, values};
    use burn::nn::LayerNormConfig;
    use burn::tensor::{Device, Distribution};

    /// ε is read back exactly from the module, for burn's default and other values.
    #[test]
    fn reads_the_layers_epsilon() {
        let device = Device::flex();
        for eps in [1e-5, 1e-12, 0.1, 3.25e-7] {
            let norm = LayerNormConfig::new(8).with_epsilon(eps).init(&device);
            assert_eq!(epsilon(&norm), Some(eps));
        }
    }

    /// The fused kernel against `LayerNorm::forward` (burn's composed form under autodiff):
    /// output and the gradients of x, γ and β, for widths around the lane count, several row
    /// blocks, a large ε, and random γ and β.
    #[test]
    fn fused_kernel_matches_layer_norm_forward_with_gradients() {
        let device = Device::flex().autodiff();
        for (rows, d, eps) in [(1, 1, 1e-5), (3, 7, 1e-5), (70, 64, 1e-5), (33, 259, 0.5)] {
            let mut norm = LayerNormConfig::new(d).with_epsilon(eps).init(&device);
            norm.gamma = norm
                .gamma
                .map(|g| g.random_like(Distribution::Normal(1.0, 0.5)).require_grad());
            norm.beta = norm
                .beta
                .map(|b| b.map(|b| b.random_like(Distribution::Normal(0.0, 0.5)).require_grad()));
            let x0 = Tensor::<3>::random([rows, 1, d], Distribution::Normal(2.0, 3.0), &device)
                .into_data();
            let weight = Tensor::<3>::random([rows, 1, d], Distribution::Default, &device);
            let run = |fused: bool| {
                let x = Tensor::<3>::from_data(x0.clone(), &device).require_grad();
                let y = if fused {
                    forward(&norm, x.clone())
                } else {
                    norm.forward(x.clone())
                };
                let grads = (y.clone() * weight.clone()).sum().backward();
                [
                    values(y),
                    values(x.grad(&grads).unwrap()),
                    values(norm.gamma.grad(&grads).unwrap()),
                    values(norm.beta.as_ref().unwrap().grad(&grads).unwrap()),
                ]
            };
            let (fused, reference) = (run(true), run(false));
            for (name, (got, want)) in ["output", "dx", "dgamma", "dbeta"]
                .iter()
                .zip(fused.iter().zip(&reference))
            {
                let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                let diff = max_diff(got, want);
                assert!(
                    diff < 2e-5 * scale,
                    "{rows}x{d}, eps {eps}: {name} differs by {diff} (scale {scale})"
                );
            }
        }
    }
}

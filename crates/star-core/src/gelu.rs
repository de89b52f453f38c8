//! The exact GELU, `x · Φ(x) = 0.5 x (1 + erf(x / √2))`, with an exact gradient on every backend.

use burn::tensor::Tensor;

/// Exact GELU, `x · Φ(x) = 0.5 x (1 + erf(x / √2))`, as BlenderBot-Small and STAR's refinement
/// use it (PyTorch's `gelu`).
///
/// With the `flex` feature, f32 tensors on flex take a fused, vectorised kernel, forward and
/// backward (`flex_gelu.rs`; within 1e-6 of the f64 formula). Elsewhere it is written with
/// `erf` so that its gradient is exact on every backend: burn 0.22's default `gelu_backward`
/// (burn-backend `ops/activation.rs`) differentiates the tanh approximation instead; flex
/// overrides it, ndarray does not.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
///
/// let x = Tensor::<1>::from_floats([-1.0, 0.0, 2.0], &Device::flex());
/// let y = star_core::gelu_exact(x).into_data().try_to_vec::<f32>().unwrap();
/// assert!((y[0] + 0.158_655).abs() < 1e-5 && y[1] == 0.0 && (y[2] - 1.954_500).abs() < 1e-5);
/// ```
pub fn gelu_exact<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    {
        if crate::flex_tensors::on_flex_f32(&x) {
            use crate::flex_gelu::GeluOps;
            use burn::backend::Dispatch;
            return Tensor::from_dispatch(<Dispatch as GeluOps>::gelu_exact(x.into_dispatch()));
        }
    }
    composed(x)
}

/// The exact GELU written with burn's `erf`.
fn composed<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone() * ((x * std::f64::consts::FRAC_1_SQRT_2).erf() + 1.0) * 0.5
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::test_values::values;
    use burn::tensor::{Device, Distribution};

    /// The fused kernel against the composed `erf` form (burn-flex's libm `erf`): outputs and
    /// input gradients, with autodiff, and without it on a strided (transposed) input.
    #[test]
    fn fused_matches_the_composed_form_with_gradients() {
        let device = Device::flex().autodiff();
        let x0 =
            Tensor::<2>::random([300, 257], Distribution::Normal(0.0, 3.0), &device).into_data();
        let weight = Tensor::<2>::random([300, 257], Distribution::Default, &device);
        let run = |fused: bool| {
            let x = Tensor::<2>::from_data(x0.clone(), &device).require_grad();
            let y = if fused {
                gelu_exact(x.clone())
            } else {
                composed(x.clone())
            };
            let grads = (y.clone() * weight.clone()).sum().backward();
            (values(y), values(x.grad(&grads).unwrap()))
        };
        let ((y, dx), (want_y, want_dx)) = (run(true), run(false));
        let worst = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(p, q)| (p - q).abs() / (1.0 + q.abs()))
                .fold(0.0, f32::max)
        };
        assert!(worst(&y, &want_y) < 2e-6, "output: {}", worst(&y, &want_y));
        assert!(
            worst(&dx, &want_dx) < 4e-6,
            "gradient: {}",
            worst(&dx, &want_dx)
        );

        let plain = Device::flex();
        let x = Tensor::<2>::from_data(x0, &plain).transpose();
        let (got, want) = (values(gelu_exact(x.clone())), values(composed(x)));
        assert!(worst(&got, &want) < 2e-6, "strided: {}", worst(&got, &want));
    }
}

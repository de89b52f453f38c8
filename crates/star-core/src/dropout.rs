//! `Dropout::forward` in one pass, for training on flex.
//!
//! With the `flex` feature, f32 tensors on a flex autodiff device take a fused kernel (see
//! `flex_dropout.rs`): the keep decisions are a hash of the element index keyed by a seed drawn
//! from the device's random generator (so `device.seed(..)` makes them reproducible), the
//! forward writes the output in one pass, and the backward recomputes the decisions instead of
//! storing a mask. burn's `Dropout::forward` samples a Bernoulli tensor element by element and
//! multiplies twice, which took a tenth of a BlenderBot-Small training step (`BENCHMARKS.md`).
//! Everything else is `Dropout::forward`. Both drop each element independently with
//! probability `prob` and scale the kept ones by `1 / (1 - prob)`; the masks differ.

use burn::nn::Dropout;
use burn::tensor::Tensor;

/// `dropout.forward(x)`, with the fused kernel where it applies (see the module docs). Like
/// `Dropout::forward`, it is the identity when the layer is frozen, the device has no autodiff
/// or the probability is 0.
///
/// # Example
/// ```
/// use burn::nn::DropoutConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex().autodiff();
/// device.seed(0);
/// let dropout = DropoutConfig::new(0.5).init();
/// let x = Tensor::<2>::ones([4, 256], &device);
/// let values = star_core::dropout::forward(&dropout, x).into_data().try_to_vec::<f32>().unwrap();
/// assert!(values.iter().all(|&v| v == 0.0 || v == 2.0));
/// let kept = values.iter().filter(|&&v| v == 2.0).count();
/// assert!((412..612).contains(&kept), "{kept} of 1024 kept");
/// ```
pub fn forward<const D: usize>(dropout: &Dropout, x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    {
        if dropout.training.is_enabled()
            && dropout.prob > 0.0
            && x.device().is_autodiff()
            && crate::flex_tensors::on_flex_f32(&x)
        {
            return fused(dropout.prob, x);
        }
    }
    dropout.forward(x)
}

#[cfg(feature = "flex")]
fn fused<const D: usize>(prob: f64, x: Tensor<D>) -> Tensor<D> {
    use crate::flex_dropout::{DropoutMask, DropoutOps};
    use burn::backend::Dispatch;
    use burn::tensor::Distribution;

    // Two 24-bit draws of the device's generator (f32 uniforms are multiples of 2⁻²⁴).
    let draws = Tensor::<1>::random([2], Distribution::Uniform(0.0, 1.0), &x.device())
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32 draws");
    let bits = |u: f32| (u * 16_777_216.0) as u64;
    let seed = (bits(draws[0]) << 24 | bits(draws[1])).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let out =
        <Dispatch as DropoutOps>::hashed_dropout(x.into_dispatch(), DropoutMask::new(prob, seed));
    Tensor::from_dispatch(out)
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::test_values::values;
    use burn::module::Module;
    use burn::nn::DropoutConfig;
    use burn::tensor::{Device, Distribution};

    /// Kept elements are scaled by `1 / (1 - p)`, about `1 - p` of them are kept, the gradient
    /// flows through exactly the kept elements with the same scale, and the same device seed
    /// gives the same mask while the next call gives another.
    #[test]
    fn drops_scales_and_backpropagates_through_the_same_mask() {
        let device = Device::flex().autodiff();
        let prob = 0.25;
        let dropout = DropoutConfig::new(prob).init();
        let x0 =
            Tensor::<3>::random([4, 33, 257], Distribution::Uniform(1.0, 2.0), &device).into_data();
        let run = |seed: u64| {
            device.seed(seed);
            let x = Tensor::<3>::from_data(x0.clone(), &device).require_grad();
            let y = forward(&dropout, x.clone());
            let second = values(forward(&dropout, x.clone()));
            let weight = Tensor::<3>::random([4, 33, 257], Distribution::Default, &device);
            let grads = (y.clone() * weight.clone()).sum().backward();
            (
                values(y),
                values(x.grad(&grads).unwrap()),
                values(weight),
                second,
            )
        };
        let (y, dx, weight, second) = run(3);
        let x = values(Tensor::<3>::from_data(x0.clone(), &device));
        let scale = (1.0 / (1.0 - prob)) as f32;
        let mut kept = 0;
        for i in 0..x.len() {
            if y[i] == 0.0 {
                assert_eq!(dx[i], 0.0, "element {i}: dropped but has a gradient");
            } else {
                kept += 1;
                assert!(
                    (y[i] - x[i] * scale).abs() < 1e-6,
                    "element {i}: not scaled"
                );
                assert!(
                    (dx[i] - weight[i] * scale).abs() < 1e-6,
                    "element {i}: gradient"
                );
            }
        }
        let share = kept as f64 / x.len() as f64;
        assert!((share - 0.75).abs() < 0.02, "kept {share}");
        let (y_again, _, _, _) = run(3);
        assert_eq!(y, y_again, "the same device seed gives the same mask");
        assert_ne!(y, second, "the next call draws another mask");
        assert_ne!(run(4).0, y, "another device seed gives another mask");
    }

    /// The identity where `Dropout::forward` is: no autodiff, a frozen layer, probability 0.
    #[test]
    fn identity_where_burn_dropout_is() {
        let x = Tensor::<2>::random([8, 16], Distribution::Default, &Device::flex());
        let dropout = DropoutConfig::new(0.5).init();
        assert_eq!(values(forward(&dropout, x.clone())), values(x.clone()));
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::random([8, 16], Distribution::Default, &device);
        let zero = DropoutConfig::new(0.0).init();
        assert_eq!(values(forward(&zero, x.clone())), values(x.clone()));
        let frozen = dropout.freeze();
        assert_eq!(values(forward(&frozen, x.clone())), values(x));
    }
}

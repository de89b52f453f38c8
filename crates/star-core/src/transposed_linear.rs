//! A linear layer stored one output per row, for inference on a few rows at a time: the layout of
//! a tied LM head (the embedding matrix, `[vocab, d_model]`), and the layout whose rows a decoding
//! step can read in order.
//!
//! With the `flex` feature, f32 inputs of 2 to 16 rows on a flex device without autodiff, on a
//! CPU with AVX-512, go through one kernel that streams the weights once
//! (`flex_transposed_linear.rs`; see [takes_kernel]); everything else is `x·weightᵀ + bias` in
//! burn. Both compute the same function.

use burn::nn::Linear;
use burn::tensor::{Tensor, TensorData};

/// The most rows (all leading dimensions together) that take the flex kernel.
pub const MAX_ROWS: usize = 16;

/// Whether [TransposedLinear::forward] on `x` takes the flex kernel (for a weight on the same
/// device): f32 on flex without autodiff, 2 to [MAX_ROWS] rows, a CPU with AVX-512, and the
/// `flex` feature. (Without AVX-512 the kernel's loop was slower than burn's product.)
pub fn takes_kernel<const D: usize>(x: &Tensor<D>) -> bool {
    #[cfg(feature = "flex")]
    {
        let rows: usize = x.dims()[..D - 1].iter().product();
        (2..=MAX_ROWS).contains(&rows)
            && !x.device().is_autodiff()
            && crate::flex_tensors::on_flex_f32(x)
            && crate::flex_tensors::has_avx512f()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = x;
        false
    }
}

/// `x·weightᵀ + bias` with `weight` `[d_output, d_input]`: a [Linear] with its weight transposed.
///
/// Not a module: it wraps weights that already exist (see [new], e.g. a tied LM head over its
/// embedding matrix) or a copy of them (see [from_linear], for decoding). Outside the kernel's
/// cases it is burn's differentiable product over the transposed view, so under autodiff the
/// gradient reaches a weight wrapped by [new] (a copy is a new tensor: nothing reaches the
/// layer it came from).
///
/// [from_linear]: TransposedLinear::from_linear
/// [new]: TransposedLinear::new
///
/// # Example
/// ```
/// use burn::nn::LinearConfig;
/// use burn::tensor::{Device, Tensor};
/// use star_core::TransposedLinear;
///
/// let device = Device::flex();
/// let layer = LinearConfig::new(8, 4).init(&device);
/// let transposed = TransposedLinear::from_linear(&layer);
/// let x = Tensor::<3>::ones([3, 1, 8], &device);
/// let y = transposed.forward(x.clone());
/// y.into_data().assert_approx_eq::<f32>(&layer.forward(x).into_data(), Default::default());
/// ```
#[derive(Clone, Debug)]
pub struct TransposedLinear {
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
}

impl TransposedLinear {
    /// The layer `x·weightᵀ + bias` over an existing `[d_output, d_input]` weight (no copy).
    ///
    /// # Panics
    /// If `bias` is not `[d_output]`.
    pub fn new(weight: Tensor<2>, bias: Option<Tensor<1>>) -> Self {
        let [d_output, _] = weight.dims();
        if let Some(bias) = &bias {
            assert_eq!(
                bias.dims(),
                [d_output],
                "transposed linear: bias must be [d_output] = [{d_output}]"
            );
        }
        Self { weight, bias }
    }

    /// A copy of `linear`'s weight, transposed to `[d_output, d_input]` and laid out in that
    /// order, with its bias: the same function as `linear.forward`.
    pub fn from_linear(linear: &Linear) -> Self {
        let weight = linear.weight.val();
        let bias = linear.bias.as_ref().map(|b| b.val());
        #[cfg(feature = "flex")]
        if crate::flex_tensors::on_flex_f32(&weight) && !weight.device().is_autodiff() {
            use crate::flex_transposed_linear::TransposedLinearOps;
            use burn::backend::Dispatch;
            let transposed =
                <Dispatch as TransposedLinearOps>::transpose_copy(weight.into_dispatch());
            return Self::new(Tensor::from_dispatch(transposed), bias);
        }
        // Elsewhere through the host: a transposed view made contiguous, on any backend.
        let device = weight.device();
        let transposed: TensorData = weight.transpose().into_data();
        Self::new(Tensor::from_data(transposed, &device), bias)
    }

    /// The weight, `[d_output, d_input]`.
    pub fn weight(&self) -> &Tensor<2> {
        &self.weight
    }

    /// `x·weightᵀ + bias`.
    ///
    /// # Shapes
    /// - `x`: `[..., d_input]`
    /// - output: `[..., d_output]`
    ///
    /// # Panics
    /// If the last dimension of `x` is not `d_input`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let mut dims = x.dims();
        let [d_output, d_input] = self.weight.dims();
        assert_eq!(
            dims[D - 1],
            d_input,
            "transposed linear: input width {} but the layer takes {d_input}",
            dims[D - 1]
        );
        let rows: usize = dims[..D - 1].iter().product();
        dims[D - 1] = d_output;
        #[cfg(feature = "flex")]
        if takes_kernel(&x) && d_input > 0 && crate::flex_tensors::on_flex_f32(&self.weight) {
            return self.fused(x.reshape([rows, d_input])).reshape(dims);
        }
        let y = x
            .reshape([rows, d_input])
            .matmul(self.weight.clone().transpose());
        let y = match &self.bias {
            Some(bias) => y + bias.clone().unsqueeze_dim(0),
            None => y,
        };
        y.reshape(dims)
    }

    #[cfg(feature = "flex")]
    fn fused(&self, x: Tensor<2>) -> Tensor<2> {
        use crate::flex_transposed_linear::TransposedLinearOps;
        use burn::backend::Dispatch;

        let [d_output, _] = self.weight.dims();
        let bias = match &self.bias {
            Some(bias) => bias.clone(),
            None => Tensor::zeros([d_output], &x.device()),
        };
        Tensor::from_dispatch(<Dispatch as TransposedLinearOps>::transposed_linear(
            x.into_dispatch(),
            self.weight.clone().into_dispatch(),
            bias.into_dispatch(),
        ))
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::test_values::{max_diff, values};
    use burn::nn::LinearConfig;
    use burn::tensor::{Device, Distribution};

    /// The kernel path and burn's path against `Linear::forward`: 1 to 17 rows (1 and 17 take
    /// burn's path), odd widths, with and without bias, on flex, flex with autodiff and ndarray.
    #[test]
    fn matches_linear_forward() {
        #[allow(deprecated)]
        for device in [Device::flex(), Device::flex().autodiff(), Device::ndarray()] {
            for (rows, d_in, d_out, bias) in [
                (1, 37, 300, true),
                (2, 5, 1, false),
                (7, 64, 65, true),
                (MAX_ROWS, 257, 1030, true),
                (MAX_ROWS, 8, 3, false),
                (MAX_ROWS + 1, 33, 20, true),
            ] {
                let layer = LinearConfig::new(d_in, d_out).with_bias(bias).init(&device);
                let x =
                    Tensor::<3>::random([rows, 1, d_in], Distribution::Normal(0.0, 1.0), &device);
                let got = TransposedLinear::from_linear(&layer).forward(x.clone());
                assert_eq!(got.dims(), [rows, 1, d_out]);
                let diff = max_diff(&values(got), &values(layer.forward(x)));
                assert!(
                    diff < 1e-4,
                    "{device:?} {rows}x{d_in}->{d_out}: differs by {diff}"
                );
            }
        }
    }

    /// `new` takes the weight as it is: a tied LM head over an embedding matrix.
    #[test]
    fn new_uses_the_weight_rows() {
        let device = Device::flex();
        let embedding = Tensor::<2>::random([50, 12], Distribution::Default, &device);
        let bias = Tensor::<1>::random([50], Distribution::Default, &device);
        let head = TransposedLinear::new(embedding.clone(), Some(bias.clone()));
        let h = Tensor::<2>::random([4, 12], Distribution::Default, &device);
        let want = h.clone().matmul(embedding.transpose()) + bias.unsqueeze_dim(0);
        let diff = max_diff(&values(head.forward(h)), &values(want));
        assert!(diff < 1e-5, "differs by {diff}");
    }

    /// Under autodiff (burn's path) the gradient reaches a weight wrapped by `new`.
    #[test]
    fn gradients_reach_a_wrapped_weight() {
        let device = Device::flex().autodiff();
        let weight = Tensor::<2>::random([7, 5], Distribution::Default, &device).require_grad();
        let h = Tensor::<2>::random([3, 5], Distribution::Default, &device);
        let got = TransposedLinear::new(weight.clone(), None).forward(h.clone());
        let got = weight.grad(&got.sum().backward()).unwrap();
        let want = h.clone().matmul(weight.clone().transpose());
        let want = weight.grad(&want.sum().backward()).unwrap();
        let diff = max_diff(&values(got), &values(want));
        assert!(diff < 1e-6, "weight gradients differ by {diff}");
    }

    #[test]
    #[should_panic(expected = "bias must be [d_output]")]
    fn rejects_a_bias_of_the_wrong_width() {
        let device = Device::flex();
        TransposedLinear::new(
            Tensor::<2>::zeros([4, 3], &device),
            Some(Tensor::<1>::zeros([3], &device)),
        );
    }
}

//! `Linear::forward` as one fused operation on flex, for inputs of a few rows (which STAR's
//! experts see: each expert refines the pooled vectors of only the examples routed to it) and of
//! many.
//!
//! With the `flex` feature, f32 tensors on a flex device (at least two rows without autodiff)
//! take one backend extension with its own backward pass. At most [`MAX_ROWS`] rows go through
//! a kernel that reads each weight once forward and once backward (`flex_row_linear.rs`); more
//! rows through gemm, with the bias as the product's starting value and no zero-filled outputs
//! (`flex_gemm_linear.rs`). Everything else is `Linear::forward`. All compute the same function.

use burn::nn::Linear;
use burn::tensor::Tensor;

/// The most rows (all leading dimensions together) that take the few-row flex kernel. Above it a
/// general matrix product is as fast: its packing cost is shared by more rows.
pub const MAX_ROWS: usize = 16;

/// `linear.forward(x)`, with the fused few-row kernel where it applies (see the module docs).
///
/// # Shapes
/// - `x`: `[..., d_input]`
/// - output: `[..., d_output]`
///
/// # Panics
/// If the last dimension of `x` is not the layer's input width.
///
/// # Example
/// ```
/// use burn::nn::LinearConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let layer = LinearConfig::new(8, 4).init(&device);
/// let x = Tensor::<3>::ones([2, 1, 8], &device);
/// let y = star_core::row_linear::forward(&layer, x.clone());
/// y.into_data().assert_approx_eq::<f32>(&layer.forward(x).into_data(), Default::default());
/// ```
pub fn forward<const D: usize>(linear: &Linear, x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    {
        let dims = x.dims();
        let rows: usize = dims[..D - 1].iter().product();
        let [d_input, d_output] = linear.weight.dims();
        // One row without autodiff (decoding at batch 1) is a matrix-vector product, which
        // gemm does as fast without packing, and on one thread. (With the weights hot in cache,
        // `benches/star.rs` has gemm ahead from 16 rows without autodiff too; in decoding, where
        // each step reads every weight once, the kernel is faster at 16 rows: 1.07-1.18x.)
        let min_rows = if x.device().is_autodiff() { 1 } else { 2 };
        if rows >= min_rows && d_input > 0 && d_output > 0 && crate::flex_tensors::on_flex_f32(&x) {
            return fused(linear, x, rows);
        }
    }
    linear.forward(x)
}

#[cfg(feature = "flex")]
fn fused<const D: usize>(linear: &Linear, x: Tensor<D>, rows: usize) -> Tensor<D> {
    use crate::flex_row_linear::RowLinearOps;
    use burn::backend::Dispatch;

    let mut dims = x.dims();
    let weight = linear.weight.val();
    let [d_input, d_output] = weight.dims();
    assert_eq!(
        dims[D - 1],
        d_input,
        "linear layer: input width {} but the layer takes {d_input}",
        dims[D - 1]
    );
    let bias = match &linear.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([d_output], &x.device()),
    };
    let out = <Dispatch as RowLinearOps>::row_linear(
        x.reshape([rows, d_input]).into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    );
    dims[D - 1] = d_output;
    Tensor::<2>::from_dispatch(out).reshape(dims)
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;
    use crate::test_values::{max_diff, values};
    use burn::nn::LinearConfig;
    use burn::tensor::{Device, Distribution};

    /// The fused kernel against `Linear::forward` (burn's composed product under autodiff):
    /// output and the gradients of x, weight and bias, for widths that are not multiples of the
    /// kernel's tiles and lanes, one row and the most rows, with and without bias.
    #[test]
    fn fused_kernel_matches_linear_forward_with_gradients() {
        let device = Device::flex().autodiff();
        for (rows, d_in, d_out, bias) in [
            (1, 37, 300, true),
            (MAX_ROWS, 512, 513, true),
            (MAX_ROWS + 1, 64, 65, false),
            (70, 33, 300, true),
            (5, 48, 1, false),
            (3, 17, 2048, true),
        ] {
            let layer = LinearConfig::new(d_in, d_out).with_bias(bias).init(&device);
            let x0 = Tensor::<3>::random([rows, 1, d_in], Distribution::Normal(0.0, 1.0), &device)
                .into_data();
            let weight = Tensor::<3>::random([rows, 1, d_out], Distribution::Default, &device);
            let run = |fused: bool| {
                let x = Tensor::<3>::from_data(x0.clone(), &device).require_grad();
                let y = if fused {
                    forward(&layer, x.clone())
                } else {
                    layer.forward(x.clone())
                };
                let grads = (y.clone() * weight.clone()).sum().backward();
                let mut out = vec![
                    values(y),
                    values(x.grad(&grads).unwrap()),
                    values(layer.weight.val().grad(&grads).unwrap()),
                ];
                if let Some(b) = &layer.bias {
                    out.push(values(b.val().grad(&grads).unwrap()));
                }
                out
            };
            let (fused, reference) = (run(true), run(false));
            for (name, (got, want)) in ["output", "dx", "dw", "db"]
                .iter()
                .zip(fused.iter().zip(&reference))
            {
                let diff = max_diff(got, want);
                assert!(
                    diff < 1e-4,
                    "{rows}x{d_in}->{d_out}: {name} differs by {diff}"
                );
            }
        }
    }

    /// The other paths are `Linear::forward`: other backends, one row without autodiff; and the
    /// kernels without autodiff match it on rows over batch dimensions.
    #[test]
    fn other_paths_match_linear_forward() {
        #[allow(deprecated)]
        for device in [Device::flex(), Device::ndarray()] {
            let layer = LinearConfig::new(8, 3).init(&device);
            let x = Tensor::<3>::random([1, 1, 8], Distribution::Default, &device);
            assert_eq!(values(forward(&layer, x.clone())), values(layer.forward(x)));
            for rows in [1, 3, 12, MAX_ROWS + 1, 50] {
                let x = Tensor::<3>::random([rows, 1, 8], Distribution::Default, &device);
                let (got, want) = (forward(&layer, x.clone()), layer.forward(x));
                assert_eq!(got.dims(), [rows, 1, 3]);
                let diff = max_diff(&values(got), &values(want));
                assert!(diff < 1e-5, "{rows} rows: differs by {diff}");
            }
        }
    }
}

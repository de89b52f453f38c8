//! Eq. (4): `h' = g ⊙ ĥ + (1 - g) ⊙ h`, with `ĥ` and `g` broadcast over positions.

use burn::tensor::Tensor;

/// Fuse the refined representation into the hidden states (Eq. (4)).
///
/// `refined` and `gate` have either one row per example (`n = 1`, broadcast over all
/// positions: [`PoolingMode::Full`](crate::PoolingMode)) or one row per position (`n = t`:
/// [`PoolingMode::Causal`](crate::PoolingMode)). The gate width is 1 (scalar) or `d_model`.
///
/// # Shapes
/// - `refined`: `[batch_size, n, d_model]`
/// - `original`: `[batch_size, seq_length, d_model]`
/// - `gate`: `[batch_size, n, 1 | d_model]`
/// - output: `[batch_size, seq_length, d_model]`
///
/// # Panics
/// If the shapes do not broadcast as described.
pub fn blend(refined: Tensor<3>, original: Tensor<3>, gate: Tensor<3>) -> Tensor<3> {
    let [b, t, d] = original.dims();
    let [rb, rn, rd] = refined.dims();
    let [gb, gn, gd] = gate.dims();
    assert!(
        rb == b && gb == b && rd == d && (rn == 1 || rn == t) && gn == rn && (gd == 1 || gd == d),
        "blend: refined {:?}, original {:?}, gate {:?} do not broadcast",
        [rb, rn, rd],
        [b, t, d],
        [gb, gn, gd]
    );
    // Written as in Eq. (4) so that the `[b, n, *]` product stays small when n = 1.
    gate.clone() * refined + (gate.neg() + 1.0) * original
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData, Tolerance};

    #[test]
    fn gate_extremes_select_one_side() {
        let device = Device::flex();
        let h = Tensor::<3>::from_data([[[1.0, 2.0], [3.0, 4.0]]], &device);
        let r = Tensor::<3>::from_data([[[10.0, 20.0]]], &device);
        let zero = blend(r.clone(), h.clone(), Tensor::zeros([1, 1, 1], &device));
        zero.into_data().assert_eq(&h.to_data(), true);
        let one = blend(r, h, Tensor::ones([1, 1, 1], &device));
        one.into_data()
            .assert_eq(&TensorData::from([[[10.0f32, 20.0], [10.0, 20.0]]]), true);
    }

    #[test]
    fn per_channel_gate_mixes_channels_independently() {
        let device = Device::flex();
        let h = Tensor::<3>::from_data([[[1.0, 2.0]]], &device);
        let r = Tensor::<3>::from_data([[[3.0, 6.0]]], &device);
        let g = Tensor::<3>::from_data([[[0.5, 0.25]]], &device);
        // 0.5*3 + 0.5*1 = 2; 0.25*6 + 0.75*2 = 3.
        blend(r, h, g)
            .into_data()
            .assert_approx_eq::<f32>(&TensorData::from([[[2.0f32, 3.0]]]), Tolerance::default());
    }
}

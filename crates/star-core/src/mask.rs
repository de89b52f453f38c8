//! The crate's mask convention and conversions from and to Hugging Face's `attention_mask`.
//!
//! Every mask star-core takes is a **pad mask**: `Tensor<2, Bool>` `[batch_size, seq_length]`,
//! `true` = padding (as burn-nn's `MhaInput::mask_pad`). Hugging Face tokenizers and models use
//! the inverse, an integer `attention_mask` with `1` = keep and `0` = padding; these two
//! functions convert between them.

use burn::tensor::{Bool, Int, Tensor};

/// The pad mask (`true` = padding) of an HF `attention_mask` (`1` = keep, `0` = padding).
///
/// Every zero is padding; every other value (normally `1`) is kept.
///
/// # Shapes
/// - `attention_mask`: `[batch_size, seq_length]`
/// - output: `[batch_size, seq_length]`
///
/// # Example
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use star_core::pad_mask_from_attention_mask;
///
/// let device = Device::flex();
/// let attention_mask = Tensor::<2, Int>::from_ints([[1, 1, 1], [1, 0, 0]], &device);
/// let mask_pad = pad_mask_from_attention_mask(attention_mask);
/// let expected = Tensor::<2, Int>::from_ints([[0, 0, 0], [0, 1, 1]], &device).bool();
/// assert_eq!(mask_pad.into_data(), expected.into_data());
/// ```
pub fn pad_mask_from_attention_mask(attention_mask: Tensor<2, Int>) -> Tensor<2, Bool> {
    attention_mask.equal_elem(0)
}

/// The HF `attention_mask` (`1` = keep, `0` = padding) of a pad mask (`true` = padding).
///
/// # Shapes
/// - `mask_pad`: `[batch_size, seq_length]`
/// - output: `[batch_size, seq_length]`
///
/// # Example
/// ```
/// use burn::tensor::{Device, Int, Tensor};
/// use star_core::attention_mask_from_pad_mask;
///
/// let device = Device::flex();
/// let mask_pad = Tensor::<2, Int>::from_ints([[0, 0, 1]], &device).bool();
/// let attention_mask = attention_mask_from_pad_mask(mask_pad);
/// assert_eq!(attention_mask.into_data().try_to_vec_as::<i64>().unwrap(), [1, 1, 0]);
/// ```
pub fn attention_mask_from_pad_mask(mask_pad: Tensor<2, Bool>) -> Tensor<2, Int> {
    mask_pad.bool_not().int()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn ints(t: Tensor<2, Int>) -> Vec<i64> {
        t.into_data().try_to_vec_as::<i64>().expect("int data")
    }

    #[test]
    fn hf_attention_mask_is_the_inverse_of_the_pad_mask() {
        let device = Device::flex();
        // Right padding, left padding, no padding, all padding.
        let hf: [i64; 16] = [1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
        let attention_mask =
            Tensor::<2, Int>::from_data(TensorData::new(hf.to_vec(), [4, 4]), &device);

        let mask_pad = pad_mask_from_attention_mask(attention_mask.clone());
        let pads = ints(mask_pad.clone().int());
        let expected: Vec<i64> = hf.iter().map(|&v| i64::from(v == 0)).collect();
        assert_eq!(pads, expected, "0 in attention_mask must be padding");

        let back = attention_mask_from_pad_mask(mask_pad);
        assert_eq!(ints(back), ints(attention_mask), "round trip");
    }
}

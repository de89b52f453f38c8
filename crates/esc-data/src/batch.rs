//! Padding examples into tensors: a burn [`Batcher`] producing [`EscBatch`].
//!
//! Mirrors the reference collate (`FeatureDataset.collate`): inputs and decoder inputs
//! padded with the pad id (0), labels padded with -100, each to the longest sequence of
//! the batch. The HF 1/0 attention mask becomes burn's convention here, once: a Bool
//! mask with `true` at padding.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::EscExample;
use crate::tokenizer::Tokenize;

/// The label value ignored by the loss (PyTorch's `ignore_index`).
pub const IGNORE_INDEX: i64 = -100;

/// A padded batch of examples.
#[derive(Debug, Clone)]
pub struct EscBatch {
    /// Encoder input ids, `[batch_size, src_len]`, padded with the pad id.
    pub input_ids: Tensor<2, Int>,
    /// Encoder padding mask, `[batch_size, src_len]`, `true` at padding.
    pub input_mask_pad: Tensor<2, Bool>,
    /// Speaker role of each encoder input id, `[batch_size, src_len]`, padded with
    /// [`ROLE_PAD`](crate::ROLE_PAD) (see [`EscExample::input_roles`]).
    pub input_roles: Tensor<2, Int>,
    /// Decoder input ids, `[batch_size, tgt_len]`, padded with the pad id.
    pub decoder_input_ids: Tensor<2, Int>,
    /// Labels, `[batch_size, tgt_len]`, padded with [`IGNORE_INDEX`] (-100).
    pub labels: Tensor<2, Int>,
    /// Decoder padding mask, `[batch_size, tgt_len]`, `true` at padding.
    pub decoder_mask_pad: Tensor<2, Bool>,
    /// Gold strategy ids (0..8), `[batch_size]`.
    pub strategy_ids: Tensor<1, Int>,
    /// Dialog emotion ids (0..11), `[batch_size]`.
    pub emotion_ids: Tensor<1, Int>,
}

/// Pads [`EscExample`]s into an [`EscBatch`] on a device.
///
/// ```
/// use burn::data::dataloader::batcher::Batcher;
/// use burn::tensor::Device;
/// use esc_data::{Emotion, EscBatcher, EscExample, Strategy};
/// let ex = |input: Vec<u32>, labels: Vec<u32>| EscExample {
///     dialog: 0,
///     turn: 1,
///     decoder_input_ids: std::iter::once(1).chain(labels[..labels.len() - 1].iter().copied()).collect(),
///     response_ids: labels[1..labels.len() - 1].to_vec(),
///     input_roles: vec![1; input.len()],
///     input_ids: input,
///     labels,
///     strategy: Strategy::Question,
///     emotion: Emotion::Anger,
/// };
/// let batch = EscBatcher::new(0).batch(
///     vec![ex(vec![5, 6, 2], vec![54944, 7, 2]), ex(vec![8], vec![54944, 2])],
///     &Device::flex(),
/// );
/// assert_eq!(batch.input_ids.dims(), [2, 3]);
/// assert_eq!(batch.labels.dims(), [2, 3]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EscBatcher {
    pad_id: u32,
}

impl EscBatcher {
    /// A batcher padding inputs with `pad_id` (0 for BlenderBot-Small).
    pub fn new(pad_id: u32) -> Self {
        Self { pad_id }
    }

    /// A batcher using the tokenizer's pad id.
    pub fn for_tokenizer<T: Tokenize + ?Sized>(tokenizer: &T) -> Self {
        Self::new(tokenizer.special_tokens().pad)
    }

    /// Batches borrowed examples (no cloning of the examples themselves).
    ///
    /// # Panics
    /// Panics if `items` is empty or an example has no labels, or
    /// `decoder_input_ids` and `labels` (or `input_ids` and `input_roles`) differ in length
    /// (examples from [`build_examples`](crate::build_examples) never do).
    pub fn batch_refs(&self, items: &[&EscExample], device: &Device) -> EscBatch {
        assert!(!items.is_empty(), "cannot batch zero examples");
        for e in items {
            assert_eq!(
                e.decoder_input_ids.len(),
                e.labels.len(),
                "decoder_input_ids and labels must have the same length"
            );
            assert!(!e.labels.is_empty(), "an example needs at least one label");
            assert_eq!(
                e.input_ids.len(),
                e.input_roles.len(),
                "input_ids and input_roles must have the same length"
            );
        }
        let pad = i64::from(self.pad_id);
        let (input_ids, input_mask_pad) =
            pad_rows(items.iter().map(|e| &e.input_ids[..]), pad, device);
        let (input_roles, _) = pad_rows(
            items.iter().map(|e| &e.input_roles[..]),
            i64::from(crate::ROLE_PAD),
            device,
        );
        let (decoder_input_ids, decoder_mask_pad) =
            pad_rows(items.iter().map(|e| &e.decoder_input_ids[..]), pad, device);
        let (labels, _) = pad_rows(items.iter().map(|e| &e.labels[..]), IGNORE_INDEX, device);
        let ids_1d = |values: Vec<i64>| {
            let n = values.len();
            Tensor::<1, Int>::from_data(TensorData::new(values, [n]), device)
        };
        EscBatch {
            input_ids,
            input_mask_pad,
            input_roles,
            decoder_input_ids,
            labels,
            decoder_mask_pad,
            strategy_ids: ids_1d(items.iter().map(|e| e.strategy.id() as i64).collect()),
            emotion_ids: ids_1d(items.iter().map(|e| e.emotion.id() as i64).collect()),
        }
    }
}

impl Batcher<EscExample, EscBatch> for EscBatcher {
    /// # Panics
    /// As [`EscBatcher::batch_refs`].
    fn batch(&self, items: Vec<EscExample>, device: &Device) -> EscBatch {
        let refs: Vec<&EscExample> = items.iter().collect();
        self.batch_refs(&refs, device)
    }
}

/// Right-pads rows to the longest one: `(ids [b, len], mask [b, len] true at padding)`.
fn pad_rows<'a>(
    rows: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    pad: i64,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<2, Bool>) {
    let batch = rows.len();
    let width = rows.clone().map(<[u32]>::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(batch * width);
    let mut mask = Vec::with_capacity(batch * width);
    for row in rows {
        ids.extend(row.iter().map(|&id| i64::from(id)));
        ids.extend(std::iter::repeat_n(pad, width - row.len()));
        mask.extend(std::iter::repeat_n(false, row.len()));
        mask.extend(std::iter::repeat_n(true, width - row.len()));
    }
    (
        Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, width]), device),
        Tensor::<2, Bool>::from_data(TensorData::new(mask, [batch, width]), device),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emotion, Strategy};

    fn example(input: &[u32], labels: &[u32], strategy: Strategy, emotion: Emotion) -> EscExample {
        let mut decoder_input_ids = vec![1];
        decoder_input_ids.extend_from_slice(&labels[..labels.len() - 1]);
        EscExample {
            dialog: 0,
            turn: 1,
            input_ids: input.to_vec(),
            input_roles: input.iter().map(|&id| 1 + id % 3).collect(),
            decoder_input_ids,
            labels: labels.to_vec(),
            response_ids: labels[1..labels.len() - 1].to_vec(),
            strategy,
            emotion,
        }
    }

    fn ints<const D: usize>(t: Tensor<D, Int>) -> Vec<i64> {
        t.into_data().try_into_vec_as::<i64>().unwrap()
    }

    fn bools(t: Tensor<2, Bool>) -> Vec<bool> {
        t.into_data().try_into_vec_as::<bool>().unwrap()
    }

    fn check_on(device: &Device) {
        let batch = EscBatcher::new(0).batch(
            vec![
                example(
                    &[5, 6, 2],
                    &[900, 7, 2],
                    Strategy::Information,
                    Emotion::Pain,
                ),
                example(&[8], &[903, 2], Strategy::SelfDisclosure, Emotion::Anxiety),
            ],
            device,
        );
        assert_eq!(batch.input_ids.dims(), [2, 3]);
        assert_eq!(ints(batch.input_ids), [5, 6, 2, 8, 0, 0]);
        assert_eq!(
            bools(batch.input_mask_pad),
            [false, false, false, false, true, true]
        );
        // Roles padded with ROLE_PAD (0).
        assert_eq!(ints(batch.input_roles), [3, 1, 3, 3, 0, 0]);
        assert_eq!(ints(batch.decoder_input_ids), [1, 900, 7, 1, 903, 0]);
        assert_eq!(ints(batch.labels), [900, 7, 2, 903, 2, -100]);
        assert_eq!(
            bools(batch.decoder_mask_pad),
            [false, false, false, false, false, true]
        );
        assert_eq!(ints(batch.strategy_ids), [6, 3]);
        assert_eq!(ints(batch.emotion_ids), [8, 0]);
    }

    #[test]
    fn pads_on_flex() {
        check_on(&Device::flex());
    }

    #[test]
    #[allow(deprecated)] // ndarray is deprecated in burn 0.22 but kept: our users named it
    fn pads_on_ndarray() {
        check_on(&Device::ndarray());
    }

    #[test]
    #[should_panic(expected = "cannot batch zero examples")]
    fn empty_batch_is_a_contract_violation() {
        EscBatcher::new(0).batch(Vec::new(), &Device::flex());
    }
}

//! The explicit cache of incremental STAR (generation): the hidden states of the prefix.
//!
//! Thanks to the single-query pooling (see [`AttentionPooling`](crate::AttentionPooling)), keys and values are never
//! projected, so the raw decoder states of the prefix are all that needs keeping.

use burn::tensor::{Bool, Int, Tensor};

/// Prefix states for [`Star::forward_step`](crate::Star::forward_step).
///
/// Start each generated sequence batch with [`StarCache::new`]; every step appends the new
/// positions. The module never mutates itself: the cache is passed as `&mut`.
#[derive(Debug, Clone, Default)]
pub struct StarCache {
    /// `[batch_size, prefix_length, d_model]`, `None` before the first step.
    hidden: Option<Tensor<3>>,
    /// `[batch_size, prefix_length]`, `true` = padding; `None` when no step had a mask.
    mask_pad: Option<Tensor<2, Bool>>,
}

impl StarCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of cached positions.
    pub fn len(&self) -> usize {
        self.hidden.as_ref().map_or(0, |h| h.dims()[1])
    }

    /// Whether no position is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cached states, `[batch_size, prefix_length, d_model]`.
    pub fn hidden(&self) -> Option<&Tensor<3>> {
        self.hidden.as_ref()
    }

    /// Keep only the batch rows `indices` (in that order), e.g. after a beam-search step.
    ///
    /// # Shapes
    /// - `indices`: `[new_batch_size]`
    pub fn select_batch(&mut self, indices: Tensor<1, Int>) {
        self.hidden = self.hidden.take().map(|h| h.select(0, indices.clone()));
        self.mask_pad = self.mask_pad.take().map(|m| m.select(0, indices));
    }

    /// Append new positions; returns the whole sequence, its mask, and where the new
    /// positions start.
    pub(crate) fn append(
        &mut self,
        hidden: Tensor<3>,
        mask_pad: Option<Tensor<2, Bool>>,
    ) -> (Tensor<3>, Option<Tensor<2, Bool>>, usize) {
        let start = self.len();
        let [b, n, _] = hidden.dims();
        let device = hidden.device();
        let all = match self.hidden.take() {
            Some(prefix) => {
                assert_eq!(prefix.dims()[0], b, "batch size changed between steps");
                Tensor::cat(vec![prefix, hidden], 1)
            }
            None => hidden,
        };
        let mask = match (self.mask_pad.take(), mask_pad) {
            (None, None) => None,
            (prefix, new) => {
                let prefix =
                    prefix.unwrap_or_else(|| Tensor::<2, Bool>::full([b, start], false, &device));
                let new = new.unwrap_or_else(|| Tensor::<2, Bool>::full([b, n], false, &device));
                Some(Tensor::cat(vec![prefix, new], 1))
            }
        };
        self.hidden = Some(all.clone());
        self.mask_pad = mask.clone();
        (all, mask, start)
    }
}

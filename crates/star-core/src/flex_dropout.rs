//! Dropout on the flex backend in one pass, forward and backward, as a burn backend extension
//! with its own autodiff node (see [`crate::dropout`] for when it is used).
//!
//! burn's `Dropout` draws a Bernoulli tensor element by element from a ChaCha generator, copies
//! it into a tensor, and then multiplies twice (by the mask and by `1 / (1 - p)`), each product
//! with its own autodiff node that keeps the mask. Here the keep decision of element `i` is a
//! hash of `(seed, i)`: the forward writes `x_i · scale` or 0 in one pass, and the backward
//! recomputes the same decisions from the seed, so no mask is stored. The hash is the MurmurHash3
//! finaliser (a bijection of 32-bit words) of a counter keyed by the seed, as counter-based
//! generators do; it vectorises, and on x86-64 it is compiled a second time with AVX2.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Flex, TensorMetadata, backend_extension};
use std::mem::MaybeUninit;

use crate::flex_tensors::{contiguous, f32s, fill_chunks, has_avx2_fma};

/// The dropout operation a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait DropoutOps: Backend {
    /// `x_i · scale` where element `i` is kept, 0 where it is dropped; which elements are kept
    /// depends only on `mask` and the element's index (so the backward reproduces it).
    fn hashed_dropout(x: FloatTensor<Self>, mask: DropoutMask) -> FloatTensor<Self>;
}

/// Which elements a dropout call keeps, and the scale of the kept ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutMask {
    /// Keys of the hash (from the caller's random generator).
    pub seed: u64,
    /// Elements whose hash is below this are dropped: `p · 2³²`.
    pub threshold: u32,
    /// `1 / (1 - p)`.
    pub scale: f32,
}

impl DropoutMask {
    /// The mask of drop probability `prob` (in `[0, 1)`) and hash keys `seed`.
    pub fn new(prob: f64, seed: u64) -> Self {
        assert!(
            (0.0..1.0).contains(&prob),
            "dropout probability must be in [0, 1), got {prob}"
        );
        Self {
            seed,
            threshold: (prob * 4_294_967_296.0).round().min(u32::MAX as f64) as u32,
            scale: (1.0 / (1.0 - prob)) as f32,
        }
    }

    /// Whether element `index` is kept.
    #[inline(always)]
    pub fn keeps(&self, index: u32) -> bool {
        hash(index, self.seed) >= self.threshold
    }
}

/// Elements per task: large enough that a task outweighs its scheduling.
const CHUNK: usize = 1 << 16;

/// The MurmurHash3 32-bit finaliser of the counter `index` keyed by `seed`.
#[inline(always)]
fn hash(index: u32, seed: u64) -> u32 {
    let mut h = index.wrapping_add(seed as u32) ^ (seed >> 32) as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// One chunk starting at element `start`.
#[inline(always)]
fn chunk(x: &[f32], start: usize, mask: DropoutMask, out: &mut [MaybeUninit<f32>]) {
    for (i, (o, &v)) in out.iter_mut().zip(x).enumerate() {
        let kept = mask.keeps((start + i) as u32);
        o.write(if kept { v * mask.scale } else { 0.0 });
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn chunk_avx2(x: &[f32], start: usize, mask: DropoutMask, out: &mut [MaybeUninit<f32>]) {
    chunk(x, start, mask, out);
}

/// Dropout of a slice (element `i` of `x` is element `i` of the tensor).
pub(crate) fn apply(x: &[f32], mask: DropoutMask) -> Vec<f32> {
    let avx2 = has_avx2_fma();
    fill_chunks(x.len(), CHUNK, |start, out| {
        let x = &x[start..start + out.len()];
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the CPU has AVX2 (checked above, with FMA).
            unsafe { chunk_avx2(x, start, mask, out) };
            return;
        }
        let _ = avx2;
        chunk(x, start, mask, out);
    })
}

impl DropoutOps for Flex {
    fn hashed_dropout(x: FlexTensor, mask: DropoutMask) -> FlexTensor {
        let x = contiguous(x);
        let shape = x.shape();
        let values = apply(f32s(&x), mask);
        FlexTensor::from_data(burn::tensor::TensorData::new(values, shape))
    }
}

/// Autodiff node of [DropoutOps::hashed_dropout]: keeps only the mask's keys. Dropout is
/// linear, so its backward is the same dropout of the output gradient.
#[derive(Debug)]
struct DropoutBackward;

impl<B: Backend + DropoutOps> Backward<B, 1> for DropoutBackward {
    type State = DropoutMask;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [parent] = ops.parents;
        if let Some(parent) = parent {
            grads.register::<B>(parent.id, B::hashed_dropout(grad, ops.state));
        }
    }
}

impl<B: Backend + DropoutOps, C: CheckpointStrategy> DropoutOps for Autodiff<B, C> {
    fn hashed_dropout(x: FloatTensor<Self>, mask: DropoutMask) -> FloatTensor<Self> {
        let (x, x_guard) = x.into_parts();
        let out = B::hashed_dropout(x, mask);
        match DropoutBackward
            .prepare::<C>([x_guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(mask, out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The share of kept elements is `1 - p` and neighbouring decisions are independent: over
    /// a million elements the counts are within 5 standard deviations (a biased or correlated
    /// hash of the counter would be far outside).
    #[test]
    fn keeps_a_share_of_one_minus_p_independently() {
        let n = 1 << 20;
        for (prob, seed) in [(0.1, 7u64), (0.5, 1 << 40), (0.9, u64::MAX)] {
            let mask = DropoutMask::new(prob, seed);
            let kept: Vec<bool> = (0..n as u32).map(|i| mask.keeps(i)).collect();
            let share = kept.iter().filter(|&&k| k).count() as f64 / n as f64;
            let sd = (prob * (1.0 - prob) / n as f64).sqrt();
            assert!(
                (share - (1.0 - prob)).abs() < 5.0 * sd,
                "p {prob}: kept {share}"
            );
            // Pairs (i, i + 1) both kept: (1 - p)² of them.
            let both = kept.windows(2).filter(|w| w[0] && w[1]).count() as f64 / (n - 1) as f64;
            let q = (1.0 - prob) * (1.0 - prob);
            let sd = (q * (1.0 - q) / n as f64).sqrt();
            assert!((both - q).abs() < 5.0 * sd, "p {prob}: pairs kept {both}");
        }
    }

    /// Different seeds drop different elements; the slice kernel follows [DropoutMask::keeps]
    /// across its chunks.
    #[test]
    fn seeds_differ_and_chunks_agree() {
        let x: Vec<f32> = (0..3 * CHUNK + 17).map(|i| 1.0 + i as f32).collect();
        let (a, b) = (DropoutMask::new(0.3, 1), DropoutMask::new(0.3, 2));
        let (ya, yb) = (apply(&x, a), apply(&x, b));
        let same = ya
            .iter()
            .zip(&yb)
            .filter(|(p, q)| (**p == 0.0) == (**q == 0.0))
            .count() as f64
            / x.len() as f64;
        // Independent masks agree on 0.3² + 0.7² = 58 % of the elements.
        assert!((same - 0.58).abs() < 0.01, "masks agree on {same}");
        for (i, (&y, &v)) in ya.iter().zip(&x).enumerate() {
            let want = if a.keeps(i as u32) { v * a.scale } else { 0.0 };
            assert_eq!(y, want, "element {i}");
        }
    }
}

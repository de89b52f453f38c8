//! Branch-free f32 math for the flex kernels (`exp`, a masked softmax row and its backward),
//! written so that the loops vectorise; on x86-64 the row functions are compiled a second time
//! with AVX2 and FMA and picked at run time.
//!
//! libm's scalar `expf` per element kept the attention kernels' softmax from vectorising (about a
//! tenth of the 90M encoder's time, `BENCHMARKS.md`).

use crate::flex_tensors::has_avx2_fma;

/// Lanes of the accumulators: two AVX2 registers of f32 (independent sums hide the adds'
/// latency).
pub const LANES: usize = 16;

/// `exp(x)` for `x <= 0` (the shifted logits of a softmax), relative error below 2e-7
/// (Cephes' `expf` polynomial on `x = k·ln 2 + r`, `|r| <= ln 2 / 2`). Inputs below −87 give
/// `exp(−87)` ≈ 1.6e-38 instead of a denormal; NaN stays NaN.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // A comparison instead of `max`, so that NaN passes through.
    let x = if x < -87.0 { -87.0 } else { x };
    let shifted = x * LOG2E + ROUND;
    let k = shifted - ROUND;
    // The bits of 2^k (wrapping: a NaN's bits are garbage here, and the result is NaN anyway).
    let two_to_k = f32::from_bits(
        shifted
            .to_bits()
            .wrapping_sub(ROUND.to_bits())
            .wrapping_add(127)
            << 23,
    );
    let r = x - k * LN2_HI - k * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let exp_r = p * r * r + r + 1.0;
    exp_r * two_to_k
}

/// `a·b + c`, fused when the caller is compiled with FMA (without it `mul_add` is a libm call).
#[inline(always)]
pub fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// `y += a·x`.
#[inline(always)]
pub fn axpy<const FMA: bool>(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = madd::<FMA>(a, x, *y);
    }
}

/// `Σ a_i·b_i` over the shorter slice, in [LANES] independent lanes (a plain `sum += …` over
/// floats is never reordered, so never vectorised).
#[inline(always)]
pub fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (xa, xb) in ca.zip(cb) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(xa).zip(xb) {
            *lane = madd::<FMA>(x, y, *lane);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// `Σ x`, in [LANES] independent lanes.
#[inline(always)]
pub fn sum_lanes(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (s, &v) in lanes.iter_mut().zip(chunk) {
            *s += v;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The largest element (−∞ for an empty slice; NaNs are passed over), in [LANES] independent
/// lanes. A comparison rather than `f32::max`, which compiles to a NaN-checking sequence.
#[inline(always)]
pub fn max_lanes(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    lanes
        .iter()
        .chain(tail)
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v))
}

#[inline(always)]
fn softmax_row_portable(row: &mut [f32], scale: f32, mask: &[u8]) {
    for (x, &masked) in row.iter_mut().zip(mask) {
        *x = if masked != 0 {
            f32::NEG_INFINITY
        } else {
            *x * scale
        };
    }
    let max = max_lanes(row);
    if max == f32::NEG_INFINITY {
        row.fill(0.0);
        return;
    }
    let mut lanes = [0.0f32; LANES];
    let mut chunks = row.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        for (s, x) in lanes.iter_mut().zip(chunk) {
            *x = exp_nonpositive(*x - max);
            *s += *x;
        }
    }
    let mut sum: f32 = 0.0;
    for x in chunks.into_remainder() {
        *x = exp_nonpositive(*x - max);
        sum += *x;
    }
    // Masked positions are exactly 0 (the clamped exp leaves e⁻⁸⁷ there), as in a softmax over
    // −∞; they are added to the sum before, which their size cannot change.
    let inv = 1.0 / (sum + lanes.iter().sum::<f32>());
    for (x, &masked) in row.iter_mut().zip(mask) {
        *x = if masked != 0 { 0.0 } else { *x * inv };
    }
}

#[inline(always)]
fn softmax_backward_row_portable<const FMA: bool>(dp: &mut [f32], p: &[f32], scale: f32) {
    let dot = dot::<FMA>(dp, p);
    for (x, &pj) in dp.iter_mut().zip(p) {
        *x = pj * (*x - dot) * scale;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn softmax_row_avx2(row: &mut [f32], scale: f32, mask: &[u8]) {
    softmax_row_portable(row, scale, mask);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn softmax_backward_row_avx2(dp: &mut [f32], p: &[f32], scale: f32) {
    softmax_backward_row_portable::<true>(dp, p, scale);
}

/// `row ← softmax(row · scale)` over the positions where `mask` is 0, in place; masked
/// positions become 0, and a fully masked row becomes zeros (as burn's `attention`).
///
/// # Panics
/// If `mask` is shorter than `row`.
pub fn softmax_row(row: &mut [f32], scale: f32, mask: &[u8]) {
    assert!(
        mask.len() >= row.len(),
        "softmax_row: mask shorter than row"
    );
    let mask = &mask[..row.len()];
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked above).
        unsafe { softmax_row_avx2(row, scale, mask) };
        return;
    }
    softmax_row_portable(row, scale, mask);
}

/// The scores' gradient of a softmax row, in place: `dp ← p ⊙ (dp − Σ dp ⊙ p) · scale`, with
/// `p` the row's probabilities and `dp` their gradient.
///
/// # Panics
/// If the lengths differ.
pub fn softmax_backward_row(dp: &mut [f32], p: &[f32], scale: f32) {
    assert_eq!(dp.len(), p.len(), "softmax_backward_row: lengths");
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked above).
        unsafe { softmax_backward_row_avx2(dp, p, scale) };
        return;
    }
    softmax_backward_row_portable::<false>(dp, p, scale);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against an f64 softmax, with masked positions, lengths around the lane count, and a fully
    /// masked row.
    #[test]
    fn softmax_row_matches_f64() {
        for len in [1usize, 7, 8, 9, 16, 37, 160] {
            let values: Vec<f32> = (0..len)
                .map(|i| ((i * 7919) % 101) as f32 / 10.0 - 5.0)
                .collect();
            let mask: Vec<u8> = (0..len).map(|i| u8::from(len > 1 && i % 5 == 3)).collect();
            let scale = 0.37f32;
            let mut row = values.clone();
            softmax_row(&mut row, scale, &mask);
            let max = values
                .iter()
                .zip(&mask)
                .filter(|(_, m)| **m == 0)
                .map(|(&v, _)| v as f64 * scale as f64)
                .fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = values
                .iter()
                .zip(&mask)
                .map(|(&v, &m)| {
                    if m != 0 {
                        0.0
                    } else {
                        (v as f64 * scale as f64 - max).exp()
                    }
                })
                .collect();
            let sum: f64 = exps.iter().sum();
            for (i, (&got, want)) in row.iter().zip(&exps).enumerate() {
                let want = want / sum;
                assert!(
                    (got as f64 - want).abs() <= 2e-7 + 2e-6 * want,
                    "len {len}, position {i}: {got} vs {want}"
                );
                if mask[i] != 0 {
                    assert_eq!(got, 0.0, "len {len}: masked position {i} not zero");
                }
            }
        }
        let mut row = vec![1.0f32; 9];
        softmax_row(&mut row, 1.0, &[1; 9]);
        assert_eq!(row, vec![0.0; 9]);
    }

    /// Against the formula in f64, at lengths around the lane count.
    #[test]
    fn softmax_backward_row_matches_f64() {
        for len in [1usize, 8, 13, 160] {
            let p: Vec<f32> = (0..len).map(|i| (1 + i % 7) as f32 / 40.0).collect();
            let g: Vec<f32> = (0..len)
                .map(|i| ((i * 31) % 17) as f32 / 8.0 - 1.0)
                .collect();
            let mut dp = g.clone();
            softmax_backward_row(&mut dp, &p, 0.5);
            let dot: f64 = g.iter().zip(&p).map(|(&a, &b)| a as f64 * b as f64).sum();
            for i in 0..len {
                let want = p[i] as f64 * (g[i] as f64 - dot) * 0.5;
                assert!(
                    (dp[i] as f64 - want).abs() < 1e-6,
                    "len {len}, {i}: {} vs {want}",
                    dp[i]
                );
            }
        }
    }

    #[test]
    fn exp_matches_libm_over_the_softmax_range() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 0.0 {
            let got = exp_nonpositive(x) as f64;
            let want = (x as f64).exp();
            worst = worst.max(((got - want) / want).abs());
            x += 0.001_37;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
        assert!(exp_nonpositive(-1e30) < 2e-38);
    }
}

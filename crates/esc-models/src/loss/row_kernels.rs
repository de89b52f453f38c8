//! Row kernels of the fused cross-entropy on plain `f32` slices: log-sum-exp of a logit row, and
//! the gradient `(softmax(row) − one_hot(label)) · g` written in one pass.
//!
//! The loops are written over fixed 16-wide chunks with per-lane accumulators so that LLVM
//! vectorises them (a plain `sum += …` over floats is never reordered, so never vectorised), and
//! `exp` is a polynomial that vectorises (libm's `expf` is a scalar call per element). On x86-64
//! the same code is compiled a second time with AVX2 enabled and chosen at run time.

/// Lanes per chunk: two AVX2 registers, four SSE registers.
const LANES: usize = 16;

/// `exp(x)` for `x <= 0` (the shifted logits of a softmax), relative error below 2e-7
/// (Cephes' `expf` polynomial on `x = k·ln 2 + r`, `|r| <= ln 2 / 2`). Inputs below −87 give
/// `exp(−87)` ≈ 1.6e-38 instead of a denormal; NaN stays NaN.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
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

#[inline(always)]
fn max_body(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            // `>` rather than `max`: a NaN logit must not be skipped (it poisons the sum later).
            *lane = if x > *lane { x } else { *lane };
        }
    }
    lanes
        .iter()
        .chain(tail)
        .fold(f32::NEG_INFINITY, |m, &x| m.max(x))
}

#[inline(always)]
fn sum_exp_body(row: &[f32], shift: f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += exp_nonpositive(x - shift);
        }
    }
    let tail_sum: f32 = tail.iter().map(|&x| exp_nonpositive(x - shift)).sum();
    lanes.iter().sum::<f32>() + tail_sum
}

#[inline(always)]
fn softmax_scaled_body(row: &[f32], log_sum_exp: f32, scale: f32, out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(row) {
        *o = exp_nonpositive(x - log_sum_exp) * scale;
    }
}

#[inline(always)]
fn log_sum_exp_body(row: &[f32]) -> f32 {
    let max = max_body(row);
    if max == f32::NEG_INFINITY {
        // All −inf (or an empty row): log(0). Shifting by −inf would give NaN instead.
        return f32::NEG_INFINITY;
    }
    max + sum_exp_body(row, max).ln()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn log_sum_exp_avx2(row: &[f32]) -> f32 {
    log_sum_exp_body(row)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn softmax_scaled_avx2(row: &[f32], log_sum_exp: f32, scale: f32, out: &mut [f32]) {
    softmax_scaled_body(row, log_sum_exp, scale, out)
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    // `is_x86_feature_detected!` caches its answer after the first call.
    std::arch::is_x86_feature_detected!("avx2")
}

/// `log Σ exp(row)`, stable for any finite row; `−inf` for an empty or all-`−inf` row; NaN if
/// the row holds a NaN.
pub fn log_sum_exp(row: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { log_sum_exp_avx2(row) };
    }
    log_sum_exp_body(row)
}

/// Writes `exp(row − log_sum_exp) · scale` (the softmax of `row`, scaled) into `out`.
///
/// # Panics
/// If `out` and `row` differ in length.
pub fn softmax_scaled(row: &[f32], log_sum_exp: f32, scale: f32, out: &mut [f32]) {
    assert_eq!(row.len(), out.len(), "softmax_scaled: row and out lengths");
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { softmax_scaled_avx2(row, log_sum_exp, scale, out) };
    }
    softmax_scaled_body(row, log_sum_exp, scale, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: the same formula in f64 with libm's `exp`.
    fn log_sum_exp_f64(row: &[f32]) -> f64 {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x as f64));
        max + row
            .iter()
            .map(|&x| (x as f64 - max).exp())
            .sum::<f64>()
            .ln()
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

    #[test]
    fn log_sum_exp_matches_f64_on_rows_of_every_tail_length() {
        for len in [1usize, 15, 16, 17, 33, 1000, 54_944] {
            let row: Vec<f32> = (0..len)
                .map(|i| ((i * 7919 % 1013) as f32 / 1013.0 - 0.5) * 40.0)
                .collect();
            let got = log_sum_exp(&row) as f64;
            let want = log_sum_exp_f64(&row);
            assert!(
                (got - want).abs() < 1e-5 * want.abs().max(1.0),
                "len {len}: {got} vs {want}"
            );
            assert_eq!(
                log_sum_exp_body(&row),
                log_sum_exp(&row),
                "len {len}: AVX2 and portable"
            );
        }
    }

    #[test]
    fn log_sum_exp_edge_rows() {
        assert_eq!(log_sum_exp(&[]), f32::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f32::NEG_INFINITY; 3]), f32::NEG_INFINITY);
        assert!((log_sum_exp(&[1e30, 0.0]) - 1e30).abs() <= 1e23);
        assert!(log_sum_exp(&[0.0, f32::NAN, 1.0]).is_nan());
        // One −inf entry among finite ones contributes nothing.
        let with_minus_inf = log_sum_exp(&[0.0, f32::NEG_INFINITY]);
        assert!(with_minus_inf.abs() < 1e-6, "{with_minus_inf}");
    }

    #[test]
    fn softmax_scaled_sums_to_scale() {
        let row: Vec<f32> = (0..101).map(|i| (i as f32).sin() * 5.0).collect();
        let lse = log_sum_exp(&row);
        let mut out = vec![0.0; row.len()];
        softmax_scaled(&row, lse, 0.25, &mut out);
        let total: f32 = out.iter().sum();
        assert!((total - 0.25).abs() < 1e-6, "{total}");
        for (o, &x) in out.iter().zip(&row) {
            let want = ((x as f64 - lse as f64).exp() * 0.25) as f32;
            assert!((o - want).abs() <= 1e-6 * want.max(1e-3), "{o} vs {want}");
        }
    }
}

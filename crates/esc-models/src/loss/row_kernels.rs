//! Row kernels of the fused cross-entropy on plain `f32` slices: log-sum-exp of a logit row, and
//! the gradient `(softmax(row) − one_hot(label)) · g` written in one pass.
//!
//! The loops are written over fixed 16-wide chunks with per-lane accumulators so that LLVM
//! vectorises them (a plain `sum += …` over floats is never reordered, so never vectorised), and
//! `exp` is a polynomial that vectorises (libm's `expf` is a scalar call per element). On x86-64
//! the same code is compiled a second time with AVX2 enabled and chosen at run time.

use star_core::flex_math::{LANES, exp_nonpositive, max_lanes};

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
    let max = max_lanes(row);
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

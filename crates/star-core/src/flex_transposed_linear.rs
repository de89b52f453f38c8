//! `x·Wᵀ + b` for a few rows of `x` on flex without autodiff, with `W` stored one output per row
//! (`[n, d]`), on CPUs with AVX-512 (see [`crate::transposed_linear`] for when it is used).
//!
//! A decoding step multiplies a handful of rows (one per sequence) by every weight of the layer,
//! so the product is bound by how fast the weights stream past. A general matrix product packs
//! the weights into panels first, every step; here they are read once, in order:
//! - lanes run over the rows of `x`: `xᵀ` is laid out `[d][16]`, zero-padded, and each weight is
//!   broadcast against it. A block of 16 weight rows keeps its 16 × 16 outputs in 16 registers
//!   and needs no horizontal sums;
//! - each block prefetches the next one (the next 16 rows, contiguous) while it runs: the 16
//!   short streams of a block (1 KiB each for `d` = 256) otherwise outrun the hardware
//!   prefetcher (the small model's LM head: 5.5 ms per step without, 3.6 ms with).
//!
//! The same loop in portable code, compiled with AVX2 and FMA (4 weight rows × 2 registers),
//! was slower than the paths it replaces (the small model's LM head at batch 16: 0.45 s per
//! generation against gemm's 0.35 s), so CPUs without AVX-512 keep those.

use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, TensorMetadata, backend_extension};
use rayon::prelude::*;

use crate::flex_tensors::{
    assume_init_f32s, contiguous, f32s, fill_chunks, from_f32s, has_avx512f, uninit_f32s,
};

/// The most rows of `x`: one AVX-512 register of f32 lanes.
pub(crate) const MAX_ROWS: usize = 16;

/// The transposed-weight product a backend supplies.
#[backend_extension(Flex)]
pub trait TransposedLinearOps: Backend {
    /// `x·wᵀ + bias`: `x` `[m, d]` with `m` ≤ 16, `w` `[n, d]`, `bias` `[n]` → `[m, n]`.
    fn transposed_linear(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `wᵀ` laid out in its own order: `w` `[rows, cols]` → `[cols, rows]`.
    fn transpose_copy(w: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl TransposedLinearOps for Flex {
    fn transposed_linear(x: FlexTensor, w: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let (x, w, bias) = (contiguous(x), contiguous(w), contiguous(bias));
        let ([m, d], [n, dw]) = (x.shape().dims::<2>(), w.shape().dims::<2>());
        assert_eq!(
            d, dw,
            "transposed linear: x has {d} columns, the weight rows {dw}"
        );
        let out = forward(f32s(&x), f32s(&w), f32s(&bias), (m, d, n));
        from_f32s(out, [m, n])
    }

    fn transpose_copy(w: FlexTensor) -> FlexTensor {
        let w = contiguous(w);
        let [rows, cols] = w.shape().dims::<2>();
        from_f32s(transpose(f32s(&w), rows, cols), [cols, rows])
    }
}

/// Weight rows that one register block accumulates: 16 AVX-512 registers.
const BLOCK: usize = 16;
/// Weight rows per task at most: a few hundred keep tasks long next to their dispatch.
const MAX_ROWS_PER_TASK: usize = 512;
/// Tasks per product at least, where the weight has the rows (for balance over the threads).
const MIN_TASKS: usize = 8;
/// Multiply-adds of one lane row (`n · d`) below which the product stays on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// Output rows per task of [transpose]: the rows' 64-byte pieces of each input row are
/// read once, and the task writes its rows in order.
const TRANSPOSE_ROWS: usize = 16;

/// `w` `[rows, cols]` transposed to `[cols, rows]`, in parallel over blocks of output rows
/// (burn-flex's copy of a transposed view took 55-65 ms for the 90M decoder's weights).
pub(crate) fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    assert!(
        w.len() >= rows * cols,
        "transpose: {} values for {rows}×{cols}",
        w.len()
    );
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    fill_chunks(rows * cols, TRANSPOSE_ROWS * rows, |start, out| {
        let (c0, width) = (start / rows, out.len() / rows);
        for (r, row) in w.chunks_exact(cols).take(rows).enumerate() {
            for (j, &v) in row[c0..c0 + width].iter().enumerate() {
                out[j * rows + r].write(v);
            }
        }
    })
}

/// The output pointer that the tasks share: each writes its own columns.
#[derive(Clone, Copy)]
struct Output(*mut f32);
// SAFETY: tasks write disjoint columns of the output, which outlives them (see [forward]).
unsafe impl Send for Output {}
// SAFETY: as above.
unsafe impl Sync for Output {}

/// `x·wᵀ + bias` on slices: `x` `[m, d]`, `w` `[n, d]`, `bias` `[n]`.
///
/// # Panics
/// If `m` exceeds [MAX_ROWS], the CPU has no AVX-512, or a slice is shorter than its shape.
pub(crate) fn forward(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    (m, d, n): (usize, usize, usize),
) -> Vec<f32> {
    assert!(
        m <= MAX_ROWS,
        "transposed linear: {m} rows, at most {MAX_ROWS}"
    );
    assert!(has_avx512f(), "transposed linear: the kernel needs AVX-512");
    assert!(
        x.len() >= m * d && w.len() >= n * d && bias.len() >= n,
        "transposed linear: operand sizes"
    );
    let mut xt = vec![0.0f32; d * MAX_ROWS];
    for (r, row) in x.chunks_exact(d.max(1)).take(m).enumerate() {
        for (k, &v) in row.iter().enumerate() {
            xt[k * MAX_ROWS + r] = v;
        }
    }
    let mut out = uninit_f32s(m * n);
    let output = Output(out.as_mut_ptr().cast::<f32>());
    let rows_per_task = (n / MIN_TASKS)
        .next_multiple_of(BLOCK)
        .clamp(BLOCK, MAX_ROWS_PER_TASK);
    let tasks = n.div_ceil(rows_per_task);
    let run = |task: usize| {
        let rows = task * rows_per_task..((task + 1) * rows_per_task).min(n);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512 (asserted above); `xt` holds `d` lane rows, `w` `n` rows
        // of `d`, `bias` `n` values, and `output` `m` rows of `n`, of which the task writes
        // columns `rows` only.
        unsafe {
            rows_avx512(&xt, w, bias, (m, d, n), rows, output)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (rows, output);
    };
    if tasks > 1 && n * d >= PARALLEL_MIN_WORK {
        (0..tasks).into_par_iter().for_each(run);
    } else {
        (0..tasks).for_each(run);
    }
    // SAFETY: the tasks wrote every column of every row.
    unsafe { assume_init_f32s(out) }
}

/// Output columns `rows` (rows of `w`) of every row of `x`.
///
/// # Safety
/// The CPU must have AVX-512; the slices must hold their shapes (see [forward]) and `out` `m`
/// rows of `n` writable floats.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn rows_avx512(
    xt: &[f32],
    w: &[f32],
    bias: &[f32],
    (m, d, n): (usize, usize, usize),
    rows: std::ops::Range<usize>,
    out: Output,
) {
    let mut v = rows.start;
    while v + BLOCK <= rows.end {
        // SAFETY: rows `v..v + BLOCK` of `w` exist; the caller's guarantees for the rest.
        unsafe { block_avx512::<BLOCK>(xt, w, bias, (m, d, n), v, out) };
        v += BLOCK;
    }
    while v < rows.end {
        // SAFETY: as above, for row `v`.
        unsafe { block_avx512::<1>(xt, w, bias, (m, d, n), v, out) };
        v += 1;
    }
}

/// Writes the lanes of output columns `v..v + J`, plus their bias, into the `m` rows.
///
/// # Safety
/// `out` must hold `m` rows of `n` writable floats and `v + J <= n`.
#[inline(always)]
unsafe fn write_block<const J: usize>(
    lanes: &[[f32; MAX_ROWS]; J],
    bias: &[f32],
    (m, n): (usize, usize),
    v: usize,
    out: Output,
) {
    for r in 0..m {
        for (j, lanes) in lanes.iter().enumerate() {
            // SAFETY: row `r < m`, column `v + j < n`: inside the output.
            unsafe { *out.0.add(r * n + v + j) = lanes[r] + bias[v + j] };
        }
    }
}

/// Output columns `v..v + J` of every row of `x`: `J` accumulators of 16 lanes (one lane per
/// row of `x`), each weight broadcast once.
///
/// # Safety
/// As [rows_avx512], with rows `v..v + J` of `w` in range.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn block_avx512<const J: usize>(
    xt: &[f32],
    w: &[f32],
    bias: &[f32],
    (m, d, n): (usize, usize, usize),
    v: usize,
    out: Output,
) {
    use std::arch::x86_64::*;
    let wp = w[v * d..(v + J) * d].as_ptr();
    let xp = xt.as_ptr();
    let mut acc = [_mm512_setzero_ps(); J];
    for k in 0..d {
        // SAFETY: `xt` holds `d` lane rows of 16; row `j` of the block holds `d` floats. The
        // prefetch address may lie past the weights (hence `wrapping_add`): prefetches never fault.
        unsafe {
            let xk = _mm512_loadu_ps(xp.add(k * MAX_ROWS));
            if J == BLOCK {
                _mm_prefetch::<_MM_HINT_T0>(wp.wrapping_add(J * d + k * 16).cast::<i8>());
            }
            for (j, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(xk, _mm512_set1_ps(*wp.add(j * d + k)), *acc);
            }
        }
    }
    let mut lanes = [[0.0f32; MAX_ROWS]; J];
    for (lanes, acc) in lanes.iter_mut().zip(acc) {
        // SAFETY: `lanes` holds 16 floats.
        unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), acc) };
    }
    // SAFETY: the caller's guarantees.
    unsafe { write_block(&lanes, bias, (m, n), v, out) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_values::{assert_close, pattern};

    /// The kernel against an f64 product, for row counts from 1 to 16, widths that leave
    /// tails of weight rows, and enough rows for several tasks. Without AVX-512 the public path
    /// does not take the kernel (`transposed_linear`'s tests cover the path it takes).
    #[test]
    fn matches_f64_product() {
        if !has_avx512f() {
            eprintln!("no AVX-512 on this CPU: the kernel is not used here, nor tested");
            return;
        }
        for (m, d, n) in [
            (1, 1, 1),
            (2, 3, 17),
            (5, 64, 300),
            (16, 257, 33),
            (16, 256, 4099),
            (9, 100, 1),
        ] {
            let x: Vec<f32> = (0..m * d).map(pattern).collect();
            let w: Vec<f32> = (0..n * d).map(|i| pattern(i + 13)).collect();
            let bias: Vec<f32> = (0..n).map(|i| pattern(i + 101)).collect();
            let got = forward(&x, &w, &bias, (m, d, n));
            assert_eq!(got.len(), m * n);
            for r in 0..m {
                for j in 0..n {
                    let want: f64 = (0..d)
                        .map(|k| x[r * d + k] as f64 * w[j * d + k] as f64)
                        .sum::<f64>()
                        + bias[j] as f64;
                    assert_close(got[r * n + j], want, format!("{m}x{d}·{n} at ({r}, {j})"));
                }
            }
        }
    }

    #[test]
    fn transpose_matches_indexing() {
        for (rows, cols) in [(1, 1), (3, 40), (37, 5), (64, 33), (0, 4)] {
            let w: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let t = transpose(&w, rows, cols);
            assert_eq!(t.len(), rows * cols);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(
                        t[c * rows + r],
                        w[r * cols + c],
                        "{rows}×{cols} at ({r}, {c})"
                    );
                }
            }
        }
    }
}

//! The linear layer for many rows on the flex backend: the rows above
//! [`MAX_ROWS`](crate::row_linear::MAX_ROWS) of [`crate::row_linear`]'s backend extension.
//!
//! Under autodiff `Linear::forward` is a `matmul` and a bias add, and its backward two more
//! `matmul`s and a sum: burn-flex zero-fills every product's output before gemm overwrites it,
//! and the bias add and its gradient are passes of their own. Here the output starts as the
//! bias rows and gemm accumulates onto it; the backward's products write into uninitialised
//! outputs (gemm does not read them).

use gemm::Parallelism;

use crate::flex_tensors::{assume_init_f32s, column_sums, repeat_row, uninit_f32s};

/// Multiply-adds from which gemm runs on the rayon threads (as burn-flex decides).
const PARALLEL_MIN_WORK: usize = 1 << 18;

/// `dst = a·b` (or `dst += a·b` with `accumulate`): `a` `[m, k]` and `b` `[k, n]` with (row,
/// column) strides, `dst` `[m, n]` row-major.
///
/// # Safety
/// `dst` must be valid for `m · n` writes (and reads with `accumulate`); every index of `a` and
/// `b` that the strides reach must be inside them.
unsafe fn product(
    dst: *mut f32,
    (m, n, k): (usize, usize, usize),
    (a, a_rs, a_cs): (*const f32, usize, usize),
    (b, b_rs, b_cs): (*const f32, usize, usize),
    accumulate: bool,
) {
    let parallelism = if m * n * k >= PARALLEL_MIN_WORK {
        Parallelism::Rayon(0)
    } else {
        Parallelism::None
    };
    // SAFETY: the caller's contract.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            a,
            a_cs as isize,
            a_rs as isize,
            b,
            b_cs as isize,
            b_rs as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `len` floats that `fill` writes in full through the pointer, without initialising them first.
fn written_by(len: usize, fill: impl FnOnce(*mut f32)) -> Vec<f32> {
    let mut out = uninit_f32s(len);
    fill(out.as_mut_ptr().cast::<f32>());
    // SAFETY: `fill` wrote all `len` elements (the callers' gemm calls cover `m · n` of them).
    unsafe { assume_init_f32s(out) }
}

/// `x·w + b` on slices: `x` `[m, k]`, `w` `[k, n]`, `b` `[n]`, `k > 0`.
pub(crate) fn forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) -> Vec<f32> {
    assert!(
        k > 0 && x.len() == m * k && w.len() == k * n && b.len() == n,
        "linear: sizes"
    );
    let mut out = repeat_row(b, m);
    // SAFETY: `out` holds m·n floats; `x` and `w` are exactly [m, k] and [k, n] row-major.
    unsafe {
        product(
            out.as_mut_ptr(),
            (m, n, k),
            (x.as_ptr(), k, 1),
            (w.as_ptr(), n, 1),
            true,
        );
    }
    out
}

/// `(dx [m, k], dw [k, n], db [n])` for the output gradient `g` `[m, n]`, `m, k, n > 0`.
pub(crate) fn backward(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    (m, k, n): (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    assert!(m > 0 && k > 0 && n > 0, "linear backward: empty");
    assert!(
        x.len() == m * k && w.len() == k * n && g.len() == m * n,
        "linear backward: sizes"
    );
    // SAFETY (both products): the outputs get exactly their m·k and k·n elements; the strides
    // below read `g` as [m, n], `w` as its transpose [n, k], `x` as its transpose [k, m].
    let dx = written_by(m * k, |dx| unsafe {
        product(dx, (m, k, n), (g.as_ptr(), n, 1), (w.as_ptr(), 1, n), false)
    });
    let dw = written_by(k * n, |dw| unsafe {
        product(dw, (k, n, m), (x.as_ptr(), 1, k), (g.as_ptr(), n, 1), false)
    });
    (dx, dw, column_sums(g, n))
}

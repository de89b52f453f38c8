//! A linear layer over a few rows on the flex backend, forward and backward, as a burn backend
//! extension with its own autodiff node (see [`crate::row_linear`] for when it is used). More
//! rows than [`MAX_ROWS`](crate::row_linear::MAX_ROWS) go to `flex_gemm_linear.rs`.
//!
//! With a handful of rows, `x·W` is bound by reading `W` once, and its backward by reading `W`
//! once more and writing `dW` once. A general matrix product packs `W` into panels first (an
//! extra read and write of every weight, forward and backward), which is most of the time at
//! these shapes. Here the forward streams `W` row by row into the few output rows (split into
//! blocks of rows, one task each), and the backward makes a single pass over the rows of `W`
//! that writes each row of `dW` and the matching column of `dx` together. On x86-64 the loops
//! are compiled a second time with AVX2 and FMA, chosen at run time.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};
use rayon::prelude::*;
use std::mem::MaybeUninit;

use crate::flex_math::{LANES, axpy, dot, madd};
use crate::flex_tensors::{
    assume_init_f32s, column_sums, contiguous, f32s, from_f32s, has_avx2_fma, has_avx512f,
    repeat_row, uninit_f32s,
};

/// The few-row linear operations a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait RowLinearOps: Backend {
    /// `x·w + b`: `x` `[m, k]`, `w` `[k, n]`, `b` `[n]` → `[m, n]`.
    fn row_linear(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `(dx, dw, db)` for the output gradient `g` `[m, n]`.
    fn row_linear_backward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Blocks of rows of `W` in the forward pass (a few per thread, for balance).
const FORWARD_TASKS: usize = 8;
/// Multiply-adds below which a product runs on the calling thread: waking the worker threads
/// costs more than it saves (decoding at batch 1 multiplies one row per step).
const PARALLEL_MIN_WORK: usize = 1 << 20;
/// Rows of `W` per backward task.
const ROWS_PER_TASK: usize = 16;
/// Columns per tile: `m` rows of a tile of `g` or of the output stay in L1 (16 × 2 KiB).
const TILE: usize = 512;
/// Output rows and columns that the forward pass accumulates in registers: 4 × 2 AVX2 registers,
/// so each loaded piece of `W` serves four rows.
const ROW_BLOCK: usize = 4;
/// See [ROW_BLOCK].
const COL_BLOCK: usize = 16;
/// Whether an `[m, k]·[k, n]` product is worth the worker threads.
fn parallel(m: usize, k: usize, n: usize) -> bool {
    m * k * n >= PARALLEL_MIN_WORK
}

/// Which compilation of the loops runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    /// AVX-512 intrinsics ([forward_rows_avx512], [backward_rows_avx512]).
    Avx512,
    /// The portable loops compiled with AVX2 and FMA.
    Avx2,
    /// The portable loops.
    Portable,
}

impl Path {
    /// The fastest this CPU runs.
    fn best() -> Self {
        if has_avx512f() {
            Path::Avx512
        } else if has_avx2_fma() {
            Path::Avx2
        } else {
            Path::Portable
        }
    }

    /// Whether this CPU can run it.
    #[cfg(test)]
    fn available(self) -> bool {
        match self {
            Path::Avx512 => has_avx512f(),
            Path::Avx2 => has_avx2_fma(),
            Path::Portable => true,
        }
    }
}

/// `y += a·g` and `Σ g_i·w_i` in one pass over `g` (per-lane accumulators, so that it
/// vectorises).
#[inline(always)]
fn axpy_dot<const FMA: bool>(y: &mut [f32], a: f32, g: &[f32], w: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let split = g.len() - g.len() % LANES;
    let (y_body, y_tail) = y.split_at_mut(split);
    for ((y, g), w) in y_body
        .chunks_exact_mut(LANES)
        .zip(g.chunks_exact(LANES))
        .zip(w.chunks_exact(LANES))
    {
        for i in 0..LANES {
            y[i] = madd::<FMA>(a, g[i], y[i]);
            lanes[i] = madd::<FMA>(g[i], w[i], lanes[i]);
        }
    }
    let mut tail = 0.0;
    for ((y, &g), &w) in y_tail.iter_mut().zip(&g[split..]).zip(&w[split..]) {
        *y = madd::<FMA>(a, g, *y);
        tail += g * w;
    }
    lanes.iter().sum::<f32>() + tail
}

/// One forward block of rows `k0..k0 + kb` of `W`: `out` `[m, n]` = `x[:, k0..]·w[k0.., :]`,
/// written without reading `out` first. Whole groups of [ROW_BLOCK] rows and [COL_BLOCK]
/// columns accumulate in registers over all of the block's rows of `W` and are stored once; the
/// edges go through [forward_rows_axpy].
#[inline(always)]
fn forward_rows<const FMA: bool>(
    x: &[f32],
    w: &[f32],
    (m, k, n): (usize, usize, usize),
    (k0, kb): (usize, usize),
    out: &mut [f32],
) {
    let (full_rows, full_cols) = (m - m % ROW_BLOCK, n - n % COL_BLOCK);
    // Column blocks outside, so that the row groups reuse a block's strip of `W` (`kb` × 64
    // bytes) from cache. (Its rows are `n` floats apart and share L1 sets; copying the strip to
    // contiguous memory first was measured slower at 4 rows: BENCHMARKS.md, rung 4.)
    for c0 in (0..full_cols).step_by(COL_BLOCK) {
        for r0 in (0..full_rows).step_by(ROW_BLOCK) {
            let mut acc = [[0.0f32; COL_BLOCK]; ROW_BLOCK];
            for kk in k0..k0 + kb {
                let w_block = &w[kk * n + c0..kk * n + c0 + COL_BLOCK];
                for (r, acc) in acc.iter_mut().enumerate() {
                    let a = x[(r0 + r) * k + kk];
                    for (acc, &w) in acc.iter_mut().zip(w_block) {
                        *acc = madd::<FMA>(a, w, *acc);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                out[(r0 + r) * n + c0..(r0 + r) * n + c0 + COL_BLOCK].copy_from_slice(acc);
            }
        }
    }
    let shape = (m, k, n);
    forward_rows_axpy::<FMA>(x, w, shape, (k0, kb), (0..full_rows, full_cols..n), out);
    forward_rows_axpy::<FMA>(x, w, shape, (k0, kb), (full_rows..m, 0..n), out);
}

/// [forward_rows] on the output rectangle `rows × cols`, one `axpy` per row of `W` and output
/// row, one tile of columns at a time.
#[inline(always)]
fn forward_rows_axpy<const FMA: bool>(
    x: &[f32],
    w: &[f32],
    (_, k, n): (usize, usize, usize),
    (k0, kb): (usize, usize),
    (rows, cols): (std::ops::Range<usize>, std::ops::Range<usize>),
    out: &mut [f32],
) {
    for j0 in cols.clone().step_by(TILE) {
        let j1 = (j0 + TILE).min(cols.end);
        for kk in k0..k0 + kb {
            let w_tile = &w[kk * n + j0..kk * n + j1];
            for r in rows.clone() {
                let (a, out_tile) = (x[r * k + kk], &mut out[r * n + j0..r * n + j1]);
                if kk == k0 {
                    out_tile
                        .iter_mut()
                        .zip(w_tile)
                        .for_each(|(o, &w)| *o = a * w);
                } else {
                    axpy::<FMA>(out_tile, a, w_tile);
                }
            }
        }
    }
}

/// One backward block of rows `k0..` of `W`: `dw` rows (written without reading them first)
/// and `dxt` (`dx` transposed) rows, one tile of columns at a time, so that the tile of `g`
/// stays in cache while the rows of `W` pass.
#[inline(always)]
fn backward_rows<const FMA: bool>(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    (m, k, n): (usize, usize, usize),
    k0: usize,
    dw: &mut [MaybeUninit<f32>],
    dxt: &mut [f32],
) {
    let rows = dw.len() / n;
    dxt.fill(0.0);
    for j0 in (0..n).step_by(TILE) {
        let j1 = (j0 + TILE).min(n);
        for i in 0..rows {
            let kk = k0 + i;
            let w_tile = &w[kk * n + j0..kk * n + j1];
            let dw_tile = &mut dw[i * n + j0..i * n + j1];
            let (a, g_tile) = (x[kk], &g[j0..j1]);
            dw_tile.iter_mut().zip(g_tile).for_each(|(d, &g)| {
                d.write(a * g);
            });
            // SAFETY: every element of the tile was written just above; f32 and
            // MaybeUninit<f32> have the same layout.
            let dw_tile = unsafe { &mut *(dw_tile as *mut [MaybeUninit<f32>] as *mut [f32]) };
            dxt[i * m] += dot::<FMA>(g_tile, w_tile);
            for r in 1..m {
                let g_tile = &g[r * n + j0..r * n + j1];
                dxt[i * m + r] += axpy_dot::<FMA>(dw_tile, x[r * k + kk], g_tile, w_tile);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_rows_avx2(
    x: &[f32],
    w: &[f32],
    shape: (usize, usize, usize),
    rows: (usize, usize),
    out: &mut [f32],
) {
    forward_rows::<true>(x, w, shape, rows, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn backward_rows_avx2(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    shape: (usize, usize, usize),
    k0: usize,
    dw: &mut [MaybeUninit<f32>],
    dxt: &mut [f32],
) {
    backward_rows::<true>(x, w, g, shape, k0, dw, dxt)
}

/// Rows of `W` that [forward_rows_avx512] adds into the output per pass.
const AVX512_W_ROWS: usize = 8;

/// [forward_rows] with AVX-512, adding into `out` (zero on entry). It walks `W` in its own order,
/// [AVX512_W_ROWS] rows at a time: each 16-column piece of those rows is loaded once and added
/// into every output row, whose piece is loaded and stored once per pass. (The portable loop
/// walks 16-column strips of `W` down its rows, a new page every row or two: 23 GFLOP/s on
/// STAR's experts at batch 64.)
///
/// # Safety
/// The CPU must have AVX-512; `x` must hold `m` rows of `k`, `w` `k` rows of `n`, `out` `m`
/// rows of `n`, and `k0 + kb <= k`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn forward_rows_avx512(
    x: &[f32],
    w: &[f32],
    (m, k, n): (usize, usize, usize),
    (k0, kb): (usize, usize),
    out: &mut [f32],
) {
    let mut kk = k0;
    while kk + AVX512_W_ROWS <= k0 + kb {
        // SAFETY: rows `kk..kk + AVX512_W_ROWS` of `w` exist; the caller's guarantees.
        unsafe { forward_pass_avx512::<AVX512_W_ROWS>(x, w, (m, k, n), kk, out) };
        kk += AVX512_W_ROWS;
    }
    while kk < k0 + kb {
        // SAFETY: as above, for row `kk`.
        unsafe { forward_pass_avx512::<1>(x, w, (m, k, n), kk, out) };
        kk += 1;
    }
}

/// One pass of [forward_rows_avx512] over rows `kk..kk + R` of `W`.
///
/// # Safety
/// As [forward_rows_avx512], with rows `kk..kk + R` in range.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn forward_pass_avx512<const R: usize>(
    x: &[f32],
    w: &[f32],
    (m, k, n): (usize, usize, usize),
    kk: usize,
    out: &mut [f32],
) {
    use std::arch::x86_64::*;
    let (wp, xp, op) = (w.as_ptr(), x.as_ptr(), out.as_mut_ptr());
    let mut c = 0;
    while c < n {
        let mask = lanes_mask(n - c);
        // SAFETY (all blocks): row `kk + i < k` of `w`, row `r < m` of `x` and `out`, and
        // columns `c..c + 16` masked to `n`: inside the slices (the caller's guarantees).
        let pieces: [__m512; R] = std::array::from_fn(|i| unsafe {
            _mm512_maskz_loadu_ps(mask, wp.add((kk + i) * n + c))
        });
        for r in 0..m {
            unsafe {
                let o = op.add(r * n + c);
                let xr = xp.add(r * k + kk);
                let mut acc = _mm512_maskz_loadu_ps(mask, o);
                for (i, piece) in pieces.iter().enumerate() {
                    acc = _mm512_fmadd_ps(_mm512_set1_ps(*xr.add(i)), *piece, acc);
                }
                _mm512_mask_storeu_ps(o, mask, acc);
            }
        }
        c += 16;
    }
}

/// The mask of the first `min(left, 16)` lanes: a row's last piece may be narrower than 16.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes_mask(left: usize) -> std::arch::x86_64::__mmask16 {
    if left >= 16 { !0 } else { (1 << left) - 1 }
}

/// [backward_rows] with AVX-512: one pass over each row of `W` (in order) that writes its row
/// of `dW` and accumulates its column of `dx` in one register per output row, summed at the
/// end of the row. (The portable loop adds into `dW` once per output row: at 8 rows, 36
/// GFLOP/s on STAR's experts.)
///
/// # Safety
/// The CPU must have AVX-512; `m` at most 16; `x` must hold `m` rows of `k`, `w` `k` rows of
/// `n`, `g` `m` rows of `n`; `dw` whole rows of `n` from row `k0` and `dxt` as many rows of `m`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn backward_rows_avx512(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    (m, k, n): (usize, usize, usize),
    k0: usize,
    dw: &mut [MaybeUninit<f32>],
    dxt: &mut [f32],
) {
    use std::arch::x86_64::*;
    const MAX_M: usize = crate::row_linear::MAX_ROWS;
    assert!(m <= MAX_M, "row linear backward: {m} rows, at most {MAX_M}");
    let (wp, gp, dwp) = (w.as_ptr(), g.as_ptr(), dw.as_mut_ptr().cast::<f32>());
    for i in 0..dw.len() / n.max(1) {
        let kk = k0 + i;
        let xs: [f32; MAX_M] = std::array::from_fn(|r| if r < m { x[r * k + kk] } else { 0.0 });
        let mut dx = [_mm512_setzero_ps(); MAX_M];
        let mut c = 0;
        while c < n {
            let mask = lanes_mask(n - c);
            // SAFETY: row `kk < k` of `w`, rows `r < m` of `g`, row `i` of `dw` (written
            // here, never read), columns masked to `n` (the caller's guarantees).
            unsafe {
                let piece = _mm512_maskz_loadu_ps(mask, wp.add(kk * n + c));
                let mut dw_piece = _mm512_setzero_ps();
                for (r, dx) in dx.iter_mut().enumerate() {
                    if r < m {
                        let gr = _mm512_maskz_loadu_ps(mask, gp.add(r * n + c));
                        dw_piece = _mm512_fmadd_ps(_mm512_set1_ps(xs[r]), gr, dw_piece);
                        *dx = _mm512_fmadd_ps(gr, piece, *dx);
                    }
                }
                _mm512_mask_storeu_ps(dwp.add(i * n + c), mask, dw_piece);
            }
            c += 16;
        }
        for (r, dx) in dx.iter().take(m).enumerate() {
            dxt[i * m + r] = _mm512_reduce_add_ps(*dx);
        }
    }
}

/// `x·w + b` on slices: `x` `[m, k]`, `w` `[k, n]`, `b` `[n]`.
///
/// Each task streams a contiguous block of rows of `w` into its own partial `[m, n]` product
/// (small: `m` is at most a few dozen); the partial products are summed at the end.
pub(crate) fn forward(x: &[f32], w: &[f32], b: &[f32], shape: (usize, usize, usize)) -> Vec<f32> {
    forward_on(Path::best(), x, w, b, shape)
}

/// [forward] through a given compilation of the loops, which the CPU must support.
fn forward_on(
    path: Path,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) -> Vec<f32> {
    assert!(
        x.len() >= m * k && w.len() >= k * n && b.len() >= n,
        "row linear: operand sizes"
    );
    let run = |k0: usize, kb: usize| {
        let mut out = vec![0.0f32; m * n];
        match path {
            // SAFETY: `path` is one the CPU runs (the caller's guarantee); the slices hold
            // their shapes (asserted above) and `out` `m` rows of `n`.
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => unsafe { forward_rows_avx512(x, w, (m, k, n), (k0, kb), &mut out) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => unsafe { forward_rows_avx2(x, w, (m, k, n), (k0, kb), &mut out) },
            _ => forward_rows::<false>(x, w, (m, k, n), (k0, kb), &mut out),
        }
        out
    };
    let partials: Vec<Vec<f32>> = if parallel(m, k, n) {
        let block = k.div_ceil(FORWARD_TASKS).max(1);
        (0..k.div_ceil(block))
            .into_par_iter()
            .map(|task| run(task * block, block.min(k - task * block)))
            .collect()
    } else if k > 0 {
        vec![run(0, k)]
    } else {
        Vec::new()
    };
    let mut y = repeat_row(b, m);
    for partial in partials {
        y.iter_mut().zip(&partial).for_each(|(y, &p)| *y += p);
    }
    y
}

/// `(dx [m, k], dw [k, n], db [n])` on slices.
pub(crate) fn backward(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    shape: (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    backward_on(Path::best(), x, w, g, shape)
}

/// [backward] through a given compilation of the loops, which the CPU must support.
fn backward_on(
    path: Path,
    x: &[f32],
    w: &[f32],
    g: &[f32],
    (m, k, n): (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    assert!(m > 0, "row linear backward: no rows");
    assert!(
        x.len() >= m * k && w.len() >= k * n && g.len() >= m * n,
        "row linear backward: operand sizes"
    );
    // dw is written in full by the tasks (each row from the first example on), so it is not
    // zero-filled first: the fill took a sixth of the backward pass.
    let mut dw = uninit_f32s(k * n);
    let mut dxt = vec![0.0f32; k * m];
    let run = |(task, (dw, dxt)): (usize, (&mut [MaybeUninit<f32>], &mut [f32]))| {
        let k0 = task * ROWS_PER_TASK;
        match path {
            // SAFETY: `path` is one the CPU runs (the caller's guarantee); the slices hold
            // their shapes (asserted above), `dw` the task's rows of `n`, `dxt` of `m`.
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => unsafe { backward_rows_avx512(x, w, g, (m, k, n), k0, dw, dxt) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => unsafe { backward_rows_avx2(x, w, g, (m, k, n), k0, dw, dxt) },
            _ => backward_rows::<false>(x, w, g, (m, k, n), k0, dw, dxt),
        }
    };
    if parallel(m, k, n) {
        dw.par_chunks_mut(ROWS_PER_TASK * n)
            .zip(dxt.par_chunks_mut(ROWS_PER_TASK * m))
            .enumerate()
            .for_each(run);
    } else {
        dw.chunks_mut(ROWS_PER_TASK * n)
            .zip(dxt.chunks_mut(ROWS_PER_TASK * m))
            .enumerate()
            .for_each(run);
    }
    // SAFETY: the tasks wrote every element (the chunks cover `dw`).
    let dw = unsafe { assume_init_f32s(dw) };
    let mut dx = vec![0.0f32; m * k];
    for kk in 0..k {
        for r in 0..m {
            dx[r * k + kk] = dxt[kk * m + r];
        }
    }
    (dx, dw, column_sums(g, n))
}

/// A contiguous copy (or the tensor itself) with its two dimensions.
fn matrix(t: FlexTensor) -> (FlexTensor, [usize; 2]) {
    let t = contiguous(t);
    let dims = t.shape().dims::<2>();
    (t, dims)
}

impl RowLinearOps for Flex {
    fn row_linear(x: FlexTensor, w: FlexTensor, b: FlexTensor) -> FlexTensor {
        let (x, [m, k]) = matrix(x);
        let (w, [wk, n]) = matrix(w);
        let b = contiguous(b);
        assert_eq!(
            wk, k,
            "row linear: x is [{m}, {k}] but the weight [{wk}, {n}]"
        );
        assert_eq!(b.shape().num_elements(), n, "row linear: bias width");
        let out = if m > crate::row_linear::MAX_ROWS {
            crate::flex_gemm_linear::forward(f32s(&x), f32s(&w), f32s(&b), (m, k, n))
        } else {
            forward(f32s(&x), f32s(&w), f32s(&b), (m, k, n))
        };
        from_f32s(out, [m, n])
    }

    fn row_linear_backward(
        x: FlexTensor,
        w: FlexTensor,
        g: FlexTensor,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let (x, [m, k]) = matrix(x);
        let (w, [_, n]) = matrix(w);
        let (g, _) = matrix(g);
        let (dx, dw, db) = if m > crate::row_linear::MAX_ROWS {
            crate::flex_gemm_linear::backward(f32s(&x), f32s(&w), f32s(&g), (m, k, n))
        } else {
            backward(f32s(&x), f32s(&w), f32s(&g), (m, k, n))
        };
        (
            from_f32s(dx, [m, k]),
            from_f32s(dw, [k, n]),
            from_f32s(db, [n]),
        )
    }
}

/// Autodiff node of [RowLinearOps::row_linear]: keeps `x` and `w`.
#[derive(Debug)]
struct RowLinearBackward;

impl<B: Backend + RowLinearOps> Backward<B, 3> for RowLinearBackward {
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, w) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let (dx, dw, db) = B::row_linear_backward(x, w, grad);
        for (parent, grad) in ops.parents.into_iter().zip([dx, dw, db]) {
            if let Some(parent) = parent {
                grads.register::<B>(parent.id, grad);
            }
        }
    }
}

impl<B: Backend + RowLinearOps, C: CheckpointStrategy> RowLinearOps for Autodiff<B, C> {
    fn row_linear(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let (x, x_guard) = x.into_parts();
        let (w, w_guard) = w.into_parts();
        let (b, b_guard) = b.into_parts();
        let out = B::row_linear(x.clone(), w.clone(), b);
        match RowLinearBackward
            .prepare::<C>([x_guard, w_guard, b_guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((x, w), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn row_linear_backward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        // Second derivatives are not needed: the gradients are constants.
        let (dx, dw, db) = B::row_linear_backward(Self::inner(x), Self::inner(w), Self::inner(g));
        (
            Self::from_inner(dx),
            Self::from_inner(dw),
            Self::from_inner(db),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_values::{assert_close, pattern};

    /// Every compilation of the loops this CPU runs, forward and backward, against f64
    /// sums: 1 to 16 rows, widths that leave partial 16-column pieces, several tasks.
    #[test]
    fn every_path_matches_f64_sums() {
        let paths = [Path::Avx512, Path::Avx2, Path::Portable];
        let paths: Vec<Path> = paths.into_iter().filter(|p| p.available()).collect();
        assert!(paths.contains(&Path::Portable));
        // Σ a_i·b_i in f64.
        let dot = |pairs: &mut dyn Iterator<Item = (f32, f32)>| -> f64 {
            pairs.map(|(a, b)| a as f64 * b as f64).sum()
        };
        for path in paths {
            for (m, k, n) in [
                (1, 3, 5),
                (4, 37, 300),
                (8, 512, 2048),
                (16, 33, 17),
                (3, 2048, 45),
            ] {
                let x: Vec<f32> = (0..m * k).map(pattern).collect();
                let w: Vec<f32> = (0..k * n).map(|i| pattern(i + 7)).collect();
                let b: Vec<f32> = (0..n).map(|i| pattern(i + 3)).collect();
                let g: Vec<f32> = (0..m * n).map(|i| pattern(i + 11)).collect();
                let y = forward_on(path, &x, &w, &b, (m, k, n));
                let (dx, dw, db) = backward_on(path, &x, &w, &g, (m, k, n));
                let at = |what: &str| format!("{path:?} {m}x{k}x{n} {what}");
                for r in 0..m {
                    for j in 0..n {
                        let want = dot(&mut (0..k).map(|kk| (x[r * k + kk], w[kk * n + j])));
                        assert_close(y[r * n + j], want + b[j] as f64, at("y"));
                    }
                    for kk in 0..k {
                        let want = dot(&mut (0..n).map(|j| (g[r * n + j], w[kk * n + j])));
                        assert_close(dx[r * k + kk], want, at("dx"));
                    }
                }
                for kk in 0..k {
                    for j in 0..n {
                        let want = dot(&mut (0..m).map(|r| (x[r * k + kk], g[r * n + j])));
                        assert_close(dw[kk * n + j], want, at("dw"));
                    }
                }
                for j in 0..n {
                    let want = dot(&mut (0..m).map(|r| (g[r * n + j], 1.0)));
                    assert_close(db[j], want, at("db"));
                }
            }
        }
    }
}

//! Layer normalisation on the flex backend for training: forward and backward as a burn backend
//! extension with its own autodiff node (see [`crate::layer_norm`] for when it is used).
//!
//! burn-autodiff has no layer-norm operation: it differentiates burn's composed form (a mean,
//! a subtraction, a square, a second mean, a square root, a division, the scale and the shift),
//! ten tracked operations whose backward passes walk the `[rows, d]` activations again, each
//! into a fresh tensor. Here the forward is one pass per row that also keeps the row's mean and
//! `1/σ`, and the backward one pass per row for `dx` plus per-task partial sums for `dγ`/`dβ`.
//! On x86-64 the row loops are compiled a second time with AVX2 and FMA.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};
use rayon::prelude::*;

use crate::flex_math::{LANES, sum_lanes};
use crate::flex_tensors::{contiguous, f32s, from_f32s, has_avx2_fma};

/// The layer-norm operations a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait LayerNormOps: Backend {
    /// `(x − mean) / √(var + ε) · γ + β` over the last dimension: `x` `[rows, d]`, `γ`, `β`
    /// `[d]` → `[rows, d]` (biased variance, as PyTorch and burn).
    fn fused_layer_norm(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// `(dx, dγ, dβ)` for the output gradient `g` `[rows, d]`.
    fn fused_layer_norm_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        g: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Rows per task.
const ROWS_PER_TASK: usize = 32;

/// `Σ (x − mean)²` in [LANES] independent lanes.
#[inline(always)]
fn centered_squares_lanes(x: &[f32], mean: f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks
        .remainder()
        .iter()
        .map(|&v| (v - mean) * (v - mean))
        .sum();
    for chunk in chunks {
        for (s, &v) in lanes.iter_mut().zip(chunk) {
            let c = v - mean;
            *s = c.mul_add(c, *s);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The mean and `1/σ` of one row.
#[inline(always)]
fn row_statistics(row: &[f32], epsilon: f32) -> (f32, f32) {
    let d = row.len() as f32;
    let mean = sum_lanes(row) / d;
    let var = centered_squares_lanes(row, mean) / d;
    (mean, 1.0 / (var + epsilon).sqrt())
}

#[inline(always)]
fn forward_rows(x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f32, out: &mut [f32]) {
    let d = gamma.len();
    for (row, out) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let (mean, rstd) = row_statistics(row, epsilon);
        for (((o, &v), &g), &b) in out.iter_mut().zip(row).zip(gamma).zip(beta) {
            *o = ((v - mean) * rstd).mul_add(g, b);
        }
    }
}

/// `dx` rows, and this block's sums of `g · x̂` and of `g` (into `dgamma`, `dbeta`).
#[inline(always)]
fn backward_rows(
    x: &[f32],
    gamma: &[f32],
    g: &[f32],
    epsilon: f32,
    dx: &mut [f32],
    (dgamma, dbeta): (&mut [f32], &mut [f32]),
) {
    let d = gamma.len();
    let inv_d = 1.0 / d as f32;
    for ((row, g_row), dx_row) in x
        .chunks_exact(d)
        .zip(g.chunks_exact(d))
        .zip(dx.chunks_exact_mut(d))
    {
        let (mean, rstd) = row_statistics(row, epsilon);
        // dx = rstd · (gγ − mean(gγ) − x̂ · mean(gγ · x̂)), with x̂ = (x − mean) · rstd.
        let (mut lanes_gg, mut lanes_ggx) = ([0.0f32; LANES], [0.0f32; LANES]);
        let body = d - d % LANES;
        for ((xs, gs), gams) in row[..body]
            .chunks_exact(LANES)
            .zip(g_row[..body].chunks_exact(LANES))
            .zip(gamma[..body].chunks_exact(LANES))
        {
            for l in 0..LANES {
                let gg = gs[l] * gams[l];
                lanes_gg[l] += gg;
                lanes_ggx[l] = gg.mul_add((xs[l] - mean) * rstd, lanes_ggx[l]);
            }
        }
        let (mut tail_gg, mut tail_ggx) = (0.0f32, 0.0f32);
        for j in body..d {
            let gg = g_row[j] * gamma[j];
            tail_gg += gg;
            tail_ggx = gg.mul_add((row[j] - mean) * rstd, tail_ggx);
        }
        let mean_gg = (lanes_gg.iter().sum::<f32>() + tail_gg) * inv_d;
        let mean_ggx = (lanes_ggx.iter().sum::<f32>() + tail_ggx) * inv_d;
        for (((((o, &v), &gj), &gam), dg), db) in dx_row
            .iter_mut()
            .zip(row)
            .zip(g_row)
            .zip(gamma)
            .zip(dgamma.iter_mut())
            .zip(dbeta.iter_mut())
        {
            let xhat = (v - mean) * rstd;
            *o = rstd * (gj * gam - mean_gg - xhat * mean_ggx);
            *dg = gj.mul_add(xhat, *dg);
            *db += gj;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_rows_avx2(x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f32, out: &mut [f32]) {
    forward_rows(x, gamma, beta, epsilon, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn backward_rows_avx2(
    x: &[f32],
    gamma: &[f32],
    g: &[f32],
    epsilon: f32,
    dx: &mut [f32],
    sums: (&mut [f32], &mut [f32]),
) {
    backward_rows(x, gamma, g, epsilon, dx, sums);
}

/// The forward pass on row-major `x` `[rows, d]`.
pub(crate) fn forward(x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f32) -> Vec<f32> {
    let d = gamma.len();
    assert_eq!(beta.len(), d, "layer norm: β width");
    assert_eq!(x.len() % d.max(1), 0, "layer norm: x is not [rows, d]");
    let avx2 = has_avx2_fma();
    let mut out = vec![0.0f32; x.len()];
    out.par_chunks_mut(ROWS_PER_TASK * d)
        .zip(x.par_chunks(ROWS_PER_TASK * d))
        .for_each(|(out, x)| {
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: the CPU has AVX2 and FMA (checked above).
                unsafe { forward_rows_avx2(x, gamma, beta, epsilon, out) };
                return;
            }
            let _ = avx2;
            forward_rows(x, gamma, beta, epsilon, out);
        });
    out
}

/// The backward pass: `(dx, dγ, dβ)`.
pub(crate) fn backward(
    x: &[f32],
    gamma: &[f32],
    g: &[f32],
    epsilon: f32,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = gamma.len();
    assert_eq!(
        x.len(),
        g.len(),
        "layer norm backward: x and gradient sizes"
    );
    let avx2 = has_avx2_fma();
    let mut dx = vec![0.0f32; x.len()];
    let partials: Vec<(Vec<f32>, Vec<f32>)> = dx
        .par_chunks_mut(ROWS_PER_TASK * d)
        .zip(x.par_chunks(ROWS_PER_TASK * d))
        .zip(g.par_chunks(ROWS_PER_TASK * d))
        .map(|((dx, x), g)| {
            let (mut dgamma, mut dbeta) = (vec![0.0f32; d], vec![0.0f32; d]);
            let sums = (&mut dgamma[..], &mut dbeta[..]);
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: the CPU has AVX2 and FMA (checked above).
                unsafe { backward_rows_avx2(x, gamma, g, epsilon, dx, sums) };
                return (dgamma, dbeta);
            }
            let _ = avx2;
            backward_rows(x, gamma, g, epsilon, dx, sums);
            (dgamma, dbeta)
        })
        .collect();
    let (mut dgamma, mut dbeta) = (vec![0.0f32; d], vec![0.0f32; d]);
    for (pg, pb) in &partials {
        dgamma.iter_mut().zip(pg).for_each(|(s, &v)| *s += v);
        dbeta.iter_mut().zip(pb).for_each(|(s, &v)| *s += v);
    }
    (dx, dgamma, dbeta)
}

/// A contiguous f32 matrix `[rows, d]` (all leading dimensions folded into rows).
fn matrix(t: FlexTensor) -> (FlexTensor, [usize; 2]) {
    let shape = t.shape();
    let d = shape[shape.num_dims() - 1];
    let rows = shape.num_elements() / d.max(1);
    (contiguous(t), [rows, d])
}

impl LayerNormOps for Flex {
    fn fused_layer_norm(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        let (x, [rows, d]) = matrix(x);
        let (gamma, beta) = (contiguous(gamma), contiguous(beta));
        let out = forward(f32s(&x), f32s(&gamma), f32s(&beta), epsilon as f32);
        from_f32s(out, [rows, d])
    }

    fn fused_layer_norm_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        g: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let (x, [rows, d]) = matrix(x);
        let (g, _) = matrix(g);
        let gamma = contiguous(gamma);
        let (dx, dgamma, dbeta) = backward(f32s(&x), f32s(&gamma), f32s(&g), epsilon as f32);
        (
            from_f32s(dx, [rows, d]),
            from_f32s(dgamma, [d]),
            from_f32s(dbeta, [d]),
        )
    }
}

/// Autodiff node of [LayerNormOps::fused_layer_norm]: keeps `x` and `γ` (the row statistics
/// are recomputed, which costs less than storing them).
#[derive(Debug)]
struct LayerNormBackward;

impl<B: Backend + LayerNormOps> Backward<B, 3> for LayerNormBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, f64);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, gamma, epsilon) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let (dx, dgamma, dbeta) = B::fused_layer_norm_backward(x, gamma, grad, epsilon);
        for (parent, grad) in ops.parents.into_iter().zip([dx, dgamma, dbeta]) {
            if let Some(parent) = parent {
                grads.register::<B>(parent.id, grad);
            }
        }
    }
}

impl<B: Backend + LayerNormOps, C: CheckpointStrategy> LayerNormOps for Autodiff<B, C> {
    fn fused_layer_norm(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let (x, x_guard) = x.into_parts();
        let (gamma, gamma_guard) = gamma.into_parts();
        let (beta, beta_guard) = beta.into_parts();
        let out = B::fused_layer_norm(x.clone(), gamma.clone(), beta, epsilon);
        match LayerNormBackward
            .prepare::<C>([x_guard, gamma_guard, beta_guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, epsilon), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn fused_layer_norm_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        g: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        // Second derivatives are not needed: the gradients are constants.
        let (dx, dgamma, dbeta) = B::fused_layer_norm_backward(
            Self::inner(x),
            Self::inner(gamma),
            Self::inner(g),
            epsilon,
        );
        (
            Self::from_inner(dx),
            Self::from_inner(dgamma),
            Self::from_inner(dbeta),
        )
    }
}

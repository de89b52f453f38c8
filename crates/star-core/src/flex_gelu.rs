//! The exact GELU on the flex backend, forward and backward, vectorised, as a burn backend
//! extension with its own autodiff node (see [`crate::gelu_exact`] for when it is used).
//!
//! burn-flex's own `gelu` and `gelu_backward` are single passes too, but they call libm's scalar
//! `erff` (and `expf`) per element, which kept them from vectorising: 4.5 % of a BlenderBot-Small
//! training step (`BENCHMARKS.md`). Here `erf` is Eigen's rational approximation
//! (`generic_fast_erf_float`, within 5e-7 of erf) and `exp` a
//! Cephes-style polynomial, both branch-free, so the loops vectorise; on x86-64 they are
//! compiled a second time with AVX2 and FMA.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};
use burn::tensor::TensorData;
use std::mem::MaybeUninit;

use crate::flex_math::exp_nonpositive;
use crate::flex_tensors::{contiguous, f32s, fill_chunks, has_avx2_fma};

/// The exact GELU a backend supplies.
#[backend_extension(Flex, Autodiff)]
pub trait GeluOps: Backend {
    /// `x · Φ(x)`, Φ the standard normal distribution function.
    fn gelu_exact(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `g · (Φ(x) + x · φ(x))`, φ the standard normal density.
    fn gelu_exact_backward(x: FloatTensor<Self>, g: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Elements per task.
const CHUNK: usize = 1 << 15;

/// `erf(x)`: Eigen's `generic_fast_erf_float` (odd degree-13 numerator over even degree-8
/// denominator on `[-4, 4]`; outside, erf is ±1 in f32).
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2.mul_add(-2.726_142_3e-10, 2.770_681_4e-8);
    p = x2.mul_add(p, -2.101_024e-6);
    p = x2.mul_add(p, -5.692_506_4e-5);
    p = x2.mul_add(p, -7.349_906_3e-4);
    p = x2.mul_add(p, -2.9546e-3);
    p = x2.mul_add(p, -1.609_603_3e-2);
    let mut q = x2.mul_add(-1.456_607_2e-5, -2.133_740_6e-4);
    q = x2.mul_add(q, -1.682_827e-3);
    q = x2.mul_add(q, -7.373_329e-3);
    q = x2.mul_add(q, -1.426_474e-2);
    // It overshoots ±1 by an ulp near ±4.
    (x * p / q).clamp(-1.0, 1.0)
}

/// Φ(x) = (1 + erf(x / √2)) / 2.
#[inline(always)]
fn cdf(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// 1 / √(2π).
const INV_SQRT_2PI: f32 = 0.398_942_3;

#[inline(always)]
fn forward_chunk(x: &[f32], out: &mut [MaybeUninit<f32>]) {
    for (o, &v) in out.iter_mut().zip(x) {
        o.write(v * cdf(v));
    }
}

#[inline(always)]
fn backward_chunk(x: &[f32], g: &[f32], out: &mut [MaybeUninit<f32>]) {
    for ((o, &v), &g) in out.iter_mut().zip(x).zip(g) {
        let pdf = INV_SQRT_2PI * exp_nonpositive(-0.5 * v * v);
        o.write(g * v.mul_add(pdf, cdf(v)));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_chunk_avx2(x: &[f32], out: &mut [MaybeUninit<f32>]) {
    forward_chunk(x, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn backward_chunk_avx2(x: &[f32], g: &[f32], out: &mut [MaybeUninit<f32>]) {
    backward_chunk(x, g, out);
}

/// GELU of a slice.
pub(crate) fn forward(x: &[f32]) -> Vec<f32> {
    let avx2 = has_avx2_fma();
    fill_chunks(x.len(), CHUNK, |start, out| {
        let x = &x[start..start + out.len()];
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe { forward_chunk_avx2(x, out) };
            return;
        }
        let _ = avx2;
        forward_chunk(x, out);
    })
}

/// GELU's input gradient for the output gradient `g`.
pub(crate) fn backward(x: &[f32], g: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), g.len(), "gelu backward: input and gradient sizes");
    let avx2 = has_avx2_fma();
    fill_chunks(x.len(), CHUNK, |start, out| {
        let range = start..start + out.len();
        let (x, g) = (&x[range.clone()], &g[range]);
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe { backward_chunk_avx2(x, g, out) };
            return;
        }
        let _ = avx2;
        backward_chunk(x, g, out);
    })
}

impl GeluOps for Flex {
    fn gelu_exact(x: FlexTensor) -> FlexTensor {
        let x = contiguous(x);
        FlexTensor::from_data(TensorData::new(forward(f32s(&x)), x.shape()))
    }

    fn gelu_exact_backward(x: FlexTensor, g: FlexTensor) -> FlexTensor {
        let (x, g) = (contiguous(x), contiguous(g));
        FlexTensor::from_data(TensorData::new(backward(f32s(&x), f32s(&g)), x.shape()))
    }
}

/// Autodiff node of [GeluOps::gelu_exact]: keeps the input.
#[derive(Debug)]
struct GeluBackward;

impl<B: Backend + GeluOps> Backward<B, 1> for GeluBackward {
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [parent] = ops.parents;
        if let Some(parent) = parent {
            grads.register::<B>(parent.id, B::gelu_exact_backward(ops.state, grad));
        }
    }
}

impl<B: Backend + GeluOps, C: CheckpointStrategy> GeluOps for Autodiff<B, C> {
    fn gelu_exact(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let (x, x_guard) = x.into_parts();
        let out = B::gelu_exact(x.clone());
        match GeluBackward
            .prepare::<C>([x_guard])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(x, out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn gelu_exact_backward(x: FloatTensor<Self>, g: FloatTensor<Self>) -> FloatTensor<Self> {
        // Second derivatives are not needed: the gradient is a constant.
        Self::from_inner(B::gelu_exact_backward(Self::inner(x), Self::inner(g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `erf` and `exp` against f64 references over their whole range, and the kernels (both
    /// code paths, across chunks) against the f64 formulas of GELU and of its derivative.
    #[test]
    fn matches_f64_references() {
        let grid: Vec<f32> = (-200_000..=200_000).map(|i| i as f32 * 5e-5).collect();
        for &x in &grid {
            let want = reference_erf32(x);
            assert!(
                (erf(x) - want).abs() < 5e-7,
                "erf({x}): {} vs {want}",
                erf(x)
            );
            let e = -x.abs() * 8.0;
            let want = (e as f64).exp();
            let got = exp_nonpositive(e) as f64;
            assert!(
                (got - want).abs() <= 4e-7 * want,
                "exp({e}): {got} vs {want}"
            );
        }
        assert!(exp_nonpositive(-200.0) < 2e-38);
        let x: Vec<f32> = grid.iter().chain(&[-1e4, 1e4, 0.0]).copied().collect();
        let g: Vec<f32> = (0..x.len()).map(|i| 1.0 + (i % 7) as f32 * 0.25).collect();
        let (y, dx) = (forward(&x), backward(&x, &g));
        let mut scalar_y = vec![MaybeUninit::uninit(); x.len()];
        forward_chunk(&x, &mut scalar_y);
        for i in 0..x.len() {
            let v = x[i] as f64;
            let phi = 0.5 * (1.0 + reference_erf(v / std::f64::consts::SQRT_2));
            let want_y = v * phi;
            let want_dx = g[i] as f64
                * (phi + v * (-0.5 * v * v).exp() / (2.0 * std::f64::consts::PI).sqrt());
            let tol = 1e-6 * (1.0 + v.abs());
            assert!(
                (y[i] as f64 - want_y).abs() < tol,
                "gelu({v}): {} vs {want_y}",
                y[i]
            );
            assert!(
                (dx[i] as f64 - want_dx).abs() < 4.0 * tol,
                "gelu'({v}): {} vs {want_dx}",
                dx[i]
            );
            // SAFETY: forward_chunk wrote every element.
            let s = unsafe { scalar_y[i].assume_init() };
            assert!(
                (s - y[i]).abs() <= 1e-6 * (1.0 + y[i].abs()),
                "paths differ at {v}"
            );
        }
    }

    fn reference_erf32(x: f32) -> f32 {
        reference_erf(x as f64) as f32
    }

    /// erf in f64 by its Taylor series (|x| < 3) or continued fraction of erfc (|x| ≥ 3).
    fn reference_erf(x: f64) -> f64 {
        let a = x.abs();
        let value = if a < 3.0 {
            let (mut term, mut sum, mut n) = (a, a, 0.0);
            while term.abs() > 1e-17 * sum.abs() {
                n += 1.0;
                term *= -a * a / n;
                sum += term / (2.0 * n + 1.0);
            }
            2.0 / std::f64::consts::PI.sqrt() * sum
        } else {
            // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
            let mut f = a;
            for k in (1..60).rev() {
                f = a + (k as f64 / 2.0) / f;
            }
            1.0 - (-a * a).exp() / std::f64::consts::PI.sqrt() / f
        };
        value.copysign(x)
    }
}

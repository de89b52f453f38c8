//! One AdamW step in one pass over the elements, on flex f32 tensors (the optimizer of
//! `star_esc::train` calls it).
//!
//! burn's `AdamW` makes about a dozen tensor operations per parameter per step, each a pass over
//! the parameter's elements into a fresh tensor. Here the parameter, its gradient and both
//! moments are read once, and the new parameter and moments written once. The arithmetic is
//! burn 0.22's, operation for operation (`burn-optim` `adamw.rs`), so the results are the same.

use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;
use rayon::prelude::*;
use std::mem::MaybeUninit;

use crate::flex_tensors::{assume_init_f32s, contiguous, f32s, on_flex_f32, uninit_f32s};

/// The scalars of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWScalars {
    /// β₁.
    pub beta_1: f32,
    /// β₂.
    pub beta_2: f32,
    /// ε.
    pub epsilon: f32,
    /// The step number, from 1 (for the bias corrections).
    pub time: i32,
    /// The learning rate.
    pub lr: f64,
    /// The weight decay (decoupled: the parameter is scaled by `1 − lr · weight_decay`).
    pub weight_decay: f32,
}

/// The fused step a backend supplies.
#[backend_extension(Flex)]
pub trait AdamWOps: Backend {
    /// `(parameter, moment 1, moment 2)` after one step; all four inputs have one shape.
    fn adamw_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        scalars: AdamWScalars,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Elements per task.
const CHUNK: usize = 1 << 15;

/// Whether [step] runs on these tensors: f32 on a flex device without autodiff.
pub fn supports<const D: usize>(param: &Tensor<D>) -> bool {
    !param.device().is_autodiff() && on_flex_f32(param)
}

/// One step: `(parameter, moment 1, moment 2)`. Check [supports] first.
///
/// # Panics
/// If the shapes differ.
pub fn step<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moment_1: Tensor<D>,
    moment_2: Tensor<D>,
    scalars: AdamWScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let dims = param.dims();
    assert!(
        grad.dims() == dims && moment_1.dims() == dims && moment_2.dims() == dims,
        "adamw step: parameter, gradient and moments must have one shape"
    );
    let (p, m, v) = <Dispatch as AdamWOps>::adamw_step(
        param.into_dispatch(),
        grad.into_dispatch(),
        moment_1.into_dispatch(),
        moment_2.into_dispatch(),
        scalars,
    );
    (
        Tensor::from_dispatch(p),
        Tensor::from_dispatch(m),
        Tensor::from_dispatch(v),
    )
}

/// The three outputs of one chunk: parameter, moment 1, moment 2.
type ChunkOutputs<'a> = (
    &'a mut [MaybeUninit<f32>],
    &'a mut [MaybeUninit<f32>],
    &'a mut [MaybeUninit<f32>],
);

/// The step on one chunk of elements, written into the three outputs.
#[inline(always)]
fn step_chunk(
    (p, g, m, v): (&[f32], &[f32], &[f32], &[f32]),
    s: AdamWScalars,
    (p_out, m_out, v_out): ChunkOutputs<'_>,
) {
    // As burn: `factor = 1 − β`, corrections `1 − βᵗ` in f32, the decay `1 − lr·wd` and the
    // learning rate converted from f64 to f32 by the scalar operations.
    let (f1, f2) = (1.0 - s.beta_1, 1.0 - s.beta_2);
    let (c1, c2) = (1.0 - s.beta_1.powi(s.time), 1.0 - s.beta_2.powi(s.time));
    let decay = (1.0 - s.lr * s.weight_decay as f64) as f32;
    let lr = s.lr as f32;
    for i in 0..p.len() {
        let m1 = m[i] * s.beta_1 + g[i] * f1;
        let m2 = v[i] * s.beta_2 + g[i] * g[i] * f2;
        let delta = (m1 / c1) / ((m2 / c2).sqrt() + s.epsilon);
        p_out[i].write(p[i] * decay - delta * lr);
        m_out[i].write(m1);
        v_out[i].write(m2);
    }
}

impl AdamWOps for Flex {
    fn adamw_step(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: FlexTensor,
        moment_2: FlexTensor,
        scalars: AdamWScalars,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let shape = param.shape();
        let (p, g, m, v) = (
            contiguous(param),
            contiguous(grad),
            contiguous(moment_1),
            contiguous(moment_2),
        );
        let (p, g, m, v) = (f32s(&p), f32s(&g), f32s(&m), f32s(&v));
        let len = p.len();
        assert!(
            g.len() == len && m.len() == len && v.len() == len,
            "adamw step: sizes differ"
        );
        let (mut p_out, mut m_out, mut v_out) =
            (uninit_f32s(len), uninit_f32s(len), uninit_f32s(len));
        p_out
            .par_chunks_mut(CHUNK)
            .zip(m_out.par_chunks_mut(CHUNK))
            .zip(v_out.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(i, ((po, mo), vo))| {
                let range = i * CHUNK..i * CHUNK + po.len();
                step_chunk(
                    (
                        &p[range.clone()],
                        &g[range.clone()],
                        &m[range.clone()],
                        &v[range],
                    ),
                    scalars,
                    (po, mo, vo),
                );
            });
        let out = |values: Vec<MaybeUninit<f32>>| {
            // SAFETY: the chunks above cover every element of the three outputs.
            let values = unsafe { assume_init_f32s(values) };
            FlexTensor::from_data(burn::tensor::TensorData::new(values, shape.clone()))
        };
        (out(p_out), out(m_out), out(v_out))
    }
}

//! What the fused flex kernels of this workspace share (`star-core`'s few-row linear layer,
//! `esc-models`' cross-entropy and attention): when a tensor can take them, and moving data in
//! and out of burn-flex's tensors. Public for `esc-models` only; not part of the documented API.

use burn::backend::DispatchDevice;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::{DType, Element, Tensor, TensorData};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Whether `t` is f32 on a flex device (with or without autodiff): what the kernels handle.
pub fn on_flex_f32<const D: usize>(t: &Tensor<D>) -> bool {
    t.dtype() == DType::F32 && matches!(t.device().inner().as_dispatch(), DispatchDevice::Flex(_))
}

/// `t` itself when its elements are contiguous from the start of its storage, else a copy.
pub fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.is_contiguous() && t.layout().start_offset() == 0 {
        t
    } else {
        t.to_contiguous()
    }
}

/// The f32 elements of a tensor that [contiguous] returned, in order.
pub fn f32s(t: &FlexTensor) -> &[f32] {
    let values: &[f32] = t.storage();
    &values[..t.shape().num_elements()]
}

/// The elements of any tensor, converted to `E`.
pub fn to_vec<E: Element>(t: FlexTensor) -> Vec<E> {
    t.into_data()
        .convert::<E>()
        .try_into_vec::<E>()
        .expect("converted to the requested element type")
}

/// A flex tensor of `shape` holding `values` (row-major).
pub fn from_f32s<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// Whether the CPU has AVX2 and FMA: the kernels' second, vectorised compilation needs them
/// (`is_x86_feature_detected!` caches its answer after the first call).
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has AVX-512 (F): the transposed linear kernel and the few-row linear layer's
/// AVX-512 loops need it.
pub fn has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `len` floats not yet written, for an output computed in place without zero-filling it first.
pub fn uninit_f32s(len: usize) -> Vec<MaybeUninit<f32>> {
    let mut out = Vec::with_capacity(len);
    // SAFETY: MaybeUninit needs no initialisation; the capacity is `len`.
    unsafe { out.set_len(len) };
    out
}

/// The floats of [uninit_f32s] once written.
///
/// # Safety
/// Every element of `out` must have been written.
pub unsafe fn assume_init_f32s(out: Vec<MaybeUninit<f32>>) -> Vec<f32> {
    let mut out = std::mem::ManuallyDrop::new(out);
    // SAFETY: the caller wrote every element; same layout, length and capacity.
    unsafe { Vec::from_raw_parts(out.as_mut_ptr().cast::<f32>(), out.len(), out.capacity()) }
}

/// `len` floats written by `fill(start, chunk)` over chunks of `chunk` elements (in parallel
/// above one chunk), without zero-filling them first. `fill` must write every element of the
/// chunk it is given, which starts at element `start`.
pub fn fill_chunks(
    len: usize,
    chunk: usize,
    fill: impl Fn(usize, &mut [MaybeUninit<f32>]) + Sync,
) -> Vec<f32> {
    let mut out = uninit_f32s(len);
    if len > chunk {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, o)| fill(i * chunk, o));
    } else {
        fill(0, &mut out);
    }
    // SAFETY: `fill` wrote every element of its chunk and the chunks cover `out`.
    unsafe { assume_init_f32s(out) }
}

/// `m` copies of `row`, one after the other (a bias broadcast over `m` rows).
pub fn repeat_row(row: &[f32], m: usize) -> Vec<f32> {
    // One `memcpy` per row: a `cycle().take()` iterator is copied element by element (4 % of
    // the 90M encoder's time when it was).
    let mut out = Vec::with_capacity(m * row.len());
    for _ in 0..m {
        out.extend_from_slice(row);
    }
    out
}

/// The sums of the columns of a row-major matrix `n` wide (a bias gradient).
pub fn column_sums(matrix: &[f32], n: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; n];
    for row in matrix.chunks_exact(n) {
        sums.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
    }
    sums
}

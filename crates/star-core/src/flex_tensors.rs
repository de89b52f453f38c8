//! What the fused flex kernels of this workspace share (`star-core`'s few-row linear layer,
//! `esc-models`' cross-entropy and attention): when a tensor can take them, and moving data in
//! and out of burn-flex's tensors. Public for `esc-models` only; not part of the documented API.

use burn::backend::DispatchDevice;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::{DType, Element, Tensor, TensorData};

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

//! Helpers shared by the integration tests (esc-models' own, and the facade's through
//! `#[path]`): the tiny_bbs fixture written by `scripts/make_bbs_fixture.py` (transformers 4.57.1).
#![allow(dead_code)]

use std::path::PathBuf;

use burn::store::{ModuleStore, SafetensorsStore};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use esc_data::EscBatch;
use esc_models::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration, load_hf};

/// The fixture directory (from esc-models' or the workspace root's manifest directory).
pub fn fixture_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let own = manifest.join("tests/fixtures/tiny_bbs");
    if own.is_dir() {
        own
    } else {
        manifest.join("crates/esc-models/tests/fixtures/tiny_bbs")
    }
}

/// The devices every parity test runs on (ndarray is deprecated in burn 0.22 but supported here).
#[allow(deprecated)]
pub fn devices() -> Vec<(&'static str, Device)> {
    #[allow(unused_mut)]
    let mut devices = vec![("flex", Device::flex()), ("ndarray", Device::ndarray())];
    // `--features star-esc/cuda` (or this crate's `cuda`): the same checks on the first GPU.
    #[cfg(feature = "cuda")]
    devices.push(("cuda", Device::cuda(0)));
    devices
}

/// The tiny random model, loaded from `model.safetensors`.
pub fn tiny_model(device: &Device) -> BlenderbotSmallForConditionalGeneration {
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let mut model = config.init(device);
    load_hf(&mut model, fixture_dir().join("model.safetensors")).unwrap();
    model
}

/// A tensor of `expected.safetensors`: shape and values as f64.
pub fn expected(name: &str) -> (Vec<usize>, Vec<f64>) {
    let mut store = SafetensorsStore::from_file(fixture_dir().join("expected.safetensors"));
    let t = store
        .get_tensor(name)
        .unwrap()
        .unwrap_or_else(|| panic!("fixture tensor {name} missing"))
        .clone();
    let bytes = t.to_bytes().unwrap();
    let values: Vec<f64> = match t.dtype {
        burn::tensor::DType::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        burn::tensor::DType::I64 => bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        other => panic!("unexpected dtype {other:?}"),
    };
    (t.shape.to_vec(), values)
}

/// An integer fixture tensor as rows.
pub fn expected_rows(name: &str) -> Vec<Vec<i64>> {
    let (shape, values) = expected(name);
    values
        .chunks(shape[1])
        .map(|r| r.iter().map(|&v| v as i64).collect())
        .collect()
}

/// A 2-D integer fixture tensor on `device`.
pub fn int2(name: &str, device: &Device) -> Tensor<2, Int> {
    let (shape, values) = expected(name);
    let values: Vec<i64> = values.iter().map(|&v| v as i64).collect();
    Tensor::from_data(TensorData::new(values, [shape[0], shape[1]]), device)
}

/// The encoder padding mask (`true` = pad) from the fixture's HF `attention_mask`.
pub fn mask_pad(device: &Device) -> Tensor<2, Bool> {
    int2("attention_mask", device).equal_elem(0)
}

/// Largest absolute difference between a tensor and a fixture tensor (shapes must agree).
pub fn max_abs_diff<const D: usize>(actual: Tensor<D>, name: &str) -> f64 {
    let (shape, want) = expected(name);
    assert_eq!(actual.dims().to_vec(), shape, "shape of {name}");
    let got = actual
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    got.iter()
        .zip(&want)
        .map(|(a, b)| (*a as f64 - b).abs())
        .fold(0.0, f64::max)
}

/// `expected.json` of the fixture.
pub fn expected_json() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture's padded batch of 2 as an [EscBatch]: the first label of each row is its strategy
/// token (ids 52..60, so strategy id = token - 52), no speaker roles, the given emotion ids.
pub fn fixture_batch(device: &Device, emotion_ids: [i64; 2]) -> EscBatch {
    let labels = int2("labels", device);
    let strategy_ids = labels.clone().slice([0..2, 0..1]).reshape([2]) - 52;
    EscBatch {
        input_ids: int2("input_ids", device),
        input_mask_pad: mask_pad(device),
        input_roles: int2("input_ids", device).zeros_like(),
        decoder_input_ids: int2("decoder_input_ids", device),
        decoder_mask_pad: labels.clone().equal_elem(-100),
        labels,
        strategy_ids,
        emotion_ids: Tensor::from_data(TensorData::new(emotion_ids.to_vec(), [2]), device),
    }
}

/// A tensor's values as `f32`.
pub fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// The largest absolute element-wise difference of two equally long slices.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

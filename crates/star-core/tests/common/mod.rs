//! Shared test helpers: the PyTorch parity fixture and building a `Star` from its weights.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use serde::Deserialize;
use star_core::{ExpertMode, GateWidth, PadPooling, PoolingMode, Star, StarConfig};

/// A tensor as the fixture stores it (row-major, float32-exact values).
#[derive(Debug, Clone, Deserialize)]
pub struct JsonTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl JsonTensor {
    pub fn tensor<const D: usize>(&self, device: &Device) -> Tensor<D> {
        Tensor::from_data(
            TensorData::new(self.data.clone(), self.shape.clone()),
            device,
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct Dims {
    pub d_model: usize,
    pub d_ffn: usize,
    pub gate_dim: usize,
    pub n_heads: usize,
    pub n_strategies: usize,
    pub batch: usize,
    pub seq: usize,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub name: String,
    pub expert_mode: String,
    pub gate_width: String,
    pub pad_pooling: String,
    pub pooling: String,
    pub output: BTreeMap<String, JsonTensor>,
    pub grads: BTreeMap<String, JsonTensor>,
}

/// `tests/fixtures/star_parity.json`, written by `scripts/star_reference.py`.
#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub dims: Dims,
    pub hidden: JsonTensor,
    pub mask_pad: Vec<Vec<bool>>,
    pub strategy_ids: Vec<i64>,
    pub loss_weights: JsonTensor,
    /// Gate width ("scalar" | "per_channel") -> parameter name -> PyTorch-layout tensor.
    pub params: BTreeMap<String, BTreeMap<String, JsonTensor>>,
    pub cases: Vec<Case>,
}

pub fn fixture() -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/star_parity.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad fixture {}: {e}", path.display()))
}

impl Fixture {
    pub fn hidden(&self, device: &Device) -> Tensor<3> {
        self.hidden.tensor(device)
    }

    pub fn mask_pad(&self, device: &Device) -> Tensor<2, Bool> {
        let flat: Vec<bool> = self.mask_pad.iter().flatten().copied().collect();
        Tensor::from_data(
            TensorData::new(flat, [self.dims.batch, self.dims.seq]),
            device,
        )
    }

    pub fn strategy_ids(&self, device: &Device) -> Tensor<1, Int> {
        Tensor::from_data(
            TensorData::new(self.strategy_ids.clone(), [self.strategy_ids.len()]),
            device,
        )
    }

    /// The config of `case`, dropouts off (the fixture has none).
    pub fn config(&self, case: &Case) -> StarConfig {
        let d = &self.dims;
        StarConfig::new(d.d_model, d.n_strategies)
            .with_n_heads(d.n_heads)
            .with_gate_dim(d.gate_dim)
            .with_d_ffn(d.d_ffn)
            .with_gate_dropout(0.0)
            .with_refine_dropout(0.0)
            .with_refine_hidden_dropout(0.0)
            .with_expert_mode(match case.expert_mode.as_str() {
                "per_strategy" => ExpertMode::PerStrategy,
                "shared" => ExpertMode::Shared,
                other => panic!("unknown expert_mode {other}"),
            })
            .with_gate_width(match case.gate_width.as_str() {
                "scalar" => GateWidth::Scalar,
                "per_channel" => GateWidth::PerChannel,
                other => panic!("unknown gate_width {other}"),
            })
            .with_pad_pooling(match case.pad_pooling.as_str() {
                "masked" => PadPooling::Masked,
                "include_pads" => PadPooling::IncludePads,
                other => panic!("unknown pad_pooling {other}"),
            })
            .with_pooling(match case.pooling.as_str() {
                "full" => PoolingMode::Full,
                "causal" => PoolingMode::Causal,
                other => panic!("unknown pooling {other}"),
            })
    }

    /// A `Star` for `case` holding the fixture's weights.
    pub fn star(&self, case: &Case, device: &Device) -> Star {
        let mut star = self.config(case).init(device);
        for (name, value) in &self.params[&case.gate_width] {
            let Some((layer, kind)) = name.rsplit_once('.') else {
                panic!("bad parameter name {name}");
            };
            let Some(linear) = linear_mut(&mut star, layer) else {
                continue; // an expert the shared mode does not have
            };
            match kind {
                // PyTorch [out, in] -> burn [in, out].
                "weight" => {
                    linear.weight = Param::from_tensor(value.tensor::<2>(device).transpose())
                }
                "bias" => linear.bias = Some(Param::from_tensor(value.tensor::<1>(device))),
                other => panic!("unknown parameter kind {other}"),
            }
        }
        star
    }
}

/// The `Linear` at a fixture path such as `experts.2.gate.fc1`; `None` for a missing expert.
pub fn linear_mut<'a>(star: &'a mut Star, path: &str) -> Option<&'a mut Linear> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["pooling", "q_proj"] => Some(&mut star.pooling.q_proj),
        ["pooling", "k_proj"] => Some(&mut star.pooling.k_proj),
        ["pooling", "v_proj"] => Some(&mut star.pooling.v_proj),
        ["pooling", "out_proj"] => Some(&mut star.pooling.out_proj),
        ["experts", e, net, layer] => {
            let expert = star.experts.get_mut(e.parse::<usize>().ok()?)?;
            Some(match (*net, *layer) {
                ("gate", "fc1") => &mut expert.gate.fc1,
                ("gate", "fc2") => &mut expert.gate.fc2,
                ("refine", "fc1") => &mut expert.refine.fc1,
                ("refine", "fc2") => &mut expert.refine.fc2,
                _ => panic!("unknown layer {path}"),
            })
        }
        _ => panic!("unknown layer {path}"),
    }
}

/// Assert `actual` matches `expected` within `tol * max(1, |expected|)` element-wise.
pub fn assert_close(what: &str, actual: &[f32], expected: &[f32], tol: f32) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let mut worst = (0usize, 0.0f32);
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let err = (a - e).abs() / e.abs().max(1.0);
        assert!(err.is_finite(), "{what}[{i}]: {a} vs {e}");
        if err > worst.1 {
            worst = (i, err);
        }
    }
    let (i, err) = worst;
    assert!(
        err <= tol,
        "{what}: element {i} is {} but the reference says {} (scaled error {err:e} > {tol:e})",
        actual[i],
        expected[i]
    );
}

pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data")
}

/// The devices every numerical test runs on (ndarray is deprecated in burn 0.22 but our users
/// named it).
#[allow(deprecated)]
pub fn devices() -> Vec<(&'static str, Device)> {
    #[allow(unused_mut)]
    let mut devices = vec![("flex", Device::flex()), ("ndarray", Device::ndarray())];
    // `--features star-esc/cuda` (or this crate's `cuda`): the same checks on the first GPU.
    #[cfg(feature = "cuda")]
    devices.push(("cuda", Device::cuda(0)));
    devices
}

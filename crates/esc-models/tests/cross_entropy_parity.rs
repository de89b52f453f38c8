//! The token cross-entropy (`esc_models::loss`) against PyTorch's `F.cross_entropy` with
//! `ignore_index = -100` (`scripts/cross_entropy_reference.py`): the loss, the per-example summed
//! NLL and the gradient with respect to the logits, on every CPU backend with and without
//! autodiff. flex runs the fused operation (with the facade's `flex` feature, which the workspace
//! build turns on), ndarray burn's composed `log_softmax`.

mod common;

use burn::tensor::{Device, Int, Tensor, TensorData};
use common::{devices, floats, max_diff};
use esc_models::loss::{cross_entropy, nll_per_example};

struct Case {
    name: String,
    shape: [usize; 3],
    logits: Vec<f32>,
    labels: Vec<i64>,
    loss: f64,
    nll_per_example: Vec<f32>,
    tokens_per_example: Vec<f32>,
    grad: Vec<f32>,
}

fn cases() -> Vec<Case> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cross_entropy.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (scripts/cross_entropy_reference.py)",
            path.display()
        )
    });
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let field = |case: &serde_json::Value, key: &str| case[key].clone();
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let shape: Vec<usize> = serde_json::from_value(field(case, "shape")).unwrap();
            Case {
                name: case["name"].as_str().unwrap().to_string(),
                shape: [shape[0], shape[1], shape[2]],
                logits: serde_json::from_value(field(case, "logits")).unwrap(),
                labels: serde_json::from_value(field(case, "labels")).unwrap(),
                loss: case["loss"].as_f64().unwrap(),
                nll_per_example: serde_json::from_value(field(case, "nll_per_example")).unwrap(),
                tokens_per_example: serde_json::from_value(field(case, "tokens_per_example"))
                    .unwrap(),
                grad: serde_json::from_value(field(case, "grad")).unwrap(),
            }
        })
        .collect()
}

fn inputs(case: &Case, device: &Device) -> (Tensor<3>, Tensor<2, Int>) {
    let [b, t, v] = case.shape;
    let logits = Tensor::from_data(TensorData::new(case.logits.clone(), [b, t, v]), device);
    let labels = Tensor::from_data(TensorData::new(case.labels.clone(), [b, t]), device);
    (logits, labels)
}

/// Every CPU device, each also with autodiff.
fn all_devices() -> Vec<(String, Device)> {
    devices()
        .into_iter()
        .flat_map(|(name, device)| {
            [
                (name.to_string(), device.clone()),
                (format!("{name}+autodiff"), device.autodiff()),
            ]
        })
        .collect()
}

#[test]
fn loss_and_per_example_nll_match_pytorch() {
    for case in cases() {
        for (device_name, device) in all_devices() {
            let (logits, labels) = inputs(&case, &device);
            let got: f64 = cross_entropy(logits.clone(), labels.clone()).into_scalar();
            assert!(
                (got - case.loss).abs() < 2e-6 * case.loss.abs().max(1.0),
                "{} on {device_name}: loss {got} vs torch {}",
                case.name,
                case.loss
            );
            let (nll, tokens) = nll_per_example(logits, labels);
            let (nll, tokens) = (floats(nll), floats(tokens));
            assert_eq!(tokens, case.tokens_per_example, "{}", case.name);
            for (g, w) in nll.iter().zip(&case.nll_per_example) {
                assert!(
                    (g - w).abs() <= 2e-6 * w.abs().max(1.0),
                    "{} on {device_name}: per-example NLL {nll:?} vs torch {:?}",
                    case.name,
                    case.nll_per_example
                );
            }
        }
    }
}

#[test]
fn gradient_matches_pytorch() {
    for case in cases() {
        for (device_name, device) in devices() {
            let device = device.autodiff();
            let (logits, labels) = inputs(&case, &device);
            let logits = logits.require_grad();
            let grads = cross_entropy(logits.clone(), labels).backward();
            let grad = floats(logits.grad(&grads).expect("the logits require a gradient"));
            let diff = max_diff(&grad, &case.grad);
            assert!(
                diff < 1e-7,
                "{} on {device_name}: gradient differs by {diff}",
                case.name
            );
        }
    }
}

#[test]
fn sliced_logits_give_the_same_nll_as_a_copy() {
    // Validation perplexity slices the base vocabulary off wider logits: a strided view.
    let case = &cases()[1];
    let [b, t, v] = case.shape;
    for (device_name, device) in all_devices() {
        let (logits, labels) = inputs(case, &device);
        let labels = labels.clamp_max(v as i64 / 2 - 1).clamp_min(0);
        let sliced = logits.clone().slice([0..b, 0..t, 0..v / 2]);
        let copied = Tensor::<3>::from_data(sliced.clone().into_data(), &device);
        let (from_view, _) = nll_per_example(sliced, labels.clone());
        let (from_copy, _) = nll_per_example(copied, labels);
        assert_eq!(floats(from_view), floats(from_copy), "{device_name}");
    }
}

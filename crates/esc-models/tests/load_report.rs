//! Loading reports: missing, wrongly shaped and unexpected tensors are named with their shapes;
//! our own checkpoints and the HF export round-trip.

mod common;

use burn::tensor::Device;
use common::*;
use esc_models::{
    BlenderbotSmallConfig, Error, LoadOptions, export_hf_safetensors, load_burnpack, load_hf,
    load_hf_with, save_burnpack,
};

fn tiny_config() -> BlenderbotSmallConfig {
    BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap()
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_missing_tensor_is_reported_by_name_and_shape() {
    // A third encoder layer has no weights in the file.
    let config = BlenderbotSmallConfig {
        encoder_layers: 3,
        ..tiny_config()
    };
    let mut model = config.init(&Device::flex());
    let err = load_hf(&mut model, fixture_dir().join("model.safetensors")).unwrap_err();
    let Error::IncompatibleWeights { report, .. } = err else {
        panic!("expected IncompatibleWeights, got {err}")
    };
    let fc1 = report
        .missing
        .iter()
        .find(|t| t.name == "model.encoder.layers.2.fc1.weight")
        .unwrap_or_else(|| panic!("fc1 of layer 2 not reported missing:\n{report}"));
    assert_eq!(fc1.shape, vec![16, 32]);
    assert_eq!(report.missing.len(), 16, "{report}");
    assert!(report.mismatched.is_empty() && report.unused.is_empty());
    // Lenient loading applies everything else.
    let mut model = config.init(&Device::flex());
    let options = LoadOptions {
        allow_missing: true,
        ..LoadOptions::default()
    };
    let report = load_hf_with(
        &mut model,
        fixture_dir().join("model.safetensors"),
        &options,
    )
    .unwrap();
    assert_eq!(report.applied.len(), 16 * 2 + 26 * 2 + 2 * 3 + 2);
}

#[test]
fn a_wrongly_shaped_tensor_is_reported_with_both_shapes() {
    let config = BlenderbotSmallConfig {
        max_position_embeddings: 65,
        ..tiny_config()
    };
    let mut model = config.init(&Device::flex());
    let err = load_hf(&mut model, fixture_dir().join("pytorch_model.bin")).unwrap_err();
    let Error::IncompatibleWeights { report, .. } = err else {
        panic!("expected IncompatibleWeights, got {err}")
    };
    let names: Vec<_> = report.mismatched.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "model.decoder.embed_positions.weight",
            "model.encoder.embed_positions.weight"
        ],
        "{report}"
    );
    assert_eq!(report.mismatched[0].expected, vec![65, 16]);
    assert_eq!(report.mismatched[0].found, vec![64, 16]);
    assert!(
        report
            .to_string()
            .contains("expected [65, 16] found [64, 16]")
    );
}

#[test]
fn unexpected_unused_tensors_fail_the_strict_load() {
    let config = BlenderbotSmallConfig {
        decoder_layers: 1,
        ..tiny_config()
    };
    let mut model = config.init(&Device::flex());
    let err = load_hf(&mut model, fixture_dir().join("model.safetensors")).unwrap_err();
    let Error::IncompatibleWeights { report, .. } = err else {
        panic!("expected IncompatibleWeights, got {err}")
    };
    assert_eq!(report.unexpected_unused().len(), 26, "{report}");
    assert!(
        report
            .unused
            .iter()
            .any(|t| t.name == "model.decoder.layers.1.fc1.weight" && t.shape == vec![32, 16])
    );
}

#[test]
fn unknown_extension_is_an_error() {
    let mut model = tiny_config().init(&Device::flex());
    let err = load_hf(&mut model, fixture_dir().join("config.json")).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedWeightFormat { .. }),
        "{err}"
    );
}

#[test]
fn burnpack_and_hf_export_round_trip() {
    let device = Device::flex();
    let model = tiny_model(&device);
    let reference = model
        .forward(
            int2("input_ids", &device),
            mask_pad(&device),
            int2("decoder_input_ids", &device),
        )
        .logits;

    let bpk = temp("tiny.bpk");
    save_burnpack(&model, &bpk).unwrap();
    let mut restored = tiny_config().init(&device);
    load_burnpack(&mut restored, &bpk).unwrap();
    let logits = restored
        .forward(
            int2("input_ids", &device),
            mask_pad(&device),
            int2("decoder_input_ids", &device),
        )
        .logits;
    assert_eq!(logits.into_data(), reference.clone().into_data());

    let st = temp("exported.safetensors");
    export_hf_safetensors(&model, &st).unwrap();
    let mut reloaded = tiny_config().init(&device);
    let report = load_hf(&mut reloaded, &st).unwrap();
    assert!(report.is_complete() && report.unused.is_empty(), "{report}");
    let logits = reloaded
        .forward(
            int2("input_ids", &device),
            mask_pad(&device),
            int2("decoder_input_ids", &device),
        )
        .logits;
    assert_eq!(logits.into_data(), reference.into_data());
}

#[test]
fn resized_embeddings_get_the_mean_row_and_zero_bias() {
    let device = Device::flex();
    let model = tiny_model(&device);
    let old = model.model.shared.weight.val();
    let resized = model.resize_token_embeddings(68);
    assert_eq!(resized.vocab_size(), 68);
    assert_eq!(resized.config.vocab_size, 68);
    let new = resized.model.shared.weight.val();
    let mean = old.clone().mean_dim(0);
    let diff = (new.clone().narrow(0, 60, 8) - mean.expand([8, 16]))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(diff < 1e-6);
    let kept = (new.narrow(0, 0, 60) - old)
        .abs()
        .max()
        .into_scalar::<f32>();
    assert_eq!(kept, 0.0);
    let bias = resized.final_logits_bias.val().slice([0..1, 60..68]);
    assert_eq!(bias.abs().sum().into_scalar::<f32>(), 0.0);
}

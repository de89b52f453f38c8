//! The in-memory loaders give what the path loaders give for the same bytes, and their errors
//! name the in-memory source.

mod common;

use burn::tensor::Device;
use common::*;
use esc_models::bert::BertConfig;
use esc_models::{
    BlenderbotSmallConfig, Error, GenerationConfig, LoadOptions, load_hf, load_hf_safetensors_bytes,
};

#[test]
fn configs_from_memory_equal_configs_from_files() {
    let path = fixture_dir().join("config.json");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        BlenderbotSmallConfig::from_json(&bytes).unwrap(),
        BlenderbotSmallConfig::load(&path).unwrap()
    );
    let generation = GenerationConfig::from_json(r#"{"num_beams": 3, "max_length": 9}"#).unwrap();
    assert_eq!((generation.num_beams, generation.max_length), (3, 9));
    let bert = BertConfig::from_json(r#"{"hidden_size": 8, "num_attention_heads": 2}"#).unwrap();
    assert_eq!(bert.hidden_size, 8);
}

#[test]
fn config_errors_from_memory_name_the_source_and_the_field() {
    let err = BlenderbotSmallConfig::from_json("{\"d_model\": ").unwrap_err();
    assert!(matches!(err, Error::ConfigParse { .. }), "{err:?}");
    assert!(err.to_string().starts_with("<json>"), "{err}");
    let err = GenerationConfig::from_json(r#"{"num_beams": 0}"#).unwrap_err();
    assert!(err.to_string().contains("field `num_beams`"), "{err}");
    let err = BertConfig::from_json([b'{', 0xff, b'}']).unwrap_err();
    assert!(matches!(err, Error::ConfigParse { .. }), "{err:?}");
}

#[test]
fn safetensors_from_memory_load_as_from_the_file() {
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let device = Device::flex();
    let path = fixture_dir().join("model.safetensors");
    let mut from_file = config.init(&device);
    load_hf(&mut from_file, &path).unwrap();
    let mut from_bytes = config.init(&device);
    let bytes = std::fs::read(&path).unwrap();
    let report =
        load_hf_safetensors_bytes(&mut from_bytes, &bytes, &LoadOptions::default()).unwrap();
    assert!(
        report.missing.iter().all(|t| t.name == "final_logits_bias"),
        "{report}"
    );
    let a = from_file.model.shared.weight.val().into_data();
    let b = from_bytes.model.shared.weight.val().into_data();
    a.assert_eq(&b, true);
    let a = from_file.model.decoder.layers[1]
        .fc2
        .weight
        .val()
        .into_data();
    let b = from_bytes.model.decoder.layers[1]
        .fc2
        .weight
        .val()
        .into_data();
    a.assert_eq(&b, true);
}

#[test]
fn unreadable_safetensors_bytes_name_the_source() {
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let mut model = config.init(&Device::flex());
    for bytes in [
        &b""[..],
        b"\x08\0\0\0\0\0\0\0{}",
        b"\xff\xff\xff\xff\xff\xff\xff\xff",
    ] {
        let err =
            load_hf_safetensors_bytes(&mut model, bytes, &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("<safetensors>"), "{err}");
    }
}

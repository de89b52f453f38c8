//! Logit parity with transformers 4.57.1 on the tiny random BlenderBot-Small fixture
//! (`scripts/make_bbs_fixture.py`), on flex and ndarray.

mod common;

use burn::tensor::{Device, Int, Tensor, s};
use common::*;
use esc_models::{BlenderbotSmallConfig, load_hf};

const TOL: f64 = 1e-4;

#[test]
fn encoder_states_and_logits_match_transformers() {
    for (name, device) in devices() {
        let model = tiny_model(&device);
        let out = model.forward(
            int2("input_ids", &device),
            mask_pad(&device),
            int2("decoder_input_ids", &device),
        );
        let enc = max_abs_diff(out.encoder_hidden, "encoder_hidden");
        let logits = max_abs_diff(out.logits, "logits");
        assert!(enc < TOL, "{name}: encoder states differ by {enc}");
        assert!(logits < TOL, "{name}: logits differ by {logits}");
    }
}

#[test]
fn bin_and_safetensors_load_the_same_weights() {
    let device = Device::flex();
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let mut model = config.init(&device);
    let report = load_hf(&mut model, fixture_dir().join("pytorch_model.bin")).unwrap();
    assert!(report.missing.is_empty(), "{report}");
    // The .bin repeats the tied embedding under its aliases.
    let mut unused: Vec<_> = report.unused.iter().map(|t| t.name.as_str()).collect();
    unused.sort();
    assert_eq!(
        unused,
        [
            "lm_head.weight",
            "model.decoder.embed_tokens.weight",
            "model.encoder.embed_tokens.weight"
        ]
    );
    let out = model.forward(
        int2("input_ids", &device),
        mask_pad(&device),
        int2("decoder_input_ids", &device),
    );
    let diff = max_abs_diff(out.logits, "logits");
    assert!(diff < TOL, "logits differ by {diff}");
}

#[test]
fn cached_decoding_gives_the_uncached_logits() {
    for (name, device) in devices() {
        let model = tiny_model(&device);
        let ids = int2("input_ids", &device);
        let mask = mask_pad(&device);
        let dec = int2("decoder_input_ids", &device);
        let full = model.forward(ids.clone(), mask.clone(), dec.clone()).logits;
        let enc = model.encode(ids, mask.clone());
        let mut cache = model.new_cache();
        // A 2-token first chunk (as STAR's `[<s>, strategy]` prefix), then one token at a time.
        let [_, t] = dec.dims();
        let mut chunks = vec![model.decode(
            dec.clone().slice(s![.., 0..2]),
            &enc,
            &mask,
            Some(&mut cache),
        )];
        for i in 2..t {
            let step: Tensor<2, Int> = dec.clone().slice(s![.., i..i + 1]);
            chunks.push(model.decode(step, &enc, &mask, Some(&mut cache)));
        }
        assert_eq!(cache.past_len, t);
        let cached = Tensor::cat(chunks, 1);
        let diff = (cached - full).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-5, "{name}: cached logits differ by {diff}");
    }
}

#[test]
fn preset_90m_has_the_transformers_parameter_count() {
    let meta = expected_json();
    let hf = meta["bbs90m_num_parameters"].as_u64().unwrap() as usize;
    let hf_resized = meta["bbs90m_resized_plus8_num_parameters"]
        .as_u64()
        .unwrap() as usize;
    let config = BlenderbotSmallConfig::blenderbot_small_90m();
    let model = config.init(&Device::flex());
    use burn::module::Module;
    // HF counts neither the tied copies nor the `final_logits_bias` buffer; we count the bias.
    assert_eq!(model.num_params() - config.vocab_size, hf);
    let resized = model.resize_token_embeddings(config.vocab_size + 8);
    assert_eq!(resized.num_params() - (config.vocab_size + 8), hf_resized);
    let tiny = meta["tiny_num_parameters"].as_u64().unwrap() as usize;
    let tiny_config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    assert_eq!(
        tiny_config.init(&Device::flex()).num_params() - tiny_config.vocab_size,
        tiny
    );
}

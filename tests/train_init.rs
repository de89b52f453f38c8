//! `--init`: a run built from pretrained HF weights is logit-exact with transformers on the
//! tiny_bbs fixture, and the strategy tokens are added as transformers' `resize_token_embeddings`
//! adds them (new rows = the mean of the old ones).

#[path = "../crates/esc-models/tests/common/mod.rs"]
mod common;

use burn::tensor::{Device, Tensor};
use common::{expected, fixture_dir, int2, mask_pad};
use star_esc::train::{TrainConfig, build_model};

#[test]
fn a_fine_tuned_run_starts_from_the_pretrained_weights() {
    let device = Device::flex();
    let config = TrainConfig {
        star: false,
        ..TrainConfig::fine_tune(fixture_dir())
    };
    // The fixture's 60 ids plus the 8 strategy tokens.
    let model = build_model(&config, 68, &device).unwrap();
    let out = model.backbone.forward(
        int2("input_ids", &device),
        mask_pad(&device),
        int2("decoder_input_ids", &device),
    );
    let [b, t, v] = out.logits.dims();
    assert_eq!(v, 68);
    // The first 60 columns are transformers' logits (new rows only add columns).
    let (shape, want) = expected("logits");
    assert_eq!(shape, [b, t, 60]);
    let got = out
        .logits
        .slice([0..b, 0..t, 0..60])
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    let diff = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (*g as f64 - w).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-4, "logits differ from transformers by {diff}");
    // The new embedding rows are the mean of the pretrained ones.
    let shared = model.backbone.model.shared.weight.val();
    let d = shared.dims()[1];
    let mean: Tensor<2> = shared.clone().slice([0..60, 0..d]).mean_dim(0);
    let new_rows = shared.slice([60..68, 0..d]);
    let diff = (new_rows - mean.expand([8, d]))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(diff < 1e-6, "new rows differ from the mean by {diff}");

    // A tokenizer smaller than the pretrained vocabulary is refused with the fix in the message.
    let err = build_model(&config, 50, &device).unwrap_err().to_string();
    assert!(err.contains("--tokenizer"), "{err}");
}

//! HF weights as a PyTorch pickle (`.bin`): any bytes load into the tiny fixture architecture or
//! give a typed error naming the file. burn-store reads pickles from a path only, so each input
//! is written to a scratch file.
#![no_main]

#[path = "scratch.rs"]
mod scratch;

use std::sync::OnceLock;

use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};
use libfuzzer_sys::fuzz_target;

fn model() -> &'static BlenderbotSmallForConditionalGeneration {
    static MODEL: OnceLock<BlenderbotSmallForConditionalGeneration> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/esc-models/tests/fixtures/tiny_bbs");
        let config = BlenderbotSmallConfig::load(dir.join("config.json")).expect("fixture config");
        config.init(&Device::flex())
    })
}

fuzz_target!(|data: &[u8]| {
    let mut model = model().clone();
    let path = scratch::write("pytorch_model.bin", data);
    if let Err(e) = esc_models::load_hf(&mut model, &path) {
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
});

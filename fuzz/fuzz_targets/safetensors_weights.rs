//! HF weights (`.safetensors`): any bytes load into the tiny fixture architecture or give a typed
//! error naming the file (unreadable header, truncated data, wrong architecture).
#![no_main]

#[path = "scratch.rs"]
mod scratch;

use burn::tensor::Device;
use esc_models::BlenderbotSmallConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/esc-models/tests/fixtures/tiny_bbs");
    let config = BlenderbotSmallConfig::load(dir.join("config.json")).expect("fixture config");
    let mut model = config.init(&Device::flex());
    let path = scratch::write("model.safetensors", data);
    if let Err(e) = esc_models::load_hf(&mut model, &path) {
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
});

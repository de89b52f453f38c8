//! The tiny BlenderBot-Small fixture of esc-models' tests, loaded once per process; shared by the
//! targets that need a model (included with `#[path]`).

use std::sync::OnceLock;

use burn::tensor::Device;
use esc_models::{BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration};

/// The fixture model with its weights, on flex.
pub fn tiny_model() -> &'static BlenderbotSmallForConditionalGeneration {
    static MODEL: OnceLock<BlenderbotSmallForConditionalGeneration> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/esc-models/tests/fixtures/tiny_bbs");
        let config = BlenderbotSmallConfig::load(dir.join("config.json")).expect("fixture config");
        let mut model = config.init(&Device::flex());
        esc_models::load_hf(&mut model, dir.join("model.safetensors")).expect("fixture weights");
        model
    })
}

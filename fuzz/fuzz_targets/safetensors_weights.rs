//! HF weights (`.safetensors`) from memory: any bytes load into the tiny fixture architecture or
//! give a typed error (unreadable header, truncated data, wrong architecture).
#![no_main]

#[path = "fixture.rs"]
mod fixture;

use esc_models::LoadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut model = fixture::tiny_model().clone();
    // Lenient on the first byte's low bit, so both the strict and the tolerant paths run.
    let options = if data.first().is_some_and(|b| b & 1 == 1) {
        LoadOptions {
            allow_missing: true,
            allow_mismatched: true,
            allow_unused: true,
        }
    } else {
        LoadOptions::default()
    };
    if let Err(e) = esc_models::load_hf_safetensors_bytes(&mut model, data, &options) {
        assert!(e.to_string().starts_with("<safetensors>"), "{e}");
    }
});

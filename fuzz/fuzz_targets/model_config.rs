//! HF `config.json` of BlenderBot-Small: any bytes give a valid configuration or a typed error
//! naming the file.
#![no_main]

#[path = "scratch.rs"]
mod scratch;

use esc_models::BlenderbotSmallConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = scratch::write("config.json", data);
    match BlenderbotSmallConfig::load(&path) {
        Ok(config) => assert!(config.validate().is_ok()),
        Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{e}"),
    }
});

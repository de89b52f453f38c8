//! HF `config.json` of BlenderBot-Small (and of BERT, for BERTScore), parsed from memory: any
//! bytes give a valid configuration or a typed error.
#![no_main]

use esc_models::BlenderbotSmallConfig;
use esc_models::bert::BertConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = BlenderbotSmallConfig::from_json(data) {
        assert!(config.validate().is_ok());
    }
    if let Ok(config) = BertConfig::from_json(data) {
        assert!(config.validate().is_ok());
    }
});

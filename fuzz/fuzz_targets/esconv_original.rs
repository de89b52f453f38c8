//! The original `ESConv.json` (a JSON array), parsed from memory: any bytes give dialogs or a
//! typed error naming the source.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = esc_data::parse_original(data) {
        assert!(e.to_string().starts_with("<ESConv.json>"), "{e}");
    }
});

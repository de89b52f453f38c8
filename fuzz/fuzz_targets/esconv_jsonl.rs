//! Processed ESConv splits (jsonl), parsed from memory: any bytes give dialogs or a typed error
//! naming the source and, past the file level, the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = esc_data::parse_jsonl(data) {
        assert!(e.to_string().starts_with("<jsonl>"), "{e}");
    }
    // The sniffing reader takes the same bytes down either format's path.
    if let Err(e) = esc_data::parse_dialogs(data) {
        assert!(e.to_string().starts_with("<dialogs>"), "{e}");
    }
});

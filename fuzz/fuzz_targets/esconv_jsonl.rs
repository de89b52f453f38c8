//! Processed ESConv splits (jsonl): any bytes give dialogs or a typed error naming the file.
#![no_main]

#[path = "scratch.rs"]
mod scratch;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = scratch::write("split.jsonl", data);
    if let Err(e) = esc_data::read_jsonl(&path) {
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
    let _ = esc_data::read_dialogs(&path);
});

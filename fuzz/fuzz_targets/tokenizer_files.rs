//! `vocab.json` + `merges.txt`: the input is split at its first `0x00` byte into the two files;
//! loading gives a tokenizer or a typed error, and a loaded tokenizer encodes and decodes.
#![no_main]

#[path = "scratch.rs"]
mod scratch;

use esc_data::{BlenderbotSmallTokenizer, Tokenize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (vocab, merges) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let vocab = scratch::write("vocab.json", vocab);
    let merges = scratch::write("merges.txt", merges);
    if let Ok(tok) = BlenderbotSmallTokenizer::from_files(&vocab, &merges) {
        let text = String::from_utf8_lossy(data);
        let ids = tok.encode(&text);
        let _ = tok.decode(&ids);
        let _ = tok.decode(&[u32::MAX, 0, 1, 2, 3]);
    }
});

//! The BlenderBot-Small-90M tokenizer (from `STAR_ESC_DATA`) on any text and any id list:
//! encoding gives in-range ids, decoding never panics.
#![no_main]

use std::sync::OnceLock;

use esc_data::{BlenderbotSmallTokenizer, DecodeOptions, Tokenize};
use libfuzzer_sys::fuzz_target;

fn tokenizer() -> &'static BlenderbotSmallTokenizer {
    static TOK: OnceLock<BlenderbotSmallTokenizer> = OnceLock::new();
    TOK.get_or_init(|| {
        let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
        BlenderbotSmallTokenizer::from_dir(dir).expect("the shared tokenizer loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let tok = tokenizer();
    let text = String::from_utf8_lossy(data);
    let ids = tok.encode(&text);
    assert!(ids.iter().all(|&id| (id as usize) < tok.vocab_size()));
    let _ = tok.decode(&ids);
    let raw: Vec<u32> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let options = DecodeOptions {
        skip_special_tokens: data.first().is_some_and(|b| b & 1 == 1),
        clean_up_tokenization_spaces: data.first().is_some_and(|b| b & 2 == 2),
        spaces_between_special_tokens: data.first().is_some_and(|b| b & 4 == 4),
    };
    let _ = tok.decode_with(&raw, &options);
});

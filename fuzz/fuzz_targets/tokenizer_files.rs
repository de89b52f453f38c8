//! `vocab.json` + `merges.txt` from memory: the input is split at its first `0x00` byte into the
//! two files; loading gives a tokenizer or a typed error naming the source, and a loaded
//! tokenizer encodes to in-range ids and decodes.
#![no_main]

use esc_data::BlenderbotSmallTokenizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (vocab, merges) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    match BlenderbotSmallTokenizer::from_bytes(vocab, merges) {
        Ok(tok) => {
            let text = String::from_utf8_lossy(data);
            let ids = tok.encode(&text);
            // Every id names a token of the vocabulary (only the unknown token's id maps back
            // to `__unk__`).
            let unk = tok.token_to_id("__unk__");
            assert!(
                ids.iter()
                    .all(|&id| tok.id_to_token(id) != "__unk__" || Some(id) == unk),
                "{ids:?}"
            );
            let _ = tok.decode(&ids);
            let _ = tok.decode(&[u32::MAX, 0, 1, 2, 3]);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with("<vocab.json>") || message.starts_with("<merges.txt>"),
                "{message}"
            );
        }
    }
});

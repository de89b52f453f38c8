//! The exported HF `tokenizer.json`, loaded with the `tokenizers` library, against our tokenizer
//! (itself id-exact with transformers, see `tokenizer_parity.rs`) on every ESConv utterance.

use esc_data::tokenizer::export_hf_tokenizer;
use esc_data::{BlenderbotSmallTokenizer, Tokenize};
use serde_json::Value;

fn tokenizer() -> BlenderbotSmallTokenizer {
    let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
    BlenderbotSmallTokenizer::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn all_utterances() -> Vec<String> {
    let dir = esc_data::paths::esconv_dir().unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for split in ["train", "valid", "test"] {
        let path = dir.join(format!("{split}.jsonl"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines() {
            let dialog: Value = serde_json::from_str(line).expect("valid JSON line");
            for turn in dialog["dialog"].as_array().expect("dialog array") {
                out.push(turn["text"].as_str().expect("text").to_owned());
            }
        }
    }
    out
}

#[test]
fn exported_tokenizer_json_reproduces_the_slow_tokenizer() {
    let ours = tokenizer();
    let export = export_hf_tokenizer(&ours).unwrap();
    assert_eq!(export.extra_ids_start, 54_952);
    // Through a file, as a user would load it.
    let path = std::env::temp_dir().join(format!("esc-data-tokenizer-{}.json", std::process::id()));
    export.save(&path).unwrap();
    let hf = tokenizers::Tokenizer::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    for s in esc_data::Strategy::ALL {
        assert_eq!(hf.token_to_id(&s.token()), Some(ours.strategy_token_id(s)));
    }

    let texts = all_utterances();
    let (mut raw_diff, mut mapped_diff, mut decode_diff) = (0, 0, 0);
    let mut first_mapped_diff = None;
    let mut first_decode_diff = None;
    for text in &texts {
        let expected = ours.encode(text);
        let raw: Vec<u32> = hf.encode(text.as_str(), false).unwrap().get_ids().to_vec();
        let mapped: Vec<u32> = raw.iter().map(|&id| export.map_id(id)).collect();
        raw_diff += usize::from(raw != expected);
        if mapped != expected {
            mapped_diff += 1;
            first_mapped_diff.get_or_insert((text.clone(), mapped.clone(), expected.clone()));
        }
        let decoded = hf.decode(&mapped, false).unwrap();
        if decoded != ours.decode(&expected) {
            decode_diff += 1;
            first_decode_diff.get_or_insert((text.clone(), decoded, ours.decode(&expected)));
        }
    }
    let n = texts.len();
    let pct = |k: usize| 100.0 * k as f64 / n as f64;
    println!(
        "HF export on {n} utterances ({} extra ids): raw ids differ {raw_diff} ({:.2}%), ids after \
         map_id differ {mapped_diff} ({:.2}%), decode differs {decode_diff} ({:.2}%)",
        export.num_extra_ids,
        pct(raw_diff),
        pct(mapped_diff),
        pct(decode_diff)
    );
    assert_eq!(n, 38_365);
    assert_eq!(
        mapped_diff, 0,
        "first difference (text, hf, ours): {first_mapped_diff:?}"
    );
    assert_eq!(
        decode_diff, 0,
        "first difference (text, hf, ours): {first_decode_diff:?}"
    );
}

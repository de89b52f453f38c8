//! Parity of `BlenderbotSmallTokenizer` with transformers' slow tokenizer (4.57.1), against the
//! fixtures written by `scripts/tokenizer_reference.py`.

use std::path::{Path, PathBuf};

use esc_data::{BlenderbotSmallTokenizer, DecodeOptions, Strategy, Tokenize};
use serde_json::Value;

const SPLITS: [&str; 3] = ["train", "valid", "test"];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tokenizer")
}

fn tokenizer() -> BlenderbotSmallTokenizer {
    let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
    BlenderbotSmallTokenizer::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"))
}

/// `dialog[*].text` of every line of a processed split, in file order.
fn utterances(split: &str) -> Vec<String> {
    let dir = esc_data::paths::esconv_dir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{split}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let dialog: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
        for turn in dialog["dialog"].as_array().expect("dialog array") {
            out.push(turn["text"].as_str().expect("text").to_owned());
        }
    }
    out
}

/// FNV-1a 64 folded to 32 bits, as in the fixture script.
fn h32(bytes: impl IntoIterator<Item = u8>) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h ^ (h >> 32)) & 0xffff_ffff) as u32
}

fn h32_ids(ids: &[u32]) -> u32 {
    h32(ids.iter().flat_map(|i| i.to_le_bytes()))
}

fn h32_str(s: &str) -> u32 {
    h32(s.bytes())
}

fn parse_hex(s: &str) -> u32 {
    u32::from_str_radix(s, 16).unwrap_or_else(|e| panic!("bad hash {s:?}: {e}"))
}

#[test]
fn every_esconv_utterance_matches_the_slow_tokenizer() {
    let tok = tokenizer();
    let skip = DecodeOptions {
        skip_special_tokens: true,
        ..DecodeOptions::default()
    };
    let mut checked = 0;
    for split in SPLITS {
        let texts = utterances(split);
        let path = fixture_dir().join(format!("esconv_{split}.hashes"));
        let fixture = std::fs::read_to_string(&path).unwrap();
        let mut lines = fixture.lines().filter(|l| !l.starts_with('#'));
        let mut skip_decodes = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("{split}: fixture too short"));
            let (ids_hash, decode_hash) = line.split_once(' ').expect("two hashes");
            let ids = tok.encode(text);
            if h32_ids(&ids) != parse_hex(ids_hash) {
                panic!(
                    "{split} utterance {i}: ids differ from transformers\n  text: {text:?}\n  \
                     ours: {ids:?}\n  reference ids: python scripts/tokenizer_reference.py \
                     --text {text:?}"
                );
            }
            let decoded = tok.decode(&ids);
            assert_eq!(
                h32_str(&decoded),
                parse_hex(decode_hash),
                "{split} utterance {i}: decode differs\n  text: {text:?}\n  ours: {decoded:?}"
            );
            skip_decodes.push(tok.decode_with(&ids, &skip));
            checked += 1;
        }
        let last = lines.next().expect("skip_special_decodes line");
        let expected = last
            .strip_prefix("skip_special_decodes ")
            .expect("summary line");
        assert_eq!(
            h32_str(&skip_decodes.join("\0")),
            parse_hex(expected),
            "{split}: decode(skip_special_tokens=True) differs"
        );
        assert!(
            lines.next().is_none(),
            "{split}: fixture has more lines than utterances"
        );
    }
    println!("tokenizer parity: {checked} utterances checked (ids and decode), all equal");
    assert_eq!(checked, 38_365);
}

#[test]
fn synthetic_strings_match_token_for_token() {
    let tok = tokenizer();
    let path = fixture_dir().join("synthetic.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        fixture["vocab_size"].as_u64(),
        Some(tok.vocab_size() as u64)
    );
    let skip = DecodeOptions {
        skip_special_tokens: true,
        ..DecodeOptions::default()
    };
    let cases = fixture["texts"].as_array().unwrap();
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let tokens: Vec<String> = serde_json::from_value(case["tokens"].clone()).unwrap();
        let ids: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(tok.tokenize(text), tokens, "tokens of {text:?}");
        assert_eq!(tok.encode(text), ids, "ids of {text:?}");
        assert_eq!(
            tok.decode(&ids),
            case["decode"].as_str().unwrap(),
            "decode of {text:?}"
        );
        assert_eq!(
            tok.decode_with(&ids, &skip),
            case["decode_skip_special"].as_str().unwrap(),
            "decode(skip_special_tokens=True) of {text:?}"
        );
    }
    let decodes = fixture["decodes"].as_array().unwrap();
    for case in decodes {
        let ids: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        let options = DecodeOptions {
            skip_special_tokens: case["skip_special_tokens"].as_bool().unwrap(),
            clean_up_tokenization_spaces: case["clean_up_tokenization_spaces"].as_bool().unwrap(),
            ..DecodeOptions::default()
        };
        assert_eq!(
            tok.decode_with(&ids, &options),
            case["text"].as_str().unwrap(),
            "decode of {ids:?} with {options:?}"
        );
    }
    println!(
        "synthetic: {} texts and {} decodes equal",
        cases.len(),
        decodes.len()
    );
}

#[test]
fn strategy_and_special_ids() {
    let tok = tokenizer();
    for (i, s) in Strategy::ALL.iter().enumerate() {
        assert_eq!(tok.strategy_token_id(*s), 54_944 + i as u32);
        assert_eq!(tok.encode(&s.token()), vec![54_944 + i as u32]);
    }
    let sp = tok.special_tokens();
    assert_eq!((sp.pad, sp.bos, sp.eos, sp.unk), (0, 1, 2, 3));
    assert_eq!(tok.vocab_size(), 54_952);
    assert_eq!(tok.base_vocab_size(), 54_944);
}

/// The text the fixture script builds for one code point.
fn codepoint_text(c: char) -> String {
    format!("A{c}b {c} {c}{c}Σ")
}

#[test]
fn every_code_point_matches() {
    let tok = tokenizer();
    let fixture = std::fs::read_to_string(fixture_dir().join("codepoints.hashes")).unwrap();
    let mut blocks = 0;
    for line in fixture.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split(' ');
        let block = parse_hex(parts.next().unwrap());
        let tokens_hash = parse_hex(parts.next().unwrap());
        let ids_hash = parse_hex(parts.next().unwrap());
        let mut token_bytes: Vec<u8> = Vec::new();
        let mut ids = Vec::new();
        let mut first = true;
        for c in (block * 4096..(block + 1) * 4096).filter_map(char::from_u32) {
            let text = codepoint_text(c);
            let mut tokens = tok.tokenize(&text);
            tokens.push("\u{1}".to_owned());
            for t in tokens {
                if !first {
                    token_bytes.push(0);
                }
                first = false;
                token_bytes.extend_from_slice(t.as_bytes());
            }
            ids.extend(tok.encode(&text));
        }
        if h32(token_bytes.iter().copied()) != tokens_hash || h32_ids(&ids) != ids_hash {
            let bad: Vec<String> = (block * 4096..(block + 1) * 4096)
                .filter_map(char::from_u32)
                .take(3)
                .map(|c| format!("U+{:04X}: {:?}", c as u32, tok.tokenize(&codepoint_text(c))))
                .collect();
            panic!(
                "code points U+{:04X}..U+{:04X} differ from Python; first texts: {bad:?}",
                block * 4096,
                (block + 1) * 4096 - 1
            );
        }
        blocks += 1;
    }
    println!("code points: {blocks} blocks of 4096 equal");
    assert_eq!(blocks, 0x110000 / 4096);
}

#[test]
fn never_panics_on_odd_text() {
    let tok = tokenizer();
    for text in [
        "\u{0}",
        "\u{FEFF}[Question",
        "]]]__",
        "___________",
        "'''''\n\n\n",
        "a\u{0300}\u{0301}\u{0302}",
        "\u{10FFFF}\u{E000}",
    ] {
        let ids = tok.encode(text);
        let _ = tok.decode(&ids);
    }
    let _ = tok.decode(&[u32::MAX, 0, 54_951, 54_952]);
}

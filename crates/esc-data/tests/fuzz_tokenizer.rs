//! Property tests (proptest, fixed seed and case budget) of the BlenderBot-Small tokenizer:
//! garbage and mutated `vocab.json` / `merges.txt` give a typed [`TokenizerError`] naming the
//! file (never a panic), whatever loads encodes and decodes any text; the real tokenizer
//! encodes any Unicode text into in-range ids, decodes any id list, and round-trips words made
//! of known pieces.
//!
//! Each property prints how many inputs it tried (`cargo test ... -- --nocapture`).

mod fuzz_check;

use std::path::PathBuf;
use std::sync::OnceLock;

use esc_data::{BlenderbotSmallTokenizer, DecodeOptions, Strategy as SupportStrategy, Tokenize};
use fuzz_check::check;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value, json};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-data-fuzz-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A small valid vocabulary: the specials, every ASCII letter (final and non-final) and the
/// merges of "hello".
fn toy_vocab() -> Map<String, Value> {
    let mut tokens: Vec<String> = ["__null__", "__start__", "__end__", "__unk__"]
        .map(str::to_owned)
        .to_vec();
    for c in 'a'..='z' {
        tokens.push(c.to_string());
        tokens.push(format!("{c}@@"));
    }
    tokens.extend(["he@@", "hel@@", "lo", "hello", ",", "."].map(str::to_owned));
    tokens
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, json!(i)))
        .collect()
}

const TOY_MERGES: &str = "#version: 0.2\nh e\nhe l\nl o</w>\nhel lo</w>\n";

/// A change to the toy vocabulary.
#[derive(Debug, Clone)]
enum VocabEdit {
    /// Remove the entry at this index (modulo the length).
    Remove(usize),
    /// Give the entry at this index another JSON value as id.
    Retype(usize, Value),
    /// Add a token with an id (duplicates and huge ids included).
    Add(String, u32),
}

fn vocab_edit() -> impl Strategy<Value = VocabEdit> {
    let id_value = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(json!(u32::MAX)),
        Just(json!(u32::MAX as u64 + 1)),
        Just(json!(1.5)),
        Just(json!("7")),
        Just(Value::Null),
        Just(json!([1])),
    ];
    prop_oneof![
        any::<usize>().prop_map(VocabEdit::Remove),
        (any::<usize>(), id_value).prop_map(|(i, v)| VocabEdit::Retype(i, v)),
        (
            "\\PC{0,6}|\\[[A-Za-z]{1,8}\\]",
            prop_oneof![0u32..80, any::<u32>()]
        )
            .prop_map(|(t, id)| VocabEdit::Add(t, id)),
    ]
}

fn edit_vocab(vocab: &mut Map<String, Value>, edit: &VocabEdit) {
    let n = vocab.len().max(1);
    match edit {
        VocabEdit::Remove(i) => {
            if let Some(k) = vocab.keys().nth(i % n).cloned() {
                vocab.remove(&k);
            }
        }
        VocabEdit::Retype(i, v) => {
            if let Some(k) = vocab.keys().nth(i % n).cloned() {
                vocab.insert(k, v.clone());
            }
        }
        VocabEdit::Add(t, id) => {
            vocab.insert(t.clone(), json!(id));
        }
    }
}

/// A byte-level damage of a file.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Flip(usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..6),
                "[ \n#a-z<>/@]{1,8}".prop_map(String::into_bytes),
            ]
        )
            .prop_map(|(at, b)| Damage::Insert(at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Flip(at, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    match damage {
        Damage::Truncate(n) => bytes.truncate(n % (bytes.len() + 1)),
        Damage::Insert(at, b) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Damage::Flip(at, b) => {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] = *b;
            }
        }
    }
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "([A-Za-z,.!?' ]|\\[Question\\]|__end__|__unk__|@@|</w>){0,20}",
    ]
}

/// A loaded tokenizer must encode and decode anything without panicking.
fn exercise(tok: &BlenderbotSmallTokenizer, texts: &[String]) -> Result<(), TestCaseError> {
    let skip = DecodeOptions {
        skip_special_tokens: true,
        clean_up_tokenization_spaces: true,
        spaces_between_special_tokens: false,
    };
    for text in texts {
        let ids = tok.encode(text);
        let _ = tok.tokenize(text);
        let _ = tok.decode(&ids);
        let _ = tok.decode_with(&ids, &skip);
        let mut wild = ids.clone();
        wild.extend([u32::MAX, tok.vocab_size() as u32, 0]);
        let _ = tok.decode(&wild);
    }
    for s in SupportStrategy::ALL {
        let id = tok.strategy_token_id(s);
        prop_assert_eq!(tok.encode(&s.token()), vec![id]);
    }
    Ok(())
}

#[test]
fn garbage_and_mutated_tokenizer_files_give_typed_errors() {
    let (vocab_path, merges_path) = (scratch("vocab.json"), scratch("merges.txt"));
    let input = (
        prop::collection::vec(vocab_edit(), 0..3),
        prop::option::of(damage()),
        prop::option::of(damage()),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
        prop::collection::vec(any_text(), 1..4),
    );
    check(
        "tokenizer_files",
        512,
        input,
        |(edits, vocab_damage, merges_damage, garbage, texts)| {
            let mut vocab = toy_vocab();
            for e in &edits {
                edit_vocab(&mut vocab, e);
            }
            let mut vocab_bytes = serde_json::to_vec(&Value::Object(vocab)).unwrap();
            if let Some(d) = &vocab_damage {
                apply(&mut vocab_bytes, d);
            }
            let mut merges_bytes = TOY_MERGES.as_bytes().to_vec();
            if let Some(d) = &merges_damage {
                apply(&mut merges_bytes, d);
            }
            // Sometimes one file is pure garbage.
            if let Some(g) = garbage {
                if g.len() % 2 == 0 {
                    vocab_bytes = g;
                } else {
                    merges_bytes = g;
                }
            }
            std::fs::write(&vocab_path, &vocab_bytes).unwrap();
            std::fs::write(&merges_path, &merges_bytes).unwrap();
            match BlenderbotSmallTokenizer::from_files(&vocab_path, &merges_path) {
                Ok(tok) => exercise(&tok, &texts)?,
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(
                        msg.contains("vocab.json") || msg.contains("merges.txt"),
                        "{msg:?} names no file"
                    );
                }
            }
            Ok(())
        },
    );
}

#[test]
fn the_unmutated_toy_files_load_and_encode_hello() {
    let dir = scratch("toy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vocab.json"),
        Value::Object(toy_vocab()).to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("merges.txt"), TOY_MERGES).unwrap();
    let tok = BlenderbotSmallTokenizer::from_dir(&dir).unwrap();
    let hello = toy_vocab()["hello"].as_u64().unwrap() as u32;
    assert_eq!(tok.encode("Hello"), vec![hello]);
    // A missing directory is an I/O error naming the file.
    let err = BlenderbotSmallTokenizer::from_dir(dir.join("missing")).unwrap_err();
    assert!(err.to_string().contains("vocab.json"), "{err}");
}

/// The BlenderBot-Small-90M tokenizer of the shared data directory.
fn real() -> &'static BlenderbotSmallTokenizer {
    static TOK: OnceLock<BlenderbotSmallTokenizer> = OnceLock::new();
    TOK.get_or_init(|| {
        let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
        BlenderbotSmallTokenizer::from_dir(dir).unwrap()
    })
}

#[test]
fn the_real_tokenizer_encodes_any_text_into_known_ids() {
    let tok = real();
    let input = prop::collection::vec(any_text(), 1..4).prop_map(|v| v.concat());
    check("real_encode_decode", 512, input, |text| {
        let ids = tok.encode(&text);
        for &id in &ids {
            prop_assert!((id as usize) < tok.vocab_size(), "id {id} out of range");
        }
        if text.chars().any(|c| !c.is_whitespace()) {
            prop_assert!(!ids.is_empty(), "{text:?} encoded to nothing");
        }
        exercise(tok, &[text])
    });
}

#[test]
fn the_real_tokenizer_decodes_any_ids() {
    let tok = real();
    let n = tok.vocab_size() as u32;
    let ids = prop::collection::vec(prop_oneof![0..n, any::<u32>()], 0..40);
    let options =
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(a, b, c)| DecodeOptions {
            skip_special_tokens: a,
            clean_up_tokenization_spaces: b,
            spaces_between_special_tokens: c,
        });
    check("real_decode_ids", 512, (ids, options), |(ids, options)| {
        let text = tok.decode_with(&ids, &options);
        // Whatever was decoded encodes again.
        let _ = tok.encode(&text);
        Ok(())
    });
}

#[test]
fn lowercase_words_round_trip() {
    let tok = real();
    check(
        "real_round_trip",
        512,
        "[a-z]{1,12}( [a-z]{1,12}){0,6}",
        |text| {
            let ids = tok.encode(&text);
            prop_assert!(!ids.is_empty());
            // A piece missing from `vocab.json` becomes `__unk__` (as in Python, e.g. "y@@"):
            // everything else decodes back to the text.
            if !ids.contains(&tok.special_tokens().unk) {
                prop_assert_eq!(tok.decode(&ids), text);
            }
            Ok(())
        },
    );
}

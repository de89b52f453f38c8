//! The in-memory readers give what the path readers give for the same bytes, and their errors
//! name the in-memory source.

use esc_data::{
    BlenderbotSmallTokenizer, Error, Record, Tokenize, TokenizerError, parse_dialogs, parse_jsonl,
    parse_original, read_jsonl, read_original, sample_dir,
};

const ORIGINAL: &str = r#"[{"emotion_type": "anxiety", "problem_type": "job crisis", "situation": "s",
  "experience_type": "Current Experience",
  "dialog": [{"speaker": "seeker", "content": "hi"},
             {"speaker": "supporter", "content": "hello", "annotation": {"strategy": "Question"}}]}]"#;

#[test]
fn jsonl_from_memory_equals_jsonl_from_the_file() {
    for split in ["train", "valid", "test"] {
        let path = sample_dir().join(format!("{split}.jsonl"));
        let bytes = std::fs::read(&path).unwrap();
        let from_file = read_jsonl(&path).unwrap();
        assert_eq!(parse_jsonl(&bytes).unwrap(), from_file, "{split}");
        assert_eq!(parse_dialogs(&bytes).unwrap(), from_file, "{split}");
    }
}

#[test]
fn original_from_memory_equals_original_from_the_file() {
    let path = std::env::temp_dir().join(format!("esc-data-original-{}.json", std::process::id()));
    std::fs::write(&path, ORIGINAL).unwrap();
    let from_file = read_original(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(from_file.len(), 1);
    assert_eq!(parse_original(ORIGINAL).unwrap(), from_file);
    assert_eq!(parse_dialogs(ORIGINAL).unwrap(), from_file);
}

#[test]
fn in_memory_errors_name_the_source_and_the_record() {
    let err = parse_jsonl("\n{\"dialog\": [").unwrap_err();
    let Error::Json { location, .. } = &err else {
        panic!("expected Json, got {err:?}")
    };
    assert_eq!(location.record, Record::Line(2));
    assert!(err.to_string().starts_with("<jsonl>, line 2"), "{err}");

    let bad = ORIGINAL.replace("\"Question\"", "\"Guessing\"");
    let err = parse_original(&bad).unwrap_err().to_string();
    assert!(
        err.starts_with("<ESConv.json>") && err.contains("Guessing"),
        "{err}"
    );

    let err = parse_jsonl([b'{', 0xff, b'}']).unwrap_err();
    assert!(matches!(err, Error::NotUtf8 { .. }), "{err:?}");
}

#[test]
fn tokenizer_from_memory_encodes_as_the_tokenizer_from_files() {
    let dir = esc_data::paths::blenderbot_small_dir().unwrap_or_else(|e| panic!("{e}"));
    let from_files = BlenderbotSmallTokenizer::from_dir(&dir).unwrap();
    let vocab = std::fs::read(dir.join("vocab.json")).unwrap();
    let merges = std::fs::read(dir.join("merges.txt")).unwrap();
    let from_bytes = BlenderbotSmallTokenizer::from_bytes(&vocab, &merges).unwrap();
    let text = "I feel so anxious about my job interview tomorrow, what should I do?";
    assert_eq!(from_bytes.encode(text), from_files.encode(text));
    assert_eq!(from_bytes.vocab_size(), from_files.vocab_size());
}

#[test]
fn tokenizer_from_memory_errors_name_the_source() {
    let err = BlenderbotSmallTokenizer::from_bytes(b"{\"a\": 1,\n\xff}", "#version\n").unwrap_err();
    assert!(
        matches!(err, TokenizerError::NotUtf8 { line: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("<vocab.json>:2"), "{err}");
    let vocab = r#"{"__start__": 0, "__end__": 1, "__unk__": 2, "__null__": 3}"#;
    let err = BlenderbotSmallTokenizer::from_bytes(vocab, "no header").unwrap_err();
    assert!(err.to_string().starts_with("<merges.txt>"), "{err}");
}

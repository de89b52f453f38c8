//! Every way a data file can be malformed gets a typed error that names the file, the
//! line (jsonl) or dialog index (array), the turn, the field and what was expected.

use std::path::PathBuf;

use esc_data::{Error, Format, Record, Speaker, Strategy, read_dialogs, read_jsonl, read_original};

/// A temporary file that removes itself.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let dir = std::env::temp_dir().join(format!("esc-data-read-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const GOOD: &str = r#"{"emotion_type": "anxiety", "problem_type": "job crisis", "situation": "s", "dialog": [{"text": "hi", "speaker": "usr"}, {"text": "hello", "speaker": "sys", "strategy": "Question"}]}"#;

fn jsonl_error(name: &str, lines: &[&str]) -> (Error, PathBuf) {
    let file = TempFile::new(name, lines.join("\n").as_bytes());
    let err = read_jsonl(&file.0).expect_err("malformed input must fail");
    (err, file.0.clone())
}

fn message_names(err: &Error, parts: &[&str]) {
    let msg = err.to_string();
    for part in parts {
        assert!(msg.contains(part), "{msg:?} should contain {part:?}");
    }
}

#[test]
fn invalid_json_names_the_line() {
    let (err, path) = jsonl_error(
        "invalid.jsonl",
        &[GOOD, r#"{"emotion_type": "anxiety", "dialog": ["#],
    );
    match &err {
        Error::Json { location, .. } => {
            assert_eq!(location.path, path);
            assert_eq!(location.record, Record::Line(2));
        }
        other => panic!("expected Json, got {other:?}"),
    }
    message_names(&err, &["invalid.jsonl, line 2", "invalid JSON"]);
}

#[test]
fn missing_text_names_line_turn_and_field() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": "hi", "speaker": "usr"}, {"speaker": "sys", "strategy": "Question"}]}"#;
    let (err, _) = jsonl_error("missing_text.jsonl", &[GOOD, GOOD, bad]);
    match &err {
        Error::MissingField {
            location, field, ..
        } => {
            assert_eq!(location.record, Record::Line(3));
            assert_eq!(location.turn, Some(1));
            assert_eq!(*field, "text");
        }
        other => panic!("expected MissingField, got {other:?}"),
    }
    message_names(&err, &["line 3, turn 1", "`text`", "expected a string"]);
}

#[test]
fn text_of_the_wrong_type_is_reported_with_what_was_found() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": 42, "speaker": "usr"}]}"#;
    let (err, _) = jsonl_error("text_type.jsonl", &[bad]);
    assert!(
        matches!(err, Error::InvalidField { field: "text", .. }),
        "{err:?}"
    );
    message_names(
        &err,
        &["line 1, turn 0", "expected a string, found a number (42)"],
    );
}

#[test]
fn unknown_speaker_lists_the_accepted_names() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": "hi", "speaker": "bot"}]}"#;
    let (err, _) = jsonl_error("speaker.jsonl", &[bad]);
    match &err {
        Error::UnknownSpeaker {
            location, found, ..
        } => {
            assert_eq!(location.turn, Some(0));
            assert_eq!(found, "bot");
        }
        other => panic!("expected UnknownSpeaker, got {other:?}"),
    }
    message_names(&err, &["\"bot\"", "\"usr\" or \"sys\""]);
}

#[test]
fn unknown_strategy_lists_the_strategies() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": "hi", "speaker": "usr"}, {"text": "yo", "speaker": "sys", "strategy": "Empathy"}]}"#;
    let (err, _) = jsonl_error("strategy.jsonl", &[bad]);
    assert!(
        matches!(
            err,
            Error::UnknownStrategy {
                field: "strategy",
                ..
            }
        ),
        "{err:?}"
    );
    message_names(
        &err,
        &["line 1, turn 1", "\"Empathy\"", "Providing Suggestions"],
    );
}

#[test]
fn supporter_turn_without_strategy_is_an_error() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": "hi", "speaker": "usr"}, {"text": "yo", "speaker": "sys"}]}"#;
    let (err, _) = jsonl_error("no_strategy.jsonl", &[bad]);
    assert!(
        matches!(
            err,
            Error::MissingStrategy {
                field: "strategy",
                ..
            }
        ),
        "{err:?}"
    );
    message_names(
        &err,
        &["line 1, turn 1", "supporter turn without a strategy"],
    );
    // `null` counts as missing too.
    let bad = r#"{"emotion_type": "anxiety", "dialog": [{"text": "yo", "speaker": "sys", "strategy": null}]}"#;
    let (err, _) = jsonl_error("null_strategy.jsonl", &[bad]);
    assert!(matches!(err, Error::MissingStrategy { .. }), "{err:?}");
}

#[test]
fn empty_dialog_is_an_error() {
    let bad = r#"{"emotion_type": "anxiety", "dialog": []}"#;
    let (err, _) = jsonl_error("empty_dialog.jsonl", &[GOOD, bad]);
    match &err {
        Error::EmptyDialog { location, .. } => assert_eq!(location.record, Record::Line(2)),
        other => panic!("expected EmptyDialog, got {other:?}"),
    }
    message_names(&err, &["line 2", "empty dialog"]);
}

#[test]
fn missing_dialog_and_unknown_emotion_are_errors() {
    let (err, _) = jsonl_error("no_dialog.jsonl", &[r#"{"emotion_type": "anxiety"}"#]);
    assert!(
        matches!(
            err,
            Error::MissingField {
                field: "dialog",
                ..
            }
        ),
        "{err:?}"
    );
    let bad = r#"{"emotion_type": "joy", "dialog": [{"text": "hi", "speaker": "usr"}]}"#;
    let (err, _) = jsonl_error("emotion.jsonl", &[bad]);
    assert!(
        matches!(
            err,
            Error::UnknownEmotion {
                field: "emotion_type",
                ..
            }
        ),
        "{err:?}"
    );
    message_names(&err, &["\"joy\"", "anxiety"]);
}

#[test]
fn non_utf8_names_the_line_and_byte() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n{\"emotion_type\": \"anx\xffiety\"}\n");
    let file = TempFile::new("latin1.jsonl", &bytes);
    let err = read_jsonl(&file.0).unwrap_err();
    match &err {
        Error::NotUtf8 { location, byte } => {
            assert_eq!(location.record, Record::Line(2));
            assert_eq!(*byte, 21);
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
    message_names(&err, &["latin1.jsonl, line 2", "UTF-8"]);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = std::env::temp_dir().join("esc-data-no-such-dir/train.jsonl");
    let err = read_jsonl(&path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    message_names(&err, &["esc-data-no-such-dir/train.jsonl", "cannot read"]);
}

#[test]
fn empty_file_is_an_error() {
    let (err, _) = jsonl_error("empty.jsonl", &["", "  "]);
    assert!(matches!(err, Error::EmptyFile { .. }), "{err:?}");
}

#[test]
fn unknown_fields_are_ignored_and_text_is_normalised() {
    let line = r#"{"emotion_type": "fear", "extra": {"a": [1, 2]}, "dialog": [{"text": "  so \t  tired\n", "speaker": "usr", "mood": 3}, {"text": "I hear you", "speaker": "sys", "strategy": "Others", "confidence": 0.5}]}"#;
    let file = TempFile::new("extra.jsonl", format!("{line}\n\n").as_bytes());
    let dialogs = read_jsonl(&file.0).unwrap();
    assert_eq!(dialogs.len(), 1);
    assert_eq!(dialogs[0].turns[0].text, "so tired");
    assert_eq!(dialogs[0].turns[1].strategy, Some(Strategy::Others));
    assert_eq!(dialogs[0].problem, "");
    assert_eq!(dialogs[0].survey, None);
}

// ---- the original release (ESConv.json) ----

const ORIGINAL_OK: &str = r#"[
 {"experience_type": "Current Experience", "emotion_type": "sadness", "problem_type": "breakup with partner",
  "situation": "s", "survey_score": {"seeker": {"empathy": "5", "relevance": 4}, "supporter": {"relevance": "5"}},
  "dialog": [
    {"speaker": "seeker", "annotation": {"feedback": "4"}, "content": "I feel  low "},
    {"speaker": "supporter", "annotation": {"strategy": "Other"}, "content": "Hi"},
    {"speaker": "supporter", "annotation": {"strategy": "Question"}, "content": "Why?"}
  ]}
]"#;

#[test]
fn reads_the_original_format_with_the_other_alias() {
    let file = TempFile::new("ESConv_ok.json", ORIGINAL_OK.as_bytes());
    for dialogs in [
        read_original(&file.0).unwrap(),
        read_dialogs(&file.0).unwrap(),
    ] {
        let d = &dialogs[0];
        assert_eq!(d.turns.len(), 3);
        assert_eq!(d.turns[0].speaker, Speaker::Seeker);
        assert_eq!(d.turns[0].text, "I feel low");
        assert_eq!(d.turns[0].strategy, None);
        assert_eq!(d.turns[1].strategy, Some(Strategy::Others));
        assert_eq!(d.experience, "Current Experience");
        let survey = d.survey.as_ref().unwrap();
        assert_eq!(survey.seeker["relevance"], "4");
        assert_eq!(survey.supporter["relevance"], "5");
    }
    assert_eq!(Format::sniff(ORIGINAL_OK.as_bytes()), Format::Original);
}

#[test]
fn original_errors_name_the_dialog_index() {
    let two = |second: &str| {
        format!(
            r#"[{{"emotion_type": "fear", "dialog": [{{"speaker": "seeker", "content": "hi"}}]}}, {second}]"#
        )
    };
    let cases: [(&str, String, &str); 4] = [
        (
            "no_annotation.json",
            two(
                r#"{"emotion_type": "fear", "dialog": [{"speaker": "seeker", "content": "a"}, {"speaker": "supporter", "content": "b"}]}"#,
            ),
            "annotation.strategy",
        ),
        (
            "usr_speaker.json",
            two(
                r#"{"emotion_type": "fear", "dialog": [{"speaker": "seeker", "content": "a"}, {"speaker": "usr", "content": "b"}]}"#,
            ),
            "\"seeker\" or \"supporter\"",
        ),
        (
            "no_content.json",
            two(
                r#"{"emotion_type": "fear", "dialog": [{"speaker": "seeker", "content": "a"}, {"speaker": "seeker", "text": "b"}]}"#,
            ),
            "`content`",
        ),
        (
            "bad_strategy.json",
            two(
                r#"{"emotion_type": "fear", "dialog": [{"speaker": "seeker", "content": "a"}, {"speaker": "supporter", "content": "b", "annotation": {"strategy": "Hugs"}}]}"#,
            ),
            "\"Hugs\"",
        ),
    ];
    for (name, text, expected) in cases {
        let file = TempFile::new(name, text.as_bytes());
        let err = read_original(&file.0).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&format!("{name}, dialog 1, turn 1")), "{msg}");
        assert!(msg.contains(expected), "{msg} should mention {expected}");
    }
}

#[test]
fn original_structure_errors() {
    let file = TempFile::new("object.json", br#"{"dialog": []}"#);
    // `{` sniffs as jsonl; read_original insists on an array.
    let err = read_original(&file.0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidField {
                field: "(top level)",
                ..
            }
        ),
        "{err:?}"
    );
    let file = TempFile::new("empty_array.json", b"[]");
    assert!(matches!(
        read_original(&file.0).unwrap_err(),
        Error::EmptyFile { .. }
    ));
    let file = TempFile::new("truncated.json", b"[{\"emotion_type\": ");
    assert!(matches!(
        read_original(&file.0).unwrap_err(),
        Error::Json { .. }
    ));
    let file = TempFile::new(
        "empty_dialog.json",
        br#"[{"emotion_type": "fear", "dialog": []}]"#,
    );
    let err = read_original(&file.0).unwrap_err();
    assert!(matches!(err, Error::EmptyDialog { .. }), "{err:?}");
    assert!(err.to_string().contains("empty_dialog.json, dialog 0"));
}

#[test]
fn original_non_utf8_names_the_line() {
    let file = TempFile::new("latin1.json", b"[\n {\"emotion_type\": \"f\xe9ar\"}\n]");
    match read_original(&file.0).unwrap_err() {
        Error::NotUtf8 { location, byte } => {
            assert_eq!(location.record, Record::Line(2));
            assert_eq!(byte, 20);
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
}

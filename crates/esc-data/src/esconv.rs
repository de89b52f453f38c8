//! Readers for the two ESConv file formats.
//!
//! - **Processed splits** (`train.jsonl`, `valid.jsonl`, `test.jsonl`; one dialog per
//!   line): turns in `dialog`, each `{text, speaker: "usr"|"sys", strategy}` (strategy on
//!   `sys` turns), plus `emotion_type`, `problem_type`, `situation`, `experience_type`,
//!   `survey_score`. KEMI-style files add `knowledge` (seeker turns) / `heal` (supporter turns):
//!   tagged text such as `"[xReact] sad [xWant] to rest"` / `"[resp] … [str] … [aff] …"`
//!   (see [`parse_knowledge_text`]); anything else is an error naming file, line, turn and field.
//! - **Original release** (`ESConv.json`, one JSON array): turns in `dialog`, each
//!   `{content, speaker: "seeker"|"supporter", annotation: {strategy}}`; some releases
//!   spell the strategy `Other` instead of `Others`.
//!
//! Utterances are whitespace-normalised as the reference does ([`normalize_whitespace`]).
//! Unknown fields are ignored. Any problem is an [`Error`] naming the file, the line
//! (jsonl) or dialog index (array), the turn, the field and what was expected.

use std::path::Path;

use serde_json::{Map, Value};

use crate::dialog::{Survey, normalize_whitespace};
use crate::error::{Location, Record, Result};
use crate::knowledge::{COMET_EXPECTED, HEAL_EXPECTED};
use crate::{Dialog, Emotion, Error, Speaker, Strategy, Turn};
use crate::{KnowledgeKind, parse_knowledge_text};

/// Which of the two ESConv file formats a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Processed splits: jsonl, `text`, `speaker: usr|sys`, `strategy`.
    Processed,
    /// Original release: a JSON array, `content`, `speaker: seeker|supporter`,
    /// `annotation.strategy`.
    Original,
}

impl Format {
    /// The format of a file's bytes: a JSON array (first non-blank byte `[`) is the
    /// original release, anything else is read as jsonl.
    pub fn sniff(bytes: &[u8]) -> Format {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::Original,
            _ => Format::Processed,
        }
    }
}

/// Reads a processed jsonl split (one dialog per line; blank lines are skipped).
///
/// # Errors
/// [`Error::Io`], [`Error::NotUtf8`], [`Error::Json`] with the line number, and the
/// field errors of a malformed dialog; [`Error::EmptyFile`] when no line holds a dialog.
pub fn read_jsonl(path: impl AsRef<Path>) -> Result<Vec<Dialog>> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    parse_jsonl_at(&bytes, &Location::file(path))
}

/// Parses processed-format text held in memory (one dialog per line; blank lines are
/// skipped), as [`read_jsonl`] parses a file. Errors name the source as `<jsonl>` and the line.
///
/// ```
/// use esc_data::{Emotion, Speaker, Strategy};
/// // One dialog per line (`concat!` keeps it on one line).
/// let line = concat!(
///     r#"{"emotion_type": "anxiety", "problem_type": "job crisis", "situation": "I lost my job.", "#,
///     r#""experience_type": "Current Experience", "dialog": ["#,
///     r#"{"speaker": "usr", "text": "I lost my job today."}, "#,
///     r#"{"speaker": "sys", "text": "That sounds  hard.", "strategy": "Reflection of feelings"}]}"#,
/// );
/// let dialogs = esc_data::parse_jsonl(line)?;
/// assert_eq!(dialogs[0].emotion, Emotion::Anxiety);
/// assert_eq!(dialogs[0].turns[1].speaker, Speaker::Supporter);
/// assert_eq!(dialogs[0].turns[1].strategy, Some(Strategy::ReflectionOfFeelings));
/// assert_eq!(dialogs[0].turns[1].text, "That sounds hard."); // whitespace-normalised
/// # Ok::<(), esc_data::Error>(())
/// ```
///
/// # Errors
/// [`Error::NotUtf8`] and [`Error::Json`] with the line number, the field errors of a malformed
/// dialog, and [`Error::EmptyFile`] when no line holds a dialog.
pub fn parse_jsonl(text: impl AsRef<[u8]>) -> Result<Vec<Dialog>> {
    parse_jsonl_at(text.as_ref(), &Location::file("<jsonl>"))
}

/// Reads the original `ESConv.json` (a JSON array of dialogs).
///
/// # Errors
/// [`Error::Io`], [`Error::NotUtf8`] (with the line of the bad byte), [`Error::Json`],
/// [`Error::InvalidField`] when the top level is not an array, the field errors of a
/// malformed dialog (with its index), and [`Error::EmptyFile`] for an empty array.
pub fn read_original(path: impl AsRef<Path>) -> Result<Vec<Dialog>> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    parse_original_at(&bytes, &Location::file(path))
}

/// Parses the original release's JSON array held in memory, as [`read_original`] parses a
/// file. Errors name the source as `<ESConv.json>` and the dialog index.
///
/// # Errors
/// As [`read_original`], without [`Error::Io`].
pub fn parse_original(bytes: impl AsRef<[u8]>) -> Result<Vec<Dialog>> {
    parse_original_at(bytes.as_ref(), &Location::file("<ESConv.json>"))
}

/// Parses either format held in memory, chosen by [`Format::sniff`] (as [`read_dialogs`]).
/// Errors name the source as `<dialogs>`.
///
/// # Errors
/// As [`parse_jsonl`] or [`parse_original`].
pub fn parse_dialogs(bytes: impl AsRef<[u8]>) -> Result<Vec<Dialog>> {
    let bytes = bytes.as_ref();
    let location = Location::file("<dialogs>");
    match Format::sniff(bytes) {
        Format::Processed => parse_jsonl_at(bytes, &location),
        Format::Original => parse_original_at(bytes, &location),
    }
}

/// Reads either format, chosen by [`Format::sniff`].
///
/// # Errors
/// As [`read_jsonl`] or [`read_original`].
pub fn read_dialogs(path: impl AsRef<Path>) -> Result<Vec<Dialog>> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let location = Location::file(path);
    match Format::sniff(&bytes) {
        Format::Processed => parse_jsonl_at(&bytes, &location),
        Format::Original => parse_original_at(&bytes, &location),
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn parse_jsonl_at(bytes: &[u8], file: &Location) -> Result<Vec<Dialog>> {
    let mut dialogs = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let location = file.record(Record::Line(index + 1));
        let line = std::str::from_utf8(raw).map_err(|e| Error::NotUtf8 {
            location: location.clone(),
            byte: e.valid_up_to(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|source| Error::Json {
            location: location.clone(),
            source,
        })?;
        dialogs.push(parse_dialog(&value, Format::Processed, &location)?);
    }
    if dialogs.is_empty() {
        return Err(Error::EmptyFile {
            location: file.clone(),
        });
    }
    Ok(dialogs)
}

fn parse_original_at(bytes: &[u8], file: &Location) -> Result<Vec<Dialog>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let bad = e.valid_up_to();
        let line_start = bytes[..bad]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::NotUtf8 {
            location: file.record(Record::Line(line)),
            byte: bad - line_start,
        }
    })?;
    let value: Value = serde_json::from_str(text).map_err(|source| Error::Json {
        location: file.clone(),
        source,
    })?;
    let Value::Array(items) = value else {
        return Err(Error::InvalidField {
            location: file.clone(),
            field: "(top level)",
            expected: "a JSON array of dialogs",
            found: describe(&value),
        });
    };
    if items.is_empty() {
        return Err(Error::EmptyFile {
            location: file.clone(),
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_dialog(item, Format::Original, &file.record(Record::Dialog(i))))
        .collect()
}

fn parse_dialog(value: &Value, format: Format, location: &Location) -> Result<Dialog> {
    let Value::Object(obj) = value else {
        return Err(Error::InvalidField {
            location: location.clone(),
            field: "(dialog)",
            expected: "a JSON object",
            found: describe(value),
        });
    };
    let emotion_text = required_str(obj, "emotion_type", location)?;
    let emotion: Emotion = emotion_text
        .parse()
        .map_err(|source| Error::UnknownEmotion {
            location: location.clone(),
            field: "emotion_type",
            source,
        })?;
    let problem = optional_str(obj, "problem_type", location)?.unwrap_or_default();
    let situation = optional_str(obj, "situation", location)?.unwrap_or_default();
    let experience = optional_str(obj, "experience_type", location)?.unwrap_or_default();
    let survey = parse_survey(obj.get("survey_score"), location)?;

    let turns_value = obj.get("dialog").filter(|v| !v.is_null());
    let Some(turns_value) = turns_value else {
        return Err(Error::MissingField {
            location: location.clone(),
            field: "dialog",
            expected: "an array of turns",
        });
    };
    let Value::Array(items) = turns_value else {
        return Err(Error::InvalidField {
            location: location.clone(),
            field: "dialog",
            expected: "an array of turns",
            found: describe(turns_value),
        });
    };
    if items.is_empty() {
        return Err(Error::EmptyDialog {
            location: location.clone(),
            field: "dialog",
        });
    }
    let turns = items
        .iter()
        .enumerate()
        .map(|(i, t)| parse_turn(t, format, &location.turn(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Dialog {
        emotion,
        problem,
        situation,
        experience,
        survey,
        turns,
    })
}

fn parse_turn(value: &Value, format: Format, location: &Location) -> Result<Turn> {
    let Value::Object(obj) = value else {
        return Err(Error::InvalidField {
            location: location.clone(),
            field: "(turn)",
            expected: "a JSON object",
            found: describe(value),
        });
    };
    let (text_field, seeker_name, supporter_name, expected_speakers) = match format {
        Format::Processed => ("text", "usr", "sys", "\"usr\" or \"sys\""),
        Format::Original => (
            "content",
            "seeker",
            "supporter",
            "\"seeker\" or \"supporter\"",
        ),
    };
    let text = required_str(obj, text_field, location)?;
    let speaker_text = required_str(obj, "speaker", location)?;
    let speaker = if speaker_text == seeker_name {
        Speaker::Seeker
    } else if speaker_text == supporter_name {
        Speaker::Supporter
    } else {
        return Err(Error::UnknownSpeaker {
            location: location.clone(),
            found: speaker_text.to_string(),
            expected: expected_speakers,
        });
    };
    let strategy = match speaker {
        Speaker::Seeker => None,
        Speaker::Supporter => Some(parse_strategy(obj, format, location)?),
    };
    let knowledge = optional_str(obj, "knowledge", location)?;
    let heal = optional_str(obj, "heal", location)?;
    check_knowledge(
        obj,
        speaker,
        knowledge.as_deref(),
        heal.as_deref(),
        location,
    )?;
    Ok(Turn {
        speaker,
        text: normalize_whitespace(text),
        strategy,
        knowledge,
        heal,
    })
}

/// KEMI-style fields: `knowledge` (COMET relations) only on seeker turns, `heal` only on
/// supporter turns, each tagged text that [`parse_knowledge_text`] accepts.
fn check_knowledge(
    obj: &Map<String, Value>,
    speaker: Speaker,
    knowledge: Option<&str>,
    heal: Option<&str>,
    location: &Location,
) -> Result<()> {
    let fields = [
        (
            "knowledge",
            knowledge,
            Speaker::Seeker,
            &KnowledgeKind::COMET[..],
            COMET_EXPECTED,
        ),
        (
            "heal",
            heal,
            Speaker::Supporter,
            &KnowledgeKind::HEAL[..],
            HEAL_EXPECTED,
        ),
    ];
    for (field, text, owner, allowed, expected) in fields {
        let Some(text) = text else { continue };
        if speaker != owner {
            return Err(Error::InvalidField {
                location: location.clone(),
                field,
                expected: match owner {
                    Speaker::Seeker => {
                        "no `knowledge` on a supporter turn (it belongs to seeker turns)"
                    }
                    Speaker::Supporter => {
                        "no `heal` on a seeker turn (it belongs to supporter turns)"
                    }
                },
                found: describe(&obj[field]),
            });
        }
        parse_knowledge_text(text, allowed, expected).map_err(|e| Error::InvalidField {
            location: location.clone(),
            field,
            expected,
            found: describe(&Value::String(e.found)),
        })?;
    }
    Ok(())
}

fn parse_strategy(
    obj: &Map<String, Value>,
    format: Format,
    location: &Location,
) -> Result<Strategy> {
    let (holder, field) = match format {
        Format::Processed => (Some(obj), "strategy"),
        Format::Original => match obj.get("annotation") {
            Some(Value::Object(annotation)) => (Some(annotation), "annotation.strategy"),
            None | Some(Value::Null) => (None, "annotation.strategy"),
            Some(other) => {
                return Err(Error::InvalidField {
                    location: location.clone(),
                    field: "annotation",
                    expected: "an object with a `strategy`",
                    found: describe(other),
                });
            }
        },
    };
    let value = holder
        .and_then(|h| h.get("strategy"))
        .filter(|v| !v.is_null());
    let Some(value) = value else {
        return Err(Error::MissingStrategy {
            location: location.clone(),
            field,
        });
    };
    let Value::String(name) = value else {
        return Err(Error::InvalidField {
            location: location.clone(),
            field,
            expected: "a strategy name (string)",
            found: describe(value),
        });
    };
    name.parse().map_err(|source| Error::UnknownStrategy {
        location: location.clone(),
        field,
        source,
    })
}

fn parse_survey(value: Option<&Value>, location: &Location) -> Result<Option<Survey>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let invalid = |found: &Value| Error::InvalidField {
        location: location.clone(),
        field: "survey_score",
        expected: "an object {seeker: {question: answer}, supporter: {question: answer}}",
        found: describe(found),
    };
    let Value::Object(obj) = value else {
        return Err(invalid(value));
    };
    let mut survey = Survey::default();
    for (who, target) in [
        ("seeker", &mut survey.seeker),
        ("supporter", &mut survey.supporter),
    ] {
        match obj.get(who) {
            None | Some(Value::Null) => {}
            Some(Value::Object(answers)) => {
                for (question, answer) in answers {
                    let answer = match answer {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        other => return Err(invalid(other)),
                    };
                    target.insert(question.clone(), answer);
                }
            }
            Some(other) => return Err(invalid(other)),
        }
    }
    Ok(Some(survey))
}

fn required_str<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
    location: &Location,
) -> Result<&'a str> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(Error::MissingField {
            location: location.clone(),
            field,
            expected: "a string",
        }),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Error::InvalidField {
            location: location.clone(),
            field,
            expected: "a string",
            found: describe(other),
        }),
    }
}

fn optional_str(
    obj: &Map<String, Value>,
    field: &'static str,
    location: &Location,
) -> Result<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::InvalidField {
            location: location.clone(),
            field,
            expected: "a string",
            found: describe(other),
        }),
    }
}

/// A short rendering of a JSON value for error messages.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let mut shown = value.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(40).collect::<String>() + "…";
    }
    format!("{kind} ({shown})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_format_from_the_first_byte() {
        assert_eq!(Format::sniff(b"  \n[{}]"), Format::Original);
        assert_eq!(Format::sniff(b"{\"dialog\": []}\n"), Format::Processed);
        assert_eq!(Format::sniff(b""), Format::Processed);
    }

    #[test]
    fn describe_truncates_long_values() {
        let long = Value::String("x".repeat(100));
        let shown = describe(&long);
        assert!(shown.starts_with("a string (\"xxx"));
        assert!(shown.ends_with("…)"));
    }
}

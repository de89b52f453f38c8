//! Property tests (proptest, fixed seed and case budget) of the ESConv readers and the
//! `Strategy` / `Emotion` parsers: arbitrary bytes and mutations of valid records give `Ok`
//! or a typed [`Error`] that names the file and the line (jsonl) or dialog (JSON array),
//! never a panic; well-formed dialogs round-trip through both file formats.
//!
//! Each property prints how many inputs it tried (`cargo test ... -- --nocapture`).
//! The `cargo fuzz` targets in `fuzz/` run the same readers without a case budget.

use std::path::{Path, PathBuf};

mod fuzz_check;

use esc_data::Strategy as SupportStrategy;
use esc_data::{Dialog, Emotion, Error, Speaker, read_dialogs, read_jsonl, read_original};
use fuzz_check::check;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-data-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The valid records the mutations start from: the first lines of the repository's sample split.
fn sample_lines() -> Vec<String> {
    let text = std::fs::read_to_string(esc_data::sample_dir().join("train.jsonl")).unwrap();
    text.lines().take(3).map(str::to_owned).collect()
}

/// The same record in the original `ESConv.json` form.
fn to_original(line: &str) -> Value {
    let mut v: Value = serde_json::from_str(line).unwrap();
    for turn in v["dialog"].as_array_mut().unwrap() {
        let t = turn.as_object_mut().unwrap();
        let text = t.remove("text").unwrap();
        t.insert("content".into(), text);
        let speaker = if t["speaker"] == "usr" {
            "seeker"
        } else {
            "supporter"
        };
        t.insert("speaker".into(), json!(speaker));
        if let Some(strategy) = t.remove("strategy") {
            t.insert("annotation".into(), json!({ "strategy": strategy }));
        }
    }
    v
}

/// Asserts that an error of a reader names `path` and, for record-level errors, `record`.
fn names_location(err: &Error, path: &Path, record: Option<&str>) -> Result<(), TestCaseError> {
    let msg = err.to_string();
    prop_assert!(
        msg.contains(&path.display().to_string()),
        "{msg:?} lacks the file name"
    );
    if let Some(record) = record {
        prop_assert!(msg.contains(record), "{msg:?} lacks {record:?}");
    }
    Ok(())
}

/// One step of a JSON path.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path inside `value` (the root excluded).
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => return,
    };
    for (step, child) in children {
        prefix.push(step);
        out.push(prefix.clone());
        paths(child, prefix, out);
        prefix.pop();
    }
}

fn parent_mut<'a>(root: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path[..path.len() - 1]
        .iter()
        .fold(root, |v, step| match step {
            Step::Key(k) => &mut v[k.as_str()],
            Step::Index(i) => &mut v[*i],
        })
}

/// A structural mutation of a JSON record.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the field or array item at the chosen path.
    Drop,
    /// Rename the field at the chosen path (or drop the item, in an array).
    Rename(String),
    /// Replace the value at the chosen path.
    Replace(Value),
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN/inf", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "usr",
            "sys",
            "seeker",
            "supporter",
            "Question",
            "Other",
            "anxiety",
            ""
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Drop),
        "[a-z_]{0,8}".prop_map(Mutation::Rename),
        any_json().prop_map(Mutation::Replace),
    ]
}

fn mutate(value: &mut Value, choice: usize, mutation: &Mutation) {
    let mut all = Vec::new();
    paths(value, &mut Vec::new(), &mut all);
    let path = &all[choice % all.len()];
    let parent = parent_mut(value, path);
    match (path.last().unwrap(), mutation, parent) {
        (Step::Key(k), Mutation::Drop, Value::Object(map)) => {
            map.remove(k);
        }
        (Step::Key(k), Mutation::Rename(to), Value::Object(map)) => {
            if let Some(v) = map.remove(k) {
                map.insert(to.clone(), v);
            }
        }
        (Step::Index(i), Mutation::Drop | Mutation::Rename(_), Value::Array(items)) => {
            items.remove(*i);
        }
        (Step::Key(k), Mutation::Replace(new), Value::Object(map)) => {
            map.insert(k.clone(), new.clone());
        }
        (Step::Index(i), Mutation::Replace(new), Value::Array(items)) => items[*i] = new.clone(),
        _ => unreachable!("paths only lead through objects and arrays"),
    }
}

/// A byte-level damage of a serialised record.
#[derive(Debug, Clone)]
enum Damage {
    /// Keep only the first `n` bytes (modulo the length).
    Truncate(usize),
    /// Insert a byte that can never occur in UTF-8.
    InvalidUtf8(usize, u8),
    /// Overwrite a byte.
    Flip(usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![0x80u8, 0xbf, 0xc0, 0xc1, 0xf5, 0xfe, 0xff])
        )
            .prop_map(|(at, b)| Damage::InvalidUtf8(at, b)),
        (
            any::<usize>(),
            any::<u8>().prop_filter("no newline", |b| *b != b'\n')
        )
            .prop_map(|(at, b)| Damage::Flip(at, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let len = bytes.len().max(1);
    match *damage {
        Damage::Truncate(n) => bytes.truncate(n % len),
        Damage::InvalidUtf8(at, b) => bytes.insert(at % (bytes.len() + 1), b),
        Damage::Flip(at, b) => bytes[at % len] = b,
    }
}

#[test]
fn arbitrary_bytes_give_a_typed_error_or_dialogs() {
    let path = scratch("arbitrary.jsonl");
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        // JSON-ish text reaches the field checks more often than random bytes.
        "[\\[\\]{}\":, \n0-9a-z_]{0,300}".prop_map(String::into_bytes),
    ];
    check("arbitrary_bytes", 512, bytes, |bytes| {
        std::fs::write(&path, &bytes).unwrap();
        for result in [read_jsonl(&path), read_original(&path), read_dialogs(&path)] {
            match result {
                Ok(dialogs) => prop_assert!(!dialogs.is_empty()),
                Err(e) => names_location(&e, &path, None)?,
            }
        }
        Ok(())
    });
}

#[test]
fn mutated_jsonl_records_are_reported_at_their_line() {
    let lines = sample_lines();
    let path = scratch("mutated.jsonl");
    let input = (
        0..lines.len(),
        any::<usize>(),
        mutation(),
        prop::option::of(damage()),
    );
    check(
        "mutated_jsonl",
        512,
        input,
        |(which, choice, mutation, damage)| {
            let mut value: Value = serde_json::from_str(&lines[which]).unwrap();
            mutate(&mut value, choice, &mutation);
            let mut bad = serde_json::to_vec(&value).unwrap();
            if let Some(d) = &damage {
                apply(&mut bad, d);
            }
            // Valid lines before and after: any error must point at line 2.
            let mut file = lines[0].clone().into_bytes();
            file.push(b'\n');
            file.extend_from_slice(&bad);
            file.push(b'\n');
            file.extend_from_slice(lines[1].as_bytes());
            std::fs::write(&path, &file).unwrap();
            match read_jsonl(&path) {
                Ok(dialogs) => prop_assert!((2..=3).contains(&dialogs.len())),
                Err(e) => names_location(&e, &path, Some(", line 2"))?,
            }
            Ok(())
        },
    );
}

#[test]
fn mutated_original_dialogs_are_reported_with_their_index() {
    let dialogs: Vec<Value> = sample_lines().iter().map(|l| to_original(l)).collect();
    let path = scratch("mutated_original.json");
    let input = (
        0..dialogs.len(),
        any::<usize>(),
        mutation(),
        prop::option::of(damage()),
    );
    check(
        "mutated_original",
        512,
        input,
        |(which, choice, mutation, damage)| {
            let mut all = dialogs.clone();
            mutate(&mut all[which], choice, &mutation);
            let mut bytes = serde_json::to_vec_pretty(&all).unwrap();
            let damaged = damage.is_some();
            if let Some(d) = &damage {
                apply(&mut bytes, d);
            }
            std::fs::write(&path, &bytes).unwrap();
            match read_original(&path) {
                Ok(read) => prop_assert!(read.len() <= dialogs.len()),
                Err(Error::Json { .. } | Error::NotUtf8 { .. }) if damaged => {}
                Err(e) if damaged => names_location(&e, &path, None)?,
                // Undamaged bytes are valid JSON: only the mutated dialog can be at fault.
                Err(e) => names_location(&e, &path, Some(&format!(", dialog {which}")))?,
            }
            Ok(())
        },
    );
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,20}", "[a-z ,.!?'\t\n]{0,30}", any::<String>()]
}

fn dialog() -> impl Strategy<Value = Dialog> {
    let turn = (
        any::<bool>(),
        text(),
        0..SupportStrategy::COUNT,
        prop::option::of(text()),
    );
    (
        0..Emotion::ALL.len(),
        text(),
        text(),
        prop::collection::vec(turn, 1..5),
    )
        .prop_map(|(emotion, problem, situation, turns)| Dialog {
            emotion: Emotion::from_id(emotion).unwrap(),
            problem,
            situation,
            experience: String::new(),
            survey: None,
            turns: turns
                .into_iter()
                .map(|(seeker, text, strategy, knowledge)| {
                    let mut turn = if seeker {
                        esc_data::Turn::seeker(&text)
                    } else {
                        esc_data::Turn::supporter(
                            &text,
                            SupportStrategy::from_id(strategy).unwrap(),
                        )
                    };
                    // KEMI-style knowledge: tagged text, on seeker turns only.
                    if seeker {
                        turn.knowledge = knowledge.map(|k| format!("[xReact] {k}"));
                    }
                    turn
                })
                .collect(),
        })
}

/// A dialog in the processed (jsonl) or original (array) form.
fn write_dialog(d: &Dialog, original: bool) -> Value {
    let turns: Vec<Value> = d
        .turns
        .iter()
        .map(|t| {
            let seeker = t.speaker == Speaker::Seeker;
            let mut turn = if original {
                json!({
                    "content": t.text,
                    "speaker": if seeker { "seeker" } else { "supporter" },
                    "annotation": t.strategy.map(|s| json!({ "strategy": s.name() })),
                })
            } else {
                json!({
                    "text": t.text,
                    "speaker": if seeker { "usr" } else { "sys" },
                    "strategy": t.strategy.map(SupportStrategy::name),
                })
            };
            if let Some(k) = &t.knowledge {
                turn["knowledge"] = json!(k);
            }
            turn
        })
        .collect();
    json!({
        "emotion_type": d.emotion.name(),
        "problem_type": d.problem,
        "situation": d.situation,
        "dialog": turns,
    })
}

#[test]
fn dialogs_round_trip_through_both_formats() {
    let jsonl = scratch("round_trip.jsonl");
    let original = scratch("round_trip.json");
    check(
        "round_trip",
        256,
        prop::collection::vec(dialog(), 1..4),
        |dialogs| {
            let lines: Vec<String> = dialogs
                .iter()
                .map(|d| write_dialog(d, false).to_string())
                .collect();
            std::fs::write(&jsonl, lines.join("\n")).unwrap();
            let array = Value::Array(dialogs.iter().map(|d| write_dialog(d, true)).collect());
            std::fs::write(&original, array.to_string()).unwrap();
            prop_assert_eq!(&read_jsonl(&jsonl).unwrap(), &dialogs);
            prop_assert_eq!(&read_original(&original).unwrap(), &dialogs);
            prop_assert_eq!(&read_dialogs(&jsonl).unwrap(), &dialogs);
            prop_assert_eq!(&read_dialogs(&original).unwrap(), &dialogs);
            Ok(())
        },
    );
}

/// A name with random ASCII case and optional surrounding whitespace.
fn respell(name: &str, case: &[bool], pad: (&str, &str)) -> String {
    let body: String = name
        .chars()
        .zip(case.iter().cycle())
        .map(|(c, &up)| {
            if up {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    format!("{}{body}{}", pad.0, pad.1)
}

#[test]
fn strategy_and_emotion_parsers_accept_only_their_names() {
    let input = (
        prop_oneof![any::<String>(), "\\[?[A-Za-z \\-]{0,30}\\]?"],
        prop::collection::vec(any::<bool>(), 1..8),
        prop::sample::select(vec!["", " ", "\t", " \n"]),
    );
    check(
        "strategy_emotion_from_str",
        1024,
        input,
        |(s, case, pad)| {
            // Arbitrary text: a typed error naming the text, or a strategy whose name it spells.
            let quoted = format!("{s:?}");
            match s.parse::<SupportStrategy>() {
                Ok(st) => {
                    let bare = s.trim().trim_start_matches('[').trim_end_matches(']');
                    prop_assert!(
                        st.name().eq_ignore_ascii_case(bare) || bare.eq_ignore_ascii_case("other"),
                        "{s:?} parsed as {st:?}"
                    );
                }
                Err(e) => prop_assert!(e.to_string().contains(&quoted)),
            }
            match s.parse::<Emotion>() {
                Ok(em) => prop_assert!(em.name().eq_ignore_ascii_case(s.trim())),
                Err(e) => prop_assert!(e.to_string().contains(&quoted)),
            }
            // Every name, however cased and padded, parses back to itself.
            for st in SupportStrategy::ALL {
                prop_assert_eq!(
                    respell(st.name(), &case, (pad, pad)).parse::<SupportStrategy>(),
                    Ok(st)
                );
                prop_assert_eq!(
                    respell(&st.token(), &case, (pad, "")).parse::<SupportStrategy>(),
                    Ok(st)
                );
            }
            for em in Emotion::ALL {
                prop_assert_eq!(
                    respell(em.name(), &case, (pad, pad)).parse::<Emotion>(),
                    Ok(em)
                );
            }
            Ok(())
        },
    );
}

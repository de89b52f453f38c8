//! KEMI-style knowledge: the retriever on the sample dataset, knowledge fields read from files.

use std::path::PathBuf;

use esc_data::{
    Bm25Knowledge, Error, KnowledgeKind, KnowledgeSource, Speaker, dialog_fingerprint, read_jsonl,
    sample_splits,
};

#[test]
fn the_retriever_never_returns_the_queried_dialog() {
    let train = sample_splits().unwrap().train;
    let retriever = Bm25Knowledge::new(&train, 50);
    let mut retrieved = 0;
    for dialog in &train {
        let own = dialog_fingerprint(dialog);
        for (turn, t) in dialog.turns.iter().enumerate() {
            if t.speaker != Speaker::Supporter {
                continue;
            }
            let query = dialog.turns[..turn]
                .iter()
                .rev()
                .find(|t| t.speaker == Speaker::Seeker);
            let Some(query) = query else { continue };
            let found = retriever.retrieve(&query.text, Some(own));
            for &(i, _) in &found {
                assert_ne!(retriever.exemplars()[i].dialog, own);
                retrieved += 1;
            }
            // `knowledge` is that retrieval, as segments typed by the exemplars' strategies.
            let segments = retriever.knowledge(dialog, turn).unwrap();
            let expected: Vec<(KnowledgeKind, &str)> = found
                .iter()
                .map(|&(i, _)| {
                    let e = &retriever.exemplars()[i];
                    (KnowledgeKind::Strategy(e.strategy), e.response.as_str())
                })
                .collect();
            let got: Vec<(KnowledgeKind, &str)> =
                segments.iter().map(|s| (s.kind, s.text.as_str())).collect();
            assert_eq!(got, expected);
        }
        // Without the exclusion the dialog's own exemplars are found (the test can fail).
        let first = dialog
            .turns
            .windows(2)
            .find(|w| w[0].speaker == Speaker::Seeker && w[1].speaker == Speaker::Supporter);
        if let Some(w) = first {
            let found = retriever.retrieve(&w[0].text, None);
            assert!(
                found
                    .iter()
                    .any(|&(i, _)| retriever.exemplars()[i].dialog == own)
            );
        }
    }
    assert!(retrieved > 100, "only {retrieved} exemplars retrieved");
}

#[test]
fn retrieval_is_deterministic() {
    let train = sample_splits().unwrap().train;
    let a = Bm25Knowledge::new(&train, 3);
    let b = Bm25Knowledge::new(&train, 3);
    for dialog in &train {
        for turn in 1..dialog.turns.len() {
            assert_eq!(
                a.knowledge(dialog, turn).unwrap(),
                b.knowledge(dialog, turn).unwrap()
            );
        }
    }
}

fn write(name: &str, lines: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-data-knowledge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

const GOOD: &str = r#"{"emotion_type": "sadness", "dialog": [{"speaker": "usr", "text": "hi", "knowledge": "[xReact] sad [xWant] rest"}, {"speaker": "sys", "text": "hello", "strategy": "Question", "heal": "[resp] i see [aff] calm"}]}"#;

#[test]
fn knowledge_fields_are_read_and_bad_ones_name_file_line_turn_and_field() {
    let path = write("good.jsonl", &[GOOD]);
    let dialogs = read_jsonl(&path).unwrap();
    assert_eq!(
        dialogs[0].turns[0].knowledge.as_deref(),
        Some("[xReact] sad [xWant] rest")
    );
    let k = esc_data::DataKnowledge.knowledge(&dialogs[0], 1).unwrap();
    let shown: Vec<String> = k.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["[xReact] sad", "[xWant] rest", "[resp] i see", "[aff] calm"]
    );

    let cases = [
        // untagged COMET text
        (
            GOOD.replace("[xReact] sad", "sad"),
            "turn 0",
            "`knowledge`",
            "[xReact]",
        ),
        // a HEAL tag in COMET knowledge
        (
            GOOD.replace("[xReact] sad", "[resp] sad"),
            "turn 0",
            "`knowledge`",
            "[xIntent]",
        ),
        // not a string
        (
            GOOD.replace("\"[resp] i see [aff] calm\"", "[1, 2]"),
            "turn 1",
            "`heal`",
            "a string",
        ),
        // heal on a seeker turn
        (
            GOOD.replace(
                "\"knowledge\": \"[xReact] sad [xWant] rest\"",
                "\"heal\": \"[resp] x\"",
            ),
            "turn 0",
            "`heal`",
            "supporter turns",
        ),
    ];
    for (i, (line, turn, field, expected)) in cases.iter().enumerate() {
        let path = write(&format!("bad{i}.jsonl"), &[GOOD, line]);
        let err = read_jsonl(&path).unwrap_err();
        assert!(matches!(err, Error::InvalidField { .. }), "{err:?}");
        let msg = err.to_string();
        for part in [
            path.display().to_string().as_str(),
            "line 2",
            turn,
            field,
            expected,
        ] {
            assert!(msg.contains(part), "{msg:?} lacks {part:?}");
        }
    }
}

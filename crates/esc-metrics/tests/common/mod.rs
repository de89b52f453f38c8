//! Shared helpers of the parity tests: the shared-data lookup (a copy of
//! `esc_data::paths::shared_data_dir`, since esc-metrics must not depend on
//! esc-data), a minimal ESConv jsonl reader, the pair construction of
//! `scripts/metrics_reference.py`, and FNV-1a hashing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The environment variable that overrides the shared data location.
pub const DATA_ENV_VAR: &str = "STAR_ESC_DATA";

/// The shared data folder: `$STAR_ESC_DATA`, else the first `shared/data` beside
/// the current directory or one of its ancestors. Panics (the test fails) with the
/// reason when it is missing.
pub fn shared_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_ENV_VAR) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "shared data folder not found: {DATA_ENV_VAR}={} is not a directory",
            dir.display()
        );
        return dir;
    }
    let cwd = std::env::current_dir().expect("current directory");
    cwd.ancestors()
        .map(|a| a.join("shared").join("data"))
        .find(|c| c.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "shared data folder not found: no shared/data folder in {} or any of its ancestors. \
                 Put ESConv (esconv/{{train,valid,test}}.jsonl) in ../shared/data beside the checkout, \
                 or set {DATA_ENV_VAR}=/path/to/data",
                cwd.display()
            )
        })
}

/// One utterance: (speaker, text).
pub type Turn = (String, String);

/// Reads `esconv/<split>.jsonl`: one dialog per line, `dialog[i] = {text, speaker}`.
pub fn read_split(split: &str) -> Vec<Vec<Turn>> {
    let path = shared_data_dir()
        .join("esconv")
        .join(format!("{split}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            v["dialog"]
                .as_array()
                .unwrap_or_else(|| panic!("{}:{}: no dialog array", path.display(), i + 1))
                .iter()
                .map(|t| {
                    let field = |k: &str| {
                        t[k].as_str()
                            .unwrap_or_else(|| {
                                panic!("{}:{}: turn without {k}", path.display(), i + 1)
                            })
                            .to_string()
                    };
                    (field("speaker"), field("text"))
                })
                .collect()
        })
        .collect()
}

/// `" ".join(text.split())`.
pub fn norm(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (hypothesis, references): each supporter turn against the next `n_refs`
/// supporter turns of the same dialog, as `scripts/metrics_reference.py` builds them.
pub fn build_pairs(dialogs: &[Vec<Turn>], n_refs: usize) -> Vec<(String, Vec<String>)> {
    let mut pairs = Vec::new();
    for d in dialogs {
        let sys: Vec<String> = d
            .iter()
            .filter(|(s, _)| s == "sys")
            .map(|(_, t)| norm(t))
            .collect();
        for i in 0..sys.len().saturating_sub(1) {
            let end = (i + 1 + n_refs).min(sys.len());
            pairs.push((sys[i].clone(), sys[i + 1..end].to_vec()));
        }
    }
    pairs
}

/// FNV-1a 64 of the tokens joined by U+001F, as hex (the fixture's token hash).
pub fn token_hash(tokens: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            h = (h ^ 0x1f).wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in t.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A committed fixture file of this crate.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// A committed JSON fixture.
pub fn read_json(name: &str) -> Value {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

//! The workload of the esc-metrics timings, shared by the criterion bench (`benches/metrics.rs`)
//! and the JSON timing example (`examples/metrics_bench.rs`): the ESConv test split as
//! `scripts/metrics_reference.py` pairs it (needs the shared data: `STAR_ESC_DATA` or an
//! ancestor's `shared/data`).

use std::path::PathBuf;

/// The shared data folder: `STAR_ESC_DATA`, else the first `shared/data` above the working
/// directory.
///
/// # Panics
/// If neither exists.
fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("STAR_ESC_DATA") {
        return PathBuf::from(d);
    }
    let cwd = std::env::current_dir().expect("current directory");
    cwd.ancestors()
        .map(|a| a.join("shared").join("data"))
        .find(|c| c.is_dir())
        .expect("shared data folder not found: set STAR_ESC_DATA or run below a folder with shared/data")
}

/// Supporter turn i against supporter turn i+1 of the same dialog, whitespace-normalised
/// (2,700 pairs on the test split).
///
/// # Panics
/// If the test split cannot be read or parsed.
pub fn test_pairs() -> Vec<(String, String)> {
    let path = data_dir().join("esconv").join("test.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut pairs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("jsonl line");
        let sys: Vec<String> = v["dialog"]
            .as_array()
            .expect("dialog")
            .iter()
            .filter(|t| t["speaker"] == "sys")
            .map(|t| norm(t["text"].as_str().expect("text")))
            .collect();
        for w in sys.windows(2) {
            pairs.push((w[0].clone(), w[1].clone()));
        }
    }
    pairs
}

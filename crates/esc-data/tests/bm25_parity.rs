//! BM25 scores against Python's `rank_bm25.BM25Okapi` (fixture from `scripts/bm25_reference.py`).

use esc_data::{Bm25, Bm25Params, bm25_tokens};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bm25/bm25_okapi.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn lists(v: &Value) -> Vec<Vec<String>> {
    v.as_array().unwrap().iter().map(strings).collect()
}

#[test]
fn tokenisation_matches_the_python_regex() {
    let f = fixture();
    for (texts, expected) in [("corpus", "corpus_tokens"), ("queries", "query_tokens")] {
        let ours: Vec<Vec<String>> = strings(&f[texts]).iter().map(|t| bm25_tokens(t)).collect();
        assert_eq!(ours, lists(&f[expected]), "{texts}");
    }
}

#[test]
fn scores_and_idf_match_rank_bm25() {
    let f = fixture();
    let docs = lists(&f["corpus_tokens"]);
    let queries = lists(&f["query_tokens"]);
    let runs = f["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let mut compared = 0;
    for run in runs {
        let params = Bm25Params {
            k1: run["k1"].as_f64().unwrap(),
            b: run["b"].as_f64().unwrap(),
            epsilon: run["epsilon"].as_f64().unwrap(),
        };
        let index = Bm25::new(&docs, params);
        for (term, idf) in run["idf"].as_object().unwrap() {
            let idf = idf.as_f64().unwrap();
            assert!(
                (index.idf(term) - idf).abs() <= 1e-12,
                "idf({term}) {params:?}"
            );
        }
        for (q, expected) in queries.iter().zip(run["scores"].as_array().unwrap()) {
            let ours = index.scores(q.as_slice());
            let expected: Vec<f64> = expected
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert_eq!(ours.len(), expected.len());
            for (d, (a, b)) in ours.iter().zip(&expected).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "query {q:?} doc {d}: {a} vs {b} {params:?}"
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 3 * 10 * 16);
}

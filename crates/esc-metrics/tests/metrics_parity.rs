//! Every metric against the Python reference (nltk 3.10.4, scikit-learn 1.9.1),
//! within 1e-9 absolute. Fixture: `tests/fixtures/metrics_reference.json`, written
//! by `scripts/metrics_reference.py` from pairs of the ESConv valid and test splits.

mod common;

use common::{build_pairs, read_json, read_split};
use esc_metrics::tokenize::WordTokenizer;
use esc_metrics::{
    BleuOptions, ClassificationOptions, DistinctVariant, GenerationMetrics, LabelSet, MetricsError,
    Smoothing, StrategyMetrics, ZeroDivision, classification_report, corpus_bleu, distinct_n,
    macro_f1, perplexity, rouge_l, sentence_bleu, top_k_accuracy, unigram_f1,
};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: ours {got:.17} vs reference {want:.17}"
    );
}

/// A fixture value: a number, or `{"error": ...}` where Python raised.
fn check(what: &str, got: Result<f64, MetricsError>, want: &Value) {
    match (want.as_f64(), got) {
        (Some(w), Ok(g)) => close(what, g, w),
        (None, Err(MetricsError::Undefined { .. })) => {}
        (w, g) => panic!("{what}: ours {g:?} vs reference {w:?} ({want})"),
    }
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("int") as usize)
        .collect()
}

type Tokens = Vec<String>;

/// Lowercased nltk tokens of the split's pairs: (hypotheses, references).
fn tokenized(split: &str, n_refs: usize) -> (Vec<Tokens>, Vec<Vec<Tokens>>) {
    let tok = WordTokenizer::english();
    let pairs = build_pairs(&read_split(split), n_refs);
    let hyps = pairs
        .iter()
        .map(|(h, _)| tok.tokenize_lowercased(h))
        .collect();
    let refs = pairs
        .iter()
        .map(|(_, rs)| rs.iter().map(|r| tok.tokenize_lowercased(r)).collect())
        .collect();
    (hyps, refs)
}

fn method(name: &str) -> Smoothing {
    Smoothing::nltk(
        name.trim_start_matches("method")
            .parse()
            .expect("method number"),
    )
    .expect("method")
}

#[test]
fn esc_report_matches_the_reference_on_valid_and_test() {
    let fx = read_json("metrics_reference.json");
    let stride = fx["sentence_stride"].as_u64().expect("stride") as usize;
    let mut checked = 0;
    for split in ["valid", "test"] {
        for refs_key in ["refs1", "refs2"] {
            let want = &fx["splits"][split][refs_key];
            let n_refs = if refs_key == "refs1" { 1 } else { 2 };
            let pairs = build_pairs(&read_split(split), n_refs);
            assert_eq!(
                pairs.len() as u64,
                want["n_pairs"].as_u64().expect("n_pairs"),
                "{split}"
            );
            let mut m = GenerationMetrics::esc();
            for (h, rs) in &pairs {
                m.add(h, rs).expect("add");
            }
            let report = m.finish().expect("report");
            let want_report = want["report"].as_object().expect("report object");
            for (key, value) in want_report {
                let got = report.get(key).unwrap_or_else(|| panic!("missing {key}"));
                close(
                    &format!("{split}/{refs_key}/{key}"),
                    got,
                    value.as_f64().expect("number"),
                );
                checked += 1;
            }
            for (name, ours) in [
                ("f1_every", m.unigram_f1_scores()),
                ("rouge_l_every", m.rouge_l_scores()),
            ] {
                let want = f64s(&want[name]);
                let ours: Vec<f64> = ours.iter().step_by(stride).copied().collect();
                assert_eq!(ours.len(), want.len());
                for (i, (g, w)) in ours.iter().zip(&want).enumerate() {
                    close(&format!("{split}/{refs_key}/{name}[{i}]"), *g, *w);
                }
                checked += want.len();
            }
            if split == "test" && refs_key == "refs1" {
                println!("test split, 1 reference:\n{}", report.to_markdown());
            }
        }
    }
    println!("ESC report parity: {checked} values");
}

#[test]
fn corpus_and_sentence_bleu_match_nltk_for_every_smoothing_method() {
    let fx = read_json("metrics_reference.json");
    let stride = fx["sentence_stride"].as_u64().expect("stride") as usize;
    let mut checked = 0;
    for split in ["valid", "test"] {
        let want = &fx["splits"][split]["refs1"];
        let (hyps, refs) = tokenized(split, 1);
        for (key, esc_shape) in [
            ("corpus_bleu_esc_weights", true),
            ("corpus_bleu_k_weights", false),
        ] {
            for (name, values) in want[key].as_object().expect("methods") {
                for (k, value) in (1..=4).zip(values.as_array().expect("values")) {
                    let mut options = if esc_shape {
                        BleuOptions::esc(k)
                    } else {
                        BleuOptions::uniform(k, Smoothing::Method0)
                    };
                    options.smoothing = method(name);
                    let got = corpus_bleu(&hyps, &refs, &options).map(|s| s.bleu);
                    check(&format!("{split}/{key}/{name}/bleu-{k}"), got, value);
                    checked += 1;
                }
            }
        }
        for (name, rows) in want["sentence_bleu_every"].as_object().expect("methods") {
            for (row, idx) in rows
                .as_array()
                .expect("rows")
                .iter()
                .zip((0..hyps.len()).step_by(stride))
            {
                for (k, value) in (1..=4).zip(row.as_array().expect("values")) {
                    let options = BleuOptions::uniform(k, method(name));
                    let got = sentence_bleu(&hyps[idx], &refs[idx], &options).map(|s| s.bleu);
                    check(
                        &format!("{split}/sentence/{name}/pair {idx}/bleu-{k}"),
                        got,
                        value,
                    );
                    checked += 1;
                }
            }
        }
        for (name, value) in want["sentence_bleu4_mean"].as_object().expect("methods") {
            let options = BleuOptions::uniform(4, method(name));
            let sum: f64 = hyps
                .iter()
                .zip(&refs)
                .map(|(h, r)| sentence_bleu(h, r, &options).expect("bleu").bleu)
                .sum();
            close(
                &format!("{split}/sentence mean/{name}"),
                sum / hyps.len() as f64,
                value.as_f64().expect("number"),
            );
            checked += 1;
        }
    }
    println!("BLEU parity: {checked} values");
}

#[test]
fn edge_cases_match_the_reference() {
    let fx = read_json("metrics_reference.json");
    let edge = &fx["edge_cases"];
    let mut hyps: Vec<Vec<String>> = Vec::new();
    let mut refs: Vec<Vec<Vec<String>>> = Vec::new();
    for case in edge["sentences"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let hyp: Vec<String> = serde_json::from_value(case["hyp"].clone()).expect("hyp");
        let rs: Vec<Vec<String>> = serde_json::from_value(case["refs"].clone()).expect("refs");
        for (m, values) in case["sentence_bleu"].as_object().expect("methods") {
            for (k, value) in (1..=4).zip(values.as_array().expect("values")) {
                let got =
                    sentence_bleu(&hyp, &rs, &BleuOptions::uniform(k, method(m))).map(|s| s.bleu);
                check(&format!("{name}/{m}/bleu-{k}"), got, value);
            }
        }
        close(
            &format!("{name}/f1"),
            unigram_f1(&hyp, &rs).expect("f1"),
            case["unigram_f1"].as_f64().expect("f1"),
        );
        close(
            &format!("{name}/rouge-l"),
            rouge_l(&hyp, &rs, 1.2).expect("rouge"),
            case["rouge_l"].as_f64().expect("rouge"),
        );
        hyps.push(hyp);
        refs.push(rs);
    }
    for (m, values) in edge["corpus_bleu_esc_weights"]
        .as_object()
        .expect("methods")
    {
        for (k, value) in (1..=4).zip(values.as_array().expect("values")) {
            let mut options = BleuOptions::esc(k);
            options.smoothing = method(m);
            check(
                &format!("edge corpus/{m}/bleu-{k}"),
                corpus_bleu(&hyps, &refs, &options).map(|s| s.bleu),
                value,
            );
        }
    }
    for (variant, key) in [
        (DistinctVariant::Reference, "reference"),
        (DistinctVariant::Standard, "standard"),
    ] {
        for (n, value) in (1..=4).zip(f64s(&edge["corpus_distinct"][key])) {
            close(
                &format!("edge distinct {key} {n}"),
                distinct_n(&hyps, n, variant).expect("distinct"),
                value,
            );
        }
    }
}

#[test]
fn strategy_classification_matches_sklearn() {
    let fx = read_json("metrics_reference.json");
    for (ci, case) in fx["classification"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
    {
        let n = case["n_classes"].as_u64().expect("n") as usize;
        let golds = usizes(&case["golds"]);
        let preds = usizes(&case["preds"]);
        let scores: Vec<Vec<f64>> = serde_json::from_value(case["scores"].clone()).expect("scores");
        for (lk, labels) in [("present", LabelSet::Present), ("all", LabelSet::All)] {
            for (zk, zd) in [
                ("zero", ZeroDivision::Zero),
                ("one", ZeroDivision::One),
                ("warn", ZeroDivision::Zero),
            ] {
                let opts = ClassificationOptions::new(n)
                    .with_labels(labels)
                    .with_zero_division(zd);
                let r = classification_report(&golds, &preds, &opts).expect("report");
                let want = &case[lk][zk];
                for (ak, got) in [
                    ("macro", r.macro_avg),
                    ("micro", r.micro_avg),
                    ("weighted", r.weighted_avg),
                ] {
                    close(
                        &format!("case {ci}/{lk}/{zk}/{ak}/precision"),
                        got.precision,
                        want[ak]["precision"].as_f64().expect("p"),
                    );
                    close(
                        &format!("case {ci}/{lk}/{zk}/{ak}/recall"),
                        got.recall,
                        want[ak]["recall"].as_f64().expect("r"),
                    );
                    close(
                        &format!("case {ci}/{lk}/{zk}/{ak}/f1"),
                        got.f1,
                        want[ak]["f1"].as_f64().expect("f"),
                    );
                }
                let pc = &want["per_class"];
                assert_eq!(
                    r.per_class.iter().map(|c| c.label).collect::<Vec<_>>(),
                    usizes(&pc["labels"])
                );
                assert_eq!(
                    r.per_class
                        .iter()
                        .map(|c| c.support as usize)
                        .collect::<Vec<_>>(),
                    usizes(&pc["support"])
                );
                for (i, c) in r.per_class.iter().enumerate() {
                    close(
                        &format!("case {ci}/{lk}/{zk}/class {i}/p"),
                        c.scores.precision,
                        f64s(&pc["precision"])[i],
                    );
                    close(
                        &format!("case {ci}/{lk}/{zk}/class {i}/r"),
                        c.scores.recall,
                        f64s(&pc["recall"])[i],
                    );
                    close(
                        &format!("case {ci}/{lk}/{zk}/class {i}/f1"),
                        c.scores.f1,
                        f64s(&pc["f1"])[i],
                    );
                }
                close(
                    "accuracy",
                    r.accuracy,
                    case["accuracy"].as_f64().expect("acc"),
                );
            }
            let default_f1 = case[lk]["f1_macro_default"].as_f64().expect("f1");
            let r = classification_report(
                &golds,
                &preds,
                &ClassificationOptions::new(n).with_labels(labels),
            )
            .expect("report");
            close(
                &format!("case {ci}/{lk}/f1_macro_default"),
                r.macro_avg.f1,
                default_f1,
            );
            if labels == LabelSet::Present {
                close(
                    "macro_f1()",
                    macro_f1(&golds, &preds, n).expect("f1"),
                    default_f1,
                );
            }
        }
        let cm: Vec<Vec<u64>> =
            serde_json::from_value(case["confusion_matrix"].clone()).expect("cm");
        let r =
            classification_report(&golds, &preds, &ClassificationOptions::new(n)).expect("report");
        assert_eq!(r.confusion_matrix, cm, "case {ci}: confusion matrix");
        let mut acc = StrategyMetrics::new(ClassificationOptions::new(n), &[1, 2, 3, 5]);
        for (g, s) in golds.iter().zip(&scores) {
            acc.add_scores(*g, s).expect("add");
        }
        let streamed = acc.finish().expect("finish");
        for (k, value) in case["top_k"].as_object().expect("top_k") {
            let k: usize = k.parse().expect("k");
            let want = value.as_f64().expect("number");
            close(
                &format!("case {ci}/top-{k}"),
                top_k_accuracy(&scores, &golds, k).expect("top-k"),
                want,
            );
            let s = streamed
                .top_k
                .iter()
                .find(|t| t.k == k)
                .expect("streamed k");
            close(&format!("case {ci}/streamed top-{k}"), s.accuracy, want);
        }
    }
}

#[test]
fn perplexity_matches_numpy() {
    let fx = read_json("metrics_reference.json");
    let p = &fx["perplexity"];
    let counts: Vec<u64> = serde_json::from_value(p["token_counts"].clone()).expect("counts");
    let r = perplexity(&f64s(&p["nll_sums"]), &counts).expect("ppl");
    close(
        "corpus ppl",
        r.corpus,
        p["corpus"].as_f64().expect("corpus"),
    );
    close(
        "sentence-mean ppl",
        r.sentence_mean,
        p["sentence_mean"].as_f64().expect("mean"),
    );
}

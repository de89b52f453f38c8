//! `esc_metrics::significance` against numpy/scipy (fixture
//! `tests/fixtures/significance_reference.json`, written by
//! `scripts/significance_reference.py`), the bootstrap against the exact
//! enumeration of all resamples of tiny samples, and the per-example statistics
//! of `GenerationMetrics` against `finish()`.

mod common;

use common::read_json;
use esc_metrics::{
    BleuOptions, BleuStats, BootstrapOptions, GenerationConfig, GenerationMetrics, MetricsError,
    Smoothing, empirical_quantile, mean_confidence_interval, paired_bootstrap, student_t_quantile,
};
use serde_json::Value;

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// Relative difference `1e-9` (absolute below magnitude 1e-3).
fn close(what: &str, got: f64, want: f64) {
    let tol = 1e-9 * want.abs().max(1e-3);
    assert!(
        (got - want).abs() <= tol,
        "{what}: ours {got:.17e} vs reference {want:.17e}"
    );
}

#[test]
fn student_t_quantiles_match_scipy() {
    let fixture = read_json("significance_reference.json");
    let cases = fixture["t_quantiles"].as_array().expect("t_quantiles");
    assert!(cases.len() >= 100);
    for c in cases {
        let (p, df, want) = (num(c, "p"), num(c, "df"), num(c, "t"));
        let got = student_t_quantile(p, df).unwrap();
        if want == 0.0 {
            assert_eq!(got, 0.0, "p {p} df {df}");
        } else {
            let rel = (got - want).abs() / want.abs();
            assert!(
                rel <= 1e-9,
                "p {p} df {df}: ours {got:.17e} vs scipy {want:.17e} ({rel:e})"
            );
        }
    }
}

#[test]
fn mean_intervals_match_scipy() {
    let fixture = read_json("significance_reference.json");
    for c in fixture["intervals"].as_array().expect("intervals") {
        let values = f64s(&c["values"]);
        let level = num(c, "level");
        let ci = mean_confidence_interval(&values, level).unwrap();
        let what = format!("{values:?} at {level}");
        assert_eq!((ci.n, ci.level), (values.len(), level));
        close(&format!("mean of {what}"), ci.mean, num(c, "mean"));
        close(&format!("std of {what}"), ci.std, num(c, "std"));
        close(&format!("lo of {what}"), ci.lo, num(c, "lo"));
        close(&format!("hi of {what}"), ci.hi, num(c, "hi"));
    }
}

#[test]
fn one_value_has_no_interval() {
    assert!(matches!(
        mean_confidence_interval(&[3.0], 0.95),
        Err(MetricsError::TooFew {
            got: 1,
            needed: 2,
            ..
        })
    ));
}

#[test]
fn empirical_quantiles_match_numpy() {
    let fixture = read_json("significance_reference.json");
    for c in fixture["quantiles"].as_array().expect("quantiles") {
        let sample = f64s(&c["sample"]);
        for (q, want) in f64s(&c["q"]).into_iter().zip(f64s(&c["values"])) {
            let got = empirical_quantile(&sample, q).unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "q {q} of {} values: ours {got} vs numpy {want}",
                sample.len()
            );
        }
    }
}

/// `(mean of a, mean of b)` over `idx`: the metric of the exact fixture.
fn means(a: &[f64], b: &[f64], idx: &[usize]) -> (f64, f64) {
    let mean = |v: &[f64]| idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64;
    (mean(a), mean(b))
}

#[test]
fn bootstrap_shares_match_the_exact_enumeration() {
    let fixture = read_json("significance_reference.json");
    let options = BootstrapOptions {
        resamples: 20_000,
        seed: 0,
        level: 0.95,
    };
    for c in fixture["bootstrap_exact"]
        .as_array()
        .expect("bootstrap_exact")
    {
        let (a, b) = (f64s(&c["a"]), f64s(&c["b"]));
        let r = paired_bootstrap(a.len(), &options, |idx| means(&a, &b, idx)).unwrap();
        assert_eq!(r.observed_delta, num(c, "observed_delta"), "{a:?} vs {b:?}");
        for (got, key) in [
            (r.share_nonpositive, "share_nonpositive"),
            (r.share_nonnegative, "share_nonnegative"),
            (r.mean_delta, "mean_delta"),
        ] {
            let want = num(c, key);
            assert!(
                (got - want).abs() <= 0.02,
                "{key} of {a:?} vs {b:?}: bootstrap {got} vs exact {want}"
            );
        }
        assert!((r.p_value - num(c, "p_value")).abs() <= 0.04);
        // The interval's ends lie near the exact distribution's 2.5% and 97.5%
        // quantiles: Q(u) = the least delta with P(delta' <= delta) >= u.
        let mut cdf = 0.0;
        let exact: Vec<(f64, f64)> = c["distribution"]
            .as_array()
            .expect("distribution")
            .iter()
            .map(|d| {
                cdf += d[1].as_f64().expect("probability");
                (d[0].as_f64().expect("delta"), cdf)
            })
            .collect();
        let q = |u: f64| {
            exact
                .iter()
                .find(|(_, c)| *c >= u - 1e-12)
                .expect("cdf reaches 1")
                .0
        };
        assert!(q(0.015) <= r.lo && r.lo <= q(0.035), "{r:?}");
        assert!(q(0.965) <= r.hi && r.hi <= q(0.985), "{r:?}");
    }
}

#[test]
fn identical_systems_have_p_value_one() {
    let a = [0.3, 0.1, 0.7, 0.2, 0.9];
    let r = paired_bootstrap(a.len(), &BootstrapOptions::default(), |idx| {
        means(&a, &a, idx)
    })
    .unwrap();
    assert_eq!(r.observed_delta, 0.0);
    assert_eq!((r.lo, r.hi, r.mean_delta), (0.0, 0.0, 0.0));
    assert_eq!(r.p_value, 1.0);
}

#[test]
fn a_clearly_better_system_has_p_value_zero() {
    let a = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    let b: Vec<f64> = a.iter().map(|v| v + 1.0).collect();
    let r = paired_bootstrap(a.len(), &BootstrapOptions::default(), |idx| {
        means(&a, &b, idx)
    })
    .unwrap();
    assert_eq!(r.observed_delta, 1.0);
    assert_eq!((r.lo, r.hi), (1.0, 1.0));
    assert_eq!((r.share_nonpositive, r.share_nonnegative), (0.0, 1.0));
    assert_eq!(r.p_value, 0.0);
    assert_eq!(r.resamples, 1000);
}

#[test]
fn bootstrap_is_deterministic_for_a_seed() {
    let a = [0.2, 0.5, 0.1, 0.9, 0.4, 0.3, 0.8];
    let b = [0.3, 0.4, 0.3, 0.8, 0.6, 0.3, 0.9];
    let run = |seed| {
        let options = BootstrapOptions {
            seed,
            ..Default::default()
        };
        paired_bootstrap(a.len(), &options, |idx| means(&a, &b, idx)).unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

/// Hand-made pairs: exact copies, partial overlaps, an empty hypothesis, a
/// repeated response, two references, a hypothesis shorter than the n-gram orders.
fn hand_made_pairs() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "i am so sorry to hear that.",
            vec!["i am sorry to hear that."],
        ),
        (
            "have you talked to your friends?",
            vec!["did you talk to a friend about it?"],
        ),
        ("", vec!["that must be hard."]),
        (
            "i am so sorry to hear that.",
            vec!["what happened then?", "i see, go on."],
        ),
        ("ok", vec!["ok, i understand how you feel."]),
        (
            "that sounds really hard, i am here for you.",
            vec!["that sounds hard. i'm here."],
        ),
        ("what happened next?", vec!["what happened after that?"]),
    ]
}

fn accumulate(config: GenerationConfig, order: &[usize]) -> GenerationMetrics {
    let pairs = hand_made_pairs();
    let mut m = GenerationMetrics::new(config).unwrap();
    for &i in order {
        m.add(pairs[i].0, &pairs[i].1).unwrap();
    }
    m
}

fn configs() -> Vec<GenerationConfig> {
    vec![
        GenerationConfig::default(),
        GenerationConfig {
            max_bleu_order: 5,
            smoothing: Smoothing::nltk(7).unwrap(),
            max_distinct_order: 4,
            ..Default::default()
        },
        GenerationConfig {
            smoothing: Smoothing::Method5,
            max_distinct_order: 1,
            ..Default::default()
        },
    ]
}

#[test]
fn report_on_all_pairs_equals_finish_exactly() {
    let n = hand_made_pairs().len();
    let all: Vec<usize> = (0..n).collect();
    for config in configs() {
        let m = accumulate(config, &all);
        let per_example = m.per_example().unwrap();
        assert_eq!(per_example.len(), n);
        assert_eq!(per_example.report_on(&all).unwrap(), m.finish().unwrap());
        assert_eq!(m.report_on(&all).unwrap(), m.finish().unwrap());
    }
}

#[test]
fn report_on_a_resample_equals_adding_those_pairs() {
    let n = hand_made_pairs().len();
    let all: Vec<usize> = (0..n).collect();
    for config in configs() {
        let per_example = accumulate(config, &all).per_example().unwrap();
        for resample in [
            vec![3, 0, 3, 6, 1, 1, 2],
            vec![5],
            vec![2, 2],
            vec![6, 5, 4, 3, 2, 1, 0],
        ] {
            let fresh = accumulate(config, &resample);
            assert_eq!(
                per_example.report_on(&resample).unwrap(),
                fresh.finish().unwrap(),
                "{resample:?} with {config:?}"
            );
        }
    }
}

#[test]
fn report_on_rejects_bad_indices() {
    let m = accumulate(GenerationConfig::default(), &[0, 1]);
    let per_example = m.per_example().unwrap();
    assert!(matches!(
        per_example.report_on(&[]),
        Err(MetricsError::Empty { .. })
    ));
    assert!(matches!(
        per_example.report_on(&[0, 2]),
        Err(MetricsError::IndexOutOfRange {
            index: 1,
            value: 2,
            len: 2,
            ..
        })
    ));
    assert!(GenerationMetrics::esc().per_example().is_err());
}

#[test]
fn merged_per_example_bleu_stats_equal_one_accumulator() {
    let tokens = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let pairs = hand_made_pairs();
    let mut all = BleuStats::new(5);
    let mut merged = BleuStats::new(5);
    for (hyp, refs) in &pairs {
        let refs: Vec<Vec<String>> = refs.iter().map(|r| tokens(r)).collect();
        all.add(&tokens(hyp), &refs).unwrap();
        let mut one = BleuStats::new(5);
        one.add(&tokens(hyp), &refs).unwrap();
        merged.merge(&one).unwrap();
    }
    assert_eq!(merged, all);
    // Merging an empty one changes nothing, the last pair included.
    merged.merge(&BleuStats::new(5)).unwrap();
    assert_eq!(merged, all);
    for method in 0..=7 {
        let options = BleuOptions {
            smoothing: Smoothing::nltk(method).unwrap(),
            ..BleuOptions::esc(4)
        };
        assert_eq!(
            merged.score(&options),
            all.score(&options),
            "method{method}"
        );
    }

    // The per-example statistics of GenerationMetrics merge to its BLEU.
    let config = configs()[1];
    let m = accumulate(config, &(0..pairs.len()).collect::<Vec<_>>());
    let per_example = m.per_example().unwrap();
    let mut merged = per_example.bleu_stats(0).unwrap();
    for i in 1..pairs.len() {
        merged.merge(&per_example.bleu_stats(i).unwrap()).unwrap();
    }
    let options = BleuOptions {
        smoothing: config.smoothing,
        ..BleuOptions::esc(5)
    };
    assert_eq!(
        100.0 * merged.score(&options).unwrap().bleu,
        m.finish().unwrap().bleu[4]
    );
}

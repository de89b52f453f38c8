//! `classification_report_labels` against scikit-learn 1.9.1 on string labels:
//! every case of `fixtures/classification_labels_reference.json` (written by
//! `scripts/classification_labels_reference.py`) under every `zero_division`
//! setting, values within 1e-12, label order and confusion matrices exact.

use std::path::Path;

use esc_metrics::{
    ClassificationOptions, LabelOptions, LabelReport, LabelSet, MetricsError, Prf, ZeroDivision,
    classification_report, classification_report_labels, unique_labels,
};
use serde_json::Value;

const TOL: f64 = 1e-12;

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/classification_labels_reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list of strings")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// `want` is a number, or null where sklearn gives NaN.
fn same(what: &str, got: f64, want: &Value) {
    match want {
        Value::Null => assert!(got.is_nan(), "{what}: ours {got:.17} vs reference NaN"),
        _ => {
            let want = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
            assert!(
                (got - want).abs() <= TOL,
                "{what}: ours {got:.17} vs reference {want:.17}"
            );
        }
    }
}

fn same_prf(what: &str, got: &Prf, want: &Value) {
    same(
        &format!("{what}/precision"),
        got.precision,
        &want["precision"],
    );
    same(&format!("{what}/recall"), got.recall, &want["recall"]);
    same(&format!("{what}/f1"), got.f1, &want["f1"]);
}

fn check_report(what: &str, r: &LabelReport, want: &Value) {
    assert_eq!(
        r.labels().collect::<Vec<_>>(),
        strings(&want["labels"]),
        "{what}: label order"
    );
    same(&format!("{what}/accuracy"), r.accuracy, &want["accuracy"]);
    let pl = &want["per_label"];
    for (i, s) in r.per_label.iter().enumerate() {
        let w = format!("{what}/{:?}", s.label);
        same(
            &format!("{w}/precision"),
            s.scores.precision,
            &pl["precision"][i],
        );
        same(&format!("{w}/recall"), s.scores.recall, &pl["recall"][i]);
        same(&format!("{w}/f1"), s.scores.f1, &pl["f1"][i]);
        assert_eq!(Some(s.support), pl["support"][i].as_u64(), "{w}/support");
    }
    same_prf(&format!("{what}/macro"), &r.macro_avg, &want["macro"]);
    same_prf(&format!("{what}/micro"), &r.micro_avg, &want["micro"]);
    same_prf(
        &format!("{what}/weighted"),
        &r.weighted_avg,
        &want["weighted"],
    );
    let cm: Vec<Vec<u64>> =
        serde_json::from_value(want["confusion_matrix"].clone()).expect("confusion matrix");
    assert_eq!(r.confusion_matrix, cm, "{what}: confusion matrix");
}

#[test]
fn string_labels_match_sklearn() {
    let fx = fixture();
    assert_eq!(fx["versions"]["sklearn"], "1.9.1");
    let cases = fx["cases"].as_array().expect("cases");
    let (mut compared, mut errors, mut nans) = (0, 0, 0);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let y_true = strings(&case["y_true"]);
        let y_pred = strings(&case["y_pred"]);
        for (zk, want) in case["results"].as_object().expect("results") {
            let zero_division: ZeroDivision = zk.parse().expect("zero_division key");
            let mut options = LabelOptions::new().with_zero_division(zero_division);
            if !case["labels"].is_null() {
                options = options.with_labels(strings(&case["labels"]));
            }
            let what = format!("{name}/zero_division={zk}");
            let got = classification_report_labels(&y_true, &y_pred, &options);
            if want.get("error").is_some() {
                assert!(
                    matches!(got, Err(MetricsError::Undefined { .. })),
                    "{what}: sklearn raises {}, ours {got:?}",
                    want["error"]
                );
                errors += 1;
                continue;
            }
            let r = got.unwrap_or_else(|e| panic!("{what}: {e}"));
            check_report(&what, &r, want);
            compared += 1;
            nans += want.to_string().matches("null").count();
        }
    }
    // The fixture covers what it claims: every zero_division setting of many cases,
    // NaN scores, and a case where sklearn raises.
    assert!(compared >= 40, "{compared} reports compared");
    assert!(errors >= 4, "{errors} error cases");
    assert!(nans > 0, "no NaN score in the fixture");
}

/// The same numbers as the numeric implementation on the labels mapped to ids.
#[test]
fn string_labels_equal_numeric_ids() {
    let names = ["Question", "Other", "Greeting", "Affirmation", "Others"];
    let golds = [0usize, 1, 2, 1, 4, 0, 0, 2];
    let preds = [0usize, 1, 1, 3, 4, 2, 0, 1];
    let y_true: Vec<&str> = golds.iter().map(|&i| names[i]).collect();
    let y_pred: Vec<&str> = preds.iter().map(|&i| names[i]).collect();
    for zd in [ZeroDivision::Zero, ZeroDivision::One] {
        let numeric = classification_report(
            &golds,
            &preds,
            &ClassificationOptions::new(names.len())
                .with_labels(LabelSet::All)
                .with_zero_division(zd),
        )
        .expect("numeric");
        let r = classification_report_labels(
            &y_true,
            &y_pred,
            &LabelOptions::new()
                .with_labels(names)
                .with_zero_division(zd),
        )
        .expect("labels");
        assert_eq!(r.accuracy, numeric.accuracy);
        assert_eq!(r.macro_avg, numeric.macro_avg);
        assert_eq!(r.micro_avg, numeric.micro_avg);
        assert_eq!(r.weighted_avg, numeric.weighted_avg);
        assert_eq!(r.confusion_matrix, numeric.confusion_matrix);
        for (s, c) in r.per_label.iter().zip(&numeric.per_class) {
            assert_eq!(s.label, names[c.label]);
            assert_eq!((s.scores, s.support), (c.scores, c.support));
        }
    }
}

#[test]
fn unique_labels_sort_by_code_point() {
    let labels = unique_labels(
        &["émotion", "Zeta", "zeta", "😀"],
        &["感谢", "Émotion", "a b"],
    );
    assert_eq!(
        labels,
        ["Zeta", "a b", "zeta", "Émotion", "émotion", "感谢", "😀"]
    );
    let empty: [&str; 0] = [];
    assert!(unique_labels(&empty, &empty).is_empty());
}

#[test]
fn labels_outside_the_list_count_in_accuracy_only() {
    // "Other" and "Others" are both outside the list: a "Other" vs "Others" sample
    // is wrong (accuracy), and neither enters the scored labels.
    let y_true = ["Question", "Other", "Others"];
    let y_pred = ["Question", "Others", "Others"];
    let r = classification_report_labels(
        &y_true,
        &y_pred,
        &LabelOptions::new().with_labels(["Question"]),
    )
    .expect("report");
    assert!((r.accuracy - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(r.micro_avg.precision, 1.0);
    assert_eq!(r.confusion_matrix, [[1]]);
    assert_eq!(r.samples, 3);
}

#[test]
fn invalid_inputs_are_errors() {
    let opts = LabelOptions::new();
    assert!(matches!(
        classification_report_labels(&["a", "b"], &["a"], &opts),
        Err(MetricsError::LengthMismatch {
            left: 2,
            right: 1,
            ..
        })
    ));
    let empty: [&str; 0] = [];
    assert!(matches!(
        classification_report_labels(&empty, &empty, &opts),
        Err(MetricsError::Empty { what: "y_true" })
    ));
    let no_labels: [&str; 0] = [];
    assert!(matches!(
        classification_report_labels(&["a"], &["a"], &opts.clone().with_labels(no_labels)),
        Err(MetricsError::Empty { what: "labels" })
    ));
    let twice = classification_report_labels(
        &["a", "b"],
        &["a", "b"],
        &opts.clone().with_labels(["a", "b", "a"]),
    );
    match twice {
        Err(e @ MetricsError::InvalidOption { .. }) => {
            assert!(e.to_string().contains("\"a\" at positions 0 and 2"), "{e}");
        }
        other => panic!("a repeated label gave {other:?}"),
    }
    // None of the listed labels is a true label: sklearn's confusion_matrix raises.
    assert!(matches!(
        classification_report_labels(&["a"], &["b"], &opts.with_labels(["b"])),
        Err(MetricsError::Undefined { .. })
    ));
}

#[test]
fn unknown_label_lookup_names_the_valid_ones() {
    let r = classification_report_labels(
        &["Greeting", "Other"],
        &["Other", "Other"],
        &LabelOptions::new(),
    )
    .expect("report");
    assert_eq!(r.try_get("Other").expect("known").support, 1);
    let err = r.try_get("Others").expect_err("unknown");
    match &err {
        MetricsError::UnknownKey { key, valid, .. } => {
            assert_eq!(key, "Others");
            assert_eq!(valid, &["Greeting", "Other"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "unknown label \"Others\"; expected one of: \"Greeting\", \"Other\""
    );
}

#[test]
fn zero_division_nan_is_left_out_of_averages() {
    // "b" is never predicted: precision 0/0. "c" occurs nowhere: all 0/0.
    let opts = LabelOptions::new()
        .with_labels(["a", "b", "c"])
        .with_zero_division(ZeroDivision::Nan);
    let r = classification_report_labels(&["a", "b"], &["a", "a"], &opts).expect("report");
    assert!(r.try_get("b").expect("b").scores.precision.is_nan());
    assert!(r.try_get("c").expect("c").scores.f1.is_nan());
    // Macro precision: mean of {0.5} (b and c are NaN); recall: mean of {1, 0}.
    assert_eq!(r.macro_avg.precision, 0.5);
    assert_eq!(r.macro_avg.recall, 0.5);
    // The same with Zero: NaN becomes 0 and counts.
    let zero = classification_report_labels(
        &["a", "b"],
        &["a", "a"],
        &opts.with_zero_division(ZeroDivision::Zero),
    )
    .expect("report");
    assert!((zero.macro_avg.precision - 0.5 / 3.0).abs() < 1e-15);
}

#[test]
fn report_round_trips_through_json() {
    let r = classification_report_labels(&["Ça va", "😀"], &["😀", "😀"], &LabelOptions::new())
        .expect("report");
    let json = serde_json::to_string(&r).expect("serialize");
    let back: LabelReport = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, r);
}

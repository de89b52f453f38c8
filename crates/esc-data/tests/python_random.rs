//! `PyRandom` against Python's `random` (fixture written by
//! `scripts/python_shuffle_fixture.py`): the ESConv split shuffle, other seeds and sizes,
//! raw bits, floats, and the bucket sampler's batch order over two epochs.

use esc_data::{BucketSampler, PyRandom};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/python_random.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture python_random.json");
    serde_json::from_str(&text).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn esconv_split_shuffle_matches_python() {
    let fx = fixture();
    let expected = usizes(&fx["shuffle_1300_seed13"]);
    let mut order: Vec<usize> = (0..1300).collect();
    PyRandom::new(13).shuffle(&mut order);
    assert_eq!(order, expected);
}

#[test]
fn other_seeds_and_sizes_match_python() {
    let fx = fixture();
    for case in fx["shuffles"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let seed = case["seed"].as_u64().unwrap();
        let mut order: Vec<usize> = (0..n).collect();
        PyRandom::new(seed).shuffle(&mut order);
        assert_eq!(order, usizes(&case["order"]), "n={n} seed={seed}");
    }
}

#[test]
fn getrandbits_and_random_match_python() {
    let fx = fixture();
    let mut rng = PyRandom::new(13);
    for draw in fx["getrandbits_seed13"].as_array().unwrap() {
        let k = draw["k"].as_u64().unwrap() as u32;
        assert_eq!(rng.getrandbits(k), draw["value"].as_u64().unwrap(), "k={k}");
    }
    let mut rng = PyRandom::new(2024);
    for expected in fx["random_seed2024_times_2p53"].as_array().unwrap() {
        // random() is k / 2^53: compare k exactly.
        let k = rng.random() * 9_007_199_254_740_992.0;
        assert_eq!(k.fract(), 0.0);
        assert_eq!(k as u64, expected.as_u64().unwrap());
    }
}

#[test]
fn bucket_sampler_matches_the_python_sampler() {
    let fx = fixture();
    let lens = usizes(&fx["bucket_sampler"]["lens"]);
    for case in fx["bucket_sampler"]["cases"].as_array().unwrap() {
        let sampler =
            BucketSampler::new(lens.clone(), case["batch_size"].as_u64().unwrap() as usize)
                .with_bucket(case["bucket"].as_u64().unwrap() as usize)
                .with_drop_last(case["drop_last"].as_bool().unwrap());
        let mut rng = PyRandom::new(case["seed"].as_u64().unwrap());
        for (epoch, expected) in case["epochs"].as_array().unwrap().iter().enumerate() {
            let expected: Vec<Vec<usize>> =
                expected.as_array().unwrap().iter().map(usizes).collect();
            assert_eq!(sampler.num_batches(), expected.len());
            assert_eq!(
                sampler.batches(&mut rng),
                expected,
                "bucket {} batch {} epoch {epoch}",
                case["bucket"],
                case["batch_size"]
            );
        }
    }
}

#[test]
fn split_dialogs_cuts_the_python_shuffle_into_valid_test_train() {
    use esc_data::{Dialog, ESCONV_SPLIT_SEED, Emotion, Turn, split_dialogs};
    let fx = fixture();
    let order = usizes(&fx["shuffle_1300_seed13"]);
    // Dialog i of the "original file" is marked by its problem text.
    let dialogs: Vec<Dialog> = (0..1300)
        .map(|i| Dialog {
            emotion: Emotion::Anxiety,
            problem: i.to_string(),
            situation: String::new(),
            experience: String::new(),
            survey: None,
            turns: vec![Turn::seeker("hi")],
        })
        .collect();
    let splits = split_dialogs(dialogs, ESCONV_SPLIT_SEED);
    let ids =
        |ds: &[Dialog]| -> Vec<usize> { ds.iter().map(|d| d.problem.parse().unwrap()).collect() };
    // _reformat/process.py: valid = data[:195], test = data[195:390], train = data[390:]
    assert_eq!(ids(&splits.valid), order[..195]);
    assert_eq!(ids(&splits.test), order[195..390]);
    assert_eq!(ids(&splits.train), order[390..]);
}

//! Property tests (proptest, fixed seed and case budget) of the model-side loaders:
//! `config.json` ([BlenderbotSmallConfig::load]), generation configs ([GenerationConfig::load],
//! then [generate_sampled] with whatever loads) and HF weights ([load_hf]) on garbage, truncated and
//! mutated files and on weights of another architecture. Every outcome is `Ok` or a typed
//! [Error] naming the file, never a panic.
//!
//! Each property prints how many inputs it tried (`cargo test ... -- --nocapture`).

mod common;
#[path = "../../esc-data/tests/fuzz_check/mod.rs"]
mod fuzz_check;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use common::fixture_dir;
use esc_models::{
    BlenderbotSmallConfig, BlenderbotSmallForConditionalGeneration, Error, GenerationConfig,
    generate_sampled, load_hf,
};
use fuzz_check::check;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rand::SeedableRng;
use serde_json::{Value, json};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("esc-models-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn fixture_config() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("config.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture model (`tiny_bbs`, vocabulary 60), loaded once.
fn tiny() -> &'static BlenderbotSmallForConditionalGeneration {
    static MODEL: OnceLock<BlenderbotSmallForConditionalGeneration> = OnceLock::new();
    MODEL.get_or_init(|| common::tiny_model(&Device::flex()))
}

/// An error of a loader must name the file it was reading.
fn names_file(err: &Error, path: &Path) -> Result<(), TestCaseError> {
    let msg = err.to_string();
    prop_assert!(
        msg.contains(&path.display().to_string()),
        "{msg:?} does not name {}",
        path.display()
    );
    Ok(())
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        (0u64..70).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A change to a JSON object: remove a key, set a (known or new) key to any value.
#[derive(Debug, Clone)]
enum Edit {
    Remove(usize),
    Set(usize, Value),
    Add(String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), any_json()).prop_map(|(i, v)| Edit::Set(i, v)),
        ("[a-z_]{1,12}", any_json()).prop_map(|(k, v)| Edit::Add(k, v)),
    ]
}

fn apply_edit(value: &mut Value, keys: &[&str], edit: &Edit) {
    let map = value.as_object_mut().unwrap();
    match edit {
        Edit::Remove(i) => {
            map.remove(keys[i % keys.len()]);
        }
        Edit::Set(i, v) => {
            map.insert(keys[i % keys.len()].to_owned(), v.clone());
        }
        Edit::Add(k, v) => {
            map.insert(k.clone(), v.clone());
        }
    }
}

/// Overwrites, inserts or truncates bytes (`Truncate` keeps `n % (len + 1)` bytes).
#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Damage::Insert(i, b)),
    ]
}

fn apply_damage(bytes: &mut Vec<u8>, damage: &Damage, within: usize) {
    let within = within.min(bytes.len()).max(1);
    match damage {
        Damage::Truncate(n) => bytes.truncate(n % (bytes.len() + 1)),
        Damage::Flip(i, b) => {
            if !bytes.is_empty() {
                bytes[i % within] = *b;
            }
        }
        Damage::Insert(i, b) => {
            let at = i % (within + 1);
            bytes.splice(at..at, b.iter().copied());
        }
    }
}

const MODEL_KEYS: &[&str] = &[
    "vocab_size",
    "max_position_embeddings",
    "d_model",
    "encoder_layers",
    "decoder_layers",
    "encoder_attention_heads",
    "decoder_attention_heads",
    "encoder_ffn_dim",
    "decoder_ffn_dim",
    "dropout",
    "attention_dropout",
    "activation_dropout",
    "activation_function",
    "scale_embedding",
    "normalize_before",
    "add_final_layer_norm",
    "pad_token_id",
    "bos_token_id",
    "eos_token_id",
    "decoder_start_token_id",
    "init_std",
    "scale_decoder_embedding",
];

#[test]
fn garbage_and_mutated_model_configs_give_typed_errors() {
    let path = scratch("config.json");
    let base = fixture_config();
    let input = prop_oneof![
        3 => prop::collection::vec(edit(), 1..4).prop_map(Ok),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Err),
    ];
    let input = (input, prop::option::of(damage()));
    check("model_config", 512, input, |(change, damage)| {
        let mut bytes = match &change {
            Ok(edits) => {
                let mut v = base.clone();
                for e in edits {
                    apply_edit(&mut v, MODEL_KEYS, e);
                }
                serde_json::to_vec_pretty(&v).unwrap()
            }
            Err(garbage) => garbage.clone(),
        };
        if let Some(d) = &damage {
            let len = bytes.len();
            apply_damage(&mut bytes, d, len);
        }
        std::fs::write(&path, &bytes).unwrap();
        match BlenderbotSmallConfig::load(&path) {
            Ok(config) => {
                prop_assert!(config.validate().is_ok());
                // What loads saves and loads back unchanged.
                let again = scratch("config_again.json");
                config.save(&again).unwrap();
                prop_assert_eq!(BlenderbotSmallConfig::load(&again).unwrap(), config);
            }
            // Io: bytes that are not UTF-8.
            Err(
                e @ (Error::Io { .. } | Error::ConfigParse { .. } | Error::InvalidConfig { .. }),
            ) => names_file(&e, &path)?,
            Err(e) => prop_assert!(false, "unexpected error kind: {e:?}"),
        }
        Ok(())
    });
}

/// Small values for the size fields (zero and non-divisors included).
fn sizes() -> impl Strategy<Value = [u64; 11]> {
    (
        (0u64..40, 0u64..70, 0u64..24, 0u64..3, 0u64..3),
        (0u64..7, 0u64..7, 0u64..24, 0u64..24),
        (0u64..70, 0u64..70),
    )
        .prop_map(|((v, p, d, el, dl), (eh, dh, ef, df), (pad, eos))| {
            [v, p, d, el, dl, eh, dh, ef, df, pad, eos]
        })
}

#[test]
fn impossible_model_config_values_are_rejected_by_field() {
    let path = scratch("config_sizes.json");
    let fields = [
        "vocab_size",
        "max_position_embeddings",
        "d_model",
        "encoder_layers",
        "decoder_layers",
        "encoder_attention_heads",
        "decoder_attention_heads",
        "encoder_ffn_dim",
        "decoder_ffn_dim",
        "pad_token_id",
        "eos_token_id",
    ];
    let input = (sizes(), -0.5f64..1.5);
    check("model_config_values", 256, input, |(values, dropout)| {
        let mut v = fixture_config();
        for (field, value) in fields.iter().zip(values) {
            v[*field] = json!(value);
        }
        v["dropout"] = json!(dropout);
        v["bos_token_id"] = json!(0);
        v["decoder_start_token_id"] = json!(0);
        std::fs::write(&path, v.to_string()).unwrap();
        // Which fields are impossible, worked out independently of `validate`.
        let [vocab, _, d, ..] = values;
        let mut bad: Vec<&str> = fields[..9]
            .iter()
            .zip(values)
            .filter(|(_, x)| *x == 0)
            .map(|(f, _)| *f)
            .collect();
        for (field, heads) in [(fields[5], values[5]), (fields[6], values[6])] {
            if heads > 0 && d % heads != 0 {
                bad.push(field);
            }
        }
        for (field, id) in [(fields[9], values[9]), (fields[10], values[10])] {
            if id >= vocab {
                bad.push(field);
            }
        }
        if !(0.0..1.0).contains(&dropout) {
            bad.push("dropout");
        }
        if vocab == 0 {
            bad.push("bos_token_id");
            bad.push("decoder_start_token_id");
        }
        match BlenderbotSmallConfig::load(&path) {
            Ok(config) => {
                prop_assert!(bad.is_empty(), "accepted although {bad:?} are impossible");
                // A valid configuration builds a model whose logits are finite.
                let device = Device::flex();
                let model = config.init(&device);
                let len = config.max_position_embeddings.min(4);
                let ids = Tensor::<2, Int>::zeros([1, len], &device);
                let mask = Tensor::<2, Bool>::full([1, len], false, &device);
                let logits = model.forward(ids.clone(), mask, ids).logits;
                let values: Vec<f32> = logits.into_data().try_to_vec::<f32>().unwrap();
                prop_assert!(values.iter().all(|x| x.is_finite()));
            }
            Err(ref e @ Error::InvalidConfig { field, .. }) => {
                prop_assert!(
                    bad.contains(&field),
                    "{field} rejected, impossible: {bad:?}"
                );
                names_file(e, &path)?;
                prop_assert!(e.to_string().contains(field));
            }
            Err(e) => prop_assert!(false, "unexpected error: {e}"),
        }
        Ok(())
    });
}

const GENERATION_KEYS: &[&str] = &[
    "max_length",
    "min_length",
    "do_sample",
    "num_beams",
    "temperature",
    "top_k",
    "top_p",
    "repetition_penalty",
    "no_repeat_ngram_size",
    "encoder_no_repeat_ngram_size",
    "bad_words_ids",
    "length_penalty",
    "early_stopping",
    "forced_eos_token_id",
    "eos_token_id",
    "pad_token_id",
    "decoder_start_token_id",
];

/// Generation settings in the range where decoding is quick, impossible values included.
fn generation_json() -> impl Strategy<Value = Value> {
    let id = prop::option::of(prop_oneof![0u32..60, 60u32..70, Just(u32::MAX)]);
    (
        (0usize..7, 0usize..8, any::<bool>(), 0usize..4, -0.5f64..3.0),
        (0usize..70, -0.2f64..1.2, -0.5f64..3.0, 0usize..4, 0usize..4),
        (
            prop::collection::vec(prop::collection::vec(0u32..70, 0..3), 0..3),
            -2.0f64..2.0,
            any::<bool>(),
        ),
        (id.clone(), id.clone(), id.clone(), id),
    )
        .prop_map(
            |((max, min, sample, beams, temp), (k, p, rep, nr, enr), (bad, lp, es), ids)| {
                json!({
                    "max_length": max, "min_length": min, "do_sample": sample, "num_beams": beams,
                    "temperature": temp, "top_k": k, "top_p": p, "repetition_penalty": rep,
                    "no_repeat_ngram_size": nr, "encoder_no_repeat_ngram_size": enr,
                    "bad_words_ids": bad, "length_penalty": lp, "early_stopping": es,
                    "forced_eos_token_id": ids.0, "eos_token_id": ids.1, "pad_token_id": ids.2,
                    "decoder_start_token_id": ids.3,
                })
            },
        )
}

#[test]
fn generation_configs_load_or_fail_typed_and_what_loads_generates() {
    let path = scratch("generation_config.json");
    let model = tiny();
    let device = Device::flex();
    let input_ids = Tensor::<2, Int>::from_data(
        TensorData::new(vec![5i64, 17, 33, 2, 7, 2, 0, 0], [2, 4]),
        &device,
    );
    let mask_pad = input_ids.clone().equal_elem(0);
    let input = (
        generation_json(),
        prop::collection::vec(edit(), 0..2),
        prop::option::of(damage()),
        any::<u64>(),
    );
    check(
        "generation_config",
        384,
        input,
        |(mut v, edits, damage, seed)| {
            for e in &edits {
                apply_edit(&mut v, GENERATION_KEYS, e);
            }
            let mut bytes = serde_json::to_vec_pretty(&v).unwrap();
            if let Some(d) = &damage {
                let len = bytes.len();
                apply_damage(&mut bytes, d, len);
            }
            std::fs::write(&path, &bytes).unwrap();
            let config = match GenerationConfig::load(&path) {
                Ok(config) => config,
                Err(
                    e
                    @ (Error::Io { .. } | Error::ConfigParse { .. } | Error::InvalidConfig { .. }),
                ) => {
                    return names_file(&e, &path);
                }
                Err(e) => return Err(TestCaseError::fail(format!("unexpected error: {e:?}"))),
            };
            prop_assert!(config.validate().is_ok());
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            match generate_sampled(
                model,
                input_ids.clone(),
                mask_pad.clone(),
                &config,
                &mut rng,
            ) {
                Ok(rows) => {
                    prop_assert_eq!(rows.len(), 2);
                    for row in rows {
                        // `max_length` counts the start token, for every search (as HF).
                        prop_assert!(!row.is_empty() && row.len() <= config.max_length_for(1));
                        prop_assert!(row.iter().all(|&t| (t as usize) < 60), "{row:?}");
                    }
                }
                Err(e @ Error::InvalidConfig { .. }) => {
                    prop_assert!(e.to_string().contains("vocab"), "{e}");
                }
                Err(e) => prop_assert!(false, "unexpected error: {e:?}"),
            }
            Ok(())
        },
    );
}

fn fixture_weights() -> Vec<u8> {
    std::fs::read(fixture_dir().join("model.safetensors")).unwrap()
}

#[test]
fn garbage_and_damaged_weight_files_give_typed_errors() {
    let good = fixture_weights();
    let header_end = 8 + u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let device = Device::flex();
    let kind = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|g| (0u8, g, 0u64)),
        Just((1u8, Vec::new(), 0)),
        any::<u64>().prop_map(|n| (2u8, Vec::new(), n)),
        (0u64..4096).prop_map(|n| (2u8, Vec::new(), n)),
    ];
    let input = (kind, prop::collection::vec(damage(), 1..3), any::<bool>());
    check(
        "weights",
        384,
        input,
        |((kind, garbage, header_len), damages, as_bin)| {
            let mut bytes = match kind {
                // Pure garbage.
                0 => garbage,
                // The fixture, damaged inside its JSON header.
                1 => {
                    let mut b = good.clone();
                    for d in &damages {
                        apply_damage(&mut b, d, header_end);
                    }
                    b
                }
                // The fixture with another header length.
                _ => {
                    let mut b = good.clone();
                    b[..8].copy_from_slice(&header_len.to_le_bytes());
                    b
                }
            };
            if kind == 0 && !damages.is_empty() {
                let len = bytes.len();
                apply_damage(&mut bytes, &damages[0], len);
            }
            let path = scratch(if as_bin {
                "weights.bin"
            } else {
                "weights.safetensors"
            });
            std::fs::write(&path, &bytes).unwrap();
            let mut model = config.init(&device);
            match load_hf(&mut model, &path) {
                Ok(report) => prop_assert!(report.is_complete()),
                Err(e) => {
                    let typed = matches!(
                        e,
                        Error::Safetensors { .. }
                            | Error::Pytorch { .. }
                            | Error::IncompatibleWeights { .. }
                    );
                    prop_assert!(typed, "unexpected error kind: {e:?}");
                    names_file(&e, &path)?;
                }
            }
            Ok(())
        },
    );
}

#[test]
fn truncated_weight_files_give_typed_errors() {
    let good = fixture_weights();
    let config = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let device = Device::flex();
    let path = scratch("truncated.safetensors");
    check("weights_truncated", 256, 0..good.len(), |len| {
        std::fs::write(&path, &good[..len]).unwrap();
        let mut model = config.init(&device);
        let err = load_hf(&mut model, &path);
        prop_assert!(err.is_err(), "a file cut at {len} bytes loaded");
        let err = err.unwrap_err();
        prop_assert!(matches!(err, Error::Safetensors { .. }), "{err:?}");
        names_file(&err, &path)
    });
}

#[test]
fn weights_of_another_architecture_are_rejected_with_the_shapes() {
    let base = BlenderbotSmallConfig::load(fixture_dir().join("config.json")).unwrap();
    let weights = fixture_dir().join("model.safetensors");
    let device = Device::flex();
    let input = (
        prop::sample::select(vec![8usize, 16, 24, 32]),
        (1usize..4, 1usize..4),
        prop::sample::select(vec![16usize, 32, 48]),
        prop::sample::select(vec![59usize, 60, 61, 100]),
        prop::sample::select(vec![32usize, 64, 65]),
    );
    check(
        "weights_architecture",
        128,
        input,
        |(d, (el, dl), ffn, vocab, pos)| {
            let config = BlenderbotSmallConfig {
                d_model: d,
                encoder_layers: el,
                decoder_layers: dl,
                encoder_ffn_dim: ffn,
                vocab_size: vocab,
                max_position_embeddings: pos,
                ..base.clone()
            };
            let same = (d, el, dl, ffn, vocab, pos)
                == (
                    base.d_model,
                    base.encoder_layers,
                    base.decoder_layers,
                    base.encoder_ffn_dim,
                    base.vocab_size,
                    base.max_position_embeddings,
                );
            let mut model = config.init(&device);
            match load_hf(&mut model, &weights) {
                Ok(_) => prop_assert!(same, "{config:?} accepted the fixture weights"),
                Err(Error::IncompatibleWeights { path, report }) => {
                    prop_assert!(!same);
                    prop_assert_eq!(&path, &weights);
                    let msg = report.to_string();
                    prop_assert!(!report.is_complete());
                    // A readable report: each wrongly shaped tensor with both shapes.
                    for m in &report.mismatched {
                        prop_assert!(msg.contains(&m.name));
                        prop_assert!(msg.contains(&format!("{:?}", m.expected)), "{msg}");
                        prop_assert!(msg.contains(&format!("{:?}", m.found)), "{msg}");
                    }
                    if d != base.d_model {
                        prop_assert!(!report.mismatched.is_empty());
                    }
                }
                Err(e) => prop_assert!(false, "unexpected error: {e:?}"),
            }
            Ok(())
        },
    );
}

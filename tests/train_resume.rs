//! Training on a tiny config and a few sample dialogs: the loss goes down, a run stopped after an
//! epoch and resumed ends exactly where an uninterrupted run ends, checkpoints appear atomically.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use burn::tensor::Tensor;
use star_esc::train::{RunData, TrainConfig, TrainEvent, Trainer, list_checkpoints};
use support::{parameters, run_dir, serial};

fn config(epochs: usize) -> TrainConfig {
    support::tiny_run(epochs)
}

fn data() -> RunData {
    static DATA: OnceLock<RunData> = OnceLock::new();
    DATA.get_or_init(|| RunData::load(&config(1)).expect("sample dataset"))
        .clone()
}

/// A run trained to its end without interruption (the reference of the resume tests), and its
/// folder.
fn uninterrupted(name: &str, config: TrainConfig) -> (PathBuf, Trainer) {
    let dir = run_dir("resume", name);
    let mut trainer = Trainer::from_data(config, dir.clone(), data()).unwrap();
    trainer.train(&mut |_| {}).unwrap();
    (dir, trainer)
}

#[test]
fn loss_decreases() {
    let _serial = serial();
    let dir = run_dir("resume", "loss");
    let mut trainer = Trainer::from_data(config(4), dir.clone(), data()).unwrap();
    let mut lm = Vec::new();
    trainer
        .train(&mut |e| {
            if let TrainEvent::Step { epoch, lm_loss, .. } = e {
                lm.push((*epoch, *lm_loss));
            }
        })
        .unwrap();
    let mean = |ep: usize| {
        let v: Vec<f64> = lm
            .iter()
            .filter(|(e, _)| *e == ep)
            .map(|(_, l)| *l)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(3) < mean(0) - 0.1,
        "LM loss should fall: epoch 1 {} vs epoch 4 {}",
        mean(0),
        mean(3)
    );
    let h = &trainer.state().history;
    assert!(
        h[3].ppl < h[0].ppl,
        "validation perplexity should fall: {h:?}"
    );
    #[cfg(feature = "plots")]
    check_curves(&dir);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The curves of a run: one image per logged quantity, each with a drawn line.
#[cfg(feature = "plots")]
fn check_curves(dir: &std::path::Path) {
    let curves = star_esc::plots::plot_curves(dir).unwrap();
    let names: Vec<String> = curves
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "loss.svg",
            "perplexity.svg",
            "lr.svg",
            "lambda.svg",
            "gate.svg"
        ]
    );
    for path in &curves {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.contains("<polyline"), "{} has no line", path.display());
    }
}

#[test]
fn resume_continues_exactly() {
    let _serial = serial();
    let (straight_dir, straight) = uninterrupted("straight", config(2));

    let resumed_dir = run_dir("resume", "resumed");
    let mut first = Trainer::from_data(config(2), resumed_dir.clone(), data()).unwrap();
    first.train_epochs(1, &mut |_| {}).unwrap();
    drop(first);
    let mut resumed = Trainer::resume_with_data(&resumed_dir, data()).unwrap();
    assert_eq!(resumed.state().epochs_done, 1);
    resumed.train(&mut |_| {}).unwrap();

    assert_eq!(resumed.state().step, straight.state().step);
    assert_eq!(resumed.state().history, straight.state().history);
    let (a, b) = (parameters(straight.model()), parameters(resumed.model()));
    assert_eq!(a.len(), b.len());
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert_eq!(differing, 0, "{differing} of {} weights differ", a.len());
    // The run did move the weights (the comparison is not between two untouched models).
    let fresh = Trainer::from_data(config(2), run_dir("resume", "fresh"), data()).unwrap();
    assert_ne!(parameters(fresh.model()), a);
    for d in [straight_dir, resumed_dir, run_dir("resume", "fresh")] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Every visible `epoch-NNNN` folder holds the three files; polled while training.
fn check_visible(run: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(run.join("checkpoints")) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `.tmp` (being written) and `.deleting` (being pruned) are not checkpoints.
        if name.starts_with("epoch-") && !name.contains('.') {
            for file in ["model.bpk", "optim.bpk", "state.json"] {
                // A folder being pruned is renamed away between listing and checking: only a
                // folder still there after the miss is a visible, incomplete checkpoint.
                if !entry.path().join(file).exists() && entry.path().exists() {
                    return Err(format!("{name} is visible without {file}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn checkpoints_are_atomic() {
    let _serial = serial();
    let dir = run_dir("resume", "atomic");
    std::fs::create_dir_all(&dir).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let mut polls = 0usize;
            while !done.load(Ordering::Relaxed) {
                check_visible(&dir)?;
                polls += 1;
            }
            Ok::<usize, String>(polls)
        })
    };
    let mut trainer = Trainer::from_data(config(3), dir.clone(), data()).unwrap();
    trainer.train(&mut |_| {}).unwrap();
    done.store(true, Ordering::Relaxed);
    let polls = watcher.join().unwrap().unwrap();
    assert!(polls > 0);

    // keep_last 1 + the best: at most two left, none temporary.
    let left = list_checkpoints(&dir).unwrap();
    assert!(!left.is_empty() && left.len() <= 2, "{left:?}");
    assert_eq!(left.last().unwrap().0, 3);
    let names: Vec<String> = std::fs::read_dir(dir.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");

    // A crash mid-write leaves a `.tmp` folder: it is ignored by resume.
    let partial = dir.join("checkpoints").join("epoch-0009.tmp");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("model.bpk"), b"partial").unwrap();
    assert_eq!(list_checkpoints(&dir).unwrap().last().unwrap().0, 3);
    // One trainer per run folder: the first must be gone before the run is resumed.
    let err = Trainer::resume_with_data(&dir, data()).unwrap_err();
    assert!(err.to_string().contains("is in use by process"), "{err}");
    drop(trainer);
    let resumed = Trainer::resume_with_data(&dir, data()).unwrap();
    assert_eq!(resumed.state().epochs_done, 3);
    assert!(!partial.exists(), "the resume removes the unfinished write");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stage_two_trains_only_star_and_the_shared_embedding() {
    let _serial = serial();
    let dir = run_dir("resume", "two-stage");
    let two_stage = TrainConfig {
        stage_two_epochs: 1,
        ..config(2)
    };
    let mut trainer = Trainer::from_data(two_stage, dir.clone(), data()).unwrap();
    let snapshot = |t: &Trainer| {
        let m = t.model();
        let values = |x: Tensor<2>| x.into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
        (
            values(m.backbone.model.encoder.layers[0].fc1.weight.val()),
            values(m.backbone.model.shared.weight.val()),
            values(m.star.as_ref().unwrap().pooling.q_proj.weight.val()),
        )
    };
    trainer.train_epochs(1, &mut |_| {}).unwrap();
    let stage_one = snapshot(&trainer);
    trainer.train_epochs(1, &mut |_| {}).unwrap();
    let stage_two = snapshot(&trainer);
    assert_eq!(
        stage_one.0, stage_two.0,
        "the encoder is frozen in stage two"
    );
    assert_ne!(stage_one.1, stage_two.1, "the shared embedding trains");
    assert_ne!(stage_one.2, stage_two.2, "STAR trains");
    // Without STAR there is no stage two to run.
    let invalid = TrainConfig {
        star: false,
        stage_two_epochs: 1,
        ..config(2)
    };
    assert!(
        invalid
            .validate()
            .unwrap_err()
            .to_string()
            .contains("stage_two_epochs")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

const KILL_DIR_VAR: &str = "STAR_ESC_TEST_KILL_DIR";
const KILL_STEP: usize = 5;
const NO_PAUSE_VAR: &str = "STAR_ESC_TEST_KILL_NO_PAUSE";

fn kill_config() -> TrainConfig {
    // 24 examples, batch 4, accumulation 2: 3 optimizer steps per epoch, so step 5 is the middle
    // of the second epoch.
    config(3)
}

/// The child process of `sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run`: trains
/// until optimizer step `KILL_STEP`, announces it through a marker file and waits to be killed.
#[test]
#[ignore = "runs only as the child process of the sigkill_* tests"]
fn child_trains_until_killed() {
    let dir = PathBuf::from(std::env::var(KILL_DIR_VAR).expect("started by the parent test"));
    // Without a pause the child trains freely and is killed wherever it happens to be.
    let pause = std::env::var_os(NO_PAUSE_VAR).is_none();
    let mut trainer = Trainer::from_data(kill_config(), dir.clone(), data()).unwrap();
    trainer
        .train(&mut |e| {
            if let TrainEvent::Step { step, .. } = e
                && *step == KILL_STEP
                && pause
            {
                std::fs::write(dir.join("at-kill-step"), b"").unwrap();
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            }
        })
        .unwrap();
}

#[test]
fn sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run() {
    let _serial = serial();
    let (straight_dir, straight) = uninterrupted("kill-straight", kill_config());

    let dir = run_dir("resume", "kill-child");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_trains_until_killed",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(KILL_DIR_VAR, &dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !dir.join("at-kill-step").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child exited before step {KILL_STEP}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the child never reached step {KILL_STEP}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    // Killed inside epoch 2: one checkpoint, and log lines past it.
    let checkpoints = list_checkpoints(&dir).unwrap();
    assert_eq!(checkpoints.iter().map(|c| c.0).collect::<Vec<_>>(), [1]);
    let log = std::fs::read_to_string(dir.join("train_log.jsonl")).unwrap();
    assert!(log.contains(&format!("\"step\":{KILL_STEP},")), "{log}");

    let mut resumed = Trainer::resume_with_data(&dir, data()).unwrap();
    resumed.train(&mut |_| {}).unwrap();
    assert_eq!(resumed.state().history, straight.state().history);
    assert_eq!(parameters(resumed.model()), parameters(straight.model()));
    // The interrupted epoch's lines were dropped: the logs agree step for step.
    let losses = |dir: &Path| -> Vec<(u64, String)> {
        std::fs::read_to_string(dir.join("train_log.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["kind"] == "step")
            .map(|v| (v["step"].as_u64().unwrap(), v["loss"].to_string()))
            .collect()
    };
    assert_eq!(losses(&dir), losses(&straight_dir));
    for d in [straight_dir, dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_diverging_run_stops_with_the_step_and_the_quantity() {
    let _serial = serial();
    let dir = run_dir("resume", "diverge");
    // An absurd learning rate without clipping: the weights overflow after the first update.
    let diverging = TrainConfig {
        lr: 1e30,
        warmup: 0,
        clip_norm: None,
        ..config(2)
    };
    let mut trainer = Trainer::from_data(diverging, dir.clone(), data()).unwrap();
    let mut steps = 0;
    let err = trainer
        .train(&mut |e| {
            if let TrainEvent::Step { .. } = e {
                steps += 1;
            }
        })
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, star_esc::train::TrainError::NonFinite { step, .. } if step == steps + 1),
        "{message}"
    );
    assert!(message.contains("optimizer step"), "{message}");
    // Nothing was written after the failure: no checkpoint of an epoch that did not finish.
    assert!(list_checkpoints(&dir).unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_checkpoint_is_detected_and_the_previous_one_is_used() {
    let _serial = serial();
    let (straight_dir, straight) = uninterrupted("damaged-straight", config(3));

    let dir = run_dir("resume", "damaged");
    let two = TrainConfig {
        keep_last: 2,
        ..config(3)
    };
    let mut first = Trainer::from_data(two.clone(), dir.clone(), data()).unwrap();
    first.train_epochs(2, &mut |_| {}).unwrap();
    drop(first);
    // One flipped byte in the newest model, then a truncated optimizer state.
    let newest = dir.join("checkpoints/epoch-0002");
    let mut bytes = std::fs::read(newest.join("model.bpk")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(newest.join("model.bpk"), &bytes).unwrap();
    let err = star_esc::train::verify_checkpoint(&newest)
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.bpk is damaged"), "{err}");

    let mut resumed = Trainer::resume_with_data(&dir, data()).unwrap();
    assert_eq!(resumed.state().epochs_done, 1);
    assert_eq!(resumed.skipped_checkpoints().len(), 1);
    assert!(resumed.skipped_checkpoints()[0].contains("epoch-0002"));
    resumed.train(&mut |_| {}).unwrap();
    // keep_last does not change training: the result is the uninterrupted run's.
    assert_eq!(resumed.state().history, straight.state().history);
    assert_eq!(parameters(resumed.model()), parameters(straight.model()));

    let oldest = dir.join("checkpoints/epoch-0003");
    let optim = std::fs::read(oldest.join("optim.bpk")).unwrap();
    std::fs::write(oldest.join("optim.bpk"), &optim[..optim.len() / 3]).unwrap();
    let err = star_esc::train::verify_checkpoint(&oldest)
        .unwrap_err()
        .to_string();
    assert!(err.contains("optim.bpk is damaged"), "{err}");
    for d in [straight_dir, dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn sigkill_anywhere_including_checkpoint_writes_then_resume_matches_an_uninterrupted_run() {
    let _serial = serial();
    let start = std::time::Instant::now();
    let (straight_dir, straight) = uninterrupted("anywhere-straight", kill_config());
    let span = start.elapsed();
    let expected = parameters(straight.model());
    // Kill points spread over a child's whole run (its start-up included), so some land inside
    // checkpoint writes and prunes; whatever the point, resuming must end where the
    // uninterrupted run ends.
    let kills = 12u32;
    let mut outcomes = Vec::new();
    let mut writes_cut = 0;
    for i in 0..kills {
        let dir = run_dir("resume", &format!("anywhere-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "child_trains_until_killed",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env(KILL_DIR_VAR, &dir)
            .env(NO_PAUSE_VAR, "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // The child also pays for process start-up and data loading: stretch the span.
        std::thread::sleep(span.mul_f64(0.15 + 1.1 * f64::from(i) / f64::from(kills)));
        let _ = child.kill();
        child.wait().unwrap();
        let done = list_checkpoints(&dir).unwrap().len();
        let in_write = std::fs::read_dir(dir.join("checkpoints"))
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().contains('.'))
            })
            .unwrap_or(false);
        writes_cut += usize::from(in_write);
        let mut trainer = match Trainer::resume_with_data(&dir, data()) {
            Ok(t) => t,
            // Killed before the first checkpoint: start again.
            Err(star_esc::train::TrainError::NoCheckpoint { .. }) => {
                Trainer::from_data(kill_config(), dir.clone(), data()).unwrap()
            }
            Err(e) => panic!("kill {i}: cannot resume: {e}"),
        };
        let from = trainer.state().epochs_done;
        trainer.train(&mut |_| {}).unwrap();
        assert_eq!(
            parameters(trainer.model()),
            expected,
            "kill {i}: resumed from epoch {from} ({done} checkpoints visible)"
        );
        assert_eq!(trainer.state().history, straight.state().history);
        outcomes.push(from);
        drop(trainer);
        let _ = std::fs::remove_dir_all(dir);
    }
    println!(
        "resumed from epochs {outcomes:?}; {writes_cut} kill(s) left a checkpoint write or prune unfinished"
    );
    let _ = std::fs::remove_dir_all(straight_dir);
}

/// Rewrites `checksums.json` so that edited files pass the checksum and reach the parsers.
fn reseal(checkpoint: &Path) {
    let mut sums = std::collections::BTreeMap::new();
    for file in ["model.bpk", "optim.bpk", "state.json"] {
        let bytes = std::fs::read(checkpoint.join(file)).unwrap();
        let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        sums.insert(file, format!("{h:016x}"));
    }
    std::fs::write(
        checkpoint.join("checksums.json"),
        serde_json::to_string(&sums).unwrap(),
    )
    .unwrap();
}

#[test]
fn resume_survives_edited_checkpoint_files_with_typed_errors() {
    let _serial = serial();
    let dir = run_dir("resume", "edited");
    let mut first = Trainer::from_data(config(2), dir.clone(), data()).unwrap();
    first.train_epochs(1, &mut |_| {}).unwrap();
    drop(first);
    let checkpoint = dir.join("checkpoints/epoch-0001");
    let originals: Vec<(&str, Vec<u8>)> = ["model.bpk", "optim.bpk", "state.json"]
        .into_iter()
        .map(|f| (f, std::fs::read(checkpoint.join(f)).unwrap()))
        .collect();
    // A fixed stream of edits (xorshift): byte flips, truncations and garbage, each file in
    // turn, with the checksums recomputed so that the parsers see them.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut ok, mut refused) = (0, 0);
    for case in 0..48 {
        for (file, bytes) in &originals {
            std::fs::write(checkpoint.join(file), bytes).unwrap();
        }
        let (file, bytes) = &originals[case % 3];
        let mut edited = bytes.clone();
        match next() % 3 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let i = (next() as usize) % edited.len();
                    edited[i] ^= 1 << (next() % 8);
                }
            }
            1 => edited.truncate((next() as usize) % edited.len()),
            _ => edited = (0..next() % 256).map(|_| next() as u8).collect(),
        }
        std::fs::write(checkpoint.join(file), &edited).unwrap();
        reseal(&checkpoint);
        // Ok (an edit the formats tolerate) or a typed error, never a panic or a hang.
        match Trainer::resume_with_data(&dir, data()) {
            Ok(t) => {
                ok += 1;
                t.state().validate().unwrap();
            }
            Err(_) => refused += 1,
        }
    }
    println!("48 edited checkpoints: {ok} resumed, {refused} refused with an error, 0 panics");
    // A consistent but impossible state: 10^18 epochs done.
    for (file, bytes) in &originals {
        std::fs::write(checkpoint.join(file), bytes).unwrap();
    }
    let text = String::from_utf8(originals[2].1.clone()).unwrap();
    let edited = text.replace(
        "\"sampler_draws\": 1",
        "\"sampler_draws\": 1000000000000000000",
    );
    assert_ne!(edited, text);
    std::fs::write(checkpoint.join("state.json"), edited).unwrap();
    reseal(&checkpoint);
    let err = Trainer::resume_with_data(&dir, data())
        .unwrap_err()
        .to_string();
    assert!(err.contains("sampler_draws"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

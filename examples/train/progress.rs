//! What `train` prints while it runs: the run's sizes, a progress bar with loss, perplexity,
//! learning rate, examples/s and ETA on a terminal (a line every 10 steps otherwise, e.g. in a
//! log file), each validation, the curves after each epoch, and each finished run.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use star_esc::experiment::{RunObserver, RunOutcome};
use star_esc::train::{TrainEvent, Trainer};

/// Prints the progress of a run or a sweep on the console.
pub struct ConsoleProgress {
    bar: Option<ProgressBar>,
    every: usize,
}

impl ConsoleProgress {
    pub fn new() -> Self {
        Self {
            bar: new_bar(),
            every: 10,
        }
    }

    fn line(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => println!("{line}"),
        }
    }
}

/// A progress bar on a terminal; `None` when the output is a file.
fn new_bar() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed} < {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    })
}

impl RunObserver for ConsoleProgress {
    fn starting(&mut self, _run_dir: &Path, label: &str) {
        self.line(format!("\n== {label}"));
    }

    fn opened(&mut self, run_dir: &Path, trainer: &Trainer) {
        self.bar = new_bar(); // one bar per run
        let (c, data) = (trainer.config(), trainer.data());
        self.line(format!(
            "run {} | {} train / {} valid / {} test examples | vocab {} | {:?}{} | {} epochs ({} done)",
            run_dir.display(),
            data.train.len(),
            data.valid.len(),
            data.test.len(),
            data.vocab_size(),
            c.preset,
            if c.star { " + STAR" } else { "" },
            c.epochs,
            trainer.state().epochs_done
        ));
    }

    fn event(&mut self, run_dir: &Path, event: &TrainEvent) {
        match event {
            TrainEvent::Step {
                epoch,
                step,
                total_steps,
                loss,
                ppl,
                lr,
                lambda,
                examples_per_s,
                ..
            } => {
                let msg = format!(
                    "loss {loss:.4} ppl {ppl:.2} lr {lr:.2e} λ {lambda:.3} {examples_per_s:.1} ex/s"
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_length(*total_steps as u64);
                        bar.set_position(*step as u64);
                        bar.set_prefix(format!("epoch {}", epoch + 1));
                        bar.set_message(msg);
                    }
                    None if step % self.every == 0 || step == total_steps => {
                        println!("epoch {} step {step}/{total_steps} {msg}", epoch + 1)
                    }
                    None => {}
                }
            }
            TrainEvent::Epoch(m) => {
                self.line(format!(
                    "== epoch {} valid: ppl {:.3} | strategy acc {:.3} / {:.3} | macro-F1 {:.3} / {:.3} (before / after STAR) | changed {:.1}%",
                    m.epoch,
                    m.ppl,
                    m.acc_before,
                    m.acc_after,
                    m.f1_before,
                    m.f1_after,
                    100.0 * m.changed
                ));
                #[cfg(feature = "plots")]
                if let Err(err) = star_esc::plots::plot_curves(run_dir) {
                    // Curves are a convenience: a drawing failure must not stop training.
                    eprintln!("warning: {err}");
                }
                #[cfg(not(feature = "plots"))]
                let _ = run_dir;
            }
        }
    }

    fn finished(&mut self, run_dir: &Path, outcome: &RunOutcome) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if outcome.reused {
            println!(
                "{} is complete: reusing its test metrics",
                run_dir.display()
            );
        } else {
            println!(
                "trained in {:.1} s; evaluated the checkpoint of epoch {} on {} test examples in {:.1} s: {}",
                outcome.train_seconds,
                outcome.epoch.unwrap_or(0),
                outcome.metrics.examples,
                outcome.eval_seconds,
                run_dir.join("test").display()
            );
        }
    }

    fn table(&mut self, path: &Path, markdown: &str) {
        println!("\n{markdown}\n(written to {})", path.display());
    }
}

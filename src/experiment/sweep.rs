//! The controlled experiment as one call: every arm for every seed, then the report.

use std::path::Path;

use super::observer::RunObserver;
use super::report::{self, ReportOptions};
use super::{ExperimentPlan, run_dir, train_and_evaluate};
use crate::train::{CheckpointChoice, Result, write_json};

/// Runs `plan` into `out`: for each seed, each arm in order, trained and evaluated (finished runs
/// are reused, interrupted ones continue), with the report (`experiment.md`, `experiment.json`)
/// rewritten after every run so that a stopped experiment keeps what it finished. Every run is
/// evaluated at its last epoch: no selection on validation numbers. Returns the report.
///
/// # Errors
/// Invalid plans (a branch without its `joint` arm), a folder holding another configuration,
/// training, evaluation and I/O errors.
pub fn run_experiment(
    plan: &ExperimentPlan,
    out: &Path,
    options: ReportOptions,
    observer: &mut dyn RunObserver,
) -> Result<String> {
    std::fs::create_dir_all(out).map_err(|e| crate::train::TrainError::io(out, e))?;
    write_json(&out.join("experiment-base.json"), &plan.base)?;
    let mut last = None;
    for &seed in &plan.seeds {
        for &arm in &plan.arms {
            let config = plan.config(out, seed, arm)?;
            let dir = run_dir(out, seed, arm);
            observer.starting(
                &dir,
                &format!("seed {seed}, arm {} ({})", arm.name(), arm.label()),
            );
            train_and_evaluate(Some(config), &dir, CheckpointChoice::Last, observer)?;
            let markdown = write_report(out, plan, options)?;
            observer.table(&out.join("experiment.md"), &markdown);
            last = Some(markdown);
        }
    }
    // The report after the last run is the final one; an empty plan still gets its (empty) report.
    match last {
        Some(markdown) => Ok(markdown),
        None => write_report(out, plan, options),
    }
}

/// Writes `experiment.md` (the setting, then [report::markdown]) and `experiment.json` (the
/// contrasts) for the finished runs of `plan` in `out`; returns the Markdown.
///
/// # Errors
/// Unreadable run results and I/O errors.
pub fn write_report(out: &Path, plan: &ExperimentPlan, options: ReportOptions) -> Result<String> {
    let loaded = report::load_arms(out, &plan.arms, &plan.seeds)?;
    let contrasts = report::contrasts(&loaded, options)?;
    let markdown = preamble(out, plan, options) + &report::markdown(&loaded, &contrasts)?;
    let path = out.join("experiment.md");
    std::fs::write(&path, &markdown).map_err(|e| crate::train::TrainError::io(&path, e))?;
    write_json(&out.join("experiment.json"), &contrasts)?;
    Ok(markdown)
}

/// The setting every number of the report depends on.
fn preamble(out: &Path, plan: &ExperimentPlan, options: ReportOptions) -> String {
    let c = &plan.base;
    let data = c
        .data
        .as_ref()
        .map_or("the sample dataset".into(), |d| d.display().to_string());
    let lambda = c
        .lambda_schedule
        .map_or(format!("Log {{ lambda0: {} }}", c.lambda0), |l| {
            format!("{l:?}")
        });
    format!(
        "## STAR experiment: {}\n\n\
         - data: {data} (train examples: {}, valid/test: {})\n\
         - preset {:?}, {} epochs from scratch; stage-2 branches: {} epochs from the last checkpoint of each seed's `joint` run\n\
         - STAR: {:?} pooling, {:?}; λ: {lambda}\n\
         - evaluated checkpoint: the **last epoch** of every run (no selection on validation numbers)\n\
         - paired bootstrap: {} resamples of the test examples\n\n",
        out.display(),
        c.max_train_examples.map_or("all".into(), |n| n.to_string()),
        c.max_eval_examples.map_or("all".into(), |n| n.to_string()),
        c.preset,
        c.epochs,
        plan.branch_epochs,
        c.pooling,
        c.star_options,
        options.resamples,
    )
}

//! Heads without and with STAR over seeds, as one call: the Table-1-shaped comparison.

use std::path::Path;

use super::compare_table::{HeadComparison, SeedPair, compare_heads_markdown};
use super::observer::RunObserver;
use super::train_and_evaluate;
use crate::train::{CheckpointChoice, Head, Result, TrainConfig, TrainError, write_json};

/// What a comparison runs.
#[derive(Debug, Clone)]
pub struct ComparePlan {
    /// Every setting but the seed, STAR and (with `heads`) the head.
    pub base: TrainConfig,
    /// The heads, each run without and with STAR. Empty: the base configuration's own head.
    pub heads: Vec<Head>,
    /// The seeds; every head runs twice per seed.
    pub seeds: Vec<u64>,
    /// The checkpoint evaluated on the test split.
    pub choice: CheckpointChoice,
}

/// Runs `plan` into `out/seed-N/<run name>` ([Head::run_name]), writing `compare.md` and
/// `compare.json` after every pair so that a stopped comparison keeps what it finished
/// (finished runs are reused). Returns the table's data.
///
/// # Errors
/// A folder holding another configuration, training, evaluation and I/O errors.
pub fn run_comparison(
    plan: &ComparePlan,
    out: &Path,
    observer: &mut dyn RunObserver,
) -> Result<Vec<HeadComparison>> {
    // `None`: the base configuration's head, left as configured.
    let heads: Vec<Option<&Head>> = if plan.heads.is_empty() {
        vec![None]
    } else {
        plan.heads.iter().map(Some).collect()
    };
    let base_head = Head::of(&plan.base);
    let mut table: Vec<HeadComparison> = heads
        .iter()
        .map(|h| HeadComparison {
            head: h.unwrap_or(&base_head).name().into(),
            pairs: Vec::new(),
        })
        .collect();
    std::fs::create_dir_all(out).map_err(|e| TrainError::io(out, e))?;
    for &seed in &plan.seeds {
        for (i, head) in heads.iter().enumerate() {
            let mut run = |star: bool| {
                let mut config = TrainConfig {
                    seed,
                    star,
                    ..plan.base.clone()
                };
                if let Some(head) = head {
                    head.apply(&mut config);
                }
                let name = head.unwrap_or(&base_head).run_name(star);
                let dir = out.join(format!("seed-{seed}")).join(&name);
                observer.starting(&dir, &format!("seed {seed}, {name}"));
                train_and_evaluate(Some(config), &dir, plan.choice, observer)
            };
            let without = run(false)?.metrics;
            let with = run(true)?.metrics;
            table[i].pairs.push(SeedPair {
                seed,
                base: without,
                star: with,
            });
            let markdown = compare_heads_markdown(&table);
            write_json(&out.join("compare.json"), &table)?;
            let path = out.join("compare.md");
            std::fs::write(&path, &markdown).map_err(|e| TrainError::io(&path, e))?;
            observer.table(&path, &markdown);
        }
    }
    Ok(table)
}

//! Training curves as SVG images (plotters): loss, perplexity, learning rate, λ and STAR's gate,
//! drawn from a run's `train_log.jsonl` into `<run>/curves/`.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::error::{PlotError, Result};
use super::font::register_fonts;

/// A named series of (x, y) points.
type Series = (&'static str, Vec<(f64, f64)>);

/// Draws one line chart with a legend.
fn line_chart(path: &Path, title: &str, x_desc: &str, series: &[Series]) -> Result<()> {
    let points = || {
        series
            .iter()
            .flat_map(|(_, p)| p.iter())
            .filter(|(_, y)| y.is_finite())
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points() {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if x0 > x1 {
        return Ok(()); // nothing to draw yet
    }
    // Flat or single-point series still get a visible range.
    let pad = |lo: f64, hi: f64| {
        let d = if hi > lo {
            0.05 * (hi - lo)
        } else {
            lo.abs().max(1.0) * 0.05
        };
        (lo - d, hi + d)
    };
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    // plotters' text layout reads the registered (embedded) font.
    register_fonts();
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error + '_>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart.configure_mesh().x_desc(x_desc).draw()?;
        for (i, (name, pts)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().copied().filter(|(_, y)| y.is_finite()),
                    color.stroke_width(2),
                ))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| PlotError::draw(path, e))
}

/// Reads `<run_dir>/train_log.jsonl` and draws `loss.svg`, `perplexity.svg`, `lr.svg`,
/// `lambda.svg` and (with STAR) `gate.svg` into `<run_dir>/curves/`; returns their paths.
///
/// # Errors
/// [PlotError::Io] / [PlotError::Json] for the log, [PlotError::Draw] if drawing fails.
pub fn plot_curves(run_dir: &Path) -> Result<Vec<PathBuf>> {
    let log = run_dir.join("train_log.jsonl");
    let text = std::fs::read_to_string(&log).map_err(|e| PlotError::io(&log, e))?;
    let mut series: std::collections::BTreeMap<&str, Vec<(f64, f64)>> = Default::default();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|source| PlotError::Json {
                path: log.clone(),
                line: i + 1,
                source,
            })?;
        let num = |k: &str| v.get(k).and_then(serde_json::Value::as_f64);
        match v.get("kind").and_then(serde_json::Value::as_str) {
            Some("step") => {
                let Some(step) = num("step") else { continue };
                for key in [
                    "loss",
                    "lm_loss",
                    "strategy_loss",
                    "ppl",
                    "lr",
                    "lambda",
                    "gate",
                ] {
                    if let Some(y) = num(key) {
                        series.entry(key).or_default().push((step, y));
                    }
                }
            }
            Some("epoch") => {
                let Some(epoch) = num("epoch") else { continue };
                if let Some(y) = num("ppl") {
                    series.entry("valid_ppl").or_default().push((epoch, y));
                }
            }
            _ => {}
        }
    }
    let dir = run_dir.join("curves");
    std::fs::create_dir_all(&dir).map_err(|e| PlotError::io(&dir, e))?;
    let get = |k: &str| series.get(k).cloned().unwrap_or_default();
    let charts: Vec<(&str, &str, &str, Vec<Series>)> = vec![
        (
            "loss.svg",
            "Training loss",
            "optimizer step",
            vec![
                ("total", get("loss")),
                ("L_LM", get("lm_loss")),
                ("L_ST", get("strategy_loss")),
            ],
        ),
        (
            "perplexity.svg",
            "Perplexity",
            "optimizer step (train) / epoch (valid)",
            vec![
                ("train (exp L_LM)", get("ppl")),
                ("valid", get("valid_ppl")),
            ],
        ),
        (
            "lr.svg",
            "Learning rate",
            "optimizer step",
            vec![("lr", get("lr"))],
        ),
        (
            "lambda.svg",
            "λ (strategy-loss weight)",
            "optimizer step",
            vec![("λ", get("lambda"))],
        ),
        (
            "gate.svg",
            "STAR gate g (mean)",
            "optimizer step",
            vec![("g", get("gate"))],
        ),
    ];
    let mut written = Vec::new();
    for (file, title, x_desc, s) in charts {
        if s.iter().all(|(_, p)| p.is_empty()) {
            continue;
        }
        let path = dir.join(file);
        line_chart(&path, title, x_desc, &s)?;
        written.push(path);
    }
    Ok(written)
}

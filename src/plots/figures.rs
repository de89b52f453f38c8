//! The analysis figures, each drawn twice with plotters: PNG (bitmap backend, text with the
//! embedded font of [register_fonts]) and SVG.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::{PlotError, Result};
use super::font::register_fonts;

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    /// Size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws onto `root` (already filled white).
    ///
    /// # Errors
    /// The backend's errors, boxed.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// Writes `figure` as `<stem>.png` and `<stem>.svg`; returns both paths.
///
/// # Errors
/// [PlotError::Draw] if drawing or encoding fails, [PlotError::Io] for the folder.
pub fn save_figure(figure: &impl Figure, stem: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    if let Some(dir) = stem.parent() {
        std::fs::create_dir_all(dir).map_err(|e| PlotError::io(dir, e))?;
    }
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    {
        let root = BitMapBackend::new(&png, figure.size()).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(&png, e))?;
        figure.draw(&root).map_err(|e| PlotError::draw(&png, e))?;
        root.present().map_err(|e| PlotError::draw(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, figure.size()).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(&svg, e))?;
        figure.draw(&root).map_err(|e| PlotError::draw(&svg, e))?;
        root.present().map_err(|e| PlotError::draw(&svg, e))?;
    }
    Ok(vec![png, svg])
}

/// Ten distinguishable colours (matplotlib's `tab10`).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Blue (-1) – white (0) – red (+1).
fn diverging(v: f64) -> RGBColor {
    if !v.is_finite() {
        return RGBColor(200, 200, 200);
    }
    let t = v.clamp(-1.0, 1.0);
    let mix = |a: u8, b: u8, w: f64| (a as f64 + (b as f64 - a as f64) * w).round() as u8;
    if t >= 0.0 {
        RGBColor(mix(255, 178, t), mix(255, 24, t), mix(255, 43, t))
    } else {
        RGBColor(mix(255, 33, -t), mix(255, 102, -t), mix(255, 172, -t))
    }
}

/// Cosine matrices as heatmaps, one panel per parameter group.
#[derive(Debug, Clone)]
pub struct Heatmaps {
    /// Figure title.
    pub title: String,
    /// Row / column labels.
    pub labels: Vec<String>,
    /// (panel title, matrix) per panel.
    pub panels: Vec<(String, Vec<Vec<f64>>)>,
}

impl Figure for Heatmaps {
    fn size(&self) -> (u32, u32) {
        (300 * self.panels.len().max(1) as u32 + 40, 380)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let root = root.titled(&self.title, ("sans-serif", 20))?;
        let panels = root.split_evenly((1, self.panels.len().max(1)));
        let k = self.labels.len().max(1) as i32;
        for (area, (name, m)) in panels.iter().zip(&self.panels) {
            let (w, h) = area.dim_in_pixel();
            area.draw(&Text::new(
                name.clone(),
                (w as i32 / 2 - 40, 6),
                ("sans-serif", 16),
            ))?;
            let (x0, y0) = (60, 40);
            let cell = ((w as i32 - x0 - 20).min(h as i32 - y0 - 50) / k).max(10);
            for i in 0..k as usize {
                for j in 0..k as usize {
                    let v = m.get(i).and_then(|r| r.get(j)).copied().unwrap_or(f64::NAN);
                    let (cx, cy) = (x0 + j as i32 * cell, y0 + i as i32 * cell);
                    area.draw(&Rectangle::new(
                        [(cx, cy), (cx + cell, cy + cell)],
                        diverging(v).filled(),
                    ))?;
                    area.draw(&Rectangle::new(
                        [(cx, cy), (cx + cell, cy + cell)],
                        BLACK.mix(0.3),
                    ))?;
                    let text = if v.is_finite() {
                        format!("{v:.2}")
                    } else {
                        "n/a".into()
                    };
                    area.draw(&Text::new(
                        text,
                        (cx + cell / 2 - 16, cy + cell / 2 - 7),
                        ("sans-serif", 14),
                    ))?;
                }
                let label = &self.labels[i];
                area.draw(&Text::new(
                    label.clone(),
                    (4, y0 + i as i32 * cell + cell / 2 - 7),
                    ("sans-serif", 13),
                ))?;
                area.draw(&Text::new(
                    label.clone(),
                    (x0 + i as i32 * cell + cell / 2 - 16, y0 + k * cell + 6),
                    ("sans-serif", 13),
                ))?;
            }
        }
        Ok(())
    }
}

/// 2-D points coloured by category, one panel per colouring.
#[derive(Debug, Clone)]
pub struct Scatter {
    /// Figure title.
    pub title: String,
    /// The points.
    pub points: Vec<[f32; 2]>,
    /// (panel title, category per point, category names) per panel.
    pub panels: Vec<(String, Vec<usize>, Vec<String>)>,
}

impl Figure for Scatter {
    fn size(&self) -> (u32, u32) {
        (720 * self.panels.len().max(1) as u32, 660)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let root = root.titled(&self.title, ("sans-serif", 20))?;
        let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for &[x, y] in &self.points {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if x0 > x1 {
            return Ok(());
        }
        let pad = |lo: f32, hi: f32| {
            let d = ((hi - lo) * 0.05).max(1e-3);
            (lo - d, hi + d)
        };
        let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
        let panels = root.split_evenly((1, self.panels.len().max(1)));
        for (area, (name, cats, names)) in panels.iter().zip(&self.panels) {
            let (upper, legend) = area.split_vertically(area.dim_in_pixel().1 as i32 - 110);
            let mut chart = ChartBuilder::on(&upper)
                .caption(name, ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(25)
                .y_label_area_size(40)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            chart.configure_mesh().disable_mesh().draw()?;
            chart.draw_series(
                self.points
                    .iter()
                    .zip(cats)
                    .map(|(&[x, y], &c)| Circle::new((x, y), 3, palette(c).mix(0.8).filled())),
            )?;
            // Legend below the plot: four entries per row.
            for (i, n) in names.iter().enumerate() {
                let (lx, ly) = (15 + (i as i32 % 4) * 172, 8 + (i as i32 / 4) * 22);
                legend.draw(&Circle::new((lx, ly + 7), 5, palette(i).filled()))?;
                let short: String = n.chars().take(22).collect();
                legend.draw(&Text::new(short, (lx + 10, ly), ("sans-serif", 13)))?;
            }
        }
        Ok(())
    }
}

/// One histogram panel per group of values, on a common x range.
#[derive(Debug, Clone)]
pub struct Histograms {
    /// Figure title.
    pub title: String,
    /// x axis description.
    pub x_desc: String,
    /// (panel title, values) per panel.
    pub panels: Vec<(String, Vec<f64>)>,
    /// Bins per panel.
    pub bins: usize,
}

impl Figure for Histograms {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(4).max(1) as u32;
        (1200, 270 * rows + 40)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let root = root.titled(&self.title, ("sans-serif", 20))?;
        let all = self.panels.iter().flat_map(|(_, v)| v.iter().copied());
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for v in all.filter(|v| v.is_finite()) {
            (lo, hi) = (lo.min(v), hi.max(v));
        }
        if lo > hi {
            return Ok(());
        }
        if hi - lo < 1e-9 {
            (lo, hi) = (lo - 0.01, hi + 0.01);
        }
        let bins = self.bins.max(1);
        let width = (hi - lo) / bins as f64;
        let rows = self.panels.len().div_ceil(4).max(1);
        let areas = root.split_evenly((rows, 4));
        for (i, (area, (name, values))) in areas.iter().zip(&self.panels).enumerate() {
            let mut counts = vec![0usize; bins];
            for &v in values.iter().filter(|v| v.is_finite()) {
                let b = (((v - lo) / width) as usize).min(bins - 1);
                counts[b] += 1;
            }
            let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{name} (n={})", values.len()), ("sans-serif", 14))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(40)
                .build_cartesian_2d(lo..hi, 0.0..top)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(4)
                .y_labels(4)
                .x_desc(self.x_desc.as_str())
                .draw()?;
            let color = palette(i);
            chart.draw_series(counts.iter().enumerate().map(|(b, &c)| {
                let x = lo + b as f64 * width;
                Rectangle::new([(x, 0.0), (x + width, c as f64)], color.mix(0.8).filled())
            }))?;
        }
        Ok(())
    }
}

//! Figures (feature `plots`, on by default): a run's training curves ([plot_curves]) and the
//! figure kinds of the analysis ([Heatmaps], [Histograms], [Scatter]), drawn with plotters as
//! SVG and PNG with an embedded font ([register_fonts]), so no system font is needed.
//!
//! Training and analysis both draw through this module; neither depends on the other for it.

mod curves;
mod error;
mod figures;
mod font;

pub use curves::plot_curves;
pub use error::{PlotError, Result};
pub use figures::{Figure, Heatmaps, Histograms, PALETTE, Scatter, save_figure};
pub use font::register_fonts;

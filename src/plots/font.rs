//! The embedded font of the figures (DejaVu Sans, `assets/fonts/`, Bitstream Vera license with
//! public-domain DejaVu changes): plotters draws text with it through `ab_glyph`, so bitmap
//! figures need no system font.

use std::sync::Once;

use plotters::style::{FontStyle, register_font};

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font under plotters' generic families (`sans-serif`, `serif`,
/// `monospace`), once per process. Every plot of this crate calls it before drawing text.
///
/// # Panics
/// Never: the embedded file is a valid TrueType font.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Other styles (bold, italic) fall back to the normal face.
        for family in ["sans-serif", "serif", "monospace"] {
            if register_font(family, FontStyle::Normal, DEJAVU_SANS).is_err() {
                unreachable!("the embedded DejaVu Sans is a valid TrueType font");
            }
        }
    });
}

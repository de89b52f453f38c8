//! The Punkt `english` model, embedded (no nltk_data needed at run time).
//!
//! `punkt_english.tsv` is nltk_data's `tokenizers/punkt_tab/english/` (Apache-2.0,
//! NLTK Project), re-serialised by `scripts/gen_punkt_tables.py`.

use std::collections::{HashMap, HashSet};

/// The embedded model file.
const ENGLISH: &str = include_str!("punkt_english.tsv");

/// Orthographic context flags (nltk `punkt._ORTHO_*`).
pub(crate) const ORTHO_BEG_UC: u32 = 1 << 1;
pub(crate) const ORTHO_MID_UC: u32 = 1 << 2;
pub(crate) const ORTHO_UNK_UC: u32 = 1 << 3;
pub(crate) const ORTHO_BEG_LC: u32 = 1 << 4;
pub(crate) const ORTHO_MID_LC: u32 = 1 << 5;
pub(crate) const ORTHO_UNK_LC: u32 = 1 << 6;
pub(crate) const ORTHO_UC: u32 = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
pub(crate) const ORTHO_LC: u32 = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

/// Punkt parameters (nltk `PunktParameters`): what the trained model knows.
#[derive(Debug, Clone, Default)]
pub struct PunktParameters {
    /// Word types (lowercase, no final period) known to be abbreviations.
    pub abbrev_types: HashSet<String>,
    /// Type pairs `(word before the period, word after)` that do not break a sentence.
    pub collocations: HashSet<(String, String)>,
    /// Word types that often start a sentence.
    pub sent_starters: HashSet<String>,
    /// Orthographic context flags per word type.
    pub ortho_context: HashMap<String, u32>,
}

impl PunktParameters {
    /// The `english` model shipped with nltk_data (`punkt_tab`), embedded in this crate.
    ///
    /// ```
    /// let p = esc_metrics::tokenize::PunktParameters::english();
    /// assert!(p.abbrev_types.contains("dr"));
    /// ```
    pub fn english() -> Self {
        Self::parse(ENGLISH)
    }

    /// Parses the `%%[section]` line format of `punkt_english.tsv`. Entries keep
    /// every character but the line break (nltk's `rm_nl`); lines of unknown
    /// sections are ignored.
    fn parse(text: &str) -> Self {
        let mut p = Self::default();
        let mut section = "";
        for line in text.split('\n') {
            if let Some(rest) = line.strip_prefix("%%") {
                if let Some(name) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                    section = match name {
                        "abbrev_types" => "abbrev_types",
                        "collocations" => "collocations",
                        "sent_starters" => "sent_starters",
                        "ortho_context" => "ortho_context",
                        _ => "",
                    };
                }
                continue;
            }
            if line.is_empty() {
                continue; // the generator writes no empty entry
            }
            match section {
                "abbrev_types" => {
                    p.abbrev_types.insert(line.to_owned());
                }
                "sent_starters" => {
                    p.sent_starters.insert(line.to_owned());
                }
                "collocations" => {
                    if let Some((a, b)) = line.split_once('\t') {
                        p.collocations.insert((a.to_owned(), b.to_owned()));
                    }
                }
                "ortho_context" => {
                    if let Some((k, v)) = line.rsplit_once('\t')
                        && let Ok(v) = v.parse()
                    {
                        p.ortho_context.insert(k.to_owned(), v);
                    }
                }
                _ => {}
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_model_has_the_nltk_data_sizes() {
        // Line counts of nltk_data's punkt_tab/english files.
        let p = PunktParameters::english();
        assert_eq!(p.abbrev_types.len(), 156);
        assert_eq!(p.collocations.len(), 37);
        assert_eq!(p.sent_starters.len(), 39);
        assert_eq!(p.ortho_context.len(), 20366);
        assert!(p.abbrev_types.contains(". . "), "entries keep their spaces");
        assert!(
            p.collocations
                .contains(&("##number##".into(), "international".into()))
        );
    }
}

//! The typed ESConv dialog: dialog-level labels and the list of turns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Emotion, Strategy};

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Speaker {
    /// The help seeker (`usr` in the processed splits, `seeker` in `ESConv.json`).
    Seeker,
    /// The supporter (`sys` in the processed splits, `supporter` in `ESConv.json`).
    Supporter,
}

/// One utterance of a dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Who speaks.
    pub speaker: Speaker,
    /// The utterance, whitespace-normalised (see [`normalize_whitespace`]).
    pub text: String,
    /// The support strategy; always `Some` for supporter turns read from a file, `None`
    /// for seeker turns.
    pub strategy: Option<Strategy>,
    /// Precomputed knowledge text for this turn, when the file has a `knowledge` field
    /// (KEMI-style data: COMET relations of a seeker turn).
    pub knowledge: Option<String>,
    /// Precomputed HEAL knowledge text, when the file has a `heal` field (KEMI-style
    /// data, on supporter turns).
    pub heal: Option<String>,
}

impl Turn {
    /// A seeker turn (text normalised).
    pub fn seeker(text: &str) -> Self {
        Self {
            speaker: Speaker::Seeker,
            text: normalize_whitespace(text),
            strategy: None,
            knowledge: None,
            heal: None,
        }
    }

    /// A supporter turn with its strategy (text normalised).
    pub fn supporter(text: &str, strategy: Strategy) -> Self {
        Self {
            speaker: Speaker::Supporter,
            text: normalize_whitespace(text),
            strategy: Some(strategy),
            knowledge: None,
            heal: None,
        }
    }
}

/// The post-chat survey of an ESConv dialog, as written (`survey_score`): for each of
/// `seeker` and `supporter`, question name -> answer (ESConv stores the scores as
/// strings such as `"5"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// The seeker's answers (`initial_emotion_intensity`, `empathy`, `relevance`,
    /// `final_emotion_intensity`).
    pub seeker: BTreeMap<String, String>,
    /// The supporter's answers (`relevance`).
    pub supporter: BTreeMap<String, String>,
}

/// One ESConv conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    /// The seeker's emotion (`emotion_type`).
    pub emotion: Emotion,
    /// The problem category (`problem_type`, e.g. "job crisis").
    pub problem: String,
    /// The seeker's situation as written in the pre-chat survey (`situation`).
    pub situation: String,
    /// `experience_type` ("Current Experience" / "Previous Experience"); empty when absent.
    pub experience: String,
    /// The post-chat survey (`survey_score`), when present.
    pub survey: Option<Survey>,
    /// The utterances in order; never empty for a dialog read from a file.
    pub turns: Vec<Turn>,
}

impl Dialog {
    /// Number of supporter turns.
    pub fn supporter_turns(&self) -> usize {
        self.turns
            .iter()
            .filter(|t| t.speaker == Speaker::Supporter)
            .count()
    }
}

/// Python's `' '.join(s.split())`, the normalisation the reference applies to every
/// utterance (`_norm` in the ESConv preprocessing and in the inputters).
///
/// Python's `str.split()` splits on the characters for which `str.isspace()` holds:
/// Unicode `White_Space` plus the ASCII information separators U+001C..U+001F.
///
/// ```
/// assert_eq!(esc_data::normalize_whitespace("  I  feel\n\tsad \u{a0}today "), "I feel sad today");
/// ```
pub fn normalize_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(is_python_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_python_split_join() {
        // Expected values follow Python: ' '.join(s.split()).
        assert_eq!(normalize_whitespace(""), "");
        assert_eq!(normalize_whitespace(" \t\n "), "");
        assert_eq!(normalize_whitespace("a\u{1f}b\u{1c}c"), "a b c");
        assert_eq!(
            normalize_whitespace("a\u{3000}b\u{2028}c\u{85}d"),
            "a b c d"
        );
        // U+200B (zero width space) is not whitespace in Python.
        assert_eq!(normalize_whitespace("a\u{200b}b"), "a\u{200b}b");
    }

    #[test]
    fn counts_supporter_turns() {
        let d = Dialog {
            emotion: Emotion::Sadness,
            problem: String::new(),
            situation: String::new(),
            experience: String::new(),
            survey: None,
            turns: vec![
                Turn::seeker("hi"),
                Turn::supporter("hello", Strategy::Question),
            ],
        };
        assert_eq!(d.supporter_turns(), 1);
    }
}

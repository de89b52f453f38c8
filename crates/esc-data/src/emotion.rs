//! The eleven ESConv emotion types (the dialog-level `emotion_type` label).
//!
//! The order fixes the emotion ids used by emotion heads (Emstremo-style, a 512→11
//! classifier). It is ESConv's order by frequency over all 1,300 dialogs, the order
//! the ESC literature's code lists them in (`EMOTIONS` in e.g. `inputters/PARAMS.py`
//! of the ESConv-derived repositories).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ESConv emotion type.
///
/// ```
/// use esc_data::Emotion;
/// let e: Emotion = "depression".parse().unwrap();
/// assert_eq!(e.id(), 1);
/// assert_eq!(e.to_string(), "depression");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Emotion {
    /// "anxiety"
    Anxiety,
    /// "depression"
    Depression,
    /// "sadness"
    Sadness,
    /// "anger"
    Anger,
    /// "fear"
    Fear,
    /// "shame"
    Shame,
    /// "disgust"
    Disgust,
    /// "nervousness"
    Nervousness,
    /// "pain"
    Pain,
    /// "jealousy"
    Jealousy,
    /// "guilt"
    Guilt,
}

impl Emotion {
    /// Number of emotion types.
    pub const COUNT: usize = 11;

    /// All emotion types in id order.
    pub const ALL: [Emotion; Emotion::COUNT] = [
        Emotion::Anxiety,
        Emotion::Depression,
        Emotion::Sadness,
        Emotion::Anger,
        Emotion::Fear,
        Emotion::Shame,
        Emotion::Disgust,
        Emotion::Nervousness,
        Emotion::Pain,
        Emotion::Jealousy,
        Emotion::Guilt,
    ];

    /// The emotion id (0..11).
    pub fn id(self) -> usize {
        self as usize
    }

    /// The emotion with this id, or `None` when `id >= 11`.
    pub fn from_id(id: usize) -> Option<Emotion> {
        Emotion::ALL.get(id).copied()
    }

    /// The name as written in ESConv (lower case).
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Anxiety => "anxiety",
            Emotion::Depression => "depression",
            Emotion::Sadness => "sadness",
            Emotion::Anger => "anger",
            Emotion::Fear => "fear",
            Emotion::Shame => "shame",
            Emotion::Disgust => "disgust",
            Emotion::Nervousness => "nervousness",
            Emotion::Pain => "pain",
            Emotion::Jealousy => "jealousy",
            Emotion::Guilt => "guilt",
        }
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`Emotion::from_str`]: the text names no ESConv emotion type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown emotion {0:?}; expected one of: anxiety, depression, sadness, anger, fear, shame, disgust, nervousness, pain, jealousy, guilt"
)]
pub struct UnknownEmotion(pub String);

impl FromStr for Emotion {
    type Err = UnknownEmotion;

    /// Parses the ESConv name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        Emotion::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| UnknownEmotion(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_name_and_id() {
        for (i, e) in Emotion::ALL.into_iter().enumerate() {
            assert_eq!(e.id(), i);
            assert_eq!(Emotion::from_id(i), Some(e));
            assert_eq!(e.to_string().parse::<Emotion>(), Ok(e));
        }
        assert_eq!(Emotion::from_id(11), None);
        assert_eq!("Anxiety ".parse::<Emotion>(), Ok(Emotion::Anxiety));
        assert!(
            "joy"
                .parse::<Emotion>()
                .unwrap_err()
                .to_string()
                .contains("joy")
        );
    }
}

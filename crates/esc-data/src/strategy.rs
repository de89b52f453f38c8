//! The eight ESConv support strategies, in the reference order.
//!
//! The order fixes the strategy ids (0..8) and the strategy token ids
//! (`54944 + id` after the BlenderBot-Small vocabulary), so it must never change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ESConv support strategy (Liu et al., 2021).
///
/// ```
/// use esc_data::Strategy;
/// let s: Strategy = "Reflection of feelings".parse().unwrap();
/// assert_eq!(s.id(), 2);
/// assert_eq!(s.to_string(), "Reflection of feelings");
/// assert_eq!("Other".parse::<Strategy>().unwrap(), Strategy::Others);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Strategy {
    /// "Question"
    Question,
    /// "Restatement or Paraphrasing"
    RestatementOrParaphrasing,
    /// "Reflection of feelings"
    ReflectionOfFeelings,
    /// "Self-disclosure"
    SelfDisclosure,
    /// "Affirmation and Reassurance"
    AffirmationAndReassurance,
    /// "Providing Suggestions"
    ProvidingSuggestions,
    /// "Information"
    Information,
    /// "Others" (some releases spell it "Other")
    Others,
}

impl Strategy {
    /// Number of strategies.
    pub const COUNT: usize = 8;

    /// All strategies in id order.
    pub const ALL: [Strategy; Strategy::COUNT] = [
        Strategy::Question,
        Strategy::RestatementOrParaphrasing,
        Strategy::ReflectionOfFeelings,
        Strategy::SelfDisclosure,
        Strategy::AffirmationAndReassurance,
        Strategy::ProvidingSuggestions,
        Strategy::Information,
        Strategy::Others,
    ];

    /// The strategy id (0..8), in the reference order.
    pub fn id(self) -> usize {
        self as usize
    }

    /// The strategy with this id, or `None` when `id >= 8`.
    pub fn from_id(id: usize) -> Option<Strategy> {
        Strategy::ALL.get(id).copied()
    }

    /// The name as written in ESConv.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Question => "Question",
            Strategy::RestatementOrParaphrasing => "Restatement or Paraphrasing",
            Strategy::ReflectionOfFeelings => "Reflection of feelings",
            Strategy::SelfDisclosure => "Self-disclosure",
            Strategy::AffirmationAndReassurance => "Affirmation and Reassurance",
            Strategy::ProvidingSuggestions => "Providing Suggestions",
            Strategy::Information => "Information",
            Strategy::Others => "Others",
        }
    }

    /// The added vocabulary token for this strategy, e.g. `[Question]`.
    pub fn token(self) -> String {
        format!("[{}]", self.name())
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`Strategy::from_str`]: the text names no strategy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown strategy {0:?}; expected one of: Question, Restatement or Paraphrasing, Reflection of feelings, Self-disclosure, Affirmation and Reassurance, Providing Suggestions, Information, Others"
)]
pub struct UnknownStrategy(pub String);

impl FromStr for Strategy {
    type Err = UnknownStrategy;

    /// Parses the ESConv name (exact, or ignoring case and surrounding whitespace),
    /// the bracketed token form `[Question]`, and the alias `Other`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let bare = trimmed
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(trimmed);
        if bare.eq_ignore_ascii_case("other") {
            return Ok(Strategy::Others);
        }
        Strategy::ALL
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(bare))
            .ok_or_else(|| UnknownStrategy(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_name_and_id() {
        for (i, s) in Strategy::ALL.into_iter().enumerate() {
            assert_eq!(s.id(), i);
            assert_eq!(Strategy::from_id(i), Some(s));
            assert_eq!(s.to_string().parse::<Strategy>(), Ok(s));
            assert_eq!(s.token().parse::<Strategy>(), Ok(s));
        }
        assert_eq!(Strategy::from_id(8), None);
    }

    #[test]
    fn accepts_alias_and_rejects_unknown() {
        assert_eq!("Other".parse::<Strategy>(), Ok(Strategy::Others));
        assert_eq!(" question ".parse::<Strategy>(), Ok(Strategy::Question));
        let err = "Empathy".parse::<Strategy>().unwrap_err();
        assert!(err.to_string().contains("Empathy"));
    }
}

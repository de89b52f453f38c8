//! Knowledge segments: a type token and a text, and the tagged text of the data's fields.
//!
//! KEMI-style data (the STAR authors' processed files) writes knowledge as tagged text:
//! a seeker turn's `knowledge` holds COMET relations of the utterance,
//! `"[xReact] … [xIntent] … [xWant] … [xNeed] … [xEffect] …"`, and a supporter turn's `heal`
//! holds the HEAL knowledge retrieved for it, `"[resp] … [str] … [aff] …"`. Each tag is one
//! added vocabulary token ([`KNOWLEDGE_TOKENS`]); the retriever uses strategy tokens instead.

use std::fmt;

use crate::Strategy;

/// The 8 knowledge type tokens, in the order they are added to the vocabulary (after the 8
/// strategy tokens, as the reference adds them: strategy logits are then read at
/// `[-16:-8]` of the LM logits).
pub const KNOWLEDGE_TOKENS: [&str; 8] = [
    "[xReact]",
    "[xIntent]",
    "[xWant]",
    "[xNeed]",
    "[xEffect]",
    "[resp]",
    "[str]",
    "[aff]",
];

/// The type of a knowledge segment: the token in front of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnowledgeKind {
    /// COMET `xReact` (how the seeker feels).
    XReact,
    /// COMET `xIntent`.
    XIntent,
    /// COMET `xWant`.
    XWant,
    /// COMET `xNeed`.
    XNeed,
    /// COMET `xEffect`.
    XEffect,
    /// HEAL: a response.
    Resp,
    /// HEAL: a stressor.
    Str,
    /// HEAL: an affective state.
    Aff,
    /// A retrieved exemplar response, typed by its strategy (the strategy's token).
    Strategy(Strategy),
}

impl KnowledgeKind {
    /// The COMET relations allowed in a seeker turn's `knowledge` field.
    pub const COMET: [KnowledgeKind; 5] = [
        KnowledgeKind::XReact,
        KnowledgeKind::XIntent,
        KnowledgeKind::XWant,
        KnowledgeKind::XNeed,
        KnowledgeKind::XEffect,
    ];
    /// The HEAL fields allowed in a supporter turn's `heal` field.
    pub const HEAL: [KnowledgeKind; 3] =
        [KnowledgeKind::Resp, KnowledgeKind::Str, KnowledgeKind::Aff];

    /// The type token's text, e.g. `[xReact]`, or the strategy's token, e.g. `[Question]`.
    pub fn token(self) -> String {
        match self.knowledge_token_index() {
            Some(i) => KNOWLEDGE_TOKENS[i].to_owned(),
            None => match self {
                KnowledgeKind::Strategy(s) => s.token(),
                _ => unreachable!("every other kind has a knowledge token"),
            },
        }
    }

    /// Index in [`KNOWLEDGE_TOKENS`] (`None` for [`KnowledgeKind::Strategy`]).
    pub fn knowledge_token_index(self) -> Option<usize> {
        match self {
            KnowledgeKind::XReact => Some(0),
            KnowledgeKind::XIntent => Some(1),
            KnowledgeKind::XWant => Some(2),
            KnowledgeKind::XNeed => Some(3),
            KnowledgeKind::XEffect => Some(4),
            KnowledgeKind::Resp => Some(5),
            KnowledgeKind::Str => Some(6),
            KnowledgeKind::Aff => Some(7),
            KnowledgeKind::Strategy(_) => None,
        }
    }
}

/// One piece of knowledge: its type token, then its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeSegment {
    /// The type token.
    pub kind: KnowledgeKind,
    /// The text after it (whitespace-normalised; may be empty).
    pub text: String,
}

impl KnowledgeSegment {
    /// A segment.
    pub fn new(kind: KnowledgeKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
        }
    }
}

impl fmt::Display for KnowledgeSegment {
    /// `[type] text`, as the tagged text of the data files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "{}", self.kind.token())
        } else {
            write!(f, "{} {}", self.kind.token(), self.text)
        }
    }
}

/// Tagged knowledge text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found:?}")]
pub struct KnowledgeTextError {
    /// What the text should look like.
    pub expected: &'static str,
    /// The offending start of the text.
    pub found: String,
}

/// Parses tagged knowledge text (`"[xReact] sad [xIntent] to rest"`) into segments, accepting
/// only the tags of `allowed`. Empty (or blank) text is no knowledge. Text between two tags
/// is whitespace-normalised; a tag not in `allowed` counts as text.
///
/// ```
/// use esc_data::{KnowledgeKind, KnowledgeSegment, parse_knowledge_text};
/// let segments = parse_knowledge_text("[xReact] sad [xWant]  to rest", &KnowledgeKind::COMET, "…")?;
/// assert_eq!(segments, [
///     KnowledgeSegment::new(KnowledgeKind::XReact, "sad"),
///     KnowledgeSegment::new(KnowledgeKind::XWant, "to rest"),
/// ]);
/// assert!(parse_knowledge_text("sad [xReact]", &KnowledgeKind::COMET, "…").is_err());
/// # Ok::<(), esc_data::KnowledgeTextError>(())
/// ```
///
/// # Errors
/// [`KnowledgeTextError`] when the text does not start with an allowed tag.
pub fn parse_knowledge_text(
    text: &str,
    allowed: &[KnowledgeKind],
    expected: &'static str,
) -> Result<Vec<KnowledgeSegment>, KnowledgeTextError> {
    let text = text.trim();
    let tags: Vec<(String, KnowledgeKind)> = allowed.iter().map(|&k| (k.token(), k)).collect();
    let tag_at = |s: &str| {
        tags.iter()
            .find(|(t, _)| s.starts_with(t.as_str()))
            .map(|(t, k)| (t.len(), *k))
    };
    let mut segments = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some((len, kind)) = tag_at(rest) else {
            return Err(KnowledgeTextError {
                expected,
                found: rest.chars().take(40).collect(),
            });
        };
        rest = &rest[len..];
        // The segment's text runs to the next allowed tag.
        let end = rest
            .char_indices()
            .find(|&(i, _)| tag_at(&rest[i..]).is_some())
            .map_or(rest.len(), |(i, _)| i);
        segments.push(KnowledgeSegment::new(
            kind,
            crate::normalize_whitespace(&rest[..end]),
        ));
        rest = &rest[end..];
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_tag_and_keeps_unknown_tags_as_text() {
        let s = parse_knowledge_text(
            " [resp] i know [oReact] that [str]work[aff] ",
            &KnowledgeKind::HEAL,
            "x",
        )
        .unwrap();
        assert_eq!(
            s,
            [
                KnowledgeSegment::new(KnowledgeKind::Resp, "i know [oReact] that"),
                KnowledgeSegment::new(KnowledgeKind::Str, "work"),
                KnowledgeSegment::new(KnowledgeKind::Aff, ""),
            ]
        );
        assert!(
            parse_knowledge_text("  ", &KnowledgeKind::HEAL, "x")
                .unwrap()
                .is_empty()
        );
        // A COMET tag is not allowed in HEAL text.
        let err = parse_knowledge_text("[xReact] sad", &KnowledgeKind::HEAL, "x").unwrap_err();
        assert_eq!(err.found, "[xReact] sad");
    }

    #[test]
    fn tokens_are_the_reference_ones() {
        let all: Vec<String> = KnowledgeKind::COMET
            .iter()
            .chain(&KnowledgeKind::HEAL)
            .map(|k| k.token())
            .collect();
        assert_eq!(all, KNOWLEDGE_TOKENS);
        assert_eq!(
            KnowledgeKind::Strategy(Strategy::Question).token(),
            "[Question]"
        );
        assert_eq!(
            KnowledgeSegment::new(KnowledgeKind::XNeed, "help").to_string(),
            "[xNeed] help"
        );
    }
}

//! [`DataKnowledge`]: the knowledge the data itself carries.

use super::{KnowledgeError, KnowledgeKind, KnowledgeSegment, KnowledgeSource};
use crate::{Dialog, Speaker};

/// What the reference appends: the COMET relations of the last seeker turn (its `knowledge`
/// field; the last seeker turn before `turn` that has one), then the HEAL knowledge of the
/// supporter turn itself (its `heal` field). Turns without the fields give no knowledge.
///
/// ```
/// use esc_data::{DataKnowledge, Dialog, Emotion, KnowledgeKind, KnowledgeSource, Strategy, Turn};
/// let mut seeker = Turn::seeker("I lost my job");
/// seeker.knowledge = Some("[xReact] sad".into());
/// let mut supporter = Turn::supporter("That sounds hard", Strategy::ReflectionOfFeelings);
/// supporter.heal = Some("[resp] i am sorry".into());
/// let dialog = Dialog {
///     emotion: Emotion::Sadness, problem: String::new(), situation: String::new(),
///     experience: String::new(), survey: None, turns: vec![seeker, supporter],
/// };
/// let k = DataKnowledge.knowledge(&dialog, 1)?;
/// assert_eq!(k.iter().map(ToString::to_string).collect::<Vec<_>>(), ["[xReact] sad", "[resp] i am sorry"]);
/// # Ok::<(), esc_data::KnowledgeError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataKnowledge;

/// What a `knowledge` field must hold.
pub(crate) const COMET_EXPECTED: &str =
    "COMET knowledge \"[xReact] … [xIntent] … [xWant] … [xNeed] … [xEffect] …\" (or \"\")";
/// What a `heal` field must hold.
pub(crate) const HEAL_EXPECTED: &str = "HEAL knowledge \"[resp] … [str] … [aff] …\" (or \"\")";

impl KnowledgeSource for DataKnowledge {
    fn knowledge(
        &self,
        dialog: &Dialog,
        turn: usize,
    ) -> Result<Vec<KnowledgeSegment>, KnowledgeError> {
        let mut segments = Vec::new();
        let seeker = dialog.turns[..turn.min(dialog.turns.len())]
            .iter()
            .enumerate()
            .rev()
            .find(|(_, t)| t.speaker == Speaker::Seeker && t.knowledge.is_some());
        if let Some((i, t)) = seeker {
            let text = t.knowledge.as_deref().unwrap_or_default();
            segments.extend(parse(
                text,
                &KnowledgeKind::COMET,
                COMET_EXPECTED,
                i,
                "knowledge",
            )?);
        }
        if let Some(heal) = dialog.turns.get(turn).and_then(|t| t.heal.as_deref()) {
            segments.extend(parse(
                heal,
                &KnowledgeKind::HEAL,
                HEAL_EXPECTED,
                turn,
                "heal",
            )?);
        }
        Ok(segments)
    }
}

fn parse(
    text: &str,
    allowed: &[KnowledgeKind],
    expected: &'static str,
    turn: usize,
    field: &'static str,
) -> Result<Vec<KnowledgeSegment>, KnowledgeError> {
    super::parse_knowledge_text(text, allowed, expected).map_err(|source| KnowledgeError {
        turn,
        field,
        source,
    })
}

//! The multitask head of a run as users name it (`joint`, `kemi`, `emstremo`), and how it sets a
//! [TrainConfig] up.

use esc_data::{Emotion, Strategy};
use esc_models::{EmstremoConfig, HeadConfig};

use super::config::TrainConfig;
use super::knowledge::KnowledgeConfig;

/// The multitask head of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Head {
    /// BlenderBot-Joint: the strategy token is the first decoder token.
    Joint,
    /// KEMI-style: the Joint head with knowledge appended to the encoder input.
    Kemi(KnowledgeConfig),
    /// Emstremo-style: encoder emotion/strategy classifiers, emotion and strategy embeddings
    /// prepended to the decoder input, contrastive loss.
    Emstremo {
        /// Speaker-role embeddings on the encoder input (the reference's `--use_role_embed`).
        role_embeddings: bool,
    },
}

impl Head {
    /// The head's name: `joint`, `kemi` or `emstremo`.
    pub fn name(&self) -> &'static str {
        match self {
            Head::Joint => "joint",
            Head::Kemi(_) => "kemi",
            Head::Emstremo { .. } => "emstremo",
        }
    }

    /// The run folder name without / with STAR (BlenderBot-Joint's are `joint` and `star`, as
    /// before the other heads existed).
    pub fn run_name(&self, star: bool) -> String {
        match (self, star) {
            (Head::Joint, false) => "joint".into(),
            (Head::Joint, true) => "star".into(),
            (head, false) => head.name().into(),
            (head, true) => format!("{}-star", head.name()),
        }
    }

    /// The head `config` trains (KEMI when it has knowledge inputs).
    pub fn of(config: &TrainConfig) -> Head {
        match (&config.head, &config.knowledge) {
            (HeadConfig::Emstremo(e), _) => Head::Emstremo {
                role_embeddings: e.role_embeddings,
            },
            (_, Some(knowledge)) => Head::Kemi(knowledge.clone()),
            _ => Head::Joint,
        }
    }

    /// Sets `config` up for this head: its head configuration and, for KEMI, its knowledge
    /// inputs; everything else is left as it is.
    pub fn apply(&self, config: &mut TrainConfig) {
        config.head = TrainConfig::default().head;
        config.knowledge = None;
        match self {
            Head::Joint => {}
            Head::Kemi(knowledge) => config.knowledge = Some(knowledge.clone()),
            Head::Emstremo { role_embeddings } => {
                config.head = HeadConfig::Emstremo(
                    EmstremoConfig::new(Strategy::COUNT, Emotion::COUNT)
                        .with_role_embeddings(*role_embeddings),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_replaces_the_previous_head() {
        let mut c = TrainConfig::tiny();
        Head::Emstremo {
            role_embeddings: true,
        }
        .apply(&mut c);
        assert!(matches!(&c.head, HeadConfig::Emstremo(e) if e.role_embeddings));
        assert_eq!(
            Head::of(&c),
            Head::Emstremo {
                role_embeddings: true
            }
        );
        Head::Kemi(KnowledgeConfig::bm25(3)).apply(&mut c);
        assert_eq!(c.head, TrainConfig::default().head);
        assert_eq!(c.knowledge, Some(KnowledgeConfig::bm25(3)));
        assert_eq!(Head::of(&c), Head::Kemi(KnowledgeConfig::bm25(3)));
        Head::Joint.apply(&mut c);
        assert_eq!(c.knowledge, None);
        assert_eq!(Head::Joint.run_name(true), "star");
        assert_eq!(
            Head::Kemi(KnowledgeConfig::data()).run_name(true),
            "kemi-star"
        );
    }
}

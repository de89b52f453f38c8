//! Training examples, built exactly as the reference builds them.
//!
//! The STAR authors' `inputters/strat.py` (`convert_data_to_inputs` + `featurize`,
//! inherited from KEMI) makes **one example per supporter turn with index > 0**:
//!
//! - encoder input = `u1 </s> u2 </s> ... un </s>` over all previous turns, then the
//!   knowledge segment `knowledge </s>`, with the very last `</s>` dropped: without
//!   knowledge the input ends with `un </s>`. It is then **left-truncated** to the last
//!   `max_input_len` (160) ids, so the knowledge survives;
//! - labels = `[strategy token] + response + [</s>]`, cut to `max_target_len + 1` (41);
//! - decoder input = `[<s>] + labels[:-1]`.
//!
//! The knowledge segment comes from a [`KnowledgeSource`] ([`build_examples_with`]; KEMI-style
//! inputs): each segment is its type token's id followed by its text's ids, the segments
//! concatenated in order. Without a source it is empty, unless [`ExampleConfig::knowledge`] asks
//! for the data's own fields ([`DataKnowledge`]).
//!
//! Utterances are tokenized after whitespace normalisation (already done by the
//! readers). The ESConv authors' original `codes_zcj` layout (strategy tokens in front
//! of past supporter turns, no trailing `</s>`) is available as [`InputLayout::Zcj`].

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::dialog::normalize_whitespace;
use crate::error::Result;
use crate::knowledge::{DataKnowledge, KnowledgeKind, KnowledgeSegment, KnowledgeSource};
use crate::role::{ROLE_KNOWLEDGE, ROLE_SEEKER, ROLE_SUPPORTER};
use crate::tokenizer::Tokenize;
use crate::{Dialog, Emotion, Error, Speaker, Strategy};

/// How the encoder input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputLayout {
    /// STAR / KEMI `featurize` (the default): turns each followed by `</s>`, then the
    /// (possibly empty) knowledge segment and its `</s>`, last `</s>` dropped.
    Star,
    /// `codes_zcj` (the ESConv authors' BlenderBot-Joint): past supporter turns carry their
    /// strategy token in front, turns are joined by `</s>` without a trailing one, and
    /// the knowledge segment (if enabled) follows after one more `</s>`.
    Zcj,
}

/// How to turn dialogs into examples. The defaults are the reference's.
#[derive(Config, Debug)]
pub struct ExampleConfig {
    /// Encoder input length: the input keeps its last `max_input_len` ids. Default 160.
    #[config(default = 160)]
    pub max_input_len: usize,
    /// Response length: labels are cut to `max_target_len + 1` ids (the strategy token
    /// plus 40). Default 40.
    #[config(default = 40)]
    pub max_target_len: usize,
    /// Input layout. Default [`InputLayout::Star`].
    #[config(default = "InputLayout::Star")]
    pub layout: InputLayout,
    /// Put the dialog's situation (cut to `max_situation_len` ids) and `</s>` in front of
    /// the context. The reference uses no situation. Default false.
    #[config(default = false)]
    pub situation: bool,
    /// Longest situation segment, in ids. Default 50.
    #[config(default = 50)]
    pub max_situation_len: usize,
    /// Append the data's knowledge after the context ([`DataKnowledge`]: the last seeker
    /// turn's `knowledge` followed by this supporter turn's `heal`) when no
    /// [`KnowledgeSource`] is given. Default false.
    #[config(default = false)]
    pub knowledge: bool,
}

/// One training example: a supporter turn with its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscExample {
    /// Index of the dialog in the slice the examples were built from.
    pub dialog: usize,
    /// Index of the supporter turn inside the dialog (always > 0).
    pub turn: usize,
    /// Encoder input ids (at most `max_input_len`).
    pub input_ids: Vec<u32>,
    /// Speaker role of each encoder input id ([`ROLE_SEEKER`], [`ROLE_SUPPORTER`],
    /// [`ROLE_KNOWLEDGE`]; see [`crate::ROLE_PAD`]), as long as `input_ids`.
    pub input_roles: Vec<u32>,
    /// Decoder input ids: `[<s>] + labels[:-1]`.
    pub decoder_input_ids: Vec<u32>,
    /// Labels: `[strategy token] + response + [</s>]`, cut to `max_target_len + 1`.
    pub labels: Vec<u32>,
    /// The whole response's ids (no strategy token, no `</s>`, not cut): what the
    /// reference decodes as the evaluation reference.
    pub response_ids: Vec<u32>,
    /// The gold strategy of the response.
    pub strategy: Strategy,
    /// The dialog's emotion.
    pub emotion: Emotion,
}

impl EscExample {
    /// The reference's length key for bucketing: encoder plus decoder input length
    /// (`InputFeatures.input_len`).
    pub fn len_key(&self) -> usize {
        self.input_ids.len() + self.decoder_input_ids.len()
    }
}

/// Builds the examples of every dialog, in order.
///
/// ```
/// use esc_data::{build_examples, Dialog, Emotion, ExampleConfig, Strategy, Turn};
/// # use esc_data::tokenizer::{SpecialTokens, Tokenize};
/// # struct Words;
/// # impl Tokenize for Words {
/// #     fn encode(&self, text: &str) -> Vec<u32> { text.split(' ').map(|w| 10 + w.len() as u32).collect() }
/// #     fn decode(&self, _: &[u32]) -> String { String::new() }
/// #     fn vocab_size(&self) -> usize { 100 }
/// #     fn special_tokens(&self) -> SpecialTokens { SpecialTokens { pad: 0, bos: 1, eos: 2, unk: 3 } }
/// #     fn strategy_token_id(&self, s: Strategy) -> u32 { 90 + s.id() as u32 }
/// # }
/// let dialog = Dialog {
///     emotion: Emotion::Sadness,
///     problem: "job crisis".into(),
///     situation: String::new(),
///     experience: String::new(),
///     survey: None,
///     turns: vec![Turn::seeker("I lost my job"), Turn::supporter("That sounds hard", Strategy::ReflectionOfFeelings)],
/// };
/// let examples = build_examples(&[dialog], &Words, &ExampleConfig::new())?;
/// assert_eq!(examples.len(), 1);
/// assert_eq!(examples[0].input_ids, [11, 14, 12, 13, 2]); // "I lost my job </s>"
/// assert_eq!(examples[0].labels, [92, 14, 16, 14, 2]);    // [Reflection of feelings] That sounds hard </s>
/// assert_eq!(examples[0].decoder_input_ids, [1, 92, 14, 16, 14]);
/// # Ok::<(), esc_data::Error>(())
/// ```
///
/// # Errors
/// [`Error::UnannotatedTurn`] when a supporter turn has no strategy (dialogs read from
/// files always have one).
pub fn build_examples<T: Tokenize + ?Sized>(
    dialogs: &[Dialog],
    tokenizer: &T,
    config: &ExampleConfig,
) -> Result<Vec<EscExample>> {
    let mut examples = Vec::new();
    for (index, dialog) in dialogs.iter().enumerate() {
        examples.extend(dialog_examples(dialog, index, tokenizer, config)?);
    }
    Ok(examples)
}

/// As [`build_examples`], with the knowledge segment of every example from `source`
/// (KEMI-style inputs).
///
/// # Errors
/// As [`dialog_examples_with`].
pub fn build_examples_with<T: Tokenize + ?Sized>(
    dialogs: &[Dialog],
    tokenizer: &T,
    config: &ExampleConfig,
    source: &dyn KnowledgeSource,
) -> Result<Vec<EscExample>> {
    let mut examples = Vec::new();
    for (index, dialog) in dialogs.iter().enumerate() {
        examples.extend(dialog_examples_with(
            dialog,
            index,
            tokenizer,
            config,
            Some(source),
        )?);
    }
    Ok(examples)
}

/// Builds the examples of one dialog; `dialog_index` is recorded in each example.
///
/// # Errors
/// As [`dialog_examples_with`].
pub fn dialog_examples<T: Tokenize + ?Sized>(
    dialog: &Dialog,
    dialog_index: usize,
    tokenizer: &T,
    config: &ExampleConfig,
) -> Result<Vec<EscExample>> {
    dialog_examples_with(dialog, dialog_index, tokenizer, config, None)
}

/// Builds the examples of one dialog with the knowledge of `source` (`None`: none, or the
/// data's own when [`ExampleConfig::knowledge`] is set).
///
/// # Errors
/// [`Error::UnannotatedTurn`] when a supporter turn has no strategy,
/// [`Error::InvalidKnowledge`] for knowledge text that does not parse,
/// [`Error::MissingKnowledgeToken`] when the tokenizer lacks a type token.
pub fn dialog_examples_with<T: Tokenize + ?Sized>(
    dialog: &Dialog,
    dialog_index: usize,
    tokenizer: &T,
    config: &ExampleConfig,
    source: Option<&dyn KnowledgeSource>,
) -> Result<Vec<EscExample>> {
    let source = source.or(config
        .knowledge
        .then_some(&DataKnowledge as &dyn KnowledgeSource));
    let special = tokenizer.special_tokens();
    let situation = if config.situation {
        let mut ids = tokenizer.encode(&normalize_whitespace(&dialog.situation));
        ids.truncate(config.max_situation_len);
        ids.push(special.eos);
        ids
    } else {
        Vec::new()
    };

    // Each past turn's ids with its speaker's role.
    let mut context: Vec<(Vec<u32>, u32)> = Vec::with_capacity(dialog.turns.len());
    let mut examples = Vec::new();
    for (i, turn) in dialog.turns.iter().enumerate() {
        let text_ids = tokenizer.encode(&turn.text);
        if turn.speaker == Speaker::Seeker {
            context.push((text_ids, ROLE_SEEKER));
            continue;
        }
        let strategy = turn.strategy.ok_or(Error::UnannotatedTurn {
            dialog: dialog_index,
            turn: i,
        })?;
        let strategy_id = tokenizer.strategy_token_id(strategy);
        if i > 0 {
            let knowledge = match source {
                Some(source) => {
                    let segments =
                        source
                            .knowledge(dialog, i)
                            .map_err(|source| Error::InvalidKnowledge {
                                dialog: dialog_index,
                                source,
                            })?;
                    Some(knowledge_ids(&segments, tokenizer)?)
                }
                None => None,
            };
            let budget = config.max_input_len.saturating_sub(situation.len());
            let mut input_ids = situation.clone();
            let mut input_roles = vec![ROLE_KNOWLEDGE; situation.len()];
            let (ids, roles) = encoder_context(
                &context,
                knowledge.as_deref(),
                config.layout,
                special.eos,
                budget,
            );
            input_ids.extend(ids);
            input_roles.extend(roles);

            let mut labels = Vec::with_capacity(text_ids.len() + 2);
            labels.push(strategy_id);
            labels.extend_from_slice(&text_ids);
            labels.push(special.eos);
            labels.truncate(config.max_target_len + 1);
            let mut decoder_input_ids = Vec::with_capacity(labels.len());
            decoder_input_ids.push(special.bos);
            decoder_input_ids.extend_from_slice(&labels[..labels.len() - 1]);

            examples.push(EscExample {
                dialog: dialog_index,
                turn: i,
                input_ids,
                input_roles,
                decoder_input_ids,
                labels,
                response_ids: text_ids.clone(),
                strategy,
                emotion: dialog.emotion,
            });
        }
        let context_ids = match config.layout {
            InputLayout::Star => text_ids,
            InputLayout::Zcj => std::iter::once(strategy_id).chain(text_ids).collect(),
        };
        context.push((context_ids, ROLE_SUPPORTER));
    }
    Ok(examples)
}

/// The ids of knowledge segments: per segment, its type token, then its text.
///
/// # Errors
/// [`Error::MissingKnowledgeToken`] when the tokenizer lacks a type token.
pub(crate) fn knowledge_ids<T: Tokenize + ?Sized>(
    segments: &[KnowledgeSegment],
    tokenizer: &T,
) -> Result<Vec<u32>> {
    let mut ids = Vec::new();
    for segment in segments {
        let type_id = match segment.kind {
            KnowledgeKind::Strategy(s) => tokenizer.strategy_token_id(s),
            kind => {
                let token = kind.token();
                tokenizer
                    .added_token_id(&token)
                    .ok_or(Error::MissingKnowledgeToken { token })?
            }
        };
        ids.push(type_id);
        ids.extend(tokenizer.encode(&segment.text));
    }
    Ok(ids)
}

/// The context (and knowledge) part of the encoder input, left-truncated to `budget`: the ids
/// and their roles (a turn's closing `</s>` takes the turn's role).
fn encoder_context(
    context: &[(Vec<u32>, u32)],
    knowledge: Option<&[u32]>,
    layout: InputLayout,
    eos: u32,
    budget: usize,
) -> (Vec<u32>, Vec<u32>) {
    let mut ids = Vec::new();
    let mut roles = Vec::new();
    for (turn, role) in context {
        ids.extend_from_slice(turn);
        ids.push(eos);
        roles.extend(std::iter::repeat_n(*role, turn.len() + 1));
    }
    match (layout, knowledge) {
        // STAR/KEMI always append the knowledge segment (empty when off) and its EOS,
        // then drop the last EOS: the context's own trailing EOS stays.
        (InputLayout::Star, knowledge) | (InputLayout::Zcj, knowledge @ Some(_)) => {
            let knowledge = knowledge.unwrap_or(&[]);
            ids.extend_from_slice(knowledge);
            roles.extend(std::iter::repeat_n(ROLE_KNOWLEDGE, knowledge.len()));
        }
        (InputLayout::Zcj, None) => {
            ids.pop();
            roles.pop();
        }
    }
    let start = ids.len().saturating_sub(budget);
    (ids.split_off(start), roles.split_off(start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Turn;
    use crate::tokenizer::SpecialTokens;

    /// One id per word: the word's number (words are decimal numbers in these tests).
    struct Numbers;

    impl Tokenize for Numbers {
        fn encode(&self, text: &str) -> Vec<u32> {
            text.split_whitespace()
                .map(|w| w.parse().unwrap())
                .collect()
        }
        fn decode(&self, ids: &[u32]) -> String {
            ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
        }
        fn vocab_size(&self) -> usize {
            1000
        }
        fn special_tokens(&self) -> SpecialTokens {
            SpecialTokens {
                pad: 0,
                bos: 1,
                eos: 2,
                unk: 3,
            }
        }
        fn strategy_token_id(&self, strategy: Strategy) -> u32 {
            900 + strategy.id() as u32
        }
        fn added_token_id(&self, token: &str) -> Option<u32> {
            let i = crate::KNOWLEDGE_TOKENS.iter().position(|&t| t == token)?;
            Some(950 + i as u32)
        }
    }

    fn dialog(turns: Vec<Turn>) -> Dialog {
        Dialog {
            emotion: Emotion::Fear,
            problem: String::new(),
            situation: "70 71".into(),
            experience: String::new(),
            survey: None,
            turns,
        }
    }

    fn sample() -> Dialog {
        dialog(vec![
            Turn::supporter("10", Strategy::Question),
            Turn::seeker("20 21"),
            Turn::seeker("22"),
            Turn::supporter("30 31 32", Strategy::Others),
            Turn::seeker("40"),
            Turn::supporter("50", Strategy::Information),
        ])
    }

    #[test]
    fn one_example_per_supporter_turn_after_the_first() {
        let ex = build_examples(&[sample()], &Numbers, &ExampleConfig::new()).unwrap();
        assert_eq!(ex.iter().map(|e| e.turn).collect::<Vec<_>>(), [3, 5]);
        // Reference: sum([c + [eos] for c in context] + [[] + [eos]], [])[:-1]
        assert_eq!(ex[0].input_ids, [10, 2, 20, 21, 2, 22, 2]);
        assert_eq!(ex[0].labels, [907, 30, 31, 32, 2]);
        assert_eq!(ex[0].decoder_input_ids, [1, 907, 30, 31, 32]);
        assert_eq!(ex[0].response_ids, [30, 31, 32]);
        assert_eq!(ex[0].strategy, Strategy::Others);
        assert_eq!(ex[0].emotion, Emotion::Fear);
        assert_eq!(
            ex[1].input_ids,
            [10, 2, 20, 21, 2, 22, 2, 30, 31, 32, 2, 40, 2]
        );
        assert_eq!(ex[1].len_key(), 13 + 3);
    }

    #[test]
    fn truncates_input_on_the_left_and_labels_on_the_right() {
        let cfg = ExampleConfig::new()
            .with_max_input_len(4)
            .with_max_target_len(2);
        let ex = build_examples(&[sample()], &Numbers, &cfg).unwrap();
        assert_eq!(ex[0].input_ids, [21, 2, 22, 2]);
        assert_eq!(ex[0].labels, [907, 30, 31]);
        assert_eq!(ex[0].decoder_input_ids, [1, 907, 30]);
        assert_eq!(ex[0].response_ids, [30, 31, 32]);
    }

    #[test]
    fn zcj_layout_puts_strategy_tokens_in_the_context_and_no_trailing_eos() {
        let cfg = ExampleConfig::new().with_layout(InputLayout::Zcj);
        let ex = build_examples(&[sample()], &Numbers, &cfg).unwrap();
        assert_eq!(ex[0].input_ids, [900, 10, 2, 20, 21, 2, 22]);
        assert_eq!(
            ex[1].input_ids,
            [900, 10, 2, 20, 21, 2, 22, 2, 907, 30, 31, 32, 2, 40]
        );
    }

    #[test]
    fn data_knowledge_follows_the_context_and_survives_truncation() {
        let mut d = sample();
        d.turns[2].knowledge = Some("[xReact] 60 [xWant] 61".into());
        d.turns[3].heal = Some("[resp] 62".into());
        let cfg = ExampleConfig::new().with_knowledge(true);
        let ex = build_examples(std::slice::from_ref(&d), &Numbers, &cfg).unwrap();
        // context </s>, then [xReact] 60 [xWant] 61 [resp] 62 (its </s> is the one dropped).
        let knowledge = [950, 60, 952, 61, 955, 62];
        let mut expected = vec![10, 2, 20, 21, 2, 22, 2];
        expected.extend(knowledge);
        assert_eq!(ex[0].input_ids, expected);
        // Left truncation cuts the context, never the knowledge.
        let ex = build_examples(
            std::slice::from_ref(&d),
            &Numbers,
            &cfg.with_max_input_len(8),
        )
        .unwrap();
        assert_eq!(ex[0].input_ids, [22, 2, 950, 60, 952, 61, 955, 62]);
        // The last seeker knowledge carries over to later supporter turns (no heal there).
        assert_eq!(
            ex[1].input_ids[ex[1].input_ids.len() - 5..],
            [2, 950, 60, 952, 61]
        );
        // Labels do not change with knowledge.
        assert_eq!(ex[0].labels, [907, 30, 31, 32, 2]);
    }

    /// Returns, for every supporter turn, the strategy of the turn before it and fixed text.
    struct Fixed;

    impl KnowledgeSource for Fixed {
        fn knowledge(
            &self,
            dialog: &Dialog,
            turn: usize,
        ) -> std::result::Result<Vec<KnowledgeSegment>, crate::KnowledgeError> {
            assert!(turn < dialog.turns.len());
            Ok(vec![
                KnowledgeSegment::new(KnowledgeKind::Strategy(Strategy::Information), "80 81"),
                KnowledgeSegment::new(KnowledgeKind::Aff, "82"),
            ])
        }
    }

    #[test]
    fn a_knowledge_source_gives_type_token_ids_then_text_ids() {
        let cfg = ExampleConfig::new().with_max_input_len(9);
        let ex = build_examples_with(&[sample()], &Numbers, &cfg, &Fixed).unwrap();
        // [Information] = 906, [aff] = 957; the context is cut on the left.
        assert_eq!(ex[0].input_ids, [21, 2, 22, 2, 906, 80, 81, 957, 82]);
        assert_eq!(ex[1].input_ids, [32, 2, 40, 2, 906, 80, 81, 957, 82]);
        // The data's fields are ignored when a source is given.
        let mut d = sample();
        d.turns[3].heal = Some("[resp] 62".into());
        let with_data = build_examples_with(&[d], &Numbers, &cfg.with_knowledge(true), &Fixed);
        assert_eq!(with_data.unwrap()[0].input_ids, ex[0].input_ids);
    }

    #[test]
    fn bm25_knowledge_is_laid_out_after_the_context() {
        let pair = |seeker: &str, response: &str, s: Strategy| {
            dialog(vec![Turn::seeker(seeker), Turn::supporter(response, s)])
        };
        // Three unrelated exemplars keep the idf of "40" positive.
        let train = vec![
            pair("40 41", "55 56", Strategy::SelfDisclosure),
            pair("70", "71", Strategy::Others),
            pair("72", "73", Strategy::Others),
            pair("74", "75", Strategy::Others),
        ];
        let retriever = crate::Bm25Knowledge::new(&train, 1);
        let ex =
            build_examples_with(&[sample()], &Numbers, &ExampleConfig::new(), &retriever).unwrap();
        // Turn 3 asks with "22": no match. Turn 5 asks with "40": the exemplar matches.
        assert_eq!(ex[0].input_ids, [10, 2, 20, 21, 2, 22, 2]);
        assert_eq!(ex[1].input_ids[11..], [40, 2, 903, 55, 56]);
    }

    #[test]
    fn bad_knowledge_and_missing_type_tokens_are_errors() {
        let mut d = sample();
        d.turns[4].knowledge = Some("sad [xReact]".into());
        let cfg = ExampleConfig::new().with_knowledge(true);
        let err = build_examples(&[sample(), d], &Numbers, &cfg).unwrap_err();
        let Error::InvalidKnowledge { dialog: 1, source } = &err else {
            panic!("{err}");
        };
        assert_eq!((source.turn, source.field), (4, "knowledge"));
        assert!(
            err.to_string()
                .contains("dialog 1, turn 4: field `knowledge`")
        );

        struct NoAddedTokens;
        impl Tokenize for NoAddedTokens {
            fn encode(&self, text: &str) -> Vec<u32> {
                Numbers.encode(text)
            }
            fn decode(&self, ids: &[u32]) -> String {
                Numbers.decode(ids)
            }
            fn vocab_size(&self) -> usize {
                1000
            }
            fn special_tokens(&self) -> SpecialTokens {
                Numbers.special_tokens()
            }
            fn strategy_token_id(&self, strategy: Strategy) -> u32 {
                Numbers.strategy_token_id(strategy)
            }
        }
        let err = build_examples_with(&[sample()], &NoAddedTokens, &cfg, &Fixed).unwrap_err();
        assert!(matches!(&err, Error::MissingKnowledgeToken { token } if token == "[aff]"));
    }

    #[test]
    fn situation_goes_first_and_is_kept_under_truncation() {
        let cfg = ExampleConfig::new()
            .with_situation(true)
            .with_max_input_len(6);
        let ex = build_examples(&[sample()], &Numbers, &cfg).unwrap();
        assert_eq!(ex[0].input_ids, [70, 71, 2, 2, 22, 2]);
    }

    #[test]
    fn input_roles_follow_the_speakers() {
        use crate::{EscBatcher, ROLE_PAD};
        use burn::data::dataloader::batcher::Batcher;
        use burn::tensor::Device;
        let (s, p, k) = (ROLE_SEEKER, ROLE_SUPPORTER, ROLE_KNOWLEDGE);
        // A two-turn dialog: the seeker's turn and its `</s>` are the seeker's.
        let two = dialog(vec![
            Turn::seeker("20 21"),
            Turn::supporter("30", Strategy::Question),
        ]);
        let short =
            build_examples(std::slice::from_ref(&two), &Numbers, &ExampleConfig::new()).unwrap();
        assert_eq!(short[0].input_ids, [20, 21, 2]);
        assert_eq!(short[0].input_roles, [s, s, s]);
        // Supporter turns (the first one too) keep their role, whoever answers now.
        let ex = build_examples(&[sample()], &Numbers, &ExampleConfig::new()).unwrap();
        assert_eq!(ex[0].input_roles, [p, p, s, s, s, s, s]);
        assert_eq!(ex[1].input_roles, [p, p, s, s, s, s, s, p, p, p, p, s, s]);
        // Padding takes ROLE_PAD in a batch.
        let batch =
            EscBatcher::new(0).batch(vec![short[0].clone(), ex[0].clone()], &Device::flex());
        let roles: Vec<i64> = batch
            .input_roles
            .into_data()
            .try_into_vec_as::<i64>()
            .unwrap();
        let pad = i64::from(ROLE_PAD);
        let row = |r: &[u32]| r.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
        let mut expected = row(&short[0].input_roles);
        expected.extend([pad; 4]);
        expected.extend(row(&ex[0].input_roles));
        assert_eq!(roles, expected);
        // A past supporter turn's strategy token is the supporter's (ZCJ layout).
        let zcj = ExampleConfig::new().with_layout(InputLayout::Zcj);
        let ex = build_examples(&[sample()], &Numbers, &zcj).unwrap();
        assert_eq!(ex[0].input_ids, [900, 10, 2, 20, 21, 2, 22]);
        assert_eq!(ex[0].input_roles, [p, p, p, s, s, s, s]);
        // Knowledge (type tokens included) has its own role, and truncation cuts both alike.
        let cfg = ExampleConfig::new().with_max_input_len(9);
        let ex = build_examples_with(&[sample()], &Numbers, &cfg, &Fixed).unwrap();
        assert_eq!(ex[0].input_ids, [21, 2, 22, 2, 906, 80, 81, 957, 82]);
        assert_eq!(ex[0].input_roles, [s, s, s, s, k, k, k, k, k]);
        // So has the situation.
        let cfg = ExampleConfig::new()
            .with_situation(true)
            .with_max_input_len(6);
        let ex = build_examples(&[sample()], &Numbers, &cfg).unwrap();
        assert_eq!(ex[0].input_ids, [70, 71, 2, 2, 22, 2]);
        assert_eq!(ex[0].input_roles, [k, k, k, s, s, s]);
        // Every built example has one role per input id.
        for e in &ex {
            assert_eq!(e.input_roles.len(), e.input_ids.len());
        }
    }

    #[test]
    fn unannotated_supporter_turn_is_an_error() {
        let mut d = sample();
        d.turns[3].strategy = None;
        let err = build_examples(&[sample(), d], &Numbers, &ExampleConfig::new()).unwrap_err();
        assert!(matches!(err, Error::UnannotatedTurn { dialog: 1, turn: 3 }));
        assert!(err.to_string().contains("dialog 1, turn 3"));
    }
}

//! Export of a [`BlenderbotSmallTokenizer`] as an HF `tokenizer.json` for the `tokenizers` library.
//!
//! The `tokenizers` BPE model knows an end-of-word suffix but not BlenderBot's `@@` continuation
//! marker, so the vocabulary is rewritten: `x@@` becomes `x` and a final `x` becomes `x</w>`.
//! The slow pre-processing maps onto a normalizer and a pre-tokenizer:
//!
//! | slow tokenizer | `tokenizer.json` |
//! |---|---|
//! | added tokens matched first | `added_tokens` (special, not normalized) |
//! | `\S+\n?`, newline -> `__newln__` unless after `'` | `Replace` regex `(?<=[^\s'])\n` -> ` __newln__ ` |
//! | lowercase each piece (`str.lower`) | `Lowercase` on the whole text |
//! | split before `.,!?()`, around `'`, on whitespace | `Split` (regex, inverted, whitespace removed) |
//! | BPE with `merges.txt` | `BPE` with `end_of_word_suffix = "</w>"` |
//! | `" ".join(tokens).replace("@@ ", "").strip()` | decoders `Replace`, `Fuse`, `Replace` |
//!
//! What cannot be expressed (measured in `tests/tokenizer_hf_export.rs`):
//! - **Out-of-vocabulary merge symbols.** `merges.txt` builds strings that `vocab.json` lacks
//!   (the slow tokenizer then emits `__unk__`, e.g. `,` before a letter: `",e"` -> `,@@` =
//!   `__unk__`). A `tokenizers` BPE must have every merge part in its vocabulary with a distinct
//!   id, so such parts get extra ids from [`HfExport::extra_ids_start`] on. **Read every id
//!   `>= extra_ids_start` as `__unk__`** ([`HfExport::map_id`]); with that mapping the ids are
//!   equal on all ESConv utterances. Merge results that are never merge parts map to `__unk__`
//!   directly.
//! - `Lowercase` has no `Final_Sigma` rule (`Σ` at a word end gives `σ`, Python gives `ς`),
//!   lowercases before rather than after splitting, and uses Rust's Unicode version.
//! - Decoding: a trailing non-final piece loses its `@@` (Python keeps `hel@@`), unknown ids are
//!   dropped instead of decoded as `__unk__`, and runs of spaces collapse to one.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Value, json};
use tokenizers::decoders::DecoderWrapper;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::normalizers::replace::ReplacePattern;
use tokenizers::normalizers::{Lowercase, NormalizerWrapper, Replace, Sequence};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{SplitDelimiterBehavior, Tokenizer};

use super::blenderbot_small::{BlenderbotSmallTokenizer, CONTINUATION, UNK_TOKEN};
use super::bpe::END_OF_WORD;
use super::error::TokenizerError;
use super::{Tokenize, pretokenize::NEWLINE_PIECE};

/// Newline after a word that does not end with `'` (the slow tokenizer drops the others).
const NEWLINE_PATTERN: &str = r"(?<=[^\s'])\n";
/// Pieces of a word: `'` alone, a `.,!?()` with what follows up to the next such character, or
/// a run of other non-space characters.
const PIECE_PATTERN: &str = r"'|[.,!?()][^\s.,!?()']*|[^\s.,!?()']+";

/// An exported `tokenizer.json`.
#[derive(Debug, Clone)]
pub struct HfExport {
    /// The `tokenizer.json` text.
    pub json: String,
    /// First of the extra ids given to merge symbols missing from `vocab.json` (= the size of
    /// the slow tokenizer's vocabulary, added tokens included). The slow tokenizer maps these
    /// symbols to `__unk__`; so must users of the exported file.
    pub extra_ids_start: u32,
    /// Number of extra ids.
    pub num_extra_ids: usize,
    unk: u32,
}

impl HfExport {
    /// The id the slow tokenizer gives: extra ids become `__unk__`.
    pub fn map_id(&self, id: u32) -> u32 {
        if id >= self.extra_ids_start {
            self.unk
        } else {
            id
        }
    }

    /// Writes `tokenizer.json` to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), TokenizerError> {
        let path = path.as_ref();
        std::fs::write(path, &self.json).map_err(|e| TokenizerError::io(path, e))
    }

    /// Loads the export with the `tokenizers` library.
    pub fn to_tokenizer(&self) -> Result<Tokenizer, TokenizerError> {
        self.json
            .parse::<Tokenizer>()
            .map_err(|e| TokenizerError::tokenizers("loading the exported tokenizer.json", e))
    }
}

/// Exports `tokenizer` as an HF `tokenizer.json` (see the module docs for what differs).
pub fn export_hf_tokenizer(
    tokenizer: &BlenderbotSmallTokenizer,
) -> Result<HfExport, TokenizerError> {
    let unk = tokenizer.special_tokens().unk;
    // vocab.json in end-of-word-suffix form.
    let mut vocab: HashMap<String, u32> = HashMap::new();
    let mut origin: HashMap<String, String> = HashMap::new();
    let mut entries: Vec<(&str, u32)> = tokenizer.vocab().collect();
    entries.sort_by_key(|&(token, id)| (id, token));
    for (token, id) in entries {
        let rewritten = match token.strip_suffix(CONTINUATION) {
            Some(stem) => stem.to_owned(),
            None => format!("{token}{END_OF_WORD}"),
        };
        if let Some(first) = origin.get(&rewritten) {
            return Err(TokenizerError::ExportCollision {
                first: first.clone(),
                second: token.to_owned(),
                rewritten,
            });
        }
        origin.insert(rewritten.clone(), token.to_owned());
        vocab.insert(rewritten, id);
    }
    // Added tokens are also model entries, so that `tokenizers` keeps their ids on load.
    let mut added_tokens = Vec::new();
    for (content, id, special) in tokenizer.added_tokens() {
        if let Some(first) = origin.get(content).filter(|_| vocab[content] != id) {
            return Err(TokenizerError::ExportCollision {
                first: first.clone(),
                second: content.to_owned(),
                rewritten: content.to_owned(),
            });
        }
        vocab.insert(content.to_owned(), id);
        added_tokens.push(json!({
            "id": id, "content": content, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": special,
        }));
    }
    // Merge symbols missing from the vocabulary: parts need distinct ids, pure results are unk.
    let merges = tokenizer.merges();
    let parts: HashSet<&str> = merges.iter().flat_map(|&(a, b)| [a, b]).collect();
    let extra_ids_start = tokenizer.vocab_size() as u32;
    let mut missing: Vec<&str> = tokenizer
        .merge_symbols()
        .filter(|s| !vocab.contains_key(*s))
        .collect();
    missing.sort_unstable();
    let mut next = extra_ids_start;
    for symbol in missing {
        if parts.contains(symbol) {
            vocab.insert(symbol.to_owned(), next);
            next += 1;
        } else {
            vocab.insert(symbol.to_owned(), unk);
        }
    }
    let mut vocab: Vec<(String, u32)> = vocab.into_iter().collect();
    vocab.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let vocab: serde_json::Map<String, Value> =
        vocab.into_iter().map(|(t, id)| (t, json!(id))).collect();

    let json = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": to_value(&normalizer()?)?,
        "pre_tokenizer": to_value(&pre_tokenizer()?)?,
        "post_processor": null,
        "decoder": to_value(&decoder(tokenizer)?)?,
        "model": {
            "type": "BPE",
            "dropout": null,
            "unk_token": UNK_TOKEN,
            "continuing_subword_prefix": null,
            "end_of_word_suffix": END_OF_WORD,
            "fuse_unk": false,
            "byte_fallback": false,
            "ignore_merges": false,
            "vocab": vocab,
            "merges": merges.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>(),
        },
    });
    let json = serde_json::to_string(&json)
        .map_err(|e| TokenizerError::tokenizers("serializing tokenizer.json", Box::new(e)))?;
    Ok(HfExport {
        json,
        extra_ids_start,
        num_extra_ids: (next - extra_ids_start) as usize,
        unk,
    })
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, TokenizerError> {
    serde_json::to_value(value)
        .map_err(|e| TokenizerError::tokenizers("serializing a pipeline stage", Box::new(e)))
}

fn replace(pattern: ReplacePattern, content: &str) -> Result<Replace, TokenizerError> {
    Replace::new(pattern, content).map_err(|e| TokenizerError::tokenizers("building Replace", e))
}

/// Newline pieces, then lowercase.
fn normalizer() -> Result<NormalizerWrapper, TokenizerError> {
    let newline = replace(
        ReplacePattern::Regex(NEWLINE_PATTERN.to_owned()),
        &format!(" {NEWLINE_PIECE} "),
    )?;
    Ok(NormalizerWrapper::Sequence(Sequence::new(vec![
        NormalizerWrapper::Replace(newline),
        NormalizerWrapper::Lowercase(Lowercase),
    ])))
}

/// Keeps the matches of [`PIECE_PATTERN`], drops the whitespace between them.
fn pre_tokenizer() -> Result<PreTokenizerWrapper, TokenizerError> {
    let split = Split::new(
        SplitPattern::Regex(PIECE_PATTERN.to_owned()),
        SplitDelimiterBehavior::Removed,
        true,
    )
    .map_err(|e| TokenizerError::tokenizers("building Split", e))?;
    Ok(PreTokenizerWrapper::Split(split))
}

/// `x</w>` -> `x `, special tokens get the spaces the slow decode puts around them, then the
/// pieces are joined, runs of spaces collapsed and the ends trimmed.
fn decoder(tokenizer: &BlenderbotSmallTokenizer) -> Result<DecoderWrapper, TokenizerError> {
    let mut steps = vec![DecoderWrapper::Replace(replace(
        ReplacePattern::String(END_OF_WORD.to_owned()),
        " ",
    )?)];
    let base = tokenizer.base_vocab_size() as u32;
    for (content, id, _) in tokenizer.added_tokens() {
        // Added tokens past vocab.json are decoded as separate pieces; the others as words.
        let spaced = if id >= base {
            format!(" {content} ")
        } else {
            format!("{content} ")
        };
        steps.push(DecoderWrapper::Replace(replace(
            ReplacePattern::String(content.to_owned()),
            &spaced,
        )?));
    }
    steps.push(DecoderWrapper::Fuse(Fuse::new()));
    steps.push(DecoderWrapper::Replace(replace(
        ReplacePattern::Regex(" {2,}".to_owned()),
        " ",
    )?));
    steps.push(DecoderWrapper::Replace(replace(
        ReplacePattern::Regex(r"^\s+|\s+$".to_owned()),
        "",
    )?));
    Ok(DecoderWrapper::Sequence(DecoderSequence::new(steps)))
}

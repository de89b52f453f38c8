//! The WordPiece tokenizer of a BERT model folder, through the `tokenizers` crate: the folder's
//! `tokenizer.json` when present, otherwise HF's `BertTokenizer` pipeline built from `vocab.txt`
//! (BERT normaliser with `do_lower_case` from `tokenizer_config.json`, BERT pre-tokeniser,
//! WordPiece, `[CLS] ... [SEP]`).
//!
//! Encoding follows bert-score's `sent_encode`: the text is stripped, special tokens are added and
//! the ids are truncated to `model_max_length` (from `tokenizer_config.json`, capped at the model's
//! positions), keeping the final `[SEP]`; an empty text gives `[CLS] [SEP]`.

use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;
use tokenizers::TruncationParams;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;

use crate::error::Error;

/// A BERT WordPiece tokenizer. Build it with [BertTokenizer::from_dir].
#[derive(Clone, Debug)]
pub struct BertTokenizer {
    inner: Tokenizer,
    path: PathBuf,
    cls_id: u32,
    sep_id: u32,
    max_length: usize,
}

/// The settings of `tokenizer_config.json` that matter here (all optional).
struct TokenizerSettings {
    do_lower_case: bool,
    model_max_length: Option<usize>,
    cls_token: String,
    sep_token: String,
    unk_token: String,
}

impl TokenizerSettings {
    fn read(dir: &Path) -> Result<Self, Error> {
        let path = dir.join("tokenizer_config.json");
        let json: serde_json::Value = if path.exists() {
            crate::json_config::read_json(&path)?
        } else {
            serde_json::Value::Null
        };
        let token = |key: &str, default: &str| match &json[key] {
            serde_json::Value::String(s) => s.clone(),
            // Newer files store special tokens as `{"content": "[CLS]", ...}`.
            serde_json::Value::Object(o) => o
                .get("content")
                .and_then(|c| c.as_str())
                .unwrap_or(default)
                .to_string(),
            _ => default.to_string(),
        };
        Ok(Self {
            do_lower_case: json["do_lower_case"].as_bool().unwrap_or(true),
            // HF writes a huge float (1e30) when there is no limit: keep only usable values.
            model_max_length: json["model_max_length"]
                .as_f64()
                .filter(|v| *v >= 2.0 && *v < 1e9)
                .map(|v| v as usize),
            cls_token: token("cls_token", "[CLS]"),
            sep_token: token("sep_token", "[SEP]"),
            unk_token: token("unk_token", "[UNK]"),
        })
    }
}

impl BertTokenizer {
    /// Loads the tokenizer of the model folder `dir` (`tokenizer.json`, or `vocab.txt` plus the
    /// optional `tokenizer_config.json`); encodings are truncated to `max_positions` tokens or the
    /// folder's `model_max_length`, whichever is smaller.
    ///
    /// # Errors
    /// [Error::MissingModelFile] when the folder has neither file, [Error::Tokenizer] when a file is
    /// malformed or lacks the `[CLS]`/`[SEP]` tokens, [Error::ConfigParse] for a malformed
    /// `tokenizer_config.json`.
    pub fn from_dir(dir: impl AsRef<Path>, max_positions: usize) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let settings = TokenizerSettings::read(dir)?;
        let json_path = dir.join("tokenizer.json");
        let vocab_path = dir.join("vocab.txt");
        let tok_err = |path: &Path, message: String| Error::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        let (mut inner, path) = if json_path.is_file() {
            let inner =
                Tokenizer::from_file(&json_path).map_err(|e| tok_err(&json_path, e.to_string()))?;
            (inner, json_path)
        } else if vocab_path.is_file() {
            let path_str = vocab_path.to_string_lossy().into_owned();
            let wordpiece = WordPiece::from_file(&path_str)
                .unk_token(settings.unk_token.clone())
                .build()
                .map_err(|e| tok_err(&vocab_path, e.to_string()))?;
            let mut inner = Tokenizer::new(wordpiece);
            inner
                .with_normalizer(Some(BertNormalizer::new(
                    true,
                    true,
                    None,
                    settings.do_lower_case,
                )))
                .map_err(|e| tok_err(&vocab_path, e.to_string()))?;
            inner.with_pre_tokenizer(Some(BertPreTokenizer));
            (inner, vocab_path)
        } else {
            return Err(Error::MissingModelFile {
                dir: dir.to_path_buf(),
                expected: "tokenizer.json or vocab.txt".into(),
            });
        };
        let id = |token: &str| {
            inner.token_to_id(token).ok_or_else(|| {
                tok_err(
                    &path,
                    format!("the vocabulary lacks the special token {token:?}"),
                )
            })
        };
        let cls_id = id(&settings.cls_token)?;
        let sep_id = id(&settings.sep_token)?;
        if path.ends_with("vocab.txt") {
            inner.with_post_processor(Some(BertProcessing::new(
                (settings.sep_token.clone(), sep_id),
                (settings.cls_token.clone(), cls_id),
            )));
        }
        let max_length = settings
            .model_max_length
            .map_or(max_positions, |m| m.min(max_positions))
            .max(2);
        inner
            .with_truncation(Some(TruncationParams {
                max_length,
                ..TruncationParams::default()
            }))
            .map_err(|e| tok_err(&path, e.to_string()))?;
        inner.with_padding(None);
        Ok(Self {
            inner,
            path,
            cls_id,
            sep_id,
            max_length,
        })
    }

    /// The ids of `text` (stripped), with `[CLS]` and `[SEP]`, at most [BertTokenizer::max_length].
    ///
    /// # Errors
    /// [Error::Tokenizer] if the tokenizer fails on the text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, Error> {
        let encoding = self
            .inner
            .encode(text.trim(), true)
            .map_err(|e| Error::Tokenizer {
                path: self.path.clone(),
                message: format!("encoding {text:?}: {e}"),
            })?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Id of the `[CLS]` token.
    pub fn cls_id(&self) -> u32 {
        self.cls_id
    }

    /// Id of the `[SEP]` token.
    pub fn sep_id(&self) -> u32 {
        self.sep_id
    }

    /// The longest encoding, special tokens included.
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}

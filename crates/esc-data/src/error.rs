//! The crate's error type: every reading failure names the file, the record (line of a
//! jsonl file, or dialog index of a JSON array), the turn and field where known, and
//! what was expected.

use std::fmt;
use std::path::PathBuf;

/// Where in the input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file being read.
    pub path: PathBuf,
    /// The record inside the file.
    pub record: Record,
    /// The turn index inside the dialog (0-based), when the problem is in a turn.
    pub turn: Option<usize>,
}

/// A record inside a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// The whole file.
    File,
    /// A line of a jsonl file (1-based, as editors count).
    Line(usize),
    /// A dialog of a JSON array (0-based index into the array).
    Dialog(usize),
}

impl Location {
    /// A location covering a whole file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            record: Record::File,
            turn: None,
        }
    }

    /// The same location narrowed to a record.
    pub fn record(&self, record: Record) -> Self {
        Self {
            path: self.path.clone(),
            record,
            turn: None,
        }
    }

    /// The same location narrowed to a turn.
    pub fn turn(&self, turn: usize) -> Self {
        Self {
            turn: Some(turn),
            ..self.clone()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        match self.record {
            Record::File => {}
            Record::Line(line) => write!(f, ", line {line}")?,
            Record::Dialog(index) => write!(f, ", dialog {index}")?,
        }
        if let Some(turn) = self.turn {
            write!(f, ", turn {turn}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while reading or preparing ESConv data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not UTF-8.
    #[error("{location}: expected UTF-8 text, found an invalid byte at byte {byte} of the record")]
    NotUtf8 {
        /// Where.
        location: Location,
        /// Offset of the first invalid byte inside the record (line or file).
        byte: usize,
    },
    /// The record is not valid JSON.
    #[error("{location}: invalid JSON: {source}")]
    Json {
        /// Where.
        location: Location,
        /// The parser's message (with its own line and column inside the record).
        #[source]
        source: serde_json::Error,
    },
    /// A required field is absent or `null`.
    #[error("{location}: missing field `{field}`: expected {expected}")]
    MissingField {
        /// Where.
        location: Location,
        /// The field name.
        field: &'static str,
        /// What the field should hold.
        expected: &'static str,
    },
    /// A field holds a value of the wrong kind.
    #[error("{location}: field `{field}`: expected {expected}, found {found}")]
    InvalidField {
        /// Where.
        location: Location,
        /// The field name.
        field: &'static str,
        /// What the field should hold.
        expected: &'static str,
        /// A short rendering of what it holds.
        found: String,
    },
    /// The speaker is none of the known names.
    #[error("{location}: field `speaker`: unknown speaker {found:?}; expected {expected}")]
    UnknownSpeaker {
        /// Where.
        location: Location,
        /// The speaker as written.
        found: String,
        /// The accepted names for this format.
        expected: &'static str,
    },
    /// The strategy names none of the eight ESConv strategies.
    #[error("{location}: field `{field}`: {source}")]
    UnknownStrategy {
        /// Where.
        location: Location,
        /// The field holding the strategy.
        field: &'static str,
        /// The parse error (lists the accepted names).
        #[source]
        source: crate::UnknownStrategy,
    },
    /// The emotion names none of the ESConv emotion types.
    #[error("{location}: field `{field}`: {source}")]
    UnknownEmotion {
        /// Where.
        location: Location,
        /// The field holding the emotion.
        field: &'static str,
        /// The parse error (lists the accepted names).
        #[source]
        source: crate::UnknownEmotion,
    },
    /// A supporter turn has no strategy annotation.
    #[error(
        "{location}: supporter turn without a strategy: expected field `{field}` with one of the 8 ESConv strategies"
    )]
    MissingStrategy {
        /// Where.
        location: Location,
        /// The field that should hold the strategy.
        field: &'static str,
    },
    /// The dialog has no turns.
    #[error("{location}: empty dialog: expected at least one turn in `{field}`")]
    EmptyDialog {
        /// Where.
        location: Location,
        /// The field holding the turns.
        field: &'static str,
    },
    /// A supporter turn of an in-memory dialog has no strategy (example building needs
    /// the strategy token).
    #[error(
        "dialog {dialog}, turn {turn}: supporter turn without a strategy: expected `strategy: Some(..)`"
    )]
    UnannotatedTurn {
        /// Index of the dialog in the slice given to example building.
        dialog: usize,
        /// Index of the turn.
        turn: usize,
    },
    /// Knowledge text of an in-memory dialog that does not parse (example building; files
    /// are checked when read, with [`Error::InvalidField`]).
    #[error("dialog {dialog}, {source}")]
    InvalidKnowledge {
        /// Index of the dialog in the slice given to example building.
        dialog: usize,
        /// The turn, field and problem.
        #[source]
        source: crate::KnowledgeError,
    },
    /// Knowledge needs a type token the tokenizer does not have.
    #[error(
        "knowledge type token {token} is not in the vocabulary: expected a tokenizer with esc_data::KNOWLEDGE_TOKENS added"
    )]
    MissingKnowledgeToken {
        /// The token.
        token: String,
    },
    /// A split file holds no dialog at all.
    #[error("{location}: no dialogs: expected at least one record")]
    EmptyFile {
        /// Where.
        location: Location,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_names_file_record_and_turn() {
        let loc = Location::file("data/train.jsonl")
            .record(Record::Line(12))
            .turn(3);
        assert_eq!(loc.to_string(), "data/train.jsonl, line 12, turn 3");
        let loc = Location::file("ESConv.json").record(Record::Dialog(7));
        assert_eq!(loc.to_string(), "ESConv.json, dialog 7");
    }
}

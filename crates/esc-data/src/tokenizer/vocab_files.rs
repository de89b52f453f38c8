//! Reading `vocab.json` and `merges.txt` the way the slow tokenizer reads them.

use std::fmt;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};

use super::error::TokenizerError;
use super::pystr::is_py_space;

/// Reads a file as UTF-8, naming the first line with an invalid byte.
pub(crate) fn read_utf8(path: &Path) -> Result<String, TokenizerError> {
    let bytes = std::fs::read(path).map_err(|e| TokenizerError::io(path, e))?;
    utf8(&bytes, path).map(str::to_owned)
}

/// `bytes` as UTF-8; `path` names the source in the error, with the line of the first invalid
/// byte.
pub(crate) fn utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, TokenizerError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        TokenizerError::NotUtf8 {
            path: path.to_owned(),
            line,
        }
    })
}

/// `vocab.json`: token -> id, in file order.
///
/// Python's `json.load` keeps the last of duplicate keys silently; a duplicate is rejected here
/// because such a vocabulary is ambiguous.
pub(crate) fn parse_vocab(text: &str, path: &Path) -> Result<Vec<(String, u32)>, TokenizerError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = (&mut de)
        .deserialize_map(OrderedVocab)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| TokenizerError::Vocab {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    Ok(entries)
}

struct OrderedVocab;

impl<'de> Visitor<'de> for OrderedVocab {
    type Value = Vec<(String, u32)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object mapping tokens to u32 ids")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut entries = Vec::new();
        while let Some((token, id)) = map.next_entry::<String, u32>()? {
            if !seen.insert(token.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate token {token:?}"
                )));
            }
            entries.push((token, id));
        }
        Ok(entries)
    }
}

/// `merges.txt` as `merges_handle.read().split("\n")[1:-1]`, each line `merge.split()`.
///
/// Like Python, the first line (the `#version` header) and whatever follows the last newline are
/// dropped, and a later duplicate of a merge takes the later rank. Unlike Python, a line that is
/// not exactly two symbols is an error (Python would keep a pair that can never match).
pub(crate) fn parse_merges(
    text: &str,
    path: &Path,
) -> Result<Vec<(String, String)>, TokenizerError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let header = lines[0];
    if !header.starts_with('#') {
        return Err(TokenizerError::MergesHeader {
            path: path.to_owned(),
            found: header.chars().take(80).collect(),
        });
    }
    let body = if lines.len() >= 2 {
        &lines[1..lines.len() - 1]
    } else {
        &[][..]
    };
    body.iter()
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.split(is_py_space).filter(|p| !p.is_empty());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), None) => Ok((a.to_owned(), b.to_owned())),
                _ => Err(TokenizerError::Merge {
                    path: path.to_owned(),
                    line: i + 2,
                    found: line.chars().take(80).collect(),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_keeps_file_order_and_rejects_bad_input() {
        let p = Path::new("v.json");
        let v = parse_vocab("{\"b\": 1, \"a\": 0}", p).unwrap();
        assert_eq!(v, vec![("b".to_owned(), 1), ("a".to_owned(), 0)]);
        for (bad, line) in [
            ("{\"a\": 0,\n \"a\": 1}", 2),
            ("{\"a\": -1}", 1),
            ("{\"a\": 0,\n\n \"b\": \"x\"}", 3),
            ("[1, 2]", 1),
            ("{\"a\": 0} x", 1),
            ("{\"a\": 0,", 1),
        ] {
            match parse_vocab(bad, p) {
                Err(TokenizerError::Vocab { line: l, .. }) => assert_eq!(l, line, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn merges_skip_header_and_last_line() {
        let p = Path::new("m.txt");
        let m = parse_merges("#version: 0.2\na b\nc  d\r\nlast", p).unwrap();
        assert_eq!(m, vec![("a".into(), "b".into()), ("c".into(), "d".into())]);
        assert!(parse_merges("#v\n", p).unwrap().is_empty());
        assert!(matches!(
            parse_merges("a b\n", p),
            Err(TokenizerError::MergesHeader { .. })
        ));
        assert!(matches!(
            parse_merges("#v\na b\nc\n", p),
            Err(TokenizerError::Merge { line: 3, .. })
        ));
    }
}

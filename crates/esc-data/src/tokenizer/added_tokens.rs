//! Added tokens and the trie that splits text on them, ported from transformers 4.57.1
//! (`tokenization_utils.py`: `Trie.split`, `PreTrainedTokenizer._add_tokens`).
//!
//! Added tokens are matched case-sensitively anywhere in the text, before any other processing,
//! even inside words (`x[Question]y` gives `x`, `[Question]`, `y`). They are added the way
//! `add_tokens(tokens, special_tokens=...)` adds plain strings: no lstrip/rstrip/single-word.

use std::collections::HashMap;

/// One added token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddedToken {
    /// The text the token matches.
    pub content: String,
    /// Its id.
    pub id: u32,
    /// Added as a special token (skipped by `skip_special_tokens`).
    pub special: bool,
}

/// The added tokens of a tokenizer and the trie over their contents.
#[derive(Debug, Clone, Default)]
pub(crate) struct AddedTokens {
    tokens: Vec<AddedToken>,
    by_content: HashMap<String, u32>,
    by_id: HashMap<u32, usize>,
    trie: Trie,
}

impl AddedTokens {
    /// Registers `content` at `id` (the caller decides the id as transformers does).
    pub fn insert(&mut self, content: &str, id: u32, special: bool) {
        self.by_content.insert(content.to_owned(), id);
        self.by_id.insert(id, self.tokens.len());
        self.tokens.push(AddedToken {
            content: content.to_owned(),
            id,
            special,
        });
        self.trie.add(content);
    }

    /// Id of the added token whose content is exactly `content`.
    pub fn id(&self, content: &str) -> Option<u32> {
        self.by_content.get(content).copied()
    }

    /// The added token with this id.
    pub fn by_id(&self, id: u32) -> Option<&AddedToken> {
        self.by_id.get(&id).map(|&i| &self.tokens[i])
    }

    /// All added tokens in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &AddedToken> {
        self.tokens.iter()
    }

    /// `Trie.split`: `text` cut at the added tokens found in it (longest match first).
    pub fn split<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.trie.split(text)
    }
}

#[derive(Debug, Clone, Default)]
struct Node {
    children: HashMap<char, usize>,
    terminal: bool,
}

/// A character trie; node 0 is the root.
#[derive(Debug, Clone)]
struct Trie {
    nodes: Vec<Node>,
}

impl Default for Trie {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
        }
    }
}

impl Trie {
    fn add(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        let mut node = 0;
        for c in word.chars() {
            node = match self.nodes[node].children.get(&c) {
                Some(&next) => next,
                None => {
                    self.nodes.push(Node::default());
                    let next = self.nodes.len() - 1;
                    self.nodes[node].children.insert(c, next);
                    next
                }
            };
        }
        self.nodes[node].terminal = true;
    }

    fn child(&self, node: usize, c: char) -> Option<usize> {
        self.nodes[node].children.get(&c).copied()
    }

    /// A line-by-line port of `Trie.split` (indices are in characters, as in Python), including
    /// its lookahead for longer matches that start earlier.
    fn split<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let root = &self.nodes[0];
        // Fast path: no character of the text can start an added token.
        if root.children.is_empty() || !text.chars().any(|c| root.children.contains_key(&c)) {
            return if text.is_empty() { vec![] } else { vec![text] };
        }
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let n = chars.len();
        // (start, trie node) of the partial matches, in insertion order (Python's OrderedDict).
        let mut states: Vec<(usize, usize)> = Vec::new();
        let mut offsets = vec![0usize];
        let mut skip = 0usize;
        for current in 0..n {
            if current < skip {
                continue;
            }
            let current_char = chars[current].1;
            let mut to_remove: Vec<usize> = Vec::new();
            let mut reset = false;
            for idx in 0..states.len() {
                let (state_start, pointer) = states[idx];
                if self.nodes[pointer].terminal {
                    // A full match: look ahead for a longer match starting at or before it.
                    let mut start = state_start;
                    let mut end = current;
                    for &(lookstart, look_pointer) in &states {
                        if lookstart > start {
                            break;
                        }
                        let mut lookahead_index;
                        if lookstart < start {
                            // Earlier states were already advanced past `current`.
                            lookahead_index = current + 1;
                            end = current + 1;
                        } else {
                            lookahead_index = current;
                            end = current;
                        }
                        let mut look_pointer = look_pointer;
                        let mut next_char = chars.get(lookahead_index).map(|&(_, c)| c);
                        if self.nodes[look_pointer].terminal {
                            start = lookstart;
                            end = lookahead_index;
                            skip = lookahead_index;
                        }
                        while let Some(next) = next_char.and_then(|c| self.child(look_pointer, c)) {
                            look_pointer = next;
                            lookahead_index += 1;
                            if self.nodes[look_pointer].terminal {
                                start = lookstart;
                                end = lookahead_index;
                                skip = lookahead_index;
                            }
                            if lookahead_index == n {
                                break;
                            }
                            next_char = Some(chars[lookahead_index].1);
                        }
                    }
                    offsets.push(start);
                    offsets.push(end);
                    reset = true;
                    break;
                } else if let Some(next) = self.child(pointer, current_char) {
                    states[idx].1 = next;
                } else {
                    to_remove.push(state_start);
                }
            }
            if reset {
                states.clear();
            } else {
                states.retain(|(start, _)| !to_remove.contains(start));
            }
            if current >= skip
                && let Some(next) = self.child(0, current_char)
            {
                states.push((current, next));
            }
        }
        if let Some(&(start, _)) = states.iter().find(|(_, p)| self.nodes[*p].terminal) {
            offsets.push(start);
            offsets.push(n);
        }
        cut_text(text, &chars, offsets)
    }
}

/// `Trie.cut_text`: the pieces between consecutive offsets (character indices).
fn cut_text<'a>(text: &'a str, chars: &[(usize, char)], mut offsets: Vec<usize>) -> Vec<&'a str> {
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    offsets.push(chars.len());
    let mut pieces = Vec::new();
    let mut start = 0;
    for end in offsets {
        // Python logs "There was a bug in Trie algorithm" and skips such an offset.
        if start >= end {
            continue;
        }
        pieces.push(&text[byte(start)..byte(end)]);
        start = end;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(words: &[&str]) -> Trie {
        let mut t = Trie::default();
        for w in words {
            t.add(w);
        }
        t
    }

    // The examples of the `Trie.split` docstring and unit tests in transformers.
    #[test]
    fn splits_like_the_python_docstring() {
        let t = trie(&["[CLS]", "extra_id_1", "extra_id_100"]);
        assert_eq!(
            t.split("[CLS] This is a extra_id_100"),
            vec!["[CLS]", " This is a ", "extra_id_100"]
        );
        let t = trie(&["A", "BC"]);
        assert_eq!(t.split("ABC"), vec!["A", "BC"]);
        assert_eq!(t.split("BCA"), vec!["BC", "A"]);
        let t = trie(&["ABC", "B", "CD"]);
        assert_eq!(t.split("ABCD"), vec!["ABC", "D"]);
        let t = trie(&["blowing", "lower"]);
        assert_eq!(t.split("blower"), vec!["b", "lower"]);
        let t = trie(&["AB", "B", "C"]);
        assert_eq!(t.split("ABC"), vec!["AB", "C"]);
        let t = trie(&["TOKEN]", "[SPECIAL_TOKEN]"]);
        assert_eq!(
            t.split("This is something [SPECIAL_TOKEN]"),
            vec!["This is something ", "[SPECIAL_TOKEN]"]
        );
    }

    #[test]
    fn empty_and_unicode_text() {
        let t = trie(&["[Q]"]);
        assert!(t.split("").is_empty());
        assert_eq!(t.split("é[Q]ü"), vec!["é", "[Q]", "ü"]);
        assert_eq!(t.split("[Q"), vec!["[Q"]);
    }
}

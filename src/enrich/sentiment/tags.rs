//! News tags (`concern`, `urgency`, `optimism`, `escalation`, `de-escalation`, ... — whatever
//! `config/sentiment/tags.tsv` lists): one Aho-Corasick automaton over every term, matched
//! case-insensitively on word bounds in one pass. A tag needs one match in a text of up to
//! [`SHORT_TEXT`] words and two in a longer one; a match right after a negator ("no
//! escalation") does not count.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::lexicon::{data_lines, fold, required, Lexicon, UNKNOWN};
use crate::enrich::{DictionaryError, DictionarySources};

/// Texts of up to this many words need one matching term per tag; longer ones two.
pub const SHORT_TEXT: usize = 150;

/// The compiled tag lexicons.
pub(crate) struct Tagger {
    /// Tag names, in order of first appearance in the file (the output order).
    names: Vec<String>,
    /// Tag indices of each pattern (a term may support several tags: "truce").
    pattern_tags: Vec<Vec<usize>>,
    /// All terms.
    automaton: Option<AhoCorasick>,
}

impl Tagger {
    /// Compile `sentiment/tags.tsv` (`tag<TAB>term`).
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        let file = "sentiment/tags.tsv";
        let mut names: Vec<String> = Vec::new();
        let mut pattern_tags: Vec<Vec<usize>> = Vec::new();
        let mut terms: Vec<String> = Vec::new();
        for (n, line) in data_lines(required(sources, file)?) {
            let mut f = line.split('\t');
            let (Some(tag), Some(term)) = (f.next(), f.next()) else {
                return Err(DictionaryError {
                    file: file.into(),
                    line: n,
                    message: "expected tag<TAB>term".into(),
                });
            };
            let (tag, term) = (tag.trim(), term.trim());
            if tag.is_empty() || term.is_empty() {
                return Err(DictionaryError {
                    file: file.into(),
                    line: n,
                    message: "empty tag or term".into(),
                });
            }
            let k = match names.iter().position(|t| t == tag) {
                Some(k) => k,
                None => {
                    names.push(tag.to_string());
                    names.len() - 1
                }
            };
            let term = term.to_lowercase();
            match terms.iter().position(|t| *t == term) {
                Some(p) => pattern_tags[p].push(k),
                None => {
                    terms.push(term);
                    pattern_tags.push(vec![k]);
                }
            }
        }
        let automaton = if terms.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&terms)
                    .map_err(|e| DictionaryError {
                        file: file.into(),
                        line: 0,
                        message: e.to_string(),
                    })?,
            )
        };
        Ok(Tagger {
            names,
            pattern_tags,
            automaton,
        })
    }

    /// Append the tags `text` supports to `out`.
    pub fn tag(&self, lex: &Lexicon, text: &str, word_count: usize, out: &mut Vec<String>) {
        let Some(ac) = &self.automaton else {
            return;
        };
        let need = if word_count <= SHORT_TEXT { 1 } else { 2 };
        let mut counts = vec![0usize; self.names.len()];
        let bytes = text.as_bytes();
        for m in ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            let before = text[..s].chars().next_back();
            let after = text[e..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            if preceded_by_negator(lex, bytes, s) {
                continue;
            }
            for &t in &self.pattern_tags[m.pattern().as_usize()] {
                counts[t] += 1;
            }
        }
        for (name, &c) in self.names.iter().zip(&counts) {
            if c >= need {
                out.push(name.clone());
            }
        }
    }
}

/// Whether the word before byte `s` is a negator ("no", "not", "without", "n't").
fn preceded_by_negator(lex: &Lexicon, bytes: &[u8], s: usize) -> bool {
    let mut e = s;
    while e > 0 && bytes[e - 1] == b' ' {
        e -= 1;
    }
    let mut b = e;
    while b > 0 && (bytes[b - 1].is_ascii_alphabetic() || bytes[b - 1] == b'\'') {
        b -= 1;
    }
    if b == e {
        return false;
    }
    let mut buf = [0u8; 48];
    let Some(w) = fold(&bytes[b..e], &mut buf) else {
        return false;
    };
    if w == b"no" || w.ends_with(b"n't") {
        return true;
    }
    let id = lex.id(w);
    id != UNKNOWN && lex.info(id).negator != 0.0
}

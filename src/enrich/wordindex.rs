//! Where a dictionary match can start, found by the text's words: the index behind
//! [`super::lexicon::Lexicon::scan`].
//!
//! Every pattern is filed under its first word (its leading run of letters and digits,
//! ASCII-lower-cased). At a word start in the text the scanner hashes the word it is reading
//! anyway, and:
//! - a word no pattern begins with (most words) costs one probe of a small filter;
//! - a word few patterns begin with ("geneva", "foreign", "talks") has its candidates compared
//!   directly against the text, longest first;
//! - a word hundreds of patterns begin with ("al", "san", "saint") is handed to an
//!   Aho-Corasick automaton built over those patterns only.
//!
//! Either way the result is the longest pattern matching at that start, compared ignoring ASCII
//! case, as one anchored leftmost-longest automaton over every pattern would give. The
//! automaton over all 45,000 patterns that this replaces took most of the start-up time and,
//! being tens of megabytes, missed the cache on nearly every step.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

/// Candidate lists longer than this go to the automaton.
const MAX_DIRECT: usize = 24;

/// Bits of the first-word filter (64 KiB: stays in the cache).
const FILTER_BITS: usize = 1 << 19;

/// Hash of a first word, fed one ASCII-lower-cased byte at a time.
#[derive(Clone, Copy)]
pub(crate) struct WordHash(u64);

impl WordHash {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    #[inline]
    pub(crate) fn new() -> Self {
        WordHash(0)
    }

    /// Add one byte (ASCII bytes lower-cased here).
    #[inline]
    pub(crate) fn push(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(Self::K);
    }

    /// The finished key: never 0 (the empty slot of the table).
    #[inline]
    fn key(self) -> u64 {
        let x = self.0 ^ (self.0 >> 29);
        x.wrapping_mul(0xbf58_476d_1ce4_e5b9) | 1
    }
}

/// What is filed under one first word.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// First candidate in `candidates`.
    start: u32,
    /// Number of candidates; 0 when the automaton handles this word.
    len: u32,
    /// Whether any of the patterns may match text whose first letter is lower case.
    lower_ok: bool,
}

/// The first-word index over every pattern.
pub(crate) struct WordIndex {
    /// Bit per `key % FILTER_BITS` of every first word filed.
    filter: Vec<u64>,
    /// The same for first words of patterns that may match lower-case text: most words of a
    /// text are lower case, and most first words (of place names) are not.
    lower_filter: Vec<u64>,
    /// Open-addressing table, key 0 = empty, capacity a power of two.
    table: Vec<(u64, Slot)>,
    /// Pattern ids grouped per first word, longest pattern first.
    candidates: Vec<u32>,
    /// Pattern bytes (lower-cased) of pattern `id`: `bytes[offsets[id]..offsets[id + 1]]`.
    bytes: Vec<u8>,
    offsets: Vec<u32>,
    /// Automaton over the patterns of crowded first words, and its pattern ids -> ours.
    automaton: Option<AhoCorasick>,
    automaton_ids: Vec<u32>,
}

/// Is this char part of a word (a letter or digit)?
#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The first word of a pattern, if it starts with one.
fn first_word(pattern: &str) -> Option<&str> {
    let end = pattern
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(pattern.len(), |(i, _)| i);
    (end > 0).then(|| &pattern[..end])
}

fn hash_of(word: &str) -> WordHash {
    let mut h = WordHash::new();
    for &b in word.as_bytes() {
        h.push(b);
    }
    h
}

impl WordIndex {
    /// Index `patterns` (ASCII-lower-cased, de-duplicated); `lower_ok[id]` says whether pattern
    /// `id` may match text starting with a lower-case letter. Patterns that do not start with a
    /// letter or digit can never match at a word start and are left out.
    pub(crate) fn new(patterns: &[String], lower_ok: &[bool]) -> Result<Self, String> {
        let mut bytes = Vec::new();
        let mut offsets = Vec::with_capacity(patterns.len() + 1);
        offsets.push(0u32);
        for p in patterns {
            bytes.extend_from_slice(p.as_bytes());
            offsets.push(bytes.len() as u32);
        }
        // Group by first word (by hash: two words sharing a hash share a list, which only
        // costs comparisons).
        let mut groups: Vec<(u64, u32)> = patterns
            .iter()
            .enumerate()
            .filter_map(|(id, p)| first_word(p).map(|w| (hash_of(w).key(), id as u32)))
            .collect();
        groups.sort_by_key(|&(key, id)| (key, std::cmp::Reverse(patterns[id as usize].len())));
        let mut filter = vec![0u64; FILTER_BITS / 64];
        let mut lower_filter = vec![0u64; FILTER_BITS / 64];
        let mut slots: Vec<(u64, Slot)> = Vec::new();
        let mut candidates = Vec::new();
        let mut crowded = Vec::new();
        for group in groups.chunk_by(|a, b| a.0 == b.0) {
            let key = group[0].0;
            let k = key as usize % FILTER_BITS;
            filter[k / 64] |= 1 << (k % 64);
            let lower = group.iter().any(|&(_, id)| lower_ok[id as usize]);
            if lower {
                lower_filter[k / 64] |= 1 << (k % 64);
            }
            let slot = if group.len() > MAX_DIRECT {
                crowded.extend(group.iter().map(|&(_, id)| id));
                Slot {
                    start: 0,
                    len: 0,
                    lower_ok: lower,
                }
            } else {
                let start = candidates.len() as u32;
                candidates.extend(group.iter().map(|&(_, id)| id));
                Slot {
                    start,
                    len: group.len() as u32,
                    lower_ok: lower,
                }
            };
            slots.push((key, slot));
        }
        let capacity = (slots.len() * 2).next_power_of_two().max(16);
        let mut table = vec![(0u64, Slot::default()); capacity];
        for (key, slot) in slots {
            let mut i = key as usize & (capacity - 1);
            while table[i].0 != 0 {
                i = (i + 1) & (capacity - 1);
            }
            table[i] = (key, slot);
        }
        let automaton = if crowded.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .start_kind(StartKind::Anchored)
                    .ascii_case_insensitive(true)
                    .build(crowded.iter().map(|&id| &patterns[id as usize]))
                    .map_err(|e| format!("cannot compile automaton: {e}"))?,
            )
        };
        Ok(WordIndex {
            filter,
            lower_filter,
            table,
            candidates,
            bytes,
            offsets,
            automaton,
            automaton_ids: crowded,
        })
    }

    fn slot(&self, h: WordHash, lower: bool) -> Option<Slot> {
        let key = h.key();
        let k = key as usize % FILTER_BITS;
        let filter = if lower {
            &self.lower_filter
        } else {
            &self.filter
        };
        if filter[k / 64] & (1 << (k % 64)) == 0 {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut i = key as usize & mask;
        loop {
            let (k, slot) = self.table[i];
            if k == key {
                return Some(slot);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The longest pattern matching `text` at byte `start`, whose first word (already hashed
    /// into `h`) begins there: (pattern id, end byte). `lower` says the text's first letter is
    /// a lower-case ASCII letter.
    #[inline]
    pub(crate) fn longest_at(
        &self,
        text: &str,
        start: usize,
        h: WordHash,
        lower: bool,
    ) -> Option<(u32, usize)> {
        let slot = self.slot(h, lower)?;
        if lower && !slot.lower_ok {
            return None;
        }
        let rest = &text.as_bytes()[start..];
        if slot.len == 0 {
            let automaton = self.automaton.as_ref()?;
            let input = Input::new(text).range(start..).anchored(Anchored::Yes);
            let m = automaton.find(input)?;
            return Some((self.automaton_ids[m.pattern().as_usize()], m.end()));
        }
        let ids = &self.candidates[slot.start as usize..(slot.start + slot.len) as usize];
        ids.iter().find_map(|&id| {
            let p = &self.bytes
                [self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize];
            (rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p))
                .then_some((id, start + p.len()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(patterns: &[&str]) -> WordIndex {
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        WordIndex::new(&p, &vec![true; p.len()]).expect("index")
    }

    fn at(ix: &WordIndex, text: &str, start: usize) -> Option<(u32, usize)> {
        let word_end = text[start..]
            .char_indices()
            .find(|&(_, c)| !is_word_char(c))
            .map_or(text.len(), |(i, _)| start + i);
        ix.longest_at(text, start, hash_of(&text[start..word_end]), false)
    }

    #[test]
    fn longest_pattern_wins_and_case_is_ignored() {
        let ix = index(&["foreign minister", "foreign", "geneva"]);
        assert_eq!(at(&ix, "the Foreign Minister said", 4), Some((0, 20)));
        assert_eq!(at(&ix, "the foreign office", 4), Some((1, 11)));
        assert_eq!(at(&ix, "in GENEVA", 3), Some((2, 9)));
        assert_eq!(at(&ix, "in Genoa", 3), None);
    }

    #[test]
    fn crowded_first_words_go_through_the_automaton() {
        // More than MAX_DIRECT patterns under "al", plus one under another word.
        let mut names: Vec<String> = (0..40).map(|i| format!("al-name{i}")).collect();
        names.push("al-name1 x".into());
        names.push("doha".into());
        let lower = vec![true; names.len()];
        let ix = WordIndex::new(&names, &lower).expect("index");
        assert!(ix.automaton.is_some());
        let text = "in al-Name1 x and al-name39, Doha";
        let h = |w: &str| hash_of(w);
        assert_eq!(ix.longest_at(text, 3, h("al"), false), Some((40, 13)));
        assert_eq!(ix.longest_at(text, 18, h("al"), false), Some((39, 27)));
        assert_eq!(ix.longest_at(text, 29, h("Doha"), false), Some((41, 33)));
    }

    #[test]
    fn lower_case_text_skips_words_only_capitalised_patterns_start() {
        let p = vec!["turkey".to_string()];
        let ix = WordIndex::new(&p, &[false]).expect("index");
        assert_eq!(
            ix.longest_at("ate turkey", 4, hash_of("turkey"), true),
            None
        );
        assert_eq!(
            ix.longest_at("in Turkey", 3, hash_of("Turkey"), false),
            Some((0, 9))
        );
    }

    #[test]
    fn patterns_without_a_first_word_are_left_out() {
        let ix = index(&["-x", "'s"]);
        assert!(ix.table.iter().all(|&(k, _)| k == 0));
    }
}

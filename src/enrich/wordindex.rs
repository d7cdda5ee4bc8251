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

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};

/// Candidate lists longer than this go to the automaton.
const MAX_DIRECT: usize = 24;

/// Bits of a first-word filter: 16 per word filed (about 5% false positives), at most 2^19
/// (64 KiB). The filter of the words lower-case text can match is much smaller (a few
/// thousand roles and trigger words) and stays in the first-level cache.
fn filter_bits(words: usize) -> usize {
    (words * 16).next_power_of_two().clamp(1 << 10, 1 << 19)
}

/// A bit set probed at [`WordHash::place`].
struct Filter {
    /// The bits, a power of two of them.
    words: Vec<u64>,
    /// Number of bits - 1, kept so that a probe is a mask, not a multiplication.
    mask: usize,
}

impl Filter {
    fn new(words: usize) -> Self {
        let bits = filter_bits(words);
        Filter {
            words: vec![0; bits / 64],
            mask: bits - 1,
        }
    }

    fn insert(&mut self, key: u32) {
        let k = WordHash::place(key, self.mask + 1);
        self.words[k / 64] |= 1 << (k % 64);
    }

    #[inline]
    fn may_contain(&self, key: u32) -> bool {
        let k = (key >> 1) as usize & self.mask;
        self.words
            .get(k / 64)
            .is_some_and(|w| w & (1 << (k % 64)) != 0)
    }
}

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
        self.push_folded(b.to_ascii_lowercase());
    }

    /// Add one byte that is already ASCII-lower-cased (or not ASCII): what [`WordHash::push`]
    /// does, for a reader that has the lower-cased byte at hand.
    #[inline]
    pub(crate) fn push_folded(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(Self::K);
    }

    /// The finished 32-bit key: odd, so never 0 (the empty entry of the table). Two words
    /// with the same key share an entry (their candidates are merged), which only costs
    /// comparisons.
    #[inline]
    fn key(self) -> u32 {
        let x = self.0 ^ (self.0 >> 29);
        (x.wrapping_mul(0xbf58_476d_1ce4_e5b9) >> 32) as u32 | 1
    }

    /// Where the key goes in a table or filter of `n` (a power of two) places.
    #[inline]
    fn place(key: u32, n: usize) -> usize {
        (key >> 1) as usize & (n - 1)
    }
}

/// What is filed under one first word, packed into 32 bits: the first candidate in
/// `candidates` (bits 0..20), the number of candidates (bits 20..26; 0 when the automaton
/// handles this word) and whether any of the patterns may match text whose first letter is
/// lower case (bit 26).
#[derive(Clone, Copy, Default)]
struct Slot(u32);

impl Slot {
    const START_BITS: u32 = 20;
    const LEN_BITS: u32 = 6;

    fn new(start: usize, len: usize, lower_ok: bool) -> Option<Self> {
        (start < 1 << Self::START_BITS && len < 1 << Self::LEN_BITS).then(|| {
            Slot(
                start as u32
                    | (len as u32) << Self::START_BITS
                    | u32::from(lower_ok) << (Self::START_BITS + Self::LEN_BITS),
            )
        })
    }

    fn start(self) -> usize {
        (self.0 & ((1 << Self::START_BITS) - 1)) as usize
    }

    fn len(self) -> usize {
        ((self.0 >> Self::START_BITS) & ((1 << Self::LEN_BITS) - 1)) as usize
    }

    fn lower_ok(self) -> bool {
        self.0 >> (Self::START_BITS + Self::LEN_BITS) & 1 == 1
    }
}

/// The first-word index over every pattern.
pub(crate) struct WordIndex {
    /// The key of every first word filed.
    filter: Filter,
    /// The same for first words of patterns that may match lower-case text: most words of a
    /// text are lower case, and most first words (of place names) are not.
    lower_filter: Filter,
    /// Open-addressing table of (key, slot), key 0 = empty, capacity a power of two: 8 bytes
    /// an entry, so it stays in the cache.
    table: Vec<(u32, Slot)>,
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
        // Group by the key of the first word.
        let mut groups: Vec<(u32, u32)> = patterns
            .iter()
            .enumerate()
            .filter_map(|(id, p)| first_word(p).map(|w| (hash_of(w).key(), id as u32)))
            .collect();
        groups.sort_by_key(|&(key, id)| (key, std::cmp::Reverse(patterns[id as usize].len())));
        let lower_of = |group: &[(u32, u32)]| group.iter().any(|&(_, id)| lower_ok[id as usize]);
        let by_word = || groups.chunk_by(|a, b| a.0 == b.0);
        let mut filter = Filter::new(by_word().count());
        let mut lower_filter = Filter::new(by_word().filter(|g| lower_of(g)).count());
        let mut slots: Vec<(u32, Slot)> = Vec::new();
        let mut candidates = Vec::new();
        let mut crowded = Vec::new();
        for group in by_word() {
            let key = group[0].0;
            filter.insert(key);
            let lower = lower_of(group);
            if lower {
                lower_filter.insert(key);
            }
            let (start, len) = if group.len() > MAX_DIRECT {
                crowded.extend(group.iter().map(|&(_, id)| id));
                (0, 0)
            } else {
                let start = candidates.len();
                candidates.extend(group.iter().map(|&(_, id)| id));
                (start, group.len())
            };
            let slot = Slot::new(start, len, lower)
                .ok_or_else(|| format!("too many patterns to index ({})", patterns.len()))?;
            slots.push((key, slot));
        }
        let capacity = (slots.len() + slots.len() / 2).next_power_of_two().max(16);
        let mut table = vec![(0u32, Slot::default()); capacity];
        for (key, slot) in slots {
            let mut i = WordHash::place(key, capacity);
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
                    // A few thousand patterns: a full DFA (one table step per byte) stays
                    // small, and "the" alone reaches it on every occurrence.
                    .kind(Some(AhoCorasickKind::DFA))
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
        let filter = if lower {
            &self.lower_filter
        } else {
            &self.filter
        };
        if !filter.may_contain(key) {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut i = WordHash::place(key, self.table.len());
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
        if lower && !slot.lower_ok() {
            return None;
        }
        let rest = &text.as_bytes()[start..];
        if slot.len() == 0 {
            let automaton = self.automaton.as_ref()?;
            let input = Input::new(text).range(start..).anchored(Anchored::Yes);
            let m = automaton.find(input)?;
            return Some((self.automaton_ids[m.pattern().as_usize()], m.end()));
        }
        let ids = &self.candidates[slot.start()..slot.start() + slot.len()];
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

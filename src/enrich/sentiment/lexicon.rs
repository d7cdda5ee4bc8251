//! The compiled sentiment lexicon: every word the scorer knows (VADER valences, news
//! additions, boosters, negators, contrast words, hedges, clause breakers) in one look-up
//! table built once, together with the cue words of the targeted model (one look-up per word
//! of a text gives both), plus the multi-word phrases keyed by word ids.
//!
//! Files (all under `config/sentiment/`, formats in its README):
//! `vader_lexicon.txt`, `news_lexicon.tsv`, `rules.tsv`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::text::flag;
use crate::enrich::{DictionaryError, DictionarySources};

/// Fx-style hash (rustc's), eight bytes at a time: the lexicon keys are short words, for
/// which SipHash costs more than the lookup itself.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

const FX_K: u64 = 0x517c_c1b7_2722_0a95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// Hash map with the Fx-style hasher.
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Word id of a word the lexicon does not know.
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// What the scorer knows about one word (lowercase).
#[derive(Debug, Clone, Default)]
pub(crate) struct WordInfo {
    /// Valence on VADER's -4..4 scale, if the word carries sentiment by itself.
    pub valence: Option<f32>,
    /// Booster / dampener increment (VADER's B_INCR / B_DECR), 0 if none.
    pub booster: f32,
    /// Negation scalar (VADER's N_SCALAR), 0 if the word does not negate.
    pub negator: f32,
    /// Weight of the words after a contrast word ("but"), 0 if none.
    pub contrast: f32,
    /// Weight of the words from a concessive word ("although") to the clause end, 0 if none.
    pub concessive: f32,
    /// Factor on sentiment words right after a hedge ("allegedly"), 0 if none.
    pub hedge: f32,
    /// Starts a new clause for targeted sentiment ("and", "who", "said").
    pub breaker: bool,
    /// First word of a multi-word phrase in the lexicon.
    pub phrase_start: bool,
    /// The word's classes as token flags (`flag::CONTRAST`, ...: the fields above that are
    /// not zero), for the tokenizer to copy onto its tokens.
    pub classes: u16,
}

/// Ids of the words VADER's rules test by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Special {
    pub no: u32,
    pub kind: u32,
    pub of: u32,
    pub least: u32,
    pub at: u32,
    pub very: u32,
    pub never: u32,
    pub so: u32,
    pub this: u32,
    pub without: u32,
    pub doubt: u32,
    pub or: u32,
    pub nor: u32,
    pub said: u32,
    pub says: u32,
    pub according: u32,
    pub to: u32,
    pub also: u32,
    pub only: u32,
    pub sort: u32,
}

/// Named numeric parameters of the scorer (`param` lines of `rules.tsv`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    /// Weight of sentiment words inside quotation marks, for document tone.
    pub quote_weight: f32,
    /// Factor on a positive word alone in quotes (scare quotes).
    pub scare_quote_weight: f32,
    /// Weight of the words before a contrast word.
    pub before_contrast: f32,
    /// Weight of the article's tone in the sentiment toward a caller-named target.
    pub article_tone_weight: f32,
}

/// The compiled lexicon.
pub(crate) struct Lexicon {
    /// Lowercase word to id, while the lexicon is built.
    ids: FxMap<Box<[u8]>, u32>,
    /// The same words for look-ups from text (see [`WordTable`]).
    table: WordTable,
    /// Word facts, indexed by id.
    pub words: Vec<WordInfo>,
    /// Phrases of 2 or 3 word ids (the third `UNKNOWN` for 2-word phrases) to valence.
    pub phrases: FxMap<[u32; 3], f32>,
    /// Ids of the words the rules name.
    pub special: Special,
    /// Scorer parameters.
    pub params: Params,
}

/// Lowercase `word` into `buf` (ASCII case folding; `’` becomes `'`), `None` if it does not fit.
#[inline]
pub(crate) fn fold<'b>(word: &[u8], buf: &'b mut [u8; 48]) -> Option<&'b [u8]> {
    let mut n = 0;
    let mut i = 0;
    while i < word.len() {
        let b = word[i];
        // U+2019 RIGHT SINGLE QUOTATION MARK as an apostrophe.
        if b == 0xE2 && word.get(i + 1) == Some(&0x80) && word.get(i + 2) == Some(&0x99) {
            if n >= buf.len() {
                return None;
            }
            buf[n] = b'\'';
            n += 1;
            i += 3;
            continue;
        }
        if n >= buf.len() {
            return None;
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
        i += 1;
    }
    Some(&buf[..n])
}

fn err(file: &str, line: usize, message: impl Into<String>) -> DictionaryError {
    DictionaryError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Lines of a file that carry data: 1-based number and text, skipping blanks and `#` comments.
pub(crate) fn data_lines(body: &str) -> impl Iterator<Item = (usize, &str)> {
    body.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
}

fn parse_f32(file: &str, line: usize, field: &str, what: &str) -> Result<f32, DictionaryError> {
    field
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| err(file, line, format!("{what} `{field}` is not a number")))
}

/// Fetch a required file.
pub(crate) fn required<'a>(
    sources: &'a DictionarySources,
    path: &str,
) -> Result<&'a str, DictionaryError> {
    sources
        .get(path)
        .ok_or_else(|| err(path, 0, "missing sentiment dictionary file"))
}

/// Bytes of a word held in a [`Key`]: nearly every word of a text, and of the lexicon, is
/// this short, and is compared as two machine words.
pub(crate) const INLINE: usize = 16;

/// A lower-case word as the [`WordTable`] compares it: its first [`INLINE`] bytes as two
/// little-endian words (zero past the word's end) and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// Bytes 0..8.
    pub lo: u64,
    /// Bytes 8..16.
    pub hi: u64,
    /// Length of the whole word in bytes.
    pub len: usize,
}

impl Key {
    /// The key of a lower-case word.
    pub fn of(word: &[u8]) -> Key {
        let mut b = [0u8; INLINE];
        let n = word.len().min(INLINE);
        b[..n].copy_from_slice(&word[..n]);
        Key::from_padded(&b, word.len())
    }

    /// The key of a word of `len` bytes whose first bytes `padded` holds (any bytes after
    /// the word are ignored).
    #[inline]
    pub fn from_padded(padded: &[u8; INLINE], len: usize) -> Key {
        let lo = u64::from_le_bytes(padded[..8].try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(padded[8..].try_into().expect("8 bytes"));
        Key::masked(lo, hi, len)
    }

    /// The key of a word of `len` bytes starting with the little-endian words `lo`, `hi`
    /// (bytes past the word are cleared).
    #[inline]
    pub fn masked(lo: u64, hi: u64, len: usize) -> Key {
        let keep = |bytes: usize| {
            if bytes >= 8 {
                u64::MAX
            } else {
                (1u64 << (8 * bytes)) - 1
            }
        };
        Key {
            lo: lo & keep(len),
            hi: hi & keep(len.saturating_sub(8)),
            len,
        }
    }

    /// The key of the `len` bytes at `at` in `bytes`, read as two machine words where 16
    /// bytes are there to read.
    #[inline]
    pub fn at(bytes: &[u8], at: usize, len: usize) -> Key {
        match bytes.get(at..at + INLINE) {
            Some(b) => Key::masked(
                u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
                len,
            ),
            None => Key::of(&bytes[at..at + len]),
        }
    }

    #[inline]
    fn hash(&self) -> u64 {
        let h = (self.lo ^ (self.len as u64).rotate_left(40)).wrapping_mul(FX_K);
        (h.rotate_left(23) ^ self.hi).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// What the lexicon knows of a lower-case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Known {
    /// Word id, [`UNKNOWN`] for a word known only as a cue word.
    pub id: u32,
    /// Cue-word index of the targeted-sentiment model, [`NO_CUE`] if none.
    pub cue: u32,
}

/// The word is no cue word.
pub(crate) const NO_CUE: u32 = u32::MAX;

impl Known {
    /// A word the lexicon does not know.
    pub const NONE: Known = Known {
        id: UNKNOWN,
        cue: NO_CUE,
    };
}

/// The words of the lexicon and the cue words for look-ups from text: open addressing over
/// a slot array four times the number of words, each slot holding a 32-bit hash tag and an
/// entry index, so that a word not in the table (most words of a text) costs one hash of
/// two machine words and usually one slot read, and a word in it one key comparison.
#[derive(Default)]
struct WordTable {
    /// `(tag << 32) | (entry + 1)`, 0 for an empty slot.
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: the hash's top bits pick the first slot.
    shift: u32,
    /// Keys and what they stand for.
    entries: Vec<(Key, Known)>,
    /// The whole word of entries longer than [`INLINE`] bytes, by entry (empty otherwise).
    long: Vec<Box<[u8]>>,
}

impl WordTable {
    /// A table of `words` (lower case, distinct).
    fn new(words: &[(&[u8], Known)]) -> WordTable {
        let bits = (words.len().max(1) * 4)
            .next_power_of_two()
            .trailing_zeros();
        let mut t = WordTable {
            slots: vec![0; 1 << bits],
            shift: 64 - bits,
            entries: Vec::with_capacity(words.len()),
            long: Vec::with_capacity(words.len()),
        };
        let mask = t.slots.len() - 1;
        for &(w, known) in words {
            let key = Key::of(w);
            let h = key.hash();
            let mut i = (h >> t.shift) as usize;
            while t.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            t.slots[i] = (h << 32) | (t.entries.len() as u64 + 1);
            t.entries.push((key, known));
            t.long.push(if w.len() > INLINE {
                w.into()
            } else {
                Box::default()
            });
        }
        t
    }

    /// What the table knows of the word with `key`; `word` is the whole lower-case word
    /// (read only when it is longer than [`INLINE`] bytes).
    #[inline]
    fn get(&self, key: Key, word: &[u8]) -> Known {
        let h = key.hash();
        let tag = h << 32;
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Known::NONE;
            }
            if s & !0xFFFF_FFFF == tag {
                let e = (s & 0xFFFF_FFFF) as usize - 1;
                let (k, known) = self.entries[e];
                if k == key && (key.len <= INLINE || *self.long[e] == *word) {
                    return known;
                }
            }
            i = (i + 1) & mask;
        }
    }
}

impl Lexicon {
    /// Id of `word` (lowercase), creating it.
    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word.as_bytes()) {
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(WordInfo::default());
        self.ids.insert(word.as_bytes().into(), id);
        id
    }

    /// Id of a lowercase word, `UNKNOWN` if the lexicon does not know it.
    #[inline]
    pub fn id(&self, lower: &[u8]) -> u32 {
        self.known(Key::of(lower), lower).id
    }

    /// What the lexicon knows of the lower-case `word` with `key` (`word` is read only
    /// when it is longer than [`INLINE`] bytes).
    #[inline]
    pub fn known(&self, key: Key, word: &[u8]) -> Known {
        self.table.get(key, word)
    }

    /// File the words into the look-up table, with the cue words of the targeted model
    /// (`cues[k]` is cue `k`, lower case; a cue word need not be a word of the lexicon).
    pub fn index(&mut self, cues: &[Box<[u8]>]) {
        let mut all: FxMap<&[u8], Known> = FxMap::default();
        for (w, &id) in &self.ids {
            all.insert(w, Known { id, cue: NO_CUE });
        }
        for (k, w) in cues.iter().enumerate() {
            all.entry(w).or_insert(Known::NONE).cue = k as u32;
        }
        let mut words: Vec<(&[u8], Known)> = all.into_iter().collect();
        // Slot order depends on insertion order: keep it independent of hash-map order.
        words.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.table = WordTable::new(&words);
    }

    /// Facts about word `id` (must not be `UNKNOWN`).
    #[inline]
    pub fn info(&self, id: u32) -> &WordInfo {
        &self.words[id as usize]
    }

    /// Compile the lexicon from `sentiment/vader_lexicon.txt`, `sentiment/news_lexicon.tsv`
    /// and `sentiment/rules.tsv`.
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        let mut lex = Lexicon {
            ids: FxMap::default(),
            table: WordTable::default(),
            words: Vec::new(),
            phrases: FxMap::default(),
            special: Special {
                no: 0,
                kind: 0,
                of: 0,
                least: 0,
                at: 0,
                very: 0,
                never: 0,
                so: 0,
                this: 0,
                without: 0,
                doubt: 0,
                or: 0,
                nor: 0,
                said: 0,
                says: 0,
                according: 0,
                to: 0,
                also: 0,
                only: 0,
                sort: 0,
            },
            params: Params {
                quote_weight: 1.0,
                scare_quote_weight: 1.0,
                before_contrast: 0.5,
                article_tone_weight: 0.0,
            },
        };

        // VADER: token<TAB>mean<TAB>sd<TAB>ratings.
        let file = "sentiment/vader_lexicon.txt";
        for (n, line) in data_lines(required(sources, file)?) {
            let mut f = line.split('\t');
            let (Some(word), Some(v)) = (f.next(), f.next()) else {
                return Err(err(file, n, "expected token<TAB>valence"));
            };
            let v = parse_f32(file, n, v, "valence")?;
            let id = lex.intern(&word.to_lowercase());
            lex.words[id as usize].valence = Some(v);
        }

        // News additions: term<TAB>valence<TAB>note; phrases of up to 3 words.
        let file = "sentiment/news_lexicon.tsv";
        for (n, line) in data_lines(required(sources, file)?) {
            let mut f = line.split('\t');
            let (Some(term), Some(v)) = (f.next(), f.next()) else {
                return Err(err(file, n, "expected term<TAB>valence"));
            };
            let v = parse_f32(file, n, v, "valence")?;
            if !(-4.0..=4.0).contains(&v) {
                return Err(err(file, n, format!("valence {v} outside -4..4")));
            }
            let term = term.trim().to_lowercase();
            let parts: Vec<&str> = term.split_whitespace().collect();
            match parts.len() {
                1 => {
                    let id = lex.intern(parts[0]);
                    lex.words[id as usize].valence = Some(v);
                }
                2 | 3 => {
                    let mut key = [UNKNOWN; 3];
                    for (k, p) in parts.iter().enumerate() {
                        key[k] = lex.intern(p);
                    }
                    lex.words[key[0] as usize].phrase_start = true;
                    lex.phrases.insert(key, v);
                }
                _ => {
                    return Err(err(
                        file,
                        n,
                        format!("term `{term}` must have 1 to 3 words"),
                    ))
                }
            }
        }

        // Word classes and parameters.
        let file = "sentiment/rules.tsv";
        for (n, line) in data_lines(required(sources, file)?) {
            let mut f = line.split('\t');
            let (Some(kind), Some(word), Some(v)) = (f.next(), f.next(), f.next()) else {
                return Err(err(file, n, "expected kind<TAB>word<TAB>value"));
            };
            let v = parse_f32(file, n, v, "value")?;
            if kind == "param" {
                match word {
                    "quote_weight" => lex.params.quote_weight = v,
                    "scare_quote_weight" => lex.params.scare_quote_weight = v,
                    "before_contrast" => lex.params.before_contrast = v,
                    "article_tone_weight" => lex.params.article_tone_weight = v,
                    other => return Err(err(file, n, format!("unknown parameter `{other}`"))),
                }
                continue;
            }
            let word = word.trim().to_lowercase();
            if word.is_empty() || word.contains(char::is_whitespace) {
                return Err(err(file, n, format!("`{word}` must be one word")));
            }
            let id = lex.intern(&word) as usize;
            let w = &mut lex.words[id];
            match kind {
                "booster" => w.booster = v,
                "negator" => w.negator = v,
                "contrast" => w.contrast = v,
                "concessive" => w.concessive = v,
                "hedge" => w.hedge = v,
                "breaker" => w.breaker = true,
                other => return Err(err(file, n, format!("unknown kind `{other}`"))),
            }
        }

        lex.special = Special {
            no: lex.intern("no"),
            kind: lex.intern("kind"),
            of: lex.intern("of"),
            least: lex.intern("least"),
            at: lex.intern("at"),
            very: lex.intern("very"),
            never: lex.intern("never"),
            so: lex.intern("so"),
            this: lex.intern("this"),
            without: lex.intern("without"),
            doubt: lex.intern("doubt"),
            or: lex.intern("or"),
            nor: lex.intern("nor"),
            said: lex.intern("said"),
            says: lex.intern("says"),
            according: lex.intern("according"),
            to: lex.intern("to"),
            also: lex.intern("also"),
            only: lex.intern("only"),
            sort: lex.intern("sort"),
        };
        for w in &mut lex.words {
            let class = |on: bool, f: u16| if on { f } else { 0 };
            w.classes = class(w.contrast != 0.0, flag::CONTRAST)
                | class(w.concessive != 0.0, flag::CONCESSIVE)
                | class(w.hedge != 0.0, flag::HEDGE)
                | class(w.booster != 0.0, flag::BOOSTER)
                | class(w.negator != 0.0, flag::NEGATOR)
                | class(w.breaker, flag::BREAKER);
        }
        lex.index(&[]);
        Ok(lex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The embedded lexicon with a few cue words, among them some it does not know.
    fn lexicon() -> &'static (Lexicon, Vec<Box<[u8]>>) {
        static LEX: std::sync::OnceLock<(Lexicon, Vec<Box<[u8]>>)> = std::sync::OnceLock::new();
        LEX.get_or_init(|| {
            let mut lex = Lexicon::new(&crate::dictionaries::embedded()).expect("lexicon");
            let cues: Vec<Box<[u8]>> = ["the", "said", "good", "counterproductively", "x"]
                .iter()
                .map(|w| w.as_bytes().into())
                .collect();
            lex.index(&cues);
            (lex, cues)
        })
    }

    /// What a plain map of the words and cue words says of `w`.
    fn reference(lex: &Lexicon, cues: &[Box<[u8]>], w: &[u8]) -> Known {
        Known {
            id: lex.ids.get(w).copied().unwrap_or(UNKNOWN),
            cue: cues
                .iter()
                .position(|c| **c == *w)
                .map_or(NO_CUE, |k| k as u32),
        }
    }

    #[test]
    fn every_word_and_cue_word_is_found() {
        let (lex, cues) = lexicon();
        for w in lex.ids.keys().chain(cues) {
            assert_eq!(lex.known(Key::of(w), w), reference(lex, cues, w));
        }
        assert_eq!(lex.known(Key::of(b"the"), b"the").id, UNKNOWN);
        assert_ne!(lex.known(Key::of(b"the"), b"the").cue, NO_CUE);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Words near lexicon words (prefixes, extensions, long words sharing their first
        /// 16 bytes), read from any place in a text: the table agrees with a map.
        #[test]
        fn table_agrees_with_a_map(
            k in 0usize..10_000,
            cut in 0usize..24,
            tail in "[a-z']{0,20}",
            before in "[a-z ]{0,20}",
            after in "[a-z ]{0,20}",
        ) {
            let (lex, cues) = lexicon();
            let mut words: Vec<&Box<[u8]>> = lex.ids.keys().collect();
            words.sort();
            let base = words[k % words.len()];
            let mut w = base[..cut.min(base.len())].to_vec();
            w.extend_from_slice(tail.as_bytes());
            let text = [before.as_bytes(), &w, after.as_bytes()].concat();
            let key = Key::at(&text, before.len(), w.len());
            prop_assert_eq!(key, Key::of(&w));
            prop_assert_eq!(lex.known(key, &w), reference(lex, cues, &w));
        }
    }
}

//! The compiled sentiment lexicon: every word the scorer knows (VADER valences, news
//! additions, boosters, negators, contrast words, hedges, clause breakers) in one hash map
//! built once, plus the multi-word phrases keyed by word ids.
//!
//! Files (all under `config/sentiment/`, formats in its README):
//! `vader_lexicon.txt`, `news_lexicon.tsv`, `rules.tsv`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
    /// Lowercase word to id.
    ids: FxMap<Box<[u8]>, u32>,
    /// One bit per [`filter_key`] of a known word: most words of a text are not in the
    /// lexicon, and this rejects most of them without hashing the whole word.
    filter: Vec<u64>,
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

/// Bits of the known-word filter.
const FILTER_BITS: usize = 1 << 16;

/// Cheap key of a word for the filter: its length and three of its bytes.
#[inline]
fn filter_key(w: &[u8]) -> usize {
    let n = w.len();
    if n == 0 {
        return 0;
    }
    let x = (n as u32).wrapping_mul(0x9E37_79B1)
        ^ u32::from(w[0]).wrapping_mul(0x85EB_CA6B)
        ^ u32::from(w[n - 1]).wrapping_mul(0xC2B2_AE35)
        ^ u32::from(w[n / 2]).wrapping_mul(0x27D4_EB2F);
    ((x ^ (x >> 16)) as usize) & (FILTER_BITS - 1)
}

impl Lexicon {
    /// Id of `word` (lowercase), creating it.
    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word.as_bytes()) {
            return id;
        }
        let k = filter_key(word.as_bytes());
        self.filter[k / 64] |= 1 << (k % 64);
        let id = self.words.len() as u32;
        self.words.push(WordInfo::default());
        self.ids.insert(word.as_bytes().into(), id);
        id
    }

    /// Id of a lowercase word, `UNKNOWN` if the lexicon does not know it.
    #[inline]
    pub fn id(&self, lower: &[u8]) -> u32 {
        let k = filter_key(lower);
        if self.filter[k / 64] & (1 << (k % 64)) == 0 {
            return UNKNOWN;
        }
        self.ids.get(lower).copied().unwrap_or(UNKNOWN)
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
            filter: vec![0; FILTER_BITS / 64],
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
        Ok(lex)
    }
}

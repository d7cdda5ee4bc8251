//! Tokens for the sentiment scorer: one pass over the text, whitespace-separated words with
//! leading and trailing punctuation stripped (as VADER does), each looked up in the lexicon
//! once, with byte and code-point offsets and the punctuation around it as flags.
//! No allocation per token: tokens go into one `Vec` per text.

use super::lexicon::{fold, Key, Known, Lexicon, UNKNOWN};

/// Token flags.
pub(crate) mod flag {
    /// Every cased letter is upper case and there are at least two letters ("UN", "GREAT").
    pub const UPPER: u16 = 1;
    /// A clause ends after this word (`,` `;` `:` `(` `)` or a dash).
    pub const CLAUSE_END: u16 = 1 << 1;
    /// A sentence ends after this word.
    pub const SENT_END: u16 = 1 << 2;
    /// A quotation mark opens before this word.
    pub const QUOTE_OPEN: u16 = 1 << 3;
    /// A quotation mark closes after this word.
    pub const QUOTE_CLOSE: u16 = 1 << 4;
    /// The word is inside quotation marks.
    pub const IN_QUOTE: u16 = 1 << 5;
    /// The word contains "n't".
    pub const NT: u16 = 1 << 6;
    /// The word starts with an upper-case letter.
    pub const CAPITALISED: u16 = 1 << 7;
    /// Part of a multi-word phrase, not its last word.
    pub const IN_PHRASE: u16 = 1 << 8;
    /// The sentence end comes from a period (undone when the next word is lower case).
    pub const PERIOD_END: u16 = 1 << 9;

    // Word classes of `rules.tsv`, copied from the lexicon with the word's id so that the
    // rules and the mention features test a bit of the token rather than look the word up.

    /// A contrast word ("but", "however").
    pub const CONTRAST: u16 = 1 << 10;
    /// A concessive word ("although", "despite").
    pub const CONCESSIVE: u16 = 1 << 11;
    /// A hedge ("allegedly").
    pub const HEDGE: u16 = 1 << 12;
    /// A booster or dampener ("very", "slightly").
    pub const BOOSTER: u16 = 1 << 13;
    /// A negator ("not", "never"; "n't" words are `NT`).
    pub const NEGATOR: u16 = 1 << 14;
    /// A clause breaker for targeted sentiment ("and", "who", "said").
    pub const BREAKER: u16 = 1 << 15;
}

/// One word of the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// Byte offsets of the stripped word in the text.
    pub b0: u32,
    pub b1: u32,
    /// Code-point offsets of the stripped word.
    pub c0: u32,
    pub c1: u32,
    /// Lexicon id, `UNKNOWN` if not in the lexicon.
    pub id: u32,
    /// Cue-word index of the targeted-sentiment model (`NO_CUE` if none): the word's
    /// weights as context of a mention, looked up with its id.
    pub cue: u32,
    /// Valence before rules (lexicon or phrase value), 0 if none.
    pub base: f32,
    /// `flag::*` bits.
    pub flags: u16,
    /// Exclamation marks after the word.
    pub excl: u8,
    /// Question marks after the word.
    pub quest: u8,
}

impl Token {
    #[inline]
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
}

/// Abbreviations whose final period does not end a sentence.
const ABBREVIATIONS: &[&[u8]] = &[
    b"mr", b"mrs", b"ms", b"dr", b"sen", b"rep", b"gov", b"gen", b"st", b"jr", b"sr", b"lt",
    b"col", b"sgt", b"prof", b"inc", b"corp", b"co", b"ltd", b"vs", b"u.s", b"u.n", b"u.k", b"e.g",
    b"i.e", b"no", b"jan", b"feb", b"mar", b"apr", b"aug", b"sept", b"sep", b"oct", b"nov", b"dec",
    b"adm", b"capt", b"maj", b"rev", b"ft", b"mt", b"pres", b"d.c", b"a.m", b"p.m",
];

#[inline]
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '«' | '»' | '„')
}

/// Byte classes for the tokenizer's ASCII path: one table look-up per byte says whether the
/// byte ends a token and what kind of character it is.
mod class {
    /// ASCII whitespace: ends a token.
    pub const SPACE: u8 = 1;
    /// 0xC2, the first byte of U+00A0 NO-BREAK SPACE (which also ends a token).
    pub const C2: u8 = 1 << 1;
    /// Any byte of a non-ASCII character.
    pub const WIDE: u8 = 1 << 2;
    /// ASCII letter or digit.
    pub const ALNUM: u8 = 1 << 3;
    /// ASCII letter.
    pub const ALPHA: u8 = 1 << 4;
    /// ASCII lower-case letter.
    pub const LOWER: u8 = 1 << 5;
    /// `'`.
    pub const APOSTROPHE: u8 = 1 << 6;
    /// ASCII upper-case letter: a word without one is its own lower-case form.
    pub const UPPER: u8 = 1 << 7;

    pub(super) const fn table() -> [u8; 256] {
        let mut t = [0u8; 256];
        let mut b = 0usize;
        while b < 256 {
            let c = b as u8;
            t[b] = if c >= 0x80 {
                WIDE | if c == 0xC2 { C2 } else { 0 }
            } else if c.is_ascii_whitespace() {
                SPACE
            } else if c.is_ascii_lowercase() {
                ALNUM | ALPHA | LOWER
            } else if c.is_ascii_alphabetic() {
                ALNUM | ALPHA | UPPER
            } else if c.is_ascii_digit() {
                ALNUM
            } else if c == b'\'' {
                APOSTROPHE
            } else {
                0
            };
            b += 1;
        }
        t
    }
}

static CLASS: [u8; 256] = class::table();

/// Whether U+00A0 NO-BREAK SPACE starts at byte `i`.
#[inline]
fn nbsp_at(bytes: &[u8], i: usize) -> bool {
    bytes[i] == 0xC2 && bytes.get(i + 1) == Some(&0xA0)
}

/// Letters and case of a word.
#[derive(Default)]
struct Shape {
    /// Alphabetic characters (for ASCII words, counted only when none is lower case: it
    /// matters only then).
    letters: u32,
    /// Whether any is lower case.
    lower: bool,
    /// Whether the first alphanumeric character is upper case (`None` before one is seen).
    first_upper: Option<bool>,
}

impl Shape {
    /// The shape of a word with at least one alphanumeric character, any characters.
    fn of_chars(word: &str) -> Shape {
        let mut s = Shape::default();
        for c in word.chars() {
            if c.is_alphabetic() {
                s.letters += 1;
                s.lower |= c.is_lowercase();
            }
            if s.first_upper.is_none() && c.is_alphanumeric() {
                s.first_upper = Some(c.is_uppercase());
            }
        }
        s
    }
}

/// Punctuation after a word.
#[derive(Default)]
struct Trail {
    /// Exclamation marks.
    excl: u8,
    /// Question marks.
    quest: u8,
    /// `,` `;` `:` brackets or dashes.
    clause_end: bool,
    /// `!` or `?`.
    sent_end: bool,
    /// `.` or `…`.
    period: bool,
    /// A closing quotation mark.
    quote: bool,
}

impl Trail {
    #[inline]
    fn add(&mut self, c: char) {
        match c {
            '!' => {
                self.excl = self.excl.saturating_add(1);
                self.sent_end = true
            }
            '?' => {
                self.quest = self.quest.saturating_add(1);
                self.sent_end = true
            }
            '.' | '…' => self.period = true,
            ',' | ';' | ':' | '(' | ')' | '—' | '–' => self.clause_end = true,
            c if is_quote(c) || c == '’' => self.quote = true,
            _ => {}
        }
    }
}

/// A word stripped of the punctuation around it: byte offsets `w0..w1` and code-point
/// offsets `w0_cp..w1_cp` within its raw token, with what the punctuation says.
struct Stripped {
    w0: usize,
    w1: usize,
    w0_cp: u32,
    w1_cp: u32,
    /// A quotation mark (or apostrophe) before the word.
    lead_quote: bool,
    trail: Trail,
}

/// Strip an ASCII token (`w0 == w1` when it has no letter or digit).
#[inline]
fn strip_ascii(rb: &[u8]) -> Stripped {
    let mut lead_quote = false;
    let mut trail = Trail::default();
    let mut w0 = 0;
    while w0 < rb.len() && CLASS[usize::from(rb[w0])] & class::ALNUM == 0 {
        lead_quote |= rb[w0] == b'"' || rb[w0] == b'\'';
        w0 += 1;
    }
    let mut w1 = rb.len();
    while w1 > w0 && CLASS[usize::from(rb[w1 - 1])] & class::ALNUM == 0 {
        trail.add(char::from(rb[w1 - 1]));
        w1 -= 1;
    }
    Stripped {
        w0,
        w1,
        w0_cp: w0 as u32,
        w1_cp: w1 as u32,
        lead_quote,
        trail,
    }
}

/// Strip a token with non-ASCII characters of `len_cp` code points.
fn strip_chars(raw: &str, len_cp: u32) -> Stripped {
    let mut lead_quote = false;
    let mut trail = Trail::default();
    let mut w0 = 0usize;
    let mut w0_cp = 0u32;
    for (k, c) in raw.char_indices() {
        if c.is_alphanumeric() {
            w0 = k;
            break;
        }
        if is_quote(c) || c == '\'' || c == '‘' {
            lead_quote = true;
        }
        w0 = k + c.len_utf8();
        w0_cp += 1;
    }
    let mut w1 = raw.len();
    let mut w1_cp = len_cp;
    if w0 < raw.len() {
        for c in raw[w0..].chars().rev() {
            if c.is_alphanumeric() {
                break;
            }
            trail.add(c);
            w1 -= c.len_utf8();
            w1_cp -= 1;
        }
    }
    Stripped {
        w0,
        w1,
        w0_cp,
        w1_cp,
        lead_quote,
        trail,
    }
}

/// Where the lower-case form of a word is.
#[derive(Clone, Copy)]
enum Folded {
    /// The word is its own lower-case form.
    AsWritten,
    /// In the first bytes of the fold buffer.
    Buffer(usize),
    /// Nowhere: the word is longer than the buffer, and the lexicon has no such word.
    TooLong,
}

/// The lower-case form of an ASCII word whose bytes have the [`CLASS`] bits `seen`, and
/// its shape. Most words have no upper-case letter and are their own lower-case form; the
/// others are folded into `buf`.
#[inline]
fn fold_ascii(word: &[u8], seen: u8, buf: &mut [u8; 48]) -> (Folded, Shape) {
    let lower = seen & class::LOWER != 0;
    let shape = Shape {
        // Only a word without lower-case letters needs the count (for `flag::UPPER`).
        letters: if lower {
            0
        } else {
            word.iter()
                .filter(|&&c| CLASS[usize::from(c)] & class::ALPHA != 0)
                .count() as u32
        },
        lower,
        first_upper: word.first().map(u8::is_ascii_uppercase),
    };
    if word.len() > buf.len() {
        return (Folded::TooLong, shape);
    }
    if seen & class::UPPER == 0 {
        return (Folded::AsWritten, shape);
    }
    for (d, &c) in buf.iter_mut().zip(word) {
        *d = c.to_ascii_lowercase();
    }
    (Folded::Buffer(word.len()), shape)
}

/// Tokenize `text` into `out` (cleared first), scoring each word against `lex`.
pub(crate) fn tokenize(text: &str, lex: &Lexicon, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut cp = 0u32; // code points before byte `i`
    let mut i = 0usize;
    let mut newlines_before = 0u32;
    // The folded word: written before read, so not cleared per token.
    let mut buf = [0u8; 48];
    // Tokens that start a phrase of the lexicon, and tokens after an opening quotation
    // mark: few, and the passes over phrases and quotes start from them only.
    let mut phrase_starts: Vec<usize> = Vec::new();
    let mut quote_opens: Vec<usize> = Vec::new();
    while i < bytes.len() {
        let b = bytes[i];
        // Whitespace (ASCII, and NBSP U+00A0).
        if CLASS[usize::from(b)] & class::SPACE != 0 {
            newlines_before += u32::from(b == b'\n');
            i += 1;
            cp += 1;
            continue;
        }
        if nbsp_at(bytes, i) {
            i += 2;
            cp += 1;
            continue;
        }
        // A raw whitespace-delimited token: [i, j), with the classes of its bytes.
        let start = i;
        let mut j = i;
        let mut seen = 0u8;
        while j < bytes.len() {
            let k = CLASS[usize::from(bytes[j])];
            if k & (class::SPACE | class::C2) != 0 && (k & class::SPACE != 0 || nbsp_at(bytes, j)) {
                break;
            }
            seen |= k;
            j += 1;
        }
        let ascii = seen & class::WIDE == 0;
        // The token as bytes; as a string (slicing checks char bounds) only where its
        // characters are read.
        let raw_bytes = &bytes[start..j];
        let raw = || &text[start..j];
        let len_cp = if ascii {
            raw_bytes.len() as u32
        } else {
            raw_bytes.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32
        };
        // A paragraph break (blank line) before this token ends the previous sentence; so
        // does a single line break before a word that does not start in lower case (a
        // hard-wrapped line continues in lower case more often than not).
        let starts_lower = || raw().chars().next().is_some_and(char::is_lowercase);
        if newlines_before >= 2 || (newlines_before == 1 && !starts_lower()) {
            if let Some(prev) = out.last_mut() {
                // Not a period's end any more: the lower-case rule below must not undo it.
                prev.flags = (prev.flags | flag::SENT_END) & !flag::PERIOD_END;
            }
        }
        newlines_before = 0;
        let s = if ascii {
            strip_ascii(raw_bytes)
        } else {
            strip_chars(raw(), len_cp)
        };
        let token_cp = cp;
        i = j;
        cp += len_cp;
        if s.w0 >= s.w1 {
            // Pure punctuation: a dash or bracket ends the clause of the previous word,
            // sentence punctuation its sentence; quotes open or close.
            if let Some(prev) = out.last_mut() {
                let raw = raw();
                for c in raw.chars() {
                    match c {
                        '-' | '—' | '–' | ',' | ';' | ':' | '(' | ')' => {
                            prev.flags |= flag::CLAUSE_END
                        }
                        '.' | '!' | '?' => prev.flags |= flag::SENT_END,
                        _ => {}
                    }
                }
                if raw.chars().any(is_quote) {
                    prev.flags |= flag::QUOTE_CLOSE;
                }
            }
            continue;
        }
        let word = &raw_bytes[s.w0..s.w1];
        let word_str = || &text[start + s.w0..start + s.w1];
        let (folded, shape) = if ascii {
            fold_ascii(word, seen, &mut buf)
        } else {
            let folded = match fold(word, &mut buf) {
                Some(f) => Folded::Buffer(f.len()),
                None => Folded::TooLong,
            };
            (folded, Shape::of_chars(word_str()))
        };
        // The folded word and its key: read from the text where the word is its own
        // lower-case form, else from the buffer it was folded into.
        let (folded, known) = match folded {
            Folded::AsWritten => {
                let f = word;
                (Some(f), lex.known(Key::at(bytes, start + s.w0, f.len()), f))
            }
            Folded::Buffer(n) => (Some(&buf[..n]), lex.known(Key::at(&buf, 0, n), &buf[..n])),
            Folded::TooLong => (None, Known::NONE),
        };
        // An ASCII word ending more than 64 bytes into its token is read as an unknown
        // word (a limit of an earlier tokenizer the scores keep); its cue word is read all
        // the same, as the targeted model reads it from the text.
        let (folded, id) = if ascii && s.w1 > 64 {
            (None, UNKNOWN)
        } else {
            (folded, known.id)
        };
        let mut flags = 0u16;
        let Trail {
            excl,
            quest,
            clause_end,
            mut sent_end,
            period,
            quote: trail_quote,
        } = s.trail;
        if let Some(f) = folded {
            // An ASCII token without an apostrophe cannot fold to one.
            let apostrophe = (!ascii || seen & class::APOSTROPHE != 0) && f.contains(&b'\'');
            if apostrophe && f.windows(3).any(|w| w == b"n't") {
                flags |= flag::NT;
            }
            if period && !sent_end {
                // A period after an abbreviation or an initial does not end the sentence.
                let single = if ascii {
                    word.len() == 1
                } else {
                    word_str().chars().nth(1).is_none()
                };
                let abbrev = single || ABBREVIATIONS.contains(&f) || f.contains(&b'.');
                if !abbrev {
                    sent_end = true;
                    flags |= flag::PERIOD_END;
                }
            }
        } else if period {
            sent_end = true;
        }
        if !shape.lower && shape.letters >= 2 {
            flags |= flag::UPPER;
        }
        if shape.first_upper == Some(true) {
            flags |= flag::CAPITALISED;
        }
        if clause_end {
            flags |= flag::CLAUSE_END;
        }
        if sent_end {
            flags |= flag::SENT_END;
        }
        if s.lead_quote {
            flags |= flag::QUOTE_OPEN;
        }
        if trail_quote {
            flags |= flag::QUOTE_CLOSE;
        }
        let base = if id == UNKNOWN {
            0.0
        } else {
            let info = lex.info(id);
            flags |= info.classes;
            if info.phrase_start {
                phrase_starts.push(out.len());
            }
            info.valence.unwrap_or(0.0)
        };
        let b0 = start + s.w0;
        // "... the U.N. envoy": a period followed by a lower-case word ends no sentence.
        // (Nothing changes the previous word's flags once this word is in.)
        if let Some(prev) = out.last_mut() {
            if prev.has(flag::PERIOD_END)
                && flags & flag::CAPITALISED == 0
                && text[b0..].chars().next().is_some_and(char::is_lowercase)
            {
                prev.flags &= !(flag::SENT_END | flag::PERIOD_END);
            }
        }
        if flags & flag::QUOTE_OPEN != 0 {
            quote_opens.push(out.len());
        }
        out.push(Token {
            b0: b0 as u32,
            b1: (start + s.w1) as u32,
            c0: token_cp + s.w0_cp,
            c1: token_cp + s.w1_cp,
            id,
            cue: known.cue,
            base,
            flags,
            excl,
            quest,
        });
    }
    if let Some(last) = out.last_mut() {
        last.flags |= flag::SENT_END;
    }
    mark_phrases(lex, out, &phrase_starts);
    mark_quotes(out, &quote_opens);
}

/// Multi-word phrases of the lexicon: the phrase valence goes on its last word, the others
/// are marked `IN_PHRASE` and carry none. `starts`: the tokens whose word starts a phrase,
/// in order (a match is tried at each, left to right, none inside the previous match).
fn mark_phrases(lex: &Lexicon, toks: &mut [Token], starts: &[usize]) {
    // Tokens before `next` belong to a phrase matched already.
    let mut next = 0;
    for &i in starts {
        if i < next {
            continue;
        }
        let matched = mark_phrase_at(lex, toks, i);
        if matched > 0 {
            next = i + matched;
        }
    }
}

/// Match a phrase of three, else two, words starting at token `i` (not across a sentence
/// end) and mark it; the number of tokens matched, 0 for none.
fn mark_phrase_at(lex: &Lexicon, toks: &mut [Token], i: usize) -> usize {
    let n = toks.len();
    let t = toks[i];
    if t.has(flag::SENT_END) {
        return 0;
    }
    let mut matched = 0;
    if i + 2 < n && !toks[i + 1].has(flag::SENT_END) {
        if let Some(&v) = lex.phrases.get(&[t.id, toks[i + 1].id, toks[i + 2].id]) {
            toks[i + 2].base = v;
            matched = 3;
        }
    }
    if matched == 0 && i + 1 < n {
        if let Some(&v) = lex.phrases.get(&[t.id, toks[i + 1].id, UNKNOWN]) {
            toks[i + 1].base = v;
            matched = 2;
        }
    }
    if matched > 0 {
        for t in &mut toks[i..i + matched - 1] {
            t.base = 0.0;
            t.flags |= flag::IN_PHRASE;
        }
    }
    matched
}

/// Mark the words inside quotation marks. `opens`: the tokens after an opening mark, in
/// order; one opened inside a quote is part of it. A quote closes at the first closing mark
/// within 82 words from its opening; one that does not (a stray mark) marks nothing, and
/// the next quote may open after those words.
fn mark_quotes(toks: &mut [Token], opens: &[usize]) {
    // Tokens before `next` were read as part of a quote already.
    let mut next = 0;
    for &o in opens {
        if o < next {
            continue;
        }
        let limit = (o + 82).min(toks.len());
        match (o..limit).find(|&i| toks[i].has(flag::QUOTE_CLOSE)) {
            Some(c) => {
                for t in &mut toks[o..=c] {
                    t.flags |= flag::IN_QUOTE;
                }
                next = c + 1;
            }
            None => next = limit,
        }
    }
}

/// Sentence ranges `[start, end)` of token indices.
pub(crate) fn sentences(toks: &[Token]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < toks.len() {
            let t = &toks[i];
            i += 1;
            if t.has(flag::SENT_END) {
                let s = start;
                start = i;
                return Some((s, i));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The phrase pass as it was: a match tried at every token that starts a phrase of the
    /// lexicon, not only at the starts noted by the tokenizer.
    fn reference_phrases(lex: &Lexicon, toks: &mut [Token]) {
        let mut i = 0;
        while i < toks.len() {
            let t = toks[i];
            let starts = t.id != UNKNOWN && lex.info(t.id).phrase_start;
            let matched = if starts {
                mark_phrase_at(lex, toks, i)
            } else {
                0
            };
            i += matched.max(1);
        }
    }

    /// The quote pass as it was, over every token.
    fn reference_quotes(toks: &mut [Token]) {
        let mut open = false;
        let mut start = 0;
        for i in 0..toks.len() {
            if toks[i].has(flag::QUOTE_OPEN) && !open {
                open = true;
                start = i;
            }
            if open {
                toks[i].flags |= flag::IN_QUOTE;
            }
            if open && toks[i].has(flag::QUOTE_CLOSE) {
                open = false;
            }
            if open && i - start > 80 {
                for t in &mut toks[start..=i] {
                    t.flags &= !flag::IN_QUOTE;
                }
                open = false;
            }
        }
        if open {
            for t in &mut toks[start..] {
                t.flags &= !flag::IN_QUOTE;
            }
        }
    }

    /// The embedded lexicon with phrases that overlap ("alpha beta", "beta gamma delta",
    /// "gamma delta": the news lexicon has none) added.
    fn lexicon() -> &'static Lexicon {
        static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        LEX.get_or_init(|| {
            let mut sources = crate::dictionaries::embedded();
            let file = "sentiment/news_lexicon.tsv";
            let mut news = sources.get(file).expect("news lexicon").to_string();
            news.push_str("alpha beta\t1.5\nbeta gamma delta\t-2.5\ngamma delta\t0.5\n");
            news.push_str("beta gamma\t-1\ndelta alpha\t2\n");
            sources.files.insert(file.into(), news);
            Lexicon::new(&sources).expect("lexicon")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Texts of phrase words, quotation marks and sentence ends, with quotes of around
        /// 81 words: the tokenizer's phrase and quote passes, which start from the
        /// phrase-starting and quote-opening tokens only, mark what the passes over every
        /// token marked.
        #[test]
        fn phrase_and_quote_passes_agree_with_full_passes(
            parts in proptest::collection::vec(
                (proptest::collection::vec((0usize..12, 0usize..8), 0..12), 0usize..4, 76usize..86),
                0..6,
            ),
        ) {
            const WORDS: [&str; 12] = [
                "alpha", "beta", "gamma", "delta", "peace", "talks", "the", "no",
                "\"good", "bad\"", "\"", "war.",
            ];
            const AFTER: [&str; 8] = [" ", " ", " ", ", ", ". ", "\n\n", "! ", "\" "];
            let mut text = String::new();
            for (words, quote, len) in &parts {
                for &(w, a) in words {
                    text.push_str(WORDS[w]);
                    text.push_str(AFTER[a]);
                }
                // A quote of `len` words, closed or not.
                if *quote > 0 {
                    text.push('"');
                    for k in 0..*len {
                        text.push_str(WORDS[k % 8]);
                        text.push(' ');
                    }
                    if *quote > 1 {
                        text.push_str("said\" ");
                    }
                }
            }
            let lex = lexicon();
            let mut toks = Vec::new();
            tokenize(&text, lex, &mut toks);
            // Undo both passes, then redo them the old way.
            let mut expected = toks.clone();
            for t in &mut expected {
                t.flags &= !(flag::IN_PHRASE | flag::IN_QUOTE);
                t.base = if t.id == UNKNOWN {
                    0.0
                } else {
                    lex.info(t.id).valence.unwrap_or(0.0)
                };
            }
            reference_phrases(lex, &mut expected);
            reference_quotes(&mut expected);
            for (t, e) in toks.iter().zip(&expected) {
                prop_assert_eq!(t.flags, e.flags);
                prop_assert_eq!(t.base.to_bits(), e.base.to_bits());
            }
        }
    }
}

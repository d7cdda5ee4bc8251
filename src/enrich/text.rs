//! The text layer: sentences, words, quotes, and byte -> code-point offsets.
//!
//! Everything inside the core works on byte offsets of the original `&str` (no copy, no
//! normalisation that would move offsets); [`CodePoints`] converts to the code-point spans
//! of the output contract at the very end.

/// Abbreviations after which a full stop does not end a sentence (lower-cased, without dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm",
    "cmdr", "gov", "sen", "rep", "rev", "st", "jr", "sr", "no", "vs", "etc", "inc", "corp", "co",
    "ltd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "pres", "amb", "brig", "fr", "mt", "ft", "approx", "est", "dept", "univ",
];

/// [`ABBREVIATIONS`] as a signature: most words before a full stop are ruled out without
/// comparing them with each of the 50 abbreviations.
const ABBREVIATION_SIGNATURE: WordSignature = {
    let mut s = WordSignature::EMPTY;
    let mut i = 0;
    while i < ABBREVIATIONS.len() {
        s = s.with(ABBREVIATIONS[i]);
        i += 1;
    }
    s
};

/// Words that, capitalised after an abbreviation such as "U.S.", start a new sentence.
const SENTENCE_OPENERS: &[&str] = &[
    "the",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "but",
    "in",
    "a",
    "an",
    "this",
    "that",
    "there",
    "on",
    "at",
    "after",
    "however",
    "meanwhile",
    "his",
    "her",
    "their",
    "its",
    "while",
    "as",
];

/// A sentence: byte span of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Split `text` into sentences (byte spans, trimmed of surrounding whitespace).
pub fn sentences(text: &str) -> Vec<Sentence> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Only `.` `!` `?` and line breaks can end a sentence: jump from one to the next.
    let find_question =
        |from: usize| memchr::memchr(b'?', &b[from..]).map_or(b.len(), |k| from + k);
    let mut question = find_question(0);
    while i < b.len() {
        if question < i {
            question = find_question(i);
        }
        i = memchr::memchr3(b'.', b'!', b'\n', &b[i..])
            .map_or(b.len(), |k| i + k)
            .min(question);
        if i >= b.len() {
            break;
        }
        let c = b[i];
        let mut cut = None;
        if c == b'\n' && (i + 1 < b.len() && b[i + 1] == b'\n' || line_is_heading(text, start, i)) {
            cut = Some(i);
        } else if c == b'!' || c == b'?' || c == b'.' {
            // Runs like "..." or "?!" end together.
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b'.' | b'!' | b'?') {
                j += 1;
            }
            // Closing quotes and brackets belong to the sentence.
            j = skip_closers(text, j);
            if (j >= b.len() || b[j].is_ascii_whitespace())
                && (c != b'.' || full_stop_ends(text, i, j))
            {
                cut = Some(j);
            }
        }
        if let Some(end) = cut {
            push_trimmed(text, start, end, &mut out);
            start = end;
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    push_trimmed(text, start, b.len(), &mut out);
    out
}

/// A single newline ends a sentence only after a line without final punctuation that is short
/// (a heading or a dateline); prose wrapped over lines is kept together.
fn line_is_heading(text: &str, start: usize, nl: usize) -> bool {
    let line = text[start..nl].trim();
    !line.is_empty() && line.len() < 80 && !line.ends_with(',')
}

fn skip_closers(text: &str, mut j: usize) -> usize {
    while let Some(c) = text[j..].chars().next() {
        if matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»') {
            j += c.len_utf8();
        } else {
            break;
        }
    }
    j
}

/// Does the full stop at byte `dot` end the sentence? `next` is where the following
/// whitespace starts. What follows is read first: it rules most full stops in or out before
/// the word in front of the dot is looked at.
fn full_stop_ends(text: &str, dot: usize, next: usize) -> bool {
    let following = text[next..].trim_start();
    let next_upper = following
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || matches!(c, '"' | '“' | '‘' | '\'' | '(' | '['));
    if following.is_empty() {
        return true;
    }
    if !next_upper {
        // "the U.S. and", "Sept. 12": a lower-case or digit continuation never starts a sentence.
        return false;
    }
    // The word before the dot, and its last dotted piece ("S" of "U.S").
    let before = &text[..dot];
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '“')
        .map_or(0, |p| {
            p + before[p..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &before[word_start..];
    let last_piece = word
        .as_bytes()
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(word, |k| &word[k + 1..]);
    if ABBREVIATION_SIGNATURE.may_contain(last_piece.as_bytes())
        && ABBREVIATIONS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(last_piece))
    {
        // "Gen. Smith", "Sept. Meanwhile" (rare): keep together.
        return false;
    }
    let is_initial = last_piece.chars().count() == 1 && last_piece.chars().all(char::is_uppercase);
    let dotted = word.matches('.').count() >= 1 && word.len() <= 8 && is_initial;
    if is_initial || dotted {
        // "John F. Kennedy", "U.S. officials": split only when an obvious opener follows.
        let next_word = following
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        return SENTENCE_OPENERS
            .iter()
            .any(|o| o.eq_ignore_ascii_case(next_word))
            && word.contains('.');
    }
    true
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() {
        out.push(Sentence {
            start: start + lead,
            end: end - trail,
        });
    }
}

/// A word token: byte span, with its text borrowed from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The word.
    pub text: &'a str,
}

/// What a byte is to the word splitter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteClass {
    /// An ASCII letter or digit.
    Alnum,
    /// `-` `'` `.`: part of a word between two letters or digits ("al-Nusra", "U.S.").
    Joiner,
    /// Any other ASCII byte: separates words.
    Separator,
    /// A byte of a multi-byte char: the char has to be decoded.
    NonAscii,
}

/// [`ByteClass`] of every byte value: one look-up per byte instead of range tests.
const BYTE_CLASS: [ByteClass; 256] = {
    let mut t = [ByteClass::Separator; 256];
    let mut b = 0;
    while b < 256 {
        let x = b as u8;
        t[b] = if x >= 0x80 {
            ByteClass::NonAscii
        } else if x.is_ascii_alphanumeric() {
            ByteClass::Alnum
        } else if matches!(x, b'-' | b'\'' | b'.') {
            ByteClass::Joiner
        } else {
            ByteClass::Separator
        };
        b += 1;
    }
    t
};

/// The char at byte `i` (a char boundary) of `text`, when it is not ASCII: (is a letter or
/// digit, width in bytes). Out of the word and dictionary-scan loops: most texts have few
/// such chars.
#[inline(never)]
pub(crate) fn non_ascii_class(text: &str, i: usize) -> (bool, usize) {
    text[i..]
        .chars()
        .next()
        .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
}

/// Is the char at byte `i` (a char boundary before `end`) a letter or digit?
#[inline]
fn alnum_at(text: &str, i: usize) -> bool {
    match BYTE_CLASS[usize::from(text.as_bytes()[i])] {
        ByteClass::Alnum => true,
        ByteClass::NonAscii => non_ascii_class(text, i).0,
        ByteClass::Joiner | ByteClass::Separator => false,
    }
}

/// Words (runs of letters, digits, and inner `-` `'` `’` `.` as in "al-Nusra", "U.S.") of
/// `text[start..end]`; punctuation is not a word but separates words. A final dot belongs to
/// dotted abbreviations and one-letter words ("U.S.", "F."). See [`for_each_word`].
pub fn words<'a>(text: &'a str, start: usize, end: usize, out: &mut Vec<Word<'a>>) {
    for_each_word(text, start, end, |s, e| {
        out.push(Word {
            start: s,
            end: e,
            text: &text[s..e],
        })
    });
}

/// Call `f(start, end)` with the byte span of every word of `text[start..end]`, in order
/// (the words of [`words`], without collecting them). One table look-up per ASCII byte;
/// only non-ASCII chars are decoded.
#[inline]
pub fn for_each_word(text: &str, start: usize, end: usize, mut f: impl FnMut(usize, usize)) {
    // Cut at `end`, so that indexing needs no other bound.
    let b = &text.as_bytes()[..end];
    let class = |x: u8| BYTE_CLASS[usize::from(x)];
    let mut i = start;
    while let Some(&x) = b.get(i) {
        // To the next letter or digit.
        match class(x) {
            ByteClass::Alnum => {}
            ByteClass::NonAscii => {
                let (alnum, width) = non_ascii_class(text, i);
                if !alnum {
                    i += width;
                    continue;
                }
            }
            ByteClass::Joiner | ByteClass::Separator => {
                i += 1;
                continue;
            }
        }
        let s = i;
        // To the end of the word: letters and digits, and joiners with a letter or digit
        // right after them.
        loop {
            i += b[i..]
                .iter()
                .position(|&x| class(x) != ByteClass::Alnum)
                .unwrap_or(b.len() - i);
            let Some(&x) = b.get(i) else {
                break;
            };
            let joiner_width = match class(x) {
                ByteClass::Joiner => 1,
                ByteClass::NonAscii => {
                    let (alnum, width) = non_ascii_class(text, i);
                    if alnum {
                        i += width;
                        continue;
                    }
                    // The curly apostrophe of "al-Nusra’s".
                    if text[i..].starts_with('’') {
                        width
                    } else {
                        break;
                    }
                }
                ByteClass::Alnum | ByteClass::Separator => break,
            };
            if i + joiner_width < end && alnum_at(text, i + joiner_width) {
                i += joiner_width;
            } else {
                break;
            }
        }
        let mut stop = i;
        if b.get(i) == Some(&b'.') {
            let w = &text[s..i];
            if w.contains('.') || w.chars().nth(1).is_none() {
                stop = i + 1;
            }
        }
        f(s, stop);
        i = stop;
    }
}

/// A superset of a closed list of lower-case ASCII words, tested in a few instructions: the
/// lengths and first letters of the words, and a 1024-bit set of their keys (length, first
/// three and last letters, ASCII case folded). A word it rejects is certainly not in the
/// list, so a reader that only starts at such words (times, quantities) can pass over
/// nearly every token without lower-casing it or comparing it with the list.
#[derive(Clone, Copy)]
pub struct WordSignature {
    /// Bit `n` set when a word has `n` bytes (words of 32 bytes or more are not filed).
    lengths: u32,
    /// Bit `b & 31` set for the first byte `b` of each word (case folded: `A` and `a` agree).
    firsts: u32,
    /// Bit [`WordSignature::bit`] of each word.
    keys: [u64; 16],
}

impl WordSignature {
    /// The empty set.
    pub const EMPTY: WordSignature = WordSignature {
        lengths: 0,
        firsts: 0,
        keys: [0; 16],
    };

    /// The set with `word` (lower-case ASCII, shorter than 32 bytes) added.
    pub const fn with(self, word: &str) -> Self {
        self.with_prefix(word, word.len())
    }

    /// The set with the first `len` bytes of `word` (lower-case ASCII) added.
    pub const fn with_prefix(mut self, word: &str, len: usize) -> Self {
        let w = word.as_bytes();
        if len > 0 && len < 32 && len <= w.len() {
            self.lengths |= 1 << len;
            self.firsts |= 1 << (w[0] & 31);
            let b = Self::bit(w, len);
            self.keys[b / 64] |= 1 << (b % 64);
        }
        self
    }

    /// Byte `k` of the first `len` (> 0) bytes of `w`, the last one when `k` is beyond them,
    /// with ASCII letters folded to lower case (other bytes change too, alike for the list
    /// and the text, so no word of the list is missed).
    const fn folded(w: &[u8], len: usize, k: usize) -> u64 {
        let k = if k < len { k } else { len - 1 };
        (w[k] | 0x20) as u64
    }

    /// The key bit of the first `len` (> 0) bytes of `w`: multiply-shift hash of the length,
    /// the first three and the last letters.
    #[inline]
    const fn bit(w: &[u8], len: usize) -> usize {
        let key = len as u64
            | Self::folded(w, len, 0) << 8
            | Self::folded(w, len, 1) << 16
            | Self::folded(w, len, 2) << 24
            | Self::folded(w, len, len - 1) << 32;
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize
    }

    /// Could `word` (any ASCII case) be in the list?
    #[inline]
    pub fn may_contain(&self, word: &[u8]) -> bool {
        let len = word.len();
        if len >= 32 || self.lengths & (1 << len) == 0 {
            return false;
        }
        // `len` > 0 here: the empty word is never filed.
        if self.firsts & (1 << (word[0] & 31)) == 0 {
            return false;
        }
        let b = Self::bit(word, len);
        self.keys[b / 64] & (1 << (b % 64)) != 0
    }
}

/// Byte offset -> code-point offset, for one text.
pub struct CodePoints {
    /// For every non-ASCII char: (byte offset just past it, bytes beyond one per char so far).
    /// Empty for ASCII text, where offsets are equal.
    extra: Vec<(usize, usize)>,
}

impl CodePoints {
    /// Build the table for `text` (no allocation for ASCII text; one entry per non-ASCII char
    /// otherwise). Runs of ASCII are skipped eight bytes at a time; a non-ASCII char's width
    /// is read from its first byte.
    pub fn new(text: &str) -> Self {
        let mut extra = Vec::new();
        if !text.is_ascii() {
            let b = text.as_bytes();
            let mut total = 0;
            let mut i = 0;
            loop {
                i += ascii_run(&b[i..]);
                // `i` is a char boundary: a lead byte of 2, 3 or 4 bytes, or the end.
                let Some(&lead) = b.get(i) else {
                    break;
                };
                let w = match lead {
                    0xF0.. => 4,
                    0xE0.. => 3,
                    _ => 2,
                };
                total += w - 1;
                extra.push((i + w, total));
                i += w;
            }
        }
        CodePoints { extra }
    }

    /// Code-point offset of byte offset `b` (a char boundary).
    pub fn at(&self, b: usize) -> usize {
        let k = self.extra.partition_point(|&(end, _)| end <= b);
        if k == 0 {
            b
        } else {
            b - self.extra[k - 1].1
        }
    }

    /// Code-point span of a byte span.
    pub fn span(&self, start: usize, end: usize) -> [usize; 2] {
        [self.at(start), self.at(end)]
    }
}

/// How many bytes at the start of `b` are ASCII: eight bytes tested at once while they are.
fn ascii_run(b: &[u8]) -> usize {
    let mut n = 0;
    for chunk in b.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if u64::from_ne_bytes(word) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        n += 8;
    }
    n + b[n..]
        .iter()
        .position(|&x| !x.is_ascii())
        .unwrap_or(b.len() - n)
}

/// Byte spans of quoted passages (straight or curly double quotes) in `text`. Scans bytes:
/// `"` is ASCII and the curly quotes are the only 3-byte sequences starting E2 80 9C / 9D.
pub fn quotes(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        // Only `"`, the first byte of `“` `”` and line breaks matter.
        match memchr::memchr3(b'"', 0xE2, b'\n', &b[i..]) {
            Some(k) => i += k,
            None => break,
        }
        match b[i] {
            b'"' => match open.take() {
                Some(s) => out.push((s, i + 1)),
                None => open = Some(i),
            },
            0xE2 if i + 2 < b.len() && b[i + 1] == 0x80 && b[i + 2] == 0x9C => open = Some(i),
            0xE2 if i + 2 < b.len() && b[i + 1] == 0x80 && b[i + 2] == 0x9D => {
                if let Some(s) = open.take() {
                    out.push((s, i + 3));
                }
            }
            // A paragraph break closes any quote left open.
            b'\n' if b.get(i + 1) == Some(&b'\n') => open = None,
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Vec<&str> {
        sentences(t).iter().map(|s| &t[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_do_not_split() {
        let t = "U.S. Secretary of State John Kerry met Gen. Smith in Sept. 2016. The U.N. envoy said so. He left.";
        assert_eq!(
            split(t),
            vec![
                "U.S. Secretary of State John Kerry met Gen. Smith in Sept. 2016.",
                "The U.N. envoy said so.",
                "He left."
            ]
        );
    }

    #[test]
    fn every_abbreviation_passes_its_signature_in_any_case() {
        for a in ABBREVIATIONS {
            for w in [
                a.to_string(),
                a.to_uppercase(),
                a[..1].to_uppercase() + &a[1..],
            ] {
                assert!(ABBREVIATION_SIGNATURE.may_contain(w.as_bytes()), "{w}");
            }
        }
        // And most other words do not: the point of the signature.
        let others = [
            "said", "talks", "minister", "Kennedy", "Syria", "week", "it", "2016",
        ];
        assert!(others
            .iter()
            .all(|w| !ABBREVIATION_SIGNATURE.may_contain(w.as_bytes())));
    }

    #[test]
    fn quotes_and_initials() {
        let t = "“We want peace.” He met John F. Kennedy. Talks with the U.S. The end?";
        assert_eq!(
            split(t),
            vec![
                "“We want peace.”",
                "He met John F. Kennedy.",
                "Talks with the U.S.",
                "The end?"
            ]
        );
    }

    /// The first implementation of [`words`], kept as its reference. Words (runs of letters, digits, and inner `-` `'` `.` as in "al-Nusra", "U.S.") of
    /// `text[start..end]`; punctuation is not a word but separates words.
    fn words_reference<'a>(text: &'a str, start: usize, end: usize, out: &mut Vec<Word<'a>>) {
        let seg = &text[start..end];
        let b = seg.as_bytes();
        // (is alphanumeric, width) of the char at byte i; ASCII without decoding.
        let class = |i: usize| -> (char, bool, usize) {
            let x = b[i];
            if x.is_ascii() {
                (x as char, x.is_ascii_alphanumeric(), 1)
            } else {
                let c = seg[i..].chars().next().expect("char boundary");
                (c, c.is_alphanumeric(), c.len_utf8())
            }
        };
        let mut cur: Option<usize> = None;
        let mut i = 0;
        while i < b.len() {
            let (c, alnum, width) = class(i);
            let joins = matches!(c, '-' | '\'' | '’' | '.')
                && cur.is_some()
                && i + width < b.len()
                && class(i + width).1;
            if alnum || joins {
                if cur.is_none() {
                    cur = Some(i);
                }
                i += width;
                continue;
            }
            // A final dot belongs to one-letter abbreviations ("U.S.", "F.").
            let mut stop = i;
            if c == '.' {
                if let Some(s) = cur {
                    let w = &seg[s..i];
                    if w.contains('.') || w.chars().count() == 1 {
                        stop = i + 1;
                    }
                }
            }
            if let Some(s) = cur.take() {
                out.push(Word {
                    start: start + s,
                    end: start + stop,
                    text: &text[start + s..start + stop],
                });
            }
            i += width;
        }
        if let Some(s) = cur {
            out.push(Word {
                start: start + s,
                end,
                text: &text[start + s..end],
            });
        }
    }

    proptest::proptest! {
        #[test]
        fn words_agree_with_the_reference(t in "([a-zA-Z0-9 .,'’\\-]|é|北|\\u{2019}|\\.|—|“|\\$|\n|Ⅻ|٣){0,60}") {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            words(&t, 0, t.len(), &mut a);
            words_reference(&t, 0, t.len(), &mut b);
            proptest::prop_assert_eq!(a, b);
            // And on an inner range of the text.
            if let Some((lo, _)) = t.char_indices().nth(2) {
                let hi = t.char_indices().rev().nth(2).map_or(t.len(), |(i, _)| i).max(lo);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                words(&t, lo, hi, &mut a);
                words_reference(&t, lo, hi, &mut b);
                proptest::prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn words_keep_abbreviations_and_hyphens() {
        let t = "the U.S. and al-Nusra’s men, 48-hour.";
        let mut w = Vec::new();
        words(t, 0, t.len(), &mut w);
        let w: Vec<&str> = w.iter().map(|w| w.text).collect();
        assert_eq!(
            w,
            vec!["the", "U.S.", "and", "al-Nusra’s", "men", "48-hour"]
        );
    }

    #[test]
    fn quoted_passages() {
        let t = "“We want a pause”, he said. \"Fine\" she said.";
        let q = quotes(t);
        assert_eq!(q.len(), 2);
        assert_eq!(&t[q[0].0..q[0].1], "“We want a pause”");
        assert_eq!(&t[q[1].0..q[1].1], "\"Fine\"");
    }

    /// [`CodePoints::new`] before the ASCII runs were skipped eight bytes at a time (every
    /// char decoded), kept as its reference.
    fn code_points_reference(text: &str) -> Vec<(usize, usize)> {
        let mut extra = Vec::new();
        if !text.is_ascii() {
            let mut total = 0;
            for (i, c) in text.char_indices() {
                let w = c.len_utf8();
                if w > 1 {
                    total += w - 1;
                    extra.push((i + w, total));
                }
            }
        }
        extra
    }

    proptest::proptest! {
        #[test]
        fn code_points_agree_with_the_reference(t in "([a-z .]{0,20}|é|’|北|😀|\\PC)*") {
            proptest::prop_assert_eq!(CodePoints::new(&t).extra, code_points_reference(&t));
        }
    }

    #[test]
    fn code_points_survive_unicode() {
        let t = "Iran’s élan — 北京 ok";
        let cp = CodePoints::new(t);
        let b = t.find("élan").unwrap();
        assert_eq!(cp.at(b), 7);
        assert_eq!(cp.span(b, b + "élan".len()), [7, 11]);
        for (i, _) in t.char_indices() {
            assert_eq!(cp.at(i), t[..i].chars().count());
        }
        assert_eq!(cp.at(t.len()), t.chars().count());
    }
}

//! The previous tokenizer, kept while the new one is checked against it.
#![allow(dead_code)]
use super::{flag, is_quote, mark_phrases, mark_quotes, Token, ABBREVIATIONS};
use crate::enrich::sentiment::lexicon::{fold, Lexicon, UNKNOWN};

/// Letters and case of a word.
#[derive(Default)]
struct Shape {
    /// Alphabetic characters.
    letters: u32,
    /// Whether any is lower case.
    lower: bool,
    /// Whether the first alphanumeric character is upper case (`None` before one is seen).
    first_upper: Option<bool>,
}

impl Shape {
    #[inline]
    fn add(&mut self, c: u8) {
        self.letters += u32::from(c.is_ascii_alphabetic());
        self.lower |= c.is_ascii_lowercase();
        if self.first_upper.is_none() && c.is_ascii_alphanumeric() {
            self.first_upper = Some(c.is_ascii_uppercase());
        }
    }

    fn add_char(&mut self, c: char) {
        if c.is_alphabetic() {
            self.letters += 1;
            self.lower |= c.is_lowercase();
        }
        if self.first_upper.is_none() && c.is_alphanumeric() {
            self.first_upper = Some(c.is_uppercase());
        }
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

/// Tokenize `text` into `out` (cleared first), scoring each word against `lex`.
pub(crate) fn tokenize(text: &str, lex: &Lexicon, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut cp = 0u32; // code points before byte `i`
    let mut i = 0usize;
    let mut newlines_before = 0u32;
    // Lower-cased bytes of the current token, and the folded word: written before read, so
    // they are not cleared per token.
    let mut lower_buf = [0u8; 64];
    let mut buf = [0u8; 48];
    while i < bytes.len() {
        let b = bytes[i];
        // Whitespace (ASCII, and NBSP U+00A0).
        if b.is_ascii_whitespace() {
            if b == b'\n' {
                newlines_before += 1;
            }
            i += 1;
            cp += 1;
            continue;
        }
        if b == 0xC2 && bytes.get(i + 1) == Some(&0xA0) {
            i += 2;
            cp += 1;
            continue;
        }
        // A raw whitespace-delimited token: [i, j). For ASCII tokens (most of them) the same
        // pass folds case and notes the word's shape.
        let start = i;
        let start_cp = cp;
        let mut j = i;
        let mut cp_j = cp;
        let mut ascii = true;
        let mut shape = Shape::default();
        while j < bytes.len() {
            let c = bytes[j];
            if c < 0x80 {
                if c.is_ascii_whitespace() {
                    break;
                }
                shape.add(c);
                if let Some(slot) = lower_buf.get_mut(j - start) {
                    *slot = c.to_ascii_lowercase();
                }
                cp_j += 1;
            } else {
                if c == 0xC2 && bytes.get(j + 1) == Some(&0xA0) {
                    break;
                }
                ascii = false;
                if c & 0xC0 != 0x80 {
                    cp_j += 1;
                }
            }
            j += 1;
        }
        let raw = &text[start..j];
        // A paragraph break (blank line) before this token ends the previous sentence; so
        // does a single line break before a word that does not start in lower case (a
        // hard-wrapped line continues in lower case more often than not).
        let starts_lower = || raw.chars().next().is_some_and(char::is_lowercase);
        if newlines_before >= 2 || (newlines_before == 1 && !starts_lower()) {
            if let Some(prev) = out.last_mut() {
                // Not a period's end any more: the lower-case rule below must not undo it.
                prev.flags = (prev.flags | flag::SENT_END) & !flag::PERIOD_END;
            }
        }
        newlines_before = 0;
        // Strip non-alphanumeric characters from both ends: byte offsets (w0, w1) into raw,
        // code-point offsets (w0_cp, w1_cp).
        let mut lead_quote = false;
        let mut trail = Trail::default();
        let (w0, w0_cp, w1, w1_cp) = if ascii {
            let rb = raw.as_bytes();
            let mut w0 = 0;
            while w0 < rb.len() && !rb[w0].is_ascii_alphanumeric() {
                lead_quote |= rb[w0] == b'"' || rb[w0] == b'\'';
                w0 += 1;
            }
            let mut w1 = rb.len();
            while w1 > w0 && !rb[w1 - 1].is_ascii_alphanumeric() {
                trail.add(char::from(rb[w1 - 1]));
                w1 -= 1;
            }
            (w0, w0 as u32, w1, w1 as u32)
        } else {
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
            let mut w1_cp = cp_j - start_cp;
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
            (w0, w0_cp, w1, w1_cp)
        };
        if w0 >= w1 {
            // Pure punctuation: a dash or bracket ends the clause of the previous word,
            // sentence punctuation its sentence; quotes open or close.
            if let Some(prev) = out.last_mut() {
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
            i = j;
            cp = cp_j;
            continue;
        }
        let word = &raw[w0..w1];
        let folded = if ascii {
            (w1 - w0 <= 48 && w1 <= lower_buf.len()).then(|| &lower_buf[w0..w1])
        } else {
            fold(word.as_bytes(), &mut buf)
        };
        let id = folded.map_or(UNKNOWN, |f| lex.id(f));
        let mut flags = 0u16;
        let Trail {
            excl,
            quest,
            clause_end,
            mut sent_end,
            period,
            quote: trail_quote,
        } = trail;
        if let Some(f) = folded {
            if f.contains(&b'\'') && f.windows(3).any(|w| w == b"n't") {
                flags |= flag::NT;
            }
            if period && !sent_end {
                // A period after an abbreviation or an initial does not end the sentence.
                let abbrev =
                    ABBREVIATIONS.contains(&f) || word.chars().count() == 1 || f.contains(&b'.');
                if !abbrev {
                    sent_end = true;
                    flags |= flag::PERIOD_END;
                }
            }
        } else if period {
            sent_end = true;
        }
        if !ascii {
            shape = Shape::default();
            for c in word.chars() {
                shape.add_char(c);
            }
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
        if lead_quote {
            flags |= flag::QUOTE_OPEN;
        }
        if trail_quote {
            flags |= flag::QUOTE_CLOSE;
        }
        let base = if id == UNKNOWN {
            0.0
        } else {
            lex.info(id).valence.unwrap_or(0.0)
        };
        out.push(Token {
            b0: (start + w0) as u32,
            b1: (start + w1) as u32,
            c0: start_cp + w0_cp,
            c1: start_cp + w1_cp,
            id,
            base,
            flags,
            excl,
            quest,
        });
        i = j;
        cp = cp_j;
    }
    // "... the U.N. envoy": a period followed by a lower-case word ends no sentence.
    for k in 1..out.len() {
        if !out[k - 1].has(flag::PERIOD_END) || out[k].has(flag::CAPITALISED) {
            continue;
        }
        let next_lower = text[out[k].b0 as usize..]
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
        if next_lower {
            out[k - 1].flags &= !(flag::SENT_END | flag::PERIOD_END);
        }
    }
    if let Some(last) = out.last_mut() {
        last.flags |= flag::SENT_END;
    }
    mark_phrases(lex, out);
    mark_quotes(out);
}

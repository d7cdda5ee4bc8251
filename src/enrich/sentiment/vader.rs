//! VADER's rules (Hutto & Gilbert 2014; vaderSentiment 3.3.2), reimplemented on our tokens,
//! with news extensions:
//!
//! - booster words, the "kind of" and "least" rules, ALL-CAPS emphasis, negation up to three
//!   words back, "never so", "without doubt", "no" before a sentiment word: as VADER;
//! - negators that are also sentiment words ("failed", "lack") still negate what follows;
//! - contrast: VADER halves what comes before the first "but" and weights what follows by 1.5;
//!   we do the same for every contrast word of `rules.tsv` ("however", "nevertheless", ...);
//! - concessive clauses ("although X, Y"; "despite X"): X is damped to the clause end and
//!   the main clause weighs more, as around "but";
//! - hedges ("allegedly", "may"): the next three words are damped;
//! - quotes: sentiment words in quotation marks weigh `quote_weight`, a lone positive word in
//!   quotes (scare quotes: the "peace" process) is damped to `scare_quote_weight`;
//! - multi-word news terms ("ceasefire violations", "deep concern") come from the lexicon.
//!
//! The result is one valence per token; sums are normalised with VADER's `x / sqrt(x² + 15)`.

// Index loops read closer to the rules they implement than iterator chains.
#![allow(clippy::needless_range_loop)]

use super::lexicon::{Lexicon, UNKNOWN};
use super::text::{flag, Token};

/// VADER's ALL-CAPS increment.
const C_INCR: f32 = 0.733;
/// VADER's negation scalar, used for "no X" (the negators carry their own in `rules.tsv`).
const N_SCALAR: f32 = -0.74;
/// VADER's normalisation constant.
const ALPHA: f32 = 15.0;

/// VADER's normalisation of a valence sum to -1..1.
#[inline]
pub(crate) fn normalize(x: f32) -> f32 {
    (x / (x * x + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// VADER's punctuation emphasis for a sentence with `excl` exclamation and `quest` question marks.
#[inline]
pub(crate) fn punctuation_emphasis(excl: u32, quest: u32) -> f32 {
    let ep = excl.min(4) as f32 * 0.292;
    let qm = if quest > 1 {
        if quest <= 3 {
            quest as f32 * 0.18
        } else {
            0.96
        }
    } else {
        0.0
    };
    ep + qm
}

/// Negation scalar of token `k`, if it negates: "not only" does not (it announces "but also").
#[inline]
fn is_negated(lex: &Lexicon, toks: &[Token], k: usize) -> Option<f32> {
    let t = &toks[k];
    if toks.get(k + 1).is_some_and(|n| n.id == lex.special.only) {
        return None;
    }
    if t.has(flag::NT) {
        return Some(N_SCALAR);
    }
    t.has(flag::NEGATOR).then(|| lex.info(t.id).negator)
}

#[inline]
fn in_lexicon(lex: &Lexicon, t: &Token) -> bool {
    t.base != 0.0 || (t.id != UNKNOWN && lex.info(t.id).valence.is_some())
}

/// What the tone of a whole text needs of one sentence besides its valences.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SentenceMarks {
    /// Exclamation marks.
    pub excl: u32,
    /// Question marks.
    pub quest: u32,
    /// Whether a word of it is inside quotation marks (see [`weigh_quotes`]).
    pub quoted: bool,
}

/// Valence of every token of one sentence `toks` into `out` (same length), before quote
/// weighting; callers sum what they need. Returns the sentence's punctuation and quotes,
/// read in the same pass over its words as the rules' own summary.
pub(crate) fn score_sentence(lex: &Lexicon, toks: &[Token], out: &mut [f32]) -> SentenceMarks {
    debug_assert_eq!(toks.len(), out.len());
    let sp = lex.special;
    let n = toks.len();
    // Caps emphasis counts only when some but not all words are in capitals (VADER); the
    // flags of all words say which of the passes below have anything to do.
    let mut upper = 0usize;
    let mut any = 0u16;
    let mut marks = SentenceMarks::default();
    for t in toks {
        upper += usize::from(t.has(flag::UPPER));
        any |= t.flags;
        marks.excl += u32::from(t.excl);
        marks.quest += u32::from(t.quest);
    }
    marks.quoted = any & flag::IN_QUOTE != 0;
    let cap_diff = upper > 0 && upper < n;
    let id = |k: usize| toks[k].id;

    for i in 0..n {
        out[i] = 0.0;
        let t = &toks[i];
        if t.has(flag::IN_PHRASE | flag::BOOSTER) || t.base == 0.0 {
            continue;
        }
        // "kind of" is a dampener, not kindness.
        if t.id == sp.kind && i + 1 < n && id(i + 1) == sp.of {
            continue;
        }
        let mut v = t.base;
        if t.id == sp.no && i + 1 < n && in_lexicon(lex, &toks[i + 1]) {
            v = 0.0;
        }
        if (i > 0 && id(i - 1) == sp.no)
            || (i > 1 && id(i - 2) == sp.no)
            || (i > 2 && id(i - 3) == sp.no && (id(i - 1) == sp.or || id(i - 1) == sp.nor))
        {
            v = t.base * N_SCALAR;
        }
        if t.has(flag::UPPER) && cap_diff {
            v += if v > 0.0 { C_INCR } else { -C_INCR };
        }
        for back in 0..3usize {
            if i <= back {
                break;
            }
            let p = &toks[i - back - 1];
            if p.has(flag::BOOSTER) && !in_lexicon(lex, p) {
                let b = lex.info(p.id).booster;
                let mut s = if v < 0.0 { -b } else { b };
                if p.has(flag::UPPER) && cap_diff {
                    s += if v > 0.0 { C_INCR } else { -C_INCR };
                }
                s *= [1.0, 0.95, 0.9][back];
                v += s;
            }
            // Negation (VADER's _negation_check, with its "never so" / "without doubt" cases).
            let w1 = id(i - 1);
            match back {
                0 => {
                    if let Some(k) = is_negated(lex, toks, i - back - 1) {
                        v *= k;
                    }
                }
                1 => {
                    if id(i - 2) == sp.never && (w1 == sp.so || w1 == sp.this) {
                        v *= 1.25;
                    } else if id(i - 2) == sp.without && w1 == sp.doubt {
                    } else if let Some(k) = is_negated(lex, toks, i - back - 1) {
                        v *= k;
                    }
                }
                _ => {
                    let w2 = id(i - 2);
                    if (id(i - 3) == sp.never && (w2 == sp.so || w2 == sp.this))
                        || (w1 == sp.so || w1 == sp.this)
                    {
                        v *= 1.25;
                    } else if id(i - 3) == sp.without && (w2 == sp.doubt || w1 == sp.doubt) {
                    } else if let Some(k) = is_negated(lex, toks, i - back - 1) {
                        v *= k;
                    }
                }
            }
            if back == 0 && p.has(flag::SENT_END) {
                break;
            }
        }
        // "kind of" / "sort of" right before damp (VADER's two-word boosters; VADER adds
        // B_DECR whatever the sign, making negative words more negative: we damp both).
        if i >= 2 && id(i - 1) == sp.of && (id(i - 2) == sp.kind || id(i - 2) == sp.sort) {
            v -= v.signum() * 0.293f32.min(v.abs());
        }
        // "least" (but not "at least", "very least") negates.
        if i > 0
            && id(i - 1) == sp.least
            && !in_lexicon(lex, &toks[i - 1])
            && (i == 1 || (id(i - 2) != sp.at && id(i - 2) != sp.very))
        {
            v *= N_SCALAR;
        }
        // Hedges within three words before damp.
        for back in 1..=3usize.min(i) {
            let p = &toks[i - back];
            if p.has(flag::CLAUSE_END) || p.has(flag::SENT_END) {
                break;
            }
            if p.has(flag::HEDGE) {
                v *= lex.info(p.id).hedge;
                break;
            }
        }
        out[i] = v;
    }

    // Contrast: the first contrast word splits the sentence.
    let before = lex.params.before_contrast;
    // "but also" (after "not only") adds rather than contrasts.
    let contrast = (any & flag::CONTRAST != 0)
        .then(|| {
            (0..n).find(|&k| {
                toks[k].has(flag::CONTRAST) && toks.get(k + 1).map_or(true, |n| n.id != sp.also)
            })
        })
        .flatten();
    if let Some(ci) = contrast {
        let after = lex.info(toks[ci].id).contrast;
        for v in &mut out[..ci] {
            *v *= before;
        }
        for v in &mut out[ci + 1..] {
            *v *= after;
        }
    }
    // Concessive clauses: damp from the concessive word to the end of its clause by its
    // value c, and weigh the rest of the sentence (the main clause) by 2 − c, as VADER's
    // "but" weighs 0.5 before and 1.5 after. (Without a concessive word every weight is 1.)
    if any & flag::CONCESSIVE == 0 {
        return marks;
    }
    let mut damp = 1.0f32;
    let mut main = 1.0f32;
    let mut in_concession = Mask::new(n);
    for i in 0..n {
        let t = &toks[i];
        if t.has(flag::CONCESSIVE) {
            let c = lex.info(t.id).concessive;
            damp = c;
            main = 2.0 - c;
        }
        in_concession.set(i, damp != 1.0);
        out[i] *= damp;
        if t.has(flag::CLAUSE_END) {
            damp = 1.0;
        }
    }
    if main != 1.0 {
        for i in 0..n {
            if !in_concession.get(i) {
                out[i] *= main;
            }
        }
    }
    marks
}

/// A bit set over the words of a sentence without allocating for sentences of up to 256
/// words (longer ones fall back to a vector).
struct Mask {
    small: [u64; 4],
    big: Vec<bool>,
}

impl Mask {
    fn new(n: usize) -> Mask {
        Mask {
            small: [0; 4],
            big: if n > 256 { vec![false; n] } else { Vec::new() },
        }
    }

    #[inline]
    fn set(&mut self, i: usize, v: bool) {
        if self.big.is_empty() {
            if v {
                self.small[i / 64] |= 1 << (i % 64);
            }
        } else {
            self.big[i] = v;
        }
    }

    #[inline]
    fn get(&self, i: usize) -> bool {
        if self.big.is_empty() {
            self.small[i / 64] & (1 << (i % 64)) != 0
        } else {
            self.big[i]
        }
    }
}

/// Apply quote weights to the valences of one sentence (for document tone).
pub(crate) fn weigh_quotes(lex: &Lexicon, toks: &[Token], vals: &mut [f32]) {
    let qw = lex.params.quote_weight;
    let sw = lex.params.scare_quote_weight;
    let n = toks.len();
    let mut i = 0;
    while i < n {
        if !toks[i].has(flag::IN_QUOTE) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && toks[j].has(flag::IN_QUOTE) {
            j += 1;
            if toks[j - 1].has(flag::QUOTE_CLOSE) {
                break;
            }
        }
        let scare = j - i <= 2;
        for k in i..j {
            if scare && vals[k] > 0.0 {
                vals[k] *= sw;
            } else {
                vals[k] *= qw;
            }
        }
        i = j;
    }
}

//! Sentiment toward an entity from the words around its mentions: a multinomial logistic
//! regression (negative / neutral / positive) over features of each mention's context —
//! lexicon valences in windows, the clause and the sentence, negation, contrast, quotes,
//! attribution ("X said"), position — plus learned cue words left and right of the mention.
//!
//! The weights are data (`config/sentiment/target_model.tsv`), learned from NewsMTSC by
//! `examples/train_target_sentiment.rs`, which computes features with this same code.
//! With several mentions, the logits of each mention are averaged.

// Index loops read closer to the rules they implement than iterator chains.
#![allow(clippy::needless_range_loop)]

use super::lexicon::{required, FxMap, Lexicon};
use super::text::{flag, Token};
use super::vader::normalize;
use crate::enrich::{DictionaryError, DictionarySources};

/// Names of the dense features, in order.
pub const FEATURES: &[&str] = &[
    "bias",
    "sent_compound",
    "sent_pos",
    "sent_neg",
    "clause_pos",
    "clause_neg",
    "left3_pos",
    "left3_neg",
    "right3_pos",
    "right3_neg",
    "left_clause_pos",
    "left_clause_neg",
    "right_clause_pos",
    "right_clause_neg",
    "near_weighted",
    "mention_in_quote",
    "sentence_has_quote",
    "speaker",
    "clause_negated",
    "sentence_start",
    "sentence_length",
    "contrast_after",
    "contrast_before",
    "quote_sentiment",
    "unquoted_sentiment",
    "other_clauses_pos",
    "other_clauses_neg",
];

/// Number of dense features.
pub const N_DENSE: usize = FEATURES.len();

/// Words of context read as cue words on each side of a mention.
const CUE_WINDOW: usize = 5;

/// Classes, in weight-column order.
pub const CLASSES: [&str; 3] = ["negative", "neutral", "positive"];

/// Position classes of cue words (`L1:word` in the model file), in the order of
/// [`CueWeights`].
pub const CUE_CLASSES: [&str; 4] = ["L1", "L", "R1", "R"];

/// Indices into [`CUE_CLASSES`]: the word right before the mention, a word up to
/// [`CUE_WINDOW`] before it, the word right after it, a word up to [`CUE_WINDOW`] after it.
const L1: usize = 0;
const L: usize = 1;
const R1: usize = 2;
const R: usize = 3;

/// Weights of one cue word: `[position class][sentiment class]`.
type CueWeights = [[f32; 3]; CUE_CLASSES.len()];

/// Learned weights.
pub(crate) struct TargetModel {
    /// Dense weights, `[feature][class]`.
    dense: Vec<[f32; 3]>,
    /// The cue words (`L1:word`, `L:word`, ... in the file), each once: the lexicon files
    /// them with its words, so that a token carries its cue index from the one look-up of
    /// its word.
    cue_words: Vec<Box<[u8]>>,
    /// Weights of each cue word for each position class, by cue index.
    cue_weights: Vec<CueWeights>,
}

/// Where the words that matter to [`mention_features`] are in an analysed text, so that each
/// mention reads them instead of its whole sentence (sentences of unpunctuated text can run
/// to hundreds of words, and an actor to dozens of mentions).
#[derive(Debug, Default)]
pub(crate) struct Marks {
    /// Tokens with a non-zero valence, in order.
    valenced: Vec<usize>,
    /// Tokens inside quotation marks, in order.
    quoted: Vec<usize>,
    /// Contrast words ("but", "however"), in order.
    contrast: Vec<usize>,
}

impl Marks {
    /// Tokens with a non-zero valence, in order.
    pub(crate) fn valenced(&self) -> &[usize] {
        &self.valenced
    }

    pub(crate) fn new(toks: &[Token], vals: &[f32]) -> Self {
        let mut m = Marks::default();
        for (k, (t, &v)) in toks.iter().zip(vals).enumerate() {
            if v != 0.0 {
                m.valenced.push(k);
            }
            if t.has(flag::IN_QUOTE) {
                m.quoted.push(k);
            }
            if t.has(flag::CONTRAST) {
                m.contrast.push(k);
            }
        }
        m
    }
}

/// The marked tokens in `[s, e)`.
fn within(marks: &[usize], s: usize, e: usize) -> &[usize] {
    let lo = marks.partition_point(|&k| k < s);
    let hi = marks.partition_point(|&k| k < e);
    &marks[lo..hi]
}

/// Squash a non-negative sum to 0..1.
#[inline]
fn sq(x: f32) -> f32 {
    x / (1.0 + x)
}

#[inline]
fn pos_neg(vals: &[f32]) -> (f32, f32) {
    let mut p = 0.0;
    let mut n = 0.0;
    for &v in vals {
        if v > 0.0 {
            p += v;
        } else {
            n -= v;
        }
    }
    (p, n)
}

#[inline]
fn is_breaker(t: &Token) -> bool {
    t.has(flag::BREAKER)
}

/// Dense features of one mention (tokens `[a, b)` of the sentence `[s, e)`) into `x`, and
/// its cue words (token indices, with their position classes: `L1`/`R1` the word right
/// before/after the mention, `L`/`R` up to [`CUE_WINDOW`] words left/right, the adjacent
/// words being both) into `cue`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mention_features(
    lex: &Lexicon,
    toks: &[Token],
    vals: &[f32],
    marks: &Marks,
    (s, e): (usize, usize),
    (a, b): (usize, usize),
    x: &mut [f32; N_DENSE],
    mut cue: impl FnMut(&'static [usize], usize),
) {
    let sp = lex.special;
    // Clause around the mention: from after the last clause end / at the last breaker
    // before it, to the next clause end (inclusive) or breaker (exclusive).
    let mut c0 = s;
    for k in (s..a).rev() {
        if toks[k].has(flag::CLAUSE_END) {
            c0 = k + 1;
            break;
        }
        if is_breaker(&toks[k]) {
            c0 = k;
            break;
        }
    }
    let mut c1 = e;
    for k in b..e {
        if is_breaker(&toks[k]) && k > b {
            c1 = k;
            break;
        }
        if toks[k].has(flag::CLAUSE_END) {
            c1 = k + 1;
            break;
        }
    }
    // The mention's own last token may end the clause ("Kerry, who ...").
    if b > a && toks[b - 1].has(flag::CLAUSE_END) && c1 == e {
        c1 = b;
    }
    // Zero valences add nothing to any of the sums below, so only valenced words are read
    // (in text order, as a full pass would add them).
    let valenced = within(&marks.valenced, s, e);
    let (mut sent_p, mut sent_n) = (0.0f32, 0.0f32);
    for &k in valenced {
        let v = vals[k];
        if v > 0.0 {
            sent_p += v;
        } else {
            sent_n -= v;
        }
    }
    let (lc_p, lc_n) = pos_neg(&vals[c0..a]);
    let (rc_p, rc_n) = pos_neg(&vals[b..c1.max(b)]);
    let (l3_p, l3_n) = pos_neg(&vals[a.saturating_sub(3).max(s)..a]);
    let (r3_p, r3_n) = pos_neg(&vals[b..(b + 3).min(e)]);
    let mut near = 0.0;
    let mut quoted = 0.0;
    let mut unquoted = 0.0;
    for &k in valenced {
        if toks[k].has(flag::IN_QUOTE) {
            quoted += vals[k];
        } else {
            unquoted += vals[k];
        }
        if k >= a && k < b {
            continue;
        }
        let d = if k < a { a - k } else { k + 1 - b };
        near += vals[k] * 0.7f32.powi(d as i32 - 1);
    }
    let has_quote = !within(&marks.quoted, s, e).is_empty();
    let contrast = within(&marks.contrast, s, e);
    let contrast_before = contrast.first().is_some_and(|&k| k < a);
    let contrast_after = contrast.last().is_some_and(|&k| k >= b);
    let mut negated = false;
    for t in &toks[c0..c1.max(c0)] {
        if t.has(flag::NT | flag::NEGATOR) {
            negated = true;
            break;
        }
    }
    let is_say = |k: usize| toks[k].id == sp.said || toks[k].id == sp.says;
    let speaker = (b < e && is_say(b))
        || (b + 1 < e && is_say(b + 1))
        || (a > s && is_say(a - 1))
        || (a > s + 1 && toks[a - 2].id == sp.according && toks[a - 1].id == sp.to);
    let in_quote = toks[a].has(flag::IN_QUOTE);

    x[0] = 1.0;
    x[1] = normalize(sent_p - sent_n);
    x[2] = sq(sent_p);
    x[3] = sq(sent_n);
    x[4] = sq(lc_p + rc_p);
    x[5] = sq(lc_n + rc_n);
    x[6] = sq(l3_p);
    x[7] = sq(l3_n);
    x[8] = sq(r3_p);
    x[9] = sq(r3_n);
    x[10] = sq(lc_p);
    x[11] = sq(lc_n);
    x[12] = sq(rc_p);
    x[13] = sq(rc_n);
    x[14] = normalize(near);
    x[15] = f32::from(u8::from(in_quote));
    x[16] = f32::from(u8::from(has_quote));
    x[17] = f32::from(u8::from(speaker));
    x[18] = f32::from(u8::from(negated));
    x[19] = f32::from(u8::from(a == s));
    x[20] = ((e - s) as f32 / 40.0).min(2.0);
    x[21] = f32::from(u8::from(contrast_after));
    x[22] = f32::from(u8::from(contrast_before));
    x[23] = normalize(quoted);
    x[24] = normalize(unquoted);
    x[25] = sq((sent_p - lc_p - rc_p).max(0.0));
    x[26] = sq((sent_n - lc_n - rc_n).max(0.0));

    // Cue words: up to CUE_WINDOW words each side within the sentence, and the adjacent
    // words once more on their own. (Words of the rest of the clause or sentence as cues,
    // and the sentence's sentiment words by side, did not improve cross-validated F1.)
    let lw = a.saturating_sub(CUE_WINDOW).max(s);
    let rw = (b + CUE_WINDOW).min(e);
    for k in lw..a {
        cue(if k + 1 == a { &[L1, L] } else { &[L] }, k);
    }
    for k in b..rw {
        cue(if k == b { &[R1, R] } else { &[R] }, k);
    }
}

impl TargetModel {
    /// Load `sentiment/target_model.tsv`: `feature<TAB>w_negative<TAB>w_neutral<TAB>w_positive`,
    /// dense features by name, cue words as `CLASS:word`.
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        let file = "sentiment/target_model.tsv";
        let body = required(sources, file)?;
        let err = |line: usize, message: String| DictionaryError {
            file: file.to_string(),
            line,
            message,
        };
        let mut m = TargetModel {
            dense: vec![[0.0; 3]; N_DENSE],
            cue_words: Vec::new(),
            cue_weights: Vec::new(),
        };
        let mut cue_index: FxMap<Box<[u8]>, usize> = FxMap::default();
        for (i, line) in body.lines().enumerate() {
            let n = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                return Err(err(n, "expected feature and 3 weights".into()));
            }
            if f[0] == "classes" {
                if f[1..] != CLASSES {
                    return Err(err(n, "classes must be negative, neutral, positive".into()));
                }
                continue;
            }
            let mut w = [0.0f32; 3];
            for c in 0..3 {
                w[c] = f[c + 1]
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(n, format!("weight `{}` is not a number", f[c + 1])))?;
            }
            if let Some((class, word)) = f[0].split_once(':') {
                let Some(c) = CUE_CLASSES.iter().position(|&x| x == class) else {
                    return Err(err(n, format!("unknown cue class `{class}`")));
                };
                let k = *cue_index.entry(word.as_bytes().into()).or_insert_with(|| {
                    m.cue_words.push(word.as_bytes().into());
                    m.cue_weights.push(CueWeights::default());
                    m.cue_words.len() - 1
                });
                m.cue_weights[k][c] = w;
            } else if let Some(k) = FEATURES.iter().position(|&x| x == f[0]) {
                m.dense[k] = w;
            } else {
                return Err(err(n, format!("unknown feature `{}`", f[0])));
            }
        }
        Ok(m)
    }

    /// Add the logits of one mention to `logits`.
    pub fn add_logits(&self, x: &[f32; N_DENSE], logits: &mut [f32; 3]) {
        for (xi, w) in x.iter().zip(&self.dense) {
            for c in 0..3 {
                logits[c] += xi * w[c];
            }
        }
    }

    /// The cue words, by cue index (for the lexicon to file).
    pub fn cue_words(&self) -> &[Box<[u8]>] {
        &self.cue_words
    }

    /// Add the weights of cue word `cue` (a cue index, `NO_CUE` for a word that is none) in
    /// its position classes (indices into [`CUE_CLASSES`]).
    #[inline]
    pub fn add_cue(&self, classes: &[usize], cue: u32, logits: &mut [f32; 3]) {
        let Some(w) = self.cue_weights.get(cue as usize) else {
            return;
        };
        for &c in classes {
            for k in 0..3 {
                logits[k] += w[c][k];
            }
        }
    }
}

/// Softmax of logits.
pub(crate) fn softmax(l: [f32; 3]) -> [f32; 3] {
    let m = l[0].max(l[1]).max(l[2]);
    let e = [(l[0] - m).exp(), (l[1] - m).exp(), (l[2] - m).exp()];
    let z = e[0] + e[1] + e[2];
    [e[0] / z, e[1] / z, e[2] / z]
}

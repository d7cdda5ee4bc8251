//! Sentiment: document tone, sentiment toward actors and targets, directed event sentiment,
//! and tone tags. Pure: compiled once from dictionary data, no I/O.
//!
//! Why our own VADER rather than the `vader-parity` crate: we need per-token valences (to
//! read the context of one mention, one clause, one event) rather than one score per
//! string, a lexicon that is data users can extend (`config/sentiment/`), news rules VADER
//! lacks (contrast beyond "but", concessive clauses, hedges, quotes, multi-word news terms),
//! and a hot loop with one hash lookup per word and no allocation per token. The rules follow
//! vaderSentiment 3.3.2 (see `vader`) on its MIT-licensed lexicon.
//!
//! Parts:
//! - `lexicon`: the compiled word list (VADER + news terms + word classes).
//! - `text`: the tokenizer (offsets in bytes and code points, punctuation flags, sentences).
//! - `vader`: per-token valences under VADER's rules and our news extensions.
//! - [`target`]: the learned model of sentiment toward a mentioned entity.
//! - `tags`: news tags from `tags.tsv`.
//!
//! ```
//! use parleywire::enrich::sentiment::SentimentModel;
//! let model = SentimentModel::new(&parleywire::dictionaries::embedded()).unwrap();
//! assert_eq!(model.document("The talks were a great success.").label, "positive");
//! assert_eq!(model.document("The talks were not a success.").label, "negative");
//! ```

mod lexicon;
mod tags;
pub mod target;
mod text;
mod vader;

use super::{DictionaryError, DictionarySources};
use crate::article::Article;
use crate::record::{DocumentSentiment, Sentiment, Span, TargetSentiment};

use lexicon::{data_lines, fold, Lexicon};
use target::{TargetModel, N_DENSE};
use text::Token;

/// Compiled sentiment lexicon and models.
pub struct SentimentModel {
    /// Word valences and word classes.
    lex: Lexicon,
    /// Learned targeted-sentiment weights; `None` when `target_model.tsv` is absent, in
    /// which case sentiment toward a mention is the tone of its clause.
    target: Option<TargetModel>,
    /// PLOVER type to (prior score, weight of the clause's own tone).
    event_priors: Vec<(String, f32, f32)>,
    /// Tag lexicons.
    tags: tags::Tagger,
}

/// A text scored once, to read several mentions or clauses of it without scoring it again.
pub struct Analysis {
    /// Tokens in text order.
    toks: Vec<Token>,
    /// Valence of each token under the rules (before quote weighting).
    vals: Vec<f32>,
    /// Sentences as token ranges.
    sents: Vec<(usize, usize)>,
    /// Punctuation and quotes of each sentence, for the document tone.
    sent_marks: Vec<vader::SentenceMarks>,
    /// Where the valenced, quoted and contrast words are, for mention features.
    marks: target::Marks,
}

impl Analysis {
    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.toks.len()
    }

    /// Token range `[a, b)` covering the code-point span, if any token overlaps it.
    fn token_range(&self, span: Span) -> Option<(usize, usize)> {
        let [start, end] = span;
        let a = self.toks.partition_point(|t| (t.c1 as usize) <= start);
        let mut b = a;
        while b < self.toks.len() && (self.toks[b].c0 as usize) < end {
            b += 1;
        }
        (b > a).then_some((a, b))
    }

    /// The sentence holding token `k`.
    fn sentence_of(&self, k: usize) -> (usize, usize) {
        let i = self.sents.partition_point(|&(_, e)| e <= k);
        self.sents[i.min(self.sents.len() - 1)]
    }
}

impl SentimentModel {
    /// Compile from dictionary sources (`sentiment/...` files).
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        let mut lex = Lexicon::new(sources)?;
        let target = if sources.get("sentiment/target_model.tsv").is_some() {
            let m = TargetModel::new(sources)?;
            lex.index(m.cue_words());
            Some(m)
        } else {
            None
        };
        let file = "sentiment/event_types.tsv";
        let mut event_priors = Vec::new();
        for (n, line) in data_lines(lexicon::required(sources, file)?) {
            let f: Vec<&str> = line.split('\t').collect();
            let bad = |m: &str| DictionaryError {
                file: file.into(),
                line: n,
                message: m.into(),
            };
            if f.len() < 3 {
                return Err(bad("expected TYPE<TAB>prior<TAB>clause weight"));
            }
            let prior: f32 = f[1]
                .trim()
                .parse()
                .ok()
                .filter(|v: &f32| (-1.0..=1.0).contains(v))
                .ok_or_else(|| bad("prior must be a number in -1..1"))?;
            let weight: f32 = f[2]
                .trim()
                .parse()
                .ok()
                .filter(|v: &f32| (0.0..=1.0).contains(v))
                .ok_or_else(|| bad("clause weight must be a number in 0..1"))?;
            event_priors.push((f[0].trim().to_string(), prior, weight));
        }
        let tags = tags::Tagger::new(sources)?;
        Ok(SentimentModel {
            lex,
            target,
            event_priors,
            tags,
        })
    }

    /// Score `text` once: tokens, sentences and the valence of every word.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut toks = Vec::with_capacity(text.len() / 5 + 1);
        text::tokenize(text, &self.lex, &mut toks);
        let mut vals = vec![0.0f32; toks.len()];
        let sents: Vec<(usize, usize)> = text::sentences(&toks).collect();
        let sent_marks = sents
            .iter()
            .map(|&(s, e)| vader::score_sentence(&self.lex, &toks[s..e], &mut vals[s..e]))
            .collect();
        let marks = target::Marks::new(&toks, &vals);
        Analysis {
            toks,
            vals,
            sents,
            sent_marks,
            marks,
        }
    }

    /// Tone of a whole text: VADER's normalised sum of sentence valences (see
    /// [`Self::document_of`]), plus
    /// GDELT-style percentages of positive and negative words.
    pub fn document(&self, text: &str) -> DocumentSentiment {
        self.document_of(&self.analyze(text))
    }

    /// [`Self::document`] of an analysed text.
    pub fn document_of(&self, an: &Analysis) -> DocumentSentiment {
        let mut sum_compound = 0.0f64;
        let mut n_sent = 0usize;
        let mut pos = 0usize;
        let mut neg = 0usize;
        let mut buf: Vec<f32> = Vec::new();
        let mut valenced = an.marks.valenced().iter().peekable();
        for (&(s, e), marks) in an.sents.iter().zip(&an.sent_marks) {
            let mut sum = 0.0f32;
            let mut add = |v: f32| {
                sum += v;
                if v > 0.0 {
                    pos += 1;
                } else if v < 0.0 {
                    neg += 1;
                }
            };
            if marks.quoted {
                buf.clear();
                buf.extend_from_slice(&an.vals[s..e]);
                vader::weigh_quotes(&self.lex, &an.toks[s..e], &mut buf);
                buf.iter().for_each(|&v| add(v));
            } else {
                // Only the valenced words: a zero adds nothing to the sum (which is never
                // -0) and counts as neither positive nor negative.
                while let Some(&k) = valenced.next_if(|&&k| k < e) {
                    add(an.vals[k]);
                }
            }
            while valenced.next_if(|&&k| k < e).is_some() {}
            let amp = vader::punctuation_emphasis(marks.excl, marks.quest);
            if sum > 0.0 {
                sum += amp;
            } else if sum < 0.0 {
                sum -= amp;
            }
            sum_compound += f64::from(sum);
            n_sent += 1;
        }
        let words = an.toks.len();
        // Sentence sums add up, damped by the square root of the number of sentences: one
        // sentence scores as VADER, and a long article's tone grows with its consistency
        // rather than with its length.
        let compound = if n_sent == 0 {
            0.0
        } else {
            f64::from(vader::normalize(
                (sum_compound / (n_sent as f64).sqrt()) as f32,
            ))
        };
        let pct = |k: usize| {
            if words == 0 {
                0.0
            } else {
                round2(100.0 * k as f64 / words as f64)
            }
        };
        let s = Sentiment::from_score(compound);
        DocumentSentiment {
            compound: s.score,
            label: s.label,
            tone: round2(pct(pos) - pct(neg)),
            positive: pct(pos),
            negative: pct(neg),
            polarity: pct(pos + neg),
            word_count: words,
        }
    }

    /// How `text` speaks of the entity mentioned at `mentions` (code-point spans of `text`).
    pub fn mention_sentiment(&self, text: &str, mentions: &[Span]) -> Sentiment {
        self.mention_sentiment_of(&self.analyze(text), text, mentions)
    }

    /// [`Self::mention_sentiment`] on an analysed text (`an` must come from `text`; the
    /// analysis holds all that is read of it).
    pub fn mention_sentiment_of(&self, an: &Analysis, text: &str, mentions: &[Span]) -> Sentiment {
        let _ = text;
        self.mention_sentiment_toned(an, mentions, 0.0)
    }

    /// Sentiment toward the mentions, with the logits moved by `tone` (a document compound,
    /// already weighted) on the negative–positive axis.
    fn mention_sentiment_toned(&self, an: &Analysis, mentions: &[Span], tone: f32) -> Sentiment {
        let mut logits = [0.0f32; 3];
        let mut n = 0usize;
        let mut clause_sum = 0.0f32;
        let mut x = [0.0f32; N_DENSE];
        for &span in mentions {
            let Some((a, b)) = an.token_range(span) else {
                continue;
            };
            n += 1;
            let mut l = [0.0f32; 3];
            let model = self.target.as_ref();
            self.read_mention(an, (a, b), &mut x, |classes, k| {
                if let Some(m) = model {
                    m.add_cue(classes, an.toks[k].cue, &mut l);
                }
            });
            match model {
                Some(m) => m.add_logits(&x, &mut l),
                // Without a model: clause tone.
                None => clause_sum += x[4] - x[5],
            }
            for c in 0..3 {
                logits[c] += l[c];
            }
        }
        if n == 0 {
            return Sentiment::neutral();
        }
        if self.target.is_none() {
            return Sentiment::from_score(f64::from(clause_sum / n as f32));
        }
        for l in &mut logits {
            *l /= n as f32;
        }
        logits[0] -= tone;
        logits[2] += tone;
        from_probabilities(target::softmax(logits))
    }

    /// Features of the mention at tokens `[a, b)` of `an` into `x` and its cue words (token
    /// indices) into `cue` (the mention is cut at the end of the sentence it starts in).
    fn read_mention(
        &self,
        an: &Analysis,
        (a, b): (usize, usize),
        x: &mut [f32; N_DENSE],
        cue: impl FnMut(&'static [usize], usize),
    ) {
        let sent = an.sentence_of(a);
        target::mention_features(
            &self.lex,
            &an.toks,
            &an.vals,
            &an.marks,
            sent,
            (a, b.min(sent.1)),
            x,
            cue,
        );
    }

    /// Features of the mentions (for training, `examples/train_target_sentiment.rs`): dense
    /// features averaged over mentions, and the cue words (`L:word`, `R1:word`, ...) with weight
    /// `1 / mentions` per occurrence.
    pub fn mention_features(
        &self,
        text: &str,
        mentions: &[Span],
    ) -> (Vec<f32>, Vec<(String, f32)>) {
        let an = self.analyze(text);
        let mut dense = vec![0.0f32; N_DENSE];
        let mut cues: Vec<(String, f32)> = Vec::new();
        let ranges: Vec<_> = mentions.iter().filter_map(|&s| an.token_range(s)).collect();
        let w = 1.0 / ranges.len().max(1) as f32;
        let mut x = [0.0f32; N_DENSE];
        let mut buf = [0u8; 48];
        for range in ranges {
            self.read_mention(&an, range, &mut x, |classes, k| {
                // The word as the lexicon files cue words: folded, if it fits.
                let t = &an.toks[k];
                let Some(word) = fold(&text.as_bytes()[t.b0 as usize..t.b1 as usize], &mut buf)
                else {
                    return;
                };
                for &class in classes {
                    let key = format!(
                        "{}:{}",
                        target::CUE_CLASSES[class],
                        String::from_utf8_lossy(word)
                    );
                    cues.push((key, w));
                }
            });
            for (d, v) in dense.iter_mut().zip(x) {
                *d += v * w;
            }
        }
        (dense, cues)
    }

    /// How the source of an event speaks of / acts toward its target, from the event's
    /// clause (`clause`: code-point span of `text`) and its PLOVER type: the type's prior
    /// (`event_types.tsv`: an accusation is hostile even in calm words) moved by the tone of
    /// the clause, at most by the type's clause weight.
    pub fn event_sentiment(&self, text: &str, clause: Span, event_type: &str) -> Sentiment {
        self.event_sentiment_of(&self.analyze(text), clause, event_type)
    }

    /// [`Self::event_sentiment`] on an analysed text: score every event of an article
    /// without tokenizing it again.
    pub fn event_sentiment_of(&self, an: &Analysis, clause: Span, event_type: &str) -> Sentiment {
        let mut sum = 0.0f32;
        if let Some((a, b)) = an.token_range(clause) {
            sum = an.vals[a..b].iter().sum();
        }
        let tone = vader::normalize(sum);
        let score = match self.event_priors.iter().find(|(t, _, _)| t == event_type) {
            Some(&(_, prior, weight)) => prior + weight * tone,
            None => tone,
        };
        Sentiment::from_score(f64::from(score))
    }

    /// Caller-named targets of the article, echoed in input order with their mentions
    /// in `body` and sentiment.
    ///
    /// Mentions: the span the caller gave, every other occurrence of the target's text, and
    /// for a name of several words its last word (the surname: "Kerry" for "John Kerry")
    /// where it does not overlap a full mention. Matches are case-sensitive on word bounds.
    ///
    /// Sentiment: the mention model over all mentions, and, for a body of several sentences,
    /// the article's tone too (`article_tone_weight` × document compound added to the
    /// positive logit and taken from the negative one): how an article speaks of the person
    /// it is about shows also where the person is referred to by a pronoun or not at all.
    pub fn targets(&self, article: &Article) -> Vec<TargetSentiment> {
        let an = (!article.targets.is_empty()).then(|| self.analyze(&article.body));
        self.targets_of(article, an.as_ref())
    }

    /// [`SentimentModel::targets`] with the body already analysed (`None`: every target
    /// is neutral), so the core scores the body once for actors, events and targets.
    pub fn targets_of(&self, article: &Article, an: Option<&Analysis>) -> Vec<TargetSentiment> {
        let body = article.body.as_str();
        let tone = match an {
            Some(an) if an.sents.len() > 1 => {
                self.lex.params.article_tone_weight * self.document_of(an).compound as f32
            }
            _ => 0.0,
        };
        article
            .targets
            .iter()
            .map(|t| {
                let mut mentions = find_mentions(body, &t.text);
                if let (Some(s), Some(e)) = (t.start, t.end) {
                    if s < e && !mentions.iter().any(|m| m[0] < e && s < m[1]) {
                        mentions.push([s, e]);
                        mentions.sort_unstable();
                    }
                }
                let sentiment = match an {
                    Some(an) => self.mention_sentiment_toned(an, &mentions, tone),
                    None => Sentiment::neutral(),
                };
                TargetSentiment {
                    text: t.text.clone(),
                    mentions,
                    sentiment,
                }
            })
            .collect()
    }

    /// Tone and news tags (`tone:negative`, `concern`, `escalation`, ...) for a text.
    pub fn tags(&self, text: &str, doc: &DocumentSentiment) -> Vec<String> {
        let mut out = vec![format!("tone:{}", doc.label)];
        self.tags.tag(&self.lex, text, doc.word_count, &mut out);
        out
    }
}

/// Round to two decimals (percentages).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A sentiment from class probabilities: the label is the most probable class, the score
/// P(positive) − P(negative), kept on the label's side of the ±0.05 thresholds so that the
/// two always agree (a neutral label scales the difference into −0.049..0.049).
fn from_probabilities(p: [f32; 3]) -> Sentiment {
    let diff = f64::from(p[2] - p[0]);
    let best = if p[0] >= p[1] && p[0] >= p[2] {
        0
    } else if p[2] >= p[1] {
        2
    } else {
        1
    };
    let score = match best {
        0 => diff.min(-0.05),
        2 => diff.max(0.05),
        _ => 0.049 * diff,
    };
    Sentiment::from_score(score)
}

/// Code-point spans of `needle` in `body` on word bounds, plus, for a multi-word name,
/// its last word where it does not overlap a full match.
fn find_mentions(body: &str, needle: &str) -> Vec<Span> {
    let needle = needle.trim();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut byte_spans = word_matches(body, needle);
    let words: Vec<&str> = needle.split_whitespace().collect();
    if words.len() > 1 {
        let last = words[words.len() - 1].trim_matches(|c: char| !c.is_alphanumeric());
        if last.chars().count() >= 3 && last.chars().next().is_some_and(char::is_uppercase) {
            let full = byte_spans.clone();
            for m in word_matches(body, last) {
                if !full.iter().any(|f| f.0 < m.1 && m.0 < f.1) {
                    byte_spans.push(m);
                }
            }
            byte_spans.sort_unstable();
        }
    }
    // Byte offsets to code points, walking once.
    let mut out = Vec::with_capacity(byte_spans.len());
    let mut cp = 0usize;
    let mut at = 0usize;
    let mut to_cp = |b: usize| {
        cp += body[at..b].chars().count();
        at = b;
        cp
    };
    let mut points: Vec<(usize, usize, usize)> = Vec::new(); // (byte, index, which end)
    for (i, &(s, e)) in byte_spans.iter().enumerate() {
        points.push((s, i, 0));
        points.push((e, i, 1));
    }
    points.sort_unstable();
    let mut spans = vec![[0usize; 2]; byte_spans.len()];
    for (b, i, end) in points {
        spans[i][end] = to_cp(b);
    }
    out.extend(spans);
    out
}

/// Byte spans of `needle` in `body` where neither side touches a letter or digit.
fn word_matches(body: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (s, m) in body.match_indices(needle) {
        let e = s + m.len();
        let before_ok = body[..s]
            .chars()
            .next_back()
            .map_or(true, |c| !c.is_alphanumeric());
        let after_ok = body[e..]
            .chars()
            .next()
            .map_or(true, |c| !c.is_alphanumeric());
        if before_ok && after_ok {
            out.push((s, e));
        }
    }
    out
}

#[cfg(test)]
mod tests;

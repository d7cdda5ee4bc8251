//! The pure enrichment core: `Article -> EnrichedRecord`.
//!
//! Invariants: no I/O, no async, no Kafka, no clock. Dictionaries arrive as data
//! ([`DictionarySources`]) and are compiled once by [`Enricher::new`]; processing time
//! arrives in the [`Context`]. The same article and dictionaries give the same record,
//! byte for byte.
//!
//! Module map (one concept per file):
//! - [`text`]: sentences, words, quotes, byte -> code-point offsets.
//! - [`lexicon`]: every dictionary parsed and compiled into one Aho-Corasick automaton.
//! - [`triggers`]: the event trigger lexicon format and its inflection rule.
//! - `wordindex`: where a dictionary match can start, looked up by the text's first word.
//! - [`sentence`]: one sentence annotated with actor mentions, places, times, quantities.
//! - [`actors`]: the article's actor and place registry (identity, dated offices, short names).
//! - [`events`]: event assembly (parties, modality, attachments) from the triggers of a sentence.
//! - [`time`], [`quantity`]: time expressions and amounts.
//! - [`sentiment`]: tone and targeted sentiment (owned by the sentiment work).

pub mod actors;
pub mod events;
pub mod lexicon;
pub mod quantity;
pub mod sentence;
pub mod sentiment;
pub mod text;
pub mod time;
pub mod triggers;
mod wordindex;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::article::Article;
use crate::record::{
    Actor, ArticleMeta, DocumentSentiment, EnrichedRecord, Event, EventActor, EventLocation,
    EventTime, KafkaPosition, Modality, Place, Provenance, Quantity, SentenceRef, Sentiment,
    TextRef, SCHEMA_ID,
};

/// Dictionary files as data: path relative to `config/` (e.g. `dictionaries/countries.tsv`)
/// to file contents. Reading them from disk is the caller's business.
#[derive(Debug, Clone, Default)]
pub struct DictionarySources {
    /// Path (relative to the config folder, `/`-separated) to contents.
    pub files: BTreeMap<String, String>,
}

impl DictionarySources {
    /// Contents of one file, if present.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Stable hash of every file name and content: the version stamped on records.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for (name, body) in &self.files {
            h.update(name.as_bytes());
            h.update([0u8]);
            h.update(body.as_bytes());
            h.update([0u8]);
        }
        let d = h.finalize();
        hex(&d[..8])
    }
}

/// An error in a dictionary file: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DictionaryError {
    /// File (relative to `config/`).
    pub file: String,
    /// 1-based line number, 0 when the error concerns the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Per-call context the core cannot know by itself.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Processing time, RFC 3339, stamped into provenance.
    pub processed_at: String,
    /// Where the article came from, if from Kafka.
    pub kafka: Option<KafkaPosition>,
}

/// Compiled dictionaries and models: build once, share across threads, call [`Enricher::enrich`].
pub struct Enricher {
    /// Hash of the dictionary sources.
    dictionaries_hash: String,
    /// Names, roles, places and triggers in one automaton.
    lexicon: lexicon::Lexicon,
    /// Tone and targeted sentiment.
    sentiment: sentiment::SentimentModel,
    /// Whether sentiment is scored (off: every sentiment is neutral; for benchmarks and
    /// users who want events only).
    with_sentiment: bool,
}

/// Topic tags derived from the events found: tag, and the PLOVER types or trigger lemmas that
/// give it. Documented in `docs/core.md`.
const TOPIC_TAGS: &[(&str, &[&str])] = &[
    ("negotiation", &["CONSULT", "AGREE"]),
    ("diplomacy", &["SUPPORT", "REJECT", "REQUEST", "ACCUSE"]),
    ("cooperation", &["COOPERATE"]),
    ("concession", &["CONCEDE", "RETREAT"]),
    ("humanitarian", &["AID"]),
    ("sanctions", &["SANCTION"]),
    ("threat", &["THREATEN", "MOBILIZE"]),
    ("protest", &["PROTEST"]),
    ("repression", &["COERCE"]),
    ("conflict", &["ASSAULT"]),
];

/// Everything one text (headline or body) yields before it is written into the record.
struct TextResult {
    /// Drafts with their sentence (index, byte span).
    drafts: Vec<(
        usize,
        text::Sentence,
        events::Draft,
        Vec<sentence::QuantityMention>,
    )>,
}

impl Enricher {
    /// Compile the dictionaries.
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        Ok(Enricher {
            dictionaries_hash: sources.hash(),
            lexicon: lexicon::Lexicon::new(sources)?,
            sentiment: sentiment::SentimentModel::new(sources)?,
            with_sentiment: true,
        })
    }

    /// The same enricher without sentiment scoring: tone, actor, target and event
    /// sentiment are all neutral and only topic tags are given.
    pub fn without_sentiment(mut self) -> Self {
        self.with_sentiment = false;
        self
    }

    /// The sentiment model (for scoring it on its own, `parleywire eval sentiment`).
    pub fn sentiment(&self) -> &sentiment::SentimentModel {
        &self.sentiment
    }

    /// Hash of the dictionaries this enricher was compiled from.
    pub fn dictionaries_hash(&self) -> &str {
        &self.dictionaries_hash
    }

    /// Read one text (headline or body) into the registry and event drafts.
    fn read_text(
        &self,
        reg: &mut actors::Registry<'_>,
        t: &str,
        hits: &[lexicon::Hit],
        headline: bool,
    ) -> TextResult {
        let quotes = text::quotes(t);
        let mut drafts = Vec::new();
        let mut scratch = sentence::Scratch::default();
        for (i, s) in text::sentences(t).into_iter().enumerate() {
            let lo = hits.partition_point(|h| h.start < s.start);
            let hi = hits.partition_point(|h| h.start < s.end);
            let view = sentence::annotate(
                &self.lexicon,
                reg,
                t,
                s,
                i,
                headline,
                &hits[lo..hi],
                &quotes,
                &mut scratch,
            );
            // "he said" points at the last person who spoke, else the last person named.
            let he = reg.last_speaker.or(reg.last_person);
            // Speakers matter where there are events, or where a person can speak (a person
            // named, or "he"/"she").
            let has_trigger = view.toks.iter().any(|t| t.trigger().is_some());
            let names_a_person = view.actors.iter().any(|m| reg.actors[m.actor].person)
                || view.toks.iter().any(|t| t.is_any(&["he", "she"]));
            let speakers = if has_trigger || names_a_person {
                events::reporters(&view, he)
            } else {
                Vec::new()
            };
            for d in events::extract(
                &self.lexicon,
                &view,
                &reg.actors,
                &reg.places,
                &speakers,
                he,
            ) {
                drafts.push((i, s, d, view.quantities.clone()));
            }
            if let Some(p) = speakers
                .into_iter()
                .map(|(p, _)| p.actor)
                .rfind(|&a| reg.actors[a].person)
            {
                reg.last_speaker = Some(p);
            }
        }
        TextResult { drafts }
    }

    /// Enrich one article.
    pub fn enrich(&self, article: &Article, ctx: &Context) -> EnrichedRecord {
        let text = if article.body.is_empty() {
            article.headline.as_str()
        } else {
            article.body.as_str()
        };
        let published = time::published_date(article.published_at.as_deref());
        let mut reg = actors::Registry::new(&self.lexicon, published.map(iso_date));
        // Countries named anywhere choose between homonymous places.
        let mut head_hits = Vec::with_capacity(article.headline.len() / 16 + 2);
        self.lexicon.scan(&article.headline, &mut head_hits);
        let mut body_hits = Vec::with_capacity(article.body.len() / 16 + 2);
        self.lexicon.scan(&article.body, &mut body_hits);
        for h in head_hits.iter().chain(&body_hits) {
            if let lexicon::EntryKind::Country(c) | lexicon::EntryKind::Demonym(c) = h.kind {
                let iso = &self.lexicon.countries[c as usize].iso3;
                if !reg.article_countries.contains(iso) {
                    reg.article_countries.push(iso.clone());
                }
            }
        }
        // Sentiment scores each text once; actors, events and the document read from it.
        let analyze = |t: &str| self.with_sentiment.then(|| self.sentiment.analyze(t));
        let body_an = analyze(&article.body);
        let head_an = analyze(&article.headline);
        // The body first, so the headline's short names ("Kerry") are known.
        let body = self.read_text(&mut reg, &article.body, &body_hits, false);
        let head = self.read_text(&mut reg, &article.headline, &head_hits, true);
        let cp_body = text::CodePoints::new(&article.body);
        let cp_head = text::CodePoints::new(&article.headline);

        let mut events = Vec::new();
        for (headline, res) in [(true, &head), (false, &body)] {
            let (t, cp) = if headline {
                (article.headline.as_str(), &cp_head)
            } else {
                (article.body.as_str(), &cp_body)
            };
            let an = if headline {
                head_an.as_ref()
            } else {
                body_an.as_ref()
            };
            for (index, s, d, quantities) in &res.drafts {
                events.push(self.event(
                    article, &reg, t, cp, an, headline, *index, *s, d, quantities, published,
                ));
            }
        }
        share_locations(&mut events);

        // The registry is not read after this: its names and codes move into the record
        // instead of being copied.
        let actors = std::mem::take(&mut reg.actors)
            .into_iter()
            .map(|a| {
                let mentions: Vec<[usize; 2]> =
                    a.body.iter().map(|&(s, e)| cp_body.span(s, e)).collect();
                Actor {
                    name: a.name,
                    code: a.code,
                    country: a.country,
                    role: a.role,
                    sentiment: match &body_an {
                        Some(an) if !mentions.is_empty() => {
                            self.sentiment
                                .mention_sentiment_of(an, &article.body, &mentions)
                        }
                        _ => Sentiment::neutral(),
                    },
                    mentions,
                    headline_mentions: a
                        .headline
                        .iter()
                        .map(|&(s, e)| cp_head.span(s, e))
                        .collect(),
                }
            })
            .collect();
        let places = std::mem::take(&mut reg.places)
            .into_iter()
            .map(|p| Place {
                name: p.name,
                country: p.country,
                lat: p.lat,
                lon: p.lon,
                mentions: p.body.iter().map(|&(s, e)| cp_body.span(s, e)).collect(),
                headline_mentions: p
                    .headline
                    .iter()
                    .map(|&(s, e)| cp_head.span(s, e))
                    .collect(),
            })
            .collect();

        let an = if article.body.is_empty() {
            &head_an
        } else {
            &body_an
        };
        let (doc, mut tags) = match an {
            Some(an) => {
                let doc = self.sentiment.document_of(an);
                let tags = self.sentiment.tags(text, &doc);
                (doc, tags)
            }
            None => (
                DocumentSentiment {
                    label: "neutral".into(),
                    ..DocumentSentiment::default()
                },
                Vec::new(),
            ),
        };
        for (tag, types) in TOPIC_TAGS {
            if events
                .iter()
                .any(|e: &Event| types.contains(&e.event_type.as_str()) && !e.modality.negated)
            {
                tags.push((*tag).to_string());
            }
        }
        if events.iter().any(|e| {
            contains_any_case(&e.trigger.text, "ceasefire")
                || contains_any_case(&e.trigger.text, "truce")
                || e.cameo.starts_with("087")
                || e.cameo == "196"
        }) {
            tags.push("ceasefire".into());
        }
        // One tag once, in first-seen order (lexicon and topic tags may coincide).
        // The tags are moved, not cloned, into the deduplicated list.
        let mut unique: Vec<String> = Vec::with_capacity(tags.len());
        for t in tags {
            if !unique.contains(&t) {
                unique.push(t);
            }
        }
        let tags = unique;
        // The body's analysis again (`None` without sentiment: neutral targets).
        let targets = self.sentiment.targets_of(article, body_an.as_ref());
        EnrichedRecord {
            schema: SCHEMA_ID.to_string(),
            article: ArticleMeta {
                id: article.id.clone(),
                headline: article.headline.clone(),
                source: article.source.clone(),
                url: article.url.clone(),
                published_at: article.published_at.clone(),
                language: article.language.clone(),
            },
            events,
            actors,
            targets,
            places,
            sentiment: doc,
            tags,
            provenance: Provenance {
                worker: crate::WORKER_VERSION.to_string(),
                dictionaries: self.dictionaries_hash.clone(),
                processed_at: ctx.processed_at.clone(),
                kafka: ctx.kafka.clone(),
            },
        }
    }

    /// Write one draft as a record event.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        article: &Article,
        reg: &actors::Registry<'_>,
        t: &str,
        cp: &text::CodePoints,
        an: Option<&sentiment::Analysis>,
        headline: bool,
        index: usize,
        s: text::Sentence,
        d: &events::Draft,
        quantities: &[sentence::QuantityMention],
        published: Option<chrono::NaiveDate>,
    ) -> Event {
        let trig = &self.lexicon.triggers[d.trigger as usize];
        let (plover, cameo, goldstein, quad) = match d.derived {
            Some(r) => (r.plover, r.cameo.to_string(), r.goldstein, r.quad),
            None => (trig.plover, trig.cameo.clone(), trig.goldstein, trig.quad),
        };
        let actor = |p: &events::Party| {
            let a = &reg.actors[p.actor];
            EventActor {
                name: a.name.clone(),
                code: a.code.clone(),
                country: a.country.clone(),
                role: a.role.clone(),
                text: t[p.span.0..p.span.1].to_string(),
                span: cp.span(p.span.0, p.span.1),
            }
        };
        let trigger_text = &t[d.trigger_span.0..d.trigger_span.1];
        let trigger_span = cp.span(d.trigger_span.0, d.trigger_span.1);
        let sentence_text = &t[s.start..s.end];
        let id = event_id(
            &article.id,
            headline,
            sentence_text,
            trigger_text,
            trigger_span,
            plover,
        );
        let time = d.time.map(|(expr, (a, b))| {
            let (date, precision) = time::resolve(expr, published, d.future);
            EventTime {
                text: t[a..b].to_string(),
                date: date.map(iso_date),
                precision: precision.to_string(),
                span: cp.span(a, b),
            }
        });
        let location = d.location.map(|(pi, (a, b))| {
            let p = &reg.places[pi];
            EventLocation {
                text: t[a..b].to_string(),
                name: p.name.clone(),
                country: p.country.clone(),
                lat: p.lat,
                lon: p.lon,
                span: cp.span(a, b),
            }
        });
        let quantities = d
            .quantities
            .iter()
            .filter_map(|&qi| quantities.get(qi))
            .map(|q| Quantity {
                text: t[q.span.0..q.span.1].to_string(),
                value: q.q.value,
                unit: q.q.unit.to_string(),
                iso8601: q.q.iso8601.clone(),
                span: cp.span(q.span.0, q.span.1),
            })
            .collect();
        let clause = cp.span(d.clause.0, d.clause.1);
        Event {
            id,
            event_type: plover.to_string(),
            mode: trig
                .mode
                .clone()
                .or_else(|| d.mode.clone())
                .filter(|_| d.derived.is_none())
                .or_else(|| {
                    (plover == "CONSULT" && d.participants.len() > 2).then(|| "multilateral".into())
                }),
            cameo,
            quad_class: quad,
            goldstein,
            trigger: TextRef {
                text: trigger_text.to_string(),
                span: trigger_span,
            },
            source: d.source.as_ref().map(actor),
            target: d.target.as_ref().map(actor).or_else(|| {
                // The country of the place acted against, named by the place.
                let c = d.target_country.as_ref()?;
                let (_, (a, b)) = d.location?;
                let name = self.lexicon.country_by_code.get(c).map_or_else(
                    || c.clone(),
                    |&i| self.lexicon.countries[i as usize].name.clone(),
                );
                Some(EventActor {
                    name,
                    code: c.clone(),
                    country: Some(c.clone()),
                    role: None,
                    text: t[a..b].to_string(),
                    span: cp.span(a, b),
                })
            }),
            participants: d.participants.iter().map(actor).collect(),
            location,
            time,
            quantities,
            status: negotiation_status(plover, d),
            modality: Modality {
                negated: d.negated,
                hypothetical: d.hypothetical,
                future: d.future,
                reported_by: d.reported_by.as_ref().map(actor),
            },
            sentence: SentenceRef {
                index,
                span: cp.span(s.start, s.end),
                in_text: if headline { "headline" } else { "body" }.to_string(),
            },
            sentiment: an.map_or_else(Sentiment::neutral, |an| {
                self.sentiment.event_sentiment_of(an, clause, plover)
            }),
            confidence: d.confidence,
        }
    }
}

/// Negotiation status of a CONSULT or AGREE event: a status word of the context ("stalled",
/// "resumption", "scheduled", "proposed") wins; otherwise planned talks are `scheduled`,
/// refused or failed ones `failed`, hypothetical ones `proposed`, the rest `held`.
fn negotiation_status(plover: &str, d: &events::Draft) -> Option<String> {
    if plover != "CONSULT" && plover != "AGREE" {
        return None;
    }
    let s = d.status.unwrap_or(if d.negated {
        "failed"
    } else if d.future {
        "scheduled"
    } else if d.hypothetical {
        "proposed"
    } else {
        "held"
    });
    Some(s.to_string())
}

/// Stable event id: a hash of the article id and the event's evidence (where, which sentence,
/// which trigger words at which span, which type). Independent of dictionaries and version.
fn event_id(
    article: &str,
    headline: bool,
    sentence: &str,
    trigger: &str,
    span: [usize; 2],
    plover: &str,
) -> String {
    let mut h = Sha256::new();
    let mut digits = [0u8; 41];
    let span_text = span_digits(span, &mut digits);
    for part in [
        article.as_bytes(),
        if headline {
            b"headline".as_slice()
        } else {
            b"body"
        },
        sentence.as_bytes(),
        trigger.as_bytes(),
        span_text,
        plover.as_bytes(),
    ] {
        h.update(part);
        h.update([0u8]);
    }
    hex(&h.finalize()[..12])
}

/// Does `text` contain the lower-case ASCII `needle` in any case? The same answer as
/// `text.to_lowercase().contains(needle)` for the needles used here, without a lower-case
/// copy of the text: the only other characters that lower-case to ASCII letters ('İ' to
/// "i\u{307}", the Kelvin sign to 'k') cannot complete these words.
fn contains_any_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `start:end` in decimal, as `format!("{}:{}")` writes it, without allocating.
fn span_digits(span: [usize; 2], buf: &mut [u8; 41]) -> &[u8] {
    let mut n = 0;
    for (k, mut v) in span.into_iter().enumerate() {
        if k == 1 {
            buf[n] = b':';
            n += 1;
        }
        let start = n;
        loop {
            buf[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        buf[start..n].reverse();
    }
    &buf[..n]
}

/// Lower-case hexadecimal of `bytes` (ids and content hashes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A date as `YYYY-MM-DD` (what chrono's `%Y-%m-%d` gives for years 0..=9999), without
/// chrono's format-string interpreter.
fn iso_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return d.format("%Y-%m-%d").to_string();
    }
    let mut s = String::with_capacity(10);
    for (v, width) in [(y as u32, 4), (m, 2), (day, 2)] {
        if width == 2 {
            s.push('-');
        }
        for p in (0..width).rev() {
            s.push(char::from(b'0' + (v / 10u32.pow(p) % 10) as u8));
        }
    }
    s
}

/// Events of the same type between the same parties are one story: a location found for one
/// (the headline's "visits Geneva") is given to the others that have none.
fn share_locations(events: &mut [Event]) {
    let key = |e: &Event| {
        let mut names: Vec<String> = e
            .participants
            .iter()
            .chain(e.source.iter())
            .chain(e.target.iter())
            .map(|a| a.name.clone())
            .collect();
        names.sort();
        names.dedup();
        (e.event_type.clone(), names)
    };
    let known: Vec<_> = events
        .iter()
        .filter(|e| e.location.is_some() && e.source.is_some())
        .map(|e| (key(e), e.location.clone()))
        .collect();
    for e in events
        .iter_mut()
        .filter(|e| e.location.is_none() && e.source.is_some())
    {
        let k = key(e);
        if let Some((_, loc)) = known.iter().find(|(kk, _)| *kk == k) {
            e.location = loc.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_parts_are_written_as_format_would() {
        let mut buf = [0u8; 41];
        for span in [
            [0, 0],
            [7, 12],
            [9, 10],
            [123_456, 7_890_123],
            [usize::MAX, 0],
        ] {
            let want = format!("{}:{}", span[0], span[1]);
            assert_eq!(span_digits(span, &mut buf), want.as_bytes());
        }
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        let want: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&bytes), want);
    }

    #[test]
    fn targets_are_scored_from_the_body_analysis_of_the_record() {
        let article = Article {
            id: "t1".into(),
            headline: "Minister praised".into(),
            body: "Farmers thanked the minister Okonjo for the generous and welcome aid. \
                   Critics called the mayor Bello a corrupt and cruel liar."
                .into(),
            targets: vec![
                crate::article::TargetSpec {
                    text: "Okonjo".into(),
                    start: None,
                    end: None,
                },
                crate::article::TargetSpec {
                    text: "Bello".into(),
                    start: None,
                    end: None,
                },
            ],
            ..Article::default()
        };
        let enricher = Enricher::new(&crate::dictionaries::embedded()).expect("dictionaries");
        let record = enricher.enrich(&article, &Context::default());
        assert_eq!(record.targets, enricher.sentiment().targets(&article));
        let labels: Vec<&str> = record
            .targets
            .iter()
            .map(|t| t.sentiment.label.as_str())
            .collect();
        assert_eq!(labels, ["positive", "negative"]);
        // Without sentiment every target is neutral, as documented.
        let plain = enricher
            .without_sentiment()
            .enrich(&article, &Context::default());
        assert!(plain
            .targets
            .iter()
            .all(|t| t.sentiment.label == "neutral" && !t.mentions.is_empty()));
    }

    #[test]
    fn dates_are_written_as_chrono_would() {
        for (y, m, d) in [
            (2016, 8, 26),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 2, 3),
            (-44, 3, 15),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
    }
}

//! Writing records and event messages as JSON, fast: the same bytes `serde_json` writes for
//! these types (compact form), without its per-field machinery.
//!
//! Why: an enriched record is about 2.7 times the size of its article, and `serde_json`
//! escapes every field name again for every field and checks every byte of every string
//! one at a time; in the worker that was a tenth of the CPU per article on top of the core.
//! Here field names are written as they are (they are Rust identifiers, nothing to escape),
//! strings are checked for bytes that need escaping eight bytes at a time, and numbers are
//! written directly. Floats go through `serde_json` itself, one value at a time, so their
//! digits are `serde_json`'s by construction.
//!
//! The `serde` derives stay the contract (the JSON Schema, `Deserialize`, pretty printing);
//! the tests check that both write identical bytes, for records with every field set and
//! for arbitrary strings and numbers, so a field added to a type but not here fails them.

use super::{
    Actor, ArticleMeta, DocumentSentiment, EnrichedRecord, Event, EventActor, EventLocation,
    EventMessage, EventTime, KafkaPosition, Modality, Place, Provenance, Quantity, SentenceRef,
    Sentiment, Span, TargetSentiment, TextRef,
};

impl EnrichedRecord {
    /// The record as compact JSON: byte for byte what `serde_json::to_vec` gives, faster.
    ///
    /// ```
    /// # use parleywire::record::*;
    /// let record = EnrichedRecord {
    ///     schema: SCHEMA_ID.into(),
    ///     article: ArticleMeta {
    ///         id: "a1".into(),
    ///         headline: "Talks \"resume\"".into(),
    ///         source: None,
    ///         url: None,
    ///         published_at: Some("2016-08-25".into()),
    ///         language: Some("en".into()),
    ///     },
    ///     events: vec![],
    ///     actors: vec![],
    ///     targets: vec![],
    ///     places: vec![],
    ///     sentiment: DocumentSentiment::default(),
    ///     tags: vec!["tone:neutral".into()],
    ///     provenance: Provenance {
    ///         worker: "parleywire 0.1.0".into(),
    ///         dictionaries: "abc".into(),
    ///         processed_at: "2026-01-01T00:00:00Z".into(),
    ///         kafka: None,
    ///     },
    /// };
    /// assert_eq!(record.to_json(), serde_json::to_vec(&record).unwrap());
    /// ```
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = Json::with_capacity(self.size_hint());
        self.write(&mut w);
        w.out
    }

    /// A guess of the JSON size, so the buffer is rarely grown: records run to about 250
    /// bytes per event and 120 per actor or place.
    fn size_hint(&self) -> usize {
        512 + self.article.headline.len()
            + 256 * self.events.len()
            + 128 * (self.actors.len() + self.places.len() + self.targets.len())
    }
}

impl EventMessage {
    /// The event message as compact JSON: byte for byte what `serde_json::to_vec` gives.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = Json::with_capacity(1024);
        self.write(&mut w);
        w.out
    }
}

/// The output buffer and the few shapes of value records are made of.
struct Json {
    /// The JSON written so far.
    out: Vec<u8>,
}

/// `{"name":` — the first field of an object, one constant slice.
macro_rules! first {
    ($w:expr, $name:literal) => {
        $w.raw(concat!("{\"", $name, "\":").as_bytes())
    };
}

/// `,"name":` — any later field of an object, one constant slice.
macro_rules! key {
    ($w:expr, $name:literal) => {
        $w.raw(concat!(",\"", $name, "\":").as_bytes())
    };
}

/// A value that writes itself as JSON.
trait Write {
    /// Append the value.
    fn write(&self, w: &mut Json);
}

/// For each byte, whether a JSON string must escape it (`"`, `\` and control characters), as
/// `serde_json` decides.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

impl Json {
    fn with_capacity(n: usize) -> Self {
        Json {
            out: Vec::with_capacity(n),
        }
    }

    /// Bytes as they are (field names with their punctuation, from [`first!`] and [`key!`]).
    #[inline]
    fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// `}`.
    #[inline]
    fn close(&mut self) {
        self.out.push(b'}');
    }

    /// A string, escaped as `serde_json` escapes it.
    fn str(&mut self, s: &str) {
        self.out.push(b'"');
        let b = s.as_bytes();
        let mut run = 0; // start of the bytes not yet copied
        let mut i = 0;
        while i < b.len() {
            // Eight bytes at a time while none needs escaping (most strings are names,
            // codes and words without quotes or control characters).
            if i + 8 <= b.len() && !chunk_needs_escape(&b[i..i + 8]) {
                i += 8;
                continue;
            }
            if !NEEDS_ESCAPE[usize::from(b[i])] {
                i += 1;
                continue;
            }
            self.out.extend_from_slice(&b[run..i]);
            self.escape(b[i]);
            i += 1;
            run = i;
        }
        self.out.extend_from_slice(&b[run..]);
        self.out.push(b'"');
    }

    /// The escape sequence of one byte that needs one.
    fn escape(&mut self, byte: u8) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0C => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => 0,
        };
        if short != 0 {
            self.out.extend_from_slice(&[b'\\', short]);
        } else {
            self.out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ]);
        }
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    fn bool(&mut self, v: bool) {
        self.out
            .extend_from_slice(if v { b"true".as_slice() } else { b"false" });
    }

    /// An unsigned integer in decimal.
    fn u64(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[k..]);
    }

    /// A signed integer in decimal.
    fn i64(&mut self, v: i64) {
        if v < 0 {
            self.out.push(b'-');
        }
        self.u64(v.unsigned_abs());
    }

    /// A float exactly as `serde_json` writes it (shortest round-trip digits; `null` when
    /// not finite).
    fn f64(&mut self, v: f64) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.out, &v);
    }

    fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.f64(v),
            None => self.null(),
        }
    }

    fn span(&mut self, s: &Span) {
        self.out.push(b'[');
        self.u64(s[0] as u64);
        self.out.push(b',');
        self.u64(s[1] as u64);
        self.out.push(b']');
    }

    /// An array of values.
    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Json, &T)) {
        self.out.push(b'[');
        for (k, item) in items.iter().enumerate() {
            if k > 0 {
                self.out.push(b',');
            }
            each(self, item);
        }
        self.out.push(b']');
    }

    fn spans(&mut self, spans: &[Span]) {
        self.list(spans, |w, s| w.span(s));
    }

    fn opt<T: Write>(&mut self, v: Option<&T>) {
        match v {
            Some(v) => v.write(self),
            None => self.null(),
        }
    }
}

/// Does any of these 8 bytes need escaping? (Control characters, `"`, `\`.)
#[inline]
fn chunk_needs_escape(c: &[u8]) -> bool {
    let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte is zero after the XOR exactly when it equals the character; `has_zero` is the
    // classic exact test (a byte below 0x20 is found the same way, by subtracting 0x20).
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
    below_space || has_zero(x ^ (ONES * u64::from(b'"'))) || has_zero(x ^ (ONES * u64::from(b'\\')))
}

impl Write for EnrichedRecord {
    fn write(&self, w: &mut Json) {
        first!(w, "schema");
        w.str(&self.schema);
        key!(w, "article");
        self.article.write(w);
        key!(w, "events");
        w.list(&self.events, |w, e| e.write(w));
        key!(w, "actors");
        w.list(&self.actors, |w, a| a.write(w));
        key!(w, "targets");
        w.list(&self.targets, |w, t| t.write(w));
        key!(w, "places");
        w.list(&self.places, |w, p| p.write(w));
        key!(w, "sentiment");
        self.sentiment.write(w);
        key!(w, "tags");
        w.list(&self.tags, |w, t| w.str(t));
        key!(w, "provenance");
        self.provenance.write(w);
        w.close();
    }
}

impl Write for ArticleMeta {
    fn write(&self, w: &mut Json) {
        first!(w, "id");
        w.str(&self.id);
        key!(w, "headline");
        w.str(&self.headline);
        key!(w, "source");
        w.opt_str(self.source.as_deref());
        key!(w, "url");
        w.opt_str(self.url.as_deref());
        key!(w, "published_at");
        w.opt_str(self.published_at.as_deref());
        key!(w, "language");
        w.opt_str(self.language.as_deref());
        w.close();
    }
}

impl Write for Event {
    fn write(&self, w: &mut Json) {
        first!(w, "id");
        w.str(&self.id);
        key!(w, "type");
        w.str(&self.event_type);
        key!(w, "mode");
        w.opt_str(self.mode.as_deref());
        key!(w, "cameo");
        w.str(&self.cameo);
        key!(w, "quad_class");
        w.u64(u64::from(self.quad_class));
        key!(w, "goldstein");
        w.f64(self.goldstein);
        key!(w, "trigger");
        self.trigger.write(w);
        key!(w, "source");
        w.opt(self.source.as_ref());
        key!(w, "target");
        w.opt(self.target.as_ref());
        key!(w, "participants");
        w.list(&self.participants, |w, a| a.write(w));
        key!(w, "location");
        w.opt(self.location.as_ref());
        key!(w, "time");
        w.opt(self.time.as_ref());
        key!(w, "quantities");
        w.list(&self.quantities, |w, q| q.write(w));
        key!(w, "modality");
        self.modality.write(w);
        // `skip_serializing_if = "Option::is_none"`.
        if let Some(status) = &self.status {
            key!(w, "status");
            w.str(status);
        }
        key!(w, "sentence");
        self.sentence.write(w);
        key!(w, "sentiment");
        self.sentiment.write(w);
        key!(w, "confidence");
        w.f64(self.confidence);
        w.close();
    }
}

impl Write for TextRef {
    fn write(&self, w: &mut Json) {
        first!(w, "text");
        w.str(&self.text);
        key!(w, "span");
        w.span(&self.span);
        w.close();
    }
}

impl Write for EventActor {
    fn write(&self, w: &mut Json) {
        first!(w, "name");
        w.str(&self.name);
        key!(w, "code");
        w.str(&self.code);
        key!(w, "country");
        w.opt_str(self.country.as_deref());
        key!(w, "role");
        w.opt_str(self.role.as_deref());
        key!(w, "text");
        w.str(&self.text);
        key!(w, "span");
        w.span(&self.span);
        w.close();
    }
}

impl Write for EventLocation {
    fn write(&self, w: &mut Json) {
        first!(w, "text");
        w.str(&self.text);
        key!(w, "name");
        w.str(&self.name);
        key!(w, "country");
        w.opt_str(self.country.as_deref());
        key!(w, "lat");
        w.opt_f64(self.lat);
        key!(w, "lon");
        w.opt_f64(self.lon);
        key!(w, "span");
        w.span(&self.span);
        w.close();
    }
}

impl Write for EventTime {
    fn write(&self, w: &mut Json) {
        first!(w, "text");
        w.str(&self.text);
        key!(w, "date");
        w.opt_str(self.date.as_deref());
        key!(w, "precision");
        w.str(&self.precision);
        key!(w, "span");
        w.span(&self.span);
        w.close();
    }
}

impl Write for Quantity {
    fn write(&self, w: &mut Json) {
        first!(w, "text");
        w.str(&self.text);
        key!(w, "value");
        w.f64(self.value);
        key!(w, "unit");
        w.str(&self.unit);
        // `skip_serializing_if = "Option::is_none"`.
        if let Some(iso) = &self.iso8601 {
            key!(w, "iso8601");
            w.str(iso);
        }
        key!(w, "span");
        w.span(&self.span);
        w.close();
    }
}

impl Write for Modality {
    fn write(&self, w: &mut Json) {
        first!(w, "negated");
        w.bool(self.negated);
        key!(w, "hypothetical");
        w.bool(self.hypothetical);
        key!(w, "future");
        w.bool(self.future);
        key!(w, "reported_by");
        w.opt(self.reported_by.as_ref());
        w.close();
    }
}

impl Write for SentenceRef {
    fn write(&self, w: &mut Json) {
        first!(w, "index");
        w.u64(self.index as u64);
        key!(w, "span");
        w.span(&self.span);
        key!(w, "in");
        w.str(&self.in_text);
        w.close();
    }
}

impl Write for Sentiment {
    fn write(&self, w: &mut Json) {
        first!(w, "score");
        w.f64(self.score);
        key!(w, "label");
        w.str(&self.label);
        w.close();
    }
}

impl Write for Actor {
    fn write(&self, w: &mut Json) {
        first!(w, "name");
        w.str(&self.name);
        key!(w, "code");
        w.str(&self.code);
        key!(w, "country");
        w.opt_str(self.country.as_deref());
        key!(w, "role");
        w.opt_str(self.role.as_deref());
        key!(w, "mentions");
        w.spans(&self.mentions);
        key!(w, "headline_mentions");
        w.spans(&self.headline_mentions);
        key!(w, "sentiment");
        self.sentiment.write(w);
        w.close();
    }
}

impl Write for TargetSentiment {
    fn write(&self, w: &mut Json) {
        first!(w, "text");
        w.str(&self.text);
        key!(w, "mentions");
        w.spans(&self.mentions);
        key!(w, "sentiment");
        self.sentiment.write(w);
        w.close();
    }
}

impl Write for Place {
    fn write(&self, w: &mut Json) {
        first!(w, "name");
        w.str(&self.name);
        key!(w, "country");
        w.opt_str(self.country.as_deref());
        key!(w, "lat");
        w.opt_f64(self.lat);
        key!(w, "lon");
        w.opt_f64(self.lon);
        key!(w, "mentions");
        w.spans(&self.mentions);
        key!(w, "headline_mentions");
        w.spans(&self.headline_mentions);
        w.close();
    }
}

impl Write for DocumentSentiment {
    fn write(&self, w: &mut Json) {
        first!(w, "compound");
        w.f64(self.compound);
        key!(w, "label");
        w.str(&self.label);
        key!(w, "tone");
        w.f64(self.tone);
        key!(w, "positive");
        w.f64(self.positive);
        key!(w, "negative");
        w.f64(self.negative);
        key!(w, "polarity");
        w.f64(self.polarity);
        key!(w, "word_count");
        w.u64(self.word_count as u64);
        w.close();
    }
}

impl Write for Provenance {
    fn write(&self, w: &mut Json) {
        first!(w, "worker");
        w.str(&self.worker);
        key!(w, "dictionaries");
        w.str(&self.dictionaries);
        key!(w, "processed_at");
        w.str(&self.processed_at);
        key!(w, "kafka");
        w.opt(self.kafka.as_ref());
        w.close();
    }
}

impl Write for KafkaPosition {
    fn write(&self, w: &mut Json) {
        first!(w, "topic");
        w.str(&self.topic);
        key!(w, "partition");
        w.i64(i64::from(self.partition));
        key!(w, "offset");
        w.i64(self.offset);
        w.close();
    }
}

impl Write for EventMessage {
    fn write(&self, w: &mut Json) {
        first!(w, "schema");
        w.str(&self.schema);
        key!(w, "article_id");
        w.str(&self.article_id);
        key!(w, "published_at");
        w.opt_str(self.published_at.as_deref());
        key!(w, "source");
        w.opt_str(self.source.as_deref());
        key!(w, "event");
        self.event.write(w);
        key!(w, "provenance");
        self.provenance.write(w);
        w.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{decode, DecodeLimits, InputFormat};
    use crate::enrich::{Context, Enricher};
    use proptest::prelude::*;

    fn serde(v: &impl serde::Serialize) -> Vec<u8> {
        serde_json::to_vec(v).expect("serializes")
    }

    fn actor(name: &str, role: Option<&str>) -> EventActor {
        EventActor {
            name: name.into(),
            code: "USAGOV".into(),
            country: Some("USA".into()),
            role: role.map(Into::into),
            text: format!("{name}'s \"own\" words\t\u{1}"),
            span: [3, 17],
        }
    }

    /// An event with every optional field set (`full`) or absent.
    fn event(full: bool) -> Event {
        Event {
            id: "0123456789abcdef01234567".into(),
            event_type: "CONSULT".into(),
            mode: full.then(|| "visit".into()),
            cameo: "043".into(),
            quad_class: 1,
            goldstein: if full { 2.8 } else { -10.0 },
            trigger: TextRef {
                text: "talks".into(),
                span: [0, 5],
            },
            source: full.then(|| actor("John Kerry", Some("GOV"))),
            target: full.then(|| actor("Sergei \\ Lavrov", None)),
            participants: if full {
                vec![actor("A", None), actor("B", Some("MIL"))]
            } else {
                Vec::new()
            },
            location: full.then(|| EventLocation {
                text: "Genève".into(),
                name: "Geneva".into(),
                country: Some("CHE".into()),
                lat: Some(46.20222),
                lon: None,
                span: [40, 46],
            }),
            time: full.then(|| EventTime {
                text: "on Friday".into(),
                date: Some("2016-08-26".into()),
                precision: "day".into(),
                span: [47, 56],
            }),
            quantities: if full {
                vec![
                    Quantity {
                        text: "48 hours".into(),
                        value: 48.0,
                        unit: "hour".into(),
                        iso8601: Some("PT48H".into()),
                        span: [60, 68],
                    },
                    Quantity {
                        text: "1.5 million".into(),
                        value: 1.5e6,
                        unit: "people".into(),
                        iso8601: None,
                        span: [70, 81],
                    },
                ]
            } else {
                Vec::new()
            },
            modality: Modality {
                negated: full,
                hypothetical: !full,
                future: full,
                reported_by: full.then(|| actor("Officials", None)),
            },
            status: full.then(|| "scheduled".into()),
            sentence: SentenceRef {
                index: 12,
                span: [0, 120],
                in_text: "body".into(),
            },
            sentiment: Sentiment::from_score(-0.3333),
            confidence: 0.85,
        }
    }

    fn record(full: bool) -> EnrichedRecord {
        EnrichedRecord {
            schema: crate::record::SCHEMA_ID.into(),
            article: ArticleMeta {
                id: "wire-1".into(),
                headline: "Talks \"resume\" in\nGeneva — «officials»".into(),
                source: full.then(|| "wire".into()),
                url: full.then(|| "https://example.org/a?b=1&c=\"2\"".into()),
                published_at: full.then(|| "2016-08-25T09:30:00Z".into()),
                language: full.then(|| "en".into()),
            },
            events: vec![event(true), event(false)],
            actors: vec![Actor {
                name: "Russia".into(),
                code: "RUS".into(),
                country: full.then(|| "RUS".into()),
                role: None,
                mentions: vec![[1, 2], [30, 36]],
                headline_mentions: if full { vec![[0, 6]] } else { Vec::new() },
                sentiment: Sentiment::from_score(0.05),
            }],
            targets: vec![TargetSentiment {
                text: "Aquino".into(),
                mentions: vec![[5, 11]],
                sentiment: Sentiment::neutral(),
            }],
            places: vec![Place {
                name: "Aleppo".into(),
                country: Some("SYR".into()),
                lat: full.then_some(36.2),
                lon: Some(-0.0),
                mentions: vec![[100, 106]],
                headline_mentions: Vec::new(),
            }],
            sentiment: DocumentSentiment {
                compound: -0.4767,
                label: "negative".into(),
                tone: -1.234_567_890_123,
                positive: 0.0,
                negative: 1e-7,
                polarity: 1e21,
                word_count: 512,
            },
            tags: vec!["negotiation".into(), "tone:negative".into()],
            provenance: Provenance {
                worker: crate::WORKER_VERSION.into(),
                dictionaries: "0123abcd".into(),
                processed_at: "2026-01-01T00:00:00Z".into(),
                kafka: full.then(|| KafkaPosition {
                    topic: "news.raw".into(),
                    partition: 3,
                    offset: i64::MAX,
                }),
            },
        }
    }

    #[test]
    fn records_with_every_field_set_or_absent_match_serde() {
        for full in [true, false] {
            let r = record(full);
            assert_eq!(
                String::from_utf8(r.to_json()).unwrap(),
                String::from_utf8(serde(&r)).unwrap()
            );
            let m = EventMessage {
                schema: crate::record::EVENT_SCHEMA_ID.into(),
                article_id: r.article.id.clone(),
                published_at: r.article.published_at.clone(),
                source: r.article.source.clone(),
                event: event(full),
                provenance: r.provenance.clone(),
            };
            assert_eq!(m.to_json(), serde(&m));
        }
    }

    #[test]
    fn records_of_the_demo_articles_match_serde() {
        let enricher = Enricher::new(&crate::dictionaries::embedded()).expect("dictionaries");
        let ctx = Context {
            processed_at: "2026-01-01T00:00:00Z".into(),
            kafka: None,
        };
        let demo = include_str!("../../config/demo/articles.jsonl");
        let mut events = 0;
        for line in demo.lines().filter(|l| !l.trim().is_empty()) {
            let article = decode(
                line.as_bytes(),
                None,
                InputFormat::Json,
                &DecodeLimits::default(),
            )
            .expect("demo article");
            let r = enricher.enrich(&article, &ctx);
            events += r.events.len();
            assert_eq!(r.to_json(), serde(&r), "article {}", article.id);
        }
        assert!(events > 10, "the demo articles yield events ({events})");
    }

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_escapes_them(s in "\\PC*|[\\x00-\\x7f]*|.*[\"\\\\\\x00-\\x1f\u{7f}\u{2028}].*") {
            let mut w = Json::with_capacity(0);
            w.str(&s);
            prop_assert_eq!(w.out, serde(&s));
        }

        #[test]
        fn numbers_are_written_as_serde_writes_them(u in any::<u64>(), i in any::<i64>(), f in any::<f64>(), p in -1e6f64..1e6) {
            let mut w = Json::with_capacity(0);
            w.u64(u);
            prop_assert_eq!(&w.out, &serde(&u));
            let mut w = Json::with_capacity(0);
            w.i64(i);
            prop_assert_eq!(&w.out, &serde(&i));
            for x in [f, p, (p * 1e4).round() / 1e4] {
                let mut w = Json::with_capacity(0);
                w.f64(x);
                prop_assert_eq!(&w.out, &serde(&x));
            }
        }
    }

    #[test]
    fn control_characters_and_edge_numbers() {
        let all: String = (0u8..0x80).map(char::from).collect();
        let mut w = Json::with_capacity(0);
        w.str(&all);
        assert_eq!(w.out, serde(&all));
        for x in [f64::NAN, f64::INFINITY, -0.0, 0.1 + 0.2, 5e-324, f64::MAX] {
            let mut w = Json::with_capacity(0);
            w.f64(x);
            assert_eq!(w.out, serde(&x), "{x}");
        }
        for x in [0, 9, 10, 99, 100, u64::MAX] {
            let mut w = Json::with_capacity(0);
            w.u64(x);
            assert_eq!(w.out, serde(&x));
        }
    }
}

//! The CPU side of one message: decode, enrich, serialize — run on the enrichment pool,
//! never on the async runtime. Knows nothing of Kafka clients; input is bytes and a
//! position, output is what to publish.

use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::article::{decode, DecodeLimits, InputFormat};
use crate::enrich::{hex, Context, Enricher};
use crate::record::{EventMessage, KafkaPosition, EVENT_SCHEMA_ID};

/// What the shell needs to process one input message.
pub struct Input<'a> {
    /// Where it came from.
    pub position: KafkaPosition,
    /// Message key.
    pub key: Option<&'a [u8]>,
    /// Message value.
    pub value: Option<&'a [u8]>,
    /// Input message timestamp (ms since epoch), if any.
    pub timestamp_ms: Option<i64>,
}

/// How to process: limits, format, pass-through.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Decoding limits.
    pub limits: DecodeLimits,
    /// Input format.
    pub format: InputFormat,
    /// Skip decoding and enrichment: republish the input as is.
    pub passthrough: bool,
    /// Benchmark: publish records computed beforehand instead of enriching.
    pub replay: Option<&'static Replay>,
}

/// Records computed beforehand (`parleywire enrich` output), by article id: the benchmark
/// of the full path with enrichment for free. Decoding, headers, output volume and delivery
/// are those of the full worker; enriching and writing the record are skipped.
#[derive(Debug, Default)]
pub struct Replay {
    records: std::collections::HashMap<String, Vec<u8>>,
}

impl Replay {
    /// Read a file of records, one JSON object per line.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Replay> {
        use anyhow::Context as _;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading replay records {}", path.display()))?;
        Replay::parse(&text).with_context(|| format!("replay records {}", path.display()))
    }

    /// Records from JSON lines; each must carry `article.id`.
    pub fn parse(text: &str) -> anyhow::Result<Replay> {
        let mut records = std::collections::HashMap::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| anyhow::anyhow!("line {}: {e}", n + 1))?;
            let id = v["article"]["id"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("line {}: no article.id", n + 1))?;
            records.insert(id.to_string(), line.as_bytes().to_vec());
        }
        Ok(Replay { records })
    }
}

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Key (article id or event id).
    pub key: Vec<u8>,
    /// Value.
    pub payload: Vec<u8>,
    /// Headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// The result of processing one message.
#[derive(Debug)]
pub enum Outcome {
    /// An enriched record, plus one message per event for the events topic.
    Enriched {
        /// The record for the output topic.
        record: Outgoing,
        /// Messages for the events topic (empty when it is off).
        events: Vec<Outgoing>,
        /// PLOVER types of the events, for metrics.
        event_types: Vec<String>,
        /// Time spent enriching.
        enrich_seconds: f64,
    },
    /// The input could not be read: a reason code and a message for the dead letter.
    Rejected {
        /// Stable reason code.
        reason: &'static str,
        /// Human-readable detail.
        message: String,
    },
}

/// CloudEvents type of output records.
pub const CE_TYPE: &str = "org.parleywire.enriched.v1";
/// CloudEvents type of event messages.
pub const CE_EVENT_TYPE: &str = "org.parleywire.event.v1";

/// Decode, enrich and serialize one message. Never panics on input (the caller also
/// catches panics from the core and dead-letters them as `enrich_panic`).
pub fn process(
    enricher: &Enricher,
    input: &Input<'_>,
    options: &Options,
    with_events: bool,
    processed_at: &str,
) -> Outcome {
    let started = Instant::now();
    let value = input.value.unwrap_or_default();
    if options.passthrough {
        return Outcome::Enriched {
            record: Outgoing {
                key: input.key.unwrap_or_default().to_vec(),
                payload: value.to_vec(),
                headers: Vec::new(),
            },
            events: Vec::new(),
            event_types: Vec::new(),
            enrich_seconds: 0.0,
        };
    }
    let article = match decode(value, input.key, options.format, &options.limits) {
        Ok(a) => a,
        Err(e) => {
            return Outcome::Rejected {
                reason: e.reason(),
                message: e.to_string(),
            }
        }
    };
    let ce_time = ce_time(
        article.published_at.as_deref(),
        input.timestamp_ms,
        processed_at,
    );
    let source = format!("/parleywire/{}", input.position.topic);
    let ce_id = {
        let mut h = Sha256::new();
        h.update(article.id.as_bytes());
        h.update([0]);
        h.update(article.headline.as_bytes());
        h.update([0]);
        h.update(article.body.as_bytes());
        hex(&h.finalize()[..16])
    };
    let headers = |id: &str, ty: &str| {
        vec![
            ("ce_specversion".to_string(), b"1.0".to_vec()),
            ("ce_id".to_string(), id.as_bytes().to_vec()),
            ("ce_source".to_string(), source.as_bytes().to_vec()),
            ("ce_type".to_string(), ty.as_bytes().to_vec()),
            ("ce_time".to_string(), ce_time.as_bytes().to_vec()),
            ("content-type".to_string(), b"application/json".to_vec()),
        ]
    };
    if let Some(replay) = options.replay {
        return match replay.records.get(&article.id) {
            Some(payload) => Outcome::Enriched {
                record: Outgoing {
                    key: article.id.as_bytes().to_vec(),
                    payload: payload.clone(),
                    headers: headers(&ce_id, CE_TYPE),
                },
                events: Vec::new(),
                event_types: Vec::new(),
                enrich_seconds: started.elapsed().as_secs_f64(),
            },
            None => Outcome::Rejected {
                reason: "replay_missing",
                message: format!("no replay record for article {:?}", article.id),
            },
        };
    }
    let ctx = Context {
        processed_at: processed_at.to_string(),
        kafka: Some(input.position.clone()),
    };
    let record = enricher.enrich(&article, &ctx);
    let mut events = Vec::new();
    if with_events {
        for event in &record.events {
            let msg = EventMessage {
                schema: EVENT_SCHEMA_ID.to_string(),
                article_id: record.article.id.clone(),
                published_at: record.article.published_at.clone(),
                source: record.article.source.clone(),
                event: event.clone(),
                provenance: record.provenance.clone(),
            };
            events.push(Outgoing {
                key: event.id.as_bytes().to_vec(),
                payload: msg.to_json(),
                headers: headers(&event.id, CE_EVENT_TYPE),
            });
        }
    }
    let event_types = record.events.iter().map(|e| e.event_type.clone()).collect();
    let payload = record.to_json();
    Outcome::Enriched {
        record: Outgoing {
            key: record.article.id.as_bytes().to_vec(),
            payload,
            headers: headers(&ce_id, CE_TYPE),
        },
        events,
        event_types,
        enrich_seconds: started.elapsed().as_secs_f64(),
    }
}

/// `ce_time`: the article's publication time when it parses, else the input message
/// timestamp, else the processing time — stable across reprocessing of the same input.
fn ce_time(published_at: Option<&str>, timestamp_ms: Option<i64>, processed_at: &str) -> String {
    use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
    if let Some(p) = published_at {
        if let Ok(t) = DateTime::parse_from_rfc3339(p) {
            return t
                .with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Secs, true);
        }
        if let Ok(d) = NaiveDate::parse_from_str(p, "%Y-%m-%d") {
            return format!("{d}T00:00:00Z");
        }
    }
    if let Some(ms) = timestamp_ms {
        if let Some(t) = Utc.timestamp_millis_opt(ms).single() {
            return t.to_rfc3339_opts(SecondsFormat::Millis, true);
        }
    }
    processed_at.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ce_time_prefers_publication_then_timestamp() {
        assert_eq!(
            ce_time(Some("2016-08-25"), Some(0), "x"),
            "2016-08-25T00:00:00Z"
        );
        assert_eq!(
            ce_time(Some("2016-08-25T10:00:00+02:00"), None, "x"),
            "2016-08-25T08:00:00Z"
        );
        assert_eq!(
            ce_time(Some("last week"), Some(1_000), "x"),
            "1970-01-01T00:00:01.000Z"
        );
        assert_eq!(ce_time(None, None, "now"), "now");
    }

    fn options(replay: Option<&'static Replay>) -> Options {
        Options {
            limits: DecodeLimits {
                max_bytes: 1 << 20,
                max_depth: 64,
            },
            format: InputFormat::Auto,
            passthrough: false,
            replay,
        }
    }

    fn input(value: &[u8]) -> Input<'_> {
        Input {
            position: KafkaPosition {
                topic: "in".into(),
                partition: 2,
                offset: 7,
            },
            key: None,
            value: Some(value),
            timestamp_ms: Some(1_700_000_000_000),
        }
    }

    #[test]
    fn replay_publishes_the_stored_record_with_the_full_paths_key_and_headers() {
        let enricher = Enricher::new(&crate::dictionaries::embedded()).unwrap();
        let article = br#"{"id":"r-1","headline":"Envoys meet in Geneva","body":"The foreign ministers of two neighbouring states met in Geneva on Monday and agreed to resume talks."}"#;
        let Outcome::Enriched { record: full, .. } = process(
            &enricher,
            &input(article),
            &options(None),
            false,
            "2026-01-01T00:00:00Z",
        ) else {
            panic!("the article is valid");
        };
        let line = String::from_utf8(full.payload.clone()).unwrap();
        let replay: &'static Replay = Box::leak(Box::new(Replay::parse(&line).unwrap()));
        let opts = options(Some(replay));
        let Outcome::Enriched { record, events, .. } = process(
            &enricher,
            &input(article),
            &opts,
            true,
            "2026-01-01T00:00:00Z",
        ) else {
            panic!("the article has a stored record");
        };
        assert_eq!(record.key, full.key);
        assert_eq!(record.payload, full.payload);
        assert_eq!(record.headers, full.headers);
        assert!(events.is_empty());
        // Articles are still decoded: what the full path dead-letters, so does the replay,
        // and an article without a stored record is dead-lettered with its own reason.
        let other = br#"{"id":"r-2","headline":"Talks resume","body":"Negotiators returned."}"#;
        for (value, reason) in [
            (&b"{not json"[..], "invalid_json"),
            (other, "replay_missing"),
        ] {
            match process(&enricher, &input(value), &opts, false, "x") {
                Outcome::Rejected { reason: r, .. } => assert_eq!(r, reason),
                Outcome::Enriched { .. } => panic!("{reason}: published"),
            }
        }
    }

    #[test]
    fn replay_records_must_name_their_article() {
        assert_eq!(
            Replay::parse("\n{\"article\":{\"id\":\"a\"}}\n")
                .unwrap()
                .records
                .len(),
            1
        );
        let e = Replay::parse("{\"article\":{\"id\":\"a\"}}\n{\"article\":{}}").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(Replay::parse("{oops").is_err());
    }
}

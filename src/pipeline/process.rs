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
    let ctx = Context {
        processed_at: processed_at.to_string(),
        kafka: Some(input.position.clone()),
    };
    let record = enricher.enrich(&article, &ctx);
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
}

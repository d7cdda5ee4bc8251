//! Publishing: building output messages (dead letters, trace context) and handing them
//! to the producer, with the retry rules of each delivery mode.

use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

use super::process::Outgoing;
use crate::observe::Metrics;

/// Header names on dead letters.
pub mod dlq_headers {
    /// Stable reason code (`invalid_json`, `not_utf8`, `too_large`, ...).
    pub const REASON: &str = "parleywire.error.reason";
    /// Human-readable error message.
    pub const MESSAGE: &str = "parleywire.error.message";
    /// Input topic.
    pub const TOPIC: &str = "parleywire.source.topic";
    /// Input partition.
    pub const PARTITION: &str = "parleywire.source.partition";
    /// Input offset.
    pub const OFFSET: &str = "parleywire.source.offset";
    /// Input timestamp (ms since epoch), when known.
    pub const TIMESTAMP: &str = "parleywire.source.timestamp";
    /// Size of the original value in bytes.
    pub const SIZE: &str = "parleywire.source.size";
    /// Present ("true") when the payload was cut to `dlq_max_payload_bytes`.
    pub const TRUNCATED: &str = "parleywire.payload.truncated";
}

/// The dead letter for an unreadable input: original key and bytes (cut to `max_payload`),
/// reason and origin in headers.
pub fn dead_letter(
    original: &OwnedMessage,
    reason: &str,
    message: &str,
    max_payload: usize,
) -> Outgoing {
    let payload = original.payload().unwrap_or_default();
    let mut headers = vec![
        (dlq_headers::REASON.to_string(), reason.as_bytes().to_vec()),
        (
            dlq_headers::MESSAGE.to_string(),
            message.as_bytes().to_vec(),
        ),
        (
            dlq_headers::TOPIC.to_string(),
            original.topic().as_bytes().to_vec(),
        ),
        (
            dlq_headers::PARTITION.to_string(),
            original.partition().to_string().into_bytes(),
        ),
        (
            dlq_headers::OFFSET.to_string(),
            original.offset().to_string().into_bytes(),
        ),
        (
            dlq_headers::SIZE.to_string(),
            payload.len().to_string().into_bytes(),
        ),
    ];
    if let Some(ts) = original.timestamp().to_millis() {
        headers.push((
            dlq_headers::TIMESTAMP.to_string(),
            ts.to_string().into_bytes(),
        ));
    }
    let payload = if payload.len() > max_payload {
        headers.push((dlq_headers::TRUNCATED.to_string(), b"true".to_vec()));
        payload[..max_payload].to_vec()
    } else {
        payload.to_vec()
    };
    Outgoing {
        key: original.key().unwrap_or_default().to_vec(),
        payload,
        headers,
    }
}

/// Propagate W3C trace context from the input message to every output.
pub fn with_trace_context(
    mut outgoing: Vec<(String, Outgoing)>,
    original: &OwnedMessage,
) -> Vec<(String, Outgoing)> {
    if let Some(headers) = original.headers() {
        for h in headers.iter() {
            if matches!(h.key, "traceparent" | "tracestate") {
                if let Some(v) = h.value {
                    for (_, o) in &mut outgoing {
                        o.headers.push((h.key.to_string(), v.to_vec()));
                    }
                }
            }
        }
    }
    outgoing
}

fn owned_headers(headers: &[(String, Vec<u8>)]) -> OwnedHeaders {
    headers.iter().fold(
        OwnedHeaders::new_with_capacity(headers.len()),
        |h, (k, v)| {
            h.insert(Header {
                key: k.as_str(),
                value: Some(v.as_slice()),
            })
        },
    )
}

/// Enqueue one message, waiting while the producer's local queue is full. Other enqueue
/// errors are returned (the caller decides: retry, or abort the transaction).
pub async fn enqueue(
    producer: &FutureProducer,
    topic: &str,
    msg: &Outgoing,
) -> Result<DeliveryFuture, KafkaError> {
    loop {
        let record = FutureRecord::to(topic)
            .key(msg.key.as_slice())
            .payload(msg.payload.as_slice())
            .headers(owned_headers(&msg.headers));
        match producer.send_result(record) {
            Ok(f) => return Ok(f),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((e, _)) => return Err(e),
        }
    }
}

/// Enqueue one message, retrying every error with backoff: never gives up (at-least-once:
/// the offset stays uncommitted meanwhile).
pub async fn enqueue_retrying(
    producer: &FutureProducer,
    topic: &str,
    msg: &Outgoing,
    metrics: &Metrics,
) -> DeliveryFuture {
    let mut backoff = Duration::from_millis(50);
    loop {
        match enqueue(producer, topic, msg).await {
            Ok(f) => return f,
            Err(e) => {
                metrics.delivery_failed(topic, &e.to_string());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Wait until every output of one message is acknowledged, re-sending failed ones with
/// backoff (e.g. the output topic is missing until an operator creates it). Resolves to
/// `token` once all are acknowledged.
pub async fn confirm<T>(
    producer: FutureProducer,
    outgoing: Vec<(String, Outgoing)>,
    futures: Vec<DeliveryFuture>,
    metrics: std::sync::Arc<Metrics>,
    token: T,
) -> T {
    for ((topic, msg), mut future) in outgoing.iter().zip(futures) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match future.await {
                Ok(Ok(_)) => break,
                Ok(Err((e, _))) => metrics.delivery_failed(topic, &e.to_string()),
                Err(_) => metrics.delivery_failed(topic, "delivery report lost"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
            future = enqueue_retrying(&producer, topic, msg, &metrics).await;
        }
    }
    token
}

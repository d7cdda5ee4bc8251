//! The consume–enrich–produce–commit loop (at-least-once).
//!
//! One async task owns the loop; enrichment runs on a fixed thread pool. Per message:
//! 1. consume, register the offset with the [`OffsetTracker`], hand the bytes to the pool;
//! 2. results are taken back *in consume order* and sent to the producer at once, so
//!    outputs keep the input order of each partition;
//! 3. when every output of a message (record, event messages, or its dead letter) is
//!    acknowledged, its offset is done; commits go up to the first offset not yet done.
//!
//! Backpressure: no new message is consumed while `max_in_flight` are unfinished.
//! Rebalances: on revoke, what is done is committed synchronously and unfinished work of
//! the partition is dropped (its epoch becomes stale); the new owner starts from there.
//! Shutdown: stop consuming, finish and publish in-flight work, commit, close — bounded
//! by a deadline after which whatever is done is committed and the rest is abandoned
//! (it was never committed, so the next owner reprocesses it).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use futures::stream::{FuturesOrdered, FuturesUnordered};
use futures::StreamExt;
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::offsets::{OffsetTracker, TopicPartition};
use super::process::{self, Input, Options, Outcome, Outgoing};
use super::shutdown::Shutdown;
use crate::article::{DecodeLimits, InputFormat};
use crate::enrich::Enricher;
use crate::observe::{now_rfc3339, Metrics};
use crate::record::KafkaPosition;
use crate::settings::Settings;

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

/// Shared between the loop and the librdkafka callbacks.
pub struct WorkerContext {
    /// Offsets consumed, done, committable.
    tracker: Arc<Mutex<OffsetTracker>>,
    /// Metrics and log events.
    metrics: Arc<Metrics>,
    /// Input topic (lag is reported for it only).
    input_topic: String,
}

impl ClientContext for WorkerContext {
    fn stats(&self, statistics: Statistics) {
        if let Some(topic) = statistics.topics.get(&self.input_topic) {
            for (partition, p) in &topic.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    self.metrics
                        .consumer_lag(&self.input_topic, *partition, p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for WorkerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let mut commit = TopicPartitionList::new();
        let mut dropped = 0;
        {
            let mut tracker = self.tracker.lock().expect("tracker lock");
            for elem in revoked.elements() {
                let tp = (elem.topic().to_string(), elem.partition());
                let (position, n) = tracker.revoke(&tp);
                dropped += n;
                if let Some(p) = position {
                    let _ = commit.add_partition_offset(&tp.0, tp.1, Offset::Offset(p));
                }
            }
        }
        self.metrics.rebalanced("revoke", &describe(revoked));
        if commit.count() > 0 {
            if let Err(e) = consumer.commit(&commit, CommitMode::Sync) {
                self.metrics.offsets_committed(false, &e.to_string());
            }
        }
        self.metrics.dropped_on_revoke(dropped as u64);
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(assigned) = rebalance {
            let mut tracker = self.tracker.lock().expect("tracker lock");
            for elem in assigned.elements() {
                tracker.assign((elem.topic().to_string(), elem.partition()));
            }
            drop(tracker);
            self.metrics.rebalanced("assign", &describe(assigned));
            self.metrics.set_ready(true);
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => self.metrics.offsets_committed(true, &describe(offsets)),
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => self.metrics.offsets_committed(false, &e.to_string()),
        }
    }
}

fn describe(tpl: &TopicPartitionList) -> String {
    tpl.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => format!("{}[{}]@{o}", e.topic(), e.partition()),
            _ => format!("{}[{}]", e.topic(), e.partition()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What one run of the worker did (for tests, the demo and the exit log line).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Messages consumed.
    pub consumed: u64,
    /// Records published (acknowledged).
    pub produced: u64,
    /// Dead letters published (acknowledged).
    pub dead_lettered: u64,
    /// Messages still unfinished when the drain deadline passed.
    pub abandoned: u64,
}

/// Identity of one message while it moves through the loop.
struct InFlight {
    /// Input topic and partition.
    tp: TopicPartition,
    /// Input offset.
    offset: i64,
    /// Assignment epoch the message belongs to.
    epoch: u64,
    /// Input timestamp, ms since epoch.
    timestamp_ms: Option<i64>,
}

/// A message whose outputs were all acknowledged.
struct Delivered {
    /// Which message.
    msg: InFlight,
    /// Record (true) or dead letter (false).
    enriched: bool,
}

/// Build librdkafka configuration from the settings and extra properties.
fn client_config(
    base: &std::collections::BTreeMap<String, String>,
    extra: &[(&str, &str)],
    overrides: &std::collections::BTreeMap<String, String>,
) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    for (k, v) in extra {
        cfg.set(*k, *v);
    }
    for (k, v) in base {
        cfg.set(k, v);
    }
    for (k, v) in overrides {
        cfg.set(k, v);
    }
    cfg
}

/// The consumer configuration: manual commits of explicit positions, read_committed.
pub fn consumer_config(settings: &Settings) -> ClientConfig {
    let stats = settings.observe.stats_interval_ms.to_string();
    client_config(
        &settings.common_properties(),
        &[
            ("group.id", settings.kafka.group.as_str()),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", "earliest"),
            ("isolation.level", "read_committed"),
            ("statistics.interval.ms", stats.as_str()),
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "1000"),
        ],
        &settings.kafka.consumer,
    )
}

/// The producer configuration: idempotent, compressed, batched.
pub fn producer_config(settings: &Settings) -> ClientConfig {
    client_config(
        &settings.common_properties(),
        &[
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("compression.type", settings.kafka.compression.as_str()),
            ("linger.ms", "5"),
            ("message.timeout.ms", "30000"),
        ],
        &settings.kafka.producer,
    )
}

/// Run the at-least-once worker until `shutdown` fires and the drain completes.
pub async fn run(
    settings: Settings,
    enricher: Arc<Enricher>,
    metrics: Arc<Metrics>,
    mut shutdown: Shutdown,
) -> anyhow::Result<RunSummary> {
    let tracker = Arc::new(Mutex::new(OffsetTracker::default()));
    let context = WorkerContext {
        tracker: tracker.clone(),
        metrics: metrics.clone(),
        input_topic: settings.kafka.input_topic.clone(),
    };
    let consumer: StreamConsumer<WorkerContext> = consumer_config(&settings)
        .create_with_context(context)
        .context("creating the Kafka consumer")?;
    let producer: FutureProducer = producer_config(&settings)
        .create()
        .context("creating the Kafka producer")?;
    consumer
        .subscribe(&[settings.kafka.input_topic.as_str()])
        .context("subscribing to the input topic")?;
    let threads = match settings.worker.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("enrich-{i}"))
        .build()
        .context("starting the enrichment pool")?;
    let options = Options {
        limits: DecodeLimits {
            max_bytes: settings.worker.max_message_bytes,
            max_depth: settings.worker.max_json_depth,
        },
        format: match settings.worker.input_format.as_str() {
            "json" => InputFormat::Json,
            "text" => InputFormat::Text,
            _ => InputFormat::Auto,
        },
        passthrough: settings.worker.passthrough,
    };
    let events_topic =
        (!settings.kafka.events_topic.is_empty()).then(|| settings.kafka.events_topic.clone());
    tracing::info!(
        brokers = %settings.kafka.brokers,
        group = %settings.kafka.group,
        input = %settings.kafka.input_topic,
        output = %settings.kafka.output_topic,
        dlq = %settings.kafka.dlq_topic,
        threads,
        max_in_flight = settings.worker.max_in_flight,
        dictionaries = enricher.dictionaries_hash(),
        "worker started"
    );

    let mut summary = RunSummary::default();
    let mut processing = FuturesOrdered::new();
    let mut deliveries = FuturesUnordered::new();
    let mut commit_tick = tokio::time::interval(Duration::from_millis(
        settings.worker.commit_interval_ms.max(10),
    ));
    commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    let deadline = tokio::time::sleep(Duration::from_secs(u64::MAX / 4));
    tokio::pin!(deadline);

    loop {
        let in_flight = tracker.lock().expect("tracker lock").in_flight();
        if draining && processing.is_empty() && deliveries.is_empty() {
            break;
        }
        let can_consume = !draining && in_flight < settings.worker.max_in_flight;
        tokio::select! {
            _ = shutdown.recv(), if !draining => {
                draining = true;
                deadline.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(settings.worker.shutdown_timeout_secs));
                tracing::info!(in_flight, "stop requested: draining in-flight work");
            }
            _ = &mut deadline, if draining => {
                summary.abandoned = in_flight as u64;
                tracing::warn!(in_flight, "drain deadline passed: committing what is done, abandoning the rest");
                break;
            }
            Some((msg, original, result)) = processing.next() => {
                let msg: InFlight = msg;
                if !tracker.lock().expect("tracker lock").is_current(&msg.tp, msg.epoch) {
                    continue; // partition revoked meanwhile: the new owner redoes it
                }
                let original: OwnedMessage = original;
                let outcome = match result {
                    Ok(Ok(outcome)) => outcome,
                    Ok(Err(panic)) => Outcome::Rejected { reason: "enrich_panic", message: panic_message(panic) },
                    Err(_) => Outcome::Rejected { reason: "enrich_panic", message: "enrichment task lost".into() },
                };
                let (outgoing, enriched) = match outcome {
                    Outcome::Enriched { record, events, event_types, enrich_seconds } => {
                        let types: Vec<&str> = event_types.iter().map(String::as_str).collect();
                        metrics.article_enriched(enrich_seconds, &types);
                        let mut out = vec![(settings.kafka.output_topic.clone(), record)];
                        if let Some(topic) = &events_topic {
                            out.extend(events.into_iter().map(|e| (topic.clone(), e)));
                        }
                        (out, true)
                    }
                    Outcome::Rejected { reason, message } => {
                        metrics.dead_lettered(reason, &message, &msg.tp.0, msg.tp.1, msg.offset);
                        let letter = dead_letter(&original, reason, &message, settings.worker.dlq_max_payload_bytes);
                        (vec![(settings.kafka.dlq_topic.clone(), letter)], false)
                    }
                };
                let outgoing = with_trace_context(outgoing, &original);
                let futures = send_all(&producer, &outgoing, &metrics).await;
                deliveries.push(confirm(producer.clone(), outgoing, futures, metrics.clone(), Delivered { msg, enriched }));
            }
            Some(delivered) = deliveries.next() => {
                let Delivered { msg, enriched } = delivered;
                if tracker.lock().expect("tracker lock").done(&msg.tp, msg.epoch, msg.offset) {
                    metrics.message_done();
                    if enriched {
                        summary.produced += 1;
                        metrics.record_produced(msg.timestamp_ms.and_then(since_epoch_ms));
                    } else {
                        summary.dead_lettered += 1;
                    }
                }
            }
            _ = commit_tick.tick() => {
                let commits = tracker.lock().expect("tracker lock").take_commits();
                commit(&consumer, &commits, CommitMode::Async, &metrics);
            }
            received = consumer.recv(), if can_consume => {
                let m = match received {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(error = %e, "consumer error");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let tp = (m.topic().to_string(), m.partition());
                let Some(epoch) = tracker.lock().expect("tracker lock").consumed(&tp, m.offset()) else {
                    continue;
                };
                metrics.message_consumed();
                summary.consumed += 1;
                let owned = m.detach();
                let msg = InFlight { tp, offset: owned.offset(), epoch, timestamp_ms: owned.timestamp().to_millis() };
                let (tx, rx) = oneshot::channel();
                let job_enricher = enricher.clone();
                let job_msg = owned.clone();
                let with_events = events_topic.is_some();
                pool.spawn(move || {
                    let input = Input {
                        position: KafkaPosition { topic: job_msg.topic().to_string(), partition: job_msg.partition(), offset: job_msg.offset() },
                        key: job_msg.key(),
                        value: job_msg.payload(),
                        timestamp_ms: job_msg.timestamp().to_millis(),
                    };
                    let now = now_rfc3339();
                    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        process::process(&job_enricher, &input, &options, with_events, &now)
                    }));
                    let _ = tx.send(result);
                });
                processing.push_back(async move { (msg, owned, rx.await) });
            }
        }
    }

    // Final commit of everything done, then close cleanly (bounded: closing can hang
    // inside librdkafka when the broker is gone).
    metrics.set_ready(false);
    let positions = tracker.lock().expect("tracker lock").safe_positions();
    commit(&consumer, &positions, CommitMode::Sync, &metrics);
    let flush = tokio::task::spawn_blocking(move || {
        let _ = rdkafka::producer::Producer::flush(&producer, Duration::from_secs(5));
    });
    let _ = tokio::time::timeout(Duration::from_secs(6), flush).await;
    let close = tokio::task::spawn_blocking(move || {
        consumer.unsubscribe();
        drop(consumer);
    });
    if tokio::time::timeout(Duration::from_secs(10), close)
        .await
        .is_err()
    {
        tracing::warn!("consumer close timed out");
    }
    tracing::info!(
        consumed = summary.consumed,
        produced = summary.produced,
        dead_lettered = summary.dead_lettered,
        abandoned = summary.abandoned,
        "worker stopped"
    );
    Ok(summary)
}

fn commit(
    consumer: &StreamConsumer<WorkerContext>,
    positions: &[(TopicPartition, i64)],
    mode: CommitMode,
    metrics: &Metrics,
) {
    if positions.is_empty() {
        return;
    }
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in positions {
        let _ = tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset));
    }
    if let Err(e) = consumer.commit(&tpl, mode) {
        metrics.offsets_committed(false, &e.to_string());
    }
}

fn since_epoch_ms(ms: i64) -> Option<Duration> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis() as i64;
    (now >= ms).then(|| Duration::from_millis((now - ms) as u64))
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("enrichment panicked: {text}")
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
fn with_trace_context(
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

/// Enqueue one message, waiting while the producer's local queue is full and retrying
/// other enqueue errors with backoff: never gives up (the offset stays uncommitted).
async fn send_one(
    producer: &FutureProducer,
    topic: &str,
    msg: &Outgoing,
    metrics: &Metrics,
) -> DeliveryFuture {
    let mut backoff = Duration::from_millis(50);
    loop {
        let record = FutureRecord::to(topic)
            .key(msg.key.as_slice())
            .payload(msg.payload.as_slice())
            .headers(owned_headers(&msg.headers));
        match producer.send_result(record) {
            Ok(f) => return f,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((e, _)) => {
                metrics.delivery_failed(topic, &e.to_string());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Enqueue every output of one message, in order.
async fn send_all(
    producer: &FutureProducer,
    outgoing: &[(String, Outgoing)],
    metrics: &Metrics,
) -> Vec<DeliveryFuture> {
    let mut futures = Vec::with_capacity(outgoing.len());
    for (topic, msg) in outgoing {
        futures.push(send_one(producer, topic, msg, metrics).await);
    }
    futures
}

/// Wait until every output of one message is acknowledged, re-sending failed ones with
/// backoff (e.g. the output topic is missing until an operator creates it).
async fn confirm(
    producer: FutureProducer,
    outgoing: Vec<(String, Outgoing)>,
    futures: Vec<DeliveryFuture>,
    metrics: Arc<Metrics>,
    delivered: Delivered,
) -> Delivered {
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
            future = send_one(&producer, topic, msg, &metrics).await;
        }
    }
    delivered
}

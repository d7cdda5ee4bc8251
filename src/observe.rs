//! Every metric and log event of the worker, and the HTTP endpoints that expose them.
//!
//! Each observable occurrence is one small function on [`Metrics`] that writes both
//! the log line and the metric, so names and labels stay consistent and all of them
//! are listed here (the Vector pattern). Metric names are prefixed `parleywire_`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::article::DecodeError;

/// Current time as RFC 3339 (UTC, milliseconds).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Install the `tracing` subscriber: human-readable by default, JSON lines on request.
/// `RUST_LOG` filters (default `info`).
pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// All worker metrics, registered in one registry.
pub struct Metrics {
    /// The registry `/metrics` renders.
    registry: Registry,
    /// Input messages received from Kafka.
    consumed: IntCounter,
    /// Enriched records acknowledged by the broker on the output topic.
    produced: IntCounter,
    /// Event messages acknowledged on the events topic.
    events_produced: IntCounter,
    /// Input messages sent to the dead-letter topic, by reason.
    dead_lettered: IntCounterVec,
    /// Events extracted, by PLOVER type.
    events: IntCounterVec,
    /// Time spent enriching one article.
    enrich_seconds: Histogram,
    /// Input append (message timestamp) to output acknowledgement.
    end_to_end_seconds: Histogram,
    /// Messages consumed and not yet done (enriched, published and acknowledged).
    in_flight: IntGauge,
    /// Consumer lag per partition, from librdkafka statistics.
    consumer_lag: IntGaugeVec,
    /// Output delivery failures (retried), by error.
    delivery_errors: IntCounterVec,
    /// Offset commits, by outcome.
    commits: IntCounterVec,
    /// Rebalance callbacks, by kind (assign, revoke).
    rebalances: IntCounterVec,
    /// Unfinished messages dropped (partition revoked, or transaction aborted), by cause;
    /// they are reprocessed from the last committed position.
    dropped_unfinished: IntCounterVec,
    /// Kafka transactions, by outcome (exactly-once mode).
    transactions: IntCounterVec,
    /// Process readiness (1 when consuming).
    ready: IntGauge,
    /// Set when ready; read by `/readyz`.
    ready_flag: AtomicBool,
    /// Rate limit for repeated delivery-failure log lines: last time logged, and how
    /// many were suppressed since.
    delivery_log: std::sync::Mutex<(Option<std::time::Instant>, u64)>,
}

/// Buckets from 100 µs to ~30 s.
fn latency_buckets() -> Vec<f64> {
    prometheus::exponential_buckets(0.0001, 2.0, 19).expect("valid buckets")
}

impl Metrics {
    /// Create and register every metric.
    pub fn new() -> Arc<Metrics> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(format!("parleywire_{name}"), help).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(format!("parleywire_{name}"), help), labels)
                .expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let histogram = |name: &str, help: &str| {
            let h = Histogram::with_opts(
                HistogramOpts::new(format!("parleywire_{name}"), help).buckets(latency_buckets()),
            )
            .expect("valid metric");
            registry
                .register(Box::new(h.clone()))
                .expect("unique metric");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(format!("parleywire_{name}"), help).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let consumer_lag = IntGaugeVec::new(
            Opts::new(
                "parleywire_consumer_lag",
                "Consumer lag in messages, per input partition",
            ),
            &["topic", "partition"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(consumer_lag.clone()))
            .expect("unique metric");
        let m = Metrics {
            consumed: counter("articles_consumed_total", "Input messages received"),
            produced: counter(
                "articles_produced_total",
                "Enriched records acknowledged on the output topic",
            ),
            events_produced: counter(
                "event_messages_produced_total",
                "Event messages acknowledged on the events topic",
            ),
            dead_lettered: counter_vec(
                "articles_dead_lettered_total",
                "Input messages sent to the dead-letter topic",
                &["reason"],
            ),
            events: counter_vec("events_total", "Events extracted", &["type"]),
            enrich_seconds: histogram("enrich_seconds", "Time to enrich one article"),
            end_to_end_seconds: histogram(
                "end_to_end_latency_seconds",
                "Input append to output acknowledgement",
            ),
            in_flight: gauge("in_flight", "Messages consumed and not yet done"),
            consumer_lag,
            delivery_errors: counter_vec(
                "delivery_errors_total",
                "Output deliveries that failed and were retried",
                &["error"],
            ),
            commits: counter_vec("offset_commits_total", "Offset commits", &["outcome"]),
            rebalances: counter_vec("rebalances_total", "Rebalance callbacks", &["kind"]),
            dropped_unfinished: counter_vec(
                "dropped_unfinished_total",
                "Unfinished messages dropped, to be reprocessed from the last committed position",
                &["cause"],
            ),
            transactions: counter_vec("transactions_total", "Kafka transactions", &["outcome"]),
            ready: gauge("ready", "1 when the worker is consuming"),
            ready_flag: AtomicBool::new(false),
            delivery_log: std::sync::Mutex::new((None, 0)),
            registry,
        };
        for reason in DecodeError::REASONS.iter().chain(&["enrich_panic"]) {
            m.dead_lettered.with_label_values(&[reason]);
        }
        for kind in ["assign", "revoke"] {
            m.rebalances.with_label_values(&[kind]);
        }
        for outcome in ["ok", "error", "requested"] {
            m.commits.with_label_values(&[outcome]);
        }
        Arc::new(m)
    }

    /// Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding cannot fail");
        String::from_utf8(buf).expect("prometheus text is UTF-8")
    }

    /// Whether `/readyz` answers 200.
    pub fn is_ready(&self) -> bool {
        self.ready_flag.load(Ordering::Relaxed)
    }

    /// The worker started (or stopped) consuming.
    pub fn set_ready(&self, ready: bool) {
        self.ready_flag.store(ready, Ordering::Relaxed);
        self.ready.set(ready as i64);
    }

    /// A message arrived from the input topic.
    pub fn message_consumed(&self) {
        self.consumed.inc();
        self.in_flight.inc();
    }

    /// A message is done: its output (or dead letter) was acknowledged, or it was dropped.
    pub fn message_done(&self) {
        self.in_flight.dec();
    }

    /// An article was enriched.
    pub fn article_enriched(&self, seconds: f64, event_types: &[&str]) {
        self.enrich_seconds.observe(seconds);
        for t in event_types {
            self.events.with_label_values(&[t]).inc();
        }
    }

    /// An enriched record was acknowledged by the broker.
    pub fn record_produced(&self, end_to_end: Option<Duration>) {
        self.produced.inc();
        if let Some(d) = end_to_end {
            self.end_to_end_seconds.observe(d.as_secs_f64());
        }
    }

    /// An event message was acknowledged on the events topic.
    pub fn event_message_produced(&self) {
        self.events_produced.inc();
    }

    /// Input could not be read and was dead-lettered.
    pub fn dead_lettered(
        &self,
        reason: &str,
        message: &str,
        topic: &str,
        partition: i32,
        offset: i64,
    ) {
        self.dead_lettered.with_label_values(&[reason]).inc();
        tracing::warn!(
            reason,
            message,
            topic,
            partition,
            offset,
            "input dead-lettered"
        );
    }

    /// A delivery to `topic` failed; it will be retried. Logged at most every 5 s
    /// (a missing topic fails every in-flight message at once); the metric counts all.
    pub fn delivery_failed(&self, topic: &str, error: &str) {
        self.delivery_errors.with_label_values(&[error]).inc();
        let mut log = self.delivery_log.lock().expect("log lock");
        if log.0.is_some_and(|t| t.elapsed() < Duration::from_secs(5)) {
            log.1 += 1;
            return;
        }
        let suppressed = std::mem::take(&mut log.1);
        log.0 = Some(std::time::Instant::now());
        tracing::error!(
            topic,
            error,
            suppressed,
            "delivery failed; retrying (offset not committed)"
        );
    }

    /// An asynchronous offset commit was sent (its outcome is counted when it arrives).
    pub fn offsets_commit_requested(&self) {
        self.commits.with_label_values(&["requested"]).inc();
    }

    /// Offsets were committed (or failed to).
    pub fn offsets_committed(&self, ok: bool, detail: &str) {
        let outcome = if ok { "ok" } else { "error" };
        self.commits.with_label_values(&[outcome]).inc();
        if ok {
            tracing::debug!(offsets = detail, "offsets committed");
        } else {
            tracing::warn!(error = detail, "offset commit failed; will retry");
        }
    }

    /// Partitions were assigned or revoked.
    pub fn rebalanced(&self, kind: &str, partitions: &str) {
        self.rebalances.with_label_values(&[kind]).inc();
        tracing::info!(kind, partitions, "rebalance");
    }

    /// Unfinished messages were dropped (`cause`: `revoke` or `abort`); they will be
    /// reprocessed from the last committed position.
    pub fn dropped_unfinished(&self, cause: &str, n: u64) {
        if n > 0 {
            self.dropped_unfinished
                .with_label_values(&[cause])
                .inc_by(n);
            self.in_flight.sub(n as i64);
            tracing::info!(
                messages = n,
                cause,
                "dropped unfinished work; it will be reprocessed"
            );
        }
    }

    /// A transaction committed or aborted.
    pub fn transaction(&self, outcome: &str, messages: usize) {
        self.transactions.with_label_values(&[outcome]).inc();
        if outcome != "committed" {
            tracing::warn!(outcome, messages, "transaction not committed");
        }
    }

    /// Lag of one input partition.
    pub fn consumer_lag(&self, topic: &str, partition: i32, lag: i64) {
        self.consumer_lag
            .with_label_values(&[topic, &partition.to_string()])
            .set(lag);
    }
}

/// Serve `/metrics`, `/healthz` and `/readyz` on `addr` until the task is dropped.
/// A deliberately small HTTP/1.1 responder: three GET routes need no framework.
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving /metrics /healthz /readyz");
    loop {
        let (mut stream, _) = listener.accept().await?;
        let metrics = metrics.clone();
        tokio::spawn(async move {
            // Read the whole request head (it may arrive in several segments): closing
            // with unread bytes would reset the connection under the response.
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await {
                    Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                    Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let n = buf.len();
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, ctype, body) = match path {
                "/metrics" => ("200 OK", "text/plain; version=0.0.4", metrics.render()),
                "/healthz" => ("200 OK", "text/plain", "ok\n".to_string()),
                "/readyz" if metrics.is_ready() => ("200 OK", "text/plain", "ready\n".to_string()),
                "/readyz" => (
                    "503 Service Unavailable",
                    "text/plain",
                    "not ready\n".to_string(),
                ),
                _ => ("404 Not Found", "text/plain", "not found\n".to_string()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

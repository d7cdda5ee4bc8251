//! The Kafka clients: librdkafka settings for consumer and producer, and the callbacks
//! librdkafka calls on the consumer's thread (rebalances, commits, statistics).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};

use super::offsets::OffsetTracker;
use super::transaction::Transaction;
use crate::observe::Metrics;
use crate::settings::Settings;

/// Exactly-once state the rebalance callback needs: the open transaction and its producer.
pub struct TransactionalState {
    /// The transactional producer; the worker loop puts a new one here when it replaces a
    /// producer that failed fatally.
    pub producer: Arc<Mutex<FutureProducer>>,
    /// The open transaction, if any.
    pub transaction: Arc<Mutex<Transaction>>,
}

/// Shared between the worker loop and the librdkafka callbacks.
pub struct WorkerContext {
    /// Offsets consumed, done, committable.
    pub tracker: Arc<Mutex<OffsetTracker>>,
    /// Metrics and log events.
    pub metrics: Arc<Metrics>,
    /// Input topic (lag is reported for it only).
    pub input_topic: String,
    /// Set in exactly-once mode.
    pub transactional: Option<TransactionalState>,
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
        self.metrics.rebalanced("revoke", &describe(revoked));
        if let Some(tx) = &self.transactional {
            // Exactly-once: the open transaction holds outputs of partitions about to
            // go; abort it, so their new owner redoes that work exactly once.
            // If the abort fails fatally (the producer was fenced), the worker loop's next
            // transaction call fails the same way and decides what to do.
            let mut transaction = tx.transaction.lock().expect("transaction lock");
            if transaction.is_open() {
                let n = transaction.len();
                let producer = tx.producer.lock().expect("producer lock").clone();
                match producer.abort_transaction(Duration::from_secs(30)) {
                    Ok(()) => self.metrics.transaction("aborted_on_revoke", n),
                    Err(e) if is_fatal(&e) => {
                        tracing::warn!(error = %e, "aborting the transaction on revoke failed: the producer failed fatally");
                        transaction.abort_failed_fatally();
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "aborting the transaction on revoke failed")
                    }
                }
            }
            transaction.reset();
            transaction.forget_partitions();
        }
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
        // At-least-once: commit what is done before the partitions go. (Exactly-once
        // commits offsets only inside transactions.)
        if self.transactional.is_none() && commit.count() > 0 {
            match consumer.commit(&commit, CommitMode::Sync) {
                Ok(()) => self.metrics.offsets_committed(true, &describe(&commit)),
                Err(e) => self.metrics.offsets_committed(false, &e.to_string()),
            }
        }
        self.metrics.dropped_unfinished("revoke", dropped as u64);
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

/// Whether a transactional producer's error leaves it unusable (fenced, or fatal).
pub fn is_fatal(error: &KafkaError) -> bool {
    matches!(error, KafkaError::Transaction(e) if e.is_fatal())
}

/// `topic[partition]@offset, ...` for logs.
pub fn describe(tpl: &TopicPartitionList) -> String {
    tpl.elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => format!("{}[{}]@{o}", e.topic(), e.partition()),
            _ => format!("{}[{}]", e.topic(), e.partition()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn client_config(
    base: &BTreeMap<String, String>,
    defaults: &[(&str, &str)],
    overrides: &BTreeMap<String, String>,
) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    for (k, v) in defaults {
        cfg.set(*k, *v);
    }
    for (k, v) in base.iter().chain(overrides) {
        cfg.set(k, v);
    }
    cfg
}

/// The consumer: manual commits of explicit positions, read_committed.
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

/// The producer: idempotent, compressed, batched; transactional in exactly-once mode.
pub fn producer_config(settings: &Settings, transactional_id: Option<&str>) -> ClientConfig {
    let timeout = settings.delivery.transaction_timeout_ms.to_string();
    let mut defaults = vec![
        ("enable.idempotence", "true"),
        ("acks", "all"),
        ("compression.type", settings.kafka.compression.as_str()),
        ("linger.ms", "5"),
    ];
    match transactional_id {
        None => defaults.push(("message.timeout.ms", "30000")),
        Some(id) => {
            defaults.push(("transactional.id", id));
            defaults.push(("transaction.timeout.ms", timeout.as_str()));
            // librdkafka requires deliveries to time out within the transaction.
            defaults.push(("message.timeout.ms", timeout.as_str()));
        }
    }
    client_config(
        &settings.common_properties(),
        &defaults,
        &settings.kafka.producer,
    )
}

/// The default `transactional.id`: stable for a worker instance across restarts.
pub fn default_transactional_id(group: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "localhost".into());
    format!("parleywire-{group}-{host}")
}

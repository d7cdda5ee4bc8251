//! The consume → enrich → produce → commit loop, in both delivery modes.
//!
//! One async task owns the loop; enrichment runs on a fixed thread pool. Per message:
//! 1. consume, register the offset with the [`OffsetTracker`], hand the bytes to the pool;
//! 2. results are taken back *in consume order* and enqueued to the producer at once, so
//!    outputs keep the input order of each partition;
//! 3. **at-least-once**: when every output of a message (record, event messages, or its
//!    dead letter) is acknowledged, its offset is done; commits go up to the first
//!    offset not yet done. **exactly-once**: outputs are sent inside a Kafka transaction
//!    that also carries the consumed positions (`send_offsets_to_transaction` with the
//!    group metadata, so fencing follows the group); it commits every
//!    `transaction_max_messages` messages or `transaction_interval_ms`. On an abortable
//!    error the transaction aborts and consumption rewinds to the last committed
//!    positions. A fenced producer is replaced when the coordinator fenced it for a
//!    transaction that outlived its timeout; a worker fenced by a newer instance (a
//!    zombie) stops with an error (see `Loop::renew_producer`).
//!
//! Backpressure: no new message is consumed while `max_in_flight` are unfinished.
//! Rebalances: see [`super::clients::WorkerContext`]. Shutdown: stop consuming, finish
//! and publish in-flight work, commit, close — bounded by a deadline after which what is
//! done is committed and the rest abandoned (never committed, so it is redone).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context as _};
use futures::stream::{FuturesOrdered, FuturesUnordered};
use futures::StreamExt;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::oneshot;

use super::clients::{self, TransactionalState, WorkerContext};
use super::offsets::{OffsetTracker, TopicPartition};
use super::output;
use super::process::{self, Input, Options, Outcome, Outgoing, Replay};
use super::shutdown::Shutdown;
use super::transaction::{Member, Transaction};
use crate::article::{DecodeLimits, InputFormat};
use crate::enrich::Enricher;
use crate::observe::{now_rfc3339, Metrics};
use crate::record::KafkaPosition;
use crate::settings::{Guarantee, Settings};

pub use super::output::dlq_headers;

/// How long a blocking transaction call may take.
const TXN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the worker waits at start-up to learn where its output topics' partitions live.
const LEADERS_TIMEOUT: Duration = Duration::from_secs(5);
/// How often `init_transactions` is tried (each up to [`TXN_TIMEOUT`]) while the
/// transaction coordinator cannot be reached.
const INIT_ATTEMPTS: u32 = 10;

/// What one run of the worker did (for tests, the demo and the exit log line).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Messages consumed.
    pub consumed: u64,
    /// Records published (acknowledged, or committed in a transaction).
    pub produced: u64,
    /// Dead letters published.
    pub dead_lettered: u64,
    /// Messages still unfinished when the drain deadline passed.
    pub abandoned: u64,
}

/// Identity of one message while it moves through the loop.
#[derive(Debug, Clone)]
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

/// A processed message: its identity, the original (for dead letters and trace
/// context), and the pool's answer (`Err` inside when the core panicked).
type Processed = (
    InFlight,
    OwnedMessage,
    Result<std::thread::Result<Outcome>, oneshot::error::RecvError>,
);

/// Run the worker until `shutdown` fires and the drain completes.
pub async fn run(
    settings: Settings,
    enricher: Arc<Enricher>,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) -> anyhow::Result<RunSummary> {
    let guarantee = settings.guarantee()?;
    // A benchmark's table, read before any client connects (a bad file fails at once) and
    // kept for the life of the process.
    let replay = match &settings.worker.replay_records {
        Some(path) => Some(&*Box::leak(Box::new(Replay::load(path)?))),
        None => None,
    };
    let tracker = Arc::new(Mutex::new(OffsetTracker::default()));
    let (producer, transactional) = match guarantee {
        Guarantee::AtLeastOnce => {
            let p: FutureProducer = clients::producer_config(&settings, None)
                .create()
                .context("creating the Kafka producer")?;
            (p, None)
        }
        Guarantee::ExactlyOnce => {
            let id = match settings.delivery.transactional_id.as_str() {
                "" => clients::default_transactional_id(&settings.kafka.group),
                id => id.to_string(),
            };
            let p = transactional_producer(&settings, &id).await?;
            tracing::info!(transactional_id = %id, "exactly-once: transactions initialised");
            let state = TransactionalState {
                producer: Arc::new(Mutex::new(p.clone())),
                transaction: Arc::new(Mutex::new(Transaction::default())),
            };
            (p, Some((id, state)))
        }
    };
    learn_leaders(&producer, &settings).await;
    let transaction = transactional
        .as_ref()
        .map(|(_, state)| state.transaction.clone());
    let renewal = transactional.as_ref().map(|(id, state)| Renewal {
        id: id.clone(),
        slot: state.producer.clone(),
    });
    let context = WorkerContext {
        tracker: tracker.clone(),
        metrics: metrics.clone(),
        input_topic: settings.kafka.input_topic.clone(),
        transactional: transactional.map(|(_, state)| state),
    };
    let consumer: StreamConsumer<WorkerContext> = clients::consumer_config(&settings)
        .create_with_context(context)
        .context("creating the Kafka consumer")?;
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
    tracing::info!(
        brokers = %settings.kafka.brokers,
        group = %settings.kafka.group,
        input = %settings.kafka.input_topic,
        output = %settings.kafka.output_topic,
        dlq = %settings.kafka.dlq_topic,
        guarantee = ?guarantee,
        threads,
        max_in_flight = settings.worker.max_in_flight,
        dictionaries = enricher.dictionaries_hash(),
        "worker started"
    );
    let mut worker = Loop {
        options: Options {
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
            replay,
        },
        events_topic: (!settings.kafka.events_topic.is_empty())
            .then(|| settings.kafka.events_topic.clone()),
        settings,
        consumer,
        producer,
        tracker,
        metrics,
        transaction,
        renewal,
        enricher,
        pool,
        summary: RunSummary::default(),
        abort_backoff: Duration::from_millis(100),
    };
    let result = worker.run(shutdown).await;
    let Loop {
        consumer, producer, ..
    } = worker;
    close_off_runtime((consumer, producer), "the Kafka clients").await;
    result
}

/// The loop's state.
struct Loop {
    /// Configuration.
    settings: Settings,
    /// Decoding options.
    options: Options,
    /// Events topic, if on.
    events_topic: Option<String>,
    /// Input.
    consumer: StreamConsumer<WorkerContext>,
    /// Output (transactional in exactly-once mode).
    producer: FutureProducer,
    /// Offsets consumed, done, committable.
    tracker: Arc<Mutex<OffsetTracker>>,
    /// Metrics and log events.
    metrics: Arc<Metrics>,
    /// The open transaction, in exactly-once mode.
    transaction: Option<Arc<Mutex<Transaction>>>,
    /// Exactly-once: what replacing a fatally failed producer needs.
    renewal: Option<Renewal>,
    /// The core.
    enricher: Arc<Enricher>,
    /// CPU pool for enrichment.
    pool: rayon::ThreadPool,
    /// Counts for the exit line.
    summary: RunSummary,
    /// Wait after an aborted transaction before resuming (grows while aborts repeat).
    abort_backoff: Duration,
}

/// Exactly-once: what replacing a fatally failed transactional producer needs.
struct Renewal {
    /// The transactional id (the new producer keeps it).
    id: String,
    /// Where the rebalance callback finds the current producer.
    slot: Arc<Mutex<FutureProducer>>,
}

/// A message whose outputs were all acknowledged (at-least-once).
struct Delivered {
    /// Which message.
    msg: InFlight,
    /// Record (true) or dead letter (false).
    enriched: bool,
}

impl Loop {
    async fn run(&mut self, mut shutdown: Shutdown) -> anyhow::Result<RunSummary> {
        let mut processing: FuturesOrdered<futures::future::BoxFuture<'static, Processed>> =
            FuturesOrdered::new();
        let mut deliveries = FuturesUnordered::new();
        let tick_ms = match self.transaction {
            Some(_) => self.settings.delivery.transaction_interval_ms,
            None => self.settings.worker.commit_interval_ms,
        };
        let mut tick = tokio::time::interval(Duration::from_millis(tick_ms.max(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut draining = false;
        let deadline = tokio::time::sleep(Duration::from_secs(u64::MAX / 4));
        tokio::pin!(deadline);

        loop {
            let in_flight = self.tracker.lock().expect("tracker lock").in_flight();
            if draining && processing.is_empty() && deliveries.is_empty() {
                break;
            }
            let can_consume = !draining && in_flight < self.settings.worker.max_in_flight;
            tokio::select! {
                _ = shutdown.recv(), if !draining => {
                    draining = true;
                    deadline.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(self.settings.worker.shutdown_timeout_secs));
                    tracing::info!(in_flight, "stop requested: draining in-flight work");
                }
                _ = &mut deadline, if draining => {
                    self.summary.abandoned = in_flight as u64;
                    tracing::warn!(in_flight, "drain deadline passed: committing what is done, abandoning the rest");
                    break;
                }
                Some(processed) = processing.next() => self.on_processed(processed, &mut deliveries).await?,
                Some(delivered) = deliveries.next() => self.on_delivered(delivered),
                _ = tick.tick() => self.on_tick().await?,
                received = self.consumer.recv(), if can_consume => {
                    match received {
                        Ok(m) => {
                            if let Some(job) = self.on_message(m.detach()) {
                                processing.push_back(job);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "consumer error");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        }
        self.finish(draining && self.summary.abandoned == 0).await;
        Ok(self.summary.clone())
    }

    /// Register a consumed message and start its enrichment on the pool.
    fn on_message(
        &mut self,
        owned: OwnedMessage,
    ) -> Option<futures::future::BoxFuture<'static, Processed>> {
        let tp = (owned.topic().to_string(), owned.partition());
        let epoch = self
            .tracker
            .lock()
            .expect("tracker lock")
            .consumed(&tp, owned.offset())?;
        if let Some(t) = &self.transaction {
            t.lock()
                .expect("transaction lock")
                .consumed(&tp, owned.offset());
        }
        self.metrics.message_consumed();
        self.summary.consumed += 1;
        let msg = InFlight {
            tp,
            offset: owned.offset(),
            epoch,
            timestamp_ms: owned.timestamp().to_millis(),
        };
        let (tx, rx) = oneshot::channel();
        let enricher = self.enricher.clone();
        let job_msg = owned.clone();
        let options = self.options;
        let with_events = self.events_topic.is_some();
        self.pool.spawn(move || {
            let input = Input {
                position: KafkaPosition {
                    topic: job_msg.topic().to_string(),
                    partition: job_msg.partition(),
                    offset: job_msg.offset(),
                },
                key: job_msg.key(),
                value: job_msg.payload(),
                timestamp_ms: job_msg.timestamp().to_millis(),
            };
            let now = now_rfc3339();
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                process::process(&enricher, &input, &options, with_events, &now)
            }));
            let _ = tx.send(result);
        });
        Some(Box::pin(async move { (msg, owned, rx.await) }))
    }

    /// Publish the outputs of a processed message (in consume order).
    async fn on_processed(
        &mut self,
        (msg, original, result): Processed,
        deliveries: &mut FuturesUnordered<futures::future::BoxFuture<'static, Delivered>>,
    ) -> anyhow::Result<()> {
        if !self
            .tracker
            .lock()
            .expect("tracker lock")
            .is_current(&msg.tp, msg.epoch)
        {
            return Ok(()); // partition revoked or rewound meanwhile: redone from the last commit
        }
        let outcome = match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(panic)) => Outcome::Rejected {
                reason: "enrich_panic",
                message: panic_message(panic),
            },
            Err(_) => Outcome::Rejected {
                reason: "enrich_panic",
                message: "enrichment task lost".into(),
            },
        };
        let (outgoing, enriched) = self.outputs(&msg, &original, outcome);
        match self.transaction.clone() {
            None => {
                let mut futures = Vec::with_capacity(outgoing.len());
                for (topic, m) in &outgoing {
                    futures.push(
                        output::enqueue_retrying(&self.producer, topic, m, &self.metrics).await,
                    );
                }
                let token = Delivered { msg, enriched };
                deliveries.push(Box::pin(output::confirm(
                    self.producer.clone(),
                    outgoing,
                    futures,
                    self.metrics.clone(),
                    token,
                )));
            }
            Some(transaction) => {
                if !transaction.lock().expect("transaction lock").is_open() {
                    let p = self.producer.clone();
                    if let Err(e) = tokio::task::block_in_place(|| p.begin_transaction()) {
                        return self.transaction_failed(e).await;
                    }
                    transaction.lock().expect("transaction lock").begin();
                }
                for (topic, m) in &outgoing {
                    if let Err(e) = output::enqueue(&self.producer, topic, m).await {
                        return self.transaction_failed(e).await;
                    }
                }
                let full = {
                    let mut t = transaction.lock().expect("transaction lock");
                    t.add(Member {
                        tp: msg.tp,
                        offset: msg.offset,
                        epoch: msg.epoch,
                        timestamp_ms: msg.timestamp_ms,
                        enriched,
                    });
                    t.len() >= self.settings.delivery.transaction_max_messages
                };
                if full {
                    self.commit_transaction().await?;
                }
            }
        }
        Ok(())
    }

    /// The messages to publish for one outcome, and whether it is a record (vs a dead letter).
    fn outputs(
        &self,
        msg: &InFlight,
        original: &OwnedMessage,
        outcome: Outcome,
    ) -> (Vec<(String, Outgoing)>, bool) {
        let (outgoing, enriched) = match outcome {
            Outcome::Enriched {
                record,
                events,
                event_types,
                enrich_seconds,
            } => {
                let types: Vec<&str> = event_types.iter().map(String::as_str).collect();
                self.metrics.article_enriched(enrich_seconds, &types);
                let mut out = vec![(self.settings.kafka.output_topic.clone(), record)];
                if let Some(topic) = &self.events_topic {
                    out.extend(events.into_iter().map(|e| (topic.clone(), e)));
                }
                (out, true)
            }
            Outcome::Rejected { reason, message } => {
                self.metrics
                    .dead_lettered(reason, &message, &msg.tp.0, msg.tp.1, msg.offset);
                let letter = output::dead_letter(
                    original,
                    reason,
                    &message,
                    self.settings.worker.dlq_max_payload_bytes,
                );
                (vec![(self.settings.kafka.dlq_topic.clone(), letter)], false)
            }
        };
        (output::with_trace_context(outgoing, original), enriched)
    }

    /// At-least-once: all outputs of a message are acknowledged.
    fn on_delivered(&mut self, Delivered { msg, enriched }: Delivered) {
        if self
            .tracker
            .lock()
            .expect("tracker lock")
            .done(&msg.tp, msg.epoch, msg.offset)
        {
            self.count_done(msg.timestamp_ms, enriched);
        }
    }

    fn count_done(&mut self, timestamp_ms: Option<i64>, enriched: bool) {
        self.metrics.message_done();
        if enriched {
            self.summary.produced += 1;
            self.metrics
                .record_produced(timestamp_ms.and_then(since_epoch_ms));
        } else {
            self.summary.dead_lettered += 1;
        }
    }

    /// Periodic work: commit offsets (at-least-once) or a due transaction.
    async fn on_tick(&mut self) -> anyhow::Result<()> {
        match &self.transaction {
            None => {
                let commits = self.tracker.lock().expect("tracker lock").take_commits();
                self.commit_offsets(&commits, CommitMode::Async);
                Ok(())
            }
            Some(t) => {
                let due = {
                    let t = t.lock().expect("transaction lock");
                    t.is_open()
                        && t.age()
                            >= Duration::from_millis(self.settings.delivery.transaction_interval_ms)
                };
                if due {
                    self.commit_transaction().await?;
                }
                Ok(())
            }
        }
    }

    fn commit_offsets(&self, positions: &[(TopicPartition, i64)], mode: CommitMode) {
        if positions.is_empty() {
            return;
        }
        let list = positions_list(positions);
        match self.consumer.commit(&list, mode) {
            // An async commit's outcome arrives later (commit callback); count the request.
            Ok(()) if matches!(mode, CommitMode::Async) => self.metrics.offsets_commit_requested(),
            Ok(()) => self
                .metrics
                .offsets_committed(true, &clients::describe(&list)),
            Err(e) => self.metrics.offsets_committed(false, &e.to_string()),
        }
    }

    /// Commit the open transaction with the consumed positions.
    async fn commit_transaction(&mut self) -> anyhow::Result<()> {
        let Some(transaction) = self.transaction.clone() else {
            return Ok(());
        };
        let positions: Vec<(TopicPartition, i64)> = {
            let t = transaction.lock().expect("transaction lock");
            if !t.is_open() {
                return Ok(());
            }
            t.positions()
                .iter()
                .map(|(tp, o)| (tp.clone(), *o))
                .collect()
        };
        let metadata = self
            .consumer
            .group_metadata()
            .ok_or_else(|| anyhow!("no consumer group metadata for the transaction"))?;
        let producer = self.producer.clone();
        let offsets = positions_list(&positions);
        let result = tokio::task::block_in_place(|| {
            if offsets.count() > 0 {
                producer.send_offsets_to_transaction(&offsets, &metadata, TXN_TIMEOUT)?;
            }
            producer.commit_transaction(TXN_TIMEOUT)
        });
        match result {
            Ok(()) => {
                let members = transaction.lock().expect("transaction lock").committed();
                self.metrics.transaction("committed", members.len());
                self.abort_backoff = Duration::from_millis(100);
                for m in members {
                    if self
                        .tracker
                        .lock()
                        .expect("tracker lock")
                        .done(&m.tp, m.epoch, m.offset)
                    {
                        self.count_done(m.timestamp_ms, m.enriched);
                    }
                }
                Ok(())
            }
            Err(e) => self.transaction_failed(e).await,
        }
    }

    /// A transaction step failed: abort and rewind, or replace the producer when the
    /// error is fatal (fenced).
    async fn transaction_failed(&mut self, error: KafkaError) -> anyhow::Result<()> {
        if clients::is_fatal(&error) {
            return self.renew_producer(error).await;
        }
        tracing::warn!(error = %error, "transaction failed: aborting and rewinding to the last committed positions");
        let producer = self.producer.clone();
        if let Err(e) = tokio::task::block_in_place(|| producer.abort_transaction(TXN_TIMEOUT)) {
            if clients::is_fatal(&e) {
                return self.renew_producer(e).await;
            }
            tracing::error!(error = %e, "abort failed");
        }
        let Some(transaction) = self.transaction.clone() else {
            return Ok(());
        };
        let (members, resume) = {
            let mut t = transaction.lock().expect("transaction lock");
            (t.reset(), t.resume_points())
        };
        self.metrics.transaction("aborted", members.len());
        self.rewind(&resume);
        tokio::time::sleep(self.abort_backoff).await;
        self.abort_backoff = (self.abort_backoff * 2).min(Duration::from_secs(10));
        Ok(())
    }

    /// Seek the consumer back to `positions` and make all unfinished work stale.
    fn rewind(&mut self, positions: &[(TopicPartition, i64)]) {
        for ((topic, partition), offset) in positions {
            if let Err(e) = self.consumer.seek(
                topic,
                *partition,
                Offset::Offset(*offset),
                Duration::from_secs(10),
            ) {
                tracing::error!(topic, partition, offset, error = %e, "rewind failed");
            }
        }
        let dropped = self.tracker.lock().expect("tracker lock").restart_all();
        self.metrics.dropped_unfinished("abort", dropped as u64);
    }

    /// The transactional producer failed fatally (fenced: its epoch was bumped). Two
    /// causes, told apart by the age of the transaction that failed:
    /// * it was open longer than `transaction_timeout_ms`: the coordinator aborted it and
    ///   bumped the epoch (a broker restart, a network outage or a worker stall longer
    ///   than the timeout). A librdkafka producer never leaves that state, so a new one
    ///   with the same transactional id takes its place, and consumption rewinds to the
    ///   group's committed positions, read back from the broker: the aborted work is
    ///   redone once, nothing lost, nothing duplicated;
    /// * it was younger: another live instance initialised the same transactional id and
    ///   owns it now. This one is the zombie, and stops with an error.
    async fn renew_producer(&mut self, error: KafkaError) -> anyhow::Result<()> {
        let (Some(renewal), Some(transaction)) = (&self.renewal, self.transaction.clone()) else {
            return Err(anyhow!(error)).context("fatal producer error: stopping");
        };
        let timeout = Duration::from_millis(self.settings.delivery.transaction_timeout_ms);
        let age = transaction.lock().expect("transaction lock").failed_age();
        if age < timeout {
            return Err(anyhow!(error)).context(format!(
                "fenced by a newer instance with transactional id {:?} (the failed \
                 transaction was {} ms old, within the {} ms timeout): stopping",
                renewal.id,
                age.as_millis(),
                timeout.as_millis()
            ));
        }
        let id = renewal.id.clone();
        let slot = renewal.slot.clone();
        tracing::warn!(error = %error, transactional_id = %id, transaction_age_ms = age.as_millis() as u64, "the coordinator aborted a transaction that outlived its timeout (producer fenced): replacing the producer and rewinding to the committed positions");
        self.metrics.set_ready(false);
        let members = transaction.lock().expect("transaction lock").reset();
        self.metrics.transaction("fenced", members.len());
        let fresh = transactional_producer(&self.settings, &id).await?;
        *slot.lock().expect("producer lock") = fresh.clone();
        let old = std::mem::replace(&mut self.producer, fresh);
        close_off_runtime(old, "the fenced producer").await;
        let resume = self.committed_positions(&transaction);
        self.rewind(&resume);
        self.metrics.set_ready(true);
        Ok(())
    }

    /// Where to resume each assigned partition: the group's committed offset as the
    /// broker has it (authoritative once `init_transactions` completed every pending
    /// transaction), else the last position this process committed or first consumed.
    fn committed_positions(&self, transaction: &Mutex<Transaction>) -> Vec<(TopicPartition, i64)> {
        let mut resume: std::collections::BTreeMap<TopicPartition, i64> = transaction
            .lock()
            .expect("transaction lock")
            .resume_points()
            .into_iter()
            .collect();
        let committed = tokio::task::block_in_place(|| {
            let assigned = self.consumer.assignment()?;
            self.consumer
                .committed_offsets(assigned, Duration::from_secs(10))
        });
        match committed {
            Ok(list) => {
                for e in list.elements() {
                    if let Offset::Offset(o) = e.offset() {
                        resume.insert((e.topic().to_string(), e.partition()), o);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the committed positions failed: rewinding to the last ones this worker committed")
            }
        }
        resume.into_iter().collect()
    }

    /// Final commit, then close the clients (bounded: closing can hang inside librdkafka
    /// when the broker is gone).
    async fn finish(&mut self, drained: bool) {
        self.metrics.set_ready(false);
        match &self.transaction {
            None => {
                let positions = self.tracker.lock().expect("tracker lock").safe_positions();
                self.commit_offsets(&positions, CommitMode::Sync);
            }
            Some(_) if drained => {
                if let Err(e) = self.commit_transaction().await {
                    tracing::error!(error = %e, "final transaction failed");
                }
            }
            Some(t) => {
                if t.lock().expect("transaction lock").is_open() {
                    let p = self.producer.clone();
                    let _ = tokio::task::block_in_place(|| p.abort_transaction(TXN_TIMEOUT));
                }
            }
        }
        let producer = self.producer.clone();
        let flush = tokio::task::spawn_blocking(move || {
            let _ = producer.flush(Duration::from_secs(5));
        });
        let _ = tokio::time::timeout(Duration::from_secs(6), flush).await;
        self.consumer.unsubscribe();
        let s = &self.summary;
        tracing::info!(
            consumed = s.consumed,
            produced = s.produced,
            dead_lettered = s.dead_lettered,
            abandoned = s.abandoned,
            "worker stopped"
        );
    }
}

/// A transactional producer with `init_transactions` done, tried up to [`INIT_ATTEMPTS`]
/// times while the coordinator is unreachable or still loading.
async fn transactional_producer(settings: &Settings, id: &str) -> anyhow::Result<FutureProducer> {
    let p: FutureProducer = clients::producer_config(settings, Some(id))
        .create()
        .context("creating the transactional Kafka producer")?;
    let mut attempt = 1;
    loop {
        let init = p.clone();
        match tokio::task::spawn_blocking(move || init.init_transactions(TXN_TIMEOUT)).await? {
            Ok(()) => return Ok(p),
            Err(e) if attempt < INIT_ATTEMPTS && !clients::is_fatal(&e) => {
                tracing::warn!(error = %e, attempt, transactional_id = %id, "initialising transactions failed: retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                attempt += 1;
            }
            Err(e) => {
                return Err(anyhow!(e))
                    .with_context(|| format!("initialising transactions (transactional.id {id})"))
            }
        }
    }
}

/// Drop Kafka clients on a blocking thread, waiting at most 10 s: `rd_kafka_destroy` can
/// hang when the brokers are gone, and must never block the runtime.
async fn close_off_runtime<T: Send + 'static>(clients: T, what: &str) {
    let close = tokio::task::spawn_blocking(move || drop(clients));
    if tokio::time::timeout(Duration::from_secs(10), close)
        .await
        .is_err()
    {
        tracing::warn!("closing {what} timed out");
    }
}

/// Ask the broker, before the first article is read, where the output and dead-letter
/// topics' partitions live. Without it the producer looks them up on the first record it is
/// given, and the records of the first few hundred milliseconds wait in its queue for that
/// answer (the latency benchmark saw its slowest 1% there). A topic that does not exist yet
/// (created on first write) or a slow answer is not an error: the producer asks again when
/// it needs to.
async fn learn_leaders(producer: &FutureProducer, settings: &Settings) {
    for topic in [&settings.kafka.output_topic, &settings.kafka.dlq_topic] {
        let (p, t) = (producer.clone(), topic.clone());
        let looked_up = tokio::task::spawn_blocking(move || {
            p.client().fetch_metadata(Some(&t), LEADERS_TIMEOUT)
        })
        .await;
        match looked_up {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::debug!(topic = %topic, error = %e, "leaders not known yet"),
            Err(e) => tracing::debug!(topic = %topic, error = %e, "leader look-up did not run"),
        }
    }
}

fn positions_list(positions: &[(TopicPartition, i64)]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in positions {
        let _ = tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset));
    }
    tpl
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

//! `parleywire demo`: the real worker code path on librdkafka's in-process mock cluster.
//!
//! Starts a mock cluster (no broker needed), creates the topics through its own API
//! (the mock cluster does not implement CreateTopics), feeds it the sample articles
//! (or the user's), runs [`super::worker::run`] until every article has an output or a
//! dead letter, then prints a readable summary followed by the JSON records.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};

use super::shutdown;
use super::worker;
use crate::article::{decode, DecodeLimits, InputFormat};
use crate::observe::Metrics;
use crate::record::EnrichedRecord;
use crate::settings::Settings;

/// Sample wire-style articles written for the project (the first retells the seed story).
pub const SAMPLE_ARTICLES: &str = include_str!("../../config/demo/articles.jsonl");

const INPUT: &str = "demo.articles";
const OUTPUT: &str = "demo.enriched";
const DLQ: &str = "demo.dlq";
const PARTITIONS: i32 = 3;

/// Run the demo with the sample articles or those of `file`.
pub fn run(file: Option<&Path>, summary_only: bool) -> anyhow::Result<()> {
    let messages = match file {
        Some(path) => load_user_articles(path)?,
        None => SAMPLE_ARTICLES
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.as_bytes().to_vec())
            .collect(),
    };
    if messages.is_empty() {
        anyhow::bail!("no articles to run the demo on");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mock = MockCluster::new(1).context("starting librdkafka's mock cluster")?;
    for topic in [INPUT, OUTPUT, DLQ] {
        mock.create_topic(topic, PARTITIONS, 1)
            .with_context(|| format!("creating mock topic {topic}"))?;
    }
    let brokers = mock.bootstrap_servers();
    let started = Instant::now();
    let (records, dead) = runtime.block_on(drive(&brokers, &messages))?;
    drop(mock);

    let stdout = std::io::stdout();
    let colour = std::io::IsTerminal::is_terminal(&stdout);
    let mut out = stdout.lock();
    writeln!(
        out,
        "parleywire demo: {} articles through an embedded Kafka mock cluster ({} partitions) in {:.1} s: {} records, {} dead letters\n",
        messages.len(),
        PARTITIONS,
        started.elapsed().as_secs_f64(),
        records.len(),
        dead.len()
    )?;
    for record in &records {
        crate::summary::write_record(&mut out, record, colour)?;
    }
    for (reason, key) in &dead {
        writeln!(out, "dead letter: key {key:?}, reason {reason}")?;
    }
    if !summary_only {
        writeln!(out, "\n--- records (parleywire.enriched/v1) ---")?;
        for record in &records {
            writeln!(out, "{}", serde_json::to_string_pretty(record)?)?;
        }
    }
    Ok(())
}

fn load_user_articles(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let looks_jsonl = text.trim_start().starts_with('{')
        && text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.trim_start().starts_with('{'));
    if looks_jsonl {
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.as_bytes().to_vec())
            .collect())
    } else {
        Ok(vec![bytes])
    }
}

/// Produce the articles, run the worker until all are accounted for, read the outputs.
async fn drive(
    brokers: &str,
    messages: &[Vec<u8>],
) -> anyhow::Result<(Vec<EnrichedRecord>, Vec<(String, String)>)> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .context("creating the demo feeder")?;
    for (i, value) in messages.iter().enumerate() {
        let key = decode(value, None, InputFormat::Auto, &DecodeLimits::default())
            .map(|a| a.id)
            .unwrap_or_else(|_| format!("demo-{i}"));
        producer
            .send(
                FutureRecord::to(INPUT).key(&key).payload(value.as_slice()),
                Duration::from_secs(10),
            )
            .await
            .map_err(|(e, _)| e)
            .context("feeding the mock cluster")?;
    }

    let mut settings = Settings::default();
    settings.kafka.brokers = brokers.to_string();
    settings.kafka.group = "parleywire-demo".into();
    settings.kafka.input_topic = INPUT.into();
    settings.kafka.output_topic = OUTPUT.into();
    settings.kafka.dlq_topic = DLQ.into();
    settings.worker.commit_interval_ms = 200;
    settings.observe.metrics_addr = String::new();
    settings.observe.stats_interval_ms = 0;
    let enricher = Arc::new(crate::enrich::Enricher::new(
        &crate::dictionaries::embedded(),
    )?);
    let (trigger, stop) = shutdown::channel();
    let worker = tokio::spawn(worker::run(settings, enricher, Metrics::new(), stop));

    let reader: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "parleywire-demo-reader")
        .set("enable.auto.commit", "false")
        .create()
        .context("creating the demo reader")?;
    let mut tpl = TopicPartitionList::new();
    for topic in [OUTPUT, DLQ] {
        for p in 0..PARTITIONS {
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
        }
    }
    reader.assign(&tpl)?;
    let mut records: HashMap<String, EnrichedRecord> = HashMap::new();
    let mut dead = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while records.len() + dead.len() < messages.len() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let msg = match tokio::time::timeout(remaining, reader.recv()).await {
            Ok(m) => m?,
            Err(_) => {
                trigger.trigger();
                anyhow::bail!("timed out waiting for the worker's output");
            }
        };
        let key = String::from_utf8_lossy(msg.key().unwrap_or_default()).to_string();
        if msg.topic() == DLQ {
            let reason = msg
                .headers()
                .and_then(|h| h.iter().find(|h| h.key == worker::dlq_headers::REASON))
                .and_then(|h| h.value)
                .map(|v| String::from_utf8_lossy(v).to_string())
                .unwrap_or_default();
            dead.push((reason, key));
        } else {
            let record: EnrichedRecord = serde_json::from_slice(msg.payload().unwrap_or_default())
                .context("reading an output record")?;
            records.insert(record.article.id.clone(), record);
        }
    }
    trigger.trigger();
    worker.await??;
    // Print in input order.
    let mut ordered = Vec::new();
    for (i, value) in messages.iter().enumerate() {
        let id = decode(value, None, InputFormat::Auto, &DecodeLimits::default())
            .map(|a| a.id)
            .unwrap_or_else(|_| format!("demo-{i}"));
        if let Some(r) = records.remove(&id) {
            ordered.push(r);
        }
    }
    ordered.extend(records.into_values());
    Ok((ordered, dead))
}

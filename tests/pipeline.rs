//! The streaming worker against a real Apache Kafka broker (`scripts/kafka.sh start`).
//! Each test creates its own topics and group, runs the real `parleywire run` binary,
//! and checks what reached the broker.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use common::*;
use parleywire::record::EnrichedRecord;

const MINUTE: Duration = Duration::from_secs(60);

fn records(reads: &[Read]) -> Vec<EnrichedRecord> {
    reads
        .iter()
        .map(|r| serde_json::from_slice(&r.value).expect("output is an enriched record"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_articles_with_malformed_ones_in_order_committed_and_counted() {
    let Some(brokers) = broker() else { return };
    let partitions = 3;
    let t = Topology::create(&brokers, partitions).await;
    let n = 10_000;
    let mut input: Vec<(Option<String>, Vec<u8>)> = (0..n).map(article).collect();
    // Five malformed messages mixed in at known places.
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not_utf8", vec![0xff, 0xfe, b'{', 0x80]),
        ("invalid_json", b"{\"headline\": \"cut off".to_vec()),
        (
            "no_text",
            br#"{"id":"empty-one","headline":"","body":"   "}"#.to_vec(),
        ),
        ("empty", Vec::new()),
        (
            "too_large",
            format!("{{\"body\":\"{}\"}}", "x".repeat(300_000)).into_bytes(),
        ),
    ];
    for (i, (reason, bytes)) in bad.iter().enumerate() {
        input.insert(
            1000 + i * 1700,
            (Some(format!("bad-{reason}")), bytes.clone()),
        );
    }
    produce(&brokers, &t.input, &input).await;

    let worker = Worker::start(&t, &[("PARLEYWIRE_MAX_MESSAGE_BYTES", "200000")]);
    let out = read_topic(&brokers, &t.output, partitions, n, 3 * MINUTE);
    assert_eq!(out.len(), n, "every good article has a record");
    let dlq = read_topic(&brokers, &t.dlq, partitions, 5, MINUTE);
    assert_eq!(dlq.len(), 5, "every malformed message is dead-lettered");

    // Keys are article ids; each id exactly once (no restart happened).
    let keys: HashSet<&str> = out.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys.len(), n);
    let recs = records(&out);
    for (r, rec) in out.iter().zip(&recs) {
        assert_eq!(r.key, rec.article.id);
        assert_eq!(rec.schema, "parleywire.enriched/v1");
        assert_eq!(
            r.headers.get("ce_specversion").map(String::as_str),
            Some("1.0")
        );
        assert_eq!(
            r.headers.get("content-type").map(String::as_str),
            Some("application/json")
        );
        assert!(r.headers.contains_key("ce_id") && r.headers.contains_key("ce_time"));
        assert!(r
            .headers
            .get("traceparent")
            .is_some_and(|v| v.starts_with("00-0af7")));
    }
    // Order: within each output partition, records from the same input partition keep
    // their input offset order.
    let mut last: HashMap<(i32, i32), i64> = HashMap::new();
    for (r, rec) in out.iter().zip(&recs) {
        let k = rec.provenance.kafka.as_ref().expect("kafka provenance");
        assert_eq!(k.topic, t.input);
        let prev = last.insert((r.partition, k.partition), k.offset);
        assert!(
            prev.is_none_or(|p| p < k.offset),
            "order kept per partition"
        );
    }
    // Dead letters carry reason and origin.
    let mut reasons: Vec<String> = dlq
        .iter()
        .map(|d| d.headers["parleywire.error.reason"].clone())
        .collect();
    reasons.sort();
    let mut expected: Vec<String> = bad.iter().map(|(r, _)| r.to_string()).collect();
    expected.sort();
    assert_eq!(reasons, expected);
    for d in &dlq {
        assert_eq!(d.headers["parleywire.source.topic"], t.input);
        assert!(d.headers["parleywire.source.offset"].parse::<i64>().is_ok());
        assert!(!d.headers["parleywire.error.message"].is_empty());
        if d.headers["parleywire.error.reason"] == "not_utf8" {
            assert_eq!(d.value, vec![0xff, 0xfe, b'{', 0x80], "original bytes kept");
        }
    }
    // Offsets: committed up to the end of every partition.
    let hw = high_watermarks(&brokers, &t.input, partitions);
    assert!(
        wait_for(MINUTE, || committed(
            &brokers, &t.group, &t.input, partitions
        ) == hw),
        "committed offsets reach the high watermarks {hw:?}"
    );
    // Metrics.
    assert!(wait_for(MINUTE, || worker
        .metric("parleywire_articles_produced_total")
        == Some(n as f64)));
    assert_eq!(
        worker.metric("parleywire_articles_consumed_total"),
        Some((n + 5) as f64)
    );
    for (reason, _) in &bad {
        assert_eq!(
            worker.metric(&format!(
                "parleywire_articles_dead_lettered_total{{reason=\"{reason}\"}}"
            )),
            Some(1.0),
            "{reason}"
        );
    }
    assert_eq!(worker.metric("parleywire_in_flight"), Some(0.0));
    assert!(
        worker
            .metric("parleywire_end_to_end_latency_seconds_count")
            .unwrap()
            >= n as f64
    );
    assert!(
        wait_for(MINUTE, || worker.metric(&format!(
            "parleywire_consumer_lag{{partition=\"0\",topic=\"{}\"}}",
            t.input
        )) == Some(0.0)),
        "consumer lag reported and zero"
    );
    assert_eq!(worker.http_get("/healthz").unwrap().0, 200);
    assert_eq!(worker.http_get("/readyz").unwrap().0, 200);
    assert_eq!(worker.terminate(MINUTE), Some(0), "SIGTERM exits 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_midway_then_restart_loses_nothing() {
    let Some(brokers) = broker() else { return };
    let partitions = 3;
    let n = 6_000;
    let t = Topology::loaded(&brokers, partitions, n).await;

    // Slow the first worker down (one thread, small in-flight bound) so SIGTERM lands midway.
    let first = Worker::start(
        &t,
        &[
            ("PARLEYWIRE_THREADS", "1"),
            ("PARLEYWIRE_MAX_IN_FLIGHT", "50"),
        ],
    );
    assert!(
        wait_for(MINUTE, || first
            .metric("parleywire_articles_produced_total")
            .unwrap_or(0.0)
            >= 500.0),
        "first worker makes progress"
    );
    assert_eq!(
        first.terminate(MINUTE),
        Some(0),
        "drains and exits 0 on SIGTERM"
    );
    let after_first = read_topic(&brokers, &t.output, partitions, n, Duration::from_secs(5)).len();
    let committed_first: i64 = committed(&brokers, &t.group, &t.input, partitions)
        .iter()
        .map(|c| (*c).max(0))
        .sum();
    assert!(after_first < n, "stopped midway ({after_first} of {n})");
    assert!(
        committed_first as usize <= after_first,
        "never committed beyond what was published"
    );

    let second = Worker::start(&t, &[]);
    let out = read_until_idle(
        &brokers,
        &t.output,
        partitions,
        n,
        Duration::from_secs(3),
        2 * MINUTE,
    );
    let ids: HashSet<&str> = out.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(ids.len(), n, "every article published after the restart");
    let duplicates = out.len() - ids.len();
    eprintln!(
        "restart: {n} in, {} out, {duplicates} duplicates (at-least-once)",
        out.len()
    );
    assert_eq!(second.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_in_one_group_share_the_partitions() {
    let Some(brokers) = broker() else { return };
    let partitions = 4;
    let t = Topology::create(&brokers, partitions).await;
    let a = Worker::start(&t, &[]);
    let b = Worker::start(&t, &[]);
    a.wait_ready(MINUTE);
    b.wait_ready(MINUTE);
    // Let the group settle on a two-member assignment before producing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let n = 4_000;
    let input: Vec<_> = (0..n).map(article).collect();
    produce(&brokers, &t.input, &input).await;
    let out = read_topic(&brokers, &t.output, partitions, n, 2 * MINUTE);
    let ids: HashSet<&str> = out.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(ids.len(), n, "together they produce every record");
    let produced_a = a
        .metric("parleywire_articles_produced_total")
        .unwrap_or(0.0);
    let produced_b = b
        .metric("parleywire_articles_produced_total")
        .unwrap_or(0.0);
    assert!(
        produced_a > 0.0 && produced_b > 0.0,
        "both workers did work: {produced_a} / {produced_b}"
    );
    // Which input partitions each record came from, by worker share.
    let mut by_partition: BTreeMap<i32, usize> = BTreeMap::new();
    for rec in records(&out) {
        *by_partition
            .entry(rec.provenance.kafka.unwrap().partition)
            .or_default() += 1;
    }
    assert_eq!(by_partition.len(), partitions as usize);
    assert_eq!(a.terminate(MINUTE), Some(0));
    assert_eq!(b.terminate(MINUTE), Some(0));
}

//! Fault injection against the real Apache Kafka broker of `scripts/kafka.sh`: killed
//! workers, a restarted broker, rebalances, poison input, a missing output topic.
//! Each test prints one `fault:` line with its counts (in, out, duplicates, dead letters);
//! `scripts/test.sh` collects them.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};

use common::*;

const MINUTE: Duration = Duration::from_secs(60);
const IDLE: Duration = Duration::from_secs(3);

fn eos(txn_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PARLEYWIRE_GUARANTEE", "exactly-once".to_string()),
        ("PARLEYWIRE_TRANSACTIONAL_ID", txn_id.to_string()),
    ]
}

/// Exactly-once, one enrichment thread and a short in-flight window: slow enough that the
/// faults below land mid-stream.
fn slow_eos(txn_id: &str) -> Vec<(&'static str, String)> {
    [
        eos(txn_id),
        vec![
            ("PARLEYWIRE_THREADS", "1".into()),
            ("PARLEYWIRE_MAX_IN_FLIGHT", "100".into()),
        ],
    ]
    .concat()
}

const FENCED: &str = "parleywire_transactions_total{outcome=\"fenced\"}";
const PRODUCED: &str = "parleywire_articles_produced_total";

fn env<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Every one of `n` articles exactly once on the output.
fn assert_exactly_once(reads: &[Read], n: usize, what: &str) {
    let (distinct, dups) = tally(reads);
    assert_eq!(distinct, n, "{what}: nothing lost");
    assert_eq!(dups, 0, "{what}: nothing duplicated");
}

/// Distinct keys and duplicates among the output messages.
fn tally(reads: &[Read]) -> (usize, usize) {
    let distinct: HashSet<&str> = reads.iter().map(|r| r.key.as_str()).collect();
    (distinct.len(), reads.len() - distinct.len())
}

fn report(fault: &str, n_in: usize, reads: &[Read], dead: usize) {
    let (distinct, dups) = tally(reads);
    println!("fault: {fault}: in {n_in}, out {} ({distinct} distinct), duplicates {dups}, dead letters {dead}", reads.len());
}

async fn kill9_midway(
    guarantee_env: Vec<(&'static str, String)>,
    label: &str,
) -> (usize, Vec<Read>) {
    let brokers = broker().expect("checked by caller");
    let partitions = 3;
    let n = 20_000;
    let t = Topology::loaded(&brokers, partitions, n).await;
    let first = Worker::start(&t, &env(&guarantee_env));
    assert!(
        wait_for(2 * MINUTE, || first
            .metric("parleywire_articles_produced_total")
            .unwrap_or(0.0)
            >= 4000.0),
        "first worker makes progress"
    );
    first.kill9();
    let second = Worker::start(&t, &env(&guarantee_env));
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 3 * MINUTE);
    report(label, n, &out, 0);
    assert_eq!(second.terminate(MINUTE), Some(0));
    (n, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_midway_exactly_once_has_no_duplicates() {
    if broker().is_none() {
        return;
    }
    let (n, out) = kill9_midway(eos(&unique("txn")), "kill -9 mid-stream, exactly-once").await;
    assert_exactly_once(&out, n, "kill -9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_midway_at_least_once_loses_nothing() {
    if broker().is_none() {
        return;
    }
    let (n, out) = kill9_midway(Vec::new(), "kill -9 mid-stream, at-least-once").await;
    let (distinct, _dups) = tally(&out);
    assert_eq!(distinct, n, "every article at least once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_midstream_exactly_once() {
    let Some(brokers) = broker() else { return };
    let partitions = 3;
    let n = 10_000;
    let t = Topology::loaded(&brokers, partitions, n).await;
    let mut worker = Worker::start(&t, &env(&slow_eos(&unique("txn"))));
    assert!(wait_for(2 * MINUTE, || worker
        .metric(PRODUCED)
        .unwrap_or(0.0)
        >= 1000.0));
    let restart = Command::new("scripts/kafka.sh")
        .arg("restart")
        .status()
        .expect("run scripts/kafka.sh restart");
    assert!(restart.success(), "broker restarted");
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 4 * MINUTE);
    report("broker restart mid-stream, exactly-once", n, &out, 0);
    assert!(
        worker.is_running(),
        "the worker rode through the broker restart"
    );
    assert_exactly_once(&out, n, "broker restart");
    assert_eq!(worker.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_stalled_past_its_transaction_timeout_replaces_its_producer_exactly_once() {
    let Some(brokers) = broker() else { return };
    let partitions = 3;
    let n = 6_000;
    let t = Topology::loaded(&brokers, partitions, n).await;
    let cfg = [
        slow_eos(&unique("txn")),
        vec![("PARLEYWIRE_TRANSACTION_TIMEOUT_MS", "3000".into())],
    ]
    .concat();
    let mut worker = Worker::start(&t, &env(&cfg));
    assert!(wait_for(2 * MINUTE, || worker
        .metric(PRODUCED)
        .unwrap_or(0.0)
        >= 1000.0));
    // Frozen with a transaction open for longer than its 3 s timeout (but less than the
    // group's 10 s session): the coordinator aborts the transaction and bumps the
    // producer's epoch, so the worker's next transaction call finds itself fenced.
    worker.freeze(Duration::from_secs(7));
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 3 * MINUTE);
    report(
        "worker frozen past its transaction timeout, exactly-once",
        n,
        &out,
        0,
    );
    assert!(
        worker.metric(FENCED) >= Some(1.0),
        "the worker was fenced and replaced its producer"
    );
    assert!(worker.is_running(), "the worker rode through the stall");
    assert_exactly_once(&out, n, "stall");
    assert_eq!(worker.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zombie_fenced_by_a_newer_instance_stops_and_the_newer_one_finishes() {
    let Some(brokers) = broker() else { return };
    let partitions = 3;
    let n = 6_000;
    let t = Topology::loaded(&brokers, partitions, n).await;
    let id = unique("txn");
    let mut zombie = Worker::start(&t, &env(&slow_eos(&id)));
    assert!(wait_for(2 * MINUTE, || zombie
        .metric(PRODUCED)
        .unwrap_or(0.0)
        >= 1000.0));
    // A newer instance initialises the same transactional id: it bumps the epoch and
    // aborts the zombie's open transaction, which is young, so the zombie must stop.
    let newer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("transactional.id", &id)
        .create()
        .expect("newer instance's producer");
    newer
        .init_transactions(Duration::from_secs(30))
        .expect("init_transactions under the same transactional id");
    let code = zombie.wait_exit(MINUTE);
    assert!(
        matches!(code, Some(c) if c != 0),
        "the zombie stops with an error (exit code {code:?})"
    );
    drop(newer);
    let successor = Worker::start(&t, &env(&slow_eos(&id)));
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 3 * MINUTE);
    report(
        "zombie fenced by a newer instance, exactly-once",
        n,
        &out,
        0,
    );
    assert_exactly_once(&out, n, "zombie");
    assert_eq!(successor.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_worker_joins_then_first_is_killed_exactly_once() {
    let Some(brokers) = broker() else { return };
    let partitions = 4;
    let n = 20_000;
    let t = Topology::loaded(&brokers, partitions, n).await;
    let a = Worker::start(&t, &env(&slow_eos(&unique("txn-a"))));
    assert!(wait_for(2 * MINUTE, || a
        .metric("parleywire_articles_produced_total")
        .unwrap_or(0.0)
        >= 2000.0));
    let b = Worker::start(&t, &env(&slow_eos(&unique("txn-b"))));
    assert!(
        wait_for(2 * MINUTE, || b
            .metric("parleywire_articles_produced_total")
            .unwrap_or(0.0)
            >= 500.0),
        "the joining worker takes over partitions and produces"
    );
    a.kill9();
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 4 * MINUTE);
    report(
        "second worker joins, first killed, exactly-once",
        n,
        &out,
        0,
    );
    assert_exactly_once(&out, n, "both rebalances");
    assert_eq!(b.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_inputs_are_dead_lettered_and_good_ones_flow() {
    let Some(brokers) = broker() else { return };
    let partitions = 2;
    let t = Topology::named(&brokers);
    create_topics_with(
        &brokers,
        &[&t.input],
        partitions,
        &[("max.message.bytes", "20971520")],
    )
    .await;
    create_topics(&brokers, &[&t.output, &t.dlq], partitions).await;
    // Deterministic pseudo-random bytes (xorshift), made invalid UTF-8 by a 0xFF.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    random[0] = 0xFF;
    let poison: Vec<(&str, &str, Vec<u8>)> = vec![
        ("random bytes", "not_utf8", random),
        (
            "invalid UTF-8",
            "not_utf8",
            b"{\"headline\": \"caf\xe9 talks\"}".to_vec(),
        ),
        (
            "10 MB message",
            "too_large",
            format!(
                "{{\"body\": \"{}\"}}",
                "talks ".repeat(10 * 1024 * 1024 / 6)
            )
            .into_bytes(),
        ),
        (
            "JSON nested 100,000 deep",
            "too_deep",
            format!(
                "{{\"body\": {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
            .into_bytes(),
        ),
        ("empty message", "empty", Vec::new()),
        (
            "ninjs without text",
            "no_text",
            br#"{"uri": "urn:test:1", "versioncreated": "2024-01-01T00:00:00Z", "language": "en"}"#
                .to_vec(),
        ),
    ];
    let mut input: Vec<(Option<String>, Vec<u8>)> = (0..1000).map(article).collect();
    for (i, (name, _, bytes)) in poison.iter().enumerate() {
        input.insert(
            100 + i * 150,
            (Some(format!("poison-{name}")), bytes.clone()),
        );
    }
    produce(&brokers, &t.input, &input).await;
    let cfg = eos(&unique("txn"));
    let mut worker = Worker::start(&t, &env(&cfg));
    let out = read_until_idle(&brokers, &t.output, partitions, 1000, IDLE, 2 * MINUTE);
    let dlq = read_until_idle(&brokers, &t.dlq, partitions, poison.len(), IDLE, MINUTE);
    report("poison input", input.len(), &out, dlq.len());
    assert_eq!(tally(&out), (1000, 0), "the good ones flow");
    let got: HashMap<String, String> = dlq
        .iter()
        .map(|d| (d.key.clone(), d.headers["parleywire.error.reason"].clone()))
        .collect();
    for (name, reason, bytes) in &poison {
        assert_eq!(
            got.get(&format!("poison-{name}")).map(String::as_str),
            Some(*reason),
            "{name}"
        );
        let d = dlq
            .iter()
            .find(|d| d.key == format!("poison-{name}"))
            .unwrap();
        assert_eq!(d.headers["parleywire.source.size"], bytes.len().to_string());
        if bytes.len() > 900 * 1024 {
            assert_eq!(
                d.headers
                    .get("parleywire.payload.truncated")
                    .map(String::as_str),
                Some("true")
            );
        } else {
            assert_eq!(&d.value, bytes, "{name}: original bytes kept");
        }
    }
    assert!(worker.is_running(), "no panic, the worker keeps going");
    assert_eq!(worker.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_output_topic_commits_nothing_then_recovers() {
    let Some(brokers) = broker() else { return };
    let partitions = 2;
    let t = Topology::named(&brokers);
    create_topics(&brokers, &[&t.input, &t.dlq], partitions).await;
    let n = 300;
    let input: Vec<_> = (0..n).map(article).collect();
    produce(&brokers, &t.input, &input).await;
    let worker = Worker::start(
        &t,
        &[
            ("PARLEYWIRE_KAFKA_MESSAGE_TIMEOUT_MS", "3000"),
            ("PARLEYWIRE_KAFKA_TOPIC_METADATA_PROPAGATION_MAX_MS", "1000"),
        ],
    );
    assert!(
        wait_for(MINUTE, || metric_family_total(
            &worker,
            "parleywire_delivery_errors_total"
        ) > 0.0),
        "delivery errors are reported"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        committed(&brokers, &t.group, &t.input, partitions),
        vec![-1; partitions as usize],
        "no offset committed for unpublished work"
    );
    assert_eq!(
        worker.metric("parleywire_articles_produced_total"),
        Some(0.0)
    );
    let started = Instant::now();
    create_topics(&brokers, &[&t.output], partitions).await;
    let out = read_until_idle(&brokers, &t.output, partitions, n, IDLE, 2 * MINUTE);
    report("output topic missing, then created", n, &out, 0);
    assert_eq!(
        tally(&out).0,
        n,
        "everything published once the topic exists"
    );
    let hw = high_watermarks(&brokers, &t.input, partitions);
    assert!(
        wait_for(MINUTE, || committed(
            &brokers, &t.group, &t.input, partitions
        ) == hw),
        "offsets committed after recovery"
    );
    println!(
        "fault: recovery after topic creation took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(worker.terminate(MINUTE), Some(0));
}

/// Sum of every series of a metric family.
fn metric_family_total(worker: &Worker, family: &str) -> f64 {
    let Some((_, body)) = worker.http_get("/metrics") else {
        return 0.0;
    };
    body.lines()
        .filter(|l| l.starts_with(family) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

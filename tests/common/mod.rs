//! Helpers for tests against a real Kafka broker (`scripts/kafka.sh start`), reached
//! through `KAFKA_BOOTSTRAP_SERVERS`. Without it the broker tests say they are skipped,
//! unless `PARLEYWIRE_REQUIRE_BROKER=1` (set by `scripts/test.sh`), which makes the
//! absence a failure.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read as _, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

/// The broker to test against, or `None` (test skipped) when none is configured.
pub fn broker() -> Option<String> {
    match std::env::var("KAFKA_BOOTSTRAP_SERVERS") {
        Ok(b) if !b.is_empty() => Some(b),
        _ => {
            if std::env::var("PARLEYWIRE_REQUIRE_BROKER").is_ok_and(|v| v == "1") {
                panic!("PARLEYWIRE_REQUIRE_BROKER=1 but KAFKA_BOOTSTRAP_SERVERS is not set");
            }
            eprintln!("skipped: no broker (run scripts/test.sh, or set KAFKA_BOOTSTRAP_SERVERS)");
            None
        }
    }
}

/// A name unique to this test process and call.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!("{prefix}-{}-{t}-{n}", std::process::id())
}

/// Create topics with `partitions` partitions each.
pub async fn create_topics(brokers: &str, names: &[&str], partitions: i32) {
    create_topics_with(brokers, names, partitions, &[]).await
}

/// Create topics with `partitions` partitions each and topic configs.
pub async fn create_topics_with(
    brokers: &str,
    names: &[&str],
    partitions: i32,
    config: &[(&str, &str)],
) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("admin client");
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| {
            config.iter().fold(
                NewTopic::new(n, partitions, TopicReplication::Fixed(1)),
                |t, (k, v)| t.set(k, v),
            )
        })
        .collect();
    let results = admin
        .create_topics(
            &topics,
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(20))),
        )
        .await
        .expect("create topics");
    for r in results {
        r.expect("topic created");
    }
}

/// Producer for test input.
pub fn producer(brokers: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("message.max.bytes", "20000000")
        .create()
        .expect("producer")
}

/// Produce `(key, value)` pairs and wait for all acknowledgements.
pub async fn produce(brokers: &str, topic: &str, messages: &[(Option<String>, Vec<u8>)]) {
    let p = producer(brokers);
    let mut futures = Vec::with_capacity(messages.len());
    for (key, value) in messages {
        let mut record = FutureRecord::to(topic).payload(value.as_slice());
        if let Some(k) = key {
            record = record.key(k.as_str());
        }
        record = record.headers(OwnedHeaders::new().insert(Header {
            key: "traceparent",
            value: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        }));
        loop {
            match p.send_result(record) {
                Ok(f) => {
                    futures.push(f);
                    break;
                }
                Err((_, r)) => {
                    record = r;
                    p.poll(Duration::from_millis(10));
                }
            }
        }
    }
    for f in futures {
        f.await.expect("delivery").expect("acknowledged");
    }
    p.flush(Duration::from_secs(10)).unwrap();
}

/// A message read back from a topic.
#[derive(Debug, Clone)]
pub struct Read {
    pub key: String,
    pub value: Vec<u8>,
    pub headers: HashMap<String, String>,
    pub partition: i32,
    pub offset: i64,
}

/// Read every message of `topic` from the beginning until `expected` have arrived or
/// `timeout` passes (read_committed).
pub fn read_topic(
    brokers: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
    timeout: Duration,
) -> Vec<Read> {
    read(brokers, topic, partitions, expected, None, timeout)
}

/// Read `topic` from the beginning until at least `expected` messages arrived and then
/// nothing more for `idle` (so duplicates beyond `expected` are seen too), or `timeout`.
pub fn read_until_idle(
    brokers: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
    idle: Duration,
    timeout: Duration,
) -> Vec<Read> {
    read(brokers, topic, partitions, expected, Some(idle), timeout)
}

fn read(
    brokers: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
    idle: Option<Duration>,
    timeout: Duration,
) -> Vec<Read> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + timeout;
    let mut last_message = Instant::now();
    let mut out = Vec::new();
    while Instant::now() < deadline {
        if out.len() >= expected {
            match idle {
                None => break,
                Some(idle) if last_message.elapsed() >= idle => break,
                Some(_) => {}
            }
        }
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            last_message = Instant::now();
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| {
                            (
                                h.key.to_string(),
                                String::from_utf8_lossy(h.value.unwrap_or_default()).to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Read {
                key: String::from_utf8_lossy(m.key().unwrap_or_default()).to_string(),
                value: m.payload().unwrap_or_default().to_vec(),
                headers,
                partition: m.partition(),
                offset: m.offset(),
            });
        }
    }
    out
}

/// Committed offsets of `group` on `topic`, read from a separate consumer (never from
/// the live one: `committed()` there can make its later close hang).
pub fn committed(brokers: &str, group: &str, topic: &str, partitions: i32) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("offset reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let c = consumer
        .committed_offsets(tpl, Duration::from_secs(10))
        .expect("committed offsets");
    (0..partitions)
        .map(|p| match c.find_partition(topic, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => o,
            _ => -1,
        })
        .collect()
}

/// High watermarks of `topic`.
pub fn high_watermarks(brokers: &str, topic: &str, partitions: i32) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    (0..partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .collect()
}

/// A free loopback port for the metrics server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Topics and group of one worker setup.
#[derive(Clone, Debug)]
pub struct Topology {
    pub brokers: String,
    pub group: String,
    pub input: String,
    pub output: String,
    pub dlq: String,
}

impl Topology {
    /// Fresh, unique names for the topics and the group (nothing created yet).
    pub fn named(brokers: &str) -> Topology {
        Topology {
            brokers: brokers.to_string(),
            group: unique("group"),
            input: unique("in"),
            output: unique("out"),
            dlq: unique("dlq"),
        }
    }

    /// Fresh topics (input with `partitions`, output and DLQ likewise) and group.
    pub async fn create(brokers: &str, partitions: i32) -> Topology {
        let t = Topology::named(brokers);
        create_topics(brokers, &[&t.input, &t.output, &t.dlq], partitions).await;
        t
    }

    /// Create the topics, and load `n` test articles ([`article`]) into the input.
    pub async fn loaded(brokers: &str, partitions: i32, n: usize) -> Topology {
        let t = Topology::create(brokers, partitions).await;
        let input: Vec<_> = (0..n).map(article).collect();
        produce(brokers, &t.input, &input).await;
        t
    }
}

/// A `parleywire run` process; killed on drop if still running (a failed test leaves
/// no worker behind).
pub struct Worker {
    pub child: Child,
    pub metrics_port: u16,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Worker {
    /// Start the real binary with configuration from the environment.
    pub fn start(t: &Topology, extra_env: &[(&str, &str)]) -> Worker {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parleywire"));
        cmd.arg("run")
            .env("PARLEYWIRE_BROKERS", &t.brokers)
            .env("PARLEYWIRE_GROUP", &t.group)
            .env("PARLEYWIRE_INPUT_TOPIC", &t.input)
            .env("PARLEYWIRE_OUTPUT_TOPIC", &t.output)
            .env("PARLEYWIRE_DLQ_TOPIC", &t.dlq)
            .env("PARLEYWIRE_METRICS_ADDR", format!("127.0.0.1:{port}"))
            .env("PARLEYWIRE_COMMIT_INTERVAL_MS", "200")
            .env("PARLEYWIRE_STATS_INTERVAL_MS", "1000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start parleywire run");
        Worker {
            child,
            metrics_port: port,
        }
    }

    /// Send SIGTERM and wait for exit; returns the exit code.
    pub fn terminate(mut self, timeout: Duration) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("worker did not exit within {timeout:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kill the process with SIGKILL (no drain, no commit).
    pub fn kill9(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        let _ = self.child.wait();
    }

    /// Freeze the process (SIGSTOP) for `pause`, then let it go on (SIGCONT): a stall
    /// such as a long GC pause, CPU starvation or a suspended VM.
    pub fn freeze(&self, pause: Duration) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-STOP", &pid]).status().unwrap();
        std::thread::sleep(pause);
        Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Wait for the process to exit on its own; its exit code, or `None` if it is still
    /// running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// GET a path from the worker's HTTP server.
    pub fn http_get(&self, path: &str) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.metrics_port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n").as_bytes())
            .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        let status = body.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, body))
    }

    /// Value of a metric line (exact name with labels), if present.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let (_, body) = self.http_get("/metrics")?;
        body.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    /// Wait until `/readyz` answers 200.
    pub fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some((200, _)) = self.http_get("/readyz") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("worker not ready within {timeout:?}");
    }
}

/// A small article in parleywire JSON, written for the tests.
pub fn article(i: usize) -> (Option<String>, Vec<u8>) {
    let id = format!("art-{i:06}");
    let countries = [
        "France", "Germany", "Japan", "Brazil", "Kenya", "Chile", "Norway",
    ];
    let a = countries[i % countries.len()];
    let b = countries[(i / countries.len() + 1 + i) % countries.len()];
    let body = format!(
        "Officials from {a} and {b} met in the capital on Tuesday to discuss a trade agreement, number {i}. \
         The foreign minister of {a} said the talks were constructive and would continue next week."
    );
    let json = serde_json::json!({"id": id, "headline": format!("{a} and {b} hold trade talks"), "body": body, "published_at": "2024-05-14"});
    (Some(id), serde_json::to_vec(&json).unwrap())
}

/// Wait until `check` holds or `timeout` passes.
pub fn wait_for(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    check()
}

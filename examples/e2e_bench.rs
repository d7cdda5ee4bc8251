//! End-to-end benchmark against a real broker (run by `scripts/bench.sh`).
//!
//! 1. Loads N articles (cycled from a JSON-lines corpus) into a fresh input topic.
//! 2. Drains it from scratch with (a) a pass-through worker (same consumer/producer code,
//!    enrichment off; three runs, the median reported, as one run takes under a second) and
//!    (b) the full worker; reports articles/s, MB/s, the ratio b/a, the worker's peak RSS,
//!    and where the CPU went per article (the worker's own, and the rest of the machine's,
//!    which is mostly the broker) while output was being appended. Then (c) the full path
//!    with enrichment for free: the worker decodes each article and publishes its record
//!    from `parleywire enrich` output computed beforehand (`--replay-records`), the same
//!    headers and bytes out as (b) but no enrichment: the ceiling of the ratio b/a that a
//!    faster core could reach.
//! 3. Offers articles at a fixed rate to a running full worker and measures latency from
//!    input append to output append (both topics use broker `LogAppendTime`).
//!
//! Prints a readable table, then one JSON line with the figures.
//!
//! `cargo run --release --example e2e_bench -- --brokers 127.0.0.1:19092 --corpus FILE`

use std::collections::HashMap;
use std::io::{BufRead, Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

struct Args {
    brokers: String,
    corpus: String,
    articles: usize,
    partitions: i32,
    rate: f64,
    rate_seconds: f64,
    binary: String,
    workers: usize,
    /// librdkafka properties given to every worker (`-X KEY=VALUE`), to measure batching
    /// and compression choices.
    worker_x: Vec<String>,
    /// Only the throughput of pass-through and full worker, and latency (no exactly-once run,
    /// no kcat): for sweeping settings.
    quick: bool,
    /// Pass-through drains to run (the median is reported): one takes well under a second,
    /// so a single run moves with every hiccup of the machine.
    passthrough_runs: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        brokers: std::env::var("KAFKA_BOOTSTRAP_SERVERS")
            .unwrap_or_else(|_| "127.0.0.1:19092".into()),
        corpus: std::env::var("PARLEYWIRE_CORPUS")
            .unwrap_or_else(|_| "../shared/data/corpus/articles.jsonl".into()),
        articles: 20_000,
        partitions: 4,
        rate: 1000.0,
        rate_seconds: 20.0,
        binary: "target/release/parleywire".into(),
        workers: 1,
        worker_x: Vec::new(),
        quick: false,
        passthrough_runs: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = args[i + 1].clone();
        match args[i].as_str() {
            "--brokers" => a.brokers = v,
            "--corpus" => a.corpus = v,
            "--articles" => a.articles = v.parse().expect("--articles N"),
            "--partitions" => a.partitions = v.parse().expect("--partitions N"),
            "--rate" => a.rate = v.parse().expect("--rate N"),
            "--rate-seconds" => a.rate_seconds = v.parse().expect("--rate-seconds S"),
            "--binary" => a.binary = v,
            "--workers" => a.workers = v.parse().expect("--workers N"),
            "--worker-x" => a.worker_x.push(v),
            "--quick" => a.quick = v.parse().expect("--quick true|false"),
            "--passthrough-runs" => {
                a.passthrough_runs = v.parse::<usize>().expect("--passthrough-runs N").max(1)
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// A topic or group name no earlier call returned (names made in the same millisecond
/// differ by a counter).
fn unique(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!("bench-{prefix}-{}-{t}-{n}", std::process::id())
}

async fn create(brokers: &str, names: &[&str], partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| {
            NewTopic::new(n, partitions, TopicReplication::Fixed(1))
                .set("message.timestamp.type", "LogAppendTime")
        })
        .collect();
    for r in admin
        .create_topics(&topics, &AdminOptions::new())
        .await
        .unwrap()
    {
        r.unwrap();
    }
}

fn load_corpus(path: &str) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("corpus {path}: {e}"));
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| (format!("a{i}"), l.into_bytes()))
        .collect()
}

async fn produce(
    brokers: &str,
    topic: &str,
    corpus: &[(String, Vec<u8>)],
    n: usize,
    rate: Option<f64>,
) -> usize {
    let p: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", if rate.is_some() { "0" } else { "20" })
        .set("compression.type", "lz4")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .unwrap();
    // Learn the topic's leaders before the clock starts: otherwise the first sends wait in
    // the producer's queue for that look-up and reach the broker as one burst, and the
    // offered rate is not the one asked for during the first few hundred milliseconds.
    p.client()
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap();
    let started = Instant::now();
    let mut bytes = 0;
    let mut pending = Vec::new();
    for i in 0..n {
        if let Some(r) = rate {
            tokio::time::sleep_until((started + Duration::from_secs_f64(i as f64 / r)).into())
                .await;
        }
        let (id, value) = &corpus[i % corpus.len()];
        let key = format!("{id}-{i}");
        bytes += value.len();
        loop {
            match p.send_result(FutureRecord::to(topic).key(&key).payload(value.as_slice())) {
                Ok(f) => {
                    pending.push(f);
                    break;
                }
                Err(_) => p.poll(Duration::from_millis(5)),
            }
        }
    }
    for f in pending {
        f.await.unwrap().unwrap();
    }
    p.flush(Duration::from_secs(30)).unwrap();
    bytes
}

fn sum_high_watermarks(brokers: &str, topic: &str, partitions: i32) -> i64 {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    (0..partitions)
        .map(|p| {
            c.fetch_watermarks(topic, p, Duration::from_secs(10))
                .map(|w| w.1)
                .unwrap_or(0)
        })
        .sum()
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) process `pid` has used, from `/proc/PID/stat`.
fn process_cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in brackets and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / clock_ticks()
}

/// CPU seconds the whole machine has spent busy (all but idle and iowait), from `/proc/stat`.
fn machine_busy_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0.0;
    };
    let v: Vec<f64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy: f64 = v
        .iter()
        .take(8)
        .enumerate()
        .filter(|&(i, _)| i != 3 && i != 4)
        .map(|(_, x)| x)
        .sum();
    busy / clock_ticks()
}

/// Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux unless configured
/// otherwise).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Where the CPU time of a drain went, per article, while output was being appended.
#[derive(Clone, Copy, Default)]
struct CpuPerArticle {
    /// The worker processes, microseconds per article.
    worker_us: f64,
    /// Everything else on the machine (the broker above all), microseconds per article.
    rest_us: f64,
}

/// What a worker under test does with each article.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// Republish it as is (`--passthrough`).
    Passthrough,
    /// Enrich it.
    Full,
    /// Decode it and publish its record from a file computed beforehand
    /// (`--replay-records`): the full path with enrichment for free.
    Replay(&'a str),
}

fn start_worker(a: &Args, group: &str, input: &str, output: &str, mode: Mode<'_>) -> Child {
    start_worker_with(a, group, input, output, mode, "at-least-once", 0)
}

fn start_worker_with(
    a: &Args,
    group: &str,
    input: &str,
    output: &str,
    mode: Mode<'_>,
    guarantee: &str,
    instance: usize,
) -> Child {
    let mut cmd = Command::new(&a.binary);
    cmd.arg("run")
        .env("PARLEYWIRE_BROKERS", &a.brokers)
        .env("PARLEYWIRE_GROUP", group)
        .env("PARLEYWIRE_INPUT_TOPIC", input)
        .env("PARLEYWIRE_OUTPUT_TOPIC", output)
        .env("PARLEYWIRE_DLQ_TOPIC", format!("{output}.dlq"))
        .env("PARLEYWIRE_METRICS_ADDR", "")
        .env("PARLEYWIRE_GUARANTEE", guarantee)
        .env(
            "PARLEYWIRE_TRANSACTIONAL_ID",
            format!("{group}-txn-{instance}"),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    match mode {
        Mode::Passthrough => {
            cmd.arg("--passthrough");
        }
        Mode::Full => {}
        Mode::Replay(file) => {
            cmd.args(["--replay-records", file]);
        }
    }
    for x in &a.worker_x {
        cmd.args(["-X", x]);
    }
    cmd.spawn().expect("start worker")
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Drain `input` (n messages) with fresh workers; returns the seconds from the first to the
/// last output append (by broker LogAppendTime), the peak RSS in MB, and the CPU time per
/// article from the first output seen to the last (so the workers' start-up and group join
/// are left out).
fn drain(
    a: &Args,
    input: &str,
    n: usize,
    mode: Mode<'_>,
    output: &str,
    guarantee: &str,
) -> (f64, f64, CpuPerArticle) {
    let group = unique("g");
    let workers: Vec<Child> = (0..a.workers)
        .map(|i| start_worker_with(a, &group, input, output, mode, guarantee, i))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut rss: f64 = 0.0;
    let cpu = |workers: &[Child]| -> (f64, f64) {
        let w = workers.iter().map(|c| process_cpu_s(c.id())).sum();
        (w, machine_busy_s())
    };
    // (messages out, worker CPU s, machine busy s) when output was first seen.
    let mut first: Option<(usize, f64, f64)> = None;
    // The same when output was last seen empty: the window of a drain so short that all of
    // it appeared between two looks (it then includes what the workers spent between that
    // look and their first output).
    let mut last_empty = cpu(&workers);
    let mut done = 0usize;
    while done < n && Instant::now() < deadline {
        for w in &workers {
            rss = rss.max(peak_rss_mb(w.id()));
        }
        std::thread::sleep(Duration::from_millis(if first.is_none() {
            20
        } else {
            200
        }));
        done = sum_high_watermarks(&a.brokers, output, a.partitions).max(0) as usize;
        if done == 0 {
            last_empty = cpu(&workers);
        } else if first.is_none() {
            let (w, m) = cpu(&workers);
            first = Some((done, w, m));
        }
    }
    let (w_end, m_end) = cpu(&workers);
    for w in &workers {
        rss = rss.max(peak_rss_mb(w.id()));
    }
    let window = first.map(|f| {
        if done > f.0 {
            f
        } else {
            (0, last_empty.0, last_empty.1)
        }
    });
    let per_article = match window {
        Some((k, w0, m0)) if done > k => {
            let arts = (done - k) as f64;
            let worker = (w_end - w0).max(0.0);
            CpuPerArticle {
                worker_us: worker / arts * 1e6,
                rest_us: (m_end - m0 - worker).max(0.0) / arts * 1e6,
            }
        }
        _ => CpuPerArticle::default(),
    };
    workers.into_iter().for_each(stop);
    let times: Vec<i64> = read_all(&a.brokers, output, a.partitions, n)
        .into_iter()
        .map(|m| m.2)
        .collect();
    let (min, max) = (
        times.iter().min().copied().unwrap_or(0),
        times.iter().max().copied().unwrap_or(0),
    );
    // One message's worth of time is added so tiny runs do not divide by zero.
    let secs = (max - min) as f64 / 1000.0 + (max - min) as f64 / 1000.0 / n.max(1) as f64 + 0.001;
    (secs, rss, per_article)
}

/// Every message of `topic` (up to `want`): partition, offset, timestamp, payload.
fn read_all(
    brokers: &str,
    topic: &str,
    partitions: i32,
    want: usize,
) -> Vec<(i32, i64, i64, Vec<u8>)> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", unique("r"))
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while out.len() < want && Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
            out.push((
                m.partition(),
                m.offset(),
                m.timestamp().to_millis().unwrap_or(0),
                m.payload().unwrap_or_default().to_vec(),
            ));
        }
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Latency of every output: (input append time in ms since the epoch, output append time
/// minus input append time in ms), in input order.
fn latencies(
    brokers: &str,
    input: &str,
    output: &str,
    partitions: i32,
    n: usize,
) -> Vec<(i64, f64)> {
    let inputs: HashMap<(i32, i64), i64> = read_all(brokers, input, partitions, n)
        .into_iter()
        .map(|(p, o, t, _)| ((p, o), t))
        .collect();
    let mut lat = Vec::new();
    for (_, _, t_out, payload) in read_all(brokers, output, partitions, n) {
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap_or_default();
        let k = &v["provenance"]["kafka"];
        if let (Some(p), Some(o)) = (k["partition"].as_i64(), k["offset"].as_i64()) {
            if let Some(t_in) = inputs.get(&(p as i32, o)) {
                lat.push((*t_in, (t_out - t_in) as f64));
            }
        }
    }
    lat.sort_by_key(|&(t_in, _)| t_in);
    lat
}

/// Where the slowest 1% of outputs came from: how many distinct seconds of input (of all
/// the seconds offered) hold them, and the worst latency. A p99 set by one stall (a pause
/// of the broker or of the machine) shows as one or two seconds; a worker that falls
/// behind shows as many. The seconds are returned counted from the first one offered, so a
/// stall at the start (a consumer still fetching its first batch) tells from one midway.
fn slow_seconds(lat: &[(i64, f64)], p99: f64) -> (Vec<i64>, usize, f64) {
    let second = |t: i64| t.div_euclid(1000);
    let mut all: Vec<i64> = lat.iter().map(|&(t, _)| second(t)).collect();
    all.dedup();
    let mut slow: Vec<i64> = lat
        .iter()
        .filter(|&&(_, l)| l > p99)
        .map(|&(t, _)| second(t))
        .collect();
    slow.dedup();
    let first = all.first().copied().unwrap_or(0);
    let slow = slow.into_iter().map(|s| s - first).collect();
    let worst = lat.iter().map(|&(_, l)| l).fold(0.0, f64::max);
    (slow, all.len(), worst)
}

fn kcat_copy(brokers: &str, input: &str, n: usize, partitions: i32) -> Option<f64> {
    Command::new("kcat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let copy = unique("kcat");
    let rt = tokio::runtime::Runtime::new().ok()?;
    rt.block_on(create(brokers, &[&copy], partitions));
    let started = Instant::now();
    let mut consume = Command::new("kcat")
        .args([
            "-C",
            "-b",
            brokers,
            "-t",
            input,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-K",
            "\t",
            "-D",
            "\n",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut produce = Command::new("kcat")
        .args([
            "-P",
            "-b",
            brokers,
            "-t",
            &copy,
            "-K",
            "\t",
            "-D",
            "\n",
            "-X",
            "linger.ms=20",
            "-z",
            "lz4",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    let mut src = consume.stdout.take()?;
    let mut dst = produce.stdin.take()?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = src.read(&mut buf).ok()?;
        if k == 0 {
            break;
        }
        dst.write_all(&buf[..k]).ok()?;
    }
    drop(dst);
    consume.wait().ok()?;
    produce.wait().ok()?;
    let copied = sum_high_watermarks(brokers, &copy, partitions) as usize;
    (copied >= n).then(|| started.elapsed().as_secs_f64())
}

/// Drain `input` `a.passthrough_runs` times, each into fresh topics: for the drains that
/// take about a second, where one run is mostly noise. The rate of each run, and the
/// median run by time (its seconds, peak RSS and CPU figures).
fn median_drain(
    a: &Args,
    rt: &tokio::runtime::Runtime,
    input: &str,
    mode: Mode<'_>,
    prefix: &str,
) -> (Vec<f64>, (f64, f64, CpuPerArticle)) {
    let outs: Vec<String> = (0..a.passthrough_runs).map(|_| unique(prefix)).collect();
    let topics: Vec<String> = outs
        .iter()
        .flat_map(|o| [o.clone(), format!("{o}.dlq")])
        .collect();
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    rt.block_on(create(&a.brokers, &refs, a.partitions));
    let mut runs: Vec<(f64, f64, CpuPerArticle)> = outs
        .iter()
        .map(|o| drain(a, input, a.articles, mode, o, "at-least-once"))
        .collect();
    runs.sort_by(|x, y| x.0.total_cmp(&y.0));
    let rates = runs.iter().map(|r| a.articles as f64 / r.0).collect();
    (rates, runs[runs.len() / 2])
}

fn main() {
    let a = parse_args();
    let corpus = load_corpus(&a.corpus);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let input = unique("in");
    rt.block_on(create(&a.brokers, &[&input], a.partitions));
    let bytes = rt.block_on(produce(&a.brokers, &input, &corpus, a.articles, None));
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "loaded {} articles ({mb:.1} MB) into {input} ({} partitions)",
        a.articles, a.partitions
    );

    let out_full = unique("full");
    let out_eos = unique("eos");
    let topics: Vec<String> = [&out_full, &out_eos]
        .into_iter()
        .flat_map(|o| [o.clone(), format!("{o}.dlq")])
        .collect();
    let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    rt.block_on(create(&a.brokers, &topic_refs, a.partitions));
    let (pass_rates, (t_pass, rss_pass, cpu_pass)) =
        median_drain(&a, &rt, &input, Mode::Passthrough, "pass");
    let (t_full, rss_full, cpu_full) = drain(
        &a,
        &input,
        a.articles,
        Mode::Full,
        &out_full,
        "at-least-once",
    );
    // The ratio's ceiling with enrichment for free: the full path (decoding, headers, the
    // records' bytes, delivery) with each record taken from `parleywire enrich` output
    // computed beforehand instead of enriched. Cheap, so run like the pass-through.
    let replay_file =
        std::env::temp_dir().join(format!("parleywire-bench-{}.jsonl", std::process::id()));
    let enriched = Command::new(&a.binary)
        .args([
            "enrich",
            &a.corpus,
            "--processed-at",
            "2026-01-01T00:00:00Z",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("parleywire enrich");
    assert!(enriched.status.success(), "parleywire enrich failed");
    std::fs::write(&replay_file, &enriched.stdout).expect("write replay records");
    let replay_path = replay_file.to_str().expect("temp path");
    let (free_rates, (t_free, _, cpu_free)) =
        median_drain(&a, &rt, &input, Mode::Replay(replay_path), "free");
    let _ = std::fs::remove_file(&replay_file);
    let (t_eos, kcat) = if a.quick {
        (f64::NAN, None)
    } else {
        let (t_eos, _, _) = drain(&a, &input, a.articles, Mode::Full, &out_eos, "exactly-once");
        (
            t_eos,
            kcat_copy(&a.brokers, &input, a.articles, a.partitions),
        )
    };

    // Latency at a fixed offered rate.
    let lat_in = unique("lat-in");
    let lat_out = unique("lat-out");
    rt.block_on(create(
        &a.brokers,
        &[&lat_in, &lat_out, &format!("{lat_out}.dlq")],
        a.partitions,
    ));
    let group = unique("g");
    let worker = start_worker(&a, &group, &lat_in, &lat_out, Mode::Full);
    std::thread::sleep(Duration::from_secs(6)); // join the group
    let n_lat = (a.rate * a.rate_seconds) as usize;
    rt.block_on(produce(&a.brokers, &lat_in, &corpus, n_lat, Some(a.rate)));
    let lat_timed = latencies(&a.brokers, &lat_in, &lat_out, a.partitions, n_lat);
    let mut lat: Vec<f64> = lat_timed.iter().map(|&(_, l)| l).collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let rss_lat = peak_rss_mb(worker.id());
    stop(worker);

    let pass_aps = a.articles as f64 / t_pass;
    let full_aps = a.articles as f64 / t_full;
    let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
    let peak = rss_pass.max(rss_full).max(rss_lat);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "end-to-end, {} articles ({mb:.1} MB), {} partitions, {} worker(s){}:",
        a.articles,
        a.partitions,
        a.workers,
        if a.worker_x.is_empty() {
            String::new()
        } else {
            format!(", worker -X {}", a.worker_x.join(" -X "))
        }
    )
    .unwrap();
    writeln!(out, "  pass-through worker : {pass_aps:>9.0} articles/s  {:>7.1} MB/s  peak RSS {rss_pass:.0} MB  (median of {} runs: {})", mb / t_pass, pass_rates.len(), pass_rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ")).unwrap();
    writeln!(out, "  full worker         : {full_aps:>9.0} articles/s  {:>7.1} MB/s  peak RSS {rss_full:.0} MB", mb / t_full).unwrap();
    writeln!(out, "  ratio full/pass     : {:>9.2}", full_aps / pass_aps).unwrap();
    let free_aps = a.articles as f64 / t_free;
    writeln!(out, "  enrichment for free : {free_aps:>9.0} articles/s  {:>7.1} MB/s  (records replayed; median of {} runs: {}); ratio {:.2}", mb / t_free, free_rates.len(), free_rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", "), free_aps / pass_aps).unwrap();
    for (name, c) in [
        ("pass-through", cpu_pass),
        ("enrichment for free", cpu_free),
        ("full worker", cpu_full),
    ] {
        writeln!(
            out,
            "  CPU per article, {name:<19}: worker {:>5.0} us, rest of machine (broker) {:>4.0} us",
            c.worker_us, c.rest_us
        )
        .unwrap();
    }
    if !a.quick {
        let eos_aps = a.articles as f64 / t_eos;
        writeln!(out, "  full, exactly-once  : {eos_aps:>9.0} articles/s  {:>7.1} MB/s  ({:+.0}% vs at-least-once)", mb / t_eos, (eos_aps / full_aps - 1.0) * 100.0).unwrap();
        match kcat {
            Some(t) => writeln!(
                out,
                "  kcat -C | kcat -P   : {:>9.0} articles/s  {:>7.1} MB/s",
                a.articles as f64 / t,
                mb / t
            )
            .unwrap(),
            None => writeln!(out, "  kcat -C | kcat -P   : (kcat not installed)").unwrap(),
        }
    }
    let (slow, seconds, worst) = slow_seconds(&lat_timed, p99);
    writeln!(
        out,
        "  latency at {:.0}/s for {:.0} s: p50 {p50:.0} ms, p99 {p99:.0} ms, max {worst:.0} ms ({} samples; the slowest 1% in {} of {seconds} seconds: {})",
        a.rate,
        a.rate_seconds,
        lat.len(),
        slow.len(),
        if slow.is_empty() {
            "none".to_string()
        } else {
            format!(
                "second {}",
                slow.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
            )
        }
    )
    .unwrap();
    let json = serde_json::json!({
        "articles": a.articles, "megabytes": mb, "partitions": a.partitions, "workers": a.workers,
        "passthrough_articles_per_s": pass_aps, "worker_articles_per_s": full_aps,
        "passthrough_mb_per_s": mb / t_pass, "worker_mb_per_s": mb / t_full,
        "ratio": full_aps / pass_aps,
        "free_enrichment_articles_per_s": free_aps, "ratio_with_free_enrichment": free_aps / pass_aps,
        "free_enrichment_runs_articles_per_s": free_rates,
        "free_enrichment_cpu_us_per_article": {"worker": cpu_free.worker_us, "rest": cpu_free.rest_us},
        "passthrough_runs_articles_per_s": pass_rates,
        "passthrough_cpu_us_per_article": {"worker": cpu_pass.worker_us, "rest": cpu_pass.rest_us},
        "worker_cpu_us_per_article": {"worker": cpu_full.worker_us, "rest": cpu_full.rest_us},
        "exactly_once_articles_per_s": a.articles as f64 / t_eos,
        "kcat_articles_per_s": kcat.map(|t| a.articles as f64 / t),
        "p50_ms": p50, "p99_ms": p99, "max_ms": worst, "latency_rate": a.rate, "latency_samples": lat.len(),
        "slowest_percent_seconds": slow.len(), "slowest_percent_at_seconds": slow,
        "latency_seconds": seconds,
        "peak_rss_mb": peak, "worker_x": a.worker_x,
    });
    writeln!(out, "{json}").unwrap();
}

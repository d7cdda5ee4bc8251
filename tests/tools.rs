//! Both ends of the pipe against the real broker: `parleywire ingest` of a folder of
//! mixed articles, the worker, `parleywire tail` showing every article's events; and
//! the stability of CloudEvents headers and event ids across runs.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use parleywire::record::{EnrichedRecord, EventMessage};

const MINUTE: Duration = Duration::from_secs(60);

/// A folder with JSON lines, a ninjs file and plain-text files, all written here.
fn write_feed(dir: &std::path::Path) -> Vec<String> {
    let jsonl = [
        (
            "feed-1",
            "Ministers agree trade pact",
            "The foreign ministers of Chile and Peru signed a trade agreement in Lima on Monday.",
        ),
        (
            "feed-2",
            "Army accused of shelling",
            "Ukraine accused Russia of shelling residential areas of Kharkiv overnight.",
        ),
        (
            "feed-3",
            "Envoy meets rebels",
            "The UN envoy met with rebel commanders in Tripoli on Sunday to discuss a truce.",
        ),
    ];
    let lines: Vec<String> = jsonl
        .iter()
        .map(|(id, h, b)| {
            serde_json::json!({"id": id, "headline": h, "body": b, "published_at": "2024-03-04"})
                .to_string()
        })
        .collect();
    std::fs::write(
        dir.join("wire.jsonl"),
        lines.join("\n") + "\n{\"headline\": oops\n",
    )
    .unwrap();
    let ninjs = serde_json::json!({
        "uri": "urn:newsml:test:ninjs-1",
        "versioncreated": "2024-03-05T08:00:00Z",
        "headline": "Iran rejects proposal",
        "body_html": "<p>Iran rejected a European proposal to resume nuclear talks, officials said on Tuesday.</p>",
        "language": "en"
    });
    std::fs::write(
        dir.join("item.json"),
        serde_json::to_string_pretty(&ninjs).unwrap(),
    )
    .unwrap();
    std::fs::create_dir(dir.join("text")).unwrap();
    std::fs::write(dir.join("text/desk-7.txt"), "Turkey threatens sanctions\nTurkey threatened to impose sanctions on Sweden over the dispute.").unwrap();
    std::fs::write(
        dir.join("text/desk-8.txt"),
        "Japan sends aid\nJapan sent emergency aid to Nepal after the earthquake.",
    )
    .unwrap();
    vec![
        "feed-1",
        "feed-2",
        "feed-3",
        "urn:newsml:test:ninjs-1",
        "desk-7",
        "desk-8",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

fn ingest(brokers: &str, topic: &str, path: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_parleywire"))
        .args(["ingest", "--brokers", brokers, "--topic", topic])
        .arg(path)
        .output()
        .expect("run parleywire ingest");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "ingest failed: {stderr}");
    stderr
}

fn tail(brokers: &str, topic: &str, max: usize) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_parleywire"))
        .args([
            "tail",
            "--brokers",
            brokers,
            "--topic",
            topic,
            "--from",
            "earliest",
            "--idle-exit",
            "15",
        ])
        .args(["--max", &max.to_string()])
        .stdout(Stdio::piped())
        .output()
        .expect("run parleywire tail");
    assert!(
        out.status.success(),
        "tail failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_a_mixed_folder_then_tail_shows_every_articles_events() {
    let Some(brokers) = broker() else { return };
    let t = Topology::create(&brokers, 2).await;
    let events_topic = unique("events");
    create_topics(&brokers, &[&events_topic], 2).await;
    let dir = tempfile::tempdir().unwrap();
    let ids = write_feed(dir.path());
    let report = ingest(&brokers, &t.input, dir.path());
    assert!(report.contains("6 articles published"), "{report}");
    assert!(
        report.contains("wire.jsonl:4") && report.contains("invalid_json"),
        "the unreadable line is reported: {report}"
    );

    let worker = Worker::start(&t, &[("PARLEYWIRE_EVENTS_TOPIC", events_topic.as_str())]);
    let lines = tail(&brokers, &t.output, ids.len());
    let records: Vec<EnrichedRecord> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("tail prints records as JSON lines when piped"))
        .collect();
    let by_id: HashMap<&str, &EnrichedRecord> =
        records.iter().map(|r| (r.article.id.as_str(), r)).collect();
    for id in &ids {
        let r = by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{id} reached the output"));
        assert!(!r.events.is_empty(), "{id}: tail shows its events");
    }
    // Filters: only ACCUSE events, and only those with a Russian actor.
    let out = Command::new(env!("CARGO_BIN_EXE_parleywire"))
        .args([
            "tail",
            "--brokers",
            &brokers,
            "--topic",
            &t.output,
            "--from",
            "earliest",
            "--idle-exit",
            "5",
            "--type",
            "ACCUSE",
            "--actor",
            "RUS",
        ])
        .output()
        .unwrap();
    let filtered: Vec<EnrichedRecord> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !filtered.is_empty(),
        "the accusation against Russia passes the filter"
    );
    assert!(filtered
        .iter()
        .all(|r| r.events.iter().all(|e| e.event_type == "ACCUSE")));
    // The events topic: one message per event, keyed by event id, carrying the article id.
    let total_events: usize = records.iter().map(|r| r.events.len()).sum();
    let event_lines = tail(&brokers, &events_topic, total_events);
    assert_eq!(event_lines.len(), total_events);
    for l in &event_lines {
        let m: EventMessage = serde_json::from_str(l).unwrap();
        assert!(by_id[m.article_id.as_str()]
            .events
            .iter()
            .any(|e| e.id == m.event.id));
    }
    assert_eq!(worker.terminate(MINUTE), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudevents_headers_and_event_ids_are_stable_across_runs() {
    let Some(brokers) = broker() else { return };
    let t = Topology::create(&brokers, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let ids = write_feed(dir.path());
    ingest(&brokers, &t.input, dir.path());
    let mut runs = Vec::new();
    for _ in 0..2 {
        // A second run over the same input: new group, new output topic.
        let run = Topology {
            group: unique("group"),
            output: unique("out"),
            ..t.clone()
        };
        create_topics(&brokers, &[&run.output], 2).await;
        let worker = Worker::start(&run, &[]);
        let out = read_until_idle(
            &brokers,
            &run.output,
            2,
            ids.len(),
            Duration::from_secs(2),
            MINUTE,
        );
        assert_eq!(worker.terminate(MINUTE), Some(0));
        let mut seen = BTreeMap::new();
        for r in out {
            let rec: EnrichedRecord = serde_json::from_slice(&r.value).unwrap();
            let ce: BTreeMap<String, String> = r
                .headers
                .into_iter()
                .filter(|(k, _)| k.starts_with("ce_") || k == "content-type")
                .collect();
            let event_ids: Vec<String> = rec.events.iter().map(|e| e.id.clone()).collect();
            seen.insert(r.key, (ce, event_ids));
        }
        runs.push(seen);
    }
    assert_eq!(runs[0].len(), ids.len());
    assert!(
        runs[0].values().all(|(ce, _)| ce.len() == 6),
        "all six CloudEvents headers"
    );
    assert_eq!(runs[0], runs[1], "same headers and event ids on both runs");
}

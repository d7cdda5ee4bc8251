//! `parleywire ingest`: the wire-service feeder. Publishes files or directories of
//! articles (JSON lines, ninjs JSON, plain-text files) to the input topic, keyed by
//! article id, with a progress bar on a terminal, an optional rate limit, and a report
//! of what could not be read and why — without stopping.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, Producer};

use crate::article::{decode, DecodeLimits, InputFormat};
use crate::pipeline::output;
use crate::pipeline::process::Outgoing;

/// One article read from disk, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Message key: the article id.
    pub key: String,
    /// Message value: the bytes as read (JSON object or plain text).
    pub value: Vec<u8>,
}

/// Something that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// File (and line, for JSON lines).
    pub location: String,
    /// Why.
    pub reason: String,
}

/// Read files and directories (recursively, in name order) into feed items.
/// `.jsonl`/`.ndjson` and multi-line `.json` files are one article per line; a `.json`
/// file holding one object is one article (ninjs); anything else is one plain-text
/// article (first line headline) whose id is the file name without extension.
pub fn read_inputs(paths: &[PathBuf], force_text: bool) -> (Vec<FeedItem>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        collect_files(p, &mut files, &mut problems);
    }
    let mut items = Vec::new();
    let limits = DecodeLimits::default();
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                problems.push(Unreadable {
                    location: file.display().to_string(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let ext = file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let trimmed = bytes.trim_ascii();
        let json_lines = !force_text
            && (ext == "jsonl"
                || ext == "ndjson"
                || (ext == "json"
                    && serde_json::from_slice::<serde_json::Value>(trimmed).is_err()));
        if json_lines {
            for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
                let line = line.trim_ascii();
                if line.is_empty() {
                    continue;
                }
                let location = format!("{}:{}", file.display(), i + 1);
                match decode(line, None, InputFormat::Json, &limits) {
                    Ok(a) => items.push(FeedItem {
                        key: a.id,
                        value: line.to_vec(),
                    }),
                    Err(e) => problems.push(Unreadable {
                        location,
                        reason: format!("{} ({})", e, e.reason()),
                    }),
                }
            }
        } else {
            let format = if !force_text && ext == "json" {
                InputFormat::Json
            } else {
                InputFormat::Text
            };
            let stem = file.file_stem().map(|s| s.to_string_lossy().to_string());
            match decode(&bytes, stem.as_deref().map(str::as_bytes), format, &limits) {
                Ok(a) => items.push(FeedItem {
                    key: a.id,
                    value: bytes,
                }),
                Err(e) => problems.push(Unreadable {
                    location: file.display().to_string(),
                    reason: format!("{} ({})", e, e.reason()),
                }),
            }
        }
    }
    (items, problems)
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Unreadable>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                problems.push(Unreadable {
                    location: path.display().to_string(),
                    reason: e.to_string(),
                });
                return;
            }
        };
        entries.sort();
        for e in entries {
            if e.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            collect_files(&e, files, problems);
        }
    } else if path.exists() {
        files.push(path.to_path_buf());
    } else {
        problems.push(Unreadable {
            location: path.display().to_string(),
            reason: "no such file or directory".into(),
        });
    }
}

/// What a feed did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedReport {
    /// Articles acknowledged by the broker.
    pub published: usize,
    /// Inputs that could not be read.
    pub unreadable: usize,
    /// Articles the broker did not acknowledge.
    pub failed: usize,
}

/// Publish `items` to `topic`, at most `rate` per second if given, showing progress on
/// `progress` (a bar on a terminal, a line every few seconds otherwise).
pub async fn publish(
    config: &ClientConfig,
    topic: &str,
    items: &[FeedItem],
    rate: Option<f64>,
) -> anyhow::Result<FeedReport> {
    let producer: FutureProducer = config.create().context("creating the feeder's producer")?;
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_line = Instant::now();
    let mut pending = Vec::with_capacity(items.len());
    let mut report = FeedReport::default();
    for (i, item) in items.iter().enumerate() {
        if let Some(rate) = rate.filter(|r| *r > 0.0) {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let msg = Outgoing {
            key: item.key.as_bytes().to_vec(),
            payload: item.value.clone(),
            headers: Vec::new(),
        };
        match output::enqueue(&producer, topic, &msg).await {
            Ok(f) => pending.push(f),
            Err(e) => {
                report.failed += 1;
                eprintln!("ingest: {}: not published: {e}", item.key);
            }
        }
        if tty {
            if last_line.elapsed() >= Duration::from_millis(100) || i + 1 == items.len() {
                draw_bar(i + 1, items.len(), started.elapsed());
                last_line = Instant::now();
            }
        } else if last_line.elapsed() >= Duration::from_secs(5) {
            let rate = (i + 1) as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "ingest: {}/{} articles sent, {rate:.0}/s",
                i + 1,
                items.len()
            );
            last_line = Instant::now();
        }
    }
    for f in pending {
        match f.await {
            Ok(Ok(_)) => report.published += 1,
            Ok(Err((e, m))) => {
                report.failed += 1;
                let key = rdkafka::Message::key(&m)
                    .map(|k| String::from_utf8_lossy(k).to_string())
                    .unwrap_or_default();
                eprintln!("ingest: {key}: not acknowledged: {e}");
            }
            Err(_) => report.failed += 1,
        }
    }
    let _ = producer.flush(Duration::from_secs(10));
    if tty {
        eprintln!();
    }
    Ok(report)
}

fn draw_bar(done: usize, total: usize, elapsed: Duration) {
    let width = 30;
    let frac = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let filled = (frac * width as f64).round() as usize;
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let eta = if rate > 0.0 {
        (total - done) as f64 / rate
    } else {
        0.0
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total}  {rate:.0} articles/s  ETA {eta:.0} s ",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mixed_directories_and_reports_the_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.jsonl"), "{\"id\":\"j1\",\"headline\":\"One\",\"body\":\"x\"}\n\n{\"headline\": broken\n{\"id\":\"j2\",\"body\":\"y\"}\n").unwrap();
        std::fs::write(d.join("b.json"), "{\n  \"uri\": \"urn:n:1\",\n  \"headline\": \"Ninjs item\",\n  \"body_text\": \"Text.\"\n}\n").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/story-7.txt"), "Talks resume\nEnvoys met again.").unwrap();
        std::fs::write(d.join("sub/empty.txt"), "  \n").unwrap();
        let (items, problems) = read_inputs(&[d.to_path_buf(), d.join("missing")], false);
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, vec!["j1", "j2", "urn:n:1", "story-7"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.location.ends_with("a.jsonl:3") && p.reason.contains("invalid_json")));
        assert!(problems
            .iter()
            .any(|p| p.location.ends_with("empty.txt") && p.reason.contains("empty")));
        assert!(problems.iter().any(|p| p.location.ends_with("missing")));
    }
}

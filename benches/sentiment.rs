//! Throughput of the sentiment core on real articles: `document()` alone, and `document()`
//! plus `mention_sentiment()` for one recurring name per article, in bytes of body text per
//! second. The corpus is `$PARLEYWIRE_CORPUS` (JSON lines with a `body`), by default
//! `../shared/data/corpus/articles.jsonl`; without it the bench reports nothing and passes.
//!
//! ```text
//! cargo bench --bench sentiment
//! ```

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use parleywire::enrich::sentiment::SentimentModel;
use parleywire::record::Span;

/// Articles read from the corpus (about 2 MB of text is plenty for stable figures).
const MAX_BYTES: usize = 2_000_000;

/// Bodies of the corpus articles, with the spans of one recurring capitalised name each.
fn corpus() -> Option<Vec<(String, Vec<Span>)>> {
    let path = std::env::var("PARLEYWIRE_CORPUS")
        .unwrap_or_else(|_| "../shared/data/corpus/articles.jsonl".into());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sentiment bench: corpus {path} not readable ({e}); skipping");
            return None;
        }
    };
    let mut out = Vec::new();
    let mut bytes = 0;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(body) = v.get("body").and_then(|b| b.as_str()) else {
            continue;
        };
        bytes += body.len();
        out.push((body.to_string(), name_mentions(body)));
        if bytes >= MAX_BYTES {
            break;
        }
    }
    Some(out)
}

/// All occurrences (code-point spans) of the first capitalised word of 4+ letters after the
/// first word of `body`: a stand-in for an actor the event extractor would have found.
fn name_mentions(body: &str) -> Vec<Span> {
    let name = body
        .split_whitespace()
        .skip(1)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| w.len() >= 4 && w.chars().next().is_some_and(char::is_uppercase));
    let Some(name) = name else {
        return Vec::new();
    };
    body.match_indices(name)
        .map(|(b, m)| {
            let s = body[..b].chars().count();
            [s, s + m.chars().count()]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(articles) = corpus() else {
        return;
    };
    let bytes: usize = articles.iter().map(|(b, _)| b.len()).sum();
    let model = SentimentModel::new(&parleywire::dictionaries::embedded()).expect("dictionaries");
    let mut g = c.benchmark_group("sentiment");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("document", |b| {
        b.iter(|| {
            for (body, _) in &articles {
                black_box(model.document(black_box(body)));
            }
        })
    });
    g.bench_function("document+mention_sentiment", |b| {
        b.iter(|| {
            for (body, mentions) in &articles {
                black_box(model.document(black_box(body)));
                black_box(model.mention_sentiment(black_box(body), mentions));
            }
        })
    });
    g.bench_function("analyze_once+document+mention", |b| {
        b.iter(|| {
            for (body, mentions) in &articles {
                let an = model.analyze(black_box(body));
                black_box(model.document_of(&an));
                black_box(model.mention_sentiment_of(&an, body, mentions));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

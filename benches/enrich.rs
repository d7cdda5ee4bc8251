//! Throughput of the whole enrichment core (`Enricher::enrich`) and of each stage alone, on two
//! corpora of real news: full articles and short items.
//!
//! The corpora are read at bench time and never committed: `PARLEYWIRE_CORPUS` (JSON lines of
//! articles, default `../shared/data/corpus/articles.jsonl` relative to the crate, or the
//! first `shared/data/corpus/articles.jsonl` above it) and `PARLEYWIRE_SHORT_CORPUS` (default
//! `short_news.jsonl` found the same way). A corpus that cannot be read is skipped with a
//! note. Throughput is reported in bytes of article text (headline + body).
//!
//! Run: `cargo bench --bench enrich`. Criterion prints wall-clock `thrpt: [.. MiB/s ..]`; the
//! bench also prints MB/s and articles/s per CPU-second of the benchmark thread, which do not
//! move when other processes share the cores.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parleywire::article::{decode, Article, DecodeLimits, InputFormat};
use parleywire::enrich::{Context, Enricher};

/// The allocator the `parleywire` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus(env: &str, file: &str) -> Option<Vec<Article>> {
    // The env var, else `../shared/...` from the crate, else the first `shared/...` found
    // walking up (worktrees sit deeper than the main checkout).
    let path = std::env::var(env).map(PathBuf::from).unwrap_or_else(|_| {
        let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let rel = PathBuf::from("shared/data/corpus").join(file);
        crate_dir
            .ancestors()
            .map(|d| d.join(&rel))
            .find(|p| p.is_file())
            .unwrap_or_else(|| crate_dir.join("..").join(&rel))
    });
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "corpus {} not readable ({e}); skipping the benchmark",
                path.display()
            );
            return None;
        }
    };
    // Read as the worker reads a message (lines it would dead-letter are left out).
    let limits = DecodeLimits::default();
    Some(
        text.lines()
            .filter_map(|l| decode(l.as_bytes(), None, InputFormat::Json, &limits).ok())
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let enricher = Enricher::new(&parleywire::dictionaries::embedded()).expect("dictionaries");
    let ctx = Context {
        processed_at: "2020-01-01T00:00:00Z".into(),
        kafka: None,
    };
    // (label, env var, file, criterion name of the whole core)
    let corpora = [
        (
            "articles",
            "PARLEYWIRE_CORPUS",
            "articles.jsonl",
            "enrich_corpus",
        ),
        (
            "short news",
            "PARLEYWIRE_SHORT_CORPUS",
            "short_news.jsonl",
            "enrich_short_news",
        ),
    ];
    for (label, env, file, name) in corpora {
        let Some(articles) = corpus(env, file) else {
            continue;
        };
        let bytes: usize = articles
            .iter()
            .map(|a| a.headline.len() + a.body.len())
            .sum();
        cpu_throughput(label, &enricher, &articles, &ctx, bytes);
        let mut group = c.benchmark_group("core");
        group.throughput(Throughput::Bytes(bytes as u64));
        group.sample_size(10);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut events = 0;
                for a in &articles {
                    events += enricher.enrich(a, &ctx).events.len();
                }
                events
            })
        });
        group.finish();
        let stage_group = if label == "articles" {
            "stages".to_string()
        } else {
            format!("stages_{}", label.replace(' ', "_"))
        };
        stages(c, &stage_group, &articles, &enricher, &ctx, bytes);
    }
}

/// Each stage alone on the same articles, and the limit to compare with: one pass over the
/// same bytes (counting lines). `enrich_without_sentiment` against the whole core
/// gives what sentiment adds.
fn stages(
    c: &mut Criterion,
    group_name: &str,
    articles: &[Article],
    enricher: &Enricher,
    ctx: &Context,
    bytes: usize,
) {
    use parleywire::enrich::{lexicon::Lexicon, text};
    let sources = parleywire::dictionaries::embedded();
    let lexicon = Lexicon::new(&sources).expect("dictionaries");
    let plain = Enricher::new(&sources)
        .expect("dictionaries")
        .without_sentiment();
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("baseline_count_lines", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| {
                    a.headline
                        .bytes()
                        .chain(a.body.bytes())
                        .filter(|&c| c == b'\n')
                        .count()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("text_sentences_and_words", |b| {
        let mut words = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for a in articles {
                for s in text::sentences(&a.body) {
                    words.clear();
                    text::words(&a.body, s.start, s.end, &mut words);
                    n += words.len();
                }
            }
            n
        })
    });
    group.bench_function("dictionary_scan", |b| {
        let mut hits = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for a in articles {
                hits.clear();
                lexicon.scan(&a.headline, &mut hits);
                lexicon.scan(&a.body, &mut hits);
                n += hits.len();
            }
            n
        })
    });
    group.bench_function("sentiment_document", |b| {
        let model = enricher.sentiment();
        b.iter(|| {
            articles
                .iter()
                .map(|a| model.document_of(&model.analyze(&a.body)).compound)
                .sum::<f64>()
        })
    });
    group.bench_function("enrich_without_sentiment", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| plain.enrich(a, ctx).events.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

/// CPU time of this thread in nanoseconds (Linux `/proc/thread-self/schedstat`), if readable.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Throughput per CPU-second of the benchmark thread, independent of other processes
/// competing for the cores (criterion's wall-clock figure drops when they do). Five passes
/// over the corpus; the best and the median pass are printed.
fn cpu_throughput(
    label: &str,
    enricher: &Enricher,
    articles: &[Article],
    ctx: &Context,
    bytes: usize,
) {
    let mut secs = Vec::new();
    for _ in 0..5 {
        let Some(start) = cpu_ns() else {
            return;
        };
        for a in articles {
            std::hint::black_box(enricher.enrich(a, ctx));
        }
        let Some(end) = cpu_ns() else {
            return;
        };
        secs.push((end - start) as f64 / 1e9);
    }
    secs.sort_by(f64::total_cmp);
    let mb = bytes as f64 / 1e6;
    let n = articles.len() as f64;
    eprintln!(
        "core, {label}: {:.1} MB/s of article text and {:.0} articles/s per CPU-second (best of 5 passes; median {:.1} MB/s, {:.0} articles/s) over {} articles, {mb:.1} MB",
        mb / secs[0],
        n / secs[0],
        mb / secs[2],
        n / secs[2],
        articles.len(),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Run the enrichment core over a corpus several times, for profilers.
//!
//! `cargo run --release --example profile_core -- [FILE] [PASSES]` (default: the shared
//! `articles.jsonl`, 3 passes). Under `perf stat -e instructions:u` the instruction count of
//! the passes (minus a run with `PASSES=0`, which only compiles the dictionaries) is a
//! repeatable measure of an optimisation, where wall-clock figures move with the machine's
//! other load; under `perf record` it shows where the core spends its time without the
//! JSON reading and writing of `parleywire enrich`.

use std::time::Instant;

use parleywire::article::{decode, Article, DecodeLimits, InputFormat};
use parleywire::enrich::{Context, Enricher};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "../shared/data/corpus/articles.jsonl".into());
    let passes: usize = args.next().map(|p| p.parse()).transpose()?.unwrap_or(3);
    let text = std::fs::read_to_string(&path)?;
    // Read as the worker reads a message (lines it would dead-letter are left out).
    let limits = DecodeLimits::default();
    let articles: Vec<Article> = text
        .lines()
        .filter_map(|l| decode(l.as_bytes(), None, InputFormat::Json, &limits).ok())
        .collect();
    let bytes: usize = articles
        .iter()
        .map(|a| a.headline.len() + a.body.len())
        .sum();
    let enricher = Enricher::new(&parleywire::dictionaries::embedded())?;
    let ctx = Context::default();
    let started = Instant::now();
    let mut events = 0;
    for _ in 0..passes {
        for a in &articles {
            events += enricher.enrich(a, &ctx).events.len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if passes > 0 {
        eprintln!(
            "{passes} passes over {} articles ({:.1} MB): {events} events, {:.1} MB/s wall-clock",
            articles.len(),
            bytes as f64 / 1e6,
            (bytes * passes) as f64 / 1e6 / secs
        );
    }
    Ok(())
}

//! Decode the first lines of a JSON-lines file several times, for instruction counts.
//!
//! `cargo build --release --example decode_lines`, then
//! `valgrind --tool=callgrind target/release/examples/decode_lines FILE PASSES [LINES]`
//! (default 1,000 lines). Reading the file is the same for every pass count, so the
//! instructions of one pass minus those of a run with `PASSES=0` are what decoding costs,
//! free of start-up and file reading.

use parleywire::article::{decode, DecodeLimits, InputFormat};

/// The allocator the `parleywire` binary uses: decoding is mostly allocation-bound.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: decode_lines FILE [PASSES] [LINES]"))?;
    let passes: usize = args.next().map(|p| p.parse()).transpose()?.unwrap_or(1);
    let lines: usize = args.next().map(|p| p.parse()).transpose()?.unwrap_or(1000);
    let text = std::fs::read_to_string(&path)?;
    let messages: Vec<&str> = text.lines().take(lines).collect();
    let limits = DecodeLimits::default();
    let mut decoded = 0usize;
    for _ in 0..passes {
        for m in &messages {
            let article = decode(m.as_bytes(), None, InputFormat::Json, &limits);
            decoded += usize::from(std::hint::black_box(article).is_ok());
        }
    }
    eprintln!(
        "{passes} passes over {} lines: {decoded} articles decoded",
        messages.len()
    );
    Ok(())
}

//! Scoring sentiment against a gold file. (Lands with the sentiment issue.)

use std::io::Write;
use std::path::Path;

use crate::enrich::Enricher;

/// Score `enricher` on the gold file at `path` and write the report to `out`.
pub fn run(path: &Path, _enricher: &Enricher, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!(
        "sentiment evaluation is not built yet (gold file {})",
        path.display()
    )
}

//! `parleywire demo`: the worker on an embedded mock cluster.

use std::path::Path;

/// Run the demo.
pub fn run(_file: Option<&Path>, _summary_only: bool) -> anyhow::Result<()> {
    anyhow::bail!("the demo lands with the streaming-worker issue")
}

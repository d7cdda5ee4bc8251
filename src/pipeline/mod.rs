//! The streaming shell: consume, enrich, produce, commit, dead letters, shutdown.

pub mod demo;

use crate::enrich::Enricher;
use crate::settings::Settings;

/// Run the worker until SIGTERM or Ctrl-C.
pub async fn run_until_signal(_settings: Settings, _enricher: Enricher) -> anyhow::Result<()> {
    anyhow::bail!("the worker lands with the streaming-worker issue")
}

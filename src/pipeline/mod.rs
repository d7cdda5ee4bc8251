//! The streaming shell: consume, enrich, produce, commit, dead letters, shutdown.
//! It knows nothing about language: articles are bytes in and records out.
//!
//! - [`worker`]: the consume–enrich–produce–commit loop, at-least-once or exactly-once.
//! - [`clients`]: librdkafka settings and the callbacks (rebalance, commit, statistics).
//! - [`output`]: building and enqueueing output messages, dead letters, trace context.
//! - [`transaction`]: the open Kafka transaction of an exactly-once worker.
//! - [`offsets`]: which offsets may be committed (never past a hole), per partition.
//! - [`process`]: the CPU side of one message (decode, enrich, serialize), run on a pool.
//! - [`shutdown`]: the stop signal every task selects on.
//! - [`demo`]: the worker on librdkafka's in-process mock cluster.

pub mod clients;
pub mod demo;
pub mod offsets;
pub mod output;
pub mod process;
pub mod shutdown;
pub mod transaction;
pub mod worker;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;

use crate::enrich::Enricher;
use crate::observe::Metrics;
use crate::settings::Settings;

/// Run the worker until SIGTERM or Ctrl-C, serving metrics and health meanwhile.
pub async fn run_until_signal(settings: Settings, enricher: Enricher) -> anyhow::Result<()> {
    let metrics = Metrics::new();
    if !settings.observe.metrics_addr.is_empty() {
        let addr: SocketAddr = settings
            .observe
            .metrics_addr
            .parse()
            .with_context(|| format!("metrics address {:?}", settings.observe.metrics_addr))?;
        let m = metrics.clone();
        // Bind before starting so a taken port is a clear startup error.
        let listener = std::net::TcpListener::bind(addr)
            .with_context(|| format!("binding metrics address {addr}"))?;
        drop(listener);
        tokio::spawn(async move {
            if let Err(e) = crate::observe::serve(addr, m).await {
                tracing::error!(error = %e, "metrics server stopped");
            }
        });
    }
    let (trigger, shutdown) = shutdown::channel();
    tokio::spawn(async move {
        shutdown::signal().await;
        trigger.trigger();
    });
    worker::run(settings, Arc::new(enricher), metrics, shutdown).await?;
    Ok(())
}

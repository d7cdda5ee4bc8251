//! parleywire: Kafka-native enrichment of news into negotiation and diplomatic events.
//!
//! Module map:
//! - [`article`]: decoding input messages (parleywire JSON, IPTC ninjs, plain text) into articles.
//! - [`record`]: the output contract, `parleywire.enriched/v1` (serde + JSON Schema).
//! - [`enrich`]: the pure enrichment core, `Article -> EnrichedRecord`; no I/O, no async, no clock.
//! - [`dictionaries`]: reading dictionary files from `config/` (or the embedded copy) for the core.
//! - [`pipeline`]: the streaming shell: consume, enrich, produce, commit, dead letters, shutdown.
//! - [`observe`]: every metric and log event, the HTTP endpoints for metrics and health.
//! - [`settings`]: worker configuration (TOML file, `PARLEYWIRE_*` environment, flags).
//! - [`schema`]: the JSON Schema of the output, generated from the record types.
//! - [`eval`]: scoring the core against gold files.
//! - [`ingest`]: the wire-service feeder (files and folders of articles to the input topic).
//! - [`tail`]: reading the output or events topic, filtered, for people.
//! - [`summary`]: human-readable summaries of records and events.

pub mod article;
pub mod dictionaries;
pub mod enrich;
pub mod eval;
pub mod ingest;
pub mod observe;
pub mod pipeline;
pub mod record;
pub mod schema;
pub mod settings;
pub mod summary;
pub mod tail;

/// `parleywire x.y.z`, stamped on every record.
pub const WORKER_VERSION: &str = concat!("parleywire ", env!("CARGO_PKG_VERSION"));

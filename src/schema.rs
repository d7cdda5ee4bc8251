//! The published JSON Schemas, generated from [`crate::record`]:
//! `parleywire.enriched/v1` (output topic) and `parleywire.event/v1` (events topic).
//! Checked in under `schema/`; `tests/schema.rs` fails when the types and the files
//! drift apart, and when a field of the frozen v1.0 baseline is removed or retyped.

use crate::record::{EnrichedRecord, EventMessage};

/// The JSON Schema of the output record, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(EnrichedRecord);
    serde_json::to_string_pretty(&schema).expect("schema serializes")
}

/// The JSON Schema of an events-topic message, pretty-printed.
pub fn event_json_schema() -> String {
    let schema = schemars::schema_for!(EventMessage);
    serde_json::to_string_pretty(&schema).expect("schema serializes")
}

//! The published JSON Schema of `parleywire.enriched/v1`, generated from [`crate::record`].

use crate::record::EnrichedRecord;

/// The JSON Schema of the output record, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(EnrichedRecord);
    serde_json::to_string_pretty(&schema).expect("schema serializes")
}

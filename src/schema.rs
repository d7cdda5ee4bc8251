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

/// The field reference of a schema as a Markdown table (one row per field path, with
/// its JSON type and the doc comment of the Rust field), for `docs/fields.md`.
pub fn field_reference(schema_json: &str) -> String {
    use serde_json::Value;
    let schema: Value = serde_json::from_str(schema_json).expect("a schema we generated");
    let defs = schema.get("definitions").cloned().unwrap_or(Value::Null);
    let title = schema
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("record");
    let mut out = format!("| field ({title}) | type | meaning |\n|---|---|---|\n");

    /// The definition a property refers to, and whether through an array.
    fn target(p: &Value) -> Option<(String, bool)> {
        if let Some(r) = p.get("$ref").and_then(Value::as_str) {
            return Some((r.rsplit('/').next()?.to_string(), false));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(list) = p.get(key).and_then(Value::as_array) {
                if let Some(t) = list.iter().find_map(target) {
                    return Some(t);
                }
            }
        }
        if let Some(items) = p.get("items") {
            return target(items).map(|(name, _)| (name, true));
        }
        None
    }
    fn type_name(p: &Value) -> String {
        if let Some((name, array)) = target(p) {
            let nullable = p.get("anyOf").is_some();
            let base = if array { format!("[{name}]") } else { name };
            return if nullable {
                format!("{base} or null")
            } else {
                base
            };
        }
        match p.get("type") {
            Some(Value::String(t)) if t == "array" => {
                let inner = p.get("items").map(type_name).unwrap_or_default();
                format!("[{inner}]")
            }
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
            _ => "any".into(),
        }
    }
    fn walk(props: &Value, prefix: &str, defs: &Value, out: &mut String, depth: usize) {
        let Some(map) = props.as_object() else { return };
        for (name, p) in map {
            let path = format!("{prefix}{name}");
            let doc = p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .replace('\n', " ")
                .replace('|', "\\|");
            out.push_str(&format!(
                "| `{path}` | {} | {doc} |\n",
                type_name(p).replace('|', "\\|")
            ));
            if let Some((def, array)) = target(p) {
                if depth < 6 {
                    let sep = if array { "[]." } else { "." };
                    walk(
                        &defs[&def]["properties"],
                        &format!("{path}{sep}"),
                        defs,
                        out,
                        depth + 1,
                    );
                }
            }
        }
    }
    walk(&schema["properties"], "", &defs, &mut out, 0);
    out
}

/// `docs/fields.md`: the reference of every field of both published schemas.
pub fn fields_document() -> String {
    format!(
        "# Output fields\n\nGenerated from the Rust output types by `parleywire schema --fields` \
         (a test keeps this file in sync). Spans are `[start, end)` in Unicode code points of \
         the text they name (`headline` or `body`).\n\n## Output topic: `parleywire.enriched/v1`\n\n{}\n\
         ## Events topic: `parleywire.event/v1`\n\n{}",
        field_reference(&json_schema()),
        field_reference(&event_json_schema())
    )
}

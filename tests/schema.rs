//! The published schemas match the Rust types, and v1 only grows.

use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn checked_in_schemas_match_the_types() {
    let current: Value = serde_json::from_str(&parleywire::schema::json_schema()).unwrap();
    assert_eq!(
        current,
        read("schema/parleywire.enriched.v1.json"),
        "record types changed: run `cargo run -- schema > schema/parleywire.enriched.v1.json`"
    );
    let events: Value = serde_json::from_str(&parleywire::schema::event_json_schema()).unwrap();
    assert_eq!(
        events,
        read("schema/parleywire.event.v1.json"),
        "event message types changed: run `cargo run -- schema --events > schema/parleywire.event.v1.json`"
    );
}

#[test]
fn field_reference_matches_the_types() {
    let doc = std::fs::read_to_string(root().join("docs/fields.md")).expect("docs/fields.md");
    assert_eq!(
        doc,
        parleywire::schema::fields_document(),
        "record types changed: run `cargo run -- schema --fields > docs/fields.md`"
    );
    for path in [
        "`events[].modality.reported_by.code`",
        "`events[].quantities[].iso8601`",
        "`sentiment.tone`",
        "`event.trigger.span`",
    ] {
        assert!(doc.contains(path), "{path} documented");
    }
}

/// Every property of every definition in `baseline` still exists in `current` with the
/// same type; collects the violations.
fn compatible(baseline: &Value, current: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check_definition("<root>", baseline, current, &mut problems);
    if let Some(defs) = baseline.get("definitions").and_then(Value::as_object) {
        for (name, old) in defs {
            match current.get("definitions").and_then(|d| d.get(name)) {
                Some(new) => check_definition(name, old, new, &mut problems),
                None => problems.push(format!("definition {name} was removed")),
            }
        }
    }
    problems
}

fn check_definition(name: &str, old: &Value, new: &Value, problems: &mut Vec<String>) {
    {
        let (Some(old_props), new_props) = (
            old.get("properties").and_then(Value::as_object),
            new.get("properties").and_then(Value::as_object),
        ) else {
            return;
        };
        for (field, old_ty) in old_props {
            match new_props.and_then(|p| p.get(field)) {
                None => problems.push(format!("{name}.{field} was removed")),
                Some(new_ty) => {
                    let strip = |v: &Value| {
                        let mut v = v.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.remove("description");
                        }
                        v
                    };
                    if strip(old_ty) != strip(new_ty) {
                        problems.push(format!("{name}.{field} changed type: {old_ty} -> {new_ty}"));
                    }
                }
            }
        }
    }
}

#[test]
fn v1_only_grows() {
    for (baseline, current) in [
        (
            "schema/baseline/parleywire.enriched.v1.0.json",
            "schema/parleywire.enriched.v1.json",
        ),
        (
            "schema/baseline/parleywire.event.v1.0.json",
            "schema/parleywire.event.v1.json",
        ),
    ] {
        let problems = compatible(&read(baseline), &read(current));
        assert!(
            problems.is_empty(),
            "{current} breaks v1 compatibility: {problems:#?}"
        );
    }
}

#[test]
fn compatibility_check_catches_removal_and_retyping() {
    let base = read("schema/baseline/parleywire.enriched.v1.0.json");
    let mut removed = base.clone();
    removed["definitions"]["Event"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("cameo");
    assert!(compatible(&base, &removed)
        .iter()
        .any(|p| p.contains("Event.cameo was removed")));
    let mut retyped = base.clone();
    retyped["definitions"]["Event"]["properties"]["quad_class"] =
        serde_json::json!({"type": "string"});
    assert!(compatible(&base, &retyped)
        .iter()
        .any(|p| p.contains("Event.quad_class changed type")));
    let mut grown = base.clone();
    grown["definitions"]["Event"]["properties"]["new_field"] =
        serde_json::json!({"type": "string"});
    assert!(
        compatible(&base, &grown).is_empty(),
        "adding a field is compatible"
    );
}

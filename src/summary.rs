//! Human-readable summaries of records and events (the demo and `parleywire tail`),
//! optionally in ANSI colour.

use std::io::Write;

use crate::record::{EnrichedRecord, Event, EventActor};

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

fn paint(colour: bool, code: &str, text: &str) -> String {
    if colour {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// Colour for a sentiment label or a QuadClass.
fn tone_colour(label: &str) -> &'static str {
    match label {
        "negative" => RED,
        "positive" => GREEN,
        _ => DIM,
    }
}

/// One block per article: headline, tone, events, actors, places.
pub fn write_record(
    out: &mut dyn Write,
    record: &EnrichedRecord,
    colour: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  [{}]",
        paint(colour, BOLD, &format!("■ {}", record.article.headline)),
        record.article.id
    )?;
    let s = &record.sentiment;
    writeln!(
        out,
        "  tone: {} (compound {:+.2}, GDELT tone {:+.2}); tags: {}",
        paint(colour, tone_colour(&s.label), &s.label),
        s.compound,
        s.tone,
        record.tags.join(", ")
    )?;
    for e in &record.events {
        write_event_line(out, e, colour)?;
    }
    if record.events.is_empty() {
        writeln!(out, "  (no events)")?;
    }
    if !record.actors.is_empty() {
        let actors: Vec<String> = record
            .actors
            .iter()
            .map(|a| {
                format!(
                    "{} {} {}",
                    a.name,
                    paint(colour, CYAN, &a.code),
                    paint(colour, tone_colour(&a.sentiment.label), &a.sentiment.label)
                )
            })
            .collect();
        writeln!(out, "  actors: {}", actors.join("; "))?;
    }
    if !record.places.is_empty() {
        let places: Vec<String> = record.places.iter().map(|p| p.name.clone()).collect();
        writeln!(out, "  places: {}", places.join(", "))?;
    }
    writeln!(out)
}

/// One line per event: type, CAMEO, source → target, trigger, where, when, how much, modality.
pub fn write_event_line(out: &mut dyn Write, e: &Event, colour: bool) -> std::io::Result<()> {
    let name = |a: &Option<EventActor>| {
        a.as_ref().map_or("—".to_string(), |a| {
            format!("{} ({})", a.name, paint(colour, CYAN, &a.code))
        })
    };
    let type_colour = match e.quad_class {
        1 | 2 => GREEN,
        3 => YELLOW,
        _ => RED,
    };
    write!(
        out,
        "  • {} {:<5} {} → {}  “{}”",
        paint(colour, type_colour, &format!("{:<9}", e.event_type)),
        e.cameo,
        name(&e.source),
        name(&e.target),
        e.trigger.text
    )?;
    if !e.participants.is_empty() {
        let p: Vec<&str> = e.participants.iter().map(|a| a.name.as_str()).collect();
        write!(out, "  with {}", p.join(", "))?;
    }
    if let Some(l) = &e.location {
        write!(out, "  @ {}", l.name)?;
    }
    if let Some(t) = &e.time {
        write!(out, "  on {}", t.date.as_deref().unwrap_or(&t.text))?;
    }
    for q in &e.quantities {
        write!(
            out,
            "  [{}{}]",
            q.text,
            q.iso8601
                .as_deref()
                .map(|d| format!(" = {d}"))
                .unwrap_or_default()
        )?;
    }
    let mut flags = Vec::new();
    if e.modality.negated {
        flags.push("negated".to_string());
    }
    if e.modality.hypothetical {
        flags.push("hypothetical".to_string());
    }
    if e.modality.future {
        flags.push("future".to_string());
    }
    if let Some(r) = &e.modality.reported_by {
        flags.push(format!("reported by {}", r.name));
    }
    if !flags.is_empty() {
        write!(
            out,
            "  {}",
            paint(colour, DIM, &format!("({})", flags.join(", ")))
        )?;
    }
    writeln!(out)
}

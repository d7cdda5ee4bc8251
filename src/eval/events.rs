//! Scoring events against a gold file (`parleywire eval events FILE`).
//!
//! Gold format: one JSON object per line, `{"id", "text", "events": [{"source", "target",
//! "code", "root", "plover", ...}]}`; actor codes like `USAGOV`, `IGO`, `HUNGOV+ROUGOV`
//! (`+` joins compound actors) or `null`. Each text is enriched as an article body with an
//! empty headline.
//!
//! - **type level**: a predicted event matches an unmatched gold event of the same PLOVER type;
//! - **dyad level**: same PLOVER type, and the first three letters of source and target agree
//!   (a compound matches when any component agrees; a null gold target matches a missing
//!   target, and a gold target is not required when the prediction has a participant list
//!   containing it);
//! - **CAMEO root accuracy**: over type-matched events with a gold code, the share whose
//!   CAMEO root (first two digits) is equal.
//!
//! Negated events (modality) are not counted: they did not happen. Only events at or above
//! the confidence threshold count (`PARLEYWIRE_EVAL_MIN_CONFIDENCE`,
//! default 0.6). Set `PARLEYWIRE_EVAL_VERBOSE=1` to list misses and false alarms.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use crate::article::Article;
use crate::enrich::{Context, Enricher};
use crate::record::Event;

#[derive(Debug, Deserialize)]
struct GoldLine {
    id: String,
    text: String,
    #[serde(default)]
    events: Vec<GoldEvent>,
}

#[derive(Debug, Deserialize)]
struct GoldEvent {
    source: Option<String>,
    target: Option<String>,
    code: Option<String>,
    plover: String,
}

/// Precision, recall, F1 from counts.
fn prf(tp: usize, n_pred: usize, n_gold: usize) -> (f64, f64, f64) {
    let p = if n_pred == 0 {
        0.0
    } else {
        tp as f64 / n_pred as f64
    };
    let r = if n_gold == 0 {
        0.0
    } else {
        tp as f64 / n_gold as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

/// CAMEO country codes that differ from ISO 3166-1 alpha-3 (the core codes by ISO).
const CAMEO_COUNTRY: &[(&str, &str)] = &[
    ("JAP", "JPN"),
    ("ITL", "ITA"),
    ("ROM", "ROU"),
    ("ZAR", "COD"),
    ("TMP", "TLS"),
    ("GMY", "DEU"),
];

/// First three letters of every component of a gold code (CAMEO country codes mapped to ISO).
fn gold_parts(code: Option<&str>) -> Vec<String> {
    code.map(|c| {
        c.split('+')
            .map(|p| p.chars().take(3).collect::<String>())
            .map(|p| {
                CAMEO_COUNTRY
                    .iter()
                    .find(|(c, _)| *c == p)
                    .map_or(p, |(_, iso)| (*iso).to_string())
            })
            .filter(|p| !p.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// First three letters of the codes a predicted side stands for.
fn pred_parts(ev: &Event, source: bool) -> Vec<String> {
    let mut out = Vec::new();
    let main = if source { &ev.source } else { &ev.target };
    if let Some(a) = main {
        out.push(a.code.chars().take(3).collect());
    }
    if source {
        for p in &ev.participants {
            out.push(p.code.chars().take(3).collect());
        }
    }
    out.retain(|s: &String| !s.is_empty());
    out
}

fn side_matches(gold: &[String], pred: &[String], ev: &Event, source: bool) -> bool {
    if gold.is_empty() {
        // A null gold target matches a missing target or a reciprocal (participants) event.
        return pred.is_empty() || !source && ev.participants.len() > 1;
    }
    if gold.iter().any(|g| pred.contains(g)) {
        return true;
    }
    // Reciprocal events: the target may be listed among the participants.
    !source && {
        let parts: Vec<String> = ev
            .participants
            .iter()
            .map(|p| p.code.chars().take(3).collect())
            .collect();
        gold.iter().any(|g| parts.contains(g))
    }
}

fn dyad_matches(g: &GoldEvent, ev: &Event) -> bool {
    let gs = gold_parts(g.source.as_deref());
    if g.plover == ev.event_type && g.target.is_none() && gs.len() > 1 {
        // Reciprocal gold (compound source, no target): the predicted parties must be among
        // the compound's components.
        let src = pred_parts(ev, true);
        let tgt = pred_parts(ev, false);
        return !src.is_empty()
            && src.iter().any(|s| gs.contains(s))
            && tgt.iter().all(|t| gs.contains(t));
    }
    g.plover == ev.event_type
        && side_matches(
            &gold_parts(g.source.as_deref()),
            &pred_parts(ev, true),
            ev,
            true,
        )
        && side_matches(
            &gold_parts(g.target.as_deref()),
            &pred_parts(ev, false),
            ev,
            false,
        )
}

/// Score `enricher` on the gold file at `path` and write the report to `out`.
pub fn run(path: &Path, enricher: &Enricher, out: &mut dyn Write) -> anyhow::Result<()> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening gold file {}", path.display()))?;
    let min_conf: f64 = std::env::var("PARLEYWIRE_EVAL_MIN_CONFIDENCE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.6);
    let verbose = std::env::var("PARLEYWIRE_EVAL_VERBOSE").is_ok_and(|v| v != "0" && !v.is_empty());
    let ctx = Context {
        processed_at: "1970-01-01T00:00:00Z".into(),
        kafka: None,
    };
    let (mut n_gold, mut n_pred, mut tp_type, mut tp_dyad) = (0, 0, 0, 0);
    let (mut root_total, mut root_ok) = (0, 0);
    // type -> (gold, predicted, type-matched, dyad-matched)
    let mut per_type: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut lines = 0;
    for (no, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let gold: GoldLine = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a gold line", path.display(), no + 1))?;
        lines += 1;
        let article = Article {
            id: gold.id.clone(),
            body: gold.text.clone(),
            ..Article::default()
        };
        let rec = enricher.enrich(&article, &ctx);
        // Negated events did not happen: they are not predictions of an event.
        let preds: Vec<&Event> = rec
            .events
            .iter()
            .filter(|e| e.confidence >= min_conf && !e.modality.negated)
            .collect();
        n_gold += gold.events.len();
        n_pred += preds.len();
        for g in &gold.events {
            per_type.entry(g.plover.clone()).or_default()[0] += 1;
        }
        for p in &preds {
            per_type.entry(p.event_type.clone()).or_default()[1] += 1;
        }
        // Dyad matching first (strictest), then type matching for the rest.
        let mut gold_used = vec![false; gold.events.len()];
        let mut pred_used = vec![false; preds.len()];
        let mut dyad_used = vec![false; gold.events.len()];
        for (gi, g) in gold.events.iter().enumerate() {
            if let Some(pi) =
                (0..preds.len()).find(|&pi| !pred_used[pi] && dyad_matches(g, preds[pi]))
            {
                pred_used[pi] = true;
                gold_used[gi] = true;
                dyad_used[gi] = true;
                tp_dyad += 1;
                tp_type += 1;
                per_type.entry(g.plover.clone()).or_default()[2] += 1;
                per_type.entry(g.plover.clone()).or_default()[3] += 1;
                score_root(g, preds[pi], &mut root_total, &mut root_ok);
            }
        }
        for (gi, g) in gold.events.iter().enumerate() {
            if gold_used[gi] {
                continue;
            }
            if let Some(pi) =
                (0..preds.len()).find(|&pi| !pred_used[pi] && preds[pi].event_type == g.plover)
            {
                pred_used[pi] = true;
                gold_used[gi] = true;
                tp_type += 1;
                per_type.entry(g.plover.clone()).or_default()[2] += 1;
                score_root(g, preds[pi], &mut root_total, &mut root_ok);
            }
        }
        if verbose
            && (gold_used.iter().any(|u| !u)
                || pred_used.iter().any(|u| !u)
                || dyad_used.iter().any(|u| !u))
        {
            writeln!(out, "--- {}: {}", gold.id, gold.text)?;
            for (gi, g) in gold.events.iter().enumerate() {
                if !dyad_used[gi] {
                    writeln!(
                        out,
                        "  gold {} {} {}->{} {}",
                        if gold_used[gi] { "type-only" } else { "MISSED" },
                        g.plover,
                        g.source.as_deref().unwrap_or("-"),
                        g.target.as_deref().unwrap_or("-"),
                        g.code.as_deref().unwrap_or("-"),
                    )?;
                }
            }
            for p in &preds {
                let code = |a: &Option<crate::record::EventActor>| {
                    a.as_ref().map_or("-".to_string(), |a| a.code.clone())
                };
                let parts: Vec<&str> = p.participants.iter().map(|a| a.code.as_str()).collect();
                writeln!(
                    out,
                    "  pred {} {} {:?} {}->{} [{}] conf {}",
                    p.event_type,
                    p.cameo,
                    p.trigger.text,
                    code(&p.source),
                    code(&p.target),
                    parts.join("+"),
                    p.confidence
                )?;
            }
        }
    }
    let (tp_, tr, tf) = prf(tp_type, n_pred, n_gold);
    let (dp, dr, df) = prf(tp_dyad, n_pred, n_gold);
    writeln!(out, "gold file: {} ({lines} texts, {n_gold} gold events, {n_pred} predicted, min confidence {min_conf})", path.display())?;
    writeln!(out, "type   P {tp_:.3}  R {tr:.3}  F1 {tf:.3}")?;
    writeln!(out, "dyad   P {dp:.3}  R {dr:.3}  F1 {df:.3}")?;
    let acc = if root_total == 0 {
        0.0
    } else {
        root_ok as f64 / root_total as f64
    };
    writeln!(
        out,
        "CAMEO root accuracy over matched events: {acc:.3} ({root_ok}/{root_total})"
    )?;
    writeln!(
        out,
        "{:<10} {:>5} {:>5} {:>5} {:>5}",
        "type", "gold", "pred", "type", "dyad"
    )?;
    for (t, [g, p, m, d]) in &per_type {
        writeln!(out, "{t:<10} {g:>5} {p:>5} {m:>5} {d:>5}")?;
    }
    Ok(())
}

fn score_root(g: &GoldEvent, p: &Event, total: &mut usize, ok: &mut usize) {
    if let Some(code) = g.code.as_deref().filter(|c| c.len() >= 2) {
        *total += 1;
        if p.cameo.get(..2) == code.get(..2) {
            *ok += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compound_codes_split() {
        assert_eq!(gold_parts(Some("HUNGOV+ROUGOV")), vec!["HUN", "ROU"]);
        assert!(gold_parts(None).is_empty());
        assert_eq!(prf(1, 2, 4), (0.5, 0.25, 1.0 / 3.0));
    }
}

//! Scoring sentiment against a gold file (`parleywire eval sentiment FILE`).
//!
//! Two formats, told apart by content:
//! - **SemEval-2007 style TSV** — `id<TAB>valence<TAB>text[<TAB>split]`, valence in -100..100,
//!   optional header line (a header naming `valence`/`score` and `text`/`sentence` columns
//!   elsewhere is followed). Scores the document compound of each text: Pearson r against the
//!   valence, and 3-class macro-F1 where the gold class is negative for valence ≤ −25,
//!   positive for ≥ 25, neutral between (the middle eighth of the scale each side of zero,
//!   which splits typical headline sets into three classes of similar size), and the
//!   predicted class is the document label (compound ±0.05, as VADER).
//! - **NewsMTSC style JSONL** — `{"sentence_normalized", "targets": [{"from", "to",
//!   "polarity": 2.0|4.0|6.0, "further_mentions"?: [{"from", "to"}]}]}`, offsets in
//!   characters. Scores `mention_sentiment` of each target over all its mentions: accuracy
//!   and macro-F1 over negative / neutral / positive, with the sentence-tone baseline
//!   (document label of the sentence) beside it.
//! - **PerSenT style CSV** — a header with `TARGET_ENTITY`, `DOCUMENT` and `TRUE_SENTIMENT`
//!   (Positive / Neutral / Negative): whole-article sentiment toward the main person, through
//!   [`SentimentModel::targets`](crate::enrich::sentiment::SentimentModel::targets) with the
//!   entity as the only target (all its mentions, surname included); macro-F1.
//!
//! Valence scales: a TSV whose valences all lie within ±1 or ±4 (VADER's rating scale) is
//! rescaled to ±100 before the thresholds apply.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use crate::article::{Article, TargetSpec};
use crate::enrich::Enricher;
use crate::record::Span;

/// Gold valence at or beyond which a SemEval item is positive (negative when ≤ minus it).
pub const VALENCE_THRESHOLD: f64 = 25.0;

/// Class index: 0 negative, 1 neutral, 2 positive.
fn class_of_label(label: &str) -> usize {
    match label {
        "negative" => 0,
        "positive" => 2,
        _ => 1,
    }
}

/// Confusion matrix over the three classes, `[gold][predicted]`.
#[derive(Default)]
struct Confusion([[usize; 3]; 3]);

impl Confusion {
    fn add(&mut self, gold: usize, pred: usize) {
        self.0[gold][pred] += 1;
    }

    fn total(&self) -> usize {
        self.0.iter().flatten().sum()
    }

    fn accuracy(&self) -> f64 {
        let right: usize = (0..3).map(|c| self.0[c][c]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// F1 of each class.
    fn f1(&self) -> [f64; 3] {
        let mut out = [0.0; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let tp = self.0[c][c] as f64;
            let pred: usize = (0..3).map(|g| self.0[g][c]).sum();
            let gold: usize = self.0[c].iter().sum();
            let p = if pred > 0 { tp / pred as f64 } else { 0.0 };
            let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
            *o = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
        }
        out
    }

    fn macro_f1(&self) -> f64 {
        self.f1().iter().sum::<f64>() / 3.0
    }

    fn report(&self, name: &str, out: &mut dyn Write) -> anyhow::Result<()> {
        let f = self.f1();
        writeln!(
            out,
            "{name}: macro-F1 {:.3}  accuracy {:.3}  (F1 negative {:.3}, neutral {:.3}, positive {:.3})",
            self.macro_f1(),
            self.accuracy(),
            f[0],
            f[1],
            f[2]
        )?;
        Ok(())
    }
}

/// Pearson correlation of two equally long series.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return 0.0;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Score `enricher` on the gold file at `path` and write the report to `out`.
pub fn run(path: &Path, enricher: &Enricher, out: &mut dyn Write) -> anyhow::Result<()> {
    let body = std::fs::read_to_string(path)
        .with_context(|| format!("reading gold file {}", path.display()))?;
    let lines: Vec<String> = body.lines().map(str::to_string).collect();
    let first = lines.iter().find(|l| !l.trim().is_empty());
    match first {
        Some(l) if l.trim_start().starts_with('{') => targeted(path, &lines, enricher, out),
        Some(l) if l.contains("TARGET_ENTITY") && l.contains("TRUE_SENTIMENT") => {
            persent(path, &body, enricher, out)
        }
        Some(_) => tone(path, &lines, enricher, out),
        None => anyhow::bail!("gold file {} is empty", path.display()),
    }
}

/// SemEval-2007 style TSV: Pearson r and 3-class macro-F1 of the document compound.
fn tone(
    path: &Path,
    lines: &[String],
    enricher: &Enricher,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let model = enricher.sentiment();
    // Columns: id, valence, text by default; a header naming them (`valence` / `score`,
    // `text` / `sentence`) may put them elsewhere.
    let (mut c_val, mut c_text) = (1usize, 2usize);
    let mut items: Vec<(f64, &str)> = Vec::new();
    let mut first = true;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if std::mem::take(&mut first)
            && f.get(c_val)
                .map_or(true, |v| v.trim().parse::<f64>().is_err())
        {
            let find = |names: &[&str]| {
                f.iter()
                    .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
            };
            c_val = find(&["valence", "score", "sentiment", "mean"]).unwrap_or(c_val);
            c_text = find(&["text", "sentence", "headline", "snippet"]).unwrap_or(c_text);
            continue; // header
        }
        let (Some(v), Some(text)) = (f.get(c_val), f.get(c_text)) else {
            anyhow::bail!(
                "{}:{}: expected id<TAB>valence<TAB>text",
                path.display(),
                i + 1
            );
        };
        let Ok(valence) = v.trim().parse::<f64>() else {
            anyhow::bail!(
                "{}:{}: valence `{v}` is not a number",
                path.display(),
                i + 1
            );
        };
        items.push((valence, text));
    }
    let max = items.iter().fold(0.0f64, |m, (v, _)| m.max(v.abs()));
    let scale = if max <= 1.0 {
        100.0
    } else if max <= 4.0 {
        25.0
    } else {
        1.0
    };
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    let mut conf = Confusion::default();
    for &(valence, text) in &items {
        let valence = valence * scale;
        let doc = model.document(text);
        let g = if valence >= VALENCE_THRESHOLD {
            2
        } else if valence <= -VALENCE_THRESHOLD {
            0
        } else {
            1
        };
        conf.add(g, class_of_label(&doc.label));
        gold.push(valence);
        pred.push(doc.compound);
    }
    writeln!(out, "gold: {} ({} items)", path.display(), gold.len())?;
    if scale != 1.0 {
        writeln!(out, "valences rescaled by {scale} to -100..100")?;
    }
    writeln!(
        out,
        "document compound vs valence: Pearson r {:.3}",
        pearson(&pred, &gold)
    )?;
    conf.report(
        &format!("3-class (gold valence ±{VALENCE_THRESHOLD}, predicted compound ±0.05)"),
        out,
    )?;
    Ok(())
}

/// One NewsMTSC line.
#[derive(Deserialize)]
struct MtscItem {
    sentence_normalized: String,
    targets: Vec<MtscTarget>,
}

/// One NewsMTSC target.
#[derive(Deserialize)]
struct MtscTarget {
    from: usize,
    to: usize,
    polarity: f64,
    #[serde(default)]
    further_mentions: Vec<MtscMention>,
}

/// A further mention of a target.
#[derive(Deserialize)]
struct MtscMention {
    from: usize,
    to: usize,
}

/// NewsMTSC polarity (2 negative, 4 neutral, 6 positive) to class index.
fn class_of_polarity(p: f64) -> usize {
    if p < 3.0 {
        0
    } else if p > 5.0 {
        2
    } else {
        1
    }
}

/// NewsMTSC style JSONL: macro-F1 of `mention_sentiment` per target.
fn targeted(
    path: &Path,
    lines: &[String],
    enricher: &Enricher,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let model = enricher.sentiment();
    let mut conf = Confusion::default();
    let mut base = Confusion::default();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: MtscItem = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a NewsMTSC item", path.display(), i + 1))?;
        let text = &item.sentence_normalized;
        let an = model.analyze(text);
        let sentence = model.document_of(&an);
        for t in &item.targets {
            let mut mentions: Vec<Span> = vec![[t.from, t.to]];
            mentions.extend(t.further_mentions.iter().map(|m| [m.from, m.to]));
            let s = model.mention_sentiment_of(&an, text, &mentions);
            let g = class_of_polarity(t.polarity);
            conf.add(g, class_of_label(&s.label));
            base.add(g, class_of_label(&sentence.label));
        }
    }
    writeln!(out, "gold: {} ({} targets)", path.display(), conf.total())?;
    conf.report("targeted (mention_sentiment)", out)?;
    base.report("baseline (sentence tone)", out)?;
    Ok(())
}

/// PerSenT style CSV: whole-article sentiment toward the main entity.
fn persent(
    path: &Path,
    body: &str,
    enricher: &Enricher,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let model = enricher.sentiment();
    let rows = parse_csv(body);
    let Some(header) = rows.first() else {
        anyhow::bail!("{}: empty CSV", path.display());
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| format!("{}: no column {name}", path.display()))
    };
    let (c_target, c_doc, c_gold) = (
        col("TARGET_ENTITY")?,
        col("DOCUMENT")?,
        col("TRUE_SENTIMENT")?,
    );
    let mut conf = Confusion::default();
    let mut base = Confusion::default();
    let mut skipped = 0usize;
    for row in &rows[1..] {
        let (Some(target), Some(doc), Some(gold)) =
            (row.get(c_target), row.get(c_doc), row.get(c_gold))
        else {
            skipped += 1;
            continue;
        };
        let g = gold.trim().to_ascii_lowercase();
        let g = if g.starts_with("neg") {
            0
        } else if g.starts_with("neu") {
            1
        } else if g.starts_with("pos") {
            2
        } else {
            skipped += 1;
            continue;
        };
        let article = Article {
            id: String::new(),
            headline: String::new(),
            body: doc.clone(),
            published_at: None,
            source: None,
            url: None,
            language: None,
            targets: vec![TargetSpec {
                text: target.trim().to_string(),
                start: None,
                end: None,
            }],
        };
        let t = model.targets(&article);
        let label = t.first().map_or("neutral", |t| t.sentiment.label.as_str());
        conf.add(g, class_of_label(label));
        base.add(g, class_of_label(&model.document(doc).label));
    }
    writeln!(
        out,
        "gold: {} ({} articles, {skipped} skipped)",
        path.display(),
        conf.total()
    )?;
    conf.report("article sentiment toward the main entity (targets)", out)?;
    base.report("baseline (document tone)", out)?;
    Ok(())
}

/// Rows of an RFC 4180 CSV text: fields separated by commas, optionally quoted with `"`
/// (a doubled `""` inside quotes is one quote; quoted fields may hold commas and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_newlines() {
        let rows = parse_csv("a,b,c\n1,\"x, \"\"y\"\"\nz\",3\r\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], vec!["1", "x, \"y\"\nz", "3"]);
    }

    fn enricher() -> Enricher {
        Enricher::new(&crate::dictionaries::embedded()).expect("dictionaries")
    }

    fn run_on(body: &str, ext: &str) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("gold.{ext}"));
        std::fs::write(&path, body).expect("write");
        let mut out = Vec::new();
        run(&path, &enricher(), &mut out).expect("eval runs");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn tone_tsv_reports_pearson_and_f1() {
        let out = run_on(
            "id\tvalence\ttext\tsplit\n\
             1\t-80\tBombing kills dozens in market\ttrial\n\
             2\t70\tLeaders hail historic peace breakthrough\ttrial\n\
             3\t0\tCommittee meets on Tuesday\ttrial\n\
             4\t-60\tTalks collapse amid bitter accusations\ttrial\n",
            "tsv",
        );
        assert!(out.contains("(4 items)"), "{out}");
        let r: f64 = out
            .split("Pearson r ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .expect("r printed");
        assert!(r > 0.8, "{out}");
        assert!(out.contains("macro-F1 1.000"), "{out}");
    }

    #[test]
    fn tone_tsv_follows_header_columns_and_rescales() {
        let out = run_on(
            "text\tid\tscore\n\
             Bombing kills dozens in market\ta\t-3.2\n\
             Leaders hail historic peace breakthrough\tb\t2.8\n\
             Committee meets on Tuesday\tc\t0.1\n",
            "tsv",
        );
        assert!(out.contains("(3 items)"), "{out}");
        assert!(out.contains("rescaled by 25"), "{out}");
        assert!(out.contains("macro-F1 1.000"), "{out}");
    }

    #[test]
    fn targeted_jsonl_reports_macro_f1() {
        let line = |text: &str, name: &str, pol: f64| {
            let from = text[..text.find(name).expect("name")].chars().count();
            format!(
                "{{\"sentence_normalized\": {text:?}, \"targets\": [{{\"from\": {from}, \"to\": {}, \"mention\": {name:?}, \"polarity\": {pol}}}]}}\n",
                from + name.chars().count()
            )
        };
        let body = line(
            "Critics condemned Harlow as a corrupt and dishonest liar.",
            "Harlow",
            2.0,
        ) + &line(
            "Voters praised Ibsen for her brave and wonderful leadership.",
            "Ibsen",
            6.0,
        );
        let out = run_on(&body, "jsonl");
        assert!(out.contains("(2 targets)"), "{out}");
        assert!(
            out.contains("targeted (mention_sentiment): macro-F1"),
            "{out}"
        );
    }

    #[test]
    fn pearson_of_a_line_is_one() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    }
}

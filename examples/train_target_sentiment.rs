//! Train the targeted-sentiment model shipped as `config/sentiment/target_model.tsv`.
//!
//! ```text
//! cargo run --release --example train_target_sentiment -- \
//!     ../shared/data/train/newsmtsc_rw_train.jsonl config/sentiment/target_model.tsv \
//!     [--dev ../shared/data/train/newsmtsc_rw_dev.jsonl]... [--epochs 10] [--l2 0.003] [--min-count 10] [--lr 0.05]
//! ```
//!
//! Input: NewsMTSC JSONL (`sentence_normalized`, `targets[{from, to, polarity, further_mentions}]`).
//! Features come from `SentimentModel::mention_features`, the same code that scores mentions at
//! run time. The model is a multinomial logistic regression (negative / neutral / positive)
//! with class weights that balance the three classes (we report macro-F1), trained with
//! AdaGrad and L2 regularisation; the order of examples is shuffled with a fixed seed, so the
//! same data gives the same weights. Dev files are scored after training and never trained on.

// Index loops over the three classes read like the formulas.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context;
use parleywire::enrich::sentiment::target::{CLASSES, FEATURES};
use parleywire::enrich::sentiment::SentimentModel;
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    sentence_normalized: String,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    from: usize,
    to: usize,
    polarity: f64,
    #[serde(default)]
    further_mentions: Vec<Mention>,
}

#[derive(Deserialize)]
struct Mention {
    from: usize,
    to: usize,
}

/// One example: dense features, cue words, class, and the line it came from (cross-validation
/// folds keep the targets of one sentence together).
struct Example {
    dense: Vec<f32>,
    cues: Vec<(String, f32)>,
    class: usize,
    line: usize,
}

fn load(model: &SentimentModel, path: &str) -> anyhow::Result<Vec<Example>> {
    let body = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut out = Vec::new();
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: Item = serde_json::from_str(line).with_context(|| format!("{path}:{}", i + 1))?;
        for t in &item.targets {
            let mut mentions = vec![[t.from, t.to]];
            mentions.extend(t.further_mentions.iter().map(|m| [m.from, m.to]));
            let (dense, cues) = model.mention_features(&item.sentence_normalized, &mentions);
            let class = if t.polarity < 3.0 {
                0
            } else if t.polarity > 5.0 {
                2
            } else {
                1
            };
            out.push(Example {
                dense,
                cues,
                class,
                line: i,
            });
        }
    }
    Ok(out)
}

/// Sparse row: (feature index, value).
fn row(ex: &Example, vocab: &HashMap<String, usize>) -> Vec<(usize, f32)> {
    let mut r: Vec<(usize, f32)> = ex
        .dense
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(k, v)| (k, *v))
        .collect();
    for (key, w) in &ex.cues {
        if let Some(&k) = vocab.get(key) {
            r.push((k, *w));
        }
    }
    r
}

fn predict(w: &[[f32; 3]], r: &[(usize, f32)]) -> [f32; 3] {
    let mut l = [0.0f32; 3];
    for &(k, v) in r {
        for c in 0..3 {
            l[c] += w[k][c] * v;
        }
    }
    let m = l[0].max(l[1]).max(l[2]);
    let e = [(l[0] - m).exp(), (l[1] - m).exp(), (l[2] - m).exp()];
    let z = e[0] + e[1] + e[2];
    [e[0] / z, e[1] / z, e[2] / z]
}

fn macro_f1(w: &[[f32; 3]], rows: &[(Vec<(usize, f32)>, usize)]) -> (f64, f64) {
    let mut conf = [[0usize; 3]; 3];
    for (r, g) in rows {
        let p = predict(w, r);
        let best = (0..3).fold(0, |b, c| if p[c] > p[b] { c } else { b });
        conf[*g][best] += 1;
    }
    let mut f = 0.0;
    for c in 0..3 {
        let tp = conf[c][c] as f64;
        let pred: usize = (0..3).map(|g| conf[g][c]).sum();
        let gold: usize = conf[c].iter().sum();
        let p = if pred > 0 { tp / pred as f64 } else { 0.0 };
        let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
        if p + r > 0.0 {
            f += 2.0 * p * r / (p + r);
        }
    }
    let right: usize = (0..3).map(|c| conf[c][c]).sum();
    (f / 3.0, right as f64 / rows.len().max(1) as f64)
}

/// Training settings.
struct Params {
    epochs: usize,
    l2: f32,
    min_count: usize,
    lr: f32,
}

fn clone_example(e: &Example) -> Example {
    Example {
        dense: e.dense.clone(),
        cues: e.cues.clone(),
        class: e.class,
        line: e.line,
    }
}

/// Fit the model: weights (dense first, then cue words), cue keys, cue vocabulary.
#[allow(clippy::type_complexity)]
fn fit(
    train: &[Example],
    params: &Params,
    verbose: bool,
) -> (Vec<[f32; 3]>, Vec<String>, HashMap<String, usize>) {
    let Params {
        epochs,
        l2,
        min_count,
        lr,
    } = *params;
    let n_dense = FEATURES.len();
    // Cue-word vocabulary: keys seen in at least `min_count` training examples.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for ex in train {
        let mut seen: Vec<&str> = ex.cues.iter().map(|(k, _)| k.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut keys: Vec<&str> = counts
        .iter()
        .filter(|(_, &c)| c >= min_count)
        .map(|(k, _)| *k)
        .collect();
    keys.sort_unstable();
    let vocab: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.to_string(), n_dense + i))
        .collect();
    let dim = n_dense + keys.len();

    let rows: Vec<(Vec<(usize, f32)>, usize)> =
        train.iter().map(|ex| (row(ex, &vocab), ex.class)).collect();
    let mut class_n = [0usize; 3];
    for (_, c) in &rows {
        class_n[*c] += 1;
    }
    let class_w: Vec<f32> = class_n
        .iter()
        .map(|&n| rows.len() as f32 / (3.0 * n.max(1) as f32))
        .collect();
    if verbose {
        eprintln!(
            "train: {} examples (negative {}, neutral {}, positive {}), {} dense + {} cue features",
            rows.len(),
            class_n[0],
            class_n[1],
            class_n[2],
            n_dense,
            keys.len()
        );
    }

    // AdaGrad on the class-weighted log loss with L2.
    let mut w = vec![[0.0f32; 3]; dim];
    let mut g2 = vec![[1e-8f32; 3]; dim];
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    // Weights averaged over the epochs of the second half (Polyak averaging): steadier than
    // the last iterate.
    let mut avg = vec![[0.0f32; 3]; dim];
    let mut n_avg = 0.0f32;
    for epoch in 0..epochs {
        for k in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(k, (seed % (k as u64 + 1)) as usize);
        }
        for &ix in &order {
            let (r, g) = &rows[ix];
            let p = predict(&w, r);
            let cw = class_w[*g];
            for &(k, v) in r {
                for c in 0..3 {
                    let y = if c == *g { 1.0 } else { 0.0 };
                    let grad = cw * (p[c] - y) * v + l2 * w[k][c];
                    g2[k][c] += grad * grad;
                    w[k][c] -= lr * grad / g2[k][c].sqrt();
                }
            }
        }
        if epoch >= epochs / 2 {
            for (a, wk) in avg.iter_mut().zip(&w) {
                for c in 0..3 {
                    a[c] += wk[c];
                }
            }
            n_avg += 1.0;
        }
    }
    if n_avg > 0.0 {
        for (wk, a) in w.iter_mut().zip(&avg) {
            for c in 0..3 {
                wk[c] = a[c] / n_avg;
            }
        }
    }
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    (w, keys, vocab)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut devs = Vec::new();
    let mut epochs = 10usize;
    let mut l2 = 3e-3f32;
    let mut min_count = 10usize;
    let mut lr = 0.05f32;
    let mut cv = 0usize;
    let mut i = 0;
    while i < args.len() {
        let val = || args.get(i + 1).cloned().context("flag needs a value");
        match args[i].as_str() {
            "--dev" => devs.push(val()?),
            "--epochs" => epochs = val()?.parse()?,
            "--l2" => l2 = val()?.parse()?,
            "--min-count" => min_count = val()?.parse()?,
            "--lr" => lr = val()?.parse()?,
            "--cv" => cv = val()?.parse()?,
            _ => {
                positional.push(args[i].clone());
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let [train_path, out_path] = positional.as_slice() else {
        anyhow::bail!("usage: train_target_sentiment TRAIN.jsonl OUT.tsv [--dev DEV.jsonl]... [--epochs N] [--l2 X] [--min-count K] [--lr X] [--cv K]");
    };

    let model = SentimentModel::new(&parleywire::dictionaries::embedded())?;
    let train = load(&model, train_path)?;
    let params = Params {
        epochs,
        l2,
        min_count,
        lr,
    };

    let (w, keys, vocab) = fit(&train, &params, true);
    if cv > 1 {
        // k-fold cross-validation on the training file, folds by sentence.
        let mut scores = Vec::new();
        for k in 0..cv {
            let tr: Vec<&Example> = train.iter().filter(|e| e.line % cv != k).collect();
            let te: Vec<&Example> = train.iter().filter(|e| e.line % cv == k).collect();
            let tr: Vec<Example> = tr.into_iter().map(clone_example).collect();
            let (wk, _, vk) = fit(&tr, &params, false);
            let rows: Vec<_> = te.iter().map(|e| (row(e, &vk), e.class)).collect();
            scores.push(macro_f1(&wk, &rows).0);
        }
        let mean = scores.iter().sum::<f64>() / cv as f64;
        eprintln!("cross-validation ({cv} folds): macro-F1 {mean:.3} {scores:.3?}");
    }
    let n_dense = FEATURES.len();
    let rows: Vec<(Vec<(usize, f32)>, usize)> =
        train.iter().map(|ex| (row(ex, &vocab), ex.class)).collect();
    let (f, acc) = macro_f1(&w, &rows);
    eprintln!("train: macro-F1 {f:.3} accuracy {acc:.3}");
    for dev in &devs {
        let ex = load(&model, dev)?;
        let dev_rows: Vec<_> = ex.iter().map(|e| (row(e, &vocab), e.class)).collect();
        let (f, acc) = macro_f1(&w, &dev_rows);
        eprintln!("{dev}: macro-F1 {f:.3} accuracy {acc:.3}");
    }

    let mut out = std::io::BufWriter::new(
        std::fs::File::create(out_path).with_context(|| format!("creating {out_path}"))?,
    );
    writeln!(
        out,
        "# Targeted-sentiment weights: feature<TAB>w_negative<TAB>w_neutral<TAB>w_positive."
    )?;
    writeln!(
        out,
        "# Learned from NewsMTSC (rw train split; Hamborg & Donnay 2021, MIT licence) by"
    )?;
    writeln!(out, "# examples/train_target_sentiment.rs (epochs {epochs}, l2 {l2}, lr {lr}, min-count {min_count}).")?;
    writeln!(
        out,
        "# Dense features are named in src/enrich/sentiment/target.rs; the others are"
    )?;
    writeln!(
        out,
        "# cue words: L1 / R1 right before / after a mention, L / R within 5 words."
    )?;
    writeln!(
        out,
        "classes\t{}\t{}\t{}",
        CLASSES[0], CLASSES[1], CLASSES[2]
    )?;
    for (k, name) in FEATURES.iter().enumerate() {
        writeln!(
            out,
            "{name}\t{:.4}\t{:.4}\t{:.4}",
            w[k][0], w[k][1], w[k][2]
        )?;
    }
    let mut written = 0;
    for (i, key) in keys.iter().enumerate() {
        let wk = w[n_dense + i];
        if wk.iter().all(|x| x.abs() < 0.01) {
            continue;
        }
        writeln!(out, "{key}\t{:.4}\t{:.4}\t{:.4}", wk[0], wk[1], wk[2])?;
        written += 1;
    }
    eprintln!("wrote {out_path}: {n_dense} dense and {written} cue weights");
    Ok(())
}

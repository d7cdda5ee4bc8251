//! The event trigger lexicon (`config/dictionaries/triggers.tsv`): one row per lemma or
//! phrase, coded to PLOVER type, CAMEO code, QuadClass, Goldstein value and mode.
//!
//! Surface forms are generated here, once, when the lexicon is compiled (see the header of
//! `triggers.tsv` for the rule); matching is then a plain automaton hit.

/// The 16 PLOVER event types.
pub const PLOVER_TYPES: [&str; 16] = [
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
];

/// Part of speech of a trigger: how it is inflected and how its actors are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    /// A verb: subject acts on object.
    Verb,
    /// A noun: "talks between X and Y", "X's offer", "the deal".
    Noun,
}

/// One trigger row.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// The lemma or phrase as written in the lexicon.
    pub lemma: String,
    /// Verb or noun.
    pub pos: Pos,
    /// PLOVER type.
    pub plover: &'static str,
    /// CAMEO code.
    pub cameo: String,
    /// QuadClass 1..4.
    pub quad: u8,
    /// Goldstein value.
    pub goldstein: f64,
    /// PLOVER mode, if any.
    pub mode: Option<String>,
    /// For "HEAD * TAIL" rows: the lower-case start of the object word that must follow.
    pub tail: Option<String>,
}

/// Parse one row of `triggers.tsv` into the trigger and all its surface forms.
pub fn parse_row(c: &[&str]) -> Result<(Trigger, Vec<String>), String> {
    let get = |i: usize| c.get(i).copied().unwrap_or("");
    let phrase = get(0);
    if phrase.is_empty() {
        return Err("empty phrase".into());
    }
    let plover = PLOVER_TYPES
        .iter()
        .find(|t| **t == get(2))
        .ok_or_else(|| format!("unknown PLOVER type {:?}", get(2)))?;
    let cameo = get(3);
    let root: u8 = cameo
        .get(..2)
        .and_then(|r| r.parse().ok())
        .filter(|r| (1..=20).contains(r) && cameo.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| format!("bad CAMEO code {cameo:?}"))?;
    let quad: u8 = get(4)
        .parse()
        .map_err(|_| format!("bad QuadClass {:?}", get(4)))?;
    let expected = match root {
        1..=5 => 1,
        6..=8 => 2,
        9..=13 => 3,
        _ => 4,
    };
    if quad != expected {
        return Err(format!(
            "QuadClass {quad} does not fit CAMEO root {root:02} (expected {expected})"
        ));
    }
    let goldstein: f64 = get(5)
        .parse()
        .ok()
        .filter(|g: &f64| (-10.0..=10.0).contains(g))
        .ok_or_else(|| format!("bad Goldstein value {:?}", get(5)))?;
    let mode = Some(get(6)).filter(|m| !m.is_empty()).map(str::to_string);
    let extra: Vec<&str> = get(7)
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (head, tail) = match phrase.split_once(" * ") {
        Some((h, t)) if !h.trim().is_empty() && !t.trim().is_empty() => {
            (h.trim(), Some(t.trim().to_lowercase()))
        }
        Some(_) => return Err(format!("bad HEAD * TAIL phrase {phrase:?}")),
        None => (phrase, None),
    };
    let (pos, forms) = match get(1) {
        "v" => (Pos::Verb, verb_forms(head, &extra)),
        "n" => (Pos::Noun, noun_forms(head)),
        "xv" => (Pos::Verb, vec![head.to_string()]),
        "xn" => (Pos::Noun, vec![head.to_string()]),
        other => return Err(format!("pos must be v, n, xv or xn, not {other:?}")),
    };
    Ok((
        Trigger {
            lemma: phrase.to_string(),
            pos,
            plover,
            cameo: cameo.to_string(),
            quad,
            goldstein,
            mode,
            tail,
        },
        forms,
    ))
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Inflections of a verb: s, ed, ing forms of its first word, plus the written-out `extra`.
pub fn verb_forms(phrase: &str, extra: &[&str]) -> Vec<String> {
    let (head, rest) = match phrase.find(' ') {
        Some(i) => (&phrase[..i], &phrase[i..]),
        None => (phrase, ""),
    };
    let b = head.as_bytes();
    let mut heads = vec![head.to_string()];
    let last = b.last().copied().unwrap_or(b'x');
    let before = if b.len() >= 2 { b[b.len() - 2] } else { b'a' };
    if last == b'e' {
        heads.push(format!("{head}s"));
        heads.push(format!("{head}d"));
        // "agree" -> "agreeing", "free" -> "freeing"; otherwise the e drops: "negotiating".
        if head.ends_with("ee") || head.ends_with("oe") || head.ends_with("ye") {
            heads.push(format!("{head}ing"));
        } else {
            heads.push(format!("{}ing", &head[..head.len() - 1]));
        }
    } else if last == b'y' && !is_vowel(before) {
        let stem = &head[..head.len() - 1];
        heads.push(format!("{stem}ies"));
        heads.push(format!("{stem}ied"));
        heads.push(format!("{head}ing"));
    } else {
        let s = if head.ends_with('s')
            || head.ends_with("sh")
            || head.ends_with("ch")
            || head.ends_with('x')
            || head.ends_with('z')
        {
            "es"
        } else {
            "s"
        };
        heads.push(format!("{head}{s}"));
        heads.push(format!("{head}ed"));
        heads.push(format!("{head}ing"));
    }
    heads.extend(extra.iter().map(|e| e.to_string()));
    let mut out: Vec<String> = heads.into_iter().map(|h| format!("{h}{rest}")).collect();
    out.sort();
    out.dedup();
    out
}

/// Singular and plural of a noun (the last word is pluralised).
pub fn noun_forms(phrase: &str) -> Vec<String> {
    let plural = if phrase.ends_with('s')
        || phrase.ends_with("sh")
        || phrase.ends_with("ch")
        || phrase.ends_with('x')
    {
        format!("{phrase}es")
    } else if phrase.ends_with('y') && !is_vowel(phrase.as_bytes()[phrase.len().saturating_sub(2)])
    {
        format!("{}ies", &phrase[..phrase.len() - 1])
    } else {
        format!("{phrase}s")
    };
    vec![phrase.to_string(), plural]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_inflections() {
        let f = verb_forms("agree", &[]);
        assert!(f.contains(&"agreed".to_string()) && f.contains(&"agreeing".to_string()));
        let f = verb_forms("deny", &[]);
        assert!(f.contains(&"denied".to_string()) && f.contains(&"denies".to_string()));
        let f = verb_forms("call for", &[]);
        assert!(f.contains(&"called for".to_string()));
        let f = verb_forms("meet", &["met"]);
        assert!(f.contains(&"met".to_string()));
        assert_eq!(noun_forms("talk"), vec!["talk", "talks"]);
        assert_eq!(noun_forms("embassy")[1], "embassies");
    }

    #[test]
    fn row_errors() {
        let bad = ["agree", "v", "AGREE", "030", "3", "4.0"];
        assert!(parse_row(&bad).unwrap_err().contains("QuadClass"));
        let bad = ["agree", "v", "AGREES", "030", "1", "4.0"];
        assert!(parse_row(&bad).unwrap_err().contains("PLOVER"));
    }

    #[test]
    fn shipped_lexicon_covers_every_type() {
        let body = include_str!("../../config/dictionaries/triggers.tsv");
        let mut seen = std::collections::BTreeSet::new();
        for line in body
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let (t, _) = parse_row(&cols).unwrap_or_else(|e| panic!("{line}: {e}"));
            seen.insert(t.plover);
        }
        assert_eq!(seen.len(), 16);
    }
}

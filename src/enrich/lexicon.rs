//! The compiled dictionaries: every name, role, place and trigger of `config/dictionaries/`
//! in one index of patterns filed under their first word, searched once per text.
//!
//! Each dictionary row becomes an [`Entry`]; every surface form of it (name, alias, demonym,
//! inflection) becomes a pattern. Patterns are ASCII-lower-cased and de-duplicated, so one
//! match yields all the entries sharing that surface form ("Deal" the town and
//! "deal" the trigger); [`Lexicon::scan`] then keeps the best entry whose case rule fits the
//! text. Parsing errors name the file and line. No I/O: files arrive as
//! [`DictionarySources`].

use std::collections::HashMap;

use super::text::non_ascii_class;
use super::triggers::{self, Trigger};
use super::wordindex::{WordHash, WordIndex};
use super::{DictionaryError, DictionarySources};

/// A country of `countries.tsv`.
#[derive(Debug, Clone)]
pub struct Country {
    /// ISO 3166-1 alpha-3 (or CAMEO-style non-ISO code such as XKX).
    pub iso3: String,
    /// Common English short name.
    pub name: String,
    /// Approximate centre.
    pub lat: Option<f64>,
    /// Approximate centre.
    pub lon: Option<f64>,
}

/// A named non-state or state actor with a fixed code (`groups.tsv`, `igos.tsv`, `metonyms.tsv`).
#[derive(Debug, Clone)]
pub struct NamedActor {
    /// Canonical name.
    pub name: String,
    /// CAMEO-style code (`IGOUNO`, `USAGOV`, `SYRREB`, ...).
    pub code: String,
    /// Country, when the actor belongs to one.
    pub country: Option<String>,
    /// Role code (GOV, MIL, REB, ...).
    pub role: Option<String>,
}

/// One dated office of a person (`people.tsv` row).
#[derive(Debug, Clone)]
pub struct Office {
    /// Country code of the office (empty for IGO officials).
    pub country: Option<String>,
    /// Role code (GOV, MIL, ...) or full IGO code (`IGOUNO`).
    pub role: Option<String>,
    /// First day, `YYYY-MM-DD` (padded), or empty when open.
    pub start: String,
    /// Last day, `YYYY-MM-DD` (padded), or empty when open.
    pub end: String,
}

/// A named person, with every office they held.
#[derive(Debug, Clone)]
pub struct Person {
    /// Canonical name.
    pub name: String,
    /// Offices, in file order.
    pub offices: Vec<Office>,
}

/// A gazetteer place (`places.tsv`).
#[derive(Debug, Clone)]
pub struct PlaceEntry {
    /// Gazetteer name.
    pub name: String,
    /// ISO alpha-3.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Population (0 when unknown), used to rank homonyms.
    pub population: u64,
}

/// What a dictionary surface form stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// Country name or alias: index into `countries`.
    Country(u32),
    /// Nationality adjective or people noun ("Qatari", "Russians").
    Demonym(u32),
    /// Capital or seat of government: a place, and a metonym for the government.
    Capital(u32),
    /// Group, IGO or metonym ("the White House"): index into `named`.
    Named(u32),
    /// Generic role phrase ("foreign minister"): index into `roles`.
    Role(u32),
    /// Named person: index into `people`.
    Person(u32),
    /// Gazetteer place: index into `places`.
    Place(u32),
    /// Event trigger: index into `triggers`.
    Trigger(u32),
}

impl EntryKind {
    /// Preference among entries sharing a surface form (lower wins).
    fn rank(self) -> u8 {
        match self {
            EntryKind::Person(_) => 0,
            EntryKind::Named(_) => 1,
            EntryKind::Country(_) => 2,
            EntryKind::Demonym(_) => 3,
            EntryKind::Capital(_) => 4,
            EntryKind::Role(_) => 5,
            EntryKind::Trigger(_) => 6,
            EntryKind::Place(_) => 7,
        }
    }
}

/// One surface form of an entry.
#[derive(Debug, Clone)]
struct Form {
    /// What it stands for.
    kind: EntryKind,
    /// `true` when the text must match the form's case exactly (proper names).
    exact: bool,
    /// The form as written in the dictionary (for the exact-case check).
    surface: Box<str>,
}

/// A generic role of `roles.tsv`.
#[derive(Debug, Clone)]
pub struct RoleEntry {
    /// Role code (GOV, MIL, REB, ...).
    pub role: String,
    /// Rank, higher is more senior (used to pick the head of a title).
    pub rank: u8,
    /// "counterpart": takes the role of the person it is compared with.
    pub counterpart: bool,
}

/// A dictionary match in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// The entry chosen.
    pub kind: EntryKind,
    /// Pattern id (to revisit the other entries of the same form, e.g. homonymous places).
    pub pattern: u32,
}

/// Every dictionary, compiled.
pub struct Lexicon {
    /// Countries.
    pub countries: Vec<Country>,
    /// Groups, IGOs, metonyms.
    pub named: Vec<NamedActor>,
    /// Roles.
    pub roles: Vec<RoleEntry>,
    /// People.
    pub people: Vec<Person>,
    /// Places.
    pub places: Vec<PlaceEntry>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// ISO3 -> country index.
    pub country_by_code: HashMap<String, u32>,
    /// Forms per pattern id.
    forms: Vec<Vec<Form>>,
    /// Every pattern filed under its first word.
    index: WordIndex,
}

/// Rows of a TSV dictionary: (1-based line number, columns). Comments and blank lines skipped.
fn rows(body: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    body.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            None
        } else {
            Some((i + 1, line.split('\t').map(str::trim).collect()))
        }
    })
}

/// Column `i`, or "" when the row is short.
fn col<'a>(cols: &[&'a str], i: usize) -> &'a str {
    cols.get(i).copied().unwrap_or("")
}

/// `|`-separated values of a column, empty ones dropped.
fn multi<'a>(cols: &[&'a str], i: usize) -> impl Iterator<Item = &'a str> {
    col(cols, i)
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn opt(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

/// Parse an optional float column, with a located error.
fn float(file: &str, line: usize, what: &str, s: &str) -> Result<Option<f64>, DictionaryError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>().map(Some).map_err(|_| DictionaryError {
        file: file.to_string(),
        line,
        message: format!("{what} is not a number: {s:?}"),
    })
}

/// Pad a date bound to `YYYY-MM-DD` (`2013` -> `2013-01-01` as a start, `2013-12-31` as an end).
fn pad_date(s: &str, end: bool) -> String {
    match s.len() {
        4 => format!("{s}{}", if end { "-12-31" } else { "-01-01" }),
        7 => format!("{s}{}", if end { "-31" } else { "-01" }),
        _ => s.chars().take(10).collect(),
    }
}

/// Accumulates forms, then compiles the index.
#[derive(Default)]
struct Builder {
    /// Lower-cased pattern -> id.
    ids: HashMap<String, u32>,
    /// Patterns in id order.
    patterns: Vec<String>,
    /// Forms per id.
    forms: Vec<Vec<Form>>,
}

impl Builder {
    fn add(&mut self, surface: &str, kind: EntryKind, exact: bool) {
        let surface = surface.trim();
        if surface.is_empty() {
            return;
        }
        let key = surface.to_ascii_lowercase();
        let id = match self.ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.patterns.len() as u32;
                self.ids.insert(key.clone(), id);
                self.patterns.push(key);
                self.forms.push(Vec::new());
                id
            }
        };
        let forms = &mut self.forms[id as usize];
        if !forms.iter().any(|f| f.kind == kind && f.exact == exact) {
            forms.push(Form {
                kind,
                exact,
                surface: surface.into(),
            });
        }
    }
}

/// Does a form written with only lower-case letters stand for a proper name? No: it matches in
/// any case. Forms with a capital must match exactly.
fn has_upper(s: &str) -> bool {
    s.chars().any(char::is_uppercase)
}

impl Lexicon {
    /// Parse and compile every dictionary present in `sources`. Missing files give an empty
    /// dictionary of that kind (the core still runs, with fewer actors or places).
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        let mut b = Builder::default();
        let mut lex = Lexicon {
            countries: Vec::new(),
            named: Vec::new(),
            roles: Vec::new(),
            people: Vec::new(),
            places: Vec::new(),
            triggers: Vec::new(),
            country_by_code: HashMap::new(),
            forms: Vec::new(),
            index: WordIndex::new(&[], &[]).expect("empty index"),
        };
        let err = |file: &str, line: usize, message: String| DictionaryError {
            file: file.to_string(),
            line,
            message,
        };

        let f = "dictionaries/countries.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let iso3 = col(&c, 0);
                let name = col(&c, 2);
                if iso3.len() != 3 || name.is_empty() {
                    return Err(err(f, line, "expected iso3 and name columns".into()));
                }
                let idx = lex.countries.len() as u32;
                lex.countries.push(Country {
                    iso3: iso3.to_string(),
                    name: name.to_string(),
                    lat: float(f, line, "lat", col(&c, 6))?,
                    lon: float(f, line, "lon", col(&c, 7))?,
                });
                lex.country_by_code.insert(iso3.to_string(), idx);
                b.add(name, EntryKind::Country(idx), true);
                for a in multi(&c, 3) {
                    b.add(a, EntryKind::Country(idx), true);
                }
                for d in multi(&c, 4) {
                    b.add(d, EntryKind::Demonym(idx), true);
                }
                for cap in multi(&c, 5) {
                    b.add(cap, EntryKind::Capital(idx), true);
                }
            }
        }

        let f = "dictionaries/igos.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let code = col(&c, 0);
                let name = col(&c, 1);
                if code.is_empty() || name.is_empty() {
                    return Err(err(f, line, "expected code and name columns".into()));
                }
                let idx = lex.named.len() as u32;
                lex.named.push(NamedActor {
                    name: name.to_string(),
                    code: code.to_string(),
                    country: None,
                    role: Some(code.to_string()),
                });
                b.add(name, EntryKind::Named(idx), true);
                for a in multi(&c, 2) {
                    b.add(a, EntryKind::Named(idx), true);
                }
            }
        }

        let f = "dictionaries/groups.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let name = col(&c, 0);
                let code = col(&c, 2);
                if name.is_empty() || code.is_empty() {
                    return Err(err(f, line, "expected name and code columns".into()));
                }
                let idx = lex.named.len() as u32;
                lex.named.push(NamedActor {
                    name: name.to_string(),
                    code: code.to_string(),
                    country: opt(col(&c, 3)),
                    role: opt(col(&c, 4)),
                });
                b.add(name, EntryKind::Named(idx), has_upper(name));
                for a in multi(&c, 1) {
                    b.add(a, EntryKind::Named(idx), has_upper(a));
                }
            }
        }

        let f = "dictionaries/metonyms.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let phrase = col(&c, 0);
                let code = col(&c, 1);
                if phrase.is_empty() || code.is_empty() {
                    return Err(err(f, line, "expected phrase and code columns".into()));
                }
                let idx = lex.named.len() as u32;
                lex.named.push(NamedActor {
                    name: phrase.trim_start_matches("the ").to_string(),
                    code: code.to_string(),
                    country: opt(col(&c, 2)),
                    role: opt(col(&c, 3)),
                });
                // "the White House": match without the article too; the article is not a name.
                let bare = phrase
                    .strip_prefix("the ")
                    .or_else(|| phrase.strip_prefix("The "))
                    .unwrap_or(phrase);
                b.add(bare, EntryKind::Named(idx), has_upper(bare));
            }
        }

        let f = "dictionaries/roles.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let phrase = col(&c, 0);
                let role = col(&c, 1);
                if phrase.is_empty() || role.is_empty() {
                    return Err(err(f, line, "expected phrase and role columns".into()));
                }
                let rank = match col(&c, 2) {
                    "" => 0,
                    r => r
                        .parse::<u8>()
                        .map_err(|_| err(f, line, format!("rank is not a small number: {r:?}")))?,
                };
                let idx = lex.roles.len() as u32;
                lex.roles.push(RoleEntry {
                    role: role.to_string(),
                    rank,
                    counterpart: phrase.contains("counterpart"),
                });
                b.add(phrase, EntryKind::Role(idx), false);
            }
        }

        let f = "dictionaries/people.tsv";
        if let Some(body) = sources.get(f) {
            let mut by_name: HashMap<String, u32> = HashMap::new();
            for (line, c) in rows(body) {
                let name = col(&c, 0);
                if name.is_empty() {
                    return Err(err(f, line, "expected a name".into()));
                }
                let office = Office {
                    country: opt(col(&c, 2)),
                    role: opt(col(&c, 3)),
                    start: pad_date(col(&c, 5), false),
                    end: pad_date(col(&c, 6), true),
                };
                let idx = match by_name.get(name) {
                    Some(&i) => i,
                    None => {
                        let i = lex.people.len() as u32;
                        lex.people.push(Person {
                            name: name.to_string(),
                            offices: Vec::new(),
                        });
                        by_name.insert(name.to_string(), i);
                        i
                    }
                };
                lex.people[idx as usize].offices.push(office);
                b.add(name, EntryKind::Person(idx), true);
                for a in multi(&c, 1) {
                    b.add(a, EntryKind::Person(idx), true);
                }
            }
        }

        let f = "dictionaries/places.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let name = col(&c, 0);
                if name.is_empty() {
                    return Err(err(f, line, "expected a name".into()));
                }
                let idx = lex.places.len() as u32;
                lex.places.push(PlaceEntry {
                    name: name.to_string(),
                    country: opt(col(&c, 2)),
                    lat: float(f, line, "lat", col(&c, 3))?,
                    lon: float(f, line, "lon", col(&c, 4))?,
                    population: col(&c, 5).parse().unwrap_or(0),
                });
                if name.chars().count() >= 3 {
                    b.add(name, EntryKind::Place(idx), true);
                }
                // Alternate names: short ones ("Doh", "Of") are noise in English text, and the
                // foreign-language variants of small towns are more often false hits than
                // real mentions; big cities and non-city places (regions, territories,
                // conflict sites) keep theirs ("Kiev", "Gaza Strip"). This also halves the
                // number of patterns.
                let population = lex.places[idx as usize].population;
                let kind = col(&c, 6);
                if population >= 300_000 || (!kind.is_empty() && kind != "city") {
                    for a in multi(&c, 1).filter(|a| a.chars().count() >= 4 && has_upper(a)) {
                        b.add(a, EntryKind::Place(idx), true);
                    }
                }
            }
        }

        let f = "dictionaries/triggers.tsv";
        if let Some(body) = sources.get(f) {
            for (line, c) in rows(body) {
                let (trigger, forms) = triggers::parse_row(&c).map_err(|m| err(f, line, m))?;
                let idx = lex.triggers.len() as u32;
                lex.triggers.push(trigger);
                for form in forms {
                    b.add(&form, EntryKind::Trigger(idx), false);
                }
            }
        }

        for forms in &mut b.forms {
            forms.sort_by_key(|f| f.kind.rank());
        }
        // Patterns that can match a word written in lower case (roles, triggers, lower-case
        // names such as "al-Nusra"): most lower-case words are then skipped at once.
        let lower_ok: Vec<bool> = b
            .forms
            .iter()
            .map(|forms| {
                forms.iter().any(|f| {
                    !f.exact || f.surface.chars().next().is_some_and(|c| !c.is_uppercase())
                })
            })
            .collect();
        lex.index =
            WordIndex::new(&b.patterns, &lower_ok).map_err(|e| err("dictionaries", 0, e))?;
        lex.forms = b.forms;
        Ok(lex)
    }

    /// All entries sharing the surface form of pattern `id`, best first.
    pub fn kinds_of(&self, pattern: u32) -> impl Iterator<Item = EntryKind> + '_ {
        self.forms[pattern as usize].iter().map(|f| f.kind)
    }

    /// Every dictionary hit in `text`, left to right, non-overlapping, longest first, on word
    /// boundaries, case rules applied. Each word is read once: its hash finds the patterns
    /// that begin with it (see `wordindex`), and only those are compared with the text.
    pub fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut skip_until = 0;
        let mut i = 0;
        while i < n {
            // To the next word start.
            let b = bytes[i];
            if FOLDED[usize::from(b)] == 0 {
                if b.is_ascii() {
                    i += 1;
                    continue;
                }
                let (alnum, width) = non_ascii_class(text, i);
                if !alnum {
                    i += width;
                    continue;
                }
            }
            // Read the word, hashing it: ASCII letters and digits with one table look-up
            // each, a non-ASCII letter or digit by decoding it.
            let start = i;
            let mut h = WordHash::new();
            loop {
                while let Some(&b) = bytes.get(i) {
                    let folded = FOLDED[usize::from(b)];
                    if folded == 0 {
                        break;
                    }
                    h.push_folded(folded);
                    i += 1;
                }
                match bytes.get(i) {
                    Some(b) if !b.is_ascii() => {
                        let (alnum, width) = non_ascii_class(text, i);
                        if !alnum {
                            break;
                        }
                        for &x in &bytes[i..i + width] {
                            h.push(x);
                        }
                        i += width;
                    }
                    _ => break,
                }
            }
            if start < skip_until {
                continue;
            }
            if let Some(hit) = self.longest_hit_at(text, start, h) {
                skip_until = hit.end;
                out.push(hit);
            }
        }
    }

    /// The longest dictionary hit starting at the word at `start`, whose hash is `h`: it
    /// must end on a word boundary, and a pattern filed as exact must match the text's case.
    fn longest_hit_at(&self, text: &str, start: usize, h: WordHash) -> Option<Hit> {
        let lower = text.as_bytes()[start].is_ascii_lowercase();
        let (pattern, end) = self.index.longest_at(text, start, h, lower)?;
        if !boundary_after(text, end) {
            return None;
        }
        let matched = &text[start..end];
        let kind = self.forms[pattern as usize]
            .iter()
            .find(|f| !f.exact || &*f.surface == matched)?
            .kind;
        Some(Hit {
            start,
            end,
            kind,
            pattern,
        })
    }
}

/// The ASCII-lower-cased byte of every ASCII letter or digit, 0 for every other byte: one
/// look-up both ends a word and gives the byte its hash takes.
const FOLDED: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let x = b as u8;
        if x.is_ascii_alphanumeric() {
            t[b] = x.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Is there a word boundary at byte `i` (the end of a match)?
fn boundary_after(text: &str, i: usize) -> bool {
    text[i..]
        .chars()
        .next()
        .map_or(true, |c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> DictionarySources {
        let mut s = DictionarySources::default();
        for (n, b) in files {
            s.files.insert((*n).to_string(), (*b).to_string());
        }
        s
    }

    #[test]
    fn bad_row_names_file_and_line() {
        let s = sources(&[(
            "dictionaries/countries.tsv",
            "# header\nUSA\tUS\tUnited States\t\t\t\t37\t-95\nXX\n",
        )]);
        let e = Lexicon::new(&s).err().expect("error");
        assert_eq!(e.file, "dictionaries/countries.tsv");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn case_and_boundaries() {
        let s = sources(&[
            (
                "dictionaries/countries.tsv",
                "MLI\tML\tMali\t\tMalian\tBamako\t1\t1\nUSA\tUS\tUnited States\tUS|U.S.\tAmerican\tWashington\t1\t1\n",
            ),
            (
                "dictionaries/triggers.tsv",
                "deal\tn\tAGREE\t030\t1\t4.0\t\t\n",
            ),
            (
                "dictionaries/places.tsv",
                "Deal\t\tGBR\t51\t1\t30000\tcity\n",
            ),
        ]);
        let lex = Lexicon::new(&s).unwrap();
        let mut hits = Vec::new();
        lex.scan("Malik told us the U.S. deal with Mali. Deal", &mut hits);
        let kinds: Vec<_> = hits.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EntryKind::Country(1),
                EntryKind::Trigger(0),
                EntryKind::Country(0),
                EntryKind::Trigger(0),
            ]
        );
    }

    /// [`Lexicon::scan`] before the byte table (each byte tested for ASCII, letter and digit,
    /// and lower-cased for the hash), kept as its reference.
    fn scan_reference(lex: &Lexicon, text: &str, out: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut skip_until = 0;
        let mut i = 0;
        while i < n {
            // To the next word start.
            let b = bytes[i];
            if b.is_ascii() {
                if !b.is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
            } else {
                let c = text[i..].chars().next().expect("char boundary");
                if !c.is_alphanumeric() {
                    i += c.len_utf8();
                    continue;
                }
            }
            // Read the word, hashing it.
            let start = i;
            let mut h = WordHash::new();
            while i < n {
                let b = bytes[i];
                if b.is_ascii() {
                    if !b.is_ascii_alphanumeric() {
                        break;
                    }
                    h.push(b);
                    i += 1;
                } else {
                    let c = text[i..].chars().next().expect("char boundary");
                    if !c.is_alphanumeric() {
                        break;
                    }
                    for &x in &bytes[i..i + c.len_utf8()] {
                        h.push(x);
                    }
                    i += c.len_utf8();
                }
            }
            if start < skip_until {
                continue;
            }
            if let Some(hit) = lex.longest_hit_at(text, start, h) {
                skip_until = hit.end;
                out.push(hit);
            }
        }
    }

    /// The compiled dictionaries of the repository, built once for the tests that need them.
    fn embedded_lexicon() -> &'static Lexicon {
        static LEXICON: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        LEXICON.get_or_init(|| {
            Lexicon::new(&crate::dictionaries::embedded()).expect("embedded dictionaries")
        })
    }

    /// Words that start dictionary patterns (crowded first words, names with non-ASCII
    /// letters, multi-word names, triggers), and words and marks around them.
    const VOCABULARY: &[&str] = &[
        "the",
        "The",
        "White",
        "House",
        "al",
        "Al",
        "-",
        "Nusra",
        "Qaeda",
        "san",
        "San",
        "Saint",
        "new",
        "New",
        "York",
        "Delhi",
        "United",
        "States",
        "Nations",
        "U.S.",
        "US",
        "foreign",
        "minister",
        "Foreign",
        "Minister",
        "talks",
        "met",
        "Deal",
        "deal",
        "Séléka",
        "Seleka",
        "FPÖ",
        "Aībak",
        "Asadābād",
        "Les",
        "Républicains",
        "’s",
        "'s",
        "Kremlin",
        "Hague",
        "Geneva",
        "Paris",
        "Mali",
        "Malian",
        "of",
        "and",
        "said",
        "ceasefire",
        "troops",
        "rebels",
        "Syrian",
        "Russia",
        "Russian",
        "el",
        "El",
        "Salvador",
        "Abu",
        "Dhabi",
    ];

    /// Text made of vocabulary words, random strings (non-ASCII letters, digits, marks) and
    /// separators.
    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            4 => proptest::sample::select(VOCABULARY).prop_map(str::to_string),
            1 => "[a-zA-Z0-9éÖā北’'.,-]{1,8}",
        ];
        let separator = prop_oneof![
            Just(" "),
            Just("-"),
            Just(", "),
            Just(". "),
            Just("\n"),
            Just(""),
            Just("’"),
            Just(" — "),
        ];
        proptest::collection::vec((piece, separator), 0..24).prop_map(|parts| {
            parts.into_iter().fold(String::new(), |mut t, (w, sep)| {
                t.push_str(&w);
                t.push_str(sep);
                t
            })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn scan_agrees_with_the_reference(t in text()) {
            let lex = embedded_lexicon();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            lex.scan(&t, &mut a);
            scan_reference(lex, &t, &mut b);
            proptest::prop_assert_eq!(a, b);
        }
    }
}

//! Actors and places of one article: the registry that gives every mention an identity
//! (name, CAMEO-style code, country, role) and remembers names for later short mentions
//! ("Kerry") and pronouns ("he said").

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::lexicon::{EntryKind, Lexicon};

/// FNV-1a: the registry's maps are small, per article, keyed by short strings; a simple
/// hasher is much cheaper than SipHash here and no input can be adversarial within one article.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A hash map with the FNV hasher.
pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One actor of the article.
#[derive(Debug, Clone)]
pub struct ActorRec {
    /// Canonical name.
    pub name: String,
    /// CAMEO-style code.
    pub code: String,
    /// ISO alpha-3.
    pub country: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// A person (for pronouns and short mentions).
    pub person: bool,
    /// Byte spans of mentions in the body.
    pub body: Vec<(usize, usize)>,
    /// Byte spans of mentions in the headline.
    pub headline: Vec<(usize, usize)>,
}

/// One place of the article.
#[derive(Debug, Clone)]
pub struct PlaceRec {
    /// Gazetteer name.
    pub name: String,
    /// ISO alpha-3.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Byte spans in the body.
    pub body: Vec<(usize, usize)>,
    /// Byte spans in the headline.
    pub headline: Vec<(usize, usize)>,
}

/// What an actor phrase was built from, before it gets an identity.
#[derive(Debug, Default, Clone)]
pub struct Parts {
    /// Country index (from a country name, demonym or capital).
    pub country: Option<u32>,
    /// Named actor (group, IGO, metonym).
    pub named: Option<u32>,
    /// Role entry with the highest rank.
    pub role: Option<u32>,
    /// Dictionary person.
    pub person: Option<u32>,
    /// Name written after a title but not in the dictionary ("Pierre Joxe").
    pub unknown_name: Option<(usize, usize)>,
    /// The phrase contained a "counterpart" role.
    pub counterpart: bool,
    /// The country came from a capital used as a metonym ("Moscow said"): the government.
    pub capital: bool,
}

/// The article's actors and places.
pub struct Registry<'l> {
    /// Dictionaries.
    pub lex: &'l Lexicon,
    /// `YYYY-MM-DD` of publication, for dated offices.
    pub date: Option<String>,
    /// Actors in order of first mention.
    pub actors: Vec<ActorRec>,
    /// Hash of (parts, words, fallback country) -> actor, so repeated mentions skip resolution.
    cache: FnvMap<u64, usize>,
    /// Surname or full name -> actor, for later short mentions.
    pub short: FnvMap<String, usize>,
    /// The person mentioned last (for "he said").
    pub last_person: Option<usize>,
    /// The person who spoke last ("X said"), for a later "he said".
    pub last_speaker: Option<usize>,
    /// Places in order of first mention.
    pub places: Vec<PlaceRec>,
    /// Gazetteer entry -> place.
    place_key: FnvMap<EntryKind, usize>,
    /// Countries named anywhere in the article (to choose between homonymous places).
    pub article_countries: Vec<String>,
}

impl<'l> Registry<'l> {
    /// An empty registry for an article published on `date`.
    pub fn new(lex: &'l Lexicon, date: Option<String>) -> Self {
        Registry {
            lex,
            date,
            actors: Vec::new(),
            cache: FnvMap::default(),
            short: FnvMap::default(),
            last_person: None,
            last_speaker: None,
            places: Vec::new(),
            place_key: FnvMap::default(),
            article_countries: Vec::new(),
        }
    }

    /// Give the actor phrase `parts` (written as `text`) an identity and record the mention.
    /// `fallback_country`: country for a bare role ("the government") taken from the places of
    /// the sentence.
    pub fn resolve(
        &mut self,
        parts: &Parts,
        text: &str,
        whole: &str,
        span: (usize, usize),
        headline: bool,
        fallback_country: Option<&str>,
    ) -> usize {
        // The identity is a function of the parts, the words and the fallback country (the
        // date is fixed per article): seen before, it is looked up without building strings.
        // Counterparts depend on who was named before, so they are always resolved.
        let cache_key = (!parts.counterpart).then(|| {
            let mut h = Fnv::default();
            for x in [parts.country, parts.named, parts.role, parts.person] {
                h.write(&x.map_or(u32::MAX, |v| v).to_le_bytes());
            }
            h.write(&[u8::from(parts.capital)]);
            if let Some((s, e)) = parts.unknown_name {
                h.write(&whole.as_bytes()[s..e]);
            }
            h.write(&[0xff]);
            h.write(text.as_bytes());
            h.write(&[0xff]);
            h.write(fallback_country.unwrap_or("").as_bytes());
            h.finish()
        });
        if let Some(id) = cache_key.and_then(|k| self.cache.get(&k).copied()) {
            self.mention(id, span, headline);
            return id;
        }
        let id = self.resolve_new(parts, text, whole, fallback_country);
        if let Some(k) = cache_key {
            self.cache.insert(k, id);
        }
        self.mention(id, span, headline);
        id
    }

    /// Build the identity of an actor phrase and find or create its registry entry.
    ///
    /// The identity is assembled from borrowed pieces (dictionary strings, the article's text)
    /// and compared with the actors already known in place: most phrases name an actor seen
    /// before, so strings are only copied when a new actor is created.
    fn resolve_new(
        &mut self,
        parts: &Parts,
        text: &str,
        whole: &str,
        fallback_country: Option<&str>,
    ) -> usize {
        let lex = self.lex;
        let country = parts
            .country
            .map(|c| lex.countries[c as usize].iso3.as_str());
        // A counterpart takes the role of the person named last. It is copied because the
        // registry may grow below; counterparts are rare.
        let counterpart_role = if parts.counterpart {
            self.last_person.and_then(|p| self.actors[p].role.clone())
        } else {
            None
        };
        let mut role = parts.role.map(|r| lex.roles[r as usize].role.as_str());
        if parts.capital && role.is_none() {
            role = Some("GOV");
        }
        if parts.counterpart {
            role = counterpart_role.as_deref().or(Some("GOV"));
        }
        let (name, code, country, role, person) = if let Some(p) = parts.person {
            let pe = &lex.people[p as usize];
            let office = pe
                .offices
                .iter()
                .find(|o| self.date.as_deref().is_some_and(|d| in_office(o, d)))
                .or_else(|| {
                    if self.date.is_none() {
                        pe.offices.iter().find(|o| o.end.is_empty())
                    } else {
                        None
                    }
                });
            match office {
                Some(o) => {
                    let role = o.role.as_deref();
                    let c = o.country.as_deref();
                    (pe.name.as_str(), code_parts(c, role), c, role, true)
                }
                None => {
                    // Out of office on the article's date: a title written in the text still
                    // counts ("Foreign Minister X"); otherwise the person's country only.
                    let c =
                        country.or_else(|| pe.offices.first().and_then(|o| o.country.as_deref()));
                    (pe.name.as_str(), code_parts(c, role), c, role, true)
                }
            }
        } else if let Some(n) = parts.named {
            let na = &lex.named[n as usize];
            (
                na.name.as_str(),
                (na.code.as_str(), ""),
                na.country.as_deref(),
                na.role.as_deref(),
                false,
            )
        } else {
            let country = country.or_else(|| {
                if role.is_some() {
                    fallback_country
                } else {
                    None
                }
            });
            let name = match (parts.unknown_name, parts.country, role) {
                (Some((s, e)), _, _) => &whole[s..e],
                (None, Some(c), None) => lex.countries[c as usize].name.as_str(),
                _ => text.trim_start_matches("the "),
            };
            let code = code_parts(country, role);
            (name, code, country, role, parts.unknown_name.is_some())
        };
        // An actor is identified by its code and its name ignoring case. An article has few
        // actors, so a scan is cheaper than a map whose keys would have to be copied.
        let known = self
            .actors
            .iter()
            .position(|a| code_is(&a.code, code) && same_name(&a.name, name));
        if let Some(id) = known {
            return id;
        }
        let id = self.actors.len();
        self.actors.push(ActorRec {
            name: name.to_string(),
            code: [code.0, code.1].concat(),
            country: country.map(str::to_string),
            role: role.map(str::to_string),
            person,
            body: Vec::new(),
            headline: Vec::new(),
        });
        if person {
            if let Some(last) = name.rsplit([' ', '-']).next() {
                if last.len() > 2 && !self.short.contains_key(last) {
                    self.short.insert(last.to_string(), id);
                }
            }
            if !self.short.contains_key(name) {
                self.short.insert(name.to_string(), id);
            }
        }
        id
    }

    /// Record one more mention of an existing actor.
    pub fn mention(&mut self, id: usize, span: (usize, usize), headline: bool) {
        let a = &mut self.actors[id];
        let list = if headline {
            &mut a.headline
        } else {
            &mut a.body
        };
        if !list.contains(&span) {
            list.push(span);
        }
        if a.person {
            self.last_person = Some(id);
        }
    }

    /// Choose the gazetteer reading of a place hit and record the mention; returns the place.
    pub fn place(
        &mut self,
        pattern: u32,
        surface: &str,
        span: (usize, usize),
        headline: bool,
        sentence_countries: &[&str],
    ) -> Option<usize> {
        let lex = self.lex;
        let mut best: Option<(i64, EntryKind)> = None;
        for kind in lex.kinds_of(pattern) {
            let (country, bonus) = match kind {
                EntryKind::Place(i) => {
                    let p = &lex.places[i as usize];
                    (
                        p.country.as_deref(),
                        (p.population as f64 + 1.0).log10() as i64,
                    )
                }
                // A capital without its own gazetteer row: placed at the country's centre.
                EntryKind::Capital(i) => (Some(lex.countries[i as usize].iso3.as_str()), -5),
                EntryKind::Country(i) => (Some(lex.countries[i as usize].iso3.as_str()), 20),
                _ => continue,
            };
            // Big places are the likely reading; a country named in the sentence or already a
            // place of the article tips the balance.
            let in_sentence = country.is_some_and(|c| sentence_countries.contains(&c));
            let in_article = country.is_some_and(|c| {
                self.places.iter().any(|p| p.country.as_deref() == Some(c))
                    || self.article_countries.iter().any(|s| s == c)
            });
            let score =
                bonus * 2 + if in_sentence { 4 } else { 0 } + if in_article { 1 } else { 0 };
            if best.map_or(true, |(s, _)| score > s) {
                best = Some((score, kind));
            }
        }
        let (_, kind) = best?;
        let id = match self.place_key.get(&kind) {
            Some(&id) => id,
            None => {
                let rec = match kind {
                    EntryKind::Place(i) => {
                        let p = &lex.places[i as usize];
                        PlaceRec {
                            name: p.name.clone(),
                            country: p.country.clone(),
                            lat: p.lat,
                            lon: p.lon,
                            body: Vec::new(),
                            headline: Vec::new(),
                        }
                    }
                    EntryKind::Capital(i) | EntryKind::Country(i) => {
                        let c = &lex.countries[i as usize];
                        PlaceRec {
                            name: if matches!(kind, EntryKind::Capital(_)) {
                                surface.to_string()
                            } else {
                                c.name.clone()
                            },
                            country: Some(c.iso3.clone()),
                            lat: c.lat,
                            lon: c.lon,
                            body: Vec::new(),
                            headline: Vec::new(),
                        }
                    }
                    _ => unreachable!("only place kinds are scored"),
                };
                self.places.push(rec);
                self.place_key.insert(kind, self.places.len() - 1);
                self.places.len() - 1
            }
        };
        let p = &mut self.places[id];
        let list = if headline {
            &mut p.headline
        } else {
            &mut p.body
        };
        if !list.contains(&span) {
            list.push(span);
        }
        Some(id)
    }
}

impl Registry<'_> {
    /// The country with the most place mentions so far (for bare roles: "the government").
    pub fn main_place_country(&self) -> Option<String> {
        let mut best: Option<(&str, usize)> = None;
        for p in &self.places {
            if let Some(c) = &p.country {
                let count: usize = self
                    .places
                    .iter()
                    .filter(|q| q.country.as_ref() == Some(c))
                    .map(|q| q.body.len() + q.headline.len())
                    .sum();
                if best.map_or(true, |(_, b)| count > b) {
                    best = Some((c, count));
                }
            }
        }
        best.map(|(c, _)| c.to_string())
    }
}

/// Is `date` (YYYY-MM-DD) inside the office's dates?
fn in_office(o: &super::lexicon::Office, date: &str) -> bool {
    (o.start.is_empty() || o.start.as_str() <= date) && (o.end.is_empty() || date <= o.end.as_str())
}

/// CAMEO-style code from country and role: `USA`+`GOV` -> `USAGOV`; an IGO role code is the
/// whole code (`IGOUNO`).
pub fn code_of(country: Option<&str>, role: Option<&str>) -> String {
    let (a, b) = code_parts(country, role);
    [a, b].concat()
}

/// The two pieces whose concatenation is [`code_of`], so that a code can be compared with
/// the registry's codes without building it.
fn code_parts<'a>(country: Option<&'a str>, role: Option<&'a str>) -> (&'a str, &'a str) {
    match (country, role) {
        (_, Some(r)) if r.starts_with("IGO") || r.len() > 3 && country.is_none() => (r, ""),
        (Some(c), Some(r)) => (c, r),
        (Some(c), None) => (c, ""),
        (None, Some(r)) => (r, ""),
        (None, None) => ("", ""),
    }
}

/// Is `code` the concatenation of the two pieces?
fn code_is(code: &str, (a, b): (&str, &str)) -> bool {
    code.len() == a.len() + b.len() && code.starts_with(a) && code.ends_with(b)
}

/// Do two names match ignoring case, exactly as comparing their `to_lowercase` copies would?
/// ASCII names (nearly all) are compared in place. Other names are lower-cased as before:
/// Unicode lower-casing can change lengths and even turn a non-ASCII letter into an ASCII
/// one (the Kelvin sign), so no cheaper test is exactly equivalent.
fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(code_of(Some("USA"), Some("GOV")), "USAGOV");
        assert_eq!(code_of(None, Some("IGOUNO")), "IGOUNO");
        assert_eq!(code_of(Some("SYR"), None), "SYR");
        assert_eq!(code_of(None, Some("REB")), "REB");
        assert_eq!(code_of(None, None), "");
        assert!(code_is("USAGOV", code_parts(Some("USA"), Some("GOV"))));
        assert!(!code_is("USAGOV", code_parts(Some("USA"), None)));
        assert!(!code_is("USAREB", code_parts(Some("USA"), Some("GOV"))));
    }

    #[test]
    fn names_match_as_lower_case_copies() {
        for (a, b) in [
            ("John Kerry", "john KERRY"),
            ("John Kerry", "John Kerr"),
            ("Ölaf", "ölaf"),
            ("\u{212A}im", "kim"),
            ("Straße", "STRASSE"),
            ("ΟΔΟΣ", "οδος"),
            ("", ""),
        ] {
            assert_eq!(
                same_name(a, b),
                a.to_lowercase() == b.to_lowercase(),
                "{a} / {b}"
            );
        }
    }
}

//! One sentence, annotated: tokens (dictionary hits and plain words), actor mentions, places,
//! time expressions and quantities. Built in one left-to-right pass over the hits of the
//! automaton; the event assembler ([`super::events`]) reads it.

use super::actors::{Parts, Registry};
use super::lexicon::{EntryKind, Hit, Lexicon};
use super::quantity;
use super::text::{self, Sentence};
use super::time::{self, TimeExpr};

/// A token: a dictionary hit or a plain word.
#[derive(Debug, Clone, Copy)]
pub struct Tok<'a> {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// The text.
    pub text: &'a str,
    /// Dictionary entry and pattern, for hits.
    pub entry: Option<(EntryKind, u32)>,
}

/// A closed list of lower-case words (prepositions, pronouns, reporting verbs...) with a
/// 256-bit signature of their lengths and first letters, so that testing a token against
/// the list mostly costs one bit test instead of a comparison per word.
#[derive(Clone, Copy)]
pub struct Words {
    /// The words.
    pub list: &'static [&'static str],
    /// Bit [`Words::bit`] of every word.
    signature: [u64; 4],
}

impl Words {
    /// The list and its signature (computed at compile time for constants).
    pub const fn new(list: &'static [&'static str]) -> Self {
        let mut signature = [0u64; 4];
        let mut i = 0;
        while i < list.len() {
            let w = list[i].as_bytes();
            let b = Self::bit(w.len(), if w.is_empty() { 0 } else { w[0] });
            signature[b / 64] |= 1 << (b % 64);
            i += 1;
        }
        Words { list, signature }
    }

    /// Signature bit of a word of `len` bytes starting with byte `first` (ASCII case
    /// folded).
    const fn bit(len: usize, first: u8) -> usize {
        (len.wrapping_mul(37)
            .wrapping_add(first.to_ascii_lowercase() as usize))
            & 255
    }

    /// Could `word` (any case) be in the list?
    #[inline]
    pub fn may_contain(&self, word: &str) -> bool {
        let first = word.as_bytes().first().copied().unwrap_or(0);
        let b = Self::bit(word.len(), first);
        self.signature[b / 64] & (1 << (b % 64)) != 0
    }
}

impl Tok<'_> {
    /// Case-insensitive comparison with a lower-case word.
    pub fn is(&self, w: &str) -> bool {
        self.text.eq_ignore_ascii_case(w)
    }

    /// Is it one of these lower-case words?
    pub fn is_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.is(w))
    }

    /// Is it one of the words of a closed list? Most words are ruled out by one bit test.
    #[inline]
    pub fn is_in(&self, ws: &Words) -> bool {
        ws.may_contain(self.text) && self.is_any(ws.list)
    }

    /// Is it a reporting verb ("said", "told", "according")?
    pub fn is_reporting(&self) -> bool {
        self.is_in(&REPORTING)
    }

    /// The trigger index, for trigger hits.
    pub fn trigger(&self) -> Option<u32> {
        match self.entry {
            Some((EntryKind::Trigger(t), _)) => Some(t),
            _ => None,
        }
    }
}

/// An actor mention: tokens `[first, last)` resolved to a registry actor.
#[derive(Debug, Clone, Copy)]
pub struct ActorMention {
    /// First token.
    pub first: usize,
    /// One past the last token.
    pub last: usize,
    /// Registry index.
    pub actor: usize,
    /// A role without country, name or organisation ("troops", "the government").
    pub bare_role: bool,
    /// Part of a hyphenated modifier ("NATO-member", "US-proposed").
    pub modifier: bool,
    /// Preceded by a possessive determiner ("its troops"): belongs to someone already named.
    pub owned: bool,
    /// A country named as a place ("in Montenegro"): a target only when nothing else is.
    pub locative: bool,
}

/// A place mention.
#[derive(Debug, Clone, Copy)]
pub struct PlaceMention {
    /// Token index.
    pub tok: usize,
    /// Registry index.
    pub place: usize,
}

/// A time expression.
#[derive(Debug, Clone, Copy)]
pub struct TimeMention {
    /// First token.
    pub first: usize,
    /// One past the last token.
    pub last: usize,
    /// What it says.
    pub expr: TimeExpr,
}

/// A quantity.
#[derive(Debug, Clone)]
pub struct QuantityMention {
    /// First token.
    pub first: usize,
    /// One past the last token.
    pub last: usize,
    /// Byte span.
    pub span: (usize, usize),
    /// Value and unit.
    pub q: quantity::Found,
}

/// Words that introduce reported speech.
pub const REPORTING: Words = Words::new(&[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "stated",
    "states",
    "added",
    "announced",
    "reported",
    "claimed",
    "claims",
    "maintains",
    "maintained",
    "touted",
    "noted",
    "explained",
    "stressed",
    "confirmed",
    "according",
]);

/// Prepositions after which a country or capital is a place, not an acting party.
pub const LOCATIVE: &[&str] = &[
    "in",
    "at",
    "near",
    "inside",
    "outside",
    "across",
    "throughout",
    "into",
    "from",
    "around",
];

/// Name particles inside personal names ("Khalid bin Mohammad", "Staffan de Mistura").
const PARTICLES: Words = Words::new(&[
    "bin", "ibn", "al", "el", "de", "da", "di", "du", "van", "von", "der", "la", "le", "abu",
]);

/// Words that are capitalised but never part of a name after a title.
const NOT_NAMES: Words = Words::new(&[
    "on", "in", "at", "the", "said", "says", "told", "and", "but", "of", "for", "to", "with",
]);

/// An annotated sentence.
pub struct View<'a> {
    /// The whole text (headline or body).
    pub text: &'a str,
    /// Sentence span.
    pub span: Sentence,
    /// Index of the sentence in its text.
    pub index: usize,
    /// In the headline?
    pub headline: bool,
    /// Tokens.
    pub toks: Vec<Tok<'a>>,
    /// Actor mentions, in order.
    pub actors: Vec<ActorMention>,
    /// Places.
    pub places: Vec<PlaceMention>,
    /// Time expressions.
    pub times: Vec<TimeMention>,
    /// Quantities.
    pub quantities: Vec<QuantityMention>,
    /// Quoted passages (byte spans) overlapping the sentence.
    pub quotes: Vec<(usize, usize)>,
}

impl<'a> View<'a> {
    /// The text between token `i-1` and token `i` (punctuation and spaces).
    pub fn gap_before(&self, i: usize) -> &'a str {
        let from = if i == 0 {
            self.span.start
        } else {
            self.toks[i - 1].end
        };
        &self.text[from..self.toks[i].start.max(from)]
    }

    /// Is a possessive `'s` written right after token `i`?
    pub fn possessive(&self, i: usize) -> bool {
        let t = &self.toks[i];
        let after = &self.text[t.end..];
        after.starts_with("'s")
            || after.starts_with("’s")
            || t.text.ends_with("'s")
            || t.text.ends_with("’s")
    }

    /// The actor mention covering token `i`.
    pub fn actor_at(&self, i: usize) -> Option<&ActorMention> {
        self.actors.iter().find(|m| m.first <= i && i < m.last)
    }

    /// Is token `i` inside a quotation?
    pub fn quoted(&self, i: usize) -> bool {
        let s = self.toks[i].start;
        self.quotes.iter().any(|(a, b)| *a <= s && s < *b)
    }

    /// The lower-case preposition governing a mention starting at token `first` ("in", "with"),
    /// skipping a determiner.
    pub fn governor(&self, first: usize) -> Option<&'a str> {
        let mut i = first;
        while i > 0 {
            i -= 1;
            let t = &self.toks[i];
            if t.is_any(&["the", "a", "an", "his", "her", "its", "their", "our"]) {
                continue;
            }
            // "Saddam Hussein's Ba'ath Party": a possessor passes its preposition on.
            if let Some(m) = self.actor_at(i) {
                if m.last == i + 1 && self.possessive(i) {
                    i = m.first;
                    continue;
                }
            }
            // "to the United States and Israel": so does the first of a coordination.
            if t.is_any(&["and", "or"]) && i > 0 {
                if let Some(m) = self.actor_at(i - 1) {
                    i = m.first;
                    continue;
                }
            }
            if t.entry.is_none()
                && t.text.chars().all(|c| c.is_ascii_lowercase())
                && !self.gap_before(i + 1).contains([',', ';', ':'])
                && is_preposition(t.text)
            {
                return Some(t.text);
            }
            return None;
        }
        None
    }
}

/// Short list of prepositions.
pub const PREPOSITIONS: Words = Words::new(&[
    "in",
    "at",
    "near",
    "inside",
    "outside",
    "across",
    "throughout",
    "into",
    "from",
    "to",
    "with",
    "against",
    "on",
    "of",
    "for",
    "by",
    "about",
    "over",
    "under",
    "toward",
    "towards",
    "between",
    "among",
    "upon",
    "after",
    "before",
    "during",
    "around",
    "like",
    "than",
]);

/// Is `w` (lower-case) a preposition?
pub fn is_preposition(w: &str) -> bool {
    PREPOSITIONS.may_contain(w) && PREPOSITIONS.list.contains(&w)
}

/// Build the tokens of a sentence from the automaton hits and the words between them.
pub fn tokens<'a>(text: &'a str, s: Sentence, hits: &[Hit], out: &mut Vec<Tok<'a>>) {
    let mut pos = s.start;
    for h in hits.iter().filter(|h| h.start >= s.start && h.end <= s.end) {
        if h.start > pos {
            push_words(text, pos, h.start, out);
        }
        out.push(Tok {
            start: h.start,
            end: h.end,
            text: &text[h.start..h.end],
            entry: Some((h.kind, h.pattern)),
        });
        pos = h.end;
    }
    if pos < s.end {
        push_words(text, pos, s.end, out);
    }
}

/// The words of `text[start..end]` as plain tokens; the `s` of a possessive written after a
/// name ("Iran’s") is not a word.
fn push_words<'a>(text: &'a str, start: usize, end: usize, out: &mut Vec<Tok<'a>>) {
    text::for_each_word(text, start, end, |s, e| {
        let w = &text[s..e];
        if w == "s" && (text[..s].ends_with('\'') || text[..s].ends_with('’')) {
            return;
        }
        out.push(Tok {
            start: s,
            end: e,
            text: w,
            entry: None,
        });
    });
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Strip a possessive ending.
fn bare(mut w: &str) -> &str {
    while let Some(x) = w.strip_suffix("'s") {
        w = x;
    }
    while let Some(x) = w.strip_suffix("’s") {
        w = x;
    }
    w
}

/// Could a capital at token `i` be acting (a metonym, "Moscow said") rather than a place?
fn capital_acts(v: &View<'_>, i: usize) -> bool {
    let next = v.toks.get(i + 1);
    let gov = v.governor(i);
    if gov.is_some_and(|g| LOCATIVE.contains(&g) || g == "of") {
        return false;
    }
    if gov.is_some_and(|g| matches!(g, "with" | "to" | "against" | "between" | "by")) {
        return true;
    }
    let verbish = |n: &Tok<'_>| {
        n.trigger().is_some()
            || n.is_reporting()
            || n.is_any(&["has", "have", "had", "is", "was", "would", "will", "and"])
    };
    v.possessive(i)
        || next.is_some_and(verbish)
        || next.is_some_and(|n| n.text.ends_with("ly") || n.is_any(&["again", "also", "now"]))
            && v.toks.get(i + 2).is_some_and(verbish)
}

/// Buffers [`annotate`] reuses from one sentence of a text to the next.
#[derive(Default)]
pub struct Scratch<'a> {
    /// Word texts for the time and quantity readers.
    word_texts: Vec<&'a str>,
    /// Tokens inside a time expression.
    is_time: Vec<bool>,
    /// Tokens read as places.
    is_place_tok: Vec<bool>,
}

/// Annotate a sentence: actor mentions (titles, nationality adjectives, appositions, short
/// names), places, times, quantities. Mentions are recorded in the registry.
#[allow(clippy::too_many_arguments)]
pub fn annotate<'a>(
    lex: &Lexicon,
    reg: &mut Registry<'_>,
    text: &'a str,
    span: Sentence,
    index: usize,
    headline: bool,
    hits: &[Hit],
    quotes: &[(usize, usize)],
    scratch: &mut Scratch<'a>,
) -> View<'a> {
    let mut toks = Vec::with_capacity((span.end - span.start) / 5 + 4);
    tokens(text, span, hits, &mut toks);
    let mut v = View {
        text,
        span,
        index,
        headline,
        toks,
        actors: Vec::new(),
        places: Vec::new(),
        times: Vec::new(),
        quantities: Vec::new(),
        quotes: quotes
            .iter()
            .copied()
            .filter(|(a, b)| *a < span.end && *b > span.start)
            .collect(),
    };
    let n = v.toks.len();
    let Scratch {
        word_texts: words,
        is_time,
        is_place_tok,
        ..
    } = scratch;

    // Times and quantities first: a weekday or month is never a place or a name. They only
    // serve events, so a sentence without a trigger skips them.
    is_time.clear();
    is_time.resize(n, false);
    let has_trigger = v.toks.iter().any(|t| t.trigger().is_some());
    // Word texts for the time and quantity readers; "$500" keeps its currency sign.
    words.clear();
    if has_trigger {
        words.extend(v.toks.iter().map(|t| {
            if t.start > 0 && text.as_bytes()[t.start - 1] == b'$' {
                &text[t.start - 1..t.end]
            } else {
                t.text
            }
        }));
    }
    let mut i = if has_trigger { 0 } else { n };
    while i < n {
        // Nearly no word can start a time or a quantity: one bit test each rules them out.
        let w = words[i];
        let (time_start, quantity_start) = (time::may_start(w), quantity::may_start(w));
        if !(time_start || quantity_start) {
            i += 1;
            continue;
        }
        if let Some((expr, len)) = time_start.then(|| time::parse(words, i)).flatten() {
            v.times.push(TimeMention {
                first: i,
                last: i + len,
                expr,
            });
            for t in is_time.iter_mut().skip(i).take(len) {
                *t = true;
            }
            i += len;
            continue;
        }
        if let Some(q) = quantity_start.then(|| quantity::parse(words, i)).flatten() {
            let last = q.last;
            let span = (v.toks[i].start, v.toks[last - 1].end);
            v.quantities.push(QuantityMention {
                first: i,
                last,
                span,
                q,
            });
            i = last;
            continue;
        }
        i += 1;
    }

    // Places (cities always; countries when governed by a locative preposition).
    let mut sentence_countries: Vec<&str> = Vec::new();
    for t in &v.toks {
        if let Some((EntryKind::Country(c) | EntryKind::Demonym(c) | EntryKind::Capital(c), _)) =
            t.entry
        {
            sentence_countries.push(lex.countries[c as usize].iso3.as_str());
        }
    }
    let mut place_country: Option<String> = None;
    is_place_tok.clear();
    is_place_tok.resize(n, false);
    for (i, &timed) in is_time.iter().enumerate() {
        let Some((kind, pattern)) = v.toks[i].entry else {
            continue;
        };
        if timed {
            continue;
        }
        let is_place = match kind {
            EntryKind::Place(_) => {
                let sentence_initial_word =
                    i == 0 && v.toks.len() > 1 && lowercase_word_exists(&v.toks[i]);
                !(sentence_initial_word || inside_name(&v, i))
            }
            EntryKind::Capital(_) => !capital_acts(&v, i),
            EntryKind::Country(_) => v.governor(i).is_some_and(|g| LOCATIVE.contains(&g)),
            _ => false,
        };
        if is_place {
            let span = (v.toks[i].start, v.toks[i].end);
            if let Some(p) = reg.place(pattern, v.toks[i].text, span, headline, &sentence_countries)
            {
                if place_country.is_none() {
                    place_country.clone_from(&reg.places[p].country);
                }
                v.places.push(PlaceMention { tok: i, place: p });
                is_place_tok[i] = true;
            }
        }
    }
    // A bare role ("the government") belongs to the country of the sentence's places, else of
    // a country named after a preposition ("returning to Kyrgyzstan"), else of the article's
    // main place so far.
    let fallback = place_country.or_else(|| reg.main_place_country());
    // Else the country of the nearest actor before it in the sentence ("An Argentine judge
    // ordered former president X"). It borrows the dictionary's copy of the code, so no
    // string is copied per actor.
    let mut last_country: Option<&str> = None;

    // Actor phrases.
    let mut i = 0;
    while i < n {
        let t = v.toks[i];
        let starts = match t.entry {
            Some((
                EntryKind::Country(_)
                | EntryKind::Demonym(_)
                | EntryKind::Named(_)
                | EntryKind::Role(_)
                | EntryKind::Person(_),
                _,
            )) => true,
            Some((EntryKind::Capital(_), _)) => capital_acts(&v, i),
            _ => false,
        } && !prefixed(text, t.start);
        if !starts {
            // A later short mention of a person named earlier ("Kerry").
            if t.entry.is_none() && capitalised(t.text) && !is_time[i] {
                if let Some(&id) = reg.short.get(bare(t.text)) {
                    reg.mention(id, (t.start, t.start + bare(t.text).len()), headline);
                    v.actors.push(ActorMention {
                        first: i,
                        last: i + 1,
                        actor: id,
                        bare_role: false,
                        modifier: false,
                        owned: false,
                        locative: false,
                    });
                }
            }
            i += 1;
            continue;
        }
        let (parts, last) = phrase(lex, &v, i, is_time);
        let (s, e) = (v.toks[i].start, v.toks[last - 1].end);
        let e = if text[s..e].ends_with("'s") || text[s..e].ends_with("’s") {
            e - if text[s..e].ends_with("'s") { 2 } else { 4 }
        } else {
            e
        };
        // "Venezuela's government and the opposition": a coordinated bare role shares the
        // country of the actor it is coordinated with.
        let coordinated = {
            let mut k = i;
            if k > 0 && v.toks[k - 1].is("the") {
                k -= 1;
            }
            k > 0 && v.toks[k - 1].is("and") && v.actors.last().is_some_and(|m| m.last + 1 == k)
        };
        let country_hint = if coordinated {
            last_country.or(fallback.as_deref())
        } else {
            fallback.as_deref().or(last_country)
        };
        let id = reg.resolve(
            &parts,
            &text[s..e],
            text,
            (s, e),
            headline,
            country_hint.or(sentence_countries.first().copied()),
        );
        // Only real countries pass on ("IMG" of transnational groups does not).
        if let Some(c) = &reg.actors[id].country {
            if let Some((code, _)) = lex.country_by_code.get_key_value(c) {
                last_country = Some(code);
            }
        }
        let bare_role = parts.country.is_none()
            && parts.named.is_none()
            && parts.person.is_none()
            && parts.unknown_name.is_none();
        let modifier = text[e..].starts_with('-')
            && text[e + 1..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
            || text[e..].starts_with(" -");
        let owned = i > 0 && v.toks[i - 1].is_any(&["its", "their", "his", "her", "our", "own"]);
        v.actors.push(ActorMention {
            first: i,
            last,
            actor: id,
            bare_role,
            modifier,
            owned,
            locative: is_place_tok[i],
        });
        i = last;
    }

    // "Osama bin Laden's al-Qaeda": a possessor right before another actor only modifies it.
    for k in 0..v.actors.len().saturating_sub(1) {
        let (a, b) = (v.actors[k], v.actors[k + 1]);
        if b.first == a.last && v.possessive(a.last - 1) {
            v.actors[k].modifier = true;
        }
    }

    // "Hungarian and Romanian officials": the role of the second reaches the first.
    for k in 0..v.actors.len().saturating_sub(1) {
        let (a, b) = (v.actors[k], v.actors[k + 1]);
        if b.first == a.last + 1
            && v.toks[a.last].is("and")
            && a.last - a.first == 1
            && matches!(v.toks[a.first].entry, Some((EntryKind::Demonym(_), _)))
            && matches!(v.toks[b.first].entry, Some((EntryKind::Demonym(_), _)))
            && reg.actors[a.actor].role.is_none()
        {
            if let (Some(role), Some(country)) = (
                reg.actors[b.actor].role.clone(),
                reg.actors[a.actor].country.clone(),
            ) {
                let name = format!("{} {}", reg.actors[a.actor].name, role.to_lowercase());
                let parts_role = lex.roles.iter().position(|r| r.role == role);
                let parts = Parts {
                    country: lex.country_by_code.get(&country).copied(),
                    role: parts_role.map(|r| r as u32),
                    ..Parts::default()
                };
                let span = (v.toks[a.first].start, v.toks[a.first].end);
                let id = reg.resolve(&parts, &name, text, span, headline, None);
                v.actors[k].actor = id;
            }
        }
    }
    v
}

/// Is the hit at byte `start` the second half of a prefixed adjective ("intra-Syrian",
/// "anti-American")? Then it names no actor.
fn prefixed(text: &str, start: usize) -> bool {
    let before = &text[..start];
    [
        "intra-", "inter-", "anti-", "pro-", "non-", "post-", "pre-", "pan-",
    ]
    .iter()
    .any(|p| ends_with_any_case(before, p))
}

/// Does `w` end with the lower-case ASCII `suffix`, in any case? (Bytes equal to ASCII
/// bytes are whole characters, so no char boundary needs checking.)
pub(crate) fn ends_with_any_case(w: &str, suffix: &str) -> bool {
    w.len() >= suffix.len()
        && w.as_bytes()[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Is the place hit at token `i` part of a personal name ("President Omar Hassan al-Bashir",
/// "Laurent Fabius")? Then it is no place.
fn inside_name(v: &View<'_>, i: usize) -> bool {
    let cap_plain = |k: usize| {
        v.toks
            .get(k)
            .is_some_and(|t| t.entry.is_none() && capitalised(t.text) && !t.is_in(&NOT_NAMES))
    };
    let prev_is_title = i > 0
        && matches!(
            v.toks[i - 1].entry,
            Some((EntryKind::Role(_) | EntryKind::Person(_), _))
        );
    prev_is_title
        || (i > 0 && cap_plain(i - 1) && v.gap_before(i).trim().is_empty())
        || cap_plain(i + 1) && v.gap_before(i + 1).trim().is_empty()
}

/// A capitalised place name at the start of a sentence that is also an everyday word
/// (a trigger or role would have won already): "Split", "Reading" stay words there.
fn lowercase_word_exists(t: &Tok<'_>) -> bool {
    t.text.len() < 8
}

/// Extend an actor phrase from token `i`: titles, "of"/"for" complements, names after a
/// title, counterpart appositions. Returns the parts and the end token.
fn phrase(lex: &Lexicon, v: &View<'_>, i: usize, is_time: &[bool]) -> (Parts, usize) {
    let mut p = Parts::default();
    let mut j = i;
    let n = v.toks.len();
    let mut role_rank = 0u8;
    let add = |p: &mut Parts, role_rank: &mut u8, k: EntryKind| match k {
        EntryKind::Country(c) | EntryKind::Demonym(c) | EntryKind::Capital(c)
            if p.country.is_none() && p.named.is_none() =>
        {
            p.country = Some(c);
        }
        EntryKind::Named(x) if p.named.is_none() && p.person.is_none() => p.named = Some(x),
        EntryKind::Role(r) => {
            let re = &lex.roles[r as usize];
            if re.counterpart {
                p.counterpart = true;
            }
            if p.role.is_none() || re.rank > *role_rank {
                p.role = Some(r);
                *role_rank = re.rank;
            }
        }
        EntryKind::Person(x) => p.person = Some(x),
        _ => {}
    };
    let first = v.toks[i].entry.expect("phrase starts at a hit").0;
    p.capital = matches!(first, EntryKind::Capital(_));
    add(&mut p, &mut role_rank, first);
    loop {
        let next = j + 1;
        if next >= n {
            break;
        }
        let gap = v.gap_before(next);
        let plain_gap = gap.trim().is_empty();
        let nk = v.toks[next].entry.map(|e| e.0);
        let joinable = |k: Option<EntryKind>| {
            matches!(
                k,
                Some(
                    EntryKind::Role(_)
                        | EntryKind::Person(_)
                        | EntryKind::Country(_)
                        | EntryKind::Demonym(_)
                        | EntryKind::Named(_)
                )
            )
        };
        if (plain_gap || v.possessive(j) && gap.trim().chars().count() <= 2)
            && joinable(nk)
            && (!v.possessive(j) || matches!(nk, Some(EntryKind::Role(_))))
            && (p.person.is_none() || matches!(nk, Some(EntryKind::Role(_))))
        {
            // A country after a complete title starts a new actor ("... Minister Russia").
            if p.role.is_some() && matches!(nk, Some(EntryKind::Country(_))) {
                break;
            }
            add(&mut p, &mut role_rank, nk.expect("joinable"));
            j = next;
            continue;
        }
        // "Secretary-General of the United Nations", "envoy for Syria".
        if plain_gap
            && p.role.is_some()
            && p.person.is_none()
            && v.toks[next].is_any(&["of", "for"])
        {
            let mut k = next + 1;
            if k < n && v.toks[k].is("the") {
                k += 1;
            }
            if k < n
                && v.gap_before(k).trim().is_empty()
                && matches!(
                    v.toks[k].entry,
                    Some((EntryKind::Country(_) | EntryKind::Named(_), _))
                )
            {
                if p.country.is_none() && p.named.is_none() {
                    add(&mut p, &mut role_rank, v.toks[k].entry.expect("hit").0);
                }
                j = k;
                continue;
            }
        }
        // A name written after a title: "Defence Minister Pierre Joxe".
        if plain_gap
            && p.role.is_some()
            && p.person.is_none()
            && p.unknown_name.is_none()
            && nk.is_none()
            && capitalised(v.toks[next].text)
            && !is_time[next]
            && !v.toks[next].is_in(&NOT_NAMES)
        {
            let mut k = next;
            while k + 1 < n
                && v.gap_before(k + 1).trim().is_empty()
                && v.toks[k + 1].entry.is_none()
                && !is_time[k + 1]
                && (capitalised(v.toks[k + 1].text) && !v.toks[k + 1].is_in(&NOT_NAMES)
                    || v.toks[k + 1].is_in(&PARTICLES)
                        && v.toks.get(k + 2).is_some_and(|t| capitalised(t.text)))
                && k - next < 4
            {
                k += 1;
            }
            let end = v.toks[k].start + bare(v.toks[k].text).len();
            p.unknown_name = Some((v.toks[next].start, end));
            j = k;
            continue;
        }
        // "his Russian counterpart": the counterpart of the person just named, whatever the
        // roles dictionary says about the word.
        if plain_gap && nk.is_none() && v.toks[next].is_any(&["counterpart", "counterparts"]) {
            p.counterpart = true;
            j = next;
            continue;
        }
        // "his Russian counterpart, Sergei Lavrov": apposition after a title.
        if gap.trim() == ","
            && (p.role.is_some() || p.counterpart)
            && p.person.is_none()
            && p.unknown_name.is_none()
        {
            if matches!(nk, Some(EntryKind::Person(_))) {
                add(&mut p, &mut role_rank, nk.expect("person"));
                j = next;
                continue;
            }
            // An unknown name: two or more capitalised words.
            let mut k = next;
            while k < n
                && v.toks[k].entry.is_none()
                && capitalised(v.toks[k].text)
                && !is_time[k]
                && !v.toks[k].is_in(&NOT_NAMES)
                && (k == next || v.gap_before(k).trim().is_empty())
                && k - next < 4
            {
                k += 1;
            }
            if k - next >= 2 {
                let end = v.toks[k - 1].start + bare(v.toks[k - 1].text).len();
                p.unknown_name = Some((v.toks[next].start, end));
                j = k - 1;
                continue;
            }
        }
        break;
    }
    (p, j + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: Words = Words::new(&["said", "told", "according", "a", "i"]);

    #[test]
    fn word_lists_never_rule_out_their_own_words() {
        for w in ["said", "SAID", "Said", "told", "According", "a", "A", "I"] {
            assert!(LIST.may_contain(w), "{w}");
            let tok = Tok {
                start: 0,
                end: w.len(),
                text: w,
                entry: None,
            };
            assert!(tok.is_in(&LIST), "{w}");
        }
        for w in ["sad", "tolds", "accord", "", "b", "saidx"] {
            let tok = Tok {
                start: 0,
                end: w.len(),
                text: w,
                entry: None,
            };
            assert!(!tok.is_in(&LIST), "{w}");
        }
    }

    #[test]
    fn the_signature_rules_out_most_other_words() {
        let others = [
            "the",
            "government",
            "talks",
            "in",
            "Geneva",
            "on",
            "Friday",
            "with",
            "minister",
            "ceasefire",
            "of",
            "and",
            "aid",
            "to",
            "for",
            "rebels",
            "by",
            "agreed",
            "was",
            "an",
        ];
        let passed = others.iter().filter(|w| LIST.may_contain(w)).count();
        assert!(
            passed <= 3,
            "{passed} of {} passed the signature",
            others.len()
        );
    }
}

//! Event assembly: from the triggers of an annotated sentence to coded events with source,
//! target, participants, location, time, quantities and modality.
//!
//! No parser: clauses are cut at punctuation, subordinating words and reporting verbs; the
//! subject is the first free actor of the clause before the trigger, the object the first
//! actor after it (or the agent of a passive "by X"); nominal triggers take their parties
//! from "between X and Y", "X's talks with Y", "the X-Y meeting". A later trigger inside the
//! complement of an earlier verb ("refused to allow", "rejected an offer") is not a second
//! event.

use super::lexicon::{EntryKind, Lexicon};
use super::sentence::{ends_with_any_case, ActorMention, Tok, View, Words};
use super::time::TimeExpr;
use super::triggers::Pos;

/// Words that open a new clause.
const CLAUSE_OPENERS: Words = Words::new(&[
    "while",
    "but",
    "whereas",
    "although",
    "though",
    "after",
    "before",
    "because",
    "as",
    "which",
    "who",
    "whom",
    "when",
    "where",
    "if",
    "unless",
    "whether",
    "since",
    "however",
    "meanwhile",
    "amid",
    "despite",
]);

/// Determiners before a nominal reading.
const DETERMINERS: Words = Words::new(&[
    "the",
    "a",
    "an",
    "its",
    "their",
    "his",
    "her",
    "our",
    "this",
    "that",
    "these",
    "those",
    "any",
    "no",
    "new",
    "further",
    "more",
    "fresh",
    "recent",
    "previous",
    "bilateral",
    "direct",
]);

const BE: Words = Words::new(&[
    "is", "are", "was", "were", "been", "being", "be", "get", "got",
]);
const NEGATORS: Words = Words::new(&[
    "not", "n't", "never", "no", "neither", "nor", "without", "cannot", "failed", "fails", "fail",
    "declined", "declines",
]);
const HYPOTHETICAL: Words = Words::new(&[
    "would",
    "could",
    "might",
    "may",
    "should",
    "can",
    "likely",
    "unlikely",
    "possible",
    "possibly",
    "tentatively",
    "hope",
    "hopes",
    "hoped",
    "proposed",
    "potential",
    "possibly",
    "must",
    "want",
    "wants",
    "seek",
    "seeks",
]);
const CONDITIONAL: Words = Words::new(&["if", "unless", "whether"]);
const FUTURE: Words = Words::new(&[
    "will",
    "'ll",
    "shall",
    "scheduled",
    "planned",
    "plans",
    "plan",
    "set",
    "expected",
    "due",
    "upcoming",
    "next",
    "tomorrow",
]);
/// Pronouns that may stand for an acting party.
const PRONOUNS: Words = Words::new(&["he", "she", "they", "it", "we", "i"]);
/// Prepositions whose object can be the target of an event.
const TARGET_PREPS: &[&str] = &[
    "to", "with", "against", "from", "on", "toward", "towards", "into", "upon", "at",
];

/// A party of an event: a registry actor and the mention the event refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Party {
    /// Registry index.
    pub actor: usize,
    /// Byte span of the mention.
    pub span: (usize, usize),
}

/// An event before it is written into the record.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Trigger index in the lexicon.
    pub trigger: u32,
    /// Trigger token byte span.
    pub trigger_span: (usize, usize),
    /// Source.
    pub source: Option<Party>,
    /// Target.
    pub target: Option<Party>,
    /// Target known only as the country of the event's place ("blockade Paris" -> France).
    pub target_country: Option<String>,
    /// All parties of multilateral or coordinated events.
    pub participants: Vec<Party>,
    /// Place registry index and the byte span of its mention.
    pub location: Option<(usize, (usize, usize))>,
    /// Time expression and its span.
    pub time: Option<(TimeExpr, (usize, usize))>,
    /// Quantity mentions (indices into the view's quantities).
    pub quantities: Vec<usize>,
    /// Negated.
    pub negated: bool,
    /// Hypothetical.
    pub hypothetical: bool,
    /// Future.
    pub future: bool,
    /// Reporter.
    pub reported_by: Option<Party>,
    /// Clause byte span (for directed sentiment).
    pub clause: (usize, usize),
    /// PLOVER mode taken from a noun of the same event ("humanitarian aid ... delivered").
    pub mode: Option<String>,
    /// Negotiation status read from the context ("scheduled", "stalled", "resumed", ...).
    pub status: Option<&'static str>,
    /// 0..1.
    pub confidence: f64,
    /// Recoded by a construction rather than read from the trigger row: an accusation in
    /// reported speech ("X says Y attacked"), a demand ("X said Y must ..."), an intent to
    /// cooperate ("Y will support").
    pub derived: Option<Recode>,
}

impl Draft {
    /// A draft of trigger `trigger` at `trigger_span` in the clause `clause` (byte spans):
    /// no parties, attachments or modality yet, confidence 0.
    fn new(trigger: u32, trigger_span: (usize, usize), clause: (usize, usize)) -> Self {
        Draft {
            trigger,
            trigger_span,
            source: None,
            target: None,
            target_country: None,
            participants: Vec::new(),
            location: None,
            time: None,
            quantities: Vec::new(),
            negated: false,
            hypothetical: false,
            future: false,
            reported_by: None,
            clause,
            mode: None,
            status: None,
            confidence: 0.0,
            derived: None,
        }
    }
}

/// A coding that replaces the trigger row's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recode {
    /// PLOVER type.
    pub plover: &'static str,
    /// CAMEO code.
    pub cameo: &'static str,
    /// Goldstein value.
    pub goldstein: f64,
    /// QuadClass.
    pub quad: u8,
}

/// CAMEO 13 "threaten": what an announced hostile act is coded as.
fn threat(plover: &str) -> Option<Recode> {
    let (cameo, goldstein) = match plover {
        "SANCTION" => ("131", -5.8),
        "COERCE" => ("132", -5.8),
        "PROTEST" => ("133", -5.8),
        "MOBILIZE" | "ASSAULT" => ("138", -7.0),
        _ => return None,
    };
    Some(Recode {
        plover: "THREATEN",
        cameo,
        goldstein,
        quad: 3,
    })
}

/// CAMEO 03 "express intent to ...": what a promised cooperative act is coded as.
fn intent(plover: &str) -> Option<Recode> {
    let (cameo, goldstein) = match plover {
        "COOPERATE" => ("031", 5.2),
        "SUPPORT" => ("032", 4.5),
        "AID" => ("033", 5.2),
        "CONCEDE" => ("035", 5.0),
        "RETREAT" => ("0356", 7.0),
        _ => return None,
    };
    Some(Recode {
        plover: "AGREE",
        cameo,
        goldstein,
        quad: 1,
    })
}

/// Clause segmentation of a sentence: for every token, the start of its clause. Clauses are
/// cut at hard punctuation, at subordinating words and after reporting verbs; a clause opened
/// by a subordinating word or a sentence-initial preposition ("Under the deal, ...") also
/// closes at the next comma.
pub fn segments(v: &View<'_>) -> Vec<usize> {
    let n = v.toks.len();
    let mut seg = vec![0; n];
    let mut start = 0;
    let mut closes_at_comma =
        n > 0 && v.toks[0].entry.is_none() && v.toks[0].is_in(&super::sentence::PREPOSITIONS);
    for (i, slot) in seg.iter_mut().enumerate() {
        let g = v.gap_before(i);
        // Most gaps are one space: no punctuation to look for.
        let plain = g.len() <= 1 && g.bytes().all(|c| c == b' ');
        let hard = i > 0
            && !plain
            && (g.contains([';', ':', '(', ')', '—', '“', '”', '"']) || g.contains(" - "));
        // "as" opens a clause before a subject ("as rebels surrendered"), not in "denounced as
        // an ugly crime" or "as a result".
        let subject_next = |k: usize| {
            v.actor_at(k).is_some()
                || v.toks.get(k).is_some_and(|w| w.is_in(&PRONOUNS))
                || v.toks.get(k).is_some_and(|w| w.is("the")) && v.actor_at(k + 1).is_some()
        };
        let opener = v.toks[i].entry.is_none()
            && v.toks[i].is_in(&CLAUSE_OPENERS)
            && (!v.toks[i].is("as") || subject_next(i + 1));
        let after_report = i > 0
            && v.toks[i - 1].entry.is_none()
            && v.toks[i - 1].is_reporting()
            && !v.toks[i].is("to");
        let comma = i > 0 && closes_at_comma && !plain && g.contains(',');
        if i > 0 && (hard || opener || after_report || comma) {
            start = i;
            closes_at_comma = opener && !v.toks[i].is_any(&["but", "however", "meanwhile"]);
        }
        *slot = start;
    }
    seg
}

/// Clause bounds `[start, end)` (token indices) around token `t`.
fn clause(seg: &[usize], t: usize) -> (usize, usize) {
    let s = seg[t];
    let mut e = t + 1;
    while e < seg.len() && seg[e] == s {
        e += 1;
    }
    (s, e)
}

/// The speakers of reported speech in the sentence, with their reporting verbs' token indices.
pub fn reporters(v: &View<'_>, reg_last_person: Option<usize>) -> Vec<(Party, usize)> {
    let mut out = Vec::new();
    for (r, tok) in v.toks.iter().enumerate() {
        if let Some(found) = reporter_at(v, r, tok, reg_last_person) {
            out.push(found);
        }
    }
    out
}

fn reporter_at(
    v: &View<'_>,
    r: usize,
    tok: &super::sentence::Tok<'_>,
    reg_last_person: Option<usize>,
) -> Option<(Party, usize)> {
    {
        if tok.entry.is_some() || !tok.is_reporting() {
            return None;
        }
        if tok.is("according") {
            if let Some(m) = v.actors.iter().find(|m| m.first > r && m.first <= r + 3) {
                return Some((party(v, m), r));
            }
            return None;
        }
        // "X and said": the subject of the sentence.
        if r > 0 && v.toks[r - 1].is("and") {
            if let Some(m) = v
                .actors
                .iter()
                .find(|m| m.last < r && v.governor(m.first).is_none() && !m.locative)
            {
                return Some((party(v, m), r));
            }
        }
        // "X said", "X, a diplomat, said", "X told": nothing verb-like in between.
        if let Some(m) = v.actors.iter().rev().find(|m| {
            m.last <= r
                && r - m.last <= 6
                && v.governor(m.first).is_none()
                && !v.toks[m.last..r].iter().any(|w| {
                    w.trigger().is_some() || w.is_any(&["and", "but", "that", "which", "who"])
                })
        }) {
            return Some((party(v, m), r));
        }
        // "said X"
        if let Some(m) = v.actors.iter().find(|m| m.first == r + 1) {
            return Some((party(v, m), r));
        }
        // "he said"
        if r > 0 && v.toks[r - 1].is_any(&["he", "she"]) {
            if let Some(p) = reg_last_person {
                let t = &v.toks[r - 1];
                return Some((
                    Party {
                        actor: p,
                        span: (t.start, t.end),
                    },
                    r,
                ));
            }
        }
    }
    None
}

fn party(v: &View<'_>, m: &ActorMention) -> Party {
    let s = v.toks[m.first].start;
    let mut e = v.toks[m.last - 1].end;
    let t = &v.text[s..e];
    if t.ends_with("'s") {
        e -= 2;
    } else if t.ends_with("’s") {
        e -= 4;
    }
    Party {
        actor: m.actor,
        span: (s, e),
    }
}

/// Actors coordinated with mention `k` ("X and Y", "X, Y and Z").
fn coordinated(v: &View<'_>, k: usize) -> Vec<usize> {
    let mut out = vec![k];
    let mut cur = k;
    while cur + 1 < v.actors.len() {
        let (a, b) = (v.actors[cur], v.actors[cur + 1]);
        let between = &v.toks[a.last..b.first];
        let gap = v.gap_before(b.first);
        let ok = match between {
            [] => gap.trim() == ",",
            [w] => w.is("and") || w.is("nor") || w.is("or"),
            [w, d] => w.is("and") && d.is_any(&["the", "his", "her", "their", "its"]),
            _ => false,
        };
        if !ok {
            break;
        }
        out.push(cur + 1);
        cur += 1;
    }
    out
}

/// Words that give an event a status ("stalled talks", "a planned meeting"), with the status.
const STATUSES: [(&str, &str); 15] = [
    ("scheduled", "scheduled"),
    ("planned", "scheduled"),
    ("upcoming", "scheduled"),
    ("stalled", "stalled"),
    ("suspended", "stalled"),
    ("deadlocked", "stalled"),
    ("stalemated", "stalled"),
    ("resumption", "resumed"),
    ("resumed", "resumed"),
    ("resume", "resumed"),
    ("renewed", "resumed"),
    ("proposed", "proposed"),
    ("proposal", "proposed"),
    ("collapsed", "failed"),
    ("failed", "failed"),
];

/// The words of [`STATUSES`].
const STATUS_LIST: [&str; STATUSES.len()] = {
    let mut list = [""; STATUSES.len()];
    let mut i = 0;
    while i < STATUSES.len() {
        list[i] = STATUSES[i].0;
        i += 1;
    }
    list
};

/// Their signature: most tokens are ruled out by one bit test.
const STATUS_WORDS: Words = Words::new(&STATUS_LIST);

/// The status a word gives an event, in any case ("Stalled"), without a lower-case copy
/// of every word near a trigger.
fn status_of(w: &Tok<'_>) -> Option<&'static str> {
    if !w.is_in(&STATUS_WORDS) {
        return None;
    }
    STATUSES
        .iter()
        .find(|(word, _)| w.is(word))
        .map(|&(_, status)| status)
}

fn is_passive(v: &View<'_>, t: usize) -> bool {
    let w = v.toks[t].text;
    if ends_with_any_case(w, "ing") || ends_with_any_case(w, "s") && !ends_with_any_case(w, "ss") {
        return false;
    }
    let mut i = t;
    while i > 0 {
        i -= 1;
        let p = &v.toks[i];
        if p.is_in(&BE) {
            return true;
        }
        if !(p.text.ends_with("ly") || p.is_any(&["not", "also", "reportedly", "being", "been"])) {
            return false;
        }
    }
    false
}

/// Does token `t` read as a noun here ("the deal", "their support", "a Kerry-Lavrov meeting")?
fn nominal(lex: &Lexicon, v: &View<'_>, t: usize) -> bool {
    if !has_noun_reading(lex, v, t) {
        return false;
    }
    if t == 0 {
        // "Talks between ...", "Clashes erupted ...": news sentences rarely open with a verb.
        return true;
    }
    let p = &v.toks[t - 1];
    if let Some(m) = v.actor_at(t - 1) {
        // "a Kerry-Lavrov meeting", "the US offer"
        let m = *m;
        if m.first > 0
            && (v.toks[m.first - 1].is_in(&DETERMINERS) || v.gap_before(m.first).trim() == "-")
        {
            return true;
        }
    }
    if p.is_in(&DETERMINERS)
        || v.possessive(t - 1)
        || matches!(p.entry, Some((EntryKind::Demonym(_), _)))
        || p.entry.is_none() && p.text.ends_with("-proposed")
    {
        return true;
    }
    // Forms that are both: "-ing" is a verb after a form of "be", "-s" after a subject;
    // otherwise ("of fierce fighting", "sporadic clashes") a noun.
    let w = v.toks[t].text;
    let subject_before = v.actor_at(t - 1).is_some() || p.is_in(&PRONOUNS);
    if w.ends_with("ing") {
        return !(p.is_in(&BE) || subject_before || p.text.ends_with("ly"));
    }
    if w.ends_with('s') && !w.ends_with("ss") {
        return !subject_before;
    }
    if p.entry.is_none() && p.is_in(&super::sentence::PREPOSITIONS) {
        return true;
    }
    // "an open-ended strike", "a general strike": determiner, adjective, noun.
    t >= 2
        && v.toks[t - 2].is_in(&DETERMINERS)
        && p.entry.is_none()
        && p.text.chars().all(|c| c.is_lowercase() || c == '-')
        && !p.is_in(&BE)
        && !p.is_any(&[
            "will", "would", "could", "can", "may", "must", "should", "to",
        ])
}

/// Pick the trigger reading: for a surface form that is both verb and noun, the context
/// decides; a "HEAD * TAIL" row wins when its object word follows within four words.
fn reading(lex: &Lexicon, v: &View<'_>, t: usize) -> Option<u32> {
    let (kind, pattern) = v.toks[t].entry?;
    let EntryKind::Trigger(first) = kind else {
        return None;
    };
    // "the occupied West Bank", "a planned visit": a participle used as an adjective.
    if t > 0
        && v.toks[t].text.ends_with("ed")
        && !v.toks[t].text.contains(' ')
        && v.toks[t - 1].is_in(&DETERMINERS)
    {
        return None;
    }
    // "send them back": after an object pronoun a verb form is a particle or a second object.
    if t > 0 && v.toks[t - 1].is_any(&["them", "him", "us", "me"]) {
        return None;
    }
    let want = if nominal(lex, v, t) {
        Pos::Noun
    } else {
        Pos::Verb
    };
    let mut alt = None;
    let mut plain = None;
    let follows = |tail: &str| {
        v.toks[t + 1..(t + 5).min(v.toks.len())].iter().any(|w| {
            // A stem ("sanction" in "sanctions"), or a short word exactly ("on", "at").
            w.text.len() >= tail.len()
                && w.text.is_char_boundary(tail.len())
                && w.text[..tail.len()].eq_ignore_ascii_case(tail)
                && (tail.len() >= 4 || w.text.len() == tail.len())
        })
    };
    for k in lex.kinds_of(pattern) {
        if let EntryKind::Trigger(i) = k {
            let tr = &lex.triggers[i as usize];
            match &tr.tail {
                Some(tail) => {
                    if follows(tail) {
                        return Some(i);
                    }
                }
                None => {
                    if tr.pos == want {
                        plain.get_or_insert(i);
                    }
                    alt.get_or_insert(i);
                }
            }
        }
    }
    plain
        .or(alt)
        .or(Some(first))
        .filter(|i| lex.triggers[*i as usize].tail.is_none())
}

/// Does the trigger form at token `t` have a noun reading in the lexicon?
fn has_noun_reading(lex: &Lexicon, v: &View<'_>, t: usize) -> bool {
    v.toks[t].entry.is_some_and(|(_, pattern)| {
        lex.kinds_of(pattern).any(
            |k| matches!(k, EntryKind::Trigger(i) if lex.triggers[i as usize].pos == Pos::Noun),
        )
    })
}

/// "X said Y must ...", "X reminded Y that it must ...": a demand by X on Y (CAMEO 10), read
/// at the modal `must`/`should` at token `m`.
fn obligation(
    lex: &Lexicon,
    v: &View<'_>,
    m: usize,
    seg: &[usize],
    reporters: &[(Party, usize)],
    last_person: Option<usize>,
) -> Option<Draft> {
    let tok = &v.toks[m];
    if tok.entry.is_some() || !tok.is_any(&["must", "should"]) || m == 0 {
        return None;
    }
    let demand = lex
        .triggers
        .iter()
        .position(|t| t.cameo == "100" && t.pos == Pos::Verb)? as u32;
    let speaker = reporters
        .iter()
        .rev()
        .find(|(_, r)| *r < m)
        .map(|(p, _)| *p)
        .or_else(|| {
            v.actors
                .iter()
                .find(|a| a.last < m && v.governor(a.first).is_none() && !a.locative)
                .map(|a| party(v, a))
        })?;
    let mut k = m - 1;
    if v.toks[k].is("also") && k > 0 {
        k -= 1;
    }
    let obliged = match v.actor_at(k) {
        Some(a) if a.last == k + 1 => Some(party(v, a)),
        _ if v.toks[k].is_any(&["it", "they"]) => v
            .actors
            .iter()
            .rev()
            .find(|a| a.last <= k && a.actor != speaker.actor)
            .map(|a| party(v, a)),
        _ => None,
    }?;
    if obliged.actor == speaker.actor {
        return None;
    }
    let _ = last_person;
    let (cs, ce) = clause(seg, m);
    let mut d = Draft {
        source: Some(speaker),
        target: Some(obliged),
        reported_by: reporters
            .iter()
            .rev()
            .find(|(_, r)| *r < m)
            .map(|(p, _)| *p),
        derived: Some(Recode {
            plover: "REQUEST",
            cameo: "100",
            goldstein: -5.0,
            quad: 3,
        }),
        ..Draft::new(
            demand,
            (tok.start, tok.end),
            (v.toks[cs].start, v.toks[ce - 1].end),
        )
    };
    if let Some(tm) = v.times.first() {
        d.time = Some((tm.expr, (v.toks[tm.first].start, v.toks[tm.last - 1].end)));
    }
    d.confidence = confidence(&d, Pos::Verb, true, false);
    Some(d)
}

/// Find the events of one annotated sentence.
/// `reporters` are the sentence's speakers ([`reporters`]), computed once by the caller.
pub fn extract(
    lex: &Lexicon,
    v: &View<'_>,
    actors: &[super::actors::ActorRec],
    reg_places: &[super::actors::PlaceRec],
    reporters: &[(Party, usize)],
    last_person: Option<usize>,
) -> Vec<Draft> {
    let mut out: Vec<Draft> = Vec::new();
    if !v.toks.iter().any(|t| t.trigger().is_some()) {
        return Vec::new();
    }
    let mut seg = segments(v);
    // "..., a Jordanian official confirmed": the reporter's words are a clause of their own.
    for (p, r) in reporters {
        if let Some(m) = v.actors.iter().find(|m| v.toks[m.first].start == p.span.0) {
            let mut first = m.first;
            while first > 0 && m.first - first < 3 && !v.gap_before(first).contains(',') {
                first -= 1;
            }
            if first < *r && first > 0 && v.gap_before(first).contains(',') {
                let old = seg[first];
                for s in seg.iter_mut().skip(first) {
                    if *s != old {
                        break;
                    }
                    *s = first;
                }
            }
        }
    }
    // Verb events already made, per clause start: later triggers in the same clause are their
    // complements.
    let mut governed_until: Option<(usize, usize)> = None;
    let n = v.toks.len();
    let mut t = 0;
    while t < n {
        let Some(ti) = reading(lex, v, t) else {
            if let Some(d) = obligation(lex, v, t, &seg, reporters, last_person) {
                // What Y "must" do is the content of the demand, not an event of its own.
                let (cs, ce) = clause(&seg, t);
                governed_until = Some((cs, ce));
                out.push(d);
            }
            t += 1;
            continue;
        };
        let trig = &lex.triggers[ti as usize];
        let (cs, ce) = clause(&seg, t);
        // The reporting verb nearest before the trigger, else the first after it.
        let rep = reporters
            .iter()
            .rev()
            .find(|(_, r)| *r < t)
            .or_else(|| reporters.iter().find(|(_, r)| *r > t))
            .copied();
        // Coordinated verbs ("met and agreed") start a new event sharing the subject.
        let coordinated_verb = t > 0 && v.toks[t - 1].is("and") && trig.pos == Pos::Verb;
        if let Some((gs, ge)) = governed_until {
            if gs == cs && t < ge && !coordinated_verb {
                t += 1;
                continue;
            }
        }
        // "refusal to accept", "an offer to host", "a threat to strike": the complement of a
        // noun trigger is part of that event.
        if t >= 2 && v.toks[t - 1].is("to") && v.toks[t - 2].trigger().is_some() {
            t += 1;
            continue;
        }
        // "a hunger strike to protest": a purpose clause of the same type is the same event.
        if t > 0
            && v.toks[t - 1].is("to")
            && out.iter().any(|o| {
                o.derived.is_none()
                    && lex.triggers[o.trigger as usize].plover == trig.plover
                    && o.clause.0 == v.toks[cs].start
            })
        {
            t += 1;
            continue;
        }
        let pos = if nominal(lex, v, t) {
            Pos::Noun
        } else {
            trig.pos
        };
        let mut d = Draft {
            reported_by: rep.map(|r| r.0),
            confidence: 0.5,
            ..Draft::new(
                ti,
                (v.toks[t].start, v.toks[t].end),
                (v.toks[cs].start, v.toks[ce - 1].end),
            )
        };
        // Argument span end: where modality cues after a noun are looked for.
        let mut args_end = t + 1;
        let free = |m: &ActorMention| v.governor(m.first).is_none() && !m.locative;
        let in_clause_before: Vec<usize> = (0..v.actors.len())
            .filter(|&k| v.actors[k].first >= cs && v.actors[k].last <= t)
            .collect();
        // Objects stop at an "and" that joins verbs or clauses ("met Sunday and decided"), not
        // at one that joins names ("Congo and Costa Rica").
        let and_cut = (t + 1..ce)
            .find(|&i| {
                v.toks[i].is("and")
                    && v.toks.get(i + 1).is_some_and(|w| {
                        v.actor_at(i + 1).is_none()
                            && (w.trigger().is_some()
                                || w.is_reporting()
                                || w.text.ends_with("ed")
                                || w.is_any(&[
                                    "will", "would", "has", "have", "had", "is", "was", "are",
                                    "were", "then", "also",
                                ]))
                    })
            })
            .unwrap_or(ce);
        let after: Vec<usize> = (0..v.actors.len())
            .filter(|&k| v.actors[k].first > t && v.actors[k].first < and_cut)
            .collect();
        let subject = || -> Option<usize> {
            in_clause_before
                .iter()
                .copied()
                .find(|&k| free(&v.actors[k]) && !v.actors[k].modifier && !v.actors[k].locative)
                .or_else(|| in_clause_before.last().copied())
        };
        // The object: a direct object first, then "of" close by or a target preposition;
        // bare roles ("troops") and the subject's own ("its troops") come last.
        let object = |skip: Option<usize>| -> Option<usize> {
            after
                .iter()
                .copied()
                .filter(|&k| Some(k) != skip)
                .filter_map(|k| {
                    let m = &v.actors[k];
                    let g = v.governor(m.first);
                    // Words between the trigger and the mention, determiners and adjectives
                    // included: a direct object sits close; a free mention far away is more
                    // likely the subject of an embedded clause.
                    let dist = m.first - t;
                    let mut rank = match g {
                        _ if m.locative => 4,
                        None if dist <= 5 => 0,
                        None => 2,
                        Some("of") if dist <= 6 => 1,
                        Some(g) if TARGET_PREPS.contains(&g) || g == "by" => 1,
                        _ => return None,
                    };
                    if m.bare_role || m.owned || m.modifier {
                        rank += 2;
                    }
                    Some((rank, m.first, k))
                })
                .min()
                .map(|(_, _, k)| k)
        };
        let mut src_k: Option<usize> = None;
        let mut tgt_k: Option<usize> = None;
        let mut participants: Vec<usize> = Vec::new();
        match pos {
            Pos::Verb => {
                let passive = is_passive(v, t);
                let by_agent = after
                    .iter()
                    .copied()
                    .find(|&k| v.governor(v.actors[k].first) == Some("by"));
                if passive {
                    src_k = by_agent;
                    tgt_k = subject();
                } else {
                    src_k = subject();
                    tgt_k = object(by_agent);
                    // "mediating between X and Y": the two sides are parties too.
                    if let Some(b) = (t + 1..(t + 3).min(ce)).find(|&i| v.toks[i].is("between")) {
                        if let Some(k) = (0..v.actors.len()).find(|&k| {
                            v.actors[k].first == b + 1
                                || v.actors[k].first == b + 2 && v.toks[b + 1].is("the")
                        }) {
                            let sides = coordinated(v, k);
                            if sides.len() > 1 {
                                tgt_k = Some(sides[0]);
                                participants = src_k.into_iter().chain(sides).collect();
                            }
                        }
                    }
                }
                if src_k.is_none() && !passive {
                    // A pronoun subject, or the reporter of "X said it had ...".
                    let pron = (cs..t).rev().take(4).find(|&i| v.toks[i].is_in(&PRONOUNS));
                    if let Some(pi) = pron {
                        let pt = &v.toks[pi];
                        // "Japan said it had halted ...": "it" is a singular reporter, "they"
                        // a plural one ("officials said they ..."); "we" in a quote its speaker.
                        if let Some((r, _)) = rep {
                            let rep_text = &v.text[r.span.0..r.span.1];
                            // Countries and organisations are singular even when their name
                            // ends in s ("the United States says it ...").
                            let plural = rep_text.ends_with('s')
                                && actors[r.actor].role.is_some()
                                && !actors[r.actor].code.starts_with("IGO");
                            if pt.is_any(&["we", "i"]) && v.quoted(pi)
                                || pt.is("it") && !plural
                                || pt.is("they") && plural
                            {
                                d.source = Some(r);
                            }
                        }
                        if d.source.is_none() && pt.is_any(&["he", "she"]) {
                            if let Some(p) = last_person {
                                d.source = Some(Party {
                                    actor: p,
                                    span: (pt.start, pt.end),
                                });
                            }
                        }
                        if d.source.is_none() && pt.is_any(&["they", "it"]) {
                            // The nearest actor before, other than the reporter.
                            let rep_actor = rep.map(|r| r.0.actor);
                            if let Some(m) = v
                                .actors
                                .iter()
                                .rev()
                                .find(|m| m.last <= pi && Some(m.actor) != rep_actor)
                            {
                                d.source = Some(party(v, m));
                            }
                        }
                    } else if let Some((r, ri)) = rep {
                        if ri < t {
                            d.source = Some(r);
                        }
                    }
                }
                if src_k.is_none() && d.source.is_none() && !passive && cs > 0 {
                    // Subject of the main clause ("X, ..., has refused").
                    src_k =
                        (0..v.actors.len()).find(|&k| v.actors[k].last <= cs && free(&v.actors[k]));
                }
                governed_until = Some((cs, ce));
            }
            Pos::Noun => {
                // "talks between X and Y"
                let between =
                    (t + 1..(t + 3).min(ce)).find(|&i| v.toks[i].is_any(&["between", "among"]));
                if let Some(b) = between {
                    if let Some(k) = (0..v.actors.len()).find(|&k| {
                        v.actors[k].first == b + 1
                            || v.actors[k].first == b + 2 && v.toks[b + 1].is("the")
                    }) {
                        participants = coordinated(v, k);
                        src_k = participants.first().copied();
                        tgt_k = participants.get(1).copied();
                        args_end = v.actors[*participants.last().expect("one")].last;
                    }
                }
                // "the Kerry-Lavrov meeting", "X's talks", "Russian strikes"
                if src_k.is_none() && t > 0 {
                    if let Some(kb) = (0..v.actors.len()).find(|&k| v.actors[k].last == t) {
                        src_k = Some(kb);
                        if kb > 0
                            && v.actors[kb - 1].last == v.actors[kb].first
                            && v.gap_before(v.actors[kb].first).trim() == "-"
                        {
                            src_k = Some(kb - 1);
                            tgt_k = Some(kb);
                        }
                    }
                }
                if tgt_k.is_none() {
                    tgt_k = after.iter().copied().find(|&k| {
                        v.actors[k].first <= t + 6
                            && v.governor(v.actors[k].first).is_some_and(|g| {
                                // "sanctions on Iran", "attacks on"; but "talks on X" is a topic.
                                TARGET_PREPS.contains(&g)
                                    && (g != "on" || trig.quad >= 3)
                                    && g != "at"
                            })
                            && Some(k) != src_k
                    });
                    if let Some(k) = tgt_k {
                        args_end = args_end.max(v.actors[k].last);
                    }
                }
                if src_k.is_none() {
                    src_k = after
                        .iter()
                        .copied()
                        .find(|&k| v.governor(v.actors[k].first) == Some("by"));
                }
                if src_k.is_none() {
                    // "X renewed negotiations": the clause's subject, when no other trigger
                    // stands between it and the noun.
                    if let Some(k) = subject() {
                        let between_trigger =
                            (v.actors[k].last..t).any(|i| v.toks[i].trigger().is_some());
                        if !between_trigger && Some(k) != tgt_k {
                            src_k = Some(k);
                        }
                    }
                }
                if src_k.is_none() && tgt_k.is_some() {
                    // "after talks with Y": the subject of the sentence held them.
                    src_k = (0..v.actors.len())
                        .find(|&k| v.actors[k].last <= t && free(&v.actors[k]) && Some(k) != tgt_k);
                }
                // A noun followed by a verb of the same type is the same event ("aid has
                // been delivered", "strikes hit"): let the verb speak.
                let same_later = (t + 1..ce).any(|i| {
                    reading(lex, v, i).is_some_and(|j| {
                        let o = &lex.triggers[j as usize];
                        o.plover == trig.plover
                            && o.pos == Pos::Verb
                            && !nominal(lex, v, i)
                            && !v.toks[i - 1].is("to")
                    })
                });
                if same_later {
                    t += 1;
                    continue;
                }
            }
        }
        // "threatened to strike unless Y ...": the party of the condition is the target.
        if tgt_k.is_none() && trig.plover == "THREATEN" {
            if let Some(c) = (ce..n).find(|&i| v.toks[i].is_any(&["unless", "if"])) {
                tgt_k = (0..v.actors.len())
                    .find(|&k| v.actors[k].first > c && v.actors[k].first <= c + 3);
            }
        }
        if participants.is_empty() {
            if let Some(k) = src_k {
                let c = coordinated(v, k);
                if c.len() > 1 {
                    participants = c;
                    // Joint actors act together: a target is someone they act with or against,
                    // not the topic ("agreed to resume talks on X").
                    let keep = tgt_k.is_some_and(|x| {
                        !participants.contains(&x)
                            && v.governor(v.actors[x].first)
                                .map_or(true, |g| matches!(g, "with" | "against" | "to"))
                    });
                    if !keep {
                        tgt_k = None;
                    }
                }
            }
        }
        if let Some(k) = src_k {
            d.source = Some(party(v, &v.actors[k]));
        }
        if let Some(k) = tgt_k {
            let p = party(v, &v.actors[k]);
            let same_country = trig.quad < 4
                && d.source.is_some_and(|s| {
                    let (a, b) = (&actors[s.actor], &actors[p.actor]);
                    b.role.is_none() && a.country.is_some() && a.country == b.country
                });
            if d.source.map_or(true, |s| s.actor != p.actor) && !same_country {
                d.target = Some(p);
            }
        }
        d.participants = participants
            .iter()
            .map(|&k| party(v, &v.actors[k]))
            .collect();

        // Modality.
        let window = t.saturating_sub(3).max(cs)..t;
        let before = &v.toks[window.clone()];
        let clause_before = &v.toks[cs..t];
        let after_args = &v.toks[args_end.min(n)..(args_end + 4).min(ce.max(args_end)).min(n)];
        d.negated = before.iter().any(|w| w.is_in(&NEGATORS))
            || clause_before.iter().any(|w| w.is("neither"));
        d.hypothetical = before.iter().any(|w| w.is_in(&HYPOTHETICAL))
            || pos == Pos::Noun
                && clause_before
                    .iter()
                    .any(|w| w.is_any(&["would", "could", "might", "may"]))
            || v.toks[cs].is_in(&CONDITIONAL)
            || clause_before.iter().any(|w| w.is_in(&CONDITIONAL))
            || (pos == Pos::Noun
                && after_args.iter().any(|w| {
                    w.is_any(&["would", "could", "might", "may", "likely", "tentatively"])
                }));
        // A noun takes the modality of the verb group of its clause ("will send ... aid").
        let modal_scope = if pos == Pos::Noun {
            clause_before
        } else {
            before
        };
        d.future = modal_scope
            .iter()
            .any(|w| w.is_any(&["will", "'ll", "shall"]))
            || before.iter().any(|w| w.is_in(&FUTURE))
            || before
                .windows(2)
                .any(|w| w[0].is_any(&["going", "is", "are"]) && w[1].is("to"))
            || (pos == Pos::Noun && after_args.iter().any(|w| w.is_in(&FUTURE)));
        for (i, w) in v.toks[cs..ce].iter().enumerate() {
            let near = (cs + i).abs_diff(t) <= 4 || (cs + i >= args_end && cs + i < args_end + 3);
            if !near {
                continue;
            }
            let s = status_of(w);
            if s.is_some() {
                d.status = s;
            }
        }
        if d.status == Some("scheduled") {
            d.future = true;
        }
        if pos == Pos::Noun && d.status == Some("proposed") {
            d.hypothetical = true;
        }

        // "would coordinate ... and agree": the second verb shares the first one's modality.
        if coordinated_verb {
            if let Some(prev) = out.last() {
                d.negated |= prev.negated;
                d.hypothetical |= prev.hypothetical;
                d.future |= prev.future;
            }
        }
        // "humanitarian aid has been delivered": the noun gives the verb its mode.
        if trig.mode.is_none() {
            d.mode = (cs..t).find_map(|i| {
                let j = v.toks[i].trigger()?;
                let o = &lex.triggers[j as usize];
                (o.plover == trig.plover).then(|| o.mode.clone()).flatten()
            });
        }

        // Time: in the clause, else in the sentence.
        let pick_time = |lo: usize, hi: usize| {
            v.times
                .iter()
                .filter(|m| m.first >= lo && m.last <= hi)
                .min_by_key(|m| m.first.abs_diff(t))
        };
        if let Some(m) = pick_time(cs, ce).or_else(|| pick_time(0, n)) {
            d.time = Some((m.expr, (v.toks[m.first].start, v.toks[m.last - 1].end)));
            if matches!(
                m.expr,
                TimeExpr::DayOffset(1) | TimeExpr::Week(1) | TimeExpr::Month(1) | TimeExpr::Year(1)
            ) {
                d.future = true;
            }
        }
        // Location: a place of the clause, preferring "in X" and "the X suburb of Y".
        let mut best: Option<(i32, usize)> = None;
        for (pi, pm) in v.places.iter().enumerate() {
            let in_clause = pm.tok >= cs && pm.tok < ce;
            let mut score = if in_clause { 2 } else { 0 };
            match v.governor(pm.tok) {
                Some(g) if super::sentence::LOCATIVE.contains(&g) => score += 3,
                Some("of")
                    if pm.tok >= 2
                        && v.toks[pm.tok - 1..pm.tok]
                            .iter()
                            .chain(v.toks.get(pm.tok.saturating_sub(2)))
                            .any(|w| {
                                w.is_any(&[
                                    "suburb",
                                    "district",
                                    "city",
                                    "town",
                                    "village",
                                    "province",
                                    "region",
                                    "outskirts",
                                    "area",
                                ])
                            }) =>
                {
                    score += 4
                }
                Some(_) => {}
                None => {
                    if trig.mode.as_deref() == Some("visit") && pm.tok == t + 1 {
                        score += 3;
                    }
                }
            }
            if !in_clause && score < 3 {
                continue;
            }
            let dist = pm.tok.abs_diff(t) as i32;
            let key = score * 100 - dist;
            if best.map_or(true, |(b, _)| key > b) {
                best = Some((key, pi));
            }
        }
        if let Some((_, pi)) = best {
            let pm = v.places[pi];
            d.location = Some((pm.place, (v.toks[pm.tok].start, v.toks[pm.tok].end)));
        }
        // Material conflict at a place ("blockade Paris", "a curfew in Cizre"): with no other
        // target, the country of the place is the target.
        if d.target.is_none()
            && d.participants.len() < 2
            && (trig.quad == 4 || trig.plover == "THREATEN")
        {
            if let Some((pi, _)) = d.location {
                let place_country = reg_places[pi].country.as_deref();
                if let Some(k) = v
                    .actors
                    .iter()
                    .position(|m| m.locative && actors[m.actor].country.as_deref() == place_country)
                {
                    d.target = Some(party(v, &v.actors[k]));
                } else if let Some(c) = place_country {
                    d.target_country = Some(c.to_string());
                }
            }
        }
        // Quantities: those of the clause nearest the trigger (before a noun: "48-hour pause").
        if let Some((qi, _)) = v
            .quantities
            .iter()
            .enumerate()
            .filter(|(_, q)| q.first >= cs && q.last <= ce)
            .min_by_key(|(_, q)| q.first.abs_diff(t))
        {
            d.quantities.push(qi);
        }

        // A promise or readiness to cooperate is an intent to cooperate (CAMEO 03).
        let promised = before.iter().any(|w| {
            w.is_any(&[
                "will", "'ll", "ready", "willing", "pledged", "promised", "vowed", "vows", "plans",
                "plan", "planned", "intends", "intend",
            ])
        });
        let reported_would = rep.is_some()
            && before.iter().any(|w| w.is_any(&["would", "will", "'ll"]))
            && !clause_before.iter().any(|w| w.is_in(&CONDITIONAL));
        if (promised && !d.hypothetical || reported_would) && !d.negated {
            d.derived = intent(trig.plover).or_else(|| threat(trig.plover));
        }
        // "X said Y must ...": a demand by X on Y (CAMEO 10).
        let must = before.iter().any(|w| w.is_any(&["must", "should"]));
        if must && !d.negated {
            let demander = rep
                .map(|r| r.0)
                .filter(|r| Some(r.actor) != d.source.map(|s| s.actor));
            if let (Some(r), Some(s)) = (demander, d.source) {
                d.target = Some(s);
                d.source = Some(r);
                d.derived = Some(Recode {
                    plover: "REQUEST",
                    cameo: "100",
                    goldstein: -5.0,
                    quad: 3,
                });
                d.hypothetical = false;
            }
        }

        // Events in relative and subordinate clauses are background, not the news.
        let subordinate = cs > 0
            && v.toks[cs].is_any(&[
                "which", "who", "whom", "where", "when", "whose", "after", "before", "as", "while",
                "because", "since", "although", "though", "whereas", "if", "unless", "whether",
                "amid", "despite",
            ]);
        let primary = !subordinate && out.is_empty();
        d.confidence = confidence(&d, pos, primary, subordinate);
        out.push(d);
        t += 1;
    }

    // "X says Y hit Z": reported material conflict by another party is an accusation.
    let mut extra = Vec::new();
    {
        for d in &out {
            let Some(r) = d.reported_by else { continue };
            let Some(&(_, ri)) = reporters.iter().find(|(p, _)| *p == r) else {
                continue;
            };
            let trig = &lex.triggers[d.trigger as usize];
            if trig.quad == 4 && !d.negated {
                if let Some(s) = d.source {
                    if s.actor != r.actor && d.trigger_span.0 > v.toks[ri].start {
                        let mut a = d.clone();
                        a.derived = Some(Recode {
                            plover: "ACCUSE",
                            cameo: "112",
                            goldstein: -2.0,
                            quad: 3,
                        });
                        a.trigger_span = (v.toks[ri].start, v.toks[ri].end);
                        a.source = Some(r);
                        a.target = Some(s);
                        a.participants.clear();
                        a.quantities.clear();
                        a.confidence = ((d.confidence - 0.2f64).max(0.1) * 100.0).round() / 100.0;
                        extra.push(a);
                    }
                }
            }
        }
    }
    // "did not accept", "failed to reach agreement": refusing cooperation is a rejection
    // (CAMEO 12), reported next to the negated event itself.
    for d in &out {
        let trig = &lex.triggers[d.trigger as usize];
        if d.negated && trig.quad <= 2 && d.derived.is_none() && d.source.is_some() {
            let mut r = d.clone();
            r.negated = false;
            r.derived = Some(Recode {
                plover: "REJECT",
                cameo: "120",
                goldstein: -4.0,
                quad: 3,
            });
            extra.push(r);
        }
    }
    out.extend(extra);
    out
}

/// Confidence that the draft is a real, correctly attributed event of the sentence:
/// parties found, a verb rather than a noun, the sentence's first event (the news) rather
/// than background in a subordinate clause.
fn confidence(d: &Draft, pos: Pos, primary: bool, subordinate: bool) -> f64 {
    let mut c: f64 = 0.3;
    if d.source.is_some() {
        c += 0.25;
    }
    if d.target.is_some() || d.participants.len() > 1 {
        c += 0.15;
    }
    if pos == Pos::Verb {
        c += 0.1;
    }
    if primary {
        c += 0.1;
    }
    if subordinate {
        c -= 0.15;
    }
    if d.source.is_none() && d.target.is_none() {
        c -= 0.1;
    }
    (c.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

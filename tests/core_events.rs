//! The enrichment core on text written for these tests: one test per construction the event
//! engine must read, negative cases, and the seed story.
//!
//! Dictionaries: the small files in `tests/fixtures/config/dictionaries/` (written for the
//! tests) plus the shipped trigger lexicon, so results do not move when the big shipped
//! dictionaries grow.

use std::path::{Path, PathBuf};

use parleywire::article::Article;
use parleywire::enrich::{Context, DictionarySources, Enricher};
use parleywire::record::{EnrichedRecord, Event};

fn enricher() -> Enricher {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The shipped sentiment files, with small fixture dictionaries for actors and places.
    let mut sources = DictionarySources::default();
    for (name, body) in parleywire::dictionaries::embedded().files {
        if name.starts_with("sentiment/") {
            sources.files.insert(name, body);
        }
    }
    let fixtures = root.join("tests/fixtures/config/dictionaries");
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        sources.files.insert(
            format!("dictionaries/{name}"),
            std::fs::read_to_string(&path).expect("fixture"),
        );
    }
    sources.files.insert(
        "dictionaries/triggers.tsv".into(),
        std::fs::read_to_string(root.join("config/dictionaries/triggers.tsv")).expect("triggers"),
    );
    Enricher::new(&sources).expect("dictionaries compile")
}

fn run(e: &Enricher, body: &str, date: Option<&str>) -> EnrichedRecord {
    let article = Article {
        id: "test".into(),
        body: body.into(),
        published_at: date.map(str::to_string),
        ..Article::default()
    };
    e.enrich(
        &article,
        &Context {
            processed_at: "2020-01-01T00:00:00Z".into(),
            kafka: None,
        },
    )
}

fn find<'a>(r: &'a EnrichedRecord, kind: &str) -> &'a Event {
    r.events
        .iter()
        .find(|e| e.event_type == kind)
        .unwrap_or_else(|| panic!("no {kind} event in {:#?}", r.events))
}

fn code(a: &Option<parleywire::record::EventActor>) -> &str {
    a.as_ref().map_or("-", |a| a.code.as_str())
}

#[test]
fn title_and_nationality_adjective() {
    let e = enricher();
    let r = run(
        &e,
        "Turkish Foreign Minister Ali Demir met Ukrainian officials in Kyiv on Tuesday.",
        Some("2022-03-10"),
    );
    let ev = find(&r, "CONSULT");
    assert_eq!(code(&ev.source), "TURGOV");
    assert_eq!(ev.source.as_ref().unwrap().name, "Ali Demir");
    assert_eq!(code(&ev.target), "UKRGOV");
    assert_eq!(
        ev.location.as_ref().unwrap().country.as_deref(),
        Some("UKR")
    );
    let t = ev.time.as_ref().unwrap();
    assert_eq!(
        (t.date.as_deref(), t.precision.as_str()),
        (Some("2022-03-08"), "day")
    );
}

#[test]
fn counterpart_apposition_and_talks_between() {
    let e = enricher();
    let r = run(
        &e,
        "Talks between U.S. Secretary of State John Kerry and his Russian counterpart, Sergei Lavrov, are scheduled for Monday.",
        Some("2015-06-03"),
    );
    let ev = find(&r, "CONSULT");
    let codes: Vec<&str> = ev.participants.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, vec!["USAGOV", "RUSGOV"]);
    assert!(ev.modality.future);
    assert_eq!(
        ev.time.as_ref().unwrap().date.as_deref(),
        Some("2015-06-08")
    );
}

#[test]
fn dated_roles_apply_only_inside_the_office() {
    let e = enricher();
    let r = run(&e, "Kerry criticized Iran.", Some("2014-01-01"));
    assert_eq!(code(&find(&r, "ACCUSE").source), "USAGOV");
    let r = run(&e, "Kerry criticized Iran.", Some("2005-01-01"));
    assert_eq!(code(&find(&r, "ACCUSE").source), "USA");
}

#[test]
fn passive_voice_swaps_source_and_target() {
    let e = enricher();
    let r = run(
        &e,
        "A convoy of Iraqi civilians was attacked by Turkish troops near Mosul.",
        None,
    );
    let ev = find(&r, "ASSAULT");
    assert_eq!(code(&ev.source), "TURMIL");
    assert_eq!(code(&ev.target), "IRQCVL");
}

#[test]
fn coordination_makes_a_joint_source() {
    let e = enricher();
    let r = run(
        &e,
        "Egypt and Jordan agreed to reopen the border crossing.",
        None,
    );
    let ev = find(&r, "AGREE");
    let codes: Vec<&str> = ev.participants.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, vec!["EGY", "JOR"]);
    assert!(ev.target.is_none());
}

#[test]
fn possessive_talks_with() {
    let e = enricher();
    let r = run(
        &e,
        "France's talks with Iran in Vienna ended without a statement.",
        None,
    );
    let ev = find(&r, "CONSULT");
    assert_eq!(code(&ev.source), "FRA");
    assert_eq!(code(&ev.target), "IRN");
    assert_eq!(ev.location.as_ref().unwrap().name, "Vienna");
}

#[test]
fn negation_is_marked_and_refusal_is_a_rejection() {
    let e = enricher();
    let r = run(&e, "Israel did not accept the Egyptian proposal.", None);
    let agree = find(&r, "AGREE");
    assert!(agree.modality.negated);
    let reject = find(&r, "REJECT");
    assert!(!reject.modality.negated);
    assert_eq!(code(&reject.source), "ISR");
    let r = run(&e, "Neither Iran nor Iraq would sign the accord.", None);
    assert!(r
        .events
        .iter()
        .all(|e| e.modality.negated || e.event_type == "REJECT"));
}

#[test]
fn hypothetical_and_future() {
    let e = enricher();
    let r = run(
        &e,
        "If talks fail, Germany could impose sanctions on Iran.",
        None,
    );
    assert!(find(&r, "SANCTION").modality.hypothetical);
    let r = run(&e, "China will meet Japan next week.", Some("2019-05-15"));
    let ev = find(&r, "CONSULT");
    assert!(ev.modality.future && !ev.modality.hypothetical);
    let t = ev.time.as_ref().unwrap();
    assert_eq!(
        (t.date.as_deref(), t.precision.as_str()),
        (Some("2019-05-20"), "week")
    );
}

#[test]
fn reported_speech_names_the_reporter() {
    let e = enricher();
    let r = run(
        &e,
        "Russian troops shelled the town, Ukrainian officials said yesterday.",
        Some("2022-03-10"),
    );
    let ev = find(&r, "ASSAULT");
    assert_eq!(code(&ev.source), "RUSMIL");
    assert_eq!(code(&ev.modality.reported_by), "UKRGOV");
    let r = run(
        &e,
        "“We demand a ceasefire now”, Merkel said.",
        Some("2016-01-01"),
    );
    let ev = find(&r, "REQUEST");
    assert_eq!(code(&ev.source), "DEUGOV");
    assert_eq!(code(&ev.modality.reported_by), "DEUGOV");
}

#[test]
fn pronoun_of_the_last_speaker() {
    let e = enricher();
    let r = run(
        &e,
        "Merkel said the talks were useful. Kerry met Lavrov in Geneva. “We demand a truce now”, she said.",
        Some("2015-03-01"),
    );
    let ev = find(&r, "REQUEST");
    assert_eq!(ev.source.as_ref().unwrap().name, "Angela Merkel");
    assert_eq!(
        ev.modality.reported_by.as_ref().unwrap().name,
        "Angela Merkel"
    );
}

#[test]
fn quantities_attach_to_their_event() {
    let e = enricher();
    let r = run(
        &e,
        "The United Nations demanded a 72-hour truce and delivered aid to 20,000 people.",
        None,
    );
    let demand = find(&r, "REQUEST");
    assert_eq!(demand.quantities[0].iso8601.as_deref(), Some("PT72H"));
    assert_eq!(code(&demand.source), "IGOUNO");
}

#[test]
fn statements_about_events_are_not_events() {
    let e = enricher();
    for text in [
        "Neither minister would describe the meeting schedule in detail.",
        "The weather in Geneva was mild on Tuesday.",
        "Officials declined to comment.",
    ] {
        let r = run(&e, text, None);
        let real: Vec<&Event> = r
            .events
            .iter()
            .filter(|e| !e.modality.negated && !e.modality.hypothetical && e.confidence >= 0.5)
            .collect();
        assert!(real.is_empty(), "{text}: {real:#?}");
    }
}

#[test]
fn spans_are_code_points_and_ids_are_stable() {
    let e = enricher();
    let body = "Après l’échec, Iran’s president criticized France.";
    let r = run(&e, body, None);
    let ev = find(&r, "ACCUSE");
    let chars: Vec<char> = body.chars().collect();
    let [s, t] = ev.trigger.span;
    assert_eq!(chars[s..t].iter().collect::<String>(), "criticized");
    let again = run(&e, body, None);
    assert_eq!(ev.id, find(&again, "ACCUSE").id);
    assert_eq!(code(&ev.source), "IRNGOV");
}

#[test]
fn capital_as_metonym_and_place() {
    let e = enricher();
    let r = run(&e, "Moscow rejected the offer made in Geneva.", None);
    let ev = find(&r, "REJECT");
    assert_eq!(code(&ev.source), "RUSGOV");
    assert!(r
        .places
        .iter()
        .any(|p| p.name == "Geneva" && p.country.as_deref() == Some("CHE")));
}

/// Find `shared/seed/article.txt` upward from the crate, or via `PARLEYWIRE_SEED`.
fn seed_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PARLEYWIRE_SEED") {
        return Some(PathBuf::from(p));
    }
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let p = d.join("shared/seed/article.txt");
        if p.is_file() {
            return Some(p);
        }
        dir = d.parent();
    }
    None
}

#[test]
fn seed_story() {
    let Some(path) = seed_path() else {
        eprintln!("seed article not found (set PARLEYWIRE_SEED); skipping");
        return;
    };
    let text = std::fs::read_to_string(path).expect("seed");
    let (headline, body) = text.split_once('\n').expect("headline line");
    let article = Article {
        id: "seed".into(),
        headline: headline.into(),
        body: body.into(),
        published_at: Some("2016-08-25".into()),
        ..Article::default()
    };
    let e = enricher();
    let r = e.enrich(&article, &Context::default());
    let ev = |pred: &dyn Fn(&Event) -> bool, what: &str| -> Event {
        r.events
            .iter()
            .find(|e| pred(e))
            .cloned()
            .unwrap_or_else(|| panic!("missing: {what}"))
    };
    let has = |e: &Event, c: &str| {
        code(&e.source) == c || code(&e.target) == c || e.participants.iter().any(|p| p.code == c)
    };

    // Kerry (USAGOV) and Lavrov (RUSGOV): talks scheduled for Friday, in Geneva.
    let talks = ev(
        &|e| {
            e.event_type == "CONSULT"
                && e.sentence.in_text == "body"
                && has(e, "RUSGOV")
                && has(e, "USAGOV")
                && e.time.is_some()
        },
        "Kerry-Lavrov talks",
    );
    assert!(talks.modality.future);
    assert_eq!(talks.status.as_deref(), Some("scheduled"));
    assert_eq!(
        talks.time.as_ref().unwrap().date.as_deref(),
        Some("2016-08-26")
    );
    assert_eq!(talks.location.as_ref().unwrap().name, "Geneva");
    assert_eq!(
        talks.location.as_ref().unwrap().country.as_deref(),
        Some("CHE")
    );

    // Kerry's talks with Qatar's foreign minister in Doha on Monday.
    let doha = ev(
        &|e| e.event_type == "CONSULT" && e.location.as_ref().is_some_and(|l| l.name == "Doha"),
        "Doha talks",
    );
    assert!(has(&doha, "QATGOV") && has(&doha, "USAGOV"));
    assert_eq!(
        doha.time.as_ref().unwrap().date.as_deref(),
        Some("2016-08-22")
    );

    // Qatar backs the deal.
    let backing = ev(
        &|e| e.event_type == "SUPPORT" && code(&e.source) == "QATGOV",
        "Qatar backs",
    );
    assert!(!backing.modality.negated && !backing.modality.hypothetical);

    // De Mistura (IGOUNO) demands a 48-hour pause.
    let demand = ev(
        &|e| e.event_type == "REQUEST" && code(&e.source) == "IGOUNO",
        "de Mistura demand",
    );
    assert_eq!(demand.quantities[0].iso8601.as_deref(), Some("PT48H"));

    // The US accuses Russia.
    ev(
        &|e| {
            e.event_type == "ACCUSE"
                && code(&e.source) == "USA"
                && code(&e.target).starts_with("RUS")
        },
        "US accuses Russia",
    );

    // Aid delivered to over one million people.
    let aid = ev(&|e| e.event_type == "AID", "aid");
    assert_eq!(aid.quantities[0].value, 1e6);
    assert_eq!(aid.mode.as_deref(), Some("humanitarian"));

    // The White House approves the coordination deal; the planners would coordinate.
    ev(
        &|e| {
            e.event_type == "SUPPORT" && e.source.as_ref().is_some_and(|s| s.name == "White House")
        },
        "White House approval",
    );
    let coordinate = ev(&|e| e.event_type == "COOPERATE", "coordination");
    assert!(coordinate.modality.hypothetical);

    // Opposition groups surrender Daraya to the Syrian government.
    let surrender = ev(&|e| e.trigger.text == "surrendered", "surrender");
    assert_eq!(code(&surrender.source), "SYROPP");
    assert_eq!(code(&surrender.target), "SYRGOV");
    assert_eq!(surrender.location.as_ref().unwrap().name, "Daraya");

    // "likely to hinge" and "tentatively planned" are not facts.
    let stalled = ev(&|e| e.trigger.text == "peace talks", "peace talks");
    assert!(stalled.modality.hypothetical);
    assert_eq!(stalled.status.as_deref(), Some("stalled"));
    let meeting = ev(&|e| e.trigger.text == "meeting", "Kerry-Lavrov meeting");
    assert!(meeting.modality.future && meeting.modality.hypothetical);

    // "neither Kerry nor Lavrov would describe them in detail" is no event.
    let neither = body.find("neither Kerry").unwrap();
    let neither = body[..neither].chars().count();
    assert!(r.events.iter().all(|e| e.sentence.in_text != "body"
        || !(e.sentence.span[0] <= neither && neither < e.sentence.span[1])));

    // Places and tags.
    assert!(r
        .places
        .iter()
        .any(|p| p.name == "Daraya" && p.country.as_deref() == Some("SYR")));
    for tag in ["negotiation", "humanitarian", "ceasefire"] {
        assert!(r.tags.iter().any(|t| t == tag), "tag {tag}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any text, any Unicode: no panic, every span inside the text, every trigger span
        /// pointing at the trigger text, and the same output twice.
        #[test]
        fn spans_stay_valid(body in "(\\PC|[“”’'\\.\\-,;: ]|Kerry|Moscow|rejected|U\\.S\\.|talks){0,60}") {
            let e = shared();
            let r = run(e, &body, Some("2016-08-25"));
            let chars: Vec<char> = body.chars().collect();
            for ev in &r.events {
                let [s, t] = ev.trigger.span;
                prop_assert!(s <= t && t <= chars.len());
                prop_assert_eq!(chars[s..t].iter().collect::<String>(), ev.trigger.text.clone());
                let [a, b] = ev.sentence.span;
                prop_assert!(a <= s && t <= b && b <= chars.len());
            }
            for a in &r.actors {
                for [s, t] in &a.mentions {
                    prop_assert!(s <= t && *t <= chars.len());
                }
            }
            prop_assert_eq!(r, run(e, &body, Some("2016-08-25")));
        }
    }

    fn shared() -> &'static Enricher {
        static E: std::sync::OnceLock<Enricher> = std::sync::OnceLock::new();
        E.get_or_init(enricher)
    }
}

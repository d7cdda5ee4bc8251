//! Property tests: the input decoders and the enrichment core never panic on arbitrary
//! input, and every span in a record lies inside the text it names.
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz` for a long run.

use proptest::prelude::*;

use parleywire::article::{decode, Article, DecodeLimits, InputFormat};
use parleywire::enrich::{Context, Enricher};
use parleywire::record::{EnrichedRecord, Span};

fn enricher() -> &'static Enricher {
    static E: std::sync::OnceLock<Enricher> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        Enricher::new(&parleywire::dictionaries::embedded()).expect("embedded dictionaries compile")
    })
}

fn check_span(span: &Span, len: usize, what: &str) {
    assert!(
        span[0] <= span[1] && span[1] <= len,
        "{what} span {span:?} outside 0..{len}"
    );
}

/// Every span of the record lies within the text it refers to.
fn check_record(r: &EnrichedRecord, a: &Article) {
    let body = a.body.chars().count();
    let headline = a.headline.chars().count();
    for e in &r.events {
        let len = if e.sentence.in_text == "headline" {
            headline
        } else {
            body
        };
        check_span(&e.sentence.span, len, "sentence");
        check_span(&e.trigger.span, len, "trigger");
        for actor in e
            .source
            .iter()
            .chain(e.target.iter())
            .chain(e.participants.iter())
        {
            check_span(&actor.span, len, "event actor");
        }
        for q in &e.quantities {
            check_span(&q.span, len, "quantity");
        }
        assert!((-1.0..=1.0).contains(&e.sentiment.score));
        assert!((0.0..=1.0).contains(&e.confidence));
    }
    for actor in &r.actors {
        actor
            .mentions
            .iter()
            .for_each(|s| check_span(s, body, "actor mention"));
        actor
            .headline_mentions
            .iter()
            .for_each(|s| check_span(s, headline, "actor headline mention"));
    }
    for t in &r.targets {
        t.mentions
            .iter()
            .for_each(|s| check_span(s, body, "target mention"));
    }
    assert!((-1.0..=1.0).contains(&r.sentiment.compound));
    serde_json::to_string(r).expect("serializes");
}

/// Text that looks like news often enough to reach the event rules.
fn newsish() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Russia",
        "the United States",
        "Kerry",
        "Lavrov",
        "said",
        "met",
        "with",
        "in",
        "Geneva",
        "on",
        "Friday",
        "talks",
        "rebels",
        "accused",
        "of",
        "not",
        "would",
        "48",
        "hours",
        "a",
        "pause",
        "U.S.",
        "\"",
        ",",
        ".",
        "and",
        "between",
        "the",
        "UN",
        "envoy",
        "demanded",
        "agreed",
        "refused",
        "to",
        "attack",
        "é",
        "—",
        "’",
        "\n",
        "Mr.",
        "Gen.",
        "Sept.",
        "1.8",
        "million",
        "people",
        "aid",
        "his",
        "counterpart",
        "(",
        ")",
    ]);
    prop::collection::vec(words, 0..80).prop_map(|w| w.join(" "))
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048), key in prop::option::of(prop::collection::vec(any::<u8>(), 0..16))) {
        for format in [InputFormat::Auto, InputFormat::Json, InputFormat::Text] {
            let _ = decode(&bytes, key.as_deref(), format, &DecodeLimits::default());
        }
    }

    #[test]
    fn decoding_json_shaped_input_never_panics(s in "\\{(\"[a-z_]{1,10}\": ?(\"[^\"]{0,20}\"|[0-9]{1,3}|null|\\[\\]|\\{\\}|true), ?){0,6}\"body\": ?\"[^\"]{0,40}\"\\}") {
        let _ = decode(s.as_bytes(), None, InputFormat::Auto, &DecodeLimits::default());
    }

    #[test]
    fn enriching_arbitrary_text_never_panics(headline in any::<String>(), body in any::<String>()) {
        let a = Article { id: "p".into(), headline, body, published_at: Some("2016-08-25".into()), ..Article::default() };
        let r = enricher().enrich(&a, &Context::default());
        check_record(&r, &a);
    }

    #[test]
    fn enriching_newsish_text_keeps_spans_inside(headline in newsish(), body in newsish(), date in prop::option::of("(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])")) {
        let a = Article { id: "p".into(), headline, body, published_at: date, ..Article::default() };
        let r = enricher().enrich(&a, &Context::default());
        check_record(&r, &a);
        // Deterministic: the same input gives the same record.
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&enricher().enrich(&a, &Context::default())).unwrap());
    }
}

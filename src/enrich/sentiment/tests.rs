//! Tests on text written for them (no dataset sentences).

use super::*;
use crate::article::TargetSpec;

/// The model of the embedded dictionaries, compiled once for all tests.
fn model() -> &'static SentimentModel {
    static MODEL: std::sync::OnceLock<SentimentModel> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        SentimentModel::new(&crate::dictionaries::embedded())
            .expect("embedded dictionaries compile")
    })
}

/// Code-point span of the `nth` occurrence of `needle` in `text`.
fn span(text: &str, needle: &str, nth: usize) -> Span {
    let (b, _) = text.match_indices(needle).nth(nth).expect("needle in text");
    let s = text[..b].chars().count();
    [s, s + needle.chars().count()]
}

#[test]
fn negation_flips_tone() {
    let m = model();
    assert_eq!(m.document("The proposal is good.").label, "positive");
    assert_eq!(m.document("The proposal is not good.").label, "negative");
    assert_eq!(
        m.document("The envoy didn't welcome the plan.").label,
        "negative"
    );
    // A negator that is a sentiment word itself still negates what follows.
    assert!(m.document("The talks failed to produce progress.").compound < -0.3);
}

#[test]
fn contrast_weights_the_second_clause() {
    let m = model();
    let plain = m.document("The plan was good and the reaction was bad.");
    let but = m.document("The plan was good, but the reaction was bad.");
    let however = m.document("The plan was good; however, the reaction was bad.");
    assert!(but.compound < plain.compound);
    assert_eq!(but.label, "negative");
    assert_eq!(however.label, "negative");
    // "not only ... but also" neither negates nor contrasts.
    let both = m.document("The plan is not only fair but also generous.");
    assert_eq!(both.label, "positive");
    let although = m.document("Although the delegates were angry, the meeting ended well.");
    assert_eq!(although.label, "positive");
}

#[test]
fn quotes_are_damped_and_scare_quotes_lose_warmth() {
    let m = model();
    let plain = m.document("Officials called the offer a wonderful gesture.");
    let quoted = m.document("Officials called the offer \"a wonderful gesture\".");
    assert!(quoted.compound < plain.compound);
    assert!(quoted.compound > 0.0);
    let scare = m.document("They praised the \"peace\" plan.");
    let sincere = m.document("They praised the peace plan.");
    assert!(scare.compound < sincere.compound);
}

#[test]
fn news_terms_and_gdelt_percentages() {
    let m = model();
    let d = m.document("Ceasefire violations and shelling continued as the talks stalled.");
    assert_eq!(d.label, "negative");
    assert!(d.negative > 0.0 && d.tone < 0.0);
    assert_eq!(d.word_count, 9);
    assert!((d.polarity - (d.positive + d.negative)).abs() < 0.02);
    let up = m.document("Negotiators hailed a breakthrough after a constructive meeting.");
    assert_eq!(up.label, "positive");
    assert!(up.tone > 0.0);
    // Names are not sentiment: "United" in "United Nations".
    assert_eq!(m.document("The United Nations party met.").label, "neutral");
}

#[test]
fn praise_then_attack_splits_targets() {
    let m = model();
    let text = "Mendoza praised the brave mediators, while the protesters angrily denounced Okafor as a corrupt liar.";
    let praised = m.mention_sentiment(text, &[span(text, "Mendoza", 0)]);
    let attacked = m.mention_sentiment(text, &[span(text, "Okafor", 0)]);
    assert!(
        praised.score > attacked.score,
        "{praised:?} vs {attacked:?}"
    );
    assert_eq!(attacked.label, "negative");
}

#[test]
fn mention_sentiment_uses_code_points() {
    let m = model();
    // Non-ASCII text before the mention: spans are code points, not bytes.
    let text = "Über São Tomé, the corrupt and incompetent Vásquez was condemned.";
    let s = m.mention_sentiment(text, &[span(text, "Vásquez", 0)]);
    assert_eq!(s.label, "negative");
    // A span in the middle of nowhere is ignored, and no mention is neutral.
    assert_eq!(m.mention_sentiment(text, &[[500, 510]]).label, "neutral");
}

#[test]
fn event_sentiment_follows_the_event_type() {
    let m = model();
    let text = "The ministry accused the neighbouring state of moving troops to the border.";
    let clause = [0, text.chars().count()];
    assert_eq!(m.event_sentiment(text, clause, "ACCUSE").label, "negative");
    let text = "The bloc expressed its support for the transitional government.";
    let clause = [0, text.chars().count()];
    assert_eq!(m.event_sentiment(text, clause, "SUPPORT").label, "positive");
    // Calm or warm words do not turn an accusation friendly.
    let text = "The minister politely accused his kind counterpart of bad faith.";
    assert_eq!(
        m.event_sentiment(text, [0, text.chars().count()], "ACCUSE")
            .label,
        "negative"
    );
}

#[test]
fn targets_echo_order_and_find_surnames() {
    let m = model();
    let body = "Maria Lindqvist won praise for a fair deal. Rivals attacked Tomas Berg. \
                Lindqvist later thanked Berg's team warmly.";
    let article = Article {
        id: "t1".into(),
        headline: String::new(),
        body: body.into(),
        published_at: None,
        source: None,
        url: None,
        language: None,
        targets: vec![
            TargetSpec {
                text: "Tomas Berg".into(),
                start: None,
                end: None,
            },
            TargetSpec {
                text: "Maria Lindqvist".into(),
                start: Some(0),
                end: Some(15),
            },
        ],
    };
    let t = m.targets(&article);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].text, "Tomas Berg");
    assert_eq!(t[1].text, "Maria Lindqvist");
    assert_eq!(
        t[0].mentions,
        vec![span(body, "Tomas Berg", 0), span(body, "Berg", 1)]
    );
    assert_eq!(
        t[1].mentions,
        vec![span(body, "Maria Lindqvist", 0), span(body, "Lindqvist", 1)]
    );
}

#[test]
fn tags_from_lexicons() {
    let m = model();
    let text = "Diplomats voiced concern as the fighting escalated, and urged an immediate truce.";
    let doc = m.document(text);
    let tags = m.tags(text, &doc);
    assert_eq!(tags[0], format!("tone:{}", doc.label));
    for t in ["concern", "urgency", "escalation", "de-escalation"] {
        assert!(tags.iter().any(|x| x == t), "{t} missing from {tags:?}");
    }
    assert!(!tags.iter().any(|x| x == "optimism"));
    // Topic tags of the output contract.
    let text = "Envoys resumed talks on a truce and on aid convoys for displaced families.";
    let tags = m.tags(text, &m.document(text));
    for t in ["negotiation", "ceasefire", "humanitarian", "de-escalation"] {
        assert!(tags.iter().any(|x| x == t), "{t} missing from {tags:?}");
    }
    // Negated terms do not count.
    let text = "There was no escalation.";
    let tags = m.tags(text, &m.document(text));
    assert!(!tags.iter().any(|x| x == "escalation"), "{tags:?}");
}

#[test]
fn bad_dictionary_files_name_file_and_line() {
    let mut sources = crate::dictionaries::embedded();
    sources.files.insert(
        "sentiment/news_lexicon.tsv".into(),
        "# comment\nceasefire\t1.0\nstalled\tvery bad\n".into(),
    );
    let e = SentimentModel::new(&sources).err().expect("error");
    assert_eq!(e.file, "sentiment/news_lexicon.tsv");
    assert_eq!(e.line, 3);
    let mut sources = crate::dictionaries::embedded();
    sources
        .files
        .insert("sentiment/target_model.tsv".into(), "bias\t1\t2\n".into());
    let e = SentimentModel::new(&sources).err().expect("error");
    assert_eq!((e.file.as_str(), e.line), ("sentiment/target_model.tsv", 1));
}

#[test]
fn sentences_split_at_periods_but_not_abbreviations() {
    let m = model();
    let an = m.analyze("The U.S. envoy met Mr. Smith. Talks ended.");
    assert_eq!(an.sents.len(), 2);
    assert_eq!(an.word_count(), 8);
    // Line breaks: a wrapped line going on in lower case stays in its sentence; a headline
    // line without a period, or a blank line, ends one.
    let an = m.analyze(
        "Envoys meet in Geneva
The talks were
constructive.

next paragraph",
    );
    assert_eq!(an.sents.len(), 3);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any text and any spans: no panic, scores in range, labels agree with scores.
        #[test]
        fn any_text_scores_in_range(
            text in "(\\PC|[ \\n\"'.,!?]){0,200}",
            spans in proptest::collection::vec((0usize..260, 0usize..260), 0..4),
        ) {
            let m = model();
            let d = m.document(&text);
            prop_assert!((-1.0..=1.0).contains(&d.compound));
            prop_assert!((d.tone - (d.positive - d.negative)).abs() < 0.02);
            let spans: Vec<Span> = spans.into_iter().map(|(a, b)| [a, b]).collect();
            let s = m.mention_sentiment(&text, &spans);
            prop_assert!((-1.0..=1.0).contains(&s.score));
            prop_assert_eq!(s.label.as_str(), crate::record::label_for(s.score));
            let e = m.event_sentiment(&text, [0, text.chars().count()], "ACCUSE");
            prop_assert!((-1.0..=1.0).contains(&e.score));
            let _ = m.tags(&text, &d);
        }
    }
}

/// With VADER's lexicon and word lists alone, the scorer reproduces Python vaderSentiment
/// 3.3.2 (figures computed with it on these sentences written for the test).
#[test]
fn vader_parity_on_vader_lexicon() {
    let mut sources = crate::dictionaries::embedded();
    let rules: String = sources
        .get("sentiment/rules.tsv")
        .expect("rules")
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f.len() == 3 && (f[0] == "booster" || f[0] == "negator")
        })
        .chain(["contrast\tbut\t1.5"])
        .map(|l| format!("{l}\n"))
        .collect();
    sources.files.insert("sentiment/rules.tsv".into(), rules);
    sources
        .files
        .insert("sentiment/news_lexicon.tsv".into(), String::new());
    let m = SentimentModel::new(&sources).expect("VADER-only sources compile");
    for (text, python) in [
        ("The envoy was very helpful and kind.", 0.7755),
        ("The talks were NOT good at all!!", -0.457),
        ("The minister is annoyed, but the deal is great.", 0.705),
        ("The delegates were without doubt pleased.", 0.6136),
        ("This is the least successful summit in years.", -0.4717),
        ("Never so happy to see a ceasefire hold.", 0.6948),
        ("The proposal is not bad.", 0.431),
        (
            "Officials are extremely worried about the terrible violence.",
            -0.8655,
        ),
    ] {
        let ours = m.document(text).compound;
        assert!((ours - python).abs() < 2e-3, "{text}: {ours} vs {python}");
    }
    // Deliberate difference: VADER's "kind of" makes a negative word more negative
    // (-0.4391 here); we damp it toward zero.
    let damped = m.document("The minister is sort of annoyed.").compound;
    let plain = m.document("The minister is annoyed.").compound;
    assert!(plain < damped && damped < 0.0, "{plain} {damped}");
}

/// The same neutral mention leans with the article around it.
#[test]
fn target_sentiment_leans_with_the_article_tone() {
    let m = model();
    let article = |body: &str| Article {
        id: "a".into(),
        headline: String::new(),
        body: body.into(),
        published_at: None,
        source: None,
        url: None,
        language: None,
        targets: vec![TargetSpec {
            text: "Tomas Berg".into(),
            start: None,
            end: None,
        }],
    };
    let grim = m.targets(&article(
        "Tomas Berg spoke to reporters on Monday. He was accused of corruption, fraud and lies. \
         His failure was a disaster, and critics called him a liar.",
    ));
    let warm = m.targets(&article(
        "Tomas Berg spoke to reporters on Monday. He was praised for his brave, generous and \
         wise leadership. Supporters called him a hero and thanked him warmly.",
    ));
    assert!(grim[0].sentiment.score < warm[0].sentiment.score);
}

mod cue_words {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Each token carries the cue index of its folded word, as a look-up of the word
        /// in the model's cue words gives it (in any case, with punctuation around, after a
        /// long run of punctuation, with typographic apostrophes).
        #[test]
        fn tokens_carry_the_cue_of_their_folded_word(
            words in proptest::collection::vec(
                (0usize..2000, 0usize..4, "[\"(']{0,2}", "[.,!?\")]{0,2}"),
                1..40,
            ),
            lead in "[.\\-]{0,70}",
        ) {
            let m = model();
            let cues = m.target.as_ref().expect("target model").cue_words();
            let mut text = lead.clone();
            for (k, case, open, close) in &words {
                let w = String::from_utf8_lossy(&cues[k % cues.len()]).to_string();
                let w = match case {
                    0 => w,
                    1 => w.to_uppercase(),
                    2 => w.replace('\'', "’"),
                    _ => format!("{w}é"),
                };
                text.push_str(&format!("{open}{w}{close} "));
            }
            let an = m.analyze(&text);
            let mut buf = [0u8; 48];
            for t in &an.toks {
                let word = &text.as_bytes()[t.b0 as usize..t.b1 as usize];
                let expected = lexicon::fold(word, &mut buf)
                    .and_then(|f| cues.iter().position(|c| **c == *f))
                    .map_or(lexicon::NO_CUE, |k| k as u32);
                prop_assert_eq!(t.cue, expected, "{}", String::from_utf8_lossy(word));
            }
        }
    }
}

mod document_tone {
    use super::*;
    use proptest::prelude::*;

    /// The document tone as it was computed: every word of every sentence, quote weights
    /// applied to a copy of the sentence's valences.
    fn reference(m: &SentimentModel, an: &Analysis) -> (f64, usize, usize) {
        let mut sum_compound = 0.0f64;
        let (mut pos, mut neg) = (0usize, 0usize);
        for &(s, e) in &an.sents {
            let mut buf = an.vals[s..e].to_vec();
            vader::weigh_quotes(&m.lex, &an.toks[s..e], &mut buf);
            let mut sum = 0.0f32;
            let (mut excl, mut quest) = (0u32, 0u32);
            for (t, &v) in an.toks[s..e].iter().zip(&buf) {
                sum += v;
                excl += u32::from(t.excl);
                quest += u32::from(t.quest);
                if v > 0.0 {
                    pos += 1;
                } else if v < 0.0 {
                    neg += 1;
                }
            }
            let amp = vader::punctuation_emphasis(excl, quest);
            if sum > 0.0 {
                sum += amp;
            } else if sum < 0.0 {
                sum -= amp;
            }
            sum_compound += f64::from(sum);
        }
        (sum_compound, pos, neg)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Texts of sentiment words, quotes and sentence punctuation: the tone read from
        /// the valenced words of unquoted sentences is the tone read from every word.
        #[test]
        fn tone_from_valenced_words_is_tone_from_all_words(
            words in proptest::collection::vec((0usize..14, 0usize..9), 0..120),
        ) {
            const WORDS: [&str; 14] = [
                "good", "bad", "war", "peace", "not", "very", "but", "although", "the",
                "\"great\"", "\"terrible", "crisis\"", "\"", "GREAT",
            ];
            const AFTER: [&str; 9] = [" ", " ", " ", ", ", ". ", "!! ", "? ", "??? ", "\n\n"];
            let text: String = words
                .iter()
                .map(|&(w, a)| format!("{}{}", WORDS[w], AFTER[a]))
                .collect();
            let m = model();
            let an = m.analyze(&text);
            let (sum_compound, pos, neg) = reference(m, &an);
            let words = an.toks.len();
            let d = m.document_of(&an);
            let compound = if an.sents.is_empty() {
                0.0
            } else {
                f64::from(vader::normalize(
                    (sum_compound / (an.sents.len() as f64).sqrt()) as f32,
                ))
            };
            prop_assert_eq!(d.compound.to_bits(), Sentiment::from_score(compound).score.to_bits());
            let pct = |k: usize| if words == 0 { 0.0 } else { round2(100.0 * k as f64 / words as f64) };
            prop_assert_eq!(d.positive.to_bits(), pct(pos).to_bits());
            prop_assert_eq!(d.negative.to_bits(), pct(neg).to_bits());
        }
    }
}

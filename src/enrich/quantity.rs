//! Quantities: numbers written in digits or words, with their unit ("48 hours",
//! "a 48-hour pause", "over one million people", "$5 billion").

use super::text::WordSignature;

/// Number words and their values.
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("hundred", 100.0),
    ("dozen", 12.0),
    ("dozens", 24.0),
    ("hundreds", 200.0),
    ("thousands", 2000.0),
];

/// Every number word: the signature [`may_start`] tests.
const NUMBER_STARTS: WordSignature = {
    let mut s = WordSignature::EMPTY;
    let mut i = 0;
    while i < NUMBER_WORDS.len() {
        s = s.with(NUMBER_WORDS[i].0);
        i += 1;
    }
    s
};

/// Multipliers.
const SCALES: &[(&str, f64)] = &[
    ("hundred", 100.0),
    ("thousand", 1e3),
    ("million", 1e6),
    ("millions", 1e6),
    ("billion", 1e9),
    ("trillion", 1e12),
];

/// Units: (word forms, canonical unit, ISO 8601 duration designator).
const UNITS: &[(&[&str], &str, Option<&str>)] = &[
    (&["minute", "minutes"], "minute", Some("TM")),
    (&["hour", "hours"], "hour", Some("TH")),
    (&["day", "days"], "day", Some("D")),
    (&["week", "weeks"], "week", Some("W")),
    (&["month", "months"], "month", Some("M")),
    (&["year", "years"], "year", Some("Y")),
    (
        &["people", "persons", "civilians", "residents", "refugees"],
        "people",
        None,
    ),
    (&["troops", "soldiers"], "troops", None),
    (&["dollars"], "USD", None),
    (&["euros"], "EUR", None),
    (&["tons", "tonnes"], "tonne", None),
    (&["trucks", "lorries"], "trucks", None),
];

/// A quantity read from consecutive words.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Index of the first word used.
    pub first: usize,
    /// Index one past the last word used.
    pub last: usize,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: &'static str,
    /// ISO 8601 duration, for durations.
    pub iso8601: Option<String>,
}

fn number(w: &str) -> Option<f64> {
    let w = w.trim_start_matches('$');
    let first = w.as_bytes().first()?;
    if first.is_ascii_digit() {
        if w.contains(',') {
            let digits: String = w.chars().filter(|c| *c != ',').collect();
            return digits.parse::<f64>().ok();
        }
        return w.parse::<f64>().ok();
    }
    // Cheap filter before the word list: number words are short and start with one of these.
    if w.len() > 9
        || !matches!(
            first.to_ascii_lowercase(),
            b'o' | b't' | b'f' | b's' | b'e' | b'n' | b'h' | b'd'
        )
    {
        return None;
    }
    NUMBER_WORDS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(w))
        .map(|(_, v)| *v)
}

fn unit(w: &str) -> Option<(&'static str, Option<&'static str>)> {
    UNITS
        .iter()
        .find(|(forms, _, _)| forms.iter().any(|f| f.eq_ignore_ascii_case(w)))
        .map(|(_, u, d)| (*u, *d))
}

fn iso(value: f64, designator: &str) -> String {
    let v = if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    };
    match designator.strip_prefix('T') {
        Some(d) => format!("PT{v}{d}"),
        None => format!("P{v}{designator}"),
    }
}

/// Could a quantity start at `word`? False for nearly every word, and never for a word at
/// which [`parse`] finds one, so a reader may skip `parse` where it is false. A quantity
/// starts with a number: digits (after any `$`), or a number word, alone or before a hyphen
/// ("four-year").
#[inline]
pub fn may_start(word: &str) -> bool {
    let s = word.trim_start_matches('$').as_bytes();
    match s.first() {
        None => false,
        Some(b) if b.is_ascii_digit() => true,
        Some(_) => {
            let number = s
                .iter()
                .position(|&b| b == b'-')
                .map_or(s, |hyphen| &s[..hyphen]);
            NUMBER_STARTS.may_contain(number)
        }
    }
}

/// Read a quantity starting at `words[i]`: a number, optional scale, then a unit (possibly
/// joined by a hyphen: "48-hour"). Only quantities with a known unit are returned.
pub fn parse(words: &[&str], i: usize) -> Option<Found> {
    let w = words[i];
    // "48-hour", "four-year"
    if let Some((n, u)) = w.split_once('-') {
        if let (Some(v), Some((unit, d))) = (number(n), unit(u)) {
            return Some(Found {
                first: i,
                last: i + 1,
                value: v,
                unit,
                iso8601: d.map(|d| iso(v, d)),
            });
        }
    }
    let mut v = number(w)?;
    let mut j = i + 1;
    let dollars = w.starts_with('$');
    while let Some(s) = words.get(j).and_then(|n| {
        SCALES
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(n))
            .map(|(_, m)| *m)
    }) {
        v *= s;
        j += 1;
    }
    // "$500 million": the currency is written before the number.
    if dollars {
        return Some(Found {
            first: i,
            last: j,
            value: v,
            unit: "USD",
            iso8601: None,
        });
    }
    let (unit, d) = unit(words.get(j)?)?;
    Some(Found {
        first: i,
        last: j + 1,
        value: v,
        unit,
        iso8601: d.map(|d| iso(v, d)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that matter to the quantity reader, and some that look like them.
    const VOCABULARY: &[&str] = &[
        "one",
        "two",
        "three",
        "ten",
        "twelve",
        "twenty",
        "hundred",
        "hundreds",
        "dozen",
        "dozens",
        "thousands",
        "thousand",
        "million",
        "millions",
        "billion",
        "trillion",
        "hour",
        "hours",
        "day",
        "years",
        "people",
        "troops",
        "dollars",
        "tons",
        "trucks",
        "$",
        "$5",
        "the",
        "of",
        "there",
        "these",
        "onE",
        "a",
        "tens",
    ];

    /// A vocabulary word in a random case, two of them joined by a hyphen, a number with
    /// commas, dots or a dollar sign, or any short string of letters, digits, punctuation
    /// and non-ASCII letters.
    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let vocabulary = || {
            (proptest::sample::select(VOCABULARY), any::<u16>()).prop_map(|(w, case)| {
                w.chars()
                    .enumerate()
                    .map(|(k, c)| {
                        if case >> (k % 16) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect::<String>()
            })
        };
        prop_oneof![
            vocabulary(),
            (vocabulary(), vocabulary()).prop_map(|(a, b)| format!("{a}-{b}")),
            "\\$*[0-9]{1,4}(,[0-9]{3})?(\\.[0-9])?(-[a-z]{2,5})?",
            "[a-zA-Z0-9.,'$é北’-]{1,12}",
        ]
    }

    proptest::proptest! {
        #[test]
        fn may_start_never_hides_a_quantity(
            words in proptest::collection::vec(word(), 1..6)
        ) {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            for i in 0..words.len() {
                if parse(&words, i).is_some() {
                    proptest::prop_assert!(may_start(words[i]), "{:?} at {}", words, i);
                }
            }
        }
    }

    #[test]
    fn may_start_rules_out_frequent_words() {
        for w in ["the", "of", "to", "and", "there", "these", "in", "$"] {
            assert!(!may_start(w), "{w}");
        }
        for w in ["48-hour", "$500", "Four-year", "1,000", "one", "Dozens"] {
            assert!(may_start(w), "{w}");
        }
    }

    #[test]
    fn durations_and_counts() {
        let w = ["a", "pause", "for", "48", "hours"];
        let q = parse(&w, 3).unwrap();
        assert_eq!((q.value, q.iso8601.as_deref()), (48.0, Some("PT48H")));
        let w = ["a", "48-hour", "pause"];
        assert_eq!(parse(&w, 1).unwrap().iso8601.as_deref(), Some("PT48H"));
        let w = ["four-year", "siege"];
        assert_eq!(parse(&w, 0).unwrap().iso8601.as_deref(), Some("P4Y"));
        let w = ["over", "one", "million", "people"];
        let q = parse(&w, 1).unwrap();
        assert_eq!((q.value, q.unit, q.last), (1e6, "people", 4));
        let w = ["1.8", "million", "people"];
        assert_eq!(parse(&w, 0).unwrap().value, 1.8e6);
        assert!(parse(&["48", "apples"], 0).is_none());
        let q = parse(&["$500", "million", "in", "aid"], 0).unwrap();
        assert_eq!((q.value, q.unit, q.last), (5e8, "USD", 2));
    }
}

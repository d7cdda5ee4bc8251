//! Time expressions ("on Monday", "on August 23", "yesterday", "next week") and their
//! resolution against the article's publication date.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::text::WordSignature;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Words naming a day relative to publication, and its offset.
const DAY_OFFSETS: [(&str, i64); 4] = [
    ("today", 0),
    ("tonight", 0),
    ("yesterday", -1),
    ("tomorrow", 1),
];

/// Words before "week", "month" or "year", and their offset.
const RELATIVE: [(&str, i64); 3] = [("last", -1), ("next", 1), ("this", 0)];

/// Every word a time expression can start with: weekday, day and relative words, month
/// names, their three-letter abbreviations and "sept" (read without a final dot).
const STARTS: WordSignature = {
    let mut s = WordSignature::EMPTY;
    let mut i = 0;
    while i < WEEKDAYS.len() {
        s = s.with(WEEKDAYS[i].0);
        i += 1;
    }
    i = 0;
    while i < DAY_OFFSETS.len() {
        s = s.with(DAY_OFFSETS[i].0);
        i += 1;
    }
    i = 0;
    while i < RELATIVE.len() {
        s = s.with(RELATIVE[i].0);
        i += 1;
    }
    i = 0;
    while i < MONTHS.len() {
        s = s.with(MONTHS[i]).with_prefix(MONTHS[i], 3);
        i += 1;
    }
    s.with("sept")
};

/// A short word lower-cased into a stack buffer (no allocation); `None` for long or
/// non-ASCII-letter words, which are never time words.
struct Lower {
    buf: [u8; 12],
    len: usize,
}

impl Lower {
    fn new(w: &str) -> Option<Lower> {
        let b = w.as_bytes();
        if b.is_empty() || b.len() > 12 || !b[0].is_ascii_alphabetic() {
            return None;
        }
        let mut buf = [0u8; 12];
        for (d, s) in buf.iter_mut().zip(b) {
            *d = s.to_ascii_lowercase();
        }
        Some(Lower { buf, len: b.len() })
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// Month number (1..12) of a month name or news abbreviation ("Aug.", "Sept").
pub fn month(word: &str) -> Option<u32> {
    let lower = Lower::new(word.trim_end_matches('.'))?;
    let w = lower.as_str();
    if w.len() < 3 {
        return None;
    }
    if w == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == w || (w.len() == 3 && m.starts_with(w)))
        .map(|i| i as u32 + 1)
}

/// A recognised time expression, before resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeExpr {
    /// A weekday name.
    Weekday(Weekday),
    /// Day offset from publication: today 0, yesterday -1, tomorrow 1.
    DayOffset(i64),
    /// Month and day, year unknown ("August 23").
    MonthDay(u32, u32),
    /// Full date.
    Date(i32, u32, u32),
    /// Week offset: last -1, this 0, next 1.
    Week(i64),
    /// Month offset.
    Month(i64),
    /// Year offset.
    Year(i64),
    /// A named month with a year.
    MonthYear(i32, u32),
}

/// Time words are capitalised names or start with t, y, l or n ("today", "next week").
fn first_letter_may_start(first: u8) -> bool {
    first.is_ascii_uppercase() || matches!(first, b't' | b'y' | b'l' | b'n')
}

/// Could a time expression start at `word`? False for nearly every word, and never for a
/// word at which [`parse`] finds one, so a reader may skip `parse` where it is false: one
/// bit test instead of lower-casing the word and comparing it with every time word.
#[inline]
pub fn may_start(word: &str) -> bool {
    let b = word.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if !first_letter_may_start(first) {
        return false;
    }
    // A month abbreviation may carry its dot ("Aug."); `month` reads it without.
    let mut len = b.len();
    while len > 0 && b[len - 1] == b'.' {
        len -= 1;
    }
    STARTS.may_contain(&b[..len])
}

/// Read a time expression starting at `words[i]` (lower-cased comparison); returns the
/// expression and how many words it spans.
pub fn parse(words: &[&str], i: usize) -> Option<(TimeExpr, usize)> {
    // Cheap filter first (see `may_start` for the exact one).
    let first = *words[i].as_bytes().first()?;
    if !first_letter_may_start(first) {
        return None;
    }
    let lower = Lower::new(words[i])?;
    let w = lower.as_str();
    let next_lower = words.get(i + 1).and_then(|s| Lower::new(s));
    let next = next_lower.as_ref().map(Lower::as_str);
    if let Some((_, d)) = WEEKDAYS.iter().find(|(n, _)| *n == w) {
        return Some((TimeExpr::Weekday(*d), 1));
    }
    if let Some((_, d)) = DAY_OFFSETS.iter().find(|(n, _)| *n == w) {
        return Some((TimeExpr::DayOffset(*d), 1));
    }
    if let Some(&(_, off)) = RELATIVE.iter().find(|(n, _)| *n == w) {
        match next {
            Some("week") => return Some((TimeExpr::Week(off), 2)),
            Some("month") => return Some((TimeExpr::Month(off), 2)),
            Some("year") => return Some((TimeExpr::Year(off), 2)),
            _ => {}
        }
    }
    // "May" alone is too ambiguous; a month needs a day or a year next to it.
    if let Some(m) = month(w) {
        let n1 = words.get(i + 1).and_then(|s| s.parse::<u32>().ok());
        let n2 = words.get(i + 2).and_then(|s| s.parse::<i32>().ok());
        match (n1, n2) {
            (Some(d), Some(y)) if (1..=31).contains(&d) && (1900..2200).contains(&y) => {
                return Some((TimeExpr::Date(y, m, d), 3));
            }
            (Some(d), _) if (1..=31).contains(&d) => return Some((TimeExpr::MonthDay(m, d), 2)),
            (Some(y), _) if (1900..2200).contains(&y) => {
                return Some((TimeExpr::MonthYear(y as i32, m), 2));
            }
            _ => {}
        }
    }
    None
}

/// Resolve against the publication date. `future`: the event is planned, so weekday names
/// point forward. Returns (date, precision).
pub fn resolve(
    e: TimeExpr,
    published: Option<NaiveDate>,
    future: bool,
) -> (Option<NaiveDate>, &'static str) {
    match e {
        TimeExpr::Date(y, m, d) => (NaiveDate::from_ymd_opt(y, m, d), "day"),
        TimeExpr::MonthYear(y, m) => (NaiveDate::from_ymd_opt(y, m, 1), "month"),
        _ => {
            let Some(p) = published else {
                let precision = match e {
                    TimeExpr::Week(_) => "week",
                    TimeExpr::Month(_) => "month",
                    TimeExpr::Year(_) => "year",
                    _ => "day",
                };
                return (None, precision);
            };
            match e {
                TimeExpr::DayOffset(d) => (Some(p + Duration::days(d)), "day"),
                TimeExpr::Weekday(w) => {
                    let today = p.weekday().num_days_from_monday() as i64;
                    let target = w.num_days_from_monday() as i64;
                    let delta = if future {
                        (target - today).rem_euclid(7)
                    } else {
                        -((today - target).rem_euclid(7))
                    };
                    (Some(p + Duration::days(delta)), "day")
                }
                TimeExpr::MonthDay(m, d) => {
                    // The nearest such day in the direction of the event.
                    let this = NaiveDate::from_ymd_opt(p.year(), m, d);
                    let date = match this {
                        Some(t) if !future && t > p + Duration::days(7) => {
                            NaiveDate::from_ymd_opt(p.year() - 1, m, d)
                        }
                        Some(t) if future && t + Duration::days(7) < p => {
                            NaiveDate::from_ymd_opt(p.year() + 1, m, d)
                        }
                        other => other,
                    };
                    (date, "day")
                }
                TimeExpr::Week(o) => {
                    let monday = p - Duration::days(p.weekday().num_days_from_monday() as i64);
                    (Some(monday + Duration::weeks(o)), "week")
                }
                TimeExpr::Month(o) => {
                    let idx = p.year() * 12 + p.month0() as i32 + o as i32;
                    (
                        NaiveDate::from_ymd_opt(
                            idx.div_euclid(12),
                            idx.rem_euclid(12) as u32 + 1,
                            1,
                        ),
                        "month",
                    )
                }
                TimeExpr::Year(o) => (NaiveDate::from_ymd_opt(p.year() + o as i32, 1, 1), "year"),
                TimeExpr::Date(..) | TimeExpr::MonthYear(..) => unreachable!("handled above"),
            }
        }
    }
}

/// Parse `published_at` (RFC 3339 or YYYY-MM-DD) to its date.
pub fn published_date(s: Option<&str>) -> Option<NaiveDate> {
    let s = s?.trim();
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekdays_resolve_by_direction() {
        let p = Some(d("2016-08-25")); // a Thursday
        let (fri, _) = resolve(TimeExpr::Weekday(Weekday::Fri), p, true);
        assert_eq!(fri, Some(d("2016-08-26")));
        let (mon, _) = resolve(TimeExpr::Weekday(Weekday::Mon), p, false);
        assert_eq!(mon, Some(d("2016-08-22")));
        let (thu, _) = resolve(TimeExpr::Weekday(Weekday::Thu), p, false);
        assert_eq!(thu, Some(d("2016-08-25")));
    }

    /// [`parse`] as it was before [`may_start`] (day words matched by name in the code), kept
    /// as the reference of both.
    fn parse_reference(words: &[&str], i: usize) -> Option<(TimeExpr, usize)> {
        let first = *words[i].as_bytes().first()?;
        if !(first.is_ascii_uppercase() || matches!(first, b't' | b'y' | b'l' | b'n')) {
            return None;
        }
        let lower = Lower::new(words[i])?;
        let w = lower.as_str();
        let next_lower = words.get(i + 1).and_then(|s| Lower::new(s));
        let next = next_lower.as_ref().map(Lower::as_str);
        if let Some((_, d)) = WEEKDAYS.iter().find(|(n, _)| *n == w) {
            return Some((TimeExpr::Weekday(*d), 1));
        }
        match w {
            "today" | "tonight" => return Some((TimeExpr::DayOffset(0), 1)),
            "yesterday" => return Some((TimeExpr::DayOffset(-1), 1)),
            "tomorrow" => return Some((TimeExpr::DayOffset(1), 1)),
            "last" | "next" | "this" => {
                let off = match w {
                    "last" => -1,
                    "next" => 1,
                    _ => 0,
                };
                match next {
                    Some("week") => return Some((TimeExpr::Week(off), 2)),
                    Some("month") => return Some((TimeExpr::Month(off), 2)),
                    Some("year") => return Some((TimeExpr::Year(off), 2)),
                    _ => {}
                }
            }
            _ => {}
        }
        if let Some(m) = month(w) {
            let n1 = words.get(i + 1).and_then(|s| s.parse::<u32>().ok());
            let n2 = words.get(i + 2).and_then(|s| s.parse::<i32>().ok());
            match (n1, n2) {
                (Some(d), Some(y)) if (1..=31).contains(&d) && (1900..2200).contains(&y) => {
                    return Some((TimeExpr::Date(y, m, d), 3));
                }
                (Some(d), _) if (1..=31).contains(&d) => {
                    return Some((TimeExpr::MonthDay(m, d), 2))
                }
                (Some(y), _) if (1900..2200).contains(&y) => {
                    return Some((TimeExpr::MonthYear(y as i32, m), 2));
                }
                _ => {}
            }
        }
        None
    }

    /// Words that matter to the time reader, and some that look like them.
    const VOCABULARY: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "tonight",
        "yesterday",
        "tomorrow",
        "last",
        "next",
        "this",
        "week",
        "month",
        "year",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "septe",
        "mon",
        "tues",
        "the",
        "on",
        "to",
        "that",
        "years",
        "weeks",
        "la",
        "ye",
        "no",
    ];

    /// A vocabulary word in a random case, with or without dots; a number; or any short
    /// string of letters, digits, punctuation and non-ASCII letters.
    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            (
                proptest::sample::select(VOCABULARY),
                any::<u16>(),
                0..3usize
            )
                .prop_map(|(w, case, dots)| {
                    let mut s: String = w
                        .chars()
                        .enumerate()
                        .map(|(k, c)| {
                            if case >> (k % 16) & 1 == 1 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect();
                    s.push_str(&".".repeat(dots));
                    s
                }),
            "[0-9]{1,4}",
            "[a-zA-Z0-9.,'$é北’-]{1,14}",
        ]
    }

    proptest::proptest! {
        #[test]
        fn may_start_never_hides_an_expression_and_parse_agrees_with_the_reference(
            words in proptest::collection::vec(word(), 1..8)
        ) {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            for i in 0..words.len() {
                let expected = parse_reference(&words, i);
                proptest::prop_assert_eq!(parse(&words, i), expected);
                if expected.is_some() {
                    proptest::prop_assert!(may_start(words[i]), "{:?} at {}", words, i);
                }
            }
        }
    }

    #[test]
    fn may_start_rules_out_frequent_words() {
        for w in [
            "the", "The", "to", "of", "and", "a", "in", "In", "said", "talks", "that",
        ] {
            assert!(!may_start(w), "{w}");
        }
        for w in ["Monday", "today", "next", "Aug.", "Sept", "December"] {
            assert!(may_start(w), "{w}");
        }
    }

    #[test]
    fn phrases() {
        let w = ["on", "August", "23", "and", "next", "week", "yesterday"];
        assert_eq!(parse(&w, 1), Some((TimeExpr::MonthDay(8, 23), 2)));
        assert_eq!(parse(&w, 4), Some((TimeExpr::Week(1), 2)));
        let p = Some(d("2016-08-25"));
        assert_eq!(
            resolve(TimeExpr::MonthDay(8, 23), p, false).0,
            Some(d("2016-08-23"))
        );
        assert_eq!(
            resolve(TimeExpr::Week(1), p, true),
            (Some(d("2016-08-29")), "week")
        );
        assert_eq!(
            resolve(TimeExpr::DayOffset(-1), p, false).0,
            Some(d("2016-08-24"))
        );
        assert_eq!(resolve(TimeExpr::DayOffset(-1), None, false), (None, "day"));
        assert_eq!(
            published_date(Some("2020-01-02T03:04:05Z")),
            Some(d("2020-01-02"))
        );
    }
}

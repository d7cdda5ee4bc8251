//! Time expressions ("on Monday", "on August 23", "yesterday", "next week") and their
//! resolution against the article's publication date.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

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

/// Read a time expression starting at `words[i]` (lower-cased comparison); returns the
/// expression and how many words it spans.
pub fn parse(words: &[&str], i: usize) -> Option<(TimeExpr, usize)> {
    // Cheap filter: time words are capitalised names or start with t, y, l or n.
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

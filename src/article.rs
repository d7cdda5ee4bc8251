//! Decoding input messages into [`Article`]s.
//!
//! A message value is one article in any of three shapes (see the brief):
//! parleywire JSON, IPTC ninjs 2.x JSON, or plain UTF-8 text (first line headline,
//! rest body). Decoding never panics: anything it cannot read becomes a
//! [`DecodeError`] whose [`reason`](DecodeError::reason) is a stable, machine-readable
//! code used as the dead-letter header and metric label.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One input article, ready for enrichment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Article {
    /// Article id (input id, else message key, else content hash).
    pub id: String,
    /// Headline; may be empty.
    pub headline: String,
    /// Body text; may be empty when the headline carries the text.
    pub body: String,
    /// Publication time as given (RFC 3339 or YYYY-MM-DD).
    pub published_at: Option<String>,
    /// Source (wire service, site).
    pub source: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Language tag.
    pub language: Option<String>,
    /// Entities the caller wants sentiment for.
    pub targets: Vec<TargetSpec>,
}

/// A caller-named sentiment target: `{"text": "Aquino", "start"?: n, "end"?: n}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    /// The entity as written.
    pub text: String,
    /// Code-point offset into `body` of one mention, if the caller gave it.
    pub start: Option<usize>,
    /// End of that mention, exclusive.
    pub end: Option<usize>,
}

/// Which input shape a message was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Decide from the bytes: JSON object if it starts with `{`, else plain text.
    Auto,
    /// Always JSON (parleywire or ninjs).
    Json,
    /// Always plain text.
    Text,
}

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest accepted message value in bytes.
    pub max_bytes: usize,
    /// Deepest accepted JSON nesting.
    pub max_depth: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// Why a message could not be read as an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The value is larger than the configured limit.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the message.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// The value is empty or whitespace.
    #[error("empty message")]
    Empty,
    /// The bytes are not UTF-8.
    #[error("not valid UTF-8: invalid byte at offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// JSON nested deeper than the limit.
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep {
        /// Configured depth limit.
        limit: usize,
    },
    /// Broken JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// JSON that is not an object, or has fields of the wrong type.
    #[error("not an article object: {0}")]
    NotAnArticle(String),
    /// Neither headline nor body carries any text.
    #[error("article has no text (no headline, body, text, body_text or body_html)")]
    NoText,
}

impl DecodeError {
    /// Stable reason code, used in dead-letter headers and metric labels.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Empty => "empty",
            DecodeError::NotUtf8 { .. } => "not_utf8",
            DecodeError::TooDeep { .. } => "too_deep",
            DecodeError::InvalidJson(_) => "invalid_json",
            DecodeError::NotAnArticle(_) => "not_an_article",
            DecodeError::NoText => "no_text",
        }
    }

    /// Every reason code, for pre-registering metric labels.
    pub const REASONS: [&'static str; 7] = [
        "too_large",
        "empty",
        "not_utf8",
        "too_deep",
        "invalid_json",
        "not_an_article",
        "no_text",
    ];
}

/// Decode one message value. `key` is the message key, used as id when the payload has none.
///
/// ```
/// use parleywire::article::{decode, DecodeLimits, InputFormat};
/// let a = decode(br#"{"id":"a1","headline":"Talks resume","body":"Envoys met."}"#,
///                None, InputFormat::Auto, &DecodeLimits::default()).unwrap();
/// assert_eq!(a.id, "a1");
/// assert_eq!(a.body, "Envoys met.");
/// let t = decode(b"Talks resume\nEnvoys met in Geneva.", Some(b"k7"), InputFormat::Auto,
///                &DecodeLimits::default()).unwrap();
/// assert_eq!((t.id.as_str(), t.headline.as_str()), ("k7", "Talks resume"));
/// ```
pub fn decode(
    value: &[u8],
    key: Option<&[u8]>,
    format: InputFormat,
    limits: &DecodeLimits,
) -> Result<Article, DecodeError> {
    if value.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            size: value.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(value).map_err(|e| DecodeError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DecodeError::Empty);
    }
    let as_json = match format {
        InputFormat::Json => true,
        InputFormat::Text => false,
        InputFormat::Auto => trimmed.starts_with('{'),
    };
    let mut article = if as_json {
        decode_json(trimmed, limits)?
    } else {
        decode_text(text)
    };
    if article.headline.trim().is_empty() && article.body.trim().is_empty() {
        return Err(DecodeError::NoText);
    }
    if article.id.is_empty() {
        article.id = match key.map(String::from_utf8_lossy) {
            Some(k) if !k.trim().is_empty() => k.trim().to_string(),
            _ => content_id(&article),
        };
    }
    Ok(article)
}

/// Content-hash id for articles with neither id nor key: stable across runs.
pub fn content_id(article: &Article) -> String {
    let mut h = Sha256::new();
    h.update(article.headline.as_bytes());
    h.update([0u8]);
    h.update(article.body.as_bytes());
    format!("sha256:{}", crate::enrich::hex(&h.finalize()[..16]))
}

fn decode_text(text: &str) -> Article {
    let text = text.trim_start_matches(['\n', '\r']);
    let (headline, body) = match text.find('\n') {
        Some(i) => (text[..i].trim_end_matches('\r'), &text[i + 1..]),
        None => (text, ""),
    };
    Article {
        headline: headline.trim().to_string(),
        body: body.trim_end().to_string(),
        ..Article::default()
    }
}

fn decode_json(text: &str, limits: &DecodeLimits) -> Result<Article, DecodeError> {
    check_depth(text, limits.max_depth)?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| DecodeError::InvalidJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(DecodeError::NotAnArticle(
            "top-level JSON is not an object".into(),
        ));
    };
    let field = |names: &[&str]| -> Result<Option<String>, DecodeError> {
        for name in names {
            match obj.get(*name) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => return Ok(Some(s.clone())),
                Some(Value::Number(n)) => return Ok(Some(n.to_string())),
                Some(_) => {
                    return Err(DecodeError::NotAnArticle(format!(
                        "field `{name}` must be a string"
                    )))
                }
            }
        }
        Ok(None)
    };
    let is_ninjs = obj.contains_key("uri")
        || obj.contains_key("body_text")
        || obj.contains_key("body_html")
        || obj.contains_key("versioncreated");
    let id = field(&["id", "uri", "guid"])?.unwrap_or_default();
    let headline = field(&["headline", "title"])?.unwrap_or_default();
    let mut body = field(&["body", "text", "body_text"])?;
    if body.is_none() {
        if let Some(html) = field(&["body_html"])? {
            body = Some(strip_html(&html));
        }
    }
    let published_at = field(&["published_at", "date", "versioncreated", "firstcreated"])?;
    let source = match field(&["source"])? {
        Some(s) => Some(s),
        None if is_ninjs => ninjs_provider(&obj),
        None => None,
    };
    let targets = match obj.get("targets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(parse_target)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(DecodeError::NotAnArticle(
                "field `targets` must be an array".into(),
            ))
        }
    };
    Ok(Article {
        id: id.trim().to_string(),
        headline: headline.trim().to_string(),
        body: body.unwrap_or_default(),
        published_at: published_at.map(|s| s.trim().to_string()),
        source,
        url: field(&["url", "link"])?,
        language: field(&["language", "lang"])?,
        targets,
    })
}

fn ninjs_provider(obj: &serde_json::Map<String, Value>) -> Option<String> {
    match obj.get("copyrightholder").or_else(|| obj.get("provider")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("name").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn parse_target(v: &Value) -> Result<TargetSpec, DecodeError> {
    let bad =
        || DecodeError::NotAnArticle("each target must be {\"text\", \"start\"?, \"end\"?}".into());
    match v {
        Value::String(s) => Ok(TargetSpec {
            text: s.clone(),
            start: None,
            end: None,
        }),
        Value::Object(o) => {
            let text = o.get("text").and_then(Value::as_str).ok_or_else(bad)?;
            let offset = |k: &str| -> Result<Option<usize>, DecodeError> {
                match o.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(n) => n.as_u64().map(|n| Some(n as usize)).ok_or_else(bad),
                }
            };
            Ok(TargetSpec {
                text: text.to_string(),
                start: offset("start")?,
                end: offset("end")?,
            })
        }
        _ => Err(bad()),
    }
}

/// Reject JSON nested deeper than `limit` before parsing it, so hostile input cannot
/// exhaust the stack or the parser's recursion limit produces an unclear error.
///
/// Brackets inside strings do not count. Most of an article's bytes are inside strings
/// (its body), so a string is skipped with a byte search for its closing quote or next
/// backslash rather than read byte by byte.
fn check_depth(text: &str, limit: usize) -> Result<(), DecodeError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'"' => i = string_end(bytes, i),
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(DecodeError::TooDeep { limit });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Index just past the quote closing a string whose contents start at `i`, or the end of
/// `bytes` if it never closes. A backslash escapes the byte after it, whatever it is.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(rest) = bytes.get(i..) {
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(j) if rest[j] == b'"' => return i + j + 1,
            Some(j) => i += j + 2,
            None => break,
        }
    }
    bytes.len()
}

/// Plain text from ninjs `body_html`: tags dropped, block ends become newlines,
/// the common entities decoded.
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt..];
        let gt = after.find('>').map(|i| i + 1).unwrap_or(after.len());
        let tag = after[..gt].to_ascii_lowercase();
        if tag.starts_with("</p")
            || tag.starts_with("<br")
            || tag.starts_with("</div")
            || tag.starts_with("</h")
            || tag.starts_with("</li")
        {
            out.push('\n');
        }
        rest = &after[gt..];
    }
    out.push_str(&decode_entities(rest));
    out.trim().to_string()
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(v: &[u8]) -> Result<Article, DecodeError> {
        decode(v, None, InputFormat::Auto, &DecodeLimits::default())
    }

    #[test]
    fn reads_parleywire_json_with_alternate_names() {
        let a =
            dec(br#"{"title":"T","text":"B","date":"2016-08-25","source":"Wire","unknown":[1,2]}"#)
                .unwrap();
        assert_eq!(a.headline, "T");
        assert_eq!(a.body, "B");
        assert_eq!(a.published_at.as_deref(), Some("2016-08-25"));
        assert_eq!(a.source.as_deref(), Some("Wire"));
        assert!(a.id.starts_with("sha256:"));
    }

    #[test]
    fn reads_ninjs_html_body() {
        let a = dec(br#"{"uri":"urn:x:1","headline":"H","body_html":"<p>One &amp; two.</p><p>Three</p>","versioncreated":"2020-01-02T03:04:05Z","language":"en"}"#).unwrap();
        assert_eq!(a.id, "urn:x:1");
        assert_eq!(a.body, "One & two.\nThree");
        assert_eq!(a.published_at.as_deref(), Some("2020-01-02T03:04:05Z"));
    }

    #[test]
    fn key_is_used_when_no_id() {
        let a = decode(
            br#"{"headline":"H"}"#,
            Some(b"key-1"),
            InputFormat::Auto,
            &DecodeLimits::default(),
        )
        .unwrap();
        assert_eq!(a.id, "key-1");
    }

    #[test]
    fn content_id_is_stable() {
        let a = dec(b"Head\nBody text").unwrap();
        let b = dec(b"Head\nBody text").unwrap();
        let c = dec(b"Head\nOther text").unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
    }

    #[test]
    fn bad_inputs_have_reasons() {
        assert_eq!(dec(b"").unwrap_err().reason(), "empty");
        assert_eq!(dec(b"\xff\xfe\x00abc").unwrap_err().reason(), "not_utf8");
        assert_eq!(
            dec(b"{\"headline\": ").unwrap_err().reason(),
            "invalid_json"
        );
        assert_eq!(
            dec(br#"{"id":"x","headline":"","body":"  "}"#)
                .unwrap_err()
                .reason(),
            "no_text"
        );
        assert_eq!(
            dec(br#"{"uri":"x","headline":null}"#).unwrap_err().reason(),
            "no_text"
        );
        assert_eq!(
            dec(br#"{"headline": 5, "body": {"a":1}}"#)
                .unwrap_err()
                .reason(),
            "not_an_article"
        );
        let deep = "[".repeat(100_000);
        assert_eq!(
            dec(format!("{{\"a\":{deep}").as_bytes())
                .unwrap_err()
                .reason(),
            "too_deep"
        );
        let big = vec![b'a'; 5 * 1024 * 1024];
        assert_eq!(dec(&big).unwrap_err().reason(), "too_large");
    }

    #[test]
    fn targets_are_read() {
        let a = dec(
            br#"{"body":"Aquino spoke.","targets":[{"text":"Aquino","start":0,"end":6},"Manila"]}"#,
        )
        .unwrap();
        assert_eq!(a.targets.len(), 2);
        assert_eq!(a.targets[0].start, Some(0));
        assert_eq!(a.targets[1].text, "Manila");
    }

    /// The byte-by-byte depth check that [`check_depth`] replaced, kept as its reference.
    fn check_depth_reference(text: &str, limit: usize) -> Result<(), DecodeError> {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        for b in text.bytes() {
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > limit {
                        return Err(DecodeError::TooDeep { limit });
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn depth_check_agrees_with_the_reference(
            t in "([{}\\[\\]\"\\\\a é]|\\\\\"|\\PC)*",
            limit in 0usize..6,
        ) {
            proptest::prop_assert_eq!(check_depth(&t, limit), check_depth_reference(&t, limit));
        }
    }

    #[test]
    fn depth_check_ignores_brackets_in_strings() {
        let s = format!("{{\"body\":\"{}\"}}", "[".repeat(1000));
        assert!(dec(s.as_bytes()).is_ok());
    }
}

//! Decoding input messages into [`Article`]s.
//!
//! A message value is one article in any of three shapes (see the brief):
//! parleywire JSON, IPTC ninjs 2.x JSON, or plain UTF-8 text (first line headline,
//! rest body). Decoding never panics: anything it cannot read becomes a
//! [`DecodeError`] whose [`reason`](DecodeError::reason) is a stable, machine-readable
//! code used as the dead-letter header and metric label.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
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
    let message: Message =
        serde_json::from_str(text).map_err(|e| DecodeError::InvalidJson(e.to_string()))?;
    let Message(Some(fields)) = message else {
        return Err(DecodeError::NotAnArticle(
            "top-level JSON is not an object".into(),
        ));
    };
    fields.into_article()
}

/// A message read as JSON: the fields of a top-level object, `None` for any other value.
///
/// It is read in one pass, keeping just the fields an article is made of. Reading the whole
/// object into a `serde_json::Value` first allocated a key and a value for every field,
/// including the ones nobody reads, and the kept strings were then copied again.
struct Message<'de>(Option<Fields<'de>>);

/// The top-level fields an article is made of, as they were in the message; a key given
/// twice keeps its last value, as in a `serde_json::Map`. Which of them wins is decided
/// afterwards, by name order, so that document order never matters.
#[derive(Default)]
struct Fields<'de> {
    /// Values of the text fields, indexed by [`TextField`]; `None` when absent.
    text: [Option<Scalar<'de>>; TextField::COUNT],
    /// ninjs provider fields and targets: rare and structured, so read as JSON values
    /// and interpreted exactly as before.
    copyrightholder: Option<Value>,
    provider: Option<Value>,
    targets: Option<Value>,
}

impl<'de> Fields<'de> {
    /// The article, or the first field of the wrong type in the order they are consulted.
    fn into_article(mut self) -> Result<Article, DecodeError> {
        use TextField::*;
        let is_ninjs = [Uri, BodyText, BodyHtml, VersionCreated]
            .iter()
            .any(|&f| self.text[f as usize].is_some());
        let id = self.first_text(&[Id, Uri, Guid])?;
        let headline = self.first_text(&[Headline, Title])?;
        let mut body = self
            .first_text(&[Body, Text, BodyText])?
            .map(Cow::into_owned);
        if body.is_none() {
            if let Some(html) = self.first_text(&[BodyHtml])? {
                body = Some(strip_html(&html));
            }
        }
        let published_at = self.first_text(&[PublishedAt, Date, VersionCreated, FirstCreated])?;
        let source = match self.first_text(&[Source])? {
            Some(s) => Some(s.into_owned()),
            None if is_ninjs => {
                ninjs_provider(self.copyrightholder.take().or_else(|| self.provider.take()))
            }
            None => None,
        };
        let targets = match self.targets.take() {
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
        let url = self.first_text(&[Url, Link])?;
        let language = self.first_text(&[Language, Lang])?;
        Ok(Article {
            id: id.map(trimmed).unwrap_or_default(),
            headline: headline.map(trimmed).unwrap_or_default(),
            body: body.unwrap_or_default(),
            published_at: published_at.map(trimmed),
            source,
            url: url.map(Cow::into_owned),
            language: language.map(Cow::into_owned),
            targets,
        })
    }

    /// The first of `names` present and not null, as text: a string as it is, a number as
    /// `serde_json` writes it. Anything else is an error naming that field. Each name is
    /// consulted at most once, so its value is taken rather than copied.
    fn first_text(&mut self, names: &[TextField]) -> Result<Option<Cow<'de, str>>, DecodeError> {
        for &name in names {
            match self.text[name as usize].take() {
                None | Some(Scalar::Null) => continue,
                Some(Scalar::Str(s)) => return Ok(Some(s)),
                Some(Scalar::Num(n)) => return Ok(Some(Cow::Owned(n.to_string()))),
                Some(Scalar::Other) => {
                    return Err(DecodeError::NotAnArticle(format!(
                        "field `{}` must be a string",
                        name.name()
                    )))
                }
            }
        }
        Ok(None)
    }
}

/// `s` without surrounding whitespace, reusing its buffer when there is none to remove.
fn trimmed(s: Cow<'_, str>) -> String {
    if s.trim().len() == s.len() {
        s.into_owned()
    } else {
        s.trim().to_string()
    }
}

/// The top-level fields read as text (strings or numbers).
#[derive(Debug, Clone, Copy)]
enum TextField {
    Id,
    Uri,
    Guid,
    Headline,
    Title,
    Body,
    Text,
    BodyText,
    BodyHtml,
    PublishedAt,
    Date,
    VersionCreated,
    FirstCreated,
    Url,
    Link,
    Language,
    Lang,
    Source,
}

impl TextField {
    const COUNT: usize = TextField::Source as usize + 1;

    fn name(self) -> &'static str {
        match self {
            TextField::Id => "id",
            TextField::Uri => "uri",
            TextField::Guid => "guid",
            TextField::Headline => "headline",
            TextField::Title => "title",
            TextField::Body => "body",
            TextField::Text => "text",
            TextField::BodyText => "body_text",
            TextField::BodyHtml => "body_html",
            TextField::PublishedAt => "published_at",
            TextField::Date => "date",
            TextField::VersionCreated => "versioncreated",
            TextField::FirstCreated => "firstcreated",
            TextField::Url => "url",
            TextField::Link => "link",
            TextField::Language => "language",
            TextField::Lang => "lang",
            TextField::Source => "source",
        }
    }
}

/// What a top-level key means to decoding.
enum Key {
    Text(TextField),
    CopyrightHolder,
    Provider,
    Targets,
    Unknown,
}

impl Key {
    fn from_name(name: &str) -> Key {
        use TextField::*;
        Key::Text(match name {
            "id" => Id,
            "uri" => Uri,
            "guid" => Guid,
            "headline" => Headline,
            "title" => Title,
            "body" => Body,
            "text" => Text,
            "body_text" => BodyText,
            "body_html" => BodyHtml,
            "published_at" => PublishedAt,
            "date" => Date,
            "versioncreated" => VersionCreated,
            "firstcreated" => FirstCreated,
            "url" => Url,
            "link" => Link,
            "language" => Language,
            "lang" => Lang,
            "source" => Source,
            "copyrightholder" => return Key::CopyrightHolder,
            "provider" => return Key::Provider,
            "targets" => return Key::Targets,
            _ => return Key::Unknown,
        })
    }
}

/// A text field's value, as far as decoding cares. Strings without escapes borrow from the
/// message, so a value that loses to another field costs no allocation.
enum Scalar<'de> {
    Null,
    Str(Cow<'de, str>),
    Num(Number),
    /// A boolean, array or object.
    Other,
}

/// Any JSON value, read and dropped.
///
/// Not `serde::de::IgnoredAny`: `serde_json` skips that without checking string escapes,
/// number ranges or the nesting limit, and invalid JSON must give the same error it gave
/// when the whole message was read as a `serde_json::Value`. Strings without escapes are
/// borrowed, so skipping allocates nothing.
struct Skip;

impl<'de> Deserialize<'de> for Message<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MessageVisitor)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key()? {
            match key {
                Key::Text(f) => fields.text[f as usize] = Some(map.next_value()?),
                Key::CopyrightHolder => fields.copyrightholder = Some(map.next_value()?),
                Key::Provider => fields.provider = Some(map.next_value()?),
                Key::Targets => fields.targets = Some(map.next_value()?),
                Key::Unknown => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Message(Some(fields)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(Message(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Message(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Message(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Message(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Message(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Message(None))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Message(None))
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Key, E> {
        Ok(Key::from_name(name))
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(s)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(n.into()))
    }

    /// A float that is not finite is null, as in a `serde_json::Value`.
    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(n).map_or(Scalar::Null, Scalar::Num))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Scalar::Other)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Skip, A::Error> {
        skip_seq(seq)?;
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Skip, A::Error> {
        skip_map(map)?;
        Ok(Skip)
    }
}

/// Read every element of an array and drop it.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

/// Read every entry of an object and drop it.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_key::<Skip>()?.is_some() {
        map.next_value::<Skip>()?;
    }
    Ok(())
}

/// The ninjs source: `copyrightholder`, else `provider`, given as a string or as an object
/// with a string `name`. A `copyrightholder` of any other type (even null) hides `provider`.
fn ninjs_provider(holder: Option<Value>) -> Option<String> {
    match holder {
        Some(Value::String(s)) => Some(s),
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

    /// The decoder that read the whole message into a `serde_json::Value` before picking
    /// fields, kept as the reference for [`decode_json`].
    fn decode_json_reference(text: &str, limits: &DecodeLimits) -> Result<Article, DecodeError> {
        check_depth_reference(text, limits.max_depth)?;
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
            None if is_ninjs => ninjs_provider_reference(&obj),
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

    fn ninjs_provider_reference(obj: &serde_json::Map<String, Value>) -> Option<String> {
        match obj.get("copyrightholder").or_else(|| obj.get("provider")) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => o.get("name").and_then(Value::as_str).map(str::to_string),
            _ => None,
        }
    }

    /// A JSON string holding `s`, escaped as `serde_json` writes it.
    fn quoted(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    /// JSON values of every type a field may hold, as raw text: escaped and unescaped
    /// strings, numbers `serde_json` formats in its own way, nulls, arrays, objects with and
    /// without a `name`, target lists good and bad, and a few invalid pieces.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let fixed = proptest::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1.0",
            "2.50",
            "1e5",
            "1E400",
            "-1e-400",
            "1.5e300",
            "0.1",
            "-7",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "12345678901234567890123",
            "[]",
            "{}",
            "[1,\"a\",null]",
            r#"{"name":"AP"}"#,
            r#"{"name":5}"#,
            r#"{"name":"A","name":"B"}"#,
            r#"{"x":{"name":"inner"}}"#,
            r#"["x",{"text":"y","start":0,"end":3}]"#,
            r#"[{"text":"y","start":-1}]"#,
            r#"[{"text":5}]"#,
            "[null]",
            r#"[{"text":"a","start":1.0}]"#,
            r#"[{"text":"a","end":null,"start":2}]"#,
            r#"[{"text":"a","text":7}]"#,
            r#""\u00e9t\u00E9""#,
            r#""\ud83d\ude00""#,
            r#""\ud800""#,
            r#""a\qb""#,
            "\"tab\there\"",
            r#""  padded  ""#,
            r#""<p>One &amp; two.</p><br>Three""#,
            "01",
            "1.",
            "[1,]",
            "{\"a\" 1}",
        ]);
        prop_oneof![
            3 => fixed.prop_map(str::to_string),
            3 => "( |[a-z]|é|北|😀|\"|\\\\|\n|<p>|&amp;|\\PC){0,12}".prop_map(|t| quoted(&t)),
            1 => any::<i64>().prop_map(|n| n.to_string()),
            1 => any::<f64>().prop_map(|f| format!("{f:e}")),
            1 => any::<f64>().prop_map(|f| f.to_string()),
        ]
    }

    /// Top-level keys: every name the decoder knows, some it does not, and known names
    /// written with escapes.
    fn json_key() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let names = [
            "id",
            "uri",
            "guid",
            "headline",
            "title",
            "body",
            "text",
            "body_text",
            "body_html",
            "published_at",
            "date",
            "versioncreated",
            "firstcreated",
            "url",
            "link",
            "language",
            "lang",
            "source",
            "copyrightholder",
            "provider",
            "targets",
            "name",
            "x",
            "Id",
            "headline ",
            "h\\u0065adline",
            "b\\u006fdy",
            "category",
        ];
        proptest::sample::select(names.to_vec()).prop_map(|k| format!("\"{k}\""))
    }

    /// A JSON object of random fields (duplicates included), sometimes broken: cut short or
    /// with a stray character inserted.
    fn json_message() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let fields = proptest::collection::vec((json_key(), json_value(), "[ \n]?"), 0..10);
        let object = fields.prop_map(|fields| {
            let body: Vec<String> = fields
                .into_iter()
                .map(|(k, v, ws)| format!("{ws}{k}:{ws}{v}"))
                .collect();
            format!("{{{}}}", body.join(","))
        });
        let damage = prop_oneof![
            6 => Just(None),
            1 => (any::<proptest::sample::Index>(), Just(None)).prop_map(Some),
            1 => (
                any::<proptest::sample::Index>(),
                proptest::sample::select(vec![',', '}', '"', 'x', '\\', ']', ':']).prop_map(Some)
            )
                .prop_map(Some),
        ];
        (object, damage).prop_map(|(text, damage)| {
            let Some((at, stray)) = damage else {
                return text;
            };
            let chars: Vec<char> = text.chars().collect();
            let at = at.index(chars.len() + 1);
            let mut out: String = chars[..at].iter().collect();
            if let Some(c) = stray {
                out.push(c);
                out.extend(&chars[at..]);
            }
            out
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(4000))]
        #[test]
        fn json_decoding_agrees_with_the_reference(t in json_message()) {
            let limits = DecodeLimits::default();
            proptest::prop_assert_eq!(
                decode_json(&t, &limits),
                decode_json_reference(&t, &limits),
                "{}", t
            );
        }
    }

    #[test]
    fn json_decoding_agrees_with_the_reference_on_articles() {
        let cases = [
            r#"{"id": "w-1", "headline": "Ceasefire talks resume in Doha", "body": "Negotiators met on Tuesday.\n\nBoth sides said the talks were \"constructive\".", "source": "Wire", "category": "world", "date": "2024-03-05", "places": ["Doha", "Gaza"], "dateline": "DOHA"}"#,
            r#"{"id":" 42 ","title":"Trade deal signed","text":"Ministers signed the accord.","published_at":" 2023-11-02T10:00:00Z ","url":"https://example.org/a","lang":"en"}"#,
            r#"{"uri":"urn:example:7","headline":"Summit ends","body_html":"<p>Leaders agreed &quot;in principle&quot;.</p><div>More</div>","versioncreated":"2022-01-02T03:04:05Z","provider":{"name":"Example Press","id":3},"language":"fr"}"#,
            r#"{"guid":"g-9","headline":"Envoy arrives","body_text":"The envoy arrived in Caf\u00e9 town.","copyrightholder":"Example Agency","firstcreated":"2021-05-06"}"#,
            r#"{"uri":"urn:x:2","headline":"H","body":"B","copyrightholder":null,"provider":"P"}"#,
            r#"{"id":7,"headline":1.0,"body":"Talks stalled.","source":1e5,"targets":["Aquino",{"text":"Manila","start":3,"end":9}]}"#,
            r#"{"headline":"Protest","body":"Crowds gathered.","title":{"bad":true},"url":["x"]}"#,
            r#"{"headline":"A","body":"first","body":"second","id":"one","id":"two"}"#,
            r#"{"headline":"A","body":"B","targets":{"text":"x"}}"#,
            r#"{"headline":"A","body":"B","targets":[{"text":"x","start":-2}],"url":5.5}"#,
            r#"{"headline":"A","body":"B","url":true,"targets":[{"text":"x","start":-2}]}"#,
            "{\"headline\":\"A\",\"body\":\"B\"} x",
            r#"["not", "an", "object"]"#,
            r#""just a string""#,
            "3.25",
            "null",
            r#"[{"headline": "nested"}]"#,
            r#"{"headline":"A","body":"bad \ud800 escape"}"#,
            r#"{"headline":"A","x":"bad \ud800 escape in an unknown field"}"#,
            r#"{"headline":"A","x":1e999}"#,
        ];
        let limits = DecodeLimits::default();
        for case in cases {
            assert_eq!(
                decode_json(case, &limits),
                decode_json_reference(case, &limits),
                "{case}"
            );
        }
    }

    #[test]
    fn json_nesting_beyond_the_parser_limit_fails_as_before() {
        let limits = DecodeLimits {
            max_depth: 1000,
            ..DecodeLimits::default()
        };
        for field in ["x", "headline", "targets", "provider"] {
            let deep = format!(
                "{{\"body\":\"B\",\"uri\":1,\"{field}\":{}1{}}}",
                "[".repeat(200),
                "]".repeat(200)
            );
            let new = decode_json(&deep, &limits);
            assert!(matches!(new, Err(DecodeError::InvalidJson(_))), "{new:?}");
            assert_eq!(new, decode_json_reference(&deep, &limits));
        }
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

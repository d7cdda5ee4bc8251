//! The output contract: `parleywire.enriched/v1`.
//!
//! These types are the single source of truth for what downstream consumers receive.
//! Field names are a contract (see the brief): the JSON Schema in `schema/` is generated
//! from them by `parleywire schema`, and a test fails when the two drift apart.
//! Within v1 the schema only grows: fields are added, never removed or retyped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Schema identifier stamped on every record.
pub const SCHEMA_ID: &str = "parleywire.enriched/v1";

/// A `[start, end)` range in Unicode code points of the text it refers to.
pub type Span = [usize; 2];

/// One enriched article: the value of every message on the output topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnrichedRecord {
    /// Always `parleywire.enriched/v1` for this version of the contract.
    pub schema: String,
    /// The article the record describes (text itself is not repeated).
    pub article: ArticleMeta,
    /// Coded events, in text order.
    pub events: Vec<Event>,
    /// Every actor mentioned, with all its mentions and how the text speaks of it.
    pub actors: Vec<Actor>,
    /// Caller-named sentiment targets, echoed in input order.
    pub targets: Vec<TargetSentiment>,
    /// Places mentioned, with coordinates.
    pub places: Vec<Place>,
    /// Document tone.
    pub sentiment: DocumentSentiment,
    /// Topic and tone tags, e.g. `negotiation`, `ceasefire`, `tone:negative`.
    pub tags: Vec<String>,
    /// Who produced the record, with which dictionaries, from where.
    pub provenance: Provenance,
}

/// Article metadata copied from the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArticleMeta {
    /// Article id: from the input, else the Kafka key, else a content hash.
    pub id: String,
    /// Headline (may be empty).
    pub headline: String,
    /// Publishing source (wire service, site), if given.
    pub source: Option<String>,
    /// Canonical URL, if given.
    pub url: Option<String>,
    /// Publication time as given (RFC 3339 or YYYY-MM-DD), if known.
    pub published_at: Option<String>,
    /// Language tag as given, if known.
    pub language: Option<String>,
}

/// One coded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Stable content hash of article id + event evidence: same text, same id, across runs.
    pub id: String,
    /// PLOVER category (AGREE, CONSULT, SUPPORT, ...).
    #[serde(rename = "type")]
    pub event_type: String,
    /// PLOVER mode where it applies (e.g. CONSULT: visit, third-party, multilateral, phone).
    pub mode: Option<String>,
    /// CAMEO event code, e.g. "046".
    pub cameo: String,
    /// CAMEO QuadClass: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.
    pub quad_class: u8,
    /// Goldstein scale value, -10..10.
    pub goldstein: f64,
    /// The words that triggered the event.
    pub trigger: TextRef,
    /// Who acts.
    pub source: Option<EventActor>,
    /// Whom the action is directed at.
    pub target: Option<EventActor>,
    /// All parties of multilateral events (talks between X, Y and Z).
    pub participants: Vec<EventActor>,
    /// Where it happens.
    pub location: Option<EventLocation>,
    /// When it happens.
    pub time: Option<EventTime>,
    /// Amounts and durations attached to the event ("a pause of 48 hours").
    pub quantities: Vec<Quantity>,
    /// Whether it happened or was only said, planned, hypothesised or denied.
    pub modality: Modality,
    /// Negotiation status of talks and agreements (CONSULT, AGREE): `held`, `scheduled`,
    /// `stalled`, `resumed`, `proposed` or `failed`; absent for other events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The sentence the event was read from.
    pub sentence: SentenceRef,
    /// How the source speaks of or acts toward the target.
    pub sentiment: Sentiment,
    /// Extractor confidence, 0..1.
    pub confidence: f64,
}

/// A piece of text and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TextRef {
    /// The text as it appears.
    pub text: String,
    /// Code-point span in the text of the event's sentence (`headline` or `body`).
    pub span: Span,
}

/// An actor as it takes part in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventActor {
    /// Canonical name ("John Kerry", "Russia", "United Nations").
    pub name: String,
    /// CAMEO-style code: country + role (USAGOV, RUSGOV, IGOUNO, SYRREB).
    pub code: String,
    /// ISO 3166-1 alpha-3 country, if the actor belongs to one.
    pub country: Option<String>,
    /// Role code (GOV, MIL, REB, OPP, ...), if known.
    pub role: Option<String>,
    /// The mention this event refers to.
    pub text: String,
    /// Span of that mention.
    pub span: Span,
}

/// Where an event takes place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventLocation {
    /// The text naming the place.
    pub text: String,
    /// Gazetteer name.
    pub name: String,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Span of the text.
    pub span: Span,
}

/// When an event takes place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventTime {
    /// The time expression as written ("Friday", "on August 23").
    pub text: String,
    /// Resolved date (YYYY-MM-DD) against `published_at`, if it can be known.
    pub date: Option<String>,
    /// `day`, `week`, `month` or `year`.
    pub precision: String,
    /// Span of the expression.
    pub span: Span,
}

/// An amount attached to an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Quantity {
    /// As written ("48 hours", "over one million people").
    pub text: String,
    /// Numeric value.
    pub value: f64,
    /// Unit ("hour", "people", "USD", ...).
    pub unit: String,
    /// ISO 8601 duration for durations ("PT48H").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iso8601: Option<String>,
    /// Span of the text.
    pub span: Span,
}

/// Whether the event really happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Modality {
    /// The text says it did not happen ("did not agree", "refused to").
    pub negated: bool,
    /// Conditional, possible or proposed only ("would", "likely to", "if").
    pub hypothetical: bool,
    /// Planned or scheduled ("will meet", "scheduled for Friday").
    pub future: bool,
    /// Who reports it (speaker of a quote or of "X said that ..."), if anyone.
    pub reported_by: Option<EventActor>,
}

/// Which sentence an event comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SentenceRef {
    /// Index of the sentence within its text (headline or body), from 0.
    pub index: usize,
    /// Span of the sentence.
    pub span: Span,
    /// `headline` or `body`: the text all spans of this event refer to.
    #[serde(rename = "in")]
    pub in_text: String,
}

/// A sentiment score with its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sentiment {
    /// -1 (hostile, negative) .. 1 (warm, positive).
    pub score: f64,
    /// `negative`, `neutral` or `positive`.
    pub label: String,
}

/// An actor of the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Actor {
    /// Canonical name.
    pub name: String,
    /// CAMEO-style code.
    pub code: String,
    /// ISO 3166-1 alpha-3, if any.
    pub country: Option<String>,
    /// Role code, if known.
    pub role: Option<String>,
    /// Every mention, as spans of `body` (headline mentions are in `headline_mentions`).
    pub mentions: Vec<Span>,
    /// Mentions in the headline.
    #[serde(default)]
    pub headline_mentions: Vec<Span>,
    /// How the article speaks of this actor.
    pub sentiment: Sentiment,
}

/// Sentiment toward a caller-named target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetSentiment {
    /// The target as given in the input.
    pub text: String,
    /// Its mentions in `body`.
    pub mentions: Vec<Span>,
    /// How the article speaks of it.
    pub sentiment: Sentiment,
}

/// A place mentioned in the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    /// Gazetteer name.
    pub name: String,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Mentions in `body`.
    pub mentions: Vec<Span>,
    /// Mentions in the headline.
    #[serde(default)]
    pub headline_mentions: Vec<Span>,
}

/// Document tone, VADER-style compound plus GDELT-comparable percentages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentSentiment {
    /// -1..1.
    pub compound: f64,
    /// `negative`, `neutral` or `positive`.
    pub label: String,
    /// GDELT tone: positive minus negative, percent of words.
    pub tone: f64,
    /// Percent of words that are positive.
    pub positive: f64,
    /// Percent of words that are negative.
    pub negative: f64,
    /// Percent of words that carry any polarity.
    pub polarity: f64,
    /// Words counted.
    pub word_count: usize,
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// `parleywire x.y.z`.
    pub worker: String,
    /// Hash of the compiled dictionaries the record was made with.
    pub dictionaries: String,
    /// Processing time (RFC 3339), passed in by the caller.
    pub processed_at: String,
    /// Input position, when the article came from Kafka.
    pub kafka: Option<KafkaPosition>,
}

/// A Kafka input position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KafkaPosition {
    /// Input topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
}

impl Sentiment {
    /// Build a sentiment from a score, labelling it with the usual ±0.05 thresholds.
    pub fn from_score(score: f64) -> Self {
        let score = if score.is_finite() {
            score.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        Sentiment {
            score: (score * 10_000.0).round() / 10_000.0,
            label: label_for(score).to_string(),
        }
    }

    /// The neutral sentiment.
    pub fn neutral() -> Self {
        Sentiment::from_score(0.0)
    }
}

/// Label for a -1..1 score.
pub fn label_for(score: f64) -> &'static str {
    if score >= 0.05 {
        "positive"
    } else if score <= -0.05 {
        "negative"
    } else {
        "neutral"
    }
}

/// Schema identifier of messages on the events topic.
pub const EVENT_SCHEMA_ID: &str = "parleywire.event/v1";

/// One message on the optional events topic: an event with its article's identity,
/// keyed by the event id, for consumers who want events only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventMessage {
    /// Always `parleywire.event/v1`.
    pub schema: String,
    /// Id of the article the event comes from (join key with the output topic).
    pub article_id: String,
    /// The article's publication time, if known.
    pub published_at: Option<String>,
    /// The article's source, if known.
    pub source: Option<String>,
    /// The event.
    pub event: Event,
    /// Dictionaries hash and worker, as on the article record.
    pub provenance: Provenance,
}

mod json;

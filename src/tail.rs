//! `parleywire tail`: subscribe to the output or events topic and print records — in
//! colour on a terminal, JSON lines when piped — with filters on event type, actor,
//! country and confidence, from the latest, the earliest or a point in time.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;

use crate::record::{EnrichedRecord, Event, EventMessage, EVENT_SCHEMA_ID, SCHEMA_ID};

/// Where to start reading.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// Only new messages.
    Latest,
    /// From the beginning of each partition.
    Earliest,
    /// From the first message at or after this time (ms since epoch).
    Time(i64),
}

impl std::str::FromStr for Start {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Start> {
        match s {
            "latest" => Ok(Start::Latest),
            "earliest" => Ok(Start::Earliest),
            t => {
                let ts = chrono::DateTime::parse_from_rfc3339(t).with_context(|| {
                    format!("--from {t:?}: expected latest, earliest or an RFC 3339 time")
                })?;
                Ok(Start::Time(ts.timestamp_millis()))
            }
        }
    }
}

/// Which events to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// PLOVER types (any of).
    pub types: Vec<String>,
    /// Actor code prefix or name part, matched against source, target and participants.
    pub actor: Option<String>,
    /// ISO alpha-3 country of the location or of an actor.
    pub country: Option<String>,
    /// Least confidence.
    pub min_confidence: f64,
}

impl Filter {
    /// Whether no filter is set (every record passes, even without events).
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
            && self.actor.is_none()
            && self.country.is_none()
            && self.min_confidence <= 0.0
    }

    /// Whether an event passes.
    pub fn accepts(&self, e: &Event) -> bool {
        if e.confidence < self.min_confidence {
            return false;
        }
        if !self.types.is_empty()
            && !self
                .types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&e.event_type))
        {
            return false;
        }
        let actors = || {
            e.source
                .iter()
                .chain(e.target.iter())
                .chain(e.participants.iter())
        };
        if let Some(a) = &self.actor {
            let lower = a.to_lowercase();
            if !actors()
                .any(|x| x.code.starts_with(a.as_str()) || x.name.to_lowercase().contains(&lower))
            {
                return false;
            }
        }
        if let Some(c) = &self.country {
            let in_location =
                e.location.as_ref().and_then(|l| l.country.as_deref()) == Some(c.as_str());
            if !in_location && !actors().any(|x| x.country.as_deref() == Some(c.as_str())) {
                return false;
            }
        }
        true
    }
}

/// A message read from the output or the events topic.
pub enum Item {
    /// An enriched record (with only the events the filter accepts).
    Record(Box<EnrichedRecord>),
    /// An events-topic message.
    Event(Box<EventMessage>),
}

/// Parse a message value; `None` when it is not a parleywire record or event message.
pub fn parse(value: &[u8]) -> Option<Item> {
    let v: Value = serde_json::from_slice(value).ok()?;
    match v.get("schema").and_then(Value::as_str)? {
        s if s == SCHEMA_ID => serde_json::from_value(v)
            .ok()
            .map(|r| Item::Record(Box::new(r))),
        s if s == EVENT_SCHEMA_ID => serde_json::from_value(v)
            .ok()
            .map(|e| Item::Event(Box::new(e))),
        _ => None,
    }
}

/// Apply the filter: `None` if nothing of the item passes.
pub fn filter(item: Item, f: &Filter) -> Option<Item> {
    if f.is_empty() {
        return Some(item);
    }
    match item {
        Item::Record(mut r) => {
            r.events.retain(|e| f.accepts(e));
            (!r.events.is_empty()).then_some(Item::Record(r))
        }
        Item::Event(e) => f.accepts(&e.event).then_some(Item::Event(e)),
    }
}

/// Options of one tail.
pub struct TailOptions {
    /// librdkafka settings (brokers, security).
    pub config: ClientConfig,
    /// Topic to read.
    pub topic: String,
    /// Where to start.
    pub start: Start,
    /// Filters.
    pub filter: Filter,
    /// Stop after this many items were printed.
    pub max: Option<usize>,
    /// Stop after this long without a message.
    pub idle_exit: Option<Duration>,
    /// JSON lines instead of the coloured summary.
    pub json: bool,
}

/// Read and print until `max` items, `idle_exit`, or forever.
pub fn run(opts: TailOptions, out: &mut dyn Write) -> anyhow::Result<usize> {
    let consumer: BaseConsumer = opts
        .config
        .clone()
        .set(
            "group.id",
            format!("parleywire-tail-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .context("creating the tail consumer")?;
    let metadata = consumer
        .fetch_metadata(Some(&opts.topic), Duration::from_secs(10))
        .context("fetching topic metadata")?;
    let Some(topic) = metadata.topics().iter().find(|t| t.name() == opts.topic) else {
        bail!("topic {} not found", opts.topic);
    };
    if topic.partitions().is_empty() {
        bail!("topic {} not found or has no partitions", opts.topic);
    }
    let mut tpl = TopicPartitionList::new();
    for p in topic.partitions() {
        let offset = match opts.start {
            Start::Latest => Offset::End,
            Start::Earliest => Offset::Beginning,
            Start::Time(ms) => Offset::Offset(ms),
        };
        tpl.add_partition_offset(&opts.topic, p.id(), offset)?;
    }
    if let Start::Time(_) = opts.start {
        tpl = consumer
            .offsets_for_times(tpl, Duration::from_secs(10))
            .context("looking up offsets for --from")?;
    }
    consumer.assign(&tpl)?;
    let mut shown = 0;
    let mut last = Instant::now();
    loop {
        if opts.max.is_some_and(|m| shown >= m)
            || opts.idle_exit.is_some_and(|d| last.elapsed() >= d)
        {
            return Ok(shown);
        }
        let Some(msg) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let msg = msg.context("reading")?;
        last = Instant::now();
        let value = msg.payload().unwrap_or_default();
        let Some(item) = parse(value).and_then(|i| filter(i, &opts.filter)) else {
            continue;
        };
        shown += 1;
        if opts.json {
            let line = match &item {
                Item::Record(r) => serde_json::to_string(r)?,
                Item::Event(e) => serde_json::to_string(e)?,
            };
            writeln!(out, "{line}")?;
        } else {
            match &item {
                Item::Record(r) => crate::summary::write_record(out, r, true)?,
                Item::Event(e) => {
                    writeln!(out, "\x1b[1m{}\x1b[0m  [{}]", e.article_id, e.event.id)?;
                    crate::summary::write_event_line(out, &e.event, true)?;
                }
            }
        }
        out.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{EventActor, Modality, SentenceRef, Sentiment, TextRef};

    fn actor(code: &str, country: &str, name: &str) -> EventActor {
        EventActor {
            name: name.into(),
            code: code.into(),
            country: Some(country.into()),
            role: None,
            text: name.into(),
            span: [0, 1],
        }
    }

    fn event(ty: &str, conf: f64) -> Event {
        Event {
            id: "e".into(),
            event_type: ty.into(),
            mode: None,
            cameo: "040".into(),
            quad_class: 1,
            goldstein: 1.0,
            trigger: TextRef {
                text: "met".into(),
                span: [0, 3],
            },
            source: Some(actor("RUSGOV", "RUS", "Sergei Lavrov")),
            target: Some(actor("USAGOV", "USA", "John Kerry")),
            participants: vec![],
            location: None,
            time: None,
            quantities: vec![],
            modality: Modality::default(),
            status: None,
            sentence: SentenceRef {
                index: 0,
                span: [0, 3],
                in_text: "body".into(),
            },
            sentiment: Sentiment::neutral(),
            confidence: conf,
        }
    }

    #[test]
    fn filters_match_type_actor_country_and_confidence() {
        let e = event("CONSULT", 0.8);
        assert!(Filter {
            types: vec!["consult".into()],
            ..Filter::default()
        }
        .accepts(&e));
        assert!(!Filter {
            types: vec!["ACCUSE".into()],
            ..Filter::default()
        }
        .accepts(&e));
        assert!(Filter {
            actor: Some("RUS".into()),
            ..Filter::default()
        }
        .accepts(&e));
        assert!(Filter {
            actor: Some("kerry".into()),
            ..Filter::default()
        }
        .accepts(&e));
        assert!(!Filter {
            actor: Some("SYR".into()),
            ..Filter::default()
        }
        .accepts(&e));
        assert!(Filter {
            country: Some("USA".into()),
            ..Filter::default()
        }
        .accepts(&e));
        assert!(!Filter {
            country: Some("SYR".into()),
            ..Filter::default()
        }
        .accepts(&e));
        assert!(!Filter {
            min_confidence: 0.9,
            ..Filter::default()
        }
        .accepts(&e));
    }

    #[test]
    fn start_parses() {
        assert_eq!("latest".parse::<Start>().unwrap(), Start::Latest);
        assert_eq!(
            "2016-08-25T00:00:00Z".parse::<Start>().unwrap(),
            Start::Time(1_472_083_200_000)
        );
        assert!("yesterday".parse::<Start>().is_err());
    }
}

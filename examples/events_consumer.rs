//! A downstream consumer of the events topic: prints one line per committed event.
//!
//! `cargo run --example events_consumer -- 127.0.0.1:9092 articles.events my-group`
//!
//! Reads with `isolation.level=read_committed`, so with an exactly-once worker it sees
//! each event once; keys are stable event ids, so an at-least-once feed can be
//! deduplicated on them.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;

use parleywire::record::EventMessage;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let brokers = args.next().unwrap_or_else(|| "127.0.0.1:9092".into());
    let topic = args.next().unwrap_or_else(|| "articles.events".into());
    let group = args.next().unwrap_or_else(|| "events-example".into());
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", &group)
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&[&topic])?;
    loop {
        let Some(message) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let message = message?;
        let event: EventMessage =
            match serde_json::from_slice(message.payload().unwrap_or_default()) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("skipping a message that is not a parleywire event: {e}");
                    continue;
                }
            };
        let e = &event.event;
        let code = |a: &Option<parleywire::record::EventActor>| {
            a.as_ref().map_or("-".to_string(), |a| a.code.clone())
        };
        println!(
            "{} {} {:<9} {} -> {}  \"{}\"{}",
            event.article_id,
            e.id,
            e.event_type,
            code(&e.source),
            code(&e.target),
            e.trigger.text,
            if e.modality.negated || e.modality.hypothetical {
                "  (not a fact)"
            } else {
                ""
            }
        );
        consumer.commit_message(&message, CommitMode::Async)?;
    }
}

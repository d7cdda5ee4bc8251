//! Sentiment: document tone, sentiment toward actors and targets, directed event sentiment.
//! (Interface only; the scorer lands with the sentiment issue.)

use super::{DictionaryError, DictionarySources};
use crate::article::Article;
use crate::record::{DocumentSentiment, Sentiment, Span, TargetSentiment};

/// Compiled sentiment lexicon and models.
pub struct SentimentModel {}

impl SentimentModel {
    /// Compile from dictionary sources (`sentiment/...` files).
    pub fn new(_sources: &DictionarySources) -> Result<Self, DictionaryError> {
        Ok(SentimentModel {})
    }

    /// Tone of a whole text.
    pub fn document(&self, text: &str) -> DocumentSentiment {
        DocumentSentiment {
            compound: 0.0,
            label: "neutral".into(),
            word_count: text.split_whitespace().count(),
            ..DocumentSentiment::default()
        }
    }

    /// How `text` speaks of the entity mentioned at `mentions` (code-point spans of `text`).
    pub fn mention_sentiment(&self, _text: &str, _mentions: &[Span]) -> Sentiment {
        Sentiment::neutral()
    }

    /// How the source of an event speaks of / acts toward its target, from the event's
    /// clause (`clause`: code-point span of `text`) and its PLOVER type.
    pub fn event_sentiment(&self, _text: &str, _clause: Span, _event_type: &str) -> Sentiment {
        Sentiment::neutral()
    }

    /// Caller-named targets of the article, echoed in input order with their mentions
    /// in `body` and sentiment.
    pub fn targets(&self, article: &Article) -> Vec<TargetSentiment> {
        article
            .targets
            .iter()
            .map(|t| TargetSentiment {
                text: t.text.clone(),
                mentions: Vec::new(),
                sentiment: Sentiment::neutral(),
            })
            .collect()
    }

    /// Tone and news tags (`tone:negative`, `concern`, `escalation`, ...) for a text.
    pub fn tags(&self, _text: &str, doc: &DocumentSentiment) -> Vec<String> {
        vec![format!("tone:{}", doc.label)]
    }
}

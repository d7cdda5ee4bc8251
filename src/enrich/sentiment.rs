//! Sentiment: document tone, sentiment toward actors and targets, directed event sentiment.
//! (Placeholder interface; the scorer lands with the sentiment issue.)

use super::{DictionaryError, DictionarySources};
use crate::record::DocumentSentiment;

/// Compiled sentiment lexicon and models.
pub struct SentimentModel {}

impl SentimentModel {
    /// Compile from dictionary sources.
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
}

//! The pure enrichment core: `Article -> EnrichedRecord`.
//!
//! Invariants: no I/O, no async, no Kafka, no clock. Dictionaries arrive as data
//! ([`DictionarySources`]) and are compiled once by [`Enricher::new`]; processing time
//! arrives in the [`Context`]. The same article and dictionaries give the same record,
//! byte for byte.

pub mod sentiment;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::article::Article;
use crate::record::{ArticleMeta, EnrichedRecord, KafkaPosition, Provenance, SCHEMA_ID};

/// Dictionary files as data: path relative to `config/` (e.g. `dictionaries/countries.tsv`)
/// to file contents. Reading them from disk is the caller's business.
#[derive(Debug, Clone, Default)]
pub struct DictionarySources {
    /// Path (relative to the config folder, `/`-separated) to contents.
    pub files: BTreeMap<String, String>,
}

impl DictionarySources {
    /// Contents of one file, if present.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Stable hash of every file name and content: the version stamped on records.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for (name, body) in &self.files {
            h.update(name.as_bytes());
            h.update([0u8]);
            h.update(body.as_bytes());
            h.update([0u8]);
        }
        let d = h.finalize();
        d[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// An error in a dictionary file: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DictionaryError {
    /// File (relative to `config/`).
    pub file: String,
    /// 1-based line number, 0 when the error concerns the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Per-call context the core cannot know by itself.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Processing time, RFC 3339, stamped into provenance.
    pub processed_at: String,
    /// Where the article came from, if from Kafka.
    pub kafka: Option<KafkaPosition>,
}

/// Compiled dictionaries and models: build once, share across threads, call [`Enricher::enrich`].
pub struct Enricher {
    /// Hash of the dictionary sources.
    dictionaries_hash: String,
    /// Tone and targeted sentiment.
    sentiment: sentiment::SentimentModel,
}

impl Enricher {
    /// Compile the dictionaries.
    pub fn new(sources: &DictionarySources) -> Result<Self, DictionaryError> {
        Ok(Enricher {
            dictionaries_hash: sources.hash(),
            sentiment: sentiment::SentimentModel::new(sources)?,
        })
    }

    /// The sentiment model (for scoring it on its own, `parleywire eval sentiment`).
    pub fn sentiment(&self) -> &sentiment::SentimentModel {
        &self.sentiment
    }

    /// Hash of the dictionaries this enricher was compiled from.
    pub fn dictionaries_hash(&self) -> &str {
        &self.dictionaries_hash
    }

    /// Enrich one article.
    pub fn enrich(&self, article: &Article, ctx: &Context) -> EnrichedRecord {
        let text = if article.body.is_empty() {
            article.headline.as_str()
        } else {
            article.body.as_str()
        };
        let doc = self.sentiment.document(text);
        let tags = self.sentiment.tags(text, &doc);
        let targets = self.sentiment.targets(article);
        EnrichedRecord {
            schema: SCHEMA_ID.to_string(),
            article: ArticleMeta {
                id: article.id.clone(),
                headline: article.headline.clone(),
                source: article.source.clone(),
                url: article.url.clone(),
                published_at: article.published_at.clone(),
                language: article.language.clone(),
            },
            events: Vec::new(),
            actors: Vec::new(),
            targets,
            places: Vec::new(),
            sentiment: doc,
            tags,
            provenance: Provenance {
                worker: crate::WORKER_VERSION.to_string(),
                dictionaries: self.dictionaries_hash.clone(),
                processed_at: ctx.processed_at.clone(),
                kafka: ctx.kafka.clone(),
            },
        }
    }
}

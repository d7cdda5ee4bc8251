//! Scoring the enrichment core against gold files (`parleywire eval`).
//!
//! - [`events`]: PLOVER/CAMEO event gold (`events_dev.jsonl` format).
//! - [`sentiment`]: tone (SemEval-2007 TSV) and targeted sentiment (NewsMTSC JSONL).

pub mod events;
pub mod sentiment;

//! Tests on text written for them.

use super::*;

fn model() -> SentimentModel {
    SentimentModel::new(&crate::dictionaries::embedded()).expect("embedded dictionaries compile")
}

#[test]
fn negation_flips_tone() {
    let m = model();
    assert_eq!(m.document("The proposal is good.").label, "positive");
    assert_eq!(m.document("The proposal is not good.").label, "negative");
}

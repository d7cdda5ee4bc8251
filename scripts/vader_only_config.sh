#!/bin/sh
# Write a --config-dir folder that reduces parleywire's scorer to plain VADER 3.3.2: no news
# lexicon, only VADER's boosters, negators and "but", no quote weighting. Used to check parity
# with Python vaderSentiment and to measure what the news additions change:
#   scripts/vader_only_config.sh /tmp/vader-only
#   cargo run --release -- eval sentiment --config-dir /tmp/vader-only FILE
set -eu
dir=${1:?usage: vader_only_config.sh DIR}
here=$(dirname "$0")/../config/sentiment
mkdir -p "$dir/sentiment"
: > "$dir/sentiment/news_lexicon.tsv"
awk -F'\t' 'NF == 3 && ($1 == "booster" || $1 == "negator")' "$here/rules.tsv" > "$dir/sentiment/rules.tsv"
printf 'contrast\tbut\t1.5\nparam\tquote_weight\t1\nparam\tscare_quote_weight\t1\n' >> "$dir/sentiment/rules.tsv"
echo "wrote $dir/sentiment/{news_lexicon,rules}.tsv"

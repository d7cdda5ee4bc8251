#!/usr/bin/env bash
# End-to-end benchmark against a real broker: pass-through vs full worker throughput,
# their ratio, the same with enrichment for free (records computed beforehand replayed by
# the worker: the ratio's ceiling), kcat moving the same messages, p50/p99 latency at a
# fixed offered rate, peak RSS. Prints a table and one JSON line.
#
#   scripts/bench.sh [--articles N] [--partitions P] [--rate R] [--rate-seconds S] [--workers W]
#                    [--worker-x KEY=VALUE]... [--quick true] [--passthrough-runs N]
#
# --worker-x passes a librdkafka property to every worker (-X), to measure batching and
# compression choices; --quick skips the exactly-once run and the kcat baseline;
# --passthrough-runs (default 3) repeats the sub-second pass-through and enrichment-for-free
# drains, median reported.
# The table also gives the CPU time per article: the workers' own and the rest of the
# machine's (mostly the broker), from /proc while output is being appended.
#
# The corpus is read at run time (PARLEYWIRE_CORPUS, default ../shared/data/corpus/articles.jsonl);
# it is never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${PARLEYWIRE_CORPUS:-../shared/data/corpus/articles.jsonl}"
if [ ! -f "$corpus" ]; then
  echo "bench.sh: corpus $corpus not found (set PARLEYWIRE_CORPUS)" >&2
  exit 1
fi
if ! command -v kcat >/dev/null 2>&1; then
  echo "bench.sh: installing kcat for the baseline" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat) >/dev/null 2>&1 \
    || echo "bench.sh: kcat unavailable; its baseline is skipped" >&2
fi
cargo build --release --bin parleywire --example e2e_bench >&2
started_broker=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then
  scripts/kafka.sh start >&2
  started_broker=1
fi
trap '[ "$started_broker" = 1 ] && scripts/kafka.sh stop >&2 || true' EXIT
KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:${KAFKA_PORT:-19092}" \
  target/release/examples/e2e_bench --corpus "$corpus" --binary target/release/parleywire "$@"

#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, starts a real
# single-node Apache Kafka broker (scripts/kafka.sh), runs unit, doc and broker-backed
# integration tests against it, and stops the broker again.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -- NAME         pass a filter (and other args) to the test binaries
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need_apt+=(zlib1g-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "test.sh: the Rust toolchain (cargo) is required: https://rustup.rs" >&2
  exit 1
fi

echo "test.sh: building (release)"
cargo build --release --all-targets

echo "test.sh: starting Kafka"
scripts/kafka.sh start
trap 'scripts/kafka.sh stop || true' EXIT
export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:${KAFKA_PORT:-19092}"
export PARLEYWIRE_REQUIRE_BROKER=1

echo "test.sh: running tests against $KAFKA_BOOTSTRAP_SERVERS"
# One test at a time: the broker-backed tests each run worker processes, and the
# machine has two cores.
shift_args=()
if [ "${1:-}" = "--" ]; then shift; shift_args=("$@"); fi
cargo test --release --no-fail-fast -- --test-threads=1 "${shift_args[@]}"

echo "test.sh: done in $(( $(date +%s) - started )) s"

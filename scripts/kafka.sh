#!/usr/bin/env bash
# Run a real single-node Apache Kafka 4.x broker (KRaft, combined broker+controller,
# no ZooKeeper, no Docker) for parleywire's integration tests. The broker jars come
# from Maven Central through scripts/kafka/pom.xml.
#
# Usage: scripts/kafka.sh COMMAND [ARGS...]
#   start             fetch jars if missing, format storage once, start the broker in
#                     the background, wait until it answers, print
#                     KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:<port>. No-op if already up.
#   stop              SIGTERM the broker, wait up to KAFKA_STOP_TIMEOUT (30 s), then
#                     SIGKILL. Exit 0 if it was not running.
#   restart           stop, then start, keeping the data (fault-injection tests).
#   status            exit 0 if the broker runs and answers a metadata request.
#   reset             stop and wipe data and logs (the jar cache is kept).
#   fetch             only fetch the jars.
#   topics ARGS...    org.apache.kafka.tools.TopicCommand --bootstrap-server <ours> ARGS
#                     e.g. topics --create --topic t1 --partitions 3 --replication-factor 1
#   run-class CLASS ARGS...
#                     run any class from the Kafka jars (tools logging: WARN on stderr),
#                     e.g. run-class org.apache.kafka.tools.ConsoleProducer
#                          --bootstrap-server 127.0.0.1:19092 --topic t1
#   bootstrap         print 127.0.0.1:<port>
#   logs [N]          print the last N (default 100) lines of the broker log
#
# Environment:
#   PARLEYWIRE_KAFKA_HOME  state dir (default: <repo>/.kafka, git-ignored), holding
#                          libs/ (jar cache), data/ (log.dirs + KRaft metadata),
#                          logs/ (server.log, broker.out), server.properties, broker.pid
#   KAFKA_PORT             PLAINTEXT listener port on 127.0.0.1 (default 19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 (default 19093)
#   KAFKA_HEAP_OPTS        broker heap (default "-Xms256m -Xmx1g")
#   KAFKA_JVM_PERFORMANCE_OPTS  broker GC/JIT options (default G1, see below)
#   KAFKA_OPTS             extra JVM options for the broker
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
BROKER_LOG4J="$SCRIPT_DIR/kafka/log4j2.properties"
TOOLS_LOG4J="$SCRIPT_DIR/kafka/tools-log4j2.properties"

KHOME="${PARLEYWIRE_KAFKA_HOME:-$REPO/.kafka}"
LIBS="$KHOME/libs"
DATA="$KHOME/data"
LOGS="$KHOME/logs"
PROPS="$KHOME/server.properties"
PIDFILE="$KHOME/broker.pid"
LOCKFILE="$KHOME/.lock"
ADMIN_PROPS="$KHOME/admin.properties"

PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-19093}"
HOST=127.0.0.1
BOOTSTRAP="$HOST:$PORT"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
PERF_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
# Short-lived CLI JVMs: small heap, C1 only, CDS; starts in ~1-2 s.
TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true)

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Version stamp of the jar cache: the pom's content (kafka.version etc.).
pom_stamp() { sha256sum "$POM" | cut -d' ' -f1; }
kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1; }

ensure_java() {
  command -v java >/dev/null 2>&1 && return 0
  install_pkgs default-jre-headless
  command -v java >/dev/null 2>&1 || die "java not found (Kafka 4 needs Java 17+)"
}

ensure_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  install_pkgs maven
  command -v mvn >/dev/null 2>&1 || die "mvn not found and could not be installed"
}

install_pkgs() {
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing $*: install it (needs Java 17+ and Maven)"
  fi
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

libs_ok() {
  [[ -f "$LIBS/.stamp" ]] && [[ "$(cat "$LIBS/.stamp")" == "$(pom_stamp)" ]] &&
    compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null &&
    compgen -G "$LIBS/kafka-tools-*.jar" >/dev/null
}

do_fetch() {
  if libs_ok; then
    return 0
  fi
  ensure_java
  ensure_mvn
  mkdir -p "$KHOME"
  local tmp="$KHOME/libs.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  log "fetching Apache Kafka $(kafka_version) jars from Maven Central into $LIBS"
  # (sed: Maven 3.8 prints bare ANSI resets even in batch mode.)
  if ! mvn -B -q --no-transfer-progress -f "$POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
      sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; then
    rm -rf "$tmp"
    die "mvn could not fetch the Kafka jars (see above)"
  fi
  pom_stamp >"$tmp/.stamp"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
}

# Run a Kafka class with the tools' logging (WARN on stderr).
run_class() {
  local cls="$1"
  shift
  java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
    -cp "$LIBS/*" "$cls" "$@"
}

write_admin_props() {
  cat >"$ADMIN_PROPS" <<EOF
# Admin client settings for scripts/kafka.sh readiness checks: fail fast.
request.timeout.ms=5000
default.api.timeout.ms=8000
socket.connection.setup.timeout.ms=2000
socket.connection.setup.timeout.max.ms=2000
EOF
}

write_server_props() {
  # Regenerated at every start so KAFKA_PORT / KAFKA_CONTROLLER_PORT may change
  # between runs (the static voter set keeps no endpoint in the formatted data).
  cat >"$PROPS" <<EOF
# Generated by scripts/kafka.sh; edits are overwritten at the next start.
# Single node, KRaft combined mode, static controller quorum of one voter.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER

log.dirs=$DATA

# One node: every internal topic with one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=1

# Tests create their topics explicitly (one test needs auto-creation off).
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
# The coordinator looks for transactions past their timeout every second instead of
# every 10 s, so a test that stalls a worker past its timeout sees the abort promptly.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000

# After an unclean stop (SIGKILL, fault-injection tests) the restarted node cannot
# register until its previous broker session expires (DUPLICATE_BROKER_REGISTRATION):
# a 4 s session instead of the default 9 s makes that restart take ~5 s, not ~12 s.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000

# Keep the footprint small on a 2-core machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=33554432
EOF
}

ensure_formatted() {
  if [[ -f "$DATA/meta.properties" ]]; then
    return 0
  fi
  mkdir -p "$DATA"
  local cid
  cid="$(run_class kafka.tools.StorageTool random-uuid)"
  [[ -n "$cid" ]] || die "could not generate a cluster id"
  log "formatting $DATA (cluster id $cid)"
  run_class kafka.tools.StorageTool format -t "$cid" -c "$PROPS" >&2 ||
    die "formatting the storage failed"
}

# Does process $1 run this instance's broker (kafka.Kafka with our server.properties)?
is_our_broker() {
  local cmd
  cmd="$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)" || return 1
  [[ "$cmd" == *"kafka.Kafka $PROPS"* ]]
}

# Prints the broker pid if this instance's broker runs. Trusts the pid file when it
# names our broker (guards against pid reuse); otherwise looks for a broker started
# with our server.properties whose pid file was lost, and re-adopts it.
broker_pid() {
  local pid=""
  [[ -f "$PIDFILE" ]] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  local d
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    if is_our_broker "$pid"; then
      echo "$pid" >"$PIDFILE"
      echo "$pid"
      return 0
    fi
  done
  return 1
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# A metadata round trip (list topics) through the admin client.
answers() {
  compgen -G "$LIBS/kafka-tools-*.jar" >/dev/null || return 1
  [[ -f "$ADMIN_PROPS" ]] || write_admin_props
  port_open "$PORT" || return 1
  timeout 20 java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
    -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_PROPS" --list >/dev/null 2>&1
}

print_log_tail() {
  local n="${1:-60}"
  for f in "$LOGS/server.log" "$LOGS/broker.out"; do
    if [[ -s "$f" ]]; then
      log "---- last $n lines of $f ----"
      tail -n "$n" "$f" >&2
    fi
  done
}

# Serialise start/stop/reset between concurrent invocations.
with_lock() {
  mkdir -p "$KHOME"
  exec 9>"$LOCKFILE"
  flock -w 180 9 || die "timed out waiting for the lock $LOCKFILE"
}

do_start() {
  with_lock
  local pid
  if pid="$(broker_pid)"; then
    if answers; then
      log "broker already running (pid $pid) and healthy"
      echo "KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP"
      return 0
    fi
    log "broker process $pid is up but not answering yet; waiting"
  else
    rm -f "$PIDFILE"
    if port_open "$PORT"; then
      die "port $HOST:$PORT is taken by another process (not our broker); set KAFKA_PORT"
    fi
    if port_open "$CPORT"; then
      die "port $HOST:$CPORT is taken by another process; set KAFKA_CONTROLLER_PORT"
    fi
    do_fetch
    mkdir -p "$DATA" "$LOGS"
    write_server_props
    write_admin_props
    ensure_formatted
    log "starting Kafka $(kafka_version) on $BOOTSTRAP (controller $HOST:$CPORT), state in $KHOME"
    {
      echo
      echo "==== $(date -u +%FT%TZ) starting broker ===="
    } >>"$LOGS/broker.out"
    # setsid: own session, so the broker outlives this shell and a Ctrl-C in it.
    # The inner shell records its pid and execs java, so the pid file names java.
    # It also closes every inherited fd above 2 (our lock, a CI runner's pipes), so
    # the broker neither holds the lock nor keeps a caller's output pipe open.
    # shellcheck disable=SC2086,SC2016
    setsid bash -c 'for fd in $(ls /proc/$$/fd); do
        if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi
      done
      echo $$ >"$0"; exec "$@"' "$PIDFILE" \
      java $HEAP_OPTS $PERF_OPTS ${KAFKA_OPTS:-} \
      -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$BROKER_LOG4J" \
      -cp "$LIBS/*" kafka.Kafka "$PROPS" \
      >>"$LOGS/broker.out" 2>&1 </dev/null &
    local i
    for ((i = 0; i < 50; i++)); do
      [[ -s "$PIDFILE" ]] && break
      sleep 0.1
    done
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ -n "$pid" ]] || die "the broker process did not start"
  fi

  local t0=$SECONDS
  while true; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail 80
      rm -f "$PIDFILE"
      die "the broker exited during startup (logs above; full log in $LOGS)"
    fi
    if answers; then
      break
    fi
    if ((SECONDS - t0 >= START_TIMEOUT)); then
      print_log_tail 80
      die "the broker (pid $pid) did not answer on $BOOTSTRAP within ${START_TIMEOUT}s; it is left running, see 'scripts/kafka.sh stop'"
    fi
    sleep 1
  done
  log "broker ready (pid $pid) after $((SECONDS - t0)) s"
  echo "KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP"
}

do_stop() {
  with_lock
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PIDFILE"
    log "broker not running"
    return 0
  fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - t0 >= STOP_TIMEOUT)); then
      log "broker did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local j
      for ((j = 0; j < 50; j++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  rm -f "$PIDFILE"
  log "broker stopped after $((SECONDS - t0)) s"
}

do_status() {
  local pid
  if ! pid="$(broker_pid)"; then
    log "broker not running"
    return 1
  fi
  if answers; then
    log "broker running (pid $pid) and answering on $BOOTSTRAP"
    return 0
  fi
  log "broker process $pid is running but does not answer on $BOOTSTRAP"
  return 2
}

do_reset() {
  do_stop
  log "wiping $DATA and $LOGS (keeping the jar cache $LIBS)"
  rm -rf "$DATA" "$LOGS" "$PROPS" "$ADMIN_PROPS" "$PIDFILE"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
start) do_start ;;
stop) do_stop ;;
restart)
  do_stop
  do_start
  ;;
status) do_status ;;
reset) do_reset ;;
fetch)
  do_fetch
  log "jars ready in $LIBS (Kafka $(kafka_version))"
  ;;
topics)
  do_fetch
  run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"
  ;;
run-class)
  [[ $# -ge 1 ]] || die "usage: $0 run-class CLASS [ARGS...]"
  do_fetch
  run_class "$@"
  ;;
bootstrap) echo "$BOOTSTRAP" ;;
logs)
  [[ -f "$LOGS/server.log" ]] || die "no broker log yet ($LOGS/server.log)"
  tail -n "${1:-100}" "$LOGS/server.log"
  ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac

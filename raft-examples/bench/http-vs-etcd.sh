#!/usr/bin/env bash
# sansraft's HTTP API next to etcd 3.4's v3 JSON gateway, under the same wrk load, in one run (issue 17).
#
#   raft-examples/bench/http-vs-etcd.sh [ROUNDS]        (default 3; run from the repository root)
#
# Each round starts a 3-member etcd cluster on 127.0.0.1 (fresh data directories, etcd's default durability: the
# WAL is fsynced before a write is acknowledged), runs a warm-up and then a measured wrk run of 100-byte writes and
# of linearizable reads, stops it, and does the same with the sansraft `cluster` of every jar in SANSRAFT_JARS. So the
# systems are interleaved (etcd, sansraft, etcd, sansraft, ...) and share whatever else the machine is doing. At the
# end it prints, per system and operation, the median ops/s and the median p99 over the rounds.
#
# What is sent (http-vs-etcd.lua, each thread cycling through its share of KEYS keys):
#   sansraft  writes: PUT /kv/key-NNNNNN, 100-byte body, to the leader (a follower would answer 307)
#             reads:  GET /kv/key-NNNNNN (linearizable by default), to the node READ_TARGET names
#   etcd      writes: POST /v3/kv/put {"key":b64,"value":b64 of the same 100 bytes}, to the leader
#             reads:  POST /v3/kv/range {"key":b64} (linearizable by default: a ReadIndex round), to READ_TARGET
# The v3 gateway is etcd's supported HTTP API; the v2 API is off by default in 3.4 and its linearizable read
# (quorum=true) goes through the log, which would flatter sansraft.
#
# Environment:
#   SANSRAFT_JARS  space-separated label=path pairs (default: sansraft=raft-examples/target/raft-examples.jar)
#   THREADS / CONNECTIONS / DURATION / WARMUP   wrk -t / -c / -d of the measured run, and -d of the warm-up
#                  (defaults 2 / 64 / 10s / 15s; the JVMs are still compiling hot paths after 5 s on 2 cores:
#                  perf showed C2 compiler threads at ~16% of the CPU samples of a put run after a 10 s warm-up)
#   KEYS           key space (default 1000: every key is written in the first seconds, so reads find them all)
#   READ_TARGET    leader | follower: where reads go, for both systems (default leader)
#   JAVA_OPTS      JVM options of each sansraft server (default -Xms512m -Xmx512m -XX:+AlwaysPreTouch: a fixed,
#                  pre-touched heap, as a server runs; with -Xmx512m alone the nodes kept page-faulting under load)
#   CLUSTER_ARGS_<label>  extra `cluster` flags for the jar with that label (e.g. CLUSTER_ARGS_main="--http-threads 2")
#   JAVA_OPTS_<label>     JVM options for that label instead of JAVA_OPTS
#   SKIP_ETCD=1    run only the sansraft jars (for A/B runs between builds)
#   BASE_PORT      first port used (default 23000; the script uses BASE_PORT+100 .. BASE_PORT+400)
#   WORK           scratch directory (default /tmp/http-vs-etcd; wiped at the start of each system's run)
set -euo pipefail

ROUNDS=${1:-3}
SANSRAFT_JARS=${SANSRAFT_JARS:-sansraft=raft-examples/target/raft-examples.jar}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-15s}
KEYS=${KEYS:-1000}
READ_TARGET=${READ_TARGET:-leader}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
BASE_PORT=${BASE_PORT:-23000}
WORK=${WORK:-/tmp/http-vs-etcd}
HERE=$(cd "$(dirname "$0")" && pwd)
LUA="$HERE/http-vs-etcd.lua"
RESULTS="$WORK/results.txt"

ETCD_CLIENT=$((BASE_PORT + 379))  # members use ETCD_CLIENT+1..3
ETCD_PEER=$((BASE_PORT + 389))    # and ETCD_PEER+1..3
RAFT_PORT=$((BASE_PORT + 101))    # sansraft node i: raft RAFT_PORT+i-1, HTTP HTTP_PORT+i-1
HTTP_PORT=$((BASE_PORT + 201))

case "$READ_TARGET" in leader|follower) ;; *) echo "READ_TARGET must be leader or follower" >&2; exit 2 ;; esac
command -v etcd >/dev/null || { echo "etcd not found (Debian: apt-get install etcd-server)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found (Debian: apt-get install wrk)" >&2; exit 2; }
for pair in $SANSRAFT_JARS; do
  [ -f "${pair#*=}" ] || { echo "no jar at ${pair#*=} (mvn -B -q package -DskipTests first)" >&2; exit 2; }
done

mkdir -p "$WORK"
: > "$RESULTS"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT

# poll CMD until it succeeds, at most SECONDS seconds
poll() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# run_wrk LABEL ROUND OP SYSTEM URL: a warm-up, then the measured run; appends one line to RESULTS
run_wrk() {
  local label=$1 round=$2 op=$3 system=$4 url=$5
  WRK_THREADS=$THREADS wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" "$url" -- "$system" "$op" "$KEYS" \
    > "$WORK/warmup.out"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  WRK_THREADS=$THREADS wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$url" \
    -- "$system" "$op" "$KEYS" > "$WORK/wrk.out"
  local line
  line=$(grep '^RESULT' "$WORK/wrk.out") || { cat "$WORK/wrk.out" >&2; return 1; }
  echo "$label $op round=$round load=$load $line" | tee -a "$RESULTS"
}

etcd_member_url() { echo "http://127.0.0.1:$((ETCD_CLIENT + $1))"; }

etcd_is_leader() {
  local status
  status=$(curl -s -m 2 -X POST "$(etcd_member_url "$1")/v3/maintenance/status" -d '{}') || return 1
  local own leader
  own=$(echo "$status" | grep -o '"member_id":"[0-9]*"' | head -1 | grep -o '[0-9]\+')
  leader=$(echo "$status" | grep -o '"leader":"[0-9]*"' | grep -o '[0-9]\+')
  [ -n "$own" ] && [ "$own" = "$leader" ]
}

etcd_leader() {
  for i in 1 2 3; do
    if etcd_is_leader "$i"; then echo "$i"; return 0; fi
  done
  return 1
}

round_etcd() {
  local round=$1
  rm -rf "$WORK/etcd"
  local cluster=""
  for i in 1 2 3; do cluster="$cluster${cluster:+,}e$i=http://127.0.0.1:$((ETCD_PEER + i))"; done
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$WORK/etcd/e$i" \
      --listen-client-urls "$(etcd_member_url "$i")" --advertise-client-urls "$(etcd_member_url "$i")" \
      --listen-peer-urls "http://127.0.0.1:$((ETCD_PEER + i))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PEER + i))" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token http-vs-etcd \
      --logger zap --log-outputs "$WORK/etcd-$i.log" --log-level warn 2>> "$WORK/etcd-$i.log" &
    PIDS+=($!)
  done
  local leader
  poll 30 etcd_leader >/dev/null || { echo "etcd elected no leader in 30 s" >&2; return 1; }
  leader=$(etcd_leader)
  local reader=$leader
  [ "$READ_TARGET" = follower ] && reader=$((leader % 3 + 1))
  run_wrk etcd "$round" put etcd "$(etcd_member_url "$leader")"
  run_wrk etcd "$round" get etcd "$(etcd_member_url "$reader")"
  cleanup
}

sansraft_url() { echo "http://127.0.0.1:$((HTTP_PORT + $1 - 1))"; }

sansraft_leader() {
  for i in 1 2 3; do
    if curl -s -m 2 "$(sansraft_url "$i")/status" | grep -q '"role":"leader"'; then echo "$i"; return 0; fi
  done
  return 1
}

round_sansraft() {
  local label=$1 jar=$2 round=$3
  rm -rf "$WORK/sansraft"
  local args_var="CLUSTER_ARGS_$label" opts_var="JAVA_OPTS_$label"
  # shellcheck disable=SC2086 # the extra flags are meant to split into words
  java -jar "$jar" cluster --dir "$WORK/sansraft" --raft-port "$RAFT_PORT" --http-port "$HTTP_PORT" \
    --java-opts "${!opts_var:-$JAVA_OPTS}" ${!args_var:-} > "$WORK/sansraft-$label.log" 2>&1 &
  PIDS+=($!)
  poll 60 sansraft_leader >/dev/null || { echo "sansraft elected no leader in 60 s" >&2; return 1; }
  local leader
  leader=$(sansraft_leader)
  local reader=$leader
  [ "$READ_TARGET" = follower ] && reader=$((leader % 3 + 1))
  run_wrk "$label" "$round" put sansraft "$(sansraft_url "$leader")"
  run_wrk "$label" "$round" get sansraft "$(sansraft_url "$reader")"
  cleanup  # SIGTERM to `cluster`: its shutdown hook stops the three servers
}

echo "# $(date -u +%FT%TZ) rounds=$ROUNDS wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP)" \
  "keys=$KEYS reads to the $READ_TARGET; jars: $SANSRAFT_JARS; JAVA_OPTS=$JAVA_OPTS"
for round in $(seq 1 "$ROUNDS"); do
  [ -n "${SKIP_ETCD:-}" ] || round_etcd "$round"
  # The jars take turns going first, so none always runs right after etcd (or on a disk still busy deleting).
  pairs=($SANSRAFT_JARS)
  for i in "${!pairs[@]}"; do
    pair=${pairs[$(( (i + round - 1) % ${#pairs[@]} ))]}
    round_sansraft "${pair%%=*}" "${pair#*=}" "$round"
  done
done

# medians per system and operation (for an even count, the lower middle value)
echo
printf '%-16s %-5s %10s %10s %10s  %s\n' system op 'ops/s' 'p99 ms' 'p50 ms' 'load (1 min) per round'
for label in etcd $(for pair in $SANSRAFT_JARS; do echo "${pair%%=*}"; done); do
  for op in put get; do
    lines=$(grep "^$label $op " "$RESULTS" || true)
    [ -n "$lines" ] || continue
    median() { echo "$lines" | grep -o "$1=[0-9.]*" | cut -d= -f2 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
    loads=$(echo "$lines" | grep -o 'load=[0-9.]*' | cut -d= -f2 | paste -sd' ')
    printf '%-16s %-5s %10s %10s %10s  %s\n' "$label" "$op" "$(median ops_per_s)" "$(median p99_ms)" \
      "$(median p50_ms)" "$loads"
  done
done
if grep -q -v 'errors=0 non2xx=0' "$RESULTS"; then
  echo "WARNING: some runs had socket errors or non-2xx answers (see $RESULTS)"
fi

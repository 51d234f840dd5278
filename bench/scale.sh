#!/usr/bin/env bash
# The scale benchmark: the service at real account sizes (10, 50, 200 and 1,000 incident.io schedules), with
# 1 and 3 replicas, under steady checks. Appends a dated section to bench/scale-results.md: a table per
# (schedules, replicas) cell and PASS/FAIL per goal. See bench/README.md ("Scale") for the method.
#
#   bash bench/scale.sh                          # build (profile bench) and run everything, about 20 minutes
#   SKIP_BUILD=1 bash bench/scale.sh             # reuse target/bench-build
#   SIZES="10 200" REPLICAS=1 STEADY_SECONDS=60 SETTLE_SECONDS=20 bash bench/scale.sh   # a shorter run
#   LABEL=before EXTRA_ENV="INCIDENTIO_BUDGET_REPLICAS=4" bash bench/scale.sh          # extra service environment
#
# Pieces: the service as bench/run.sh packages it (target/bench-build), prod mode, 1 or 3 processes (ports
# 18380..18382, -Xmx384m each) on one fresh local database `bench_scale`, all with the same master key and
# the same incident.io simulator (bench/sim/IncidentIoSim.java, port 18389: generated schedules, the token
# bucket incident.io documents, 50 ms per call); load from bench/load/LoadClient.java in mode steady (open
# loop, round-robin over the replicas). Only the HTTP API of the service is used. Everything it starts
# stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
use_java25

SIZES=${SIZES:-"10 50 200 1000"}         # schedules in the incident.io account; each cell chooses them all
REPLICAS=${REPLICAS:-"1 3"}             # service processes sharing the database and the simulator
STEADY_SECONDS=${STEADY_SECONDS:-90}    # steady checks per cell
SETTLE_SECONDS=${SETTLE_SECONDS:-30}    # calls/min are counted after this, until STEADY_SECONDS
RATE=${RATE:-20}                        # checks per second, open loop, over all replicas
DELAY_MS=${DELAY_MS:-50}                # simulated incident.io latency, every call
RATE_LIMIT=${RATE_LIMIT:-1200}          # incident.io's token bucket per key: 1,200, refilled at 1,200/60 per second
CHOOSE_N=${CHOOSE_N:-500}               # the dedicated "choose many" step
COLD_SAMPLES=${COLD_SAMPLES:-5}          # cold checks per cell (each after its own re-install)
CHOOSE_PAUSE=${CHOOSE_PAUSE:-5}         # seconds between installing an organization and choosing its schedules
WARMUP_SECONDS=${WARMUP_SECONDS:-20}    # checks of a warm-up organization after each start (JIT), not measured
WARMUP_COLD=${WARMUP_COLD:-40}          # ... then its cold checks (installed again, checked on every replica)
QUIET_LOAD=${QUIET_LOAD:-1.5}           # 1-minute load average under which the machine counts as quiet
QUIET_WAIT=${QUIET_WAIT:-300}           # seconds to wait for it at the start
QUIET_CELL_WAIT=${QUIET_CELL_WAIT:-60}  # ... and before each cell
EXTRA_ENV=${EXTRA_ENV:-}                # more environment of the service, e.g. "INCIDENTIO_BUDGET_REPLICAS=4"
JVM_OPTS=${JVM_OPTS:--Xmx384m}
LABEL=${LABEL:-}
RESULTS=${RESULTS:-bench/scale-results.md}
BASE_PORT=${BASE_PORT:-18380}
SIM_PORT=${SIM_PORT:-18389}
SCALE_DB=${SCALE_DB:-bench_scale}
WORK=${WORK:-target/bench-scale}
APP_DIR=target/bench-build/quarkus-app
REQUESTER=bench.user@example.com        # on call only in the last generated schedule
export BODY="{\"requester\": \"$REQUESTER\"}"

[ "$STEADY_SECONDS" -gt "$SETTLE_SECONDS" ] || { echo "STEADY_SECONDS must be more than SETTLE_SECONDS" >&2; exit 1; }
read -ra EXTRA <<< "$EXTRA_ENV"
read -ra SIZE_LIST <<< "$SIZES"
read -ra REPLICA_LIST <<< "$REPLICAS"
for r in "${REPLICA_LIST[@]}"; do [ "$r" -ge 1 ] && [ "$r" -le 9 ] || { echo "REPLICAS: 1 to 9 each" >&2; exit 1; }; done

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -o -Pbench package -DskipTests || ./mvnw -B -q -Pbench package -DskipTests
fi
[ -f "$APP_DIR/quarkus-run.jar" ] || { echo "no $APP_DIR/quarkus-run.jar: build with -Pbench (or drop SKIP_BUILD)" >&2; exit 1; }

rm -rf "$WORK" && mkdir -p "$WORK"
ulimit -n 20000 2>/dev/null || true

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
quiet() { awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l < q) }'; }
# wait_quiet MAX_SECONDS: waits (polling every 5 s) until the 1-minute load average is under QUIET_LOAD, at
# most MAX_SECONDS; prints uptime to stderr; sets QUIET_NOTE ("quiet after Ns", or "busy: ..., measured anyway").
wait_quiet() {
  local waited=0
  uptime >&2
  until quiet || [ "$waited" -ge "$1" ]; do
    sleep 5; waited=$((waited + 5))
    [ $((waited % 30)) -ne 0 ] || { echo "load $(load1) >= $QUIET_LOAD: waiting for a quiet machine (${waited}s of ${1}s)" >&2; }
  done
  if quiet; then QUIET_NOTE="quiet after ${waited}s"; else
    QUIET_NOTE="busy: load $(load1) >= $QUIET_LOAD after waiting ${waited}s, measured anyway"
    echo "WARNING: the machine is not quiet (load $(load1)); measuring anyway" >&2
  fi
  uptime >&2
}

SIM=http://127.0.0.1:$SIM_PORT
sim_stats() { curl -s "$SIM/__stats"; }
sim_config() { curl -sf -X POST "$SIM/__config?$1" > /dev/null; }

wait_quiet "$QUIET_WAIT"
START_QUIET_NOTE=$QUIET_NOTE
LOAD_START=$(uptime | sed 's/.*load average/load average/')
COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo "+uncommitted changes")

fresh_database "$SCALE_DB"
start_sim "$SIM_PORT" "$WORK/sim.log" --delay-ms "$DELAY_MS" --rate-limit "$RATE_LIMIT" --rate-model bucket \
  --generated-schedules "${SIZE_LIST[0]}" --user "$REQUESTER"
pids+=($SIM_PID)
rm -rf "$WORK/load" && mkdir -p "$WORK/load" && javac -d "$WORK/load" bench/load/LoadClient.java
load_client() { java -Xmx256m -cp "$WORK/load" LoadClient "$@"; }

# Every organization of the run, named in the one token: per replica count a warm-up organization, per cell
# one, and one for the "choose many" step.
ORGS=()
for r in "${REPLICA_LIST[@]}"; do
  ORGS+=("scale-warm-r$r" "scale-c$CHOOSE_N-r$r")
  for n in "${SIZE_LIST[@]}"; do ORGS+=("scale-n$n-r$r"); done
done
TOKEN=$(bench_token "${ORGS[@]}")
AUTH="Authorization: Bearer $TOKEN"
MASTER_KEY=$(random_master_key scale)
APP=http://127.0.0.1:$BASE_PORT       # the first replica: installs, choosing and the cold check go there

# ids_file FROM COUNT: a body {"scheduleIds": [...]} with the generated ids FROM..FROM+COUNT-1, written once.
ids_file() {
  local file="$WORK/ids-$1-$2.json"
  [ -f "$file" ] || python3 - "$1" "$2" > "$file" <<'PY'
import json, sys
first, count = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"scheduleIds": ["01SCALE%s" % str(n).zfill(19) for n in range(first, first + count)]}))
PY
  echo "$file"
}

APP_PIDS=()
start_replica() { # $1 replicas, $2 index: port BASE_PORT + index, log app-r<replicas>-<index>.log
  service_env "$SCALE_DB" "$((BASE_PORT + $2))" "$SIM" "$MASTER_KEY"
  env "${SERVICE_ENV[@]}" "${EXTRA[@]}" java $JVM_OPTS -Dquarkus.log.category.\"io.oncallapprover\".level=WARN \
    -jar "$APP_DIR/quarkus-run.jar" >> "$WORK/app-r$1-$2.log" 2>&1 &
  APP_PIDS+=($!)
  pids+=($!)
}
wait_ready() { # $1 replicas, $2 index
  local url="$(management_url $((BASE_PORT + $2)))/q/health/ready"
  for _ in $(seq 1 240); do curl -sf "$url" >/dev/null && return; sleep 0.5; done
  echo "replica $2 did not become ready; see $WORK/app-r$1-$2.log" >&2; exit 1
}
start_replicas() { # $1 replicas: the first alone (it migrates a fresh database), then the others together
  local i
  APP_PIDS=()
  start_replica "$1" 0
  wait_ready "$1" 0
  for i in $(seq 1 $(($1 - 1))); do start_replica "$1" "$i"; done
  for i in $(seq 1 $(($1 - 1))); do wait_ready "$1" "$i"; done
}
stop_replicas() {
  local p
  for p in "${APP_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${APP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
check_urls() { # $1 org, $2 replicas: the check's URL on every replica, comma-separated
  local i urls=""
  for i in $(seq 0 $(($2 - 1))); do urls+="http://127.0.0.1:$((BASE_PORT + i))/api/v1/orgs/$1/approval-checks/auto,"; done
  echo "${urls%,}"
}
install_bare() { # $1 org: incident.io installed (key bench-key-$1) and the policy "everyone, auto approval", no schedule yet
  put "$(api "$1")/integrations/incidentio" "{\"apiKey\": \"bench-key-$1\"}"
  put "$(api "$1")/access-policy" '{"rules": [{"name": "everyone", "approval": [{"type": "auto", "integration": "incidentio"}]}]}'
}
uninstall() { curl -s -o /dev/null -H "$AUTH" -X DELETE "$(api "$1")/integrations/incidentio" || true; }
now() { date +%s.%N; }

# choose DIR TAG ORG IDS_FILE: PUT .../auto-approval with the ids, timed; the simulator's counters before and after.
choose() {
  local dir=$1 tag=$2 org=$3 file=$4
  sim_stats > "$dir/stats-$tag-before.json"
  echo "load_$tag=$(loadavg)" >> "$dir/meta.txt"
  curl -s -o "$dir/$tag-body.json" -w '%{http_code} %{time_total}\n' -m 120 -H "$AUTH" -H 'Content-Type: application/json' \
    -X PUT "$(api "$org")/integrations/incidentio/auto-approval" --data-binary @"$file" > "$dir/$tag.txt" || echo "000 0" > "$dir/$tag.txt"
  sim_stats > "$dir/stats-$tag-after.json"
}

# cell_meta N R ORG: the start of a cell's meta.txt (key=value lines; log_<i> = a replica's log and its length now).
cell_meta() {
  local i
  echo "n=$1"; echo "replicas=$2"; echo "org=$3"; echo "quiet=$QUIET_NOTE"; echo "rate=$RATE"; echo "delay=$DELAY_MS"
  for i in $(seq 0 $(($2 - 1))); do echo "log_$i=$WORK/app-r$2-$i.log:$(wc -l < "$WORK/app-r$2-$i.log")"; done
}

# run_cell N R: one cell; its raw figures stay in $WORK/<org>/, its summary is appended to $WORK/cells.jsonl.
run_cell() {
  local n=$1 r=$2 org="scale-n$1-r$2" dir i lc t1 t2 rest
  dir="$WORK/$org"; mkdir -p "$dir"
  sim_config "schedules=$n"
  wait_quiet "$QUIET_CELL_WAIT"
  cell_meta "$n" "$r" "$org" > "$dir/meta.txt"
  install_bare "$org"
  sleep "$CHOOSE_PAUSE"   # as an administrator would: the install's own calls are not counted against choosing
  echo ">> cell $n schedules, $r replica(s): choose $n" >&2
  choose "$dir" choose "$org" "$(ids_file 1 "$n")"
  # The cold check: the first check of this organization on the replica that chose, after that replica dropped
  # everything it held of the organization's schedules. Choosing reads the account's schedule list, which would
  # answer the check; installing again with the same key (as rotating a key does) drops it, and the organization's
  # snapshot with it, and keeps the selection. COLD_SAMPLES times, each beside "one incident.io call" measured
  # just before it: the same list call by a plain client (curl), with a key of its own so it is not counted for
  # the organization. The simulator's delay is its floor; the rest is the simulator building and sending the list
  # (hundreds of kB at 1,000 schedules). One sample of each on a 2-core machine is mostly noise: the report
  # compares the medians and lists every sample.
  for i in $(seq 1 "$COLD_SAMPLES"); do
    curl -s -o /dev/null -m 60 -H "$AUTH" -H 'Content-Type: application/json' -X PUT "$(api "$org")/integrations/incidentio" \
      -d "{\"apiKey\": \"bench-key-$org\"}" || true
    sleep 1
    echo "onecall_$i=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer bench-key-onecall" \
      "$SIM/v2/schedules?page_size=10000")" >> "$dir/meta.txt"
    sim_stats > "$dir/stats-cold$i-before.json"
    [ "$i" -gt 1 ] || { sim_stats > "$dir/stats-reinstalled.json"; echo "load_cold=$(loadavg)" >> "$dir/meta.txt"; }
    curl -s -o "$dir/cold$i-body.json" -w '%{http_code} %{time_total}\n' -m 60 -H "$AUTH" -H 'Content-Type: application/json' \
      -X POST "$(api "$org")/approval-checks/auto" -d "$BODY" > "$dir/cold$i.txt" || echo "000 0" > "$dir/cold$i.txt"
    sim_stats > "$dir/stats-cold$i-after.json"
    sleep 0.5
  done
  cp "$dir/cold1.txt" "$dir/cold.txt"; cp "$dir/cold1-body.json" "$dir/cold-body.json"
  cp "$dir/stats-cold$COLD_SAMPLES-after.json" "$dir/stats-cold-after.json"   # the base of what follows
  if [ "$r" -gt 1 ]; then   # beside it: the first check on a replica that has seen nothing of this organization
    curl -s -o "$dir/other-body.json" -w '%{http_code} %{time_total}\n' -m 60 -H "$AUTH" -H 'Content-Type: application/json' \
      -X POST "http://127.0.0.1:$((BASE_PORT + 1))/api/v1/orgs/$org/approval-checks/auto" -d "$BODY" > "$dir/other.txt" \
      || echo "000 0" > "$dir/other.txt"
    sim_stats > "$dir/stats-other-after.json"
  fi
  echo ">> cold check: $(cat "$dir/cold.txt"); steady $RATE checks/s for ${STEADY_SECONDS}s" >&2
  echo "load_steady=$(loadavg)" >> "$dir/meta.txt"
  load_client steady --urls "$(check_urls "$org" "$r")" --token "$TOKEN" --body "$BODY" --rate "$RATE" \
    --seconds "$STEADY_SECONDS" --measure-after "$SETTLE_SECONDS" > "$dir/steady.json" &
  lc=$!
  sleep "$SETTLE_SECONDS"
  t1=$(now); sim_stats > "$dir/stats-t1.json"
  sleep $((STEADY_SECONDS - SETTLE_SECONDS))
  t2=$(now); sim_stats > "$dir/stats-t2.json"
  wait "$lc" || echo "the load client failed" >&2
  { echo "t1=$t1"; echo "t2=$t2"; echo "load_after=$(loadavg)"; } >> "$dir/meta.txt"
  if [ "$n" -ge "$CHOOSE_N" ] && [ -z "${CHOSE_MANY:-}" ]; then   # the "choose many" step, in the first big enough cell
    CHOSE_MANY=1
    echo ">> choose $CHOOSE_N of the $n schedules (organization scale-c$CHOOSE_N-r$r)" >&2
    { echo "many_org=scale-c$CHOOSE_N-r$r"; echo "many_n=$CHOOSE_N"; } >> "$dir/meta.txt"
    install_bare "scale-c$CHOOSE_N-r$r"
    sleep "$CHOOSE_PAUSE"
    choose "$dir" many "scale-c$CHOOSE_N-r$r" "$(ids_file 1 "$CHOOSE_N")"
    uninstall "scale-c$CHOOSE_N-r$r"
  fi
  sleep 1
  sim_stats > "$dir/stats-end.json"
  uninstall "$org"     # no refresh of its schedules goes on during the next cells
  python3 bench/scale_report.py cell "$dir" >> "$WORK/cells.jsonl"
  python3 bench/scale_report.py line "$(tail -1 "$WORK/cells.jsonl")" >&2
}

# choose_only R: the "choose many" step when no size reaches CHOOSE_N: an account of CHOOSE_N schedules.
choose_only() {
  local r=$1 org="scale-c$CHOOSE_N-r$1" dir="$WORK/scale-c$CHOOSE_N-r$1"
  mkdir -p "$dir"
  sim_config "schedules=$CHOOSE_N"
  wait_quiet "$QUIET_CELL_WAIT"
  { cell_meta "$CHOOSE_N" "$r" "$org"; echo "chooseOnly=1"; echo "many_org=$org"; echo "many_n=$CHOOSE_N"; } > "$dir/meta.txt"
  install_bare "$org"
  sleep "$CHOOSE_PAUSE"
  choose "$dir" many "$org" "$(ids_file 1 "$CHOOSE_N")"
  sleep 1
  sim_stats > "$dir/stats-end.json"
  uninstall "$org"
  python3 bench/scale_report.py cell "$dir" >> "$WORK/cells.jsonl"
}

: > "$WORK/cells.jsonl"
WARMUPS=()
for r in "${REPLICA_LIST[@]}"; do
  echo ">> $r replica(s): starting" >&2
  sim_config "schedules=${SIZE_LIST[0]}"
  start_replicas "$r"
  # Warm-up (JIT, pools; not measured): an organization choosing the last 3 schedules, checked at RATE.
  warm="scale-warm-r$r"; n0=${SIZE_LIST[0]}; k=$((n0 < 3 ? n0 : 3))
  install_bare "$warm"
  curl -s -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' -X PUT "$(api "$warm")/integrations/incidentio/auto-approval" \
    --data-binary @"$(ids_file $((n0 - k + 1)) "$k")" || true
  load_client steady --urls "$(check_urls "$warm" "$r")" --token "$TOKEN" --body "$BODY" --rate "$RATE" \
    --seconds "$WARMUP_SECONDS" > "$WORK/warmup-r$r.json" || true
  WARMUPS+=("$r:$(cat "$WORK/warmup-r$r.json")")
  # ... then its cold path, as a service that has run for a while has run it (every snapshot expiry, key rotation
  # and idle organization takes it): WARMUP_COLD times installed again and checked on every replica. Without it,
  # the cold check measures the JIT compiling the schedule-list path more than the service (+15-30 ms).
  for _ in $(seq 1 "$WARMUP_COLD"); do
    curl -s -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' -X PUT "$(api "$warm")/integrations/incidentio" \
      -d "{\"apiKey\": \"bench-key-$warm\"}" || true
    for i in $(seq 0 $((r - 1))); do
      curl -s -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' -d "$BODY" \
        -X POST "http://127.0.0.1:$((BASE_PORT + i))/api/v1/orgs/$warm/approval-checks/auto" || true
    done
  done
  uninstall "$warm"
  CHOSE_MANY=""
  for n in "${SIZE_LIST[@]}"; do run_cell "$n" "$r"; done
  [ -n "$CHOSE_MANY" ] || choose_only "$r"
  stop_replicas
done
sim_stats > "$WORK/stats-final.json"
LOAD_END=$(uptime | sed 's/.*load average/load average/')

[ -s "$RESULTS" ] || cat > "$RESULTS" <<'EOF'
# Scale benchmark: results

Appended by `bench/scale.sh`, newest last; the method and the goals are in [README.md](README.md), section
"Scale: hundreds of schedules, several replicas". Each section: one table per (schedules, replicas) cell, then
PASS/FAIL per goal.
EOF
{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ)${LABEL:+ — $LABEL} — commit $COMMIT"
  echo
  echo "$(nproc) cores (shared by the replicas, PostgreSQL, the simulator and the load client), $(free -g | awk '/Mem/ {print $2}') GiB," \
       "$(java -version 2>&1 | head -1). incident.io simulated: ${DELAY_MS} ms per call, token bucket of ${RATE_LIMIT} per key" \
       "refilled at $((RATE_LIMIT / 60))/s. Sizes: $SIZES schedules; replicas: $REPLICAS (\`$JVM_OPTS\` each, one database);" \
       "$RATE checks/s for ${STEADY_SECONDS} s per cell, calls/min counted over the last $((STEADY_SECONDS - SETTLE_SECONDS)) s;" \
       "choose-many step: $CHOOSE_N schedules.${EXTRA_ENV:+ Extra service environment: \`$EXTRA_ENV\`.}" \
       "Machine load: $LOAD_START at the start ($START_QUIET_NOTE), $LOAD_END at the end."
  echo
  python3 bench/scale_report.py report "$WORK/cells.jsonl" "$DELAY_MS" "${WARMUPS[@]}"
  echo
} | tee -a "$RESULTS"

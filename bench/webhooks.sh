#!/usr/bin/env bash
# The benchmark of the webhook receiver (issue 12): how fast a signed incident.io delivery is answered
# (verified, stored, 202) and how long after its answer it has been worked (its effect applied), at a
# steady rate, over HTTP on this machine. Appends a dated section to bench/webhook-results.md.
#
#   bash bench/webhooks.sh                  # build (profile bench) and run, about 3 minutes
#   SKIP_BUILD=1 bash bench/webhooks.sh     # reuse target/bench-build
#   RATE=200 SECONDS_MEASURED=60 bash bench/webhooks.sh
#
# Pieces: the service as bench/run.sh packages and starts it (prod mode, a fresh local database
# `bench_webhooks`), the incident.io simulator (only for installing), and bench/load/LoadClient.java
# in mode webhooks: open loop, each delivery with its own webhook-id, signed when due with the
# organization's secret; half schedule.updated_v1, half schedule.shift_change_v1 (each drops the
# schedule's cached entries on every replica; the shift change also looks for grants to end).
# The lag (answer -> worked) is read from the service's own table: processed_at - received_at.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
use_java25

RATE=${RATE:-100}                         # deliveries per second (incident.io sends far fewer)
SECONDS_WARMUP=${SECONDS_WARMUP:-20}
SECONDS_MEASURED=${SECONDS_MEASURED:-60}
LABEL=${LABEL:-}
RESULTS=${RESULTS:-bench/webhook-results.md}
APP_PORT=${APP_PORT:-18080}
SIM_PORT=${SIM_PORT:-18089}
BENCH_DB=${BENCH_DB:-bench_webhooks}
WORK=${WORK:-target/bench-webhooks}
APP_DIR=target/bench-build/quarkus-app
SCHEDULE=01BENCHPRIMARY000000000001
SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
mkdir -p "$WORK"

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -o -Pbench package -DskipTests || ./mvnw -B -q -Pbench package -DskipTests
fi
fresh_database "$BENCH_DB"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

SIM=http://127.0.0.1:$SIM_PORT
start_sim "$SIM_PORT" "$WORK/sim.log" --delay-ms 50 --schedules "$SCHEDULE:1" --user bench.user@example.com
pids+=($SIM_PID)
rm -rf "$WORK/load" && mkdir -p "$WORK/load" && javac -d "$WORK/load" bench/load/LoadClient.java
load_client() { java -Xmx512m -cp "$WORK/load" LoadClient "$@"; }

TOKEN=$(bench_token hooks)
AUTH="Authorization: Bearer $TOKEN"
APP=http://127.0.0.1:$APP_PORT
MGMT=$(management_url "$APP_PORT")
service_env "$BENCH_DB" "$APP_PORT" "$SIM" "$(random_master_key bench)"
: > "$WORK/app.log"
# The per-organization delivery limit (oncall.webhooks.limit.*, 600 a minute) is raised out of the way: this
# measures the receiver, at RATE deliveries a second for one organization.
env "${SERVICE_ENV[@]}" ONCALL_WEBHOOKS_LIMIT_BURST=1000000 ONCALL_WEBHOOKS_LIMIT_PER_MINUTE=1000000 \
  java -Xmx512m -Dquarkus.log.category.\"io.oncallapprover\".level=WARN \
  -jar "$APP_DIR/quarkus-run.jar" >> "$WORK/app.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -sf $MGMT/q/health/ready >/dev/null && break; sleep 0.5; done
curl -sf $MGMT/q/health/ready >/dev/null || { echo "the service did not become ready; see $WORK/app.log" >&2; exit 1; }

install_org hooks "$SCHEDULE"
put "$(api hooks)/integrations/incidentio/webhook" "{\"signingSecret\": \"$SECRET\"}"
URL="$(api hooks)/webhooks/incidentio"

psql_q() { runuser -u postgres -- psql -d "$BENCH_DB" -tA -c "$1"; }
# Waits until every delivery with this id prefix is worked (at most 120 s), then prints the lag figures.
lag_of() {
  for _ in $(seq 1 240); do
    [ "$(psql_q "select count(*) from webhook_delivery where webhook_id like '$1%' and status = 'PENDING'")" = 0 ] && break
    sleep 0.5
  done
  psql_q "select json_build_object('done', count(*) filter (where status = 'DONE'),
      'notDone', count(*) filter (where status <> 'DONE'),
      'lagP50Ms', round(1000 * percentile_cont(0.5) within group (order by extract(epoch from processed_at - received_at)))::int,
      'lagP99Ms', round(1000 * percentile_cont(0.99) within group (order by extract(epoch from processed_at - received_at)))::int,
      'lagMaxMs', round(1000 * max(extract(epoch from processed_at - received_at)))::int)
    from webhook_delivery where webhook_id like '$1%'"
}

COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo "+uncommitted changes")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
load_client webhooks --url "$URL" --secret "$SECRET" --schedule "$SCHEDULE" --rate "$RATE" --seconds "$SECONDS_WARMUP" \
  --prefix msg_warm > "$WORK/warmup.json"
lag_of msg_warm > /dev/null
MEASURED=$(load_client webhooks --url "$URL" --secret "$SECRET" --schedule "$SCHEDULE" --rate "$RATE" \
  --seconds "$SECONDS_MEASURED" --prefix msg_measured)
LAG=$(lag_of msg_measured)
# Replays of measured ids: each must be answered 200 duplicate, and never worked again.
REPLAY=$(load_client webhooks --url "$URL" --secret "$SECRET" --schedule "$SCHEDULE" --rate "$RATE" --seconds 5 \
  --prefix msg_measured)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) ${LABEL:+($LABEL) }commit $COMMIT"
  echo
  echo "$RATE deliveries/s for ${SECONDS_MEASURED} s after ${SECONDS_WARMUP} s of warm-up; $(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after."
  echo
  python3 - "$MEASURED" "$LAG" "$REPLAY" <<'PY'
import json, sys
m, lag, replay = (json.loads(a) for a in sys.argv[1:])
print("| figure | value |")
print("|---|---|")
print("| answered (status: count) | %s; errors %s |" % (m["statuses"], m["errors"] or "none"))
print("| answer latency p50 / p90 / p99 / max | %s / %s / %s / %s ms |" % (m["p50Ms"], m["p90Ms"], m["p99Ms"], m["maxMs"]))
print("| achieved rate | %s /s |" % m["achievedRate"])
print("| worked after the answer, p50 / p99 / max | %s / %s / %s ms (%d worked, %d not) |"
      % (lag["lagP50Ms"], lag["lagP99Ms"], lag["lagMaxMs"], lag["done"], lag["notDone"]))
print("| replays of measured ids (status: count) | %s; p99 %s ms |" % (replay["statuses"], replay["p99Ms"]))
PY
} | tee -a "$RESULTS"

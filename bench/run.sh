#!/usr/bin/env bash
# Measures the auto-approval check end to end on this machine: the packaged service (prod mode) on
# a local PostgreSQL, incident.io simulated by a standalone WireMock that answers schedule entries
# after a fixed delay. See bench/README.md for the method; results are appended to
# bench/results.md. Everything runs on loopback and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DELAY_MS=${DELAY_MS:-50}        # incident.io latency per schedule_entries call
DURATION=${DURATION:-20s}       # each wrk run
CONNECTIONS=${CONNECTIONS:-16}
APP_PORT=18080
FAKE_PORT=18089
WORK=target/bench
mkdir -p "$WORK"

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -q -B package -DskipTests
[ -f "$WORK/wiremock-standalone.jar" ] || ./mvnw -q -B dependency:copy -Dartifact=org.wiremock:wiremock-standalone:3.13.2 \
  -DoutputDirectory="$WORK" -Dmdep.stripVersion=true

# incident.io fake: the dev fake, with DELAY_MS on every schedule_entries answer.
rm -rf "$WORK/fake" && mkdir -p "$WORK/fake/mappings" "$WORK/fake/__files"
python3 - "$DELAY_MS" "$WORK/fake/mappings" <<'PY'
import json, pathlib, sys
delay, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in pathlib.Path("dev/incidentio-fake/mappings").glob("*.json"):
    doc = json.loads(f.read_text())
    for m in doc["mappings"]:
        if m["request"].get("urlPath") == "/v2/schedule_entries":
            m["response"]["fixedDelayMilliseconds"] = delay
    (out / f.name).write_text(json.dumps(doc))
PY

runuser -u postgres -- psql -q -c "drop database if exists bench with (force)" -c "create database bench" >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -Xmx256m -jar "$WORK/wiremock-standalone.jar" --port $FAKE_PORT --bind-address 127.0.0.1 --root-dir "$WORK/fake" \
  --global-response-templating --async-response-enabled true --container-threads 64 --disable-banner \
  > "$WORK/wiremock.log" 2>&1 &
pids+=($!)

MASTER_KEY="bench:$(head -c 32 /dev/urandom | base64)"   # one for the whole run: both service starts share the database
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"https://bench.local","aud":"oncall-approver","sub":"bench","orgs":["acme"],"groups":["admin","service"],"iat":%d,"exp":%d}' "$now" $((now + 3600)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign dev/jwt/privateKey.pem -binary | b64url)
export TOKEN="$header.$payload.$signature"
AUTH="Authorization: Bearer $TOKEN"
API=http://127.0.0.1:$APP_PORT/api/v1/orgs/acme

start_app() { # $1: on-call cache TTL
  DB_URL=postgresql://127.0.0.1:5432/bench DB_JDBC_URL=jdbc:postgresql://127.0.0.1:5432/bench \
  DB_USERNAME=postgres DB_PASSWORD=postgres PORT=$APP_PORT \
  SECRETS_ACTIVE_KEY_ID=bench SECRETS_MASTER_KEYS="$MASTER_KEY" \
  INCIDENTIO_BASE_URL=http://127.0.0.1:$FAKE_PORT \
  MP_JWT_VERIFY_PUBLICKEY_LOCATION=dev/jwt/publicKey.pem MP_JWT_VERIFY_ISSUER=https://bench.local \
  java -Xmx512m "-Dquarkus.cache.caffeine.\"schedule-entries\".expire-after-write=$1" \
    -Dquarkus.log.category.\"io.oncallapprover\".level=WARN \
    -jar target/quarkus-app/quarkus-run.jar > "$WORK/app.log" 2>&1 &
  APP_PID=$!
  pids+=($APP_PID)
  for _ in $(seq 1 60); do curl -sf http://127.0.0.1:$APP_PORT/q/health/ready >/dev/null && return; sleep 1; done
  echo "the service did not become ready; see $WORK/app.log" >&2; exit 1
}
stop_app() { kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; }

setup() {
  curl -sf -H "$AUTH" -X PUT $API/integrations/incidentio -H 'Content-Type: application/json' -d '{"apiKey": "inc_bench_key_0001"}' >/dev/null
  curl -sf -H "$AUTH" -X PUT $API/integrations/incidentio/auto-approval -H 'Content-Type: application/json' \
    -d '{"scheduleIds": ["01FAKEPRIMARY0000000000001", "01FAKESECONDARY00000000002", "01FAKEDATABASE000000000003"]}' >/dev/null
  curl -sf -H "$AUTH" -X PUT $API/access-policy -H 'Content-Type: application/json' \
    -d '{"rules": [{"name": "everyone", "approval": [{"type": "auto", "integration": "incidentio"}]}]}' >/dev/null
}
upstream_calls() {
  curl -s -X POST http://127.0.0.1:$FAKE_PORT/__admin/requests/count -d '{"method": "GET", "urlPath": "/v2/schedule_entries"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}
reset_upstream() { curl -s -X DELETE http://127.0.0.1:$FAKE_PORT/__admin/requests >/dev/null; }
sequential_latency() { # one check at a time: ms p50 / p95 / max over $1 checks (all must answer 200)
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "$AUTH" -H 'Content-Type: application/json' \
      -X POST $API/approval-checks/auto -d '{"requester": "ada.lovelace@example.com"}'
    sleep 0.05
  done | python3 -c '
import sys, statistics
rows = [line.split() for line in sys.stdin]
bad = [r[0] for r in rows if r[0] != "200"]
v = sorted(float(r[1]) * 1000 for r in rows)
print("p50 %.1f ms, p95 %.1f ms, max %.1f ms (n=%d, non-200: %d)" % (statistics.median(v), v[int(len(v) * 0.95) - 1], v[-1], len(v), len(bad)))'
}
load() { # wrk summary: requests/s and latency percentiles
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/check.lua "$API/approval-checks/auto" > "$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
lat = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", t))
total = re.search(r"(\d+) requests in", t).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("%s checks/s, p50 %s, p90 %s, p99 %s, %s checks, %s non-2xx" % (rps, lat.get("50"), lat.get("90"), lat.get("99"), total,
      errors.group(1) if errors else 0))
PY
}

{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
  echo
  echo "3 auto-approval schedules, incident.io answering schedule entries in ${DELAY_MS} ms, wrk ${CONNECTIONS} connections for ${DURATION}."
  echo

  start_app PT0.001S; setup
  sequential_latency 200 >/dev/null   # warm-up (JIT, connection pools)
  reset_upstream
  echo "- **No cache** (TTL 1 ms), one check at a time: $(sequential_latency 40)"
  echo "  - incident.io schedule_entries calls for 40 checks: $(upstream_calls) (4 per check: the three schedules at once, the first of them two pages long)"
  reset_upstream
  echo "- **No cache**, under load: $(load)"
  echo "  - incident.io schedule_entries calls: $(upstream_calls) (concurrent checks share in-flight requests)"
  stop_app

  start_app PT10S; setup
  sequential_latency 200 >/dev/null
  reset_upstream
  echo "- **Default cache** (TTL 10 s), one check at a time: $(sequential_latency 40)"
  reset_upstream
  echo "- **Default cache**, under load: $(load)"
  echo "  - incident.io schedule_entries calls: $(upstream_calls) (4 per cache period of 10 s, whatever the load)"
  stop_app
  echo
} | tee -a bench/results.md

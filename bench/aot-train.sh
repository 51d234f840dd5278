#!/usr/bin/env bash
# The training run that makes the JDK AOT cache (JEP 483/514/515) of the packaged service:
# target/quarkus-app/app.aot, used with `java -XX:AOTCache=app.aot -jar quarkus-run.jar`.
#
#   ./mvnw package -Daot             # packages (aot-jar layout) and runs this script (profile "aot")
#   bash bench/aot-train.sh          # again, on the build already in target/quarkus-app
#
# Quarkus' own training (quarkus.package.jar.aot) records either a start that stops before the runtime
# starts (no database, no request) or the @QuarkusIntegrationTest suite, which this project does not
# have. This script records a real start instead: prod mode, configured by environment as in
# production, on a fresh local database `aot_train` (Flyway migrates it) and the incident.io simulator,
# then a short workload over HTTP with a JWT: install incident.io, set the auto-approval schedules and a
# policy (JSON and YAML), read the policy back, auto-approval and approver checks (cold, then warm), an
# access request, the on-call view, health and metrics, and the usual refusals (401, 400). The JVM
# writes the cache when the service stops (SIGTERM), from the classes it loaded and linked and the
# method profiles it gathered. Takes about a minute.
#
# The cache is valid only for this exact JDK build and these exact jars: build, train and run with the
# same JDK (src/main/docker/Dockerfile.jvm pins it), and train again after every build.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
use_java25

APP_DIR=${APP_DIR:-target/quarkus-app}
TRAIN_DB=${TRAIN_DB:-aot_train}
APP_PORT=${TRAIN_PORT:-18180}
SIM_PORT=${TRAIN_SIM_PORT:-18189}
CHECKS=${TRAIN_CHECKS:-300}    # warm checks of the workload: enough for the JIT to profile the hot path
JVM_OPTS=${JVM_OPTS:--Xmx512m}  # as bench/run.sh and bench/startup.sh
WORK=target/aot-train
CACHE="$APP_DIR/app.aot"
mkdir -p "$WORK"

# Classes loaded by Quarkus' own class loader (the default fast-jar layout) cannot be cached: the
# aot-jar layout puts every jar on the JDK's application class path (quarkus-run.jar's Class-Path).
unzip -p "$APP_DIR/quarkus-run.jar" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r\n ' | grep -q 'Class-Path:.*lib/main/' || {
  echo "$APP_DIR is not in the aot-jar layout: package with ./mvnw package -Daot (or -Dquarkus.package.jar.aot.enabled=true)" >&2
  exit 1
}

SCHEDULE_PRIMARY=01AOTTRAINPRIMARY000000001
SCHEDULE_SECONDARY=01AOTTRAINSECONDARY0000002
REQUESTER=trainee@example.com   # on call in every schedule of the simulator
ORG=training
SIM=http://127.0.0.1:$SIM_PORT
APP=http://127.0.0.1:$APP_PORT
MGMT=$(management_url "$APP_PORT")
TOKEN=$(bench_token "$ORG")
AUTH="Authorization: Bearer $TOKEN"
BODY="{\"requester\": \"$REQUESTER\", \"reason\": \"training run\"}"

fresh_database "$TRAIN_DB"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
start_sim "$SIM_PORT" "$WORK/sim.log" --delay-ms 5 --rate-limit 0 \
  --schedules "$SCHEDULE_PRIMARY:2,$SCHEDULE_SECONDARY:1" --user "$REQUESTER"
pids+=($SIM_PID)

rm -f "$CACHE"
service_env "$TRAIN_DB" "$APP_PORT" "$SIM" "$(random_master_key train)"
env "${SERVICE_ENV[@]}" java -XX:AOTCacheOutput="$CACHE" $JVM_OPTS -jar "$APP_DIR/quarkus-run.jar" > "$WORK/app.log" 2>&1 &
APP_PID=$!
pids+=($APP_PID)
for _ in $(seq 1 240); do curl -sf "$MGMT/q/health/ready" >/dev/null && break; sleep 0.25; done
curl -sf "$MGMT/q/health/ready" >/dev/null || { echo "the service did not become ready; see $WORK/app.log" >&2; exit 1; }

# expect STATUS METHOD PATH [CONTENT_TYPE BODY]: one call with the token, which must answer STATUS.
expect() {
  local status=$1 method=$2 url=$3 type=${4:-application/json} body=${5:-} answer
  answer=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H "Content-Type: $type" -H 'Accept: application/json' \
    -X "$method" "$url" ${body:+--data-binary "$body"})
  [ "$answer" = "$status" ] || { echo "$method $url answered $answer, not $status; see $WORK/app.log" >&2; exit 1; }
}
ORG_API=$(api "$ORG")

install_org "$ORG" "$SCHEDULE_PRIMARY" "$SCHEDULE_SECONDARY"
expect_on_call "$ORG"    # the first check: cold, asks the simulator
expect 200 GET "$ORG_API/access-policy"
expect 200 PUT "$ORG_API/access-policy" application/yaml "rules:
  - name: on-call engineers
    approval:
      - type: auto
        integration: incidentio
  - name: production databases
    resource: { type: service, service: postgres }
    approval:
      - type: escalation
        integration: incidentio
        services: [$SCHEDULE_SECONDARY]
        options: { allowOneParty: false, requireReason: true }"
curl -sf -H "$AUTH" -H 'Accept: application/yaml' "$ORG_API/access-policy" >/dev/null
expect 200 GET "$ORG_API/integrations/incidentio"
expect 200 GET "$ORG_API/integrations/incidentio/schedules"
expect 200 GET "$ORG_API/integrations/incidentio/on-call"
expect 201 POST "$ORG_API/access-requests" application/json "{\"requester\": \"$REQUESTER\", \"resource\": {\"type\": \"role\",
  \"service\": \"postgres\", \"name\": \"prod-db\"}, \"reason\": \"training run\", \"conversationUrl\": \"https://example.com/c/1\"}"
expect 200 GET "$ORG_API/audit-events?limit=10"
for i in $(seq 1 "$CHECKS"); do
  expect 200 POST "$ORG_API/approval-checks/auto" application/json "$BODY"
  if [ $((i % 10)) = 0 ]; then
    expect 200 POST "$ORG_API/approval-checks/auto" application/json '{"requester": "someone.else@example.com"}'
    expect 200 POST "$ORG_API/approval-checks/approver" application/json \
      "{\"approver\": \"$REQUESTER\", \"scheduleIds\": [\"$SCHEDULE_PRIMARY\"]}"
    expect 200 GET "$ORG_API/access-policy"
  fi
done
expect 400 POST "$ORG_API/approval-checks/auto" application/json '{"requester": "trainee@example.com", "unknown": 1}'
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ORG_API/approval-checks/auto")" = 401 ] \
  || { echo "an unauthenticated check was not refused with 401" >&2; exit 1; }
curl -sf "$MGMT/q/health/live" >/dev/null
curl -sf "$MGMT/q/metrics" >/dev/null

# The cache is written as the JVM exits: stop the service as Kubernetes does, and wait for it.
kill -TERM "$APP_PID"
wait "$APP_PID" || true
[ -s "$CACHE" ] || { echo "no AOT cache was written; see $WORK/app.log" >&2; exit 1; }
echo "AOT cache: $CACHE ($(du -h "$CACHE" | cut -f1)), trained by $(java -version 2>&1 | sed -n 2p)"

#!/usr/bin/env bash
# The benchmark of the auto-approval check (issue 10): five figures, measured end to end over HTTP on
# this machine, appended as a dated section to bench/results.md. See bench/README.md for the method.
#
#   bash bench/run.sh                 # build (profile bench) and run everything, about 9 minutes
#   LABEL=before bash bench/run.sh    # a label for the section's title
#   SKIP_BUILD=1 bash bench/run.sh    # reuse target/bench-build
#
# Pieces: the service packaged by `./mvnw -Pbench package` into target/bench-build (the normal
# target/quarkus-app never holds the benchmark's ceiling endpoint), prod mode, on a fresh local
# database `bench`; incident.io simulated by bench/sim/IncidentIoSim.java; load from wrk and from
# bench/load/LoadClient.java. It uses only the HTTP API of the service. Ports 18080 (service) and
# 18089 (simulator), loopback only; everything it starts stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
use_java25

DELAY_MS=${DELAY_MS:-50}                 # simulated incident.io latency, every call
RATE_LIMIT=${RATE_LIMIT:-1200}           # simulated incident.io limit per API key and sliding 60 s
CONNECTIONS=${CONNECTIONS:-16}           # figure 1
CEILING_DURATION=${CEILING_DURATION:-20s} # figure 1: each of the 2 x 2 alternating wrk runs
SINGLE_DURATION=${SINGLE_DURATION:-60s}  # figure 2
STAMPEDE_N=${STAMPEDE_N:-1000}           # figure 3
BUDGET_RATE=${BUDGET_RATE:-500}          # figure 4: checks per second, open loop
BUDGET_SECONDS=${BUDGET_SECONDS:-120}    # figure 4
UNCACHED_DURATION=${UNCACHED_DURATION:-30s} # figure 5
LABEL=${LABEL:-}
RESULTS=${RESULTS:-bench/results.md}       # where the dated section is appended
APP_PORT=${APP_PORT:-18080}
SIM_PORT=${SIM_PORT:-18089}
BENCH_DB=${BENCH_DB:-bench}
WORK=${WORK:-target/bench}
APP_DIR=target/bench-build/quarkus-app
mkdir -p "$WORK"

# Three schedules for figures 1-4 (the first answers in two pages), five single-page ones for figure 5.
S1=01BENCHPRIMARY000000000001
S2=01BENCHSECONDARY0000000002
S3=01BENCHDATABASE00000000003
S4=01BENCHFOUR000000000000004
S5=01BENCHFIVE000000000000005
S6=01BENCHSIX0000000000000006
REQUESTER=bench.user@example.com     # on call in every schedule of the simulator
export BODY="{\"requester\": \"$REQUESTER\"}"

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -o -Pbench package -DskipTests || ./mvnw -B -q -Pbench package -DskipTests
fi
unzip -Z1 "$APP_DIR/app/"*.jar io/oncallapprover/bench/CeilingResource.class >/dev/null 2>&1 \
  || { echo "$APP_DIR lacks the ceiling endpoint: build with -Pbench" >&2; exit 1; }

ulimit -n 20000 2>/dev/null || true   # 1,000 connections on each side of figure 3
fresh_database "$BENCH_DB"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

SIM=http://127.0.0.1:$SIM_PORT
start_sim "$SIM_PORT" "$WORK/sim.log" --delay-ms "$DELAY_MS" --rate-limit "$RATE_LIMIT" \
  --schedules "$S1:2,$S2:1,$S3:1,$S4:1,$S5:1,$S6:1" --user "$REQUESTER"
pids+=($SIM_PID)
# Compile the load client once (single-file source launch compiles on every start).
rm -rf "$WORK/load" && mkdir -p "$WORK/load" && javac -d "$WORK/load" bench/load/LoadClient.java
load_client() { java -Xmx512m -cp "$WORK/load" LoadClient "$@"; }

MASTER_KEY=$(random_master_key bench)   # one for the whole run: both service starts share the database
TOKEN=$(bench_token warm cold budget uncached)
export TOKEN
AUTH="Authorization: Bearer $TOKEN"
APP=http://127.0.0.1:$APP_PORT
MGMT=$(management_url "$APP_PORT")

start_app() { # extra environment as arguments, e.g. ONCALL_ON_CALL_STALENESS=1ms
  service_env "$BENCH_DB" "$APP_PORT" "$SIM" "$MASTER_KEY"
  env "${SERVICE_ENV[@]}" "$@" \
    java -Xmx512m -Dquarkus.log.category.\"io.oncallapprover\".level=WARN -jar "$APP_DIR/quarkus-run.jar" >> "$WORK/app.log" 2>&1 &
  APP_PID=$!
  pids+=($APP_PID)
  for _ in $(seq 1 120); do curl -sf $MGMT/q/health/ready >/dev/null && return; sleep 0.5; done
  echo "the service did not become ready; see $WORK/app.log" >&2; exit 1
}
stop_app() { kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; }

sim_stats() { curl -s $SIM/__stats; }
sim_reset() { curl -s -X POST $SIM/__reset >/dev/null; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

wrk_run() { # $1 connections, $2 threads, $3 duration, $4 url; JSON summary on stdout (wrk's output kept in $WORK)
  local out="$WORK/wrk-$(date +%s%N).txt"
  wrk -t"$2" -c"$1" -d"$3" --latency -s bench/post.lua "$4" > "$out"
  python3 - "$out" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return round(float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 3)
lat = {k: ms(v) for k, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", t, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: (.*)", t)
print(json.dumps({"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)),
    "requests": int(re.search(r"(\d+) requests in", t).group(1)),
    "p50": lat.get("50"), "p90": lat.get("90"), "p99": lat.get("99"),
    "non2xx": int(errors.group(1)) if errors else 0, "socketErrors": sock.group(1) if sock else None}))
PY
}
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo "+uncommitted changes")
LOAD_START=$(uptime | sed 's/.*load average/load average/')
: > "$WORK/app.log"
start_app
install_org warm $S1 $S2 $S3
expect_on_call warm
CHECK_URL="$(api warm)/approval-checks/auto"
CEILING_URL="$(api warm)/bench/ceiling"

# --- 1. ceiling ratio ---------------------------------------------------------------------------
wrk_run "$CONNECTIONS" 2 10s "$CEILING_URL" > /dev/null    # warm-up of both (JIT, pools)
wrk_run "$CONNECTIONS" 2 10s "$CHECK_URL" > /dev/null
F1_LOAD_BEFORE=$(loadavg)
C1=$(wrk_run "$CONNECTIONS" 2 "$CEILING_DURATION" "$CEILING_URL")
K1=$(wrk_run "$CONNECTIONS" 2 "$CEILING_DURATION" "$CHECK_URL")
C2=$(wrk_run "$CONNECTIONS" 2 "$CEILING_DURATION" "$CEILING_URL")
K2=$(wrk_run "$CONNECTIONS" 2 "$CEILING_DURATION" "$CHECK_URL")
F1_LOAD_AFTER=$(loadavg)
F1=$(python3 - "$C1" "$K1" "$C2" "$K2" <<'PY'
import json, sys
c1, k1, c2, k2 = (json.loads(a) for a in sys.argv[1:])
ratio = (k1["rps"] + k2["rps"]) / (c1["rps"] + c2["rps"])
bad = sum(r["non2xx"] for r in (c1, k1, c2, k2))
print("**%.2f** (check %.0f + %.0f /s over ceiling %.0f + %.0f /s; check p50 %s / p99 %s ms, ceiling p50 %s / p99 %s ms; non-2xx %d)"
      % (ratio, k1["rps"], k2["rps"], c1["rps"], c2["rps"], k2["p50"], k2["p99"], c2["p50"], c2["p99"], bad))
PY
)

# --- 2. single connection, warm -----------------------------------------------------------------
sim_reset
F2_LOAD_BEFORE=$(loadavg)
W=$(wrk_run 1 1 "$SINGLE_DURATION" "$CHECK_URL")
F2_LOAD_AFTER=$(loadavg)
F2_CALLS=$(sim_stats | jq_py 'sum(sum(p.values()) for p in d["scheduleEntries"].get("bench-key-warm", {}).values())')
F2=$(echo "$W" | jq_py '"p50 **%s ms**, p99 **%s ms** (p90 %s ms; %d checks, %.0f/s; non-2xx %d)" % (d["p50"], d["p99"], d["p90"], d["requests"], d["rps"], d["non2xx"])')

# --- 3. cold-cache stampede ---------------------------------------------------------------------
sim_reset
install_org cold $S1 $S2 $S3      # a fresh organization: nothing of it is cached
F3_LOAD_BEFORE=$(loadavg)
B=$(load_client burst --url "$(api cold)/approval-checks/auto" --token "$TOKEN" --body "$BODY" --n "$STAMPEDE_N" \
  --preconnect "$APP/preconnect")   # any path of the API port (a 404): health is on the management port
F3_LOAD_AFTER=$(loadavg)
ST=$(sim_stats)
F3=$(python3 - "$B" "$ST" <<'PY'
import json, sys
b, st = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pages = st["scheduleEntries"].get("bench-key-cold", {})
cells = {"%s p%s" % (s[-4:], p): n for s, ps in sorted(pages.items()) for p, n in sorted(ps.items())}
worst = max(cells.values()) if cells else 0
print("**%d** incident.io call(s) per schedule page at most (%s; %d schedule_entries calls in all); "
      "%d checks sent within %.0f ms: statuses %s, errors %s, p50 %s ms, p99 %s ms, max %s ms"
      % (worst, ", ".join("%s: %d" % kv for kv in cells.items()), sum(cells.values()), b["n"], b["sendSpreadMs"],
         b["statuses"], b["errors"] or "none", b["p50Ms"], b["p99Ms"], b["maxMs"]))
PY
)

# --- 4. budget: fixed rate against the rate-limited simulator ----------------------------------
sim_reset
install_org budget $S1 $S2 $S3
F4_LOAD_BEFORE=$(loadavg)
R=$(load_client rate --url "$(api budget)/approval-checks/auto" --token "$TOKEN" --body "$BODY" \
  --rate "$BUDGET_RATE" --seconds "$BUDGET_SECONDS")
F4_LOAD_AFTER=$(loadavg)
ST=$(sim_stats)
F4=$(python3 - "$R" "$ST" "$RATE_LIMIT" <<'PY'
import json, sys
r, st, limit = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
calls = sum(sum(p.values()) for p in st["scheduleEntries"].get("bench-key-budget", {}).values())
other = sum(n for s, n in r["statuses"].items() if s not in ("200", "503")) + sum(r["errors"].values())
print("**%d** 429s sent by incident.io (%d to all keys), **%d** 503s answered, %d other failures (%d checks at %.1f/s for %.0f s, limit %s/min "
      "per key; statuses %s, client errors %s; p50 %s ms, p99 %s ms from due time, %d in flight at most; %d schedule_entries "
      "calls; sender late by %s ms at worst)"
      % (st["rateLimitedByKey"].get("bench-key-budget", 0), st["rateLimited"], r["statuses"].get("503", 0), other, r["sent"], r["achievedRate"], r["seconds"], limit,
         r["statuses"], r["errors"] or "none", r["p50Ms"], r["p99Ms"], r["maxInFlight"], calls, r["senderWorstLateMs"]))
PY
)
stop_app

# --- 5. uncached check over five single-page schedules ------------------------------------------
curl -s -X POST "$SIM/__config?rateLimit=0" >/dev/null   # 5 calls per check, one check at a time: ~5,000 calls/min
# The key budget is off for this figure: it measures the fan-out of one uncached check, and one check at a
# time with no cache asks 5 calls per check, far more than the budget of 1,200 a minute would let through.
start_app ONCALL_ON_CALL_STALENESS=1ms ONCALL_INCIDENTIO_BUDGET_ENABLED=false
install_org uncached $S2 $S3 $S4 $S5 $S6
expect_on_call uncached
UNCACHED_URL="$(api uncached)/approval-checks/auto"
wrk_run 1 1 10s "$UNCACHED_URL" > /dev/null               # warm-up
sim_reset
F5_LOAD_BEFORE=$(loadavg)
U=$(wrk_run 1 1 "$UNCACHED_DURATION" "$UNCACHED_URL")
F5_LOAD_AFTER=$(loadavg)
ST=$(sim_stats)
F5=$(python3 - "$U" "$ST" "$DELAY_MS" <<'PY'
import json, sys
u, st, delay = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
calls = sum(sum(p.values()) for p in st["scheduleEntries"].get("bench-key-uncached", {}).values())
print("p99 **%.2f x** one call (p99 %s ms, p50 %s ms = %.2f x, p90 %s ms; %d checks; %.2f schedule_entries calls per check; non-2xx %d)"
      % (u["p99"] / delay, u["p99"], u["p50"], u["p50"] / delay, u["p90"], u["requests"], calls / max(1, u["requests"]), u["non2xx"]))
PY
)
stop_app
LOAD_END=$(uptime | sed 's/.*load average/load average/')
LOG_SUMMARY=$(python3 - "$WORK/app.log" <<'PY'
import collections, json, re, sys
seen = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get("level") in ("WARN", "ERROR"):
        msg = re.sub(r"/orgs/[a-z0-9-]+/", "/orgs/{org}/", d.get("message", ""))[:90]
        cause = (d.get("exception") or {}).get("exceptionType", "")
        seen["%s %s%s" % (d["level"], msg, " (%s)" % cause.split(".")[-1] if cause else "")] += 1
print("; ".join("%d x %s" % (n, m) for m, n in seen.most_common(6)) or "none")
PY
)

{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ)${LABEL:+ — $LABEL} — commit $COMMIT"
  echo
  echo "$(nproc) cores (shared by the service, PostgreSQL, the simulator and the load generators), $(free -g | awk '/Mem/ {print $2}') GiB," \
       "$(java -version 2>&1 | head -1). incident.io simulated: ${DELAY_MS} ms per call, ${RATE_LIMIT} requests/min per key" \
       "(off for figure 5). Machine load: $LOAD_START at the start, $LOAD_END at the end."
  echo
  echo "1. **Ceiling ratio** (warm check / trivial JWT+JSON endpoint, $CONNECTIONS connections, 2 x $CEILING_DURATION each, alternating): $F1 — load $F1_LOAD_BEFORE → $F1_LOAD_AFTER"
  echo "2. **Single-connection warm check** ($SINGLE_DURATION): $F2; $F2_CALLS schedule_entries calls in that time — load $F2_LOAD_BEFORE → $F2_LOAD_AFTER"
  echo "3. **Cold-cache stampede** ($STAMPEDE_N identical checks at once, fresh organization): $F3 — load $F3_LOAD_BEFORE → $F3_LOAD_AFTER"
  echo "4. **Budget** ($BUDGET_RATE checks/s for ${BUDGET_SECONDS} s): $F4 — load $F4_LOAD_BEFORE → $F4_LOAD_AFTER"
  echo "5. **Uncached check** (5 single-page schedules, staleness 1 ms, one at a time for $UNCACHED_DURATION): $F5 — load $F5_LOAD_BEFORE → $F5_LOAD_AFTER"
  echo
  echo "Service log, WARN and ERROR lines over the run: $LOG_SUMMARY"
  echo
} | tee -a "$RESULTS"

#!/usr/bin/env bash
# Start-up of the packaged service with and without its JDK AOT cache, in one run, appended as a dated
# section to bench/startup-results.md. See bench/README.md ("Start-up") for the method.
#
#   ./mvnw package -Daot -DskipTests && bash bench/startup.sh   # build and train first (profile "aot")
#   N=10 bash bench/startup.sh          # starts per variant (at least 5; default 7)
#   LABEL="blocking PU off" bash bench/startup.sh
#
# Each start: prod mode, configured by environment as in production (bench/common.sh), on a local
# database `startup` that an unmeasured first start has migrated, so that every measured start finds the
# schema current, as a restarted replica does. Time from just before the process is spawned to the first
# 200 of GET /q/health/ready (polled every 10 ms), VmRSS and CPU time of the process at that moment; then
# SIGTERM.
# The variants alternate (with, without, without, with, ...) so that a change of machine load falls on
# both. Runs with the cache use -XX:AOTMode=on: a cache the JVM cannot use stops the run instead of
# being measured as a start with a cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
use_java25

N=${N:-7}
LABEL=${LABEL:-}
RESULTS=${RESULTS:-bench/startup-results.md}
APP_DIR=${APP_DIR:-target/quarkus-app}
STARTUP_DB=${STARTUP_DB:-startup}
APP_PORT=${APP_PORT:-18280}
JVM_OPTS=${JVM_OPTS:--Xmx512m}      # as bench/run.sh; the cache was trained with the same
QUIET_LOAD=${QUIET_LOAD:-1.5}       # 1-minute load average under which the machine counts as quiet
QUIET_WAIT=${QUIET_WAIT:-900}       # seconds to wait for it, checking every minute
WORK=target/startup
CACHE="$APP_DIR/app.aot"
mkdir -p "$WORK"

[ "$N" -ge 5 ] || { echo "N must be at least 5" >&2; exit 1; }
[ -s "$CACHE" ] || { echo "no AOT cache at $CACHE: build it with ./mvnw package -Daot -DskipTests" >&2; exit 1; }

load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() { awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l < q) }'; }
uptime
waited=0
until quiet || [ "$waited" -ge "$QUIET_WAIT" ]; do
  echo "load $(load1) >= $QUIET_LOAD: waiting for a quiet machine (${waited}s of ${QUIET_WAIT}s)" >&2
  sleep 60; waited=$((waited + 60))
  uptime
done
NOT_QUIET=""
if ! quiet; then
  NOT_QUIET="**Measured on a busy machine** (1-min load $(load1) ≥ $QUIET_LOAD after waiting ${waited}s)."
  echo "WARNING: the machine is not quiet (load $(load1)); measuring anyway" >&2
fi

fresh_database "$STARTUP_DB"
# Nothing calls incident.io at start-up; the URL only has to be set, as in production.
service_env "$STARTUP_DB" "$APP_PORT" "http://127.0.0.1:9" "$(random_master_key startup)"
COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo "+uncommitted changes")
LOAD_START=$(uptime | sed 's/.*load average/load average/')
SAMPLES=$(env "${SERVICE_ENV[@]}" python3 - "$APP_DIR" "$CACHE" "$APP_PORT" "$N" "$WORK" $JVM_OPTS <<'PY'
import http.client, json, os, re, signal, subprocess, sys, time
app_dir, cache, port, n, work, jvm_opts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6:]

def ready():
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/q/health/ready")
        status = c.getresponse().status
        c.close()
        return status == 200
    except OSError:
        return False

def start(with_cache, name):
    aot = ["-XX:AOTCache=" + cache, "-XX:AOTMode=on"] if with_cache else []
    log_path = os.path.join(work, name + ".log")
    with open(log_path, "w") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(["java"] + aot + jvm_opts + ["-jar", os.path.join(app_dir, "quarkus-run.jar")],
                             stdout=log, stderr=subprocess.STDOUT)
        while not ready():
            if p.poll() is not None or time.monotonic() - t0 > 120:
                p.kill()
                sys.exit("start %s failed or timed out; see %s" % (name, log_path))
            time.sleep(0.01)
        ms = (time.monotonic() - t0) * 1000
        with open("/proc/%d/status" % p.pid) as status:
            rss_mb = int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) / 1024
        with open("/proc/%d/stat" % p.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()   # utime and stime: fields 14 and 15 of stat
        cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
        p.send_signal(signal.SIGTERM)
        p.wait(60)
    started = re.search(r"started in ([0-9.]+)s", open(log_path, errors="replace").read())
    return {"ms": round(ms), "rssMb": round(rss_mb), "cpuMs": round(cpu_ms), "quarkusMs": round(float(started.group(1)) * 1000) if started else None}

start(False, "warmup-migrate")   # migrates the fresh database; also brings the jars into the page cache
start(True, "warmup-cache")      # brings the cache file into the page cache
samples = {"cache": [], "nocache": []}
for i in range(n):
    order = [True, False] if i % 2 == 0 else [False, True]
    for with_cache in order:
        variant = "cache" if with_cache else "nocache"
        samples[variant].append(start(with_cache, "%s-%d" % (variant, i + 1)))
        print("%s %d: %s" % (variant, i + 1, samples[variant][-1]), file=sys.stderr)
print(json.dumps(samples))
PY
)
LOAD_END=$(uptime | sed 's/.*load average/load average/')

SECTION=$(python3 - "$SAMPLES" <<'PY'
import json, statistics, sys
s = json.loads(sys.argv[1])
def fig(variant, key, unit):
    v = [r[key] for r in s[variant] if r[key] is not None]
    return "**%d %s** (%d–%d)" % (statistics.median(v), unit, min(v), max(v))
rows = [("Ready (process start → first 200 of /q/health/ready)", "ms", "ms"),
        ("RSS at ready (VmRSS)", "rssMb", "MB"),
        ("CPU time used by ready (user + system, all threads)", "cpuMs", "ms"),
        ("Quarkus' own \"started in\" (JVM start → application started)", "quarkusMs", "ms")]
print("| median (min–max), %d starts each | with the AOT cache | without |" % len(s["cache"]))
print("|---|---|---|")
for title, key, unit in rows:
    print("| %s | %s | %s |" % (title, fig("cache", key, unit), fig("nocache", key, unit)))
ratio = statistics.median(r["ms"] for r in s["nocache"]) / statistics.median(r["ms"] for r in s["cache"])
print()
print("The cache makes the start %.1f x faster (ready, medians). Every start, ms to ready / MB: with the cache %s; without %s."
      % (ratio, ", ".join("%d/%d" % (r["ms"], r["rssMb"]) for r in s["cache"]),
         ", ".join("%d/%d" % (r["ms"], r["rssMb"]) for r in s["nocache"])))
PY
)

{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ)${LABEL:+ — $LABEL} — commit $COMMIT"
  echo
  echo "$(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(java -version 2>&1 | sed -n 2p)." \
       "JVM options \`$JVM_OPTS\` (with the cache also \`-XX:AOTCache=$CACHE -XX:AOTMode=on\`, $(du -h "$CACHE" | cut -f1))." \
       "Machine load: $LOAD_START at the start, $LOAD_END at the end. ${NOT_QUIET}"
  echo
  echo "$SECTION"
  echo
} | tee -a "$RESULTS"

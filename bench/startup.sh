#!/usr/bin/env bash
# Start-up of the packaged service with and without its JDK AOT cache, in one run, appended as a dated
# section to bench/startup-results.md. See bench/README.md ("Start-up") for the method.
#
#   ./mvnw package -Daot -DskipTests && bash bench/startup.sh   # build and train first (profile "aot")
#   N=10 bash bench/startup.sh          # starts per variant (at least 5; default 7)
#   LABEL="tries" EXTRA_VARIANTS='version check off||-XX:AOTCache=target/quarkus-app/app.aot -Dquarkus.hibernate-orm.database.version-check.enabled=false' \
#     bash bench/startup.sh            # more variants in the same run: one "name|app dir|JVM options" a line
#
# Each start (bench/startup.py): prod mode, configured by environment as in production
# (bench/common.sh), on a local database `startup` that an unmeasured first start has migrated, so that
# every measured start finds the schema current, as a restarted replica does. Time from just before the
# process is spawned to the first 200 of GET /q/health/ready (polled every 10 ms), VmRSS and CPU time of
# the process at that moment; then SIGTERM. The variants alternate (with, without, without, with, ...)
# so that a change of machine load falls on all. Runs with the cache use -XX:AOTMode=on: a cache the JVM
# cannot use stops the run instead of being measured as a start with a cache.
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
VARIANTS=$(python3 - "$APP_DIR" "$CACHE" "$JVM_OPTS" "${EXTRA_VARIANTS:-}" <<'PY'
import json, shlex, sys
app_dir, cache, jvm_opts, extra = sys.argv[1], sys.argv[2], shlex.split(sys.argv[3]), sys.argv[4]
variants = [{"name": "with the AOT cache", "appDir": app_dir, "jvm": ["-XX:AOTCache=" + cache, "-XX:AOTMode=on"] + jvm_opts},
            {"name": "without", "appDir": app_dir, "jvm": jvm_opts}]
for line in filter(None, extra.splitlines()):   # name|app dir|JVM options (after JVM_OPTS)
    name, other_dir, options = line.split("|")
    variants.append({"name": name, "appDir": other_dir or app_dir, "jvm": jvm_opts + shlex.split(options)})
print(json.dumps(variants))
PY
)
LOAD_START=$(uptime | sed 's/.*load average/load average/')
SAMPLES=$(env "${SERVICE_ENV[@]}" python3 bench/startup.py "$N" "$APP_PORT" "$WORK" "$VARIANTS")
LOAD_END=$(uptime | sed 's/.*load average/load average/')

SECTION=$(python3 - "$SAMPLES" "$VARIANTS" <<'PY'
import json, statistics, sys
samples, variants = json.loads(sys.argv[1]), json.loads(sys.argv[2])
names = [v["name"] for v in variants]
def fig(name, key, unit):
    v = [r[key] for r in samples[name] if r[key] is not None]
    return "**%d %s** (%d–%d)" % (statistics.median(v), unit, min(v), max(v))
rows = [("Ready (process start → first 200 of /q/health/ready)", "ms", "ms"),
        ("RSS at ready (VmRSS)", "rssMb", "MB"),
        ("CPU time used by ready (user + system, all threads)", "cpuMs", "ms"),
        ("Quarkus' own \"started in\" (JVM start → application started)", "quarkusMs", "ms")]
print("| median (min–max), %d starts each | %s |" % (len(samples[names[0]]), " | ".join(names)))
print("|---|%s" % ("---|" * len(names)))
for title, key, unit in rows:
    print("| %s | %s |" % (title, " | ".join(fig(name, key, unit) for name in names)))
print()
ready = {name: statistics.median(r["ms"] for r in samples[name]) for name in names}
print("The cache makes the start %.1f x faster (ready, medians)." % (ready[names[1]] / ready[names[0]]))
for v in variants[2:]:
    print("Variant \"%s\": `%s`%s." % (v["name"], " ".join(v["jvm"]), ", from " + v["appDir"] if v["appDir"] != variants[0]["appDir"] else ""))
print("Every start, ms to ready / MB: %s." % "; ".join(
    "%s %s" % (name, ", ".join("%d/%d" % (r["ms"], r["rssMb"]) for r in samples[name])) for name in names))
PY
)

{
  echo "## $(date -u +%Y-%m-%dT%H:%MZ)${LABEL:+ — $LABEL} — commit $COMMIT"
  echo
  echo "$(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(java -version 2>&1 | sed -n 2p)." \
       "JVM options \`$JVM_OPTS\` (with the cache also \`-XX:AOTCache=$CACHE -XX:AOTMode=on\`, $(du -h "$CACHE" | cut -f1))." \
       "Machine load: $LOAD_START at the start, $LOAD_END at the end (the run's own starts keep the" \
       "cores busy, so its end figure includes them). ${NOT_QUIET}"
  echo
  echo "$SECTION"
  echo
} | tee -a "$RESULTS"

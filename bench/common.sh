# Shared by the bench scripts (run.sh, startup.sh, aot-train.sh): sourced, never run. Each script
# starts the packaged service in prod mode, configured by environment exactly as in production, against
# a local PostgreSQL database and the incident.io simulator (bench/sim/IncidentIoSim.java).

# The service is built for Java 25: use JAVA_HOME when it is a JDK 25, else the Temurin 25 of .ci/run.
use_java25() {
  local candidate=${JAVA_HOME:-}
  if [ -z "$candidate" ] || ! "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
    candidate=/usr/lib/jvm/temurin-25-jdk-amd64
  fi
  if [ ! -x "$candidate/bin/java" ]; then
    echo "Java 25 is required: set JAVA_HOME to a JDK 25 (none at $candidate)" >&2
    exit 1
  fi
  export JAVA_HOME=$candidate
  export PATH="$JAVA_HOME/bin:$PATH"
}

BENCH_ISSUER=https://bench.local

# bench_token ORG...: an RS256 JWT for these organizations with roles admin and service, valid two
# hours, signed with the published dev-only key (dev/jwt/privateKey.pem) that the service is told to trust.
bench_token() {
  local orgs now header payload signature
  orgs=$(printf '"%s",' "$@"); orgs="[${orgs%,}]"
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"%s","aud":"oncall-approver","sub":"bench","orgs":%s,"groups":["admin","service"],"iat":%d,"exp":%d}' \
    "$BENCH_ISSUER" "$orgs" "$now" $((now + 7200)) | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign dev/jwt/privateKey.pem -binary | b64url)
  echo "$header.$payload.$signature"
}
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }

# service_env DATABASE PORT INCIDENTIO_URL MASTER_KEY: fills SERVICE_ENV, the production environment
# of one service process (use as: env "${SERVICE_ENV[@]}" java ...). MASTER_KEY is "id:base64(32 bytes)".
# The API listens on PORT, health and metrics (the management interface) on PORT + 1000: management_url PORT.
service_env() {
  SERVICE_ENV=(DB_URL="postgresql://127.0.0.1:5432/$1" DB_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$1"
    DB_USERNAME=postgres DB_PASSWORD=postgres PORT="$2" QUARKUS_MANAGEMENT_PORT="$(($2 + 1000))"
    SECRETS_ACTIVE_KEY_ID="${4%%:*}" SECRETS_MASTER_KEYS="$4"
    INCIDENTIO_BASE_URL="$3"
    MP_JWT_VERIFY_PUBLICKEY_LOCATION=dev/jwt/publicKey.pem MP_JWT_VERIFY_ISSUER="$BENCH_ISSUER")
}
management_url() { echo "http://127.0.0.1:$(($1 + 1000))"; }
random_master_key() { echo "$1:$(head -c 32 /dev/urandom | base64)"; }

# fresh_database NAME: drops and creates it on the local PostgreSQL (as the postgres OS user).
fresh_database() {
  PGOPTIONS='-c client_min_messages=warning' runuser -u postgres -- psql -q \
    -c "drop database if exists $1 with (force)" -c "create database $1" >/dev/null
}

# start_sim PORT LOG SIMULATOR_OPTION...: starts the incident.io simulator, waits until it answers, and
# sets SIM_PID; the caller stops it.
start_sim() {
  local port=$1 log=$2
  shift 2
  java -Xmx256m bench/sim/IncidentIoSim.java --port "$port" "$@" > "$log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/__stats" >/dev/null && return; sleep 0.5; done
  echo "the simulator did not start; see $log" >&2
  exit 1
}

# The HTTP calls below use APP (the service's base URL), AUTH (the Authorization header) and BODY (the
# body of a check), set by the caller.
api() { echo "$APP/api/v1/orgs/$1"; }
put() { # $1 url, $2 JSON body: a PUT that must succeed; retried (a busy machine can time a first call out)
  local answer
  for attempt in 1 2 3 4 5; do
    answer=$(curl -s -w ' HTTP %{http_code}' -H "$AUTH" -X PUT "$1" -H 'Content-Type: application/json' -d "$2") || true
    case "$answer" in *' HTTP 2'??) return 0;; esac
    echo "PUT $1 (attempt $attempt): $answer" >&2
    sleep 2
  done
  exit 1
}
install_org() { # $1 org, $2..: auto-approval schedules; the org's incident.io API key is bench-key-$1
  local org=$1; shift
  local ids; ids=$(printf '"%s",' "$@"); ids="[${ids%,}]"
  put "$(api "$org")/integrations/incidentio" "{\"apiKey\": \"bench-key-$org\"}"
  put "$(api "$org")/integrations/incidentio/auto-approval" "{\"scheduleIds\": $ids}"
  put "$(api "$org")/access-policy" '{"rules": [{"name": "everyone", "approval": [{"type": "auto", "integration": "incidentio"}]}]}'
}
expect_on_call() { # one check must answer 200 ON_CALL, or the figures would measure something else
  local answer
  for attempt in 1 2 3 4 5; do
    answer=$(curl -s -w ' HTTP %{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
      -X POST "$(api "$1")/approval-checks/auto" -d "$BODY") || true
    case "$answer" in *'"code":"ON_CALL"'*'HTTP 200') return 0;; esac
    echo "check of org $1 (attempt $attempt) did not answer ON_CALL: $answer" >&2
    sleep 2
  done
  exit 1
}

#!/usr/bin/env bash
# Delivers a webhook to the local service signed as incident.io signs them (Standard Webhooks:
# HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the base64 key after "whsec_").
#
#   dev/deliver-webhook.sh <org> <whsec_ secret> <json file, or - for stdin> [base URL]
#
# Needs bash, openssl, base64, od and curl. Each call uses a new webhook-id and the current time.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 <org> <whsec_ secret> <json file or -> [base URL, default http://localhost:8080]" >&2
  exit 2
fi
org=$1
secret=$2
body=$(cat "$3")
base=${4:-http://localhost:8080}
id="msg_$(date +%s%N)"
timestamp=$(date +%s)
key_hex=$(printf '%s' "${secret#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
signature=$(printf '%s.%s.%s' "$id" "$timestamp" "$body" \
  | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64 | tr -d '\n')
curl -s -X POST "$base/api/v1/orgs/$org/webhooks/incidentio" -H 'Content-Type: application/json' \
  -H "webhook-id: $id" -H "webhook-timestamp: $timestamp" -H "webhook-signature: v1,$signature" \
  --data-binary "$body"
echo

#!/bin/sh
# Compose entrypoint: migrate and seed the service from the shared demo credentials, then serve.
set -eu
module="$1"
creds=/credentials/credentials.json
SLRT_ADMIN_TOKEN="$(python -c "import json; print(json.load(open('$creds'))['admin'])")"
export SLRT_ADMIN_TOKEN
subject_key="$(python -c "import json; print(json.load(open('$creds')).get('subject_hash_key', ''))")"
case "$module" in
  intake) export INTAKE_SUBJECT_HASH_KEY="${INTAKE_SUBJECT_HASH_KEY:-$subject_key}" ;;
  gateway) export GATEWAY_SUBJECT_HASH_KEY="${GATEWAY_SUBJECT_HASH_KEY:-$subject_key}" ;;
esac
python -m "$module" seed --credentials "$creds" --regency "${SLRT_REGENCY:-32.15}"
exec python -m "$module" serve

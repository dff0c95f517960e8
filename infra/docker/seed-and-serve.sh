#!/bin/sh
# Compose entrypoint: migrate and seed the service from the shared demo credentials, then serve.
set -eu
module="$1"
creds=/credentials/credentials.json
SLRT_ADMIN_TOKEN="$(python -c "import json; print(json.load(open('$creds'))['admin'])")"
export SLRT_ADMIN_TOKEN
python -m "$module" seed --credentials "$creds" --regency "${SLRT_REGENCY:-32.15}"
exec python -m "$module" serve

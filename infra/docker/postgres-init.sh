#!/bin/sh
# One login role per service, each owning only its own schema in the slrt database.
set -eu
for role in intake referral gateway monitoring; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE $role LOGIN PASSWORD '${SLRT_DB_PASSWORD}';
CREATE SCHEMA $role AUTHORIZATION $role;
REVOKE ALL ON SCHEMA public FROM $role;
SQL
done

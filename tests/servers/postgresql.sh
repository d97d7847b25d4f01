#!/usr/bin/env bash
# Install (Debian's postgresql), start and prepare the PostgreSQL server the test suite uses.
#
# Idempotent and quick when the server is already up: it installs only when no server binary
# exists, starts the first cluster only when it is down, and creates the role and database only
# when they are missing. The suite connects over TCP with a password, so the cluster's own
# pg_hba.conf is left exactly as Debian ships it.
#
#   bash tests/servers/postgresql.sh        # prints the URL the suite uses (QINGDAN_TEST_PG_URL)
set -euo pipefail

ROLE=${QINGDAN_TEST_PG_ROLE:-qingdan}
PASSWORD=${QINGDAN_TEST_PG_PASSWORD:-qingdan}
DATABASE=${QINGDAN_TEST_PG_DATABASE:-qingdan_test}

# Root runs everything directly (CI, the project's machines); others go through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }
say() { echo "postgresql: $*" >&2; }

if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  say "installing Debian's postgresql package"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
fi

if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  say "creating cluster $version/main"
  as_root pg_createcluster "$version" main >/dev/null
fi

read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != "online" ]; then
  say "starting cluster $version/$cluster on port $port"
  # --skip-systemctl-redirect: these machines have no systemd; pg_ctlcluster starts it itself.
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { say "server on port $port did not answer"; exit 1; }

# The tests create and drop one database per module, so the role needs CREATEDB, not superuser.
as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -q -d postgres \
  -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
-- DROP DATABASE ... WITH (FORCE) also ends the autovacuum worker that may be on the database;
-- a role that is not superuser may do that only as a member of pg_signal_backend.
SELECT format('GRANT pg_signal_backend TO %I', :'role') \gexec
SQL
if [ -z "$(as_postgres psql -p "$port" -Atq -d postgres \
  -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
  as_postgres createdb -p "$port" -O "$ROLE" "$DATABASE"
fi

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"

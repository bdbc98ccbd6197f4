#!/usr/bin/env bash
# Start Debian's PostgreSQL on 127.0.0.1, create a throw-away test role and database, and
# export REHAB_TEST_POSTGRES_URL so the store's tests also run on PostgreSQL.
#
#   source .ci/postgres-setup.sh      # exports REHAB_TEST_POSTGRES_URL into this shell
#   .ci/postgres-setup.sh             # same set-up, prints `export REHAB_TEST_POSTGRES_URL=...`
#
# Needs the `postgresql` apt package, and root (or sudo) to act as the `postgres` user.
# Idempotent: a running cluster, an existing role or database are reused; the database is
# emptied (dropped and created again) so every CI run starts from nothing. The role may
# create databases: under pytest-xdist each worker makes its own (<db>_gw0, ...), dropped here.

_rehab_pg_setup() {
    local user=rehab_test password=rehab_test db=rehab_test
    local cluster version name port
    cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
    if [[ -z "$cluster" ]]; then
        echo "postgres-setup: no PostgreSQL cluster (apt-get install postgresql)" >&2
        return 1
    fi
    read -r version name port _ <<<"$cluster"
    if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" \
        '$1 == v && $2 == n && $4 == "online" {found=1} END {exit !found}'; then
        pg_ctlcluster "$version" "$name" start || return 1
    fi
    local as_postgres=(runuser -u postgres --)
    if [[ $(id -u) -ne 0 ]]; then
        as_postgres=(sudo -u postgres)
    fi
    local psql=("${as_postgres[@]}" psql --quiet --no-psqlrc -p "$port" -v ON_ERROR_STOP=1)
    local tries=0
    until "${psql[@]}" -c "SELECT 1" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if ((tries > 30)); then
            echo "postgres-setup: PostgreSQL $version/$name did not accept connections" >&2
            return 1
        fi
        sleep 1
    done
    "${psql[@]}" >/dev/null <<SQL || return 1
SET client_min_messages TO warning;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS $db;
SELECT format('DROP DATABASE %I', datname) FROM pg_database WHERE datname LIKE '${db}\_gw%' \gexec
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  ELSE
    ALTER ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
CREATE DATABASE $db OWNER $user;
SQL
    export REHAB_TEST_POSTGRES_URL="postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    _rehab_pg_setup
    echo "export REHAB_TEST_POSTGRES_URL=$REHAB_TEST_POSTGRES_URL"
else
    _rehab_pg_setup || return 1
    echo "postgres-setup: REHAB_TEST_POSTGRES_URL=$REHAB_TEST_POSTGRES_URL" >&2
fi
unset -f _rehab_pg_setup

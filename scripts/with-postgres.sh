#!/usr/bin/env bash
# Runs a command with a private PostgreSQL cluster up (scripts/pg-cluster.sh), for the tests of the PostgreSQL
# backend, and stops the cluster afterwards if this script started it.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# The command gets GATEHOUSE_TEST_POSTGRES_URL, the URL of the cluster's `postgres` database (tests create their
# own databases or schemas in it), and GATEHOUSE_PG_DIR, the cluster's folder: as given in the environment, or by
# default a folder under /tmp named after this checkout (the server user must be able to reach it, and a unix
# socket path is short).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
dir=${GATEHOUSE_PG_DIR:-/tmp/gatehouse-pg-$(printf %s "$root" | cksum | cut -d' ' -f1)}
started=
if ! "$root/scripts/pg-cluster.sh" url "$dir" postgres >/dev/null 2>&1 \
    || ! pg_isready -q -h "$dir" -p "$(sed -n 's/^port = //p' "$dir/data/cluster.conf" 2>/dev/null || echo 5432)"; then
    "$root/scripts/pg-cluster.sh" start "$dir"
    started=1
fi
stop() { [[ -z $started ]] || "$root/scripts/pg-cluster.sh" stop "$dir"; }
trap stop EXIT
export GATEHOUSE_PG_DIR=$dir
GATEHOUSE_TEST_POSTGRES_URL=$("$root/scripts/pg-cluster.sh" url "$dir" postgres) "$@"

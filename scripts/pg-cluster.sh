#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks (Debian's postgresql-15).
#
#   scripts/pg-cluster.sh start DIR [PORT]   initdb into DIR/data (once) and start it; nothing if already running
#   scripts/pg-cluster.sh stop DIR           stop it (fast); nothing if not running
#   scripts/pg-cluster.sh createdb DIR NAME  create database NAME, owned by the cluster's superuser
#   scripts/pg-cluster.sh url DIR NAME       print NAME's DATABASE_URL (unix socket in DIR)
#   scripts/pg-cluster.sh psql DIR NAME [ARGS...]
#
# The server listens on a unix socket in DIR only, and also on 127.0.0.1:PORT when PORT is given. Every local
# connection is trusted (initdb --auth=trust): a throwaway cluster, never one holding real data. PostgreSQL
# refuses to run as root, so as root the server runs as Debian's `postgres` user, which is also the superuser
# the clients connect as; otherwise it runs as, and connects as, the calling user.
# Durability: synchronous_commit=off with fsync on, as SQLite's WAL with synchronous=NORMAL: a commit does not
# wait for its WAL flush, so a crash can lose the last commits but never corrupts the cluster.
set -euo pipefail

usage() { sed -n '4,8s/^# *//p' "$0" >&2; exit 2; }

bindir=$(pg_config --bindir 2>/dev/null || true)
[[ -x $bindir/pg_ctl ]] || bindir=/usr/lib/postgresql/15/bin
[[ -x $bindir/pg_ctl ]] || { echo "pg-cluster: no PostgreSQL binaries (apt-get install postgresql-15)" >&2; exit 1; }

if [[ $(id -u) == 0 ]]; then
    superuser=postgres
    as_owner() { runuser -u postgres -- "$@"; }
else
    superuser=$(id -un)
    as_owner() { "$@"; }
fi

(($# >= 2)) || usage
[[ $1 =~ ^(start|stop|createdb|url|psql)$ ]] || usage
command=$1
dir=$2
shift 2
# A directory `start` makes (or finds empty) becomes the server user's, mode 0700; any other is left as it is.
if [[ $command == start && ( ! -e $dir || -z $(ls -A "$dir" 2>/dev/null) ) ]]; then
    mkdir -p "$dir"
    chmod 0700 "$dir"
    if [[ $(id -u) == 0 ]]; then chown postgres: "$dir"; fi
fi
[[ -d $dir ]] || { [[ $command == stop ]] && exit 0; echo "pg-cluster: no directory $dir" >&2; exit 1; }
dir=$(cd "$dir" && pwd -P)
# The URL carries DIR unencoded, and a socket path has at most 107 bytes.
[[ $dir =~ ^[A-Za-z0-9._/-]+$ ]] || { echo "pg-cluster: DIR may hold only A-Z a-z 0-9 . _ / -" >&2; exit 1; }
((${#dir} <= 90)) || { echo "pg-cluster: DIR is too long for a unix socket path" >&2; exit 1; }
data=$dir/data

# The port the cluster uses (also names the socket, .s.PGSQL.PORT), from the settings `start` wrote.
port() { sed -n "s/^port = \([0-9]*\)$/\1/p" "$data/cluster.conf" 2>/dev/null || true; }
running() { [[ -f $data/PG_VERSION ]] && as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; }
url() {
    local port
    port=$(port)
    [[ $port == 5432 ]] && port=
    echo "postgresql://$superuser@/$1?host=$dir${port:+&port=$port}"
}

case $command in
start)
    (($# <= 1)) || usage
    if running; then exit 0; fi
    as_owner test -w "$dir" || { echo "pg-cluster: $superuser cannot write to $dir" >&2; exit 1; }
    if [[ ! -f $data/PG_VERSION ]]; then
        as_owner "$bindir/initdb" -D "$data" -U "$superuser" --locale=C --encoding=UTF8 --auth=trust >/dev/null
        echo "include 'cluster.conf'" >>"$data/postgresql.conf"
    fi
    port=${1:-5432}
    [[ $port =~ ^[0-9]+$ ]] || usage
    as_owner tee "$data/cluster.conf" >/dev/null <<EOF
listen_addresses = '${1:+127.0.0.1}'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 128MB
synchronous_commit = off
fsync = on
EOF
    as_owner "$bindir/pg_ctl" start -D "$data" -l "$dir/postgres.log" -w -t 60 >/dev/null
    for _ in $(seq 100); do
        "$bindir/pg_isready" -q -h "$dir" -p "$port" && exit 0
        sleep 0.1
    done
    echo "pg-cluster: the server does not accept connections; see $dir/postgres.log" >&2
    exit 1
    ;;
stop)
    (($# == 0)) || usage
    if running; then as_owner "$bindir/pg_ctl" stop -D "$data" -m fast -w >/dev/null; fi
    ;;
createdb)
    (($# == 1)) || usage
    "$bindir/createdb" -h "$dir" -p "$(port)" -U "$superuser" "$1"
    ;;
url)
    (($# == 1)) || usage
    url "$1"
    ;;
psql)
    (($# >= 1)) || usage
    name=$1
    shift
    exec "$bindir/psql" -X "$(url "$name")" "$@"
    ;;
esac

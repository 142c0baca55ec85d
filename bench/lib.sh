# Shared by the benchmark scripts: a private Gatehouse, the C reference responder and an nginx in one
# temporary directory, and a wrk measurement. Source it; it cleans up on exit.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${GATEHOUSE_BIN:-$root/.build/release/gatehouse}
workers=${WORKERS:-4}
duration=${DURATION:-10}
connections=${CONNECTIONS:-16}
threads=2  # wrk's threads; a caller may set more (one connection per thread, say)
# DATABASE_URL: the benchmark's database on a PostgreSQL server instead of a SQLite file (see new_database).
database_url=${DATABASE_URL:-}
# Gatehouse reads WORKERS and DATABASE_URL from its environment over its configuration file: taken above and
# removed here, so each supervisor's file alone decides (a node of two workers beside one of four, say).
unset WORKERS DATABASE_URL
dir=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
pids=()
# Commands run on exit after every process in pids has ended (dropping a database, stopping a cluster).
at_exit=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for step in "${at_exit[@]}"; do eval "$step" || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
mkdir -p "$dir"/{run,keys,tmp,log}

# new_database VAR NAME: sets VAR to the DATABASE_URL of a new, empty database for this run: the SQLite file
# $dir/NAME.db, or, when DATABASE_URL names a PostgreSQL server (postgresql://…, libpq's URI form), a database
# gh_bench_<pid>_<n>_NAME created there (the URL's role needs CREATEDB; the URL's own database is only connected
# to for that) and dropped on exit. NAME: lower-case letters, digits and _.
databases_made=0
new_database() {
    local var=$1 name=$2
    case $database_url in
    postgresql://* | postgres://*)
        databases_made=$((databases_made + 1))
        local db="gh_bench_$$_${databases_made}_$name"
        psql -X -q -v ON_ERROR_STOP=1 "$database_url" -c "CREATE DATABASE \"$db\"" >/dev/null
        at_exit+=("psql -X -q \"\$database_url\" -c 'DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)' >/dev/null 2>&1")
        # The URL with its path (the database) replaced; user, host, port and ?parameters kept.
        printf -v "$var" '%s' "$(sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$db#" <<<"$database_url")"
        ;;
    "" | sqlite:* | /*) printf -v "$var" '%s' "sqlite://$dir/$name.db" ;;
    *) echo "DATABASE_URL must name a PostgreSQL server (postgresql://…) or be unset (SQLite)" >&2; exit 2 ;;
    esac
}

# analyze_database DATABASE_URL: on PostgreSQL, ANALYZE once the benchmark's data is in. A new database's
# tables are tiny when the workers first run their statements, and autovacuum may analyze them at that size;
# a prepared statement planned from those statistics scans the whole table (a sequential scan beats an index on
# a page or two) and keeps that plan until the next ANALYZE, up to a minute later, while a benchmark grows the
# table by thousands of rows a second. Statistics from the seeded tables make every statement plan (and
# re-plan: new statistics invalidate prepared plans) as on a database in service. Nothing on SQLite.
analyze_database() {
    case $1 in
    postgresql://* | postgres://*) psql -X -q -v ON_ERROR_STOP=1 "$1" -c ANALYZE ;;
    esac
}

# gatehouse_settings DATABASE_URL KEYS_DIR SOCKET RUNTIME_DIR [KEY=VALUE ...]: a configuration file's lines;
# later lines override earlier ones.
gatehouse_settings() {
    echo "DATABASE_URL=$1"
    echo "KEYS_DIR=$2"
    echo "LISTEN=unix:$3"
    echo "RUNTIME_DIR=$4"
    shift 4
    echo "SOCKET_MODE=0666"
    echo "WORKERS=$workers"
    echo "LOG_LEVEL=warning"
    echo "JWT_ISSUER=https://bench.example"
    for setting in "$@"; do echo "$setting"; done
}

# start_gatehouse [KEY=VALUE ...]: the supervisor on $dir/run/gatehouse.sock with extra settings, on the
# database new_database gives (SQLite unless DATABASE_URL names a PostgreSQL server).
start_gatehouse() {
    local url
    new_database url gatehouse
    gatehouse_settings "$url" "$dir/keys" "$dir/run/gatehouse.sock" "$dir/run" "$@" > "$dir/gatehouse.env"
    "$bin" serve --config "$dir/gatehouse.env" 2>"$dir/log/gatehouse.log" &
    pids+=($!)
}

# start_supervisor NAME [KEY=VALUE ...]: another supervisor, with its configuration in $dir/NAME/gatehouse.env,
# its socket $dir/NAME/run/gatehouse.sock and its own runtime directory (scoreboard); keys in $dir/NAME/keys and
# the SQLite file $dir/NAME/gatehouse.db unless the settings say otherwise (nodes of one installation share
# DATABASE_URL and KEYS_DIR). Its process id goes to supervisor[NAME].
declare -A supervisor
start_supervisor() {
    local name=$1
    shift
    mkdir -p "$dir/$name/run" "$dir/$name/keys"
    gatehouse_settings "sqlite://$dir/$name/gatehouse.db" "$dir/$name/keys" "$dir/$name/run/gatehouse.sock" \
        "$dir/$name/run" "$@" > "$dir/$name/gatehouse.env"
    "$bin" serve --config "$dir/$name/gatehouse.env" 2>"$dir/log/$name.log" &
    pids+=($!)
    supervisor[$name]=$!
}

# start_c_responder: bench/c-responder.c with as many processes as Gatehouse has workers, on $dir/run/c.sock.
start_c_responder() {
    cc -O2 -o "$dir/c-responder" "$root/bench/c-responder.c" $(pkg-config --cflags --libs fcgi)
    "$dir/c-responder" "$dir/run/c.sock" "$workers" &
    pids+=($!)
}

# start_nginx SERVER_BLOCKS: an nginx with the given server blocks, the `gatehouse` upstream defined.
start_nginx() {
    local user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root root;"
    cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/log/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    upstream gatehouse { server unix:$dir/run/gatehouse.sock; }
    $1
}
CONF
    nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon off;" &
    pids+=($!)
}

# wait_for URL...: until each answers (any status below 500).
wait_for() {
    for url in "$@"; do
        for _ in $(seq 100); do
            code=$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null || true)
            [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ] && break
            sleep 0.1
        done
    done
}

# measure NAME URL [wrk options...]: prints "rps p50 p99"; non-2xx answers are reported on stderr.
measure() {
    local name=$1 url=$2
    shift 2
    local out
    out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$@" "$url")
    local errors
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -n "$errors" ] && echo "  $name: $errors" >&2
    echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1=="50%" {print $2}' <<<"$out") $(awk '$1=="99%" {print $2}' <<<"$out")"
}

# cpu_ticks PID: CPU clock ticks used so far by a process and its children: its own utime + stime, the
# cutime + cstime of children it has waited for (a recycled or crashed worker's CPU lands there once the
# supervisor reaps it), and utime + stime (+ their own finished children) of each child still running.
# Without the finished children, a benchmark that recycles workers under-counts Gatehouse's CPU.
cpu_ticks() {
    local total=0 pid ticks
    for pid in "$1" $(ps -o pid= --ppid "$1"); do
        # Fields after the ")" of the command name: utime is the 12th, stime 13th, cutime 14th, cstime 15th.
        ticks=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}')
        total=$((total + ${ticks:-0}))
    done
    echo "$total"
}

# cpu_us_per_request TICKS_BEFORE TICKS_AFTER REQUESTS: CPU microseconds per request.
cpu_us_per_request() {
    awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f\n", (n > 0 ? (b - a) / hz * 1e6 / n : 0)}'
}

# worker_rss PID: the resident set (KiB) of each running child of PID, one per line.
worker_rss() {
    local pid
    for pid in $(ps -o pid= --ppid "$1"); do awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true; done
}

row() { printf '| %-44s | %10s | %8s | %8s |\n' "$@"; }
header() { row "target" "req/s" "p50" "p99"; printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "------------" "----------" "----------"; }

# build_argon2_loop: $dir/argon2_loop, bench/argon2_loop.c over CArgon2id (what Gatehouse hashes with), compiled as
# SwiftPM's release build compiles it (clang -O2).
build_argon2_loop() {
    command -v clang >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
    clang -O2 -fPIC -fno-omit-frame-pointer -I "$root/Sources/CArgon2id/include" -o "$dir/argon2_loop" \
        "$root/bench/argon2_loop.c" "$root"/Sources/CArgon2id/*.c $(pkg-config --cflags --libs libargon2)
}

# raw_argon2: raw hashes/s, one loop per core over CArgon2id's fastest path for $duration seconds of wall-clock
# time, summed (logins/s is wall-clock too). Needs build_argon2_loop.
raw_argon2() {
    rm -f "$dir"/argon2.*.txt
    local loops=() core
    for core in $(seq "$(nproc)"); do
        "$dir/argon2_loop" "$duration" wall cargon2id > "$dir/argon2.$core.txt" &
        loops+=($!)
    done
    wait "${loops[@]}"
    cat "$dir"/argon2.*.txt | awk '/c-argon2id-hash/ {s += 1e6 / $3} END {printf "%.1f", s}'
}

# median_round FILE: the line whose first field (a ratio) is the median.
median_round() { sort -n "$1" | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }

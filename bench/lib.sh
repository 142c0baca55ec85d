# Shared by the benchmark scripts: a private Gatehouse, the C reference responder and an nginx in one
# temporary directory, and a wrk measurement. Source it; it cleans up on exit.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${GATEHOUSE_BIN:-$root/.build/release/gatehouse}
workers=${WORKERS:-4}
duration=${DURATION:-10}
connections=${CONNECTIONS:-16}
dir=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
mkdir -p "$dir"/{run,keys,tmp,log}

# start_gatehouse [KEY=VALUE ...]: the supervisor on $dir/run/gatehouse.sock with extra settings.
start_gatehouse() {
    {
        echo "DATABASE_URL=sqlite://$dir/gatehouse.db"
        echo "KEYS_DIR=$dir/keys"
        echo "LISTEN=unix:$dir/run/gatehouse.sock"
        echo "RUNTIME_DIR=$dir/run"
        echo "SOCKET_MODE=0666"
        echo "WORKERS=$workers"
        echo "LOG_LEVEL=warning"
        echo "JWT_ISSUER=https://bench.example"
        for setting in "$@"; do echo "$setting"; done
    } > "$dir/gatehouse.env"
    "$bin" serve --config "$dir/gatehouse.env" 2>"$dir/log/gatehouse.log" &
    pids+=($!)
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
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url")
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

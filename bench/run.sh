#!/usr/bin/env bash
# FastCGI foundation benchmark. In one invocation, through the same nginx and with wrk at the same concurrency:
#   1. nginx alone (a location that returns 200),
#   2. a C libfcgi responder of our own (bench/c-responder.c) with as many processes as Gatehouse has workers,
#   3. Gatehouse's GET /health.
# Prints requests/s, p50, p99 and the ratios, and the RSS of an idle Gatehouse worker.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GATEHOUSE_BIN:-$root/.build/release/gatehouse}
workers=${WORKERS:-4}
duration=${DURATION:-10}
connections=${CONNECTIONS:-16}
dir=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
cc -O2 -o "$dir/c-responder" "$root/bench/c-responder.c" $(pkg-config --cflags --libs fcgi)

mkdir -p "$dir"/{run,keys,tmp,log}
cat > "$dir/gatehouse.env" <<ENV
DATABASE_URL=sqlite://$dir/gatehouse.db
KEYS_DIR=$dir/keys
LISTEN=unix:$dir/run/gatehouse.sock
RUNTIME_DIR=$dir/run
SOCKET_MODE=0666
WORKERS=$workers
LOG_LEVEL=warning
ENV
"$bin" serve --config "$dir/gatehouse.env" 2>"$dir/log/gatehouse.log" &
pids+=($!)
"$dir/c-responder" "$dir/run/c.sock" "$workers" &
pids+=($!)

user_line=""; [ "$(id -u)" = 0 ] && user_line="user root root;"
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
    server { listen 127.0.0.1:18081; location / { return 200 '{"status":"ok"}'; } }
    server { listen 127.0.0.1:18082; location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass unix:$dir/run/c.sock; } }
    server { listen 127.0.0.1:18083; location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass unix:$dir/run/gatehouse.sock; } }
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon off;" &
pids+=($!)
for _ in $(seq 100); do
    curl -fsS -o /dev/null http://127.0.0.1:18083/health 2>/dev/null && curl -fsS -o /dev/null http://127.0.0.1:18082/health 2>/dev/null && break
    sleep 0.1
done

measure() {  # name url -> "rps p50 p99"
    local out
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$2")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local errors
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -n "$errors" ] && echo "  $1: $errors" >&2
    echo "$rps $p50 $p99"
}

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers and $workers C responder processes; $(nproc) cores"
read -r n_rps n_p50 n_p99 < <(measure "nginx alone" http://127.0.0.1:18081/health)
read -r c_rps c_p50 c_p99 < <(measure "C responder" http://127.0.0.1:18082/health)
read -r g_rps g_p50 g_p99 < <(measure "Gatehouse" http://127.0.0.1:18083/health)

printf '| %-28s | %10s | %8s | %8s |\n' "target" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|\n' "------------------------------" "------------" "----------" "----------"
printf '| %-28s | %10s | %8s | %8s |\n' "nginx alone (return 200)" "$n_rps" "$n_p50" "$n_p99"
printf '| %-28s | %10s | %8s | %8s |\n' "C libfcgi responder" "$c_rps" "$c_p50" "$c_p99"
printf '| %-28s | %10s | %8s | %8s |\n' "Gatehouse GET /health" "$g_rps" "$g_p50" "$g_p99"
echo
awk -v g="$g_rps" -v c="$c_rps" -v n="$n_rps" 'BEGIN {
    printf "Gatehouse / C responder: %.2f (target >= 0.80)\n", g / c
    printf "Gatehouse / nginx alone: %.2f\n", g / n }'

sleep 1  # let the workers go idle
rss_max=0
for pid in $(ps -o pid= --ppid "${pids[0]}"); do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
done
awk -v r="$rss_max" 'BEGIN { printf "Largest idle worker RSS: %.1f MB (target <= 20 MB)\n", r / 1024 }'

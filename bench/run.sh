#!/usr/bin/env bash
# FastCGI foundation benchmark. In one invocation, through the same nginx and with wrk at the same concurrency:
#   1. nginx alone (a location that returns 200),
#   2. a C libfcgi responder of our own (bench/c-responder.c) with as many processes as Gatehouse has workers,
#   3. Gatehouse's GET /health.
# Prints requests/s, p50, p99 and the ratios, and the RSS of an idle Gatehouse worker.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_gatehouse
start_c_responder
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
start_nginx "
    server { listen 127.0.0.1:18081; location / { return 200 '{\"status\":\"ok\"}'; } }
    server { listen 127.0.0.1:18082; location / { $params fastcgi_pass unix:$dir/run/c.sock; } }
    server { listen 127.0.0.1:18083; location / { $params fastcgi_pass gatehouse; } }"
wait_for http://127.0.0.1:18082/health http://127.0.0.1:18083/health

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers and $workers C responder processes; $(nproc) cores"
read -r n_rps n_p50 n_p99 < <(measure "nginx alone" http://127.0.0.1:18081/health)
read -r c_rps c_p50 c_p99 < <(measure "C responder" http://127.0.0.1:18082/health)
read -r g_rps g_p50 g_p99 < <(measure "Gatehouse" http://127.0.0.1:18083/health)
header
row "nginx alone (return 200)" "$n_rps" "$n_p50" "$n_p99"
row "C libfcgi responder" "$c_rps" "$c_p50" "$c_p99"
row "Gatehouse GET /health (SQLite round trip)" "$g_rps" "$g_p50" "$g_p99"
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

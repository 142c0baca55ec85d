#!/usr/bin/env bash
# API keys at /auth/verify, in one invocation: GET behind nginx auth_request (+ empty_gif) with Gatehouse's
# /auth/verify and a cached X-API-Key, against the same with a cached access token and against the C libfcgi
# responder, interleaved (C, token, C, key, C, ...) for ROUNDS (3) rounds, the median round kept — target: the key
# at >= 0.8 of the C responder, like tokens; then one API-key validation inside a worker, cached and uncached
# (gatehouse-bench: the indexed read by kid, HMAC-SHA256 under the pepper, constant-time compare, allowlist).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_gatehouse "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m" \
    "RATE_LIMIT_API=0/1m" "SERVICE_SECRET=$(openssl rand -hex 32)" ${GATEHOUSE_SETTINGS:-}
start_c_responder
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
verify_params="fastcgi_param REQUEST_METHOD GET; fastcgi_param REQUEST_URI /auth/verify; fastcgi_param REMOTE_ADDR \$remote_addr;"
start_nginx "
    server { listen 127.0.0.1:18083; location / { $params fastcgi_pass gatehouse; } }
    server {
        listen 127.0.0.1:18084;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass gatehouse; }
        location / { auth_request /_verify; empty_gif; }
    }
    server {
        listen 127.0.0.1:18085;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass unix:$dir/run/c.sock; }
        location / { auth_request /_verify; empty_gif; }
    }"
wait_for http://127.0.0.1:18083/health http://127.0.0.1:18085/

echo "bench-password-123" | "$bin" create-admin --email bench@example.com --password-stdin --config "$dir/gatehouse.env" >/dev/null
read -r token key < <(python3 - <<'PY'
import json, urllib.request
def call(path, body, headers={}):
    req = urllib.request.Request("http://127.0.0.1:18083" + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json", **headers})
    return json.load(urllib.request.urlopen(req))
t = call("/auth/login", {"email": "bench@example.com", "password": "bench-password-123"})
c = call("/clients", {"name": "bench", "ip_allowlist": ["127.0.0.1/32"], "origin_allowlist": [], "roles_allowed": []},
         {"Authorization": "Bearer " + t["access_token"]})
print(t["access_token"], c["api_key"])
PY
)
curl -fsS -o /dev/null -H "X-API-Key: $key" http://127.0.0.1:18084/ || { echo "the API key is refused" >&2; exit 1; }
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" > "$dir/token.lua"
printf 'wrk.headers["X-API-Key"] = "%s"\n' "$key" > "$dir/key.lua"

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers; $(nproc) cores"
rounds=${ROUNDS:-3}
median_round() { sort -n "$1" | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }
: > "$dir/token-rounds"
: > "$dir/key-rounds"
read -r c_before _ < <(measure "C auth_request" http://127.0.0.1:18085/)
for round in $(seq "$rounds"); do
    for kind in token key; do
        read -r g_rps g_p50 g_p99 < <(measure "verify $kind" http://127.0.0.1:18084/ -s "$dir/$kind.lua")
        read -r c_after c_p50 c_p99 < <(measure "C auth_request" http://127.0.0.1:18085/)
        c_rps=$(awk -v a="$c_before" -v b="$c_after" 'BEGIN {printf "%.2f", (a + b) / 2}')
        ratio=$(awk -v g="$g_rps" -v c="$c_rps" 'BEGIN {printf "%.3f", g / c}')
        echo "  round $round: C responder $c_before then $c_after req/s, verify $kind $g_rps req/s (p99 $g_p99), ratio $ratio" >&2
        echo "$ratio $c_rps $c_p50 $c_p99 $g_rps $g_p50 $g_p99" >> "$dir/$kind-rounds"
        c_before=$c_after
    done
done
read -r t_ratio c_rps c_p50 c_p99 t_rps t_p50 t_p99 < <(median_round "$dir/token-rounds")
read -r k_ratio _ _ _ k_rps k_p50 k_p99 < <(median_round "$dir/key-rounds")
range() { sort -n "$1" | awk 'NR == 1 {low = $1} {high = $1} END {printf "%.2f-%.2f", low, high}'; }
header
row "auth_request → C libfcgi responder" "$c_rps" "$c_p50" "$c_p99"
row "auth_request → /auth/verify, cached token" "$t_rps" "$t_p50" "$t_p99"
row "auth_request → /auth/verify, cached API key" "$k_rps" "$k_p50" "$k_p99"
echo
echo "verify cached token / C responder: $t_ratio (median round; rounds $(range "$dir/token-rounds"))"
echo "verify cached API key / C responder: $k_ratio (target >= 0.80; median round; rounds $(range "$dir/key-rounds"))"
awk -v k="$k_ratio" 'BEGIN { print (k >= 0.80 ? "PASS" : "MISS") ": API key at /auth/verify >= 0.80 of the C responder" }'

bench_bin=${GATEHOUSE_BENCH_BIN:-$(dirname "$bin")/gatehouse-bench}
if [[ -x $bench_bin ]]; then
    echo
    echo "One API-key validation inside a worker (SQLite file, CPU µs per validation):"
    "$bench_bin" bench --only api-key --seconds "${BENCH_SECONDS:-3}" | awk '/^RESULT/ {printf "  %s: %s µs\n", $2, $3}'
fi

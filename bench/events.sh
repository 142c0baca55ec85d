#!/usr/bin/env bash
# Events and webhooks, in one invocation:
#  1. the cost an event adds to the write that causes it: POST /auth/login (session.created) through nginx with no
#     webhook subscription, then with a subscription to "*" (each login then also queues a delivery, and the
#     delivery process sends it), interleaved for ROUNDS (3) rounds, the median round kept. argon2id is turned down
#     (ARGON2_MEMORY_KIB=1024, one pass) so that the database writes are a visible part of a login;
#  2. events delivered per second to a local receiver (an nginx location answering 204): a backlog of events
#     is written while the delivery process is stopped (SIGSTOP), then it is let go (SIGCONT) and the time until
#     every delivery is recorded as delivered is measured.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_gatehouse "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m" \
    "RATE_LIMIT_API=0/1m" "ARGON2_MEMORY_KIB=1024" "ARGON2_ITERATIONS=1" "WEBHOOK_ALLOW_PRIVATE=true" \
    "WEBHOOK_CONCURRENCY=${WEBHOOK_CONCURRENCY:-32}" ${GATEHOUSE_SETTINGS:-}
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
start_nginx "
    server { listen 127.0.0.1:18083; location / { $params fastcgi_pass gatehouse; } }
    server { listen 127.0.0.1:18086; location / { return 204; } }"
wait_for http://127.0.0.1:18083/health http://127.0.0.1:18086/
url=$(awk -F= '/^DATABASE_URL=/ {sub(/^DATABASE_URL=/, ""); print}' "$dir/gatehouse.env")
# count SQL: one number from the benchmark's database, whichever backend holds it.
count() {
    if [[ $url == postgres* ]]; then psql "$url" -XAtq -c "$1"; else sqlite3 "${url#sqlite://}" "$1"; fi
}

echo "bench-password-123" | "$bin" create-admin --email bench@example.com --password-stdin --config "$dir/gatehouse.env" >/dev/null
read -r token user_id < <(python3 - <<'PY'
import json, urllib.request
def call(path, body, headers={}):
    req = urllib.request.Request("http://127.0.0.1:18083" + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json", **headers})
    return json.load(urllib.request.urlopen(req))
t = call("/auth/login", {"email": "bench@example.com", "password": "bench-password-123"})
print(t["access_token"], t["user"]["id"])
PY
)
subscribe() {
    curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"url": "http://127.0.0.1:18086/hook", "events": ["*"]}' http://127.0.0.1:18083/webhooks |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
unsubscribe() { curl -fsS -X DELETE -H "Authorization: Bearer $token" "http://127.0.0.1:18083/webhooks/$1"; }
cat > "$dir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email": "bench@example.com", "password": "bench-password-123"}'
wrk.headers["Content-Type"] = "application/json"
LUA

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers; $(nproc) cores (a shared machine: figures move between runs)"
rounds=${ROUNDS:-3}
median_round() { sort -n "$1" | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'; }
: > "$dir/rounds"
for round in $(seq "$rounds"); do
    read -r plain_rps plain_p50 plain_p99 < <(measure "login, no subscription" http://127.0.0.1:18083/auth/login -s "$dir/login.lua")
    subscription=$(subscribe)
    read -r sub_rps sub_p50 sub_p99 < <(measure "login, one subscription" http://127.0.0.1:18083/auth/login -s "$dir/login.lua")
    unsubscribe "$subscription"
    ratio=$(awk -v a="$sub_rps" -v b="$plain_rps" 'BEGIN {printf "%.3f", a / b}')
    echo "  round $round: login $plain_rps req/s without a subscription, $sub_rps req/s with one, ratio $ratio" >&2
    echo "$ratio $plain_rps $plain_p50 $plain_p99 $sub_rps $sub_p50 $sub_p99" >> "$dir/rounds"
done
read -r ratio plain_rps plain_p50 plain_p99 sub_rps sub_p50 sub_p99 < <(median_round "$dir/rounds")
header
row "POST /auth/login, no subscription" "$plain_rps" "$plain_p50" "$plain_p99"
row "POST /auth/login, a subscription to *" "$sub_rps" "$sub_p50" "$sub_p99"
echo
echo "login with a subscription / without: $ratio (median round)"

# 2. Delivery throughput: a backlog written while the delivery process is stopped, then drained.
backlog=${BACKLOG:-5000}
subscription=$(subscribe)
supervisor_pid=${pids[0]}
deliver_pid=$(ps -o pid=,args= --ppid "$supervisor_pid" | awk '/ deliver / {print $1}')
[ -n "$deliver_pid" ] || { echo "no delivery process" >&2; exit 1; }
kill -STOP "$deliver_pid"
python3 - "$token" "$user_id" "$backlog" <<'PY'
import http.client, json, sys
token, user_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", 18083)
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
for i in range(count):
    conn.request("PUT", f"/users/{user_id}", json.dumps({"name": f"Bench {i}"}), headers)
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
PY
queued=$(count "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
start=$(date +%s.%N)
kill -CONT "$deliver_pid"
while :; do
    left=$(count "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
    [ "$left" = 0 ] && break
    sleep 0.05
done
end=$(date +%s.%N)
rate=$(awk -v n="$queued" -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", n / (b - a)}')
echo
echo "delivered $queued queued events (user.updated) to a local receiver in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}') s: $rate events/s (WEBHOOK_CONCURRENCY=${WEBHOOK_CONCURRENCY:-32})"

#!/usr/bin/env bash
# Business API benchmark, in one invocation. A database seeded with ASSETS (100,000) assets across 20 branches
# and 5 zones (bench/seed_business.py, one SQLite transaction after the supervisor migrated), then, through
# nginx with the token of a user working in Zone1 (20,000 of the assets):
#   GET /health                              the reference: nginx → FastCGI → a worker → one SQLite read;
#   GET /v1/assets?limit=50                  the first page of the zone's asset list — target >= 0.5 × /health;
#   GET /v1/assets?limit=50&cursor=…         a deep page (after 10,000 rows) by keyset cursor;
#   GET /v1/assets?limit=50, every page      the zone's 400 pages in turn: mostly pages no worker has kept;
#   GET /v1/assets?status=in_repair&q=drill  a filtered search;
#   GET /v1/dashboard                        counts by status and branch, total value, recent activity.
# The machine is shared: ROUNDS (2) rounds measure every target in turn, /health before and after the list, and
# each round's ratios divide by the mean of those two; the summary gives every round's ratio and the best.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -z "$database_url" ] || { echo "business.sh runs on SQLite only (its seed writes the SQLite file); unset DATABASE_URL" >&2; exit 2; }
rounds=${ROUNDS:-2}
assets=${ASSETS:-100000}

start_gatehouse "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_API=0/1m"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_nginx "
    server {
        listen 127.0.0.1:$port;
        location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass gatehouse; }
    }"
base=http://127.0.0.1:$port
wait_for "$base/health"

started=$(date +%s.%N)
python3 "$root/bench/seed_business.py" "$dir/gatehouse.db" --assets "$assets" > "$dir/seed.json"
seeded=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# An administrator sets up a read-only role and a user working in Zone1; that user's token drives wrk. The
# deep page's cursor comes from walking the list, as a client would.
echo "bench-password-123" | "$bin" create-admin --email bench@example.com --password-stdin --config "$dir/gatehouse.env" >/dev/null
read -r token deep < <(python3 - "$base" "$dir/pages-data.lua" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]

def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method)) as r:
        return json.load(r)

password = "bench-password-123"
admin = call("POST", "/auth/login", {"email": "bench@example.com", "password": password})["access_token"]
call("PUT", "/roles/bench-zone-reader",
     {"permissions": ["assets:read", "branches:read", "dashboard:read", "settings:read"]}, admin)
user = call("POST", "/users", {"email": "zone1@example.com", "password": password, "name": "Zone One"}, admin)
call("POST", f"/users/{user['id']}/assignments",
     {"zone": "Zone1", "department": "Ops", "role": "bench-zone-reader", "primary": True}, admin)
token = call("POST", "/auth/login", {"email": "zone1@example.com", "password": password})["access_token"]
cursor = None
for _ in range(50):  # 50 pages of 200: the cursor after row 10,000
    cursor = call("GET", "/v1/assets?limit=200" + (f"&cursor={cursor}" if cursor else ""), token=token)["next_cursor"]
pages, page = [""], None  # the cursor of every page of 50
while True:
    page = call("GET", "/v1/assets?limit=50" + (f"&cursor={page}" if page else ""), token=token)["next_cursor"]
    if not page:
        break
    pages.append(page)
with open(sys.argv[2], "w") as f:
    f.write("pages = {" + ",".join(f'"{p}"' for p in pages) + "}\n")
print(token, cursor)
PY
)
# Every page of the zone in turn, each worker taking the next: 400 pages of 18 KB outnumber the 2 MiB of pages a
# worker keeps, so most pages are read and written again (the cold path of the list).
cat > "$dir/pages.lua" <<LUA
dofile("$dir/pages-data.lua")
local i = 0
request = function()
    i = i + 1
    local cursor = pages[(i % #pages) + 1]
    return wrk.format("GET", "/v1/assets?limit=50" .. (cursor ~= "" and ("&cursor=" .. cursor) or ""))
end
LUA

auth=(-H "Authorization: Bearer $token")
targets=(
    "GET /health|$base/health"
    "GET /v1/assets?limit=50|$base/v1/assets?limit=50"
    "GET /v1/assets?limit=50&cursor= (row 10,000)|$base/v1/assets?limit=50&cursor=$deep"
    "GET /v1/assets?limit=50, every page in turn|$base/v1/assets?limit=50|-s|$dir/pages.lua"
    "GET /v1/assets?status=in_repair&q=drill|$base/v1/assets?status=in_repair&q=drill&limit=50"
    "GET /v1/dashboard|$base/v1/dashboard"
)
# A target is "name|url" or "name|url|wrk option|value".
parse() {
    IFS='|' read -r name url option value <<<"$1"
    extra=()
    if [ -n "$option" ]; then extra=("$option" "$value"); fi
}
for target in "${targets[@]}"; do
    parse "$target"
    curl -fsS -o /dev/null "${auth[@]}" "$url" || { echo "not 200: $url" >&2; exit 1; }
done

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers; $(nproc) cores;" \
    "$assets assets seeded in ${seeded}s"
# Each round measures /health before and after the asset list, and divides by their mean: a ratio of numbers
# taken back to back, which a busy neighbour disturbs less than one health figure for the whole round.
declare -A best_rps best_p50 best_p99
ratios=()
for round in $(seq "$rounds"); do
    echo
    echo "round $round"
    header
    declare -A rps_of=()
    for index in 0 1 0 2 3 4 5; do
        parse "${targets[$index]}"
        read -r rps p50 p99 < <(measure "$name" "$url" "${auth[@]}" "${extra[@]}")
        row "$name" "$rps" "$p50" "$p99"
        if [ "$index" = 0 ]; then rps_of[$name]="${rps_of[$name]:-} $rps"; else rps_of[$name]=$rps; fi
        if awk -v a="$rps" -v b="${best_rps[$name]:-0}" 'BEGIN { exit !(a > b) }'; then
            best_rps[$name]=$rps best_p50[$name]=$p50 best_p99[$name]=$p99
        fi
    done
    health=$(awk '{ printf "%.2f", ($1 + $2) / 2 }' <<<"${rps_of["GET /health"]}")
    for target in "${targets[@]:1}"; do
        parse "$target"
        awk -v n="$name" -v r="${rps_of[$name]}" -v h="$health" 'BEGIN { printf "  %s / health: %.2f\n", n, r / h }'
    done
    ratios+=("$(awk -v r="${rps_of["GET /v1/assets?limit=50"]}" -v h="$health" 'BEGIN { printf "%.2f", r / h }')")
done

echo
echo "best of $rounds rounds (each target's best round)"
header
for target in "${targets[@]}"; do
    parse "$target"
    row "$name" "${best_rps[$name]}" "${best_p50[$name]}" "${best_p99[$name]}"
done
echo
best=$(printf '%s\n' "${ratios[@]}" | sort -n | tail -n 1)
echo "asset list / health, per round: ${ratios[*]}; best $best (target >= 0.50)"

#!/usr/bin/env bash
# Worker recycling (MAX_REQUESTS), in one invocation:
#   1. what recycling costs: GET behind nginx auth_request to /auth/verify with a cached token, against two
#      Gatehouse instances side by side, one replacing each worker after RECYCLE_AT (10,000) requests and one
#      never (MAX_REQUESTS=0), alternated over ROUNDS (3) rounds: req/s, p99, the slowest request, Gatehouse's
#      CPU per request (finished workers included, see cpu_ticks in lib.sh) and how many workers were started;
#   2. what one recycling costs: an instance whose single worker is replaced after every request
#      (MAX_REQUESTS=1) answers GET /health one request at a time for DURATION seconds, so each request pays
#      a whole worker start; its CPU (supervisor and finished workers) and wall time per request, against the
#      same with MAX_REQUESTS=0, are the cost of a start;
#   3. what recycling guards against, a leak: LONG_SECONDS (600) of load on the instance that never recycles,
#      in phases of PHASE_SECONDS (15) — cached verify, verify with 2,000 rotating fresh tokens, login,
#      refresh, wrong passwords for ever new addresses — and every worker's RSS after each phase, which must stay flat.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -z "$database_url" ] || { echo "recycle.sh runs on SQLite only (its instances are SQLite files); unset DATABASE_URL" >&2; exit 2; }
recycle_at=${RECYCLE_AT:-10000}
rounds=${ROUNDS:-3}
long_seconds=${LONG_SECONDS:-600}
phase_seconds=${PHASE_SECONDS:-15}

# start_instance NAME SETTING...: a supervisor with its own socket, runtime directory, keys and database.
declare -A supervisor
start_instance() {
    local name=$1
    shift
    mkdir -p "$dir/$name/run" "$dir/$name/keys"
    {
        echo "DATABASE_URL=sqlite://$dir/$name/gatehouse.db"
        echo "KEYS_DIR=$dir/$name/keys"
        echo "LISTEN=unix:$dir/$name/run/gatehouse.sock"
        echo "RUNTIME_DIR=$dir/$name/run"
        echo "SOCKET_MODE=0666"
        echo "WORKERS=$workers"
        echo "LOG_LEVEL=warning"
        echo "JWT_ISSUER=https://bench.example"
        echo "RATE_LIMIT_LOGIN=0/1m"
        echo "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m"
        echo "RATE_LIMIT_REFRESH=0/1m"
        echo "RATE_LIMIT_API=0/1m"
        for setting in "$@"; do echo "$setting"; done
    } > "$dir/$name/gatehouse.env"
    "$bin" serve --config "$dir/$name/gatehouse.env" 2>"$dir/log/$name.log" &
    pids+=($!)
    supervisor[$name]=$!
}

start_instance recycling "MAX_REQUESTS=$recycle_at"
start_instance never "MAX_REQUESTS=0"
workers=1 start_instance every "MAX_REQUESTS=1"
workers=1 start_instance single "MAX_REQUESTS=0"
verify_params="fastcgi_param REQUEST_METHOD GET; fastcgi_param REQUEST_URI /auth/verify; fastcgi_param REMOTE_ADDR \$remote_addr;"
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
start_nginx "
    server { listen 127.0.0.1:18091; location / { $params fastcgi_pass unix:$dir/recycling/run/gatehouse.sock; } }
    server { listen 127.0.0.1:18092; location / { $params fastcgi_pass unix:$dir/never/run/gatehouse.sock; } }
    server { listen 127.0.0.1:18095; location / { $params fastcgi_pass unix:$dir/every/run/gatehouse.sock; } }
    server { listen 127.0.0.1:18096; location / { $params fastcgi_pass unix:$dir/single/run/gatehouse.sock; } }
    server {
        listen 127.0.0.1:18093;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass unix:$dir/recycling/run/gatehouse.sock; }
        location / { auth_request /_verify; empty_gif; }
    }
    server {
        listen 127.0.0.1:18094;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass unix:$dir/never/run/gatehouse.sock; }
        location / { auth_request /_verify; empty_gif; }
    }"
wait_for http://127.0.0.1:18091/health http://127.0.0.1:18092/health http://127.0.0.1:18095/health \
    http://127.0.0.1:18096/health

# A user and a token in each instance; 2,000 fresh tokens and two refresh chains in the one that never recycles.
for name in recycling never; do
    echo "bench-password-123" | "$bin" create-admin --email bench@example.com --password-stdin \
        --config "$dir/$name/gatehouse.env" >/dev/null
done
python3 - "$dir" <<'PY'
import json, sys, urllib.request
d = sys.argv[1]
def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
login = {"email": "bench@example.com", "password": "bench-password-123"}
for name, port in (("recycling", 18091), ("never", 18092)):
    with open("%s/%s.token" % (d, name), "w") as f:
        f.write(post(port, "/auth/login", login)["access_token"])
t = post(18092, "/auth/login", login)
tokens, refresh = [], t["refresh_token"]
for _ in range(2000):
    t = post(18092, "/auth/refresh", {"refresh_token": refresh})
    refresh = t["refresh_token"]
    tokens.append(t["access_token"])
with open(d + "/tokens.lua", "w") as f:
    f.write("tokens = {" + ",".join('"%s"' % x for x in tokens) + "}\n")
chains = [post(18092, "/auth/login", login)["refresh_token"] for _ in range(2)]
with open(d + "/chains.lua", "w") as f:
    f.write("chains = {" + ",".join('"%s"' % x for x in chains) + "}\n")
PY
for name in recycling never; do
    echo "wrk.headers[\"Authorization\"] = \"Bearer $(cat "$dir/$name.token")\"" > "$dir/$name-cached.lua"
done
cat > "$dir/fresh.lua" <<LUA
dofile("$dir/tokens.lua")
local i = 0
request = function()
    i = i + 1
    return wrk.format("GET", "/", { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
LUA
cat > "$dir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-123"}'
LUA
# Credential stuffing: a wrong password for a new address each time (each hashed against the dummy hash, each
# leaving a lockout counter row), so no lockout stops the hashing.
cat > "$dir/wrong.lua" <<'LUA'
local n = 0
request = function()
    n = n + 1
    return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" },
        '{"email":"stuffed' .. n .. '-' .. math.random(1e9) .. '@example.com","password":"not-the-password"}')
end
LUA
cat > "$dir/refresh.lua" <<LUA
dofile("$dir/chains.lua")
local n = 0
setup = function(thread) n = n + 1; thread:set("index", n) end
init = function() current = chains[index] end
request = function()
    return wrk.format("POST", "/auth/refresh", { ["Content-Type"] = "application/json" },
        '{"refresh_token":"' .. current .. '"}')
end
response = function(status, headers, body)
    local next = body:match('"refresh_token":"([^"]+)"')
    if next then current = next end
end
LUA

# run_cached NAME PORT: one cached-verify measurement; prints "rps p99 max cpu_us_per_request workers_started".
run_cached() {
    local name=$1 port=$2 sup=${supervisor[$1]} start end out rps
    ps -o pid= --ppid "$sup" | tr -d ' ' | sort > "$dir/$name.before"
    start=$(cpu_ticks "$sup")
    ( while :; do ps -o pid= --ppid "$sup" | tr -d ' '; sleep 0.05; done ) > "$dir/$name.seen" 2>/dev/null &
    local sampler=$!
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$dir/$name-cached.lua" "http://127.0.0.1:$port/")
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    end=$(cpu_ticks "$sup")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    local started
    started=$(sort -u "$dir/$name.seen" | comm -13 "$dir/$name.before" - | grep -c . || true)
    echo "$rps $(awk '$1=="99%" {print $2}' <<<"$out") $(awk '$1=="Latency" {print $4}' <<<"$out")" \
        "$(cpu_us_per_request "$start" "$end" "$(awk -v r="$rps" -v d="$duration" 'BEGIN {print r * d}')")" "$started"
}

echo "wrk -t2 -c$connections -d${duration}s; $workers workers per instance; $(nproc) cores"
echo
echo "| round | MAX_REQUESTS | verify cached req/s | p99 | slowest | CPU µs/request | workers started |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq "$rounds"); do
    for name in recycling never; do
        port=18093; setting=$recycle_at
        [ "$name" = never ] && port=18094 && setting=0
        read -r rps p99 slowest cpu started < <(run_cached "$name" "$port")
        echo "| $round | $setting | $rps | $p99 | $slowest | $cpu | $started |"
    done
done

echo
echo "The cost of one worker start: GET /health, one connection, one worker, replaced after every request or never"
echo
echo "| MAX_REQUESTS | req/s | ms per request | CPU ms per request |"
echo "|---:|---:|---:|---:|"
for name in every single; do
    port=18095; setting=1
    [ "$name" = single ] && port=18096 && setting=0
    sup=${supervisor[$name]}
    start=$(cpu_ticks "$sup")
    rps=$(wrk -t1 -c1 -d"${duration}s" "http://127.0.0.1:$port/health" | awk '/Requests\/sec/ {print $2}')
    end=$(cpu_ticks "$sup")
    cpu=$(cpu_us_per_request "$start" "$end" "$(awk -v r="$rps" -v d="$duration" 'BEGIN {print r * d}')")
    awk -v s="$setting" -v r="$rps" -v c="$cpu" 'BEGIN {printf "| %s | %.1f | %.2f | %.2f |\n", s, r, 1000 / r, c / 1000}'
done
kill -TERM "${supervisor[every]}" "${supervisor[single]}" 2>/dev/null || true

echo
echo "Long run, MAX_REQUESTS=0: ${long_seconds}s in phases of ${phase_seconds}s; RSS of each worker (MB) after each phase"
echo
sup=${supervisor[never]}
initial=$(ps -o pid= --ppid "$sup" | tr -d ' ' | sort | tr '\n' ' ')
echo "| after | phase | req/s | worker RSS, MB |"
echo "|---:|---|---:|---|"
elapsed=0
phases=("verify cached|18094|$dir/never-cached.lua" "verify fresh|18094|$dir/fresh.lua" \
    "login|18092/auth/login|$dir/login.lua" "refresh|18092/auth/refresh|$dir/refresh.lua" \
    "wrong password|18092/auth/login|$dir/wrong.lua")
index=0
while [ "$elapsed" -lt "$long_seconds" ]; do
    IFS='|' read -r phase target script <<<"${phases[$((index % ${#phases[@]}))]}"
    c=$connections
    case "$phase" in login|"wrong password") c=8 ;; esac
    out=$(wrk -t2 -c"$c" -d"${phase_seconds}s" -s "$script" "http://127.0.0.1:$target" 2>&1)
    elapsed=$((elapsed + phase_seconds))
    rss=$(worker_rss "$sup" | awk '{printf "%s%.1f", sep, $1 / 1024; sep = " "}')
    echo "| ${elapsed}s | $phase | $(awk '/Requests\/sec/ {print $2}' <<<"$out") | $rss |"
    index=$((index + 1))
done
final=$(ps -o pid= --ppid "$sup" | tr -d ' ' | sort | tr '\n' ' ')
echo
if [ "$initial" = "$final" ]; then
    echo "The same $workers worker processes served the whole long run."
else
    echo "Worker processes changed during the long run: $initial -> $final"
fi

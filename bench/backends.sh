#!/usr/bin/env bash
# Storage backends, in one invocation: the same build and settings on SQLite and on PostgreSQL (a private cluster
# from scripts/pg-cluster.sh, on a unix socket in its folder; or the server DATABASE_URL names), measured
# alternately through one nginx:
#   1. POST /auth/login against raw CArgon2id hashes/s, as bench/auth.sh measures it: raw, SQLite, raw,
#      PostgreSQL, raw, …, LOGIN_ROUNDS (5) rounds each, each round over the raw rounds around it — target >= 0.9
#      on both backends;
#   2. GET behind nginx auth_request to /auth/verify with 2,000 fresh tokens in rotation (as bench/auth.sh's
#      "fresh tokens"; after one untimed pass, each worker has them in its cache of verified tokens);
#   3. POST /auth/refresh on 16 rotation chains, one per connection (wrk -t16 -c16; new chains every round), so
#      every request rotates — target: PostgreSQL >= 0.5 × SQLite (bench/auth.sh runs 8 connections on each of
#      two chains, where 7 requests in 8 present a token another request has just rotated: grace replays);
#   4. a wrong-login burst: wrong passwords for one locked account, then for 200 locked identifiers in turn, on
#      instances whose login rate limits count but never refuse (per address, per identifier, global), so every
#      attempt takes three bucket upserts, the lockout counter's upsert and an audit row, and no argon2;
#   5. two nodes against one on PostgreSQL, fresh-token verify: two supervisors of WORKERS/2 workers each on two
#      sockets behind one nginx upstream, against one supervisor of WORKERS, on the same database and keys.
# 2–5: SQLite (or the one node), PostgreSQL (or the two nodes), SQLite, …, ROUNDS (3) rounds, each over the
# reference rounds around it. The median round is kept. Targets print PASS or MISS; a miss is not an exit failure.
# Also Gatehouse's CPU per request and, where the cluster is local, the PostgreSQL server's.
# Rate limits are off on 1–3 and 5. DURATION (10) seconds per measurement, WORKERS (4), CONNECTIONS (16; 8 for
# login).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${ROUNDS:-3}
login_rounds=${LOGIN_ROUNDS:-5}
half=$((workers / 2 > 0 ? workers / 2 : 1))

# The PostgreSQL server: DATABASE_URL's, or a cluster of our own (its folder must be one the server user can enter,
# so not inside $dir). new_database makes the run's databases on it.
pg_pid=
if [ -z "$database_url" ]; then
    pg_dir=$(mktemp -d /tmp/gatehouse-bench-pg.XXXXXX)
    at_exit+=("'$root/scripts/pg-cluster.sh' stop '$pg_dir'; rm -rf '$pg_dir'")
    "$root/scripts/pg-cluster.sh" start "$pg_dir"
    database_url=$("$root/scripts/pg-cluster.sh" url "$pg_dir" postgres)
    pg_pid=$(head -1 "$pg_dir/data/postmaster.pid")
fi
new_database pg_url main
new_database pg_burst_url burst
sqlite_url="sqlite://$dir/sqlite.db"
sqlite_burst_url="sqlite://$dir/sqlite-burst.db"

secret=$(openssl rand -hex 32)
limits_off=("RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m"
    "RATE_LIMIT_REFRESH=0/1m" "RATE_LIMIT_API=0/1m" "SERVICE_SECRET=$secret")
# The burst: every login bucket takes a token per attempt and never runs dry; one wrong password locks an
# identifier for the whole run (the locked path, which the burst measures, is the same at any threshold).
burst=("RATE_LIMIT_LOGIN=1000000000/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=1000000000/1m"
    "RATE_LIMIT_LOGIN_GLOBAL=1000000000/1m" "RATE_LIMIT_REFRESH=0/1m" "RATE_LIMIT_API=0/1m"
    "SERVICE_SECRET=$secret" "LOCKOUT_THRESHOLD=1" "LOCKOUT_DURATION=24h")
start_supervisor sqlite "DATABASE_URL=$sqlite_url" "${limits_off[@]}"
start_supervisor pg "DATABASE_URL=$pg_url" "${limits_off[@]}"
start_supervisor sqlite_burst "DATABASE_URL=$sqlite_burst_url" "${burst[@]}"
start_supervisor pg_burst "DATABASE_URL=$pg_burst_url" "${burst[@]}"

sock() { echo "unix:$dir/$1/run/gatehouse.sock"; }
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
verify_params="fastcgi_param REQUEST_METHOD GET; fastcgi_param REQUEST_URI /auth/verify; fastcgi_param REMOTE_ADDR \$remote_addr;"
verify_server() {
    echo "server {
        listen 127.0.0.1:$1;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass $2; }
        location / { auth_request /_verify; empty_gif; }
    }"
}
start_nginx "
    upstream two_nodes { server $(sock node_a); server $(sock node_b); }
    server { listen 127.0.0.1:18111; location / { $params fastcgi_pass $(sock sqlite); } }
    server { listen 127.0.0.1:18112; location / { $params fastcgi_pass $(sock pg); } }
    $(verify_server 18113 "$(sock sqlite)")
    $(verify_server 18114 "$(sock pg)")
    $(verify_server 18115 two_nodes)
    server { listen 127.0.0.1:18116; location / { $params fastcgi_pass $(sock sqlite_burst); } }
    server { listen 127.0.0.1:18117; location / { $params fastcgi_pass $(sock pg_burst); } }"
wait_for http://127.0.0.1:18111/health http://127.0.0.1:18112/health http://127.0.0.1:18116/health \
    http://127.0.0.1:18117/health
# The second installation's nodes join once the first supervisor has migrated the database and made the keys.
for node in node_a node_b; do
    start_supervisor "$node" "DATABASE_URL=$pg_url" "KEYS_DIR=$dir/pg/keys" "WORKERS=$half" "${limits_off[@]}"
done
for _ in $(seq 100); do
    [ -S "$dir/node_a/run/gatehouse.sock" ] && [ -S "$dir/node_b/run/gatehouse.sock" ] && break
    sleep 0.1
done

# Each installation: the user, 2,000 fresh tokens (from refreshes: no argon2), rotation chains for every refresh
# round, and the burst's locked identifiers.
for name in sqlite pg sqlite_burst pg_burst; do
    echo "bench-password-123" | "$bin" create-admin --email bench@example.com --password-stdin \
        --config "$dir/$name/gatehouse.env" >/dev/null
done
python3 - "$dir" "$((rounds + 1))" <<'PY'
import concurrent.futures, json, sys, urllib.error, urllib.request
d, chain_rounds = sys.argv[1], int(sys.argv[2])
def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    try:
        return json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError as e:
        return {"status": e.code, **json.load(e)}
def login(port, password="bench-password-123", email="bench@example.com"):
    return post(port, "/auth/login", {"email": email, "password": password})
for name, port in (("sqlite", 18111), ("pg", 18112)):
    t = login(port)
    tokens, refresh = [], t["refresh_token"]
    for _ in range(2000):
        t = post(port, "/auth/refresh", {"refresh_token": refresh})
        refresh = t["refresh_token"]
        tokens.append(t["access_token"])
    with open(f"{d}/tokens-{name}.lua", "w") as f:
        f.write("tokens = {" + ",".join('"%s"' % x for x in tokens) + "}\n")
    # Sixteen chains (one per wrk thread and connection) for each round this backend's refresh is measured in.
    for r in range(1, chain_rounds + 1):
        with open(f"{d}/chains-{name}-{r}.lua", "w") as f:
            f.write("chains = {" + ",".join('"%s"' % login(port)["refresh_token"] for _ in range(16)) + "}\n")
# One wrong password locks an identifier (LOCKOUT_THRESHOLD=1): the account, and 200 identifiers.
identifiers = ["bench@example.com"] + ["burst-%03d@example.com" % i for i in range(200)]
with open(f"{d}/identifiers.lua", "w") as f:
    f.write("identifiers = {" + ",".join('"%s"' % x for x in identifiers[1:]) + "}\n")
for port in (18116, 18117):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda e: login(port, "wrong-password-1", e), identifiers))
    again = [login(port, "wrong-password-2", e) for e in identifiers]
    assert all(r.get("code") == "invalid_credentials" for r in first), {r.get("code") for r in first}
    assert all(r.get("code") == "account_locked" for r in again), {r.get("code") for r in again}
PY
analyze_database "$pg_url"
analyze_database "$pg_burst_url"

cat > "$dir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench-password-123"}'
LUA
for name in sqlite pg; do
    cat > "$dir/fresh-$name.lua" <<LUA
dofile("$dir/tokens-$name.lua")
local i = 0
request = function()
    i = i + 1
    return wrk.format("GET", "/", { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
LUA
    for r in $(seq $((rounds + 1))); do
        cat > "$dir/refresh-$name-$r.lua" <<LUA
dofile("$dir/chains-$name-$r.lua")
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
    done
done
cat > "$dir/burst-one.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"wrong-password-3"}'
LUA
cat > "$dir/burst-many.lua" <<LUA
dofile("$dir/identifiers.lua")
local i = 0
request = function()
    i = i + 1
    return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" },
        '{"email":"' .. identifiers[(i % #identifiers) + 1] .. '","password":"wrong-password-3"}')
end
LUA
build_argon2_loop

# run NAME PIDS URL [wrk options...]: one measurement, "rps p50 p99 gatehouse_cpu postgres_cpu": CPU µs per request
# of the supervisors PIDS (space-separated; their workers, finished ones included) and of the local PostgreSQL
# server (postmaster and backends; "-" when the server is not ours).
run() {
    local name=$1 pids_measured=$2 url=$3
    shift 3
    local pid gh_before=0 gh_after=0 pg_before=0 pg_after=0 rps p50 p99
    for pid in $pids_measured; do gh_before=$((gh_before + $(cpu_ticks "$pid"))); done
    [ -z "$pg_pid" ] || pg_before=$(cpu_ticks "$pg_pid")
    read -r rps p50 p99 < <(measure "$name" "$url" "$@")
    for pid in $pids_measured; do gh_after=$((gh_after + $(cpu_ticks "$pid"))); done
    [ -z "$pg_pid" ] || pg_after=$(cpu_ticks "$pg_pid")
    local requests
    requests=$(awk -v r="$rps" -v d="$duration" 'BEGIN {print r * d}')
    echo "$rps $p50 $p99 $(cpu_us_per_request "$gh_before" "$gh_after" "$requests")" \
        "$([ -n "$pg_pid" ] && cpu_us_per_request "$pg_before" "$pg_after" "$requests" || echo -)"
}

# The measurements; each prints "rps p50 p99 gatehouse_cpu postgres_cpu" (raw argon2: "rps - - - -").
raw() { echo "$(raw_argon2) - - - -"; }
login_sqlite() { connections=8 run "login SQLite" "${supervisor[sqlite]}" http://127.0.0.1:18111/auth/login -s "$dir/login.lua"; }
login_pg() { connections=8 run "login PostgreSQL" "${supervisor[pg]}" http://127.0.0.1:18112/auth/login -s "$dir/login.lua"; }
verify_sqlite() { run "verify SQLite" "${supervisor[sqlite]}" http://127.0.0.1:18113/ -s "$dir/fresh-sqlite.lua"; }
verify_pg() { run "verify PostgreSQL" "${supervisor[pg]}" http://127.0.0.1:18114/ -s "$dir/fresh-pg.lua"; }
verify_two_nodes() {
    run "verify two nodes" "${supervisor[node_a]} ${supervisor[node_b]}" http://127.0.0.1:18115/ -s "$dir/fresh-pg.lua"
}
# refresh BACKEND PORT: on the chains no earlier round used (the measurements run in subshells, so the count of
# rounds so far is kept in a file).
refresh() {
    echo >> "$dir/refresh-rounds-$1"
    local round
    round=$(wc -l < "$dir/refresh-rounds-$1")
    threads=16 connections=16 run "refresh $1" "${supervisor[$1]}" "http://127.0.0.1:$2/auth/refresh" \
        -s "$dir/refresh-$1-$round.lua"
}
refresh_sqlite() { refresh sqlite 18111; }
refresh_pg() { refresh pg 18112; }
# Every burst answer is 429 account_locked (checked above), so wrk's non-2xx count is expected and not shown.
burst_run() { run "$@" 2> >(grep -v 'Non-2xx' >&2); }
burst_one_sqlite() { burst_run "burst one SQLite" "${supervisor[sqlite_burst]}" http://127.0.0.1:18116/auth/login -s "$dir/burst-one.lua"; }
burst_one_pg() { burst_run "burst one PostgreSQL" "${supervisor[pg_burst]}" http://127.0.0.1:18117/auth/login -s "$dir/burst-one.lua"; }
burst_many_sqlite() { burst_run "burst many SQLite" "${supervisor[sqlite_burst]}" http://127.0.0.1:18116/auth/login -s "$dir/burst-many.lua"; }
burst_many_pg() { burst_run "burst many PostgreSQL" "${supervisor[pg_burst]}" http://127.0.0.1:18117/auth/login -s "$dir/burst-many.lua"; }

# bracket NAME ROUNDS REFERENCE SUBJECT...: REFERENCE, SUBJECT1, REFERENCE, SUBJECT2, …, REFERENCE, ROUNDS times
# over (functions printing "rps …"). Each subject round appends "ratio rps p50 p99 gh_cpu pg_cpu reference_rps"
# to $dir/NAME.SUBJECT, its ratio over the mean of the reference rounds just before and after it; each
# reference round appends "rps p50 p99 gh_cpu pg_cpu" to $dir/NAME.REFERENCE.
bracket() {
    local name=$1 n=$2 reference=$3
    shift 3
    local before after mean subject line round
    : > "$dir/$name.$reference"
    for subject in "$@"; do : > "$dir/$name.$subject"; done
    line=$($reference)
    echo "$line" >> "$dir/$name.$reference"
    before=${line%% *}
    for round in $(seq "$n"); do
        for subject in "$@"; do
            read -r rps rest < <($subject)
            line=$($reference)
            echo "$line" >> "$dir/$name.$reference"
            after=${line%% *}
            mean=$(awk -v a="$before" -v b="$after" 'BEGIN {printf "%.2f", (a + b) / 2}')
            ratio=$(awk -v s="$rps" -v m="$mean" 'BEGIN {printf "%.3f", s / m}')
            echo "  $name round $round: $reference $before then $after, $subject $rps, ratio $ratio" >&2
            echo "$ratio $rps $rest $mean" >> "$dir/$name.$subject"
            before=$after
        done
    done
}
# median FILE: the median round's line; range FILE: "low-high" of the ratios; ref_median FILE: the reference
# rounds' median line (by rps).
median() { median_round "$1"; }
range() { sort -n "$1" | awk 'NR == 1 {low = $1} {high = $1} END {printf "%.2f-%.2f", low, high}'; }
ref_median() { median_round "$1"; }

pg_version=$(psql -X -A -t "$pg_url" -c 'SHOW server_version')
echo "wrk -t2 -c$connections -d${duration}s (login -c8); $workers workers per instance, two nodes of $half;" \
    "$(nproc) cores; argon2id m=19456 t=2 p=1; PostgreSQL $pg_version" \
    "$([ -n "$pg_pid" ] && echo "(a private cluster on a unix socket, synchronous_commit off)" || echo "(DATABASE_URL)")"
bracket login "$login_rounds" raw login_sqlite login_pg
# A worker verifies a token's signature the first time it sees it and serves it from its cache afterwards: one
# untimed pass over the 2,000 tokens on each instance first, so every round finds the caches as warm as the others.
for warm in verify_sqlite verify_pg verify_two_nodes; do $warm >/dev/null; done
bracket verify "$rounds" verify_sqlite verify_pg
bracket refresh "$rounds" refresh_sqlite refresh_pg
bracket burst_one "$rounds" burst_one_sqlite burst_one_pg
bracket burst_many "$rounds" burst_many_sqlite burst_many_pg
bracket nodes "$rounds" verify_pg verify_two_nodes

# One table row: what, then SQLite's and PostgreSQL's "rps p50 p99 gh_cpu pg_cpu" lines, then the ratio text.
table_row() {
    local what=$1 ratio=$4
    read -r s_rps s_p50 s_p99 s_gh _ <<<"$2"
    read -r p_rps p_p50 p_p99 p_gh p_pg <<<"$3"
    printf '| %-34s | %9s %8s %8s %6s | %9s %8s %8s %6s %6s | %s |\n' "$what" "$s_rps" "$s_p50" "$s_p99" "$s_gh" \
        "$p_rps" "$p_p50" "$p_p99" "$p_gh" "$p_pg" "$ratio"
}
# subject_line FILE: the median round of a subject without its ratio and reference fields ("rps p50 p99 gh pg").
subject_line() { median "$1" | awk '{print $2, $3, $4, $5, $6}'; }
ratio_of() { median "$1" | awk '{printf "%.2f", $1}'; }

echo
echo "medians; CPU is µs per request (gh: Gatehouse, supervisor and workers; pg: the PostgreSQL server)"
printf '| %-34s | %9s %8s %8s %6s | %9s %8s %8s %6s %6s | %s |\n' "" "SQLite/s" "p50" "p99" "gh" \
    "PG/s" "p50" "p99" "gh" "pg" "PostgreSQL / SQLite (rounds)"
l_raw=$(ref_median "$dir/login.raw" | awk '{print $1}')
l_sqlite=$(ratio_of "$dir/login.login_sqlite")
l_pg=$(ratio_of "$dir/login.login_pg")
table_row "POST /auth/login (raw $l_raw/s)" "$(subject_line "$dir/login.login_sqlite")" \
    "$(subject_line "$dir/login.login_pg")" \
    "$(awk -v s="$l_sqlite" -v p="$l_pg" 'BEGIN {printf "%.2f", p / s}') (login/raw: SQLite $l_sqlite, PostgreSQL $l_pg)"
for measurement in verify refresh burst_one burst_many; do
    case $measurement in
    verify) what="auth_request → /auth/verify, fresh" ;;
    refresh) what="POST /auth/refresh" ;;
    burst_one) what="wrong logins, one locked account" ;;
    burst_many) what="wrong logins, 200 locked accounts" ;;
    esac
    table_row "$what" "$(ref_median "$dir/$measurement.${measurement}_sqlite")" \
        "$(subject_line "$dir/$measurement.${measurement}_pg")" \
        "$(ratio_of "$dir/$measurement.${measurement}_pg") ($(range "$dir/$measurement.${measurement}_pg"))"
done
echo
one=$(ref_median "$dir/nodes.verify_pg")
two=$(subject_line "$dir/nodes.verify_two_nodes")
echo "fresh-token verify on PostgreSQL: one node of $workers workers $(awk '{printf "%s/s (p99 %s, gh %s µs, pg %s µs)", $1, $3, $4, $5}' <<<"$one"),"\
    "two nodes of $half $(awk '{printf "%s/s (p99 %s, gh %s µs, pg %s µs)", $1, $3, $4, $5}' <<<"$two");"\
    "two / one: $(ratio_of "$dir/nodes.verify_two_nodes") ($(range "$dir/nodes.verify_two_nodes"))"
echo
# target LABEL VALUE MINIMUM
target() { awk -v l="$1" -v v="$2" -v m="$3" 'BEGIN {printf "%s %s: %.2f (target >= %.2f)\n", (v >= m ? "PASS" : "MISS"), l, v, m}'; }
target "login / raw CArgon2id on SQLite (rounds $(range "$dir/login.login_sqlite"))" "$l_sqlite" 0.9
target "login / raw CArgon2id on PostgreSQL (rounds $(range "$dir/login.login_pg"))" "$l_pg" 0.9
target "refresh PostgreSQL / SQLite (rounds $(range "$dir/refresh.refresh_pg"))" "$(ratio_of "$dir/refresh.refresh_pg")" 0.5

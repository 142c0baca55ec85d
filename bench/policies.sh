#!/usr/bin/env bash
# Policies benchmark, in one invocation:
#   1. POST /permissions/check through nginx (a user named by email in the policy lines, a different domain, object
#      and action on every request) with 1k, 10k and 100k policy lines, against pycasbin's enforce() in-process on
#      the same policy and requests (model rbac_with_domains) — target at 100k lines: >= 20x pycasbin;
#   2. the cost of a policy snapshot rebuild (read + compile, what each worker does after a change), per size;
#   3. GET behind nginx auth_request with a cached token whose context has business rules (hours in a time zone,
#      CIDRs), checked on every request, against the same auth_request to the C libfcgi responder — target >= 0.8.
# Needs the release build (make release) and pycasbin (make pydeps installs it into .build-venv).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
python=${PYTHON:-$root/.build-venv/bin/python}
"$python" -c 'import casbin' 2>/dev/null || { echo "pycasbin is missing: make pydeps" >&2; exit 1; }
bench_bin=${GATEHOUSE_BENCH_BIN:-$(dirname "$bin")/gatehouse-bench}
sizes=${SIZES:-1000 10000 100000}

start_gatehouse "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m" \
    "RATE_LIMIT_REFRESH=0/1m" "RATE_LIMIT_API=0/1m" "SERVICE_SECRET=$(openssl rand -hex 32)"
start_c_responder
params="include $root/nginx/snippets/gatehouse-fastcgi.conf;"
verify_params="fastcgi_param REQUEST_METHOD GET; fastcgi_param REQUEST_URI /auth/verify; fastcgi_param REMOTE_ADDR \$remote_addr;"
start_nginx "
    server { listen 127.0.0.1:18093; location / { $params fastcgi_pass gatehouse; } }
    server {
        listen 127.0.0.1:18094;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass gatehouse; }
        location / { auth_request /_verify; empty_gif; }
    }
    server {
        listen 127.0.0.1:18095;
        location = /_verify { internal; $verify_params fastcgi_pass_request_body off; fastcgi_pass unix:$dir/run/c.sock; }
        location / { auth_request /_verify; empty_gif; }
    }"
wait_for http://127.0.0.1:18093/health http://127.0.0.1:18095/
cli() { "$bin" "$@" --config "$dir/gatehouse.env"; }

echo "bench-password-123" | cli create-admin --email bench@example.com --password-stdin >/dev/null
cat > "$dir/users.json" <<'JSON'
{"users": [{"email": "subject@bench.example", "name": "Subject", "password": "bench-password-123"},
           {"email": "shift@bench.example", "name": "Shift", "password": "bench-password-123"}]}
JSON
cli users import "$dir/users.json" >/dev/null
post() { curl -fsS -X POST "http://127.0.0.1:18093$1" -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "$2"; }
token_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
admin=$(post /auth/login '{"email":"bench@example.com","password":"bench-password-123"}' | token_of)
subject=$(curl -fsS "http://127.0.0.1:18093/users?q=subject@bench.example" -H "Authorization: Bearer $admin" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

# gen SIZE: policy-SIZE.csv (seeded) and requests-SIZE.json; prints pycasbin's enforces/s on them.
gen() {
    "$python" - "$dir" "$1" "$subject" <<'PY'
import json, random, sys, time, logging
import casbin
d, size, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(size)
domains = [f"zone{z}/dept{k}" for z in range(50) for k in range(4)]
objects = [f"obj{i}" for i in range(40)]
actions = ["read", "write", "delete", "approve", "export"]
roles = [f"role{i}" for i in range(max(10, size // 50))]
users = [f"user{i}@bench.example" for i in range(max(10, size // 10))]
lines = []
for domain in domains[:20]:  # the measured user holds a role in a tenth of the domains, with grants there
    role = rng.choice(roles)
    lines.append(f"g, subject@bench.example, {role}, {domain}")
    for _ in range(25):
        lines.append(f"p, {role}, {domain}, {rng.choice(objects)}, {rng.choice(actions)}")
while len(lines) < size:
    r = rng.random()
    if r < 0.6:
        lines.append(f"p, {rng.choice(roles)}, {rng.choice(domains)}, {rng.choice(objects)}, {rng.choice(actions)}")
    elif r < 0.9:
        lines.append(f"g, {rng.choice(users)}, {rng.choice(roles)}, {rng.choice(domains)}")
    else:
        a, b = rng.sample(roles, 2)
        lines.append(f"g, {a}, {b}, {rng.choice(domains)}")
open(f"{d}/policy-{size}.csv", "w").write("\n".join(lines) + "\n")
requests = [(rng.choice(domains[:40]), rng.choice(objects), rng.choice(actions)) for _ in range(2000)]
bodies = [json.dumps({"permission": f"{o}:{a}", "zone": dom.split("/")[0], "department": dom.split("/")[1],
                      "user_id": subject}) for dom, o, a in requests]
with open(f"{d}/check-{size}.lua", "w") as f:
    f.write("bodies = {" + ",".join("[[%s]]" % b for b in bodies) + "}\n")
model = f"{d}/model.conf"
open(model, "w").write("[request_definition]\nr = sub, dom, obj, act\n\n[policy_definition]\np = sub, dom, obj, act\n\n"
                       "[role_definition]\ng = _, _, _\n\n[policy_effect]\ne = some(where (p.eft == allow))\n\n"
                       "[matchers]\nm = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act\n")
logging.disable(logging.CRITICAL)
e = casbin.Enforcer(model, f"{d}/policy-{size}.csv")
allowed, n, started = 0, 0, time.perf_counter()
while n == 0 or (time.perf_counter() - started < 5 and n < len(requests) * 5):
    dom, o, a = requests[n % len(requests)]
    allowed += e.enforce("subject@bench.example", dom, o, a)
    n += 1
elapsed = time.perf_counter() - started
print(f"{n / elapsed:.1f} {allowed * 100 // n}")
PY
}

echo "wrk -t2 -c$connections -d${duration}s; $workers Gatehouse workers; $(nproc) cores"
header
for size in $sizes; do
    read -r casbin_rps allowed_pct < <(gen "$size")
    cli policies import "$dir/policy-$size.csv" >/dev/null
    cat > "$dir/check-run-$size.lua" <<LUA
dofile("$dir/check-$size.lua")
local i = 0
request = function()
    i = i + 1
    return wrk.format("POST", "/permissions/check",
        { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer $admin" }, bodies[(i % #bodies) + 1])
end
LUA
    # Every worker rebuilds its snapshot on its first request after the import: warm them all before measuring.
    warming=()
    for _ in $(seq $((workers * 8))); do
        curl -fsS -o /dev/null -X POST http://127.0.0.1:18093/permissions/check -H 'Content-Type: application/json' \
            -H "Authorization: Bearer $admin" -d "{\"permission\":\"obj1:read\",\"user_id\":\"$subject\"}" &
        warming+=($!)
    done
    wait "${warming[@]}"
    read -r c_rps c_p50 c_p99 < <(measure "check $size" http://127.0.0.1:18093/permissions/check -s "$dir/check-run-$size.lua")
    rebuild=$("$bench_bin" policy-compile --file "$dir/policy-$size.csv" --rounds 5 | sed 's/.*median_ms=\([0-9.]*\).*/\1/')
    row "POST /permissions/check, $size lines" "$c_rps" "$c_p50" "$c_p99"
    row "pycasbin enforce(), $size lines ($allowed_pct% allowed)" "$casbin_rps" "-" "-"
    row "snapshot rebuild, $size lines (ms)" "$rebuild" "-" "-"
    echo "$size $c_rps $casbin_rps $rebuild" >> "$dir/sizes"
done

# A token whose context has rules: open all week in Europe/Berlin, from loopback only; checked on every verify.
shift_id=$(curl -fsS "http://127.0.0.1:18093/users?q=shift@bench.example" -H "Authorization: Bearer $admin" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
echo '{"roles": {"shift": ["shift:work"]}}' > "$dir/roles.json"
cli roles import "$dir/roles.json" >/dev/null
post "/users/$shift_id/assignments" '{"zone":"ZoneS","department":"Shift","role":"shift","rules":{"hours":{"tz":"Europe/Berlin","days":["mon","tue","wed","thu","fri","sat","sun"],"from":"00:00","to":"24:00"},"cidrs":["127.0.0.0/8","::1/128"]}}' "$admin" >/dev/null
shift_token=$(post /auth/login '{"email":"shift@bench.example","password":"bench-password-123"}' | token_of)
cat > "$dir/rules.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $shift_token"
LUA
cat > "$dir/plain.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $admin"
LUA
curl -fsS -o /dev/null -w '' http://127.0.0.1:18094/ -H "Authorization: Bearer $shift_token"
: > "$dir/verify-rounds"
read -r rc_before _ < <(measure "C auth_request" http://127.0.0.1:18095/)
for round in $(seq "${ROUNDS:-3}"); do
    read -r rp_rps _ _ < <(measure "verify without context" http://127.0.0.1:18094/ -s "$dir/plain.lua")
    read -r rv_rps rv_p50 rv_p99 < <(measure "verify with rules" http://127.0.0.1:18094/ -s "$dir/rules.lua")
    read -r rc_after rc_p50 rc_p99 < <(measure "C auth_request" http://127.0.0.1:18095/)
    rc_rps=$(awk -v a="$rc_before" -v b="$rc_after" 'BEGIN {printf "%.2f", (a + b) / 2}')
    ratio=$(awk -v v="$rv_rps" -v c="$rc_rps" 'BEGIN {printf "%.3f", v / c}')
    echo "  round $round: C responder $rc_before then $rc_after req/s, verify with rules $rv_rps req/s, ratio $ratio" \
        "(a token without context: $rp_rps req/s)" >&2
    echo "$ratio $rc_rps $rc_p50 $rc_p99 $rv_rps $rv_p50 $rv_p99" >> "$dir/verify-rounds"
    rc_before=$rc_after
done
read -r _ c_rps c_p50 c_p99 v_rps v_p50 v_p99 < <(sort -n "$dir/verify-rounds" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }')
row "auth_request → C libfcgi responder" "$c_rps" "$c_p50" "$c_p99"
row "auth_request → /auth/verify, ctx with rules" "$v_rps" "$v_p50" "$v_p99"
echo
awk '{ printf "%s lines: /permissions/check / pycasbin enforce() = %.0fx; rebuild %s ms\n", $1, $2 / $3, $4 }' "$dir/sizes"
awk -v v="$v_rps" -v c="$c_rps" 'BEGIN { printf "verify cached with context rules / C responder: %.2f (target >= 0.80)\n", v / c }'

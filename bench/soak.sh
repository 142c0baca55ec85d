#!/usr/bin/env bash
# Endurance: a mixed load against one Gatehouse (SQLite) behind nginx for MINUTES (default 30), with what should
# stay flat recorded as it runs (bench/soak.py): RSS of the supervisor, of every worker and of nginx, open file
# descriptors, the database and WAL sizes every SAMPLE (5) seconds, and latency percentiles per minute for each
# kind of request. Then bench/soak_plot.py draws it (matplotlib, installed into the project's virtualenv).
#   bench/soak.sh [MINUTES] [OUT_DIR]     OUT_DIR (default bench/soak-out) gets samples.csv, latency.csv,
#                                          summary.txt and soak.png
# The load, from THREADS (8) client threads without pauses, each request chosen at random:
#   35% GET /auth/verify with a user's token     15% GET /v1/assets (a page of a zone's list)
#   10% GET /v1/dashboard                        10% POST /v1/assets, 5% PUT /v1/assets/{id} (If-Match)
#   13% POST /auth/refresh (a chain per thread)   5% POST /auth/login (argon2id)
#    7% POST /auth/login with a wrong password, over 50 identifiers (locked out after 5: 429s too)
# Rate limits are lifted, the global login ceiling too (RATE_LIMIT_LOGIN_GLOBAL=0/1m: at its default of 1200/1m it
# refuses most of these logins, as it is meant to).
# Worker recycling stays at its default (MAX_REQUESTS): the recorded PIDs change as workers are replaced.
# Not run in CI (it is long by design).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -z "$database_url" ] || { echo "soak.sh runs on SQLite (it measures the database file); unset DATABASE_URL" >&2; exit 2; }
minutes=${1:-30}
out=${2:-$root/bench/soak-out}
mkdir -p "$out"
venv=$root/.build-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import matplotlib' 2>/dev/null || "$venv/bin/python" -m pip install -q --disable-pip-version-check matplotlib

start_gatehouse "RATE_LIMIT_LOGIN=100000/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=100000/1m" "RATE_LIMIT_API=1000000/1m" \
    "RATE_LIMIT_REFRESH=100000/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m"
supervisor_pid=${pids[-1]}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_nginx "
    server {
        listen 127.0.0.1:$port;
        location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass gatehouse; }
    }"
nginx_pid=${pids[-1]}
base=http://127.0.0.1:$port
wait_for "$base/health"
echo "soak-password-123" | "$bin" create-admin --email soak@example.com --password-stdin --config "$dir/gatehouse.env" >/dev/null

echo "soak: $minutes minutes against $bin ($workers workers), results in $out"
"$venv/bin/python" "$root/bench/soak.py" --base "$base" --minutes "$minutes" --database "$dir/gatehouse.db" \
    --supervisor "$supervisor_pid" --nginx "$nginx_pid" --threads "${THREADS:-8}" --sample "${SAMPLE:-5}" --out "$out"
"$venv/bin/python" "$root/bench/soak_plot.py" "$out"
cat "$out/summary.txt"

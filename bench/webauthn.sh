#!/usr/bin/env bash
# Passwordless passkey logins against password logins and against OpenSSL's own signature verification, in one
# invocation: LOGINS (200) complete logins per batch, THREADS (8) at a time through nginx, in the order password,
# ES256 passkey, EdDSA passkey, password (the two password batches bracket the others, so a drift of the machine's
# speed shows). A passkey login is two requests (POST /auth/webauthn/login/options, POST /auth/webauthn/login), the
# client signing in between with the software authenticator of the e2e suite (Python, on the same cores). Then
# `openssl speed` measures one core's raw verifications of the same algorithms (ecdsap256, ed25519). Gatehouse's
# CPU per login (supervisor and workers) is measured around each batch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

logins=${LOGINS:-200}
threads=${THREADS:-8}
python=${PYTHON:-$root/.build-venv/bin/python}
[ -x "$python" ] || python=python3
start_gatehouse "REGISTRATION_OPEN=true" "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" \
    "RATE_LIMIT_LOGIN_GLOBAL=0/1m" "RATE_LIMIT_REGISTER=0/1m" "RATE_LIMIT_API=0/1m" ${GATEHOUSE_SETTINGS:-}
start_nginx "server { listen 127.0.0.1:18088; location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass gatehouse; } }"
wait_for http://127.0.0.1:18088/health
base=http://127.0.0.1:18088
origin=https://bench.example  # the origin of the JWT_ISSUER lib.sh sets: the relying party's default
driver="$python $root/bench/webauthn_logins.py"
echo "setting up $((2 * threads)) users with a passkey each..." >&2
$driver setup "$base" "$origin" "$threads" "$dir/users.json"
analyze_database "$(sed -n 's/^DATABASE_URL=//p' "$dir/gatehouse.env")"

# batch ARGS...: "LOGINS_PER_SECOND CPU_US_PER_LOGIN" of one batch.
batch() {
    local start end seconds count
    start=$(cpu_ticks "${pids[0]}")
    read -r seconds count < <($driver "$@")
    end=$(cpu_ticks "${pids[0]}")
    echo "$(awk -v s="$seconds" -v n="$count" 'BEGIN {printf "%.1f", n / s}') $(cpu_us_per_request "$start" "$end" "$count")"
}

read -r pw1 pw1_cpu < <(batch password "$base" "$dir/users.json" "$logins" "$threads")
read -r es es_cpu < <(batch passkey "$base" "$dir/users.json" -7 "$logins" "$threads")
read -r ed ed_cpu < <(batch passkey "$base" "$dir/users.json" -8 "$logins" "$threads")
read -r pw2 pw2_cpu < <(batch password "$base" "$dir/users.json" "$logins" "$threads")

# One core's verifications per second (the last column of openssl speed's result lines).
speed=$(openssl speed -seconds 3 ecdsap256 ed25519 2>/dev/null)
es_verify=$(awk '/ecdsa \(nistp256\)/ {v = $NF} END {print v}' <<<"$speed")
ed_verify=$(awk '/EdDSA \(Ed25519\)/ {v = $NF} END {print v}' <<<"$speed")

echo "$threads client threads, $logins logins a batch; $workers Gatehouse workers; $(nproc) cores (shared);" \
    "argon2id m=19456 t=2 p=1; database: $(sed -n 's/^DATABASE_URL=\([a-z]*\):.*/\1/p' "$dir/gatehouse.env")"
printf '| %-46s | %10s | %14s |\n' "complete login" "logins/s" "Gatehouse CPU"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "------------" "----------------"
printf '| %-46s | %10s | %11s µs |\n' "password (first batch)" "$pw1" "$pw1_cpu"
printf '| %-46s | %10s | %11s µs |\n' "passkey ES256 (options + login)" "$es" "$es_cpu"
printf '| %-46s | %10s | %11s µs |\n' "passkey EdDSA (options + login)" "$ed" "$ed_cpu"
printf '| %-46s | %10s | %11s µs |\n' "password (last batch)" "$pw2" "$pw2_cpu"
echo
printf '| %-46s | %10s | %14s |\n' "openssl speed, one core" "verify/s" "per verify"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "------------" "----------------"
printf '| %-46s | %10s | %11.0f µs |\n' "ecdsap256 (ES256)" "$es_verify" "$(awk -v v="$es_verify" 'BEGIN {print 1e6 / v}')"
printf '| %-46s | %10s | %11.0f µs |\n' "ed25519 (EdDSA)" "$ed_verify" "$(awk -v v="$ed_verify" 'BEGIN {print 1e6 / v}')"
echo
echo "passkey / password logins per second: ES256 $(awk -v a="$es" -v b="$pw1" -v c="$pw2" 'BEGIN {printf "%.1f", a / ((b + c) / 2)}')×," \
    "EdDSA $(awk -v a="$ed" -v b="$pw1" -v c="$pw2" 'BEGIN {printf "%.1f", a / ((b + c) / 2)}')×;" \
    "Gatehouse CPU per passkey login in raw verifications: ES256 $(awk -v c="$es_cpu" -v v="$es_verify" 'BEGIN {printf "%.1f", c / (1e6 / v)}'), EdDSA $(awk -v c="$ed_cpu" -v v="$ed_verify" 'BEGIN {printf "%.1f", c / (1e6 / v)}')"

#!/usr/bin/env bash
# What the second step costs a TOTP login, in one invocation: LOGINS (100) complete logins of an account without a
# second factor (POST /auth/login → 200), then LOGINS complete TOTP logins (POST /auth/login → 401 mfa_required,
# then POST /auth/mfa/verify with the user's next code → 200), THREADS (8) at a time through nginx, alternated
# ROUNDS (3) times and closed by a plain batch: plain, TOTP, plain, TOTP, ..., plain. A round's ratio is the TOTP
# batch's seconds per login over the mean of the plain batches just before and after it, so a drift of the
# machine's speed moves both sides alike; the round with the median ratio is kept. Gatehouse's CPU per login
# (supervisor and workers) is measured around each batch.
#
# A TOTP code is accepted once per user and step, so every TOTP login of the run is a user of its own, enrolled
# and confirmed before the first round (ROUNDS × LOGINS users, two password hashes each: the setup takes a while).
# The client is Python (bench/mfa_logins.py, one keep-alive connection per thread) on the same cores as
# Gatehouse: its share of the TOTP batches (two requests per login) is larger than of the plain ones.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

logins=${LOGINS:-100}
threads=${THREADS:-8}
rounds=${ROUNDS:-3}
python=${PYTHON:-python3}
start_gatehouse "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_LOGIN_GLOBAL=0/1m" \
    "RATE_LIMIT_MFA=0/1m" "RATE_LIMIT_API=0/1m" ${GATEHOUSE_SETTINGS:-}
start_nginx "server { listen 127.0.0.1:18087; location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass gatehouse; } }"
wait_for http://127.0.0.1:18087/health
base=http://127.0.0.1:18087
password=bench-password-123
echo "$password" | "$bin" create-admin --email bench@example.com --password-stdin --config "$dir/gatehouse.env" >/dev/null
driver="$python $root/bench/mfa_logins.py"
echo "setting up $((rounds * logins)) users with TOTP on..." >&2
$driver setup "$base" bench@example.com "$password" "$((rounds * logins))" "$dir/users.json"
analyze_database "$(sed -n 's/^DATABASE_URL=//p' "$dir/gatehouse.env")"

# batch KIND [FIRST]: "SECONDS_PER_LOGIN CPU_US_PER_LOGIN" of one batch.
batch() {
    local start end seconds count
    start=$(cpu_ticks "${pids[0]}")
    if [ "$1" = plain ]; then
        read -r seconds count < <($driver plain "$base" bench@example.com "$password" "$logins" "$threads")
    else
        read -r seconds count < <($driver totp "$base" "$dir/users.json" "$2" "$logins" "$threads")
    fi
    end=$(cpu_ticks "${pids[0]}")
    echo "$(awk -v s="$seconds" -v n="$count" 'BEGIN {printf "%.5f", s / n}') $(cpu_us_per_request "$start" "$end" "$count")"
}

echo "$threads client threads, $logins logins a batch; $workers Gatehouse workers; $(nproc) cores;" \
    "argon2id m=19456 t=2 p=1; database: $(sed -n 's/^DATABASE_URL=\([a-z]*\):.*/\1/p' "$dir/gatehouse.env")"
: > "$dir/rounds"
read -r before before_cpu < <(batch plain)
for round in $(seq "$rounds"); do
    read -r mfa mfa_cpu < <(batch totp $(((round - 1) * logins)))
    read -r after after_cpu < <(batch plain)
    plain_s=$(awk -v a="$before" -v b="$after" 'BEGIN {printf "%.5f", (a + b) / 2}')
    plain_cpu=$(awk -v a="$before_cpu" -v b="$after_cpu" 'BEGIN {printf "%.0f", (a + b) / 2}')
    ratio=$(awk -v m="$mfa" -v p="$plain_s" 'BEGIN {printf "%.3f", m / p}')
    echo "  round $round: plain $before then $after s/login, TOTP $mfa s/login, ratio $ratio" >&2
    echo "$ratio $plain_s $mfa $plain_cpu $mfa_cpu" >> "$dir/rounds"
    before=$after
    before_cpu=$after_cpu
done
read -r ratio plain_s mfa plain_cpu mfa_cpu < <(median_round "$dir/rounds")
range=$(sort -n "$dir/rounds" | awk 'NR == 1 {low = $1} {high = $1} END {printf "%.2f-%.2f", low, high}')
printf '| %-52s | %12s | %16s |\n' "complete login" "logins/s" "Gatehouse CPU"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "--------------" "------------------"
printf '| %-52s | %12.1f | %13s µs |\n' "password alone (POST /auth/login)" "$(awk -v s="$plain_s" 'BEGIN {print 1 / s}')" "$plain_cpu"
printf '| %-52s | %12.1f | %13s µs |\n' "password + TOTP (/auth/login, /auth/mfa/verify)" "$(awk -v s="$mfa" 'BEGIN {print 1 / s}')" "$mfa_cpu"
echo
echo "TOTP login / password login, seconds per login: $ratio (median of the rounds, which ranged $range);" \
    "the second step adds $(awk -v m="$mfa_cpu" -v p="$plain_cpu" 'BEGIN {printf "%d", m - p}') µs of Gatehouse CPU per login"

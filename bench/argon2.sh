#!/usr/bin/env bash
# Password hashing benchmark, in one invocation, for each parameter set (m=19456 t=2 p=1, Gatehouse's and
# OWASP's; m=65536 t=3 p=4, argon2-cffi's and fastapi-users' defaults):
#   1. raw argon2id hashes/s, one process per core, wall clock, the implementations taking turns in
#      half-second slots, all processes on the same one at a time (bench/argon2_compare.c): Gatehouse's own CArgon2id (its fastest path, and each path it has), Debian's
#      libargon2 (the portable reference build), and the Argon2 that argon2-cffi's PyPI wheel bundles (called
#      as argon2-cffi calls it), RAW_ROUNDS (3) rounds of RAW_SECONDS (15), median round — targets: CArgon2id
#      >= 1.5x libargon2 and >= 1.1x argon2-cffi;
#   2. POST /auth/login through nginx against fastapi-users' POST /auth/jwt/login through its nginx
#      (/work/shared/peers/fastapi-users/run.sh, PEER to override), same parameters, alternated over ROUNDS
#      rounds (peer, Gatehouse, peer, ...), each Gatehouse round divided by the mean of the peer rounds around
#      it — targets: login >= 0.9x the raw CArgon2id rate and >= 1.2x fastapi-users.
# Env: DURATION (login seconds, 10), RAW_SECONDS (15), RAW_ROUNDS (3), ROUNDS (3), WORKERS (4), PARAMETER_SETS,
# PEER_STATE (where the peer's virtualenv is kept, /tmp/gatehouse-peer-fastapi-users).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
peer=${PEER:-$root/../shared/peers/fastapi-users/run.sh}
[ -x "$peer" ] || peer=/work/shared/peers/fastapi-users/run.sh
# The peer's virtualenv is kept between runs (pip install from PyPI takes a while); its data is not.
export STATE=${PEER_STATE:-/tmp/gatehouse-peer-fastapi-users}
raw_seconds=${RAW_SECONDS:-15}
raw_rounds=${RAW_ROUNDS:-3}
rounds=${ROUNDS:-3}
parameter_sets=${PARAMETER_SETS:-"19456,2,1 65536,3,4"}
trap '"$peer" stop >/dev/null 2>&1 || true; cleanup' EXIT

echo "setting up fastapi-users (PyPI) in $STATE..." >&2
"$peer" setup >&2
command -v clang >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
# CArgon2id with the flags of SwiftPM's release build (clang -O2), as it runs inside Gatehouse.
clang -O2 -fPIC -fno-omit-frame-pointer -I "$root/Sources/CArgon2id/include" -o "$dir/argon2_compare" \
    "$root/bench/argon2_compare.c" "$root"/Sources/CArgon2id/*.c $(pkg-config --cflags --libs libargon2) -ldl
cffi_library=$(ls "$STATE"/venv/lib/python3*/site-packages/_argon2_cffi_bindings/_ffi*.so | head -1)

# raw M T P: one bench/argon2_compare per core for $raw_seconds, the implementations taking turns in the same
# half-second slots in every process;
# prints "name hashes/s" lines, each implementation's rate summed over the processes.
raw() {
    local loops=()
    rm -f "$dir"/raw.*.txt
    for core in $(seq "$(nproc)"); do
        "$dir/argon2_compare" "$raw_seconds" "$1" "$2" "$3" "$cffi_library" > "$dir/raw.$core.txt" &
        loops+=($!)
    done
    wait "${loops[@]}"
    cat "$dir"/raw.*.txt | awk '$1 == "RESULT" {s[$2] += 1e6 / $3} END {for (n in s) printf "%s %.1f\n", n, s[n]}'
}

# median FILE COLUMN: the median of a column of numbers.
median() { awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

cat > "$dir/gh-login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"correct horse battery staple"}'
LUA
cat > "$dir/fu-login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=bench%40example.com&password=correct+horse+battery+staple"
LUA

start_nginx "server { listen 127.0.0.1:18083; location / { include $root/nginx/snippets/gatehouse-fastcgi.conf; fastcgi_pass gatehouse; } }"
summary=()
for set in $parameter_sets; do
    IFS=, read -r m t p <<<"$set"
    echo "== m=$m t=$t p=$p" >&2
    # 1. Raw hashes/s: RAW_ROUNDS runs of the interleaved loops; each round's ratios are taken within the
    # round, the round with the median ratio to libargon2 is kept and the lowest ratios are printed too.
    : > "$dir/raw-rounds"
    for round in $(seq "$raw_rounds"); do
        raw "$m" "$t" "$p" > "$dir/raw-round"
        rate() { awk -v n="$1" '$1 == n {print $2}' "$dir/raw-round"; }
        lib=$(rate libargon2); ours=$(rate cargon2id); cffi=$(rate argon2-cffi)
        paths=""
        for path in portable sse2 avx2; do
            [ -n "$(rate "$path")" ] && paths="$paths $path $(rate "$path")"
        done
        echo "  round $round: libargon2 $lib, CArgon2id $ours, argon2-cffi $cffi hashes/s; paths:$paths" >&2
        awk -v l="$lib" -v o="$ours" -v c="$cffi" -v paths="$paths" \
            'BEGIN {printf "%.3f %.3f %s %s %s%s\n", o / l, o / c, l, o, c, paths}' >> "$dir/raw-rounds"
    done
    read -r _ _ lib ours cffi paths < <(sort -n "$dir/raw-rounds" | awk '{l[NR] = $0} END {print l[int((NR + 1) / 2)]}')
    raw_low=$(awk 'NR == 1 || $1 < a {a = $1} NR == 1 || $2 < c {c = $2} END {printf "%.2f %.2f", a, c}' "$dir/raw-rounds")

    # 2. Logins: a Gatehouse with these parameters and a fresh database, and the peer likewise.
    [ -n "${gh_pid:-}" ] && { kill -TERM "$gh_pid"; wait "$gh_pid" 2>/dev/null || true; }
    rm -f "$dir"/gatehouse.db* "$dir/run/gatehouse.sock"
    start_gatehouse "ARGON2_MEMORY_KIB=$m" "ARGON2_ITERATIONS=$t" "ARGON2_PARALLELISM=$p" \
        "RATE_LIMIT_LOGIN=0/1m" "RATE_LIMIT_LOGIN_IDENTIFIER=0/1m" "RATE_LIMIT_API=0/1m"
    gh_pid=${pids[-1]}
    wait_for http://127.0.0.1:18083/health
    echo "correct horse battery staple" | "$bin" create-admin --email bench@example.com --password-stdin \
        --config "$dir/gatehouse.env" >/dev/null
    "$peer" stop >/dev/null 2>&1 || true
    rm -rf "$STATE/data"
    FU_ARGON2_M=$m FU_ARGON2_T=$t FU_ARGON2_P=$p "$peer" start >&2
    fu_url=http://127.0.0.1:18102/auth/jwt/login
    gh_url=http://127.0.0.1:18083/auth/login
    : > "$dir/login-rounds"
    read -r fu_before _ < <(connections=8 measure "fastapi-users login" "$fu_url" -s "$dir/fu-login.lua")
    for round in $(seq "$rounds"); do
        read -r gh_rps gh_p50 gh_p99 < <(connections=8 measure "Gatehouse login" "$gh_url" -s "$dir/gh-login.lua")
        read -r fu_after fu_p50 fu_p99 < <(connections=8 measure "fastapi-users login" "$fu_url" -s "$dir/fu-login.lua")
        fu=$(awk -v a="$fu_before" -v b="$fu_after" 'BEGIN {printf "%.1f", (a + b) / 2}')
        ratio=$(awk -v g="$gh_rps" -v f="$fu" 'BEGIN {printf "%.3f", g / f}')
        echo "  round $round: fastapi-users $fu_before then $fu_after, Gatehouse $gh_rps logins/s, ratio $ratio" >&2
        echo "$ratio $gh_rps $gh_p50 $gh_p99 $fu $fu_p50 $fu_p99" >> "$dir/login-rounds"
        fu_before=$fu_after
    done
    read -r ratio gh_rps gh_p50 gh_p99 fu fu_p50 fu_p99 < <(sort -n "$dir/login-rounds" | awk '{l[NR] = $0} END {print l[int((NR + 1) / 2)]}')
    range=$(sort -n "$dir/login-rounds" | awk 'NR == 1 {low = $1} {high = $1} END {printf "%.2f-%.2f", low, high}')
    summary+=("$(awk -v m="$m" -v t="$t" -v p="$p" -v lib="$lib" -v ours="$ours" -v cffi="$cffi" -v paths="$paths" \
        -v gh="$gh_rps" -v gh50="$gh_p50" -v gh99="$gh_p99" -v fu="$fu" -v fu50="$fu_p50" -v fu99="$fu_p99" \
        -v range="$range" -v cores="$(nproc)" -v low="$raw_low" 'BEGIN {
        printf "### argon2id m=%s t=%s p=%s (%s cores)\n\n", m, t, p, cores
        printf "| implementation | hashes/s | vs libargon2 | vs argon2-cffi |\n|---|---:|---:|---:|\n"
        printf "| CArgon2id (fastest path) | %s | %.2f | %.2f |\n", ours, ours / lib, ours / cffi
        n = split(paths, f, " ")
        for (i = 1; i < n; i += 2) printf "| CArgon2id %s path | %s | %.2f | %.2f |\n", f[i], f[i + 1], f[i + 1] / lib, f[i + 1] / cffi
        printf "| Debian libargon2 (reference build) | %s | 1.00 | %.2f |\n", lib, lib / cffi
        printf "| argon2-cffi (PyPI wheel) | %s | %.2f | 1.00 |\n\n", cffi, cffi / lib
        printf "| login | logins/s | p50 | p99 |\n|---|---:|---:|---:|\n"
        printf "| Gatehouse POST /auth/login | %s | %s | %s |\n", gh, gh50, gh99
        printf "| fastapi-users POST /auth/jwt/login | %s | %s | %s |\n\n", fu, fu50, fu99
        split(low, lo, " ")
        printf "- raw: CArgon2id / libargon2 %.2f (target >= 1.5: %s), / argon2-cffi %.2f (target >= 1.1: %s); lowest rounds %.2f and %.2f\n", ours / lib, (ours / lib >= 1.5 ? "met" : "MISSED"), ours / cffi, (ours / cffi >= 1.1 ? "met" : "MISSED"), lo[1], lo[2]
        printf "- login / raw CArgon2id %.2f (target >= 0.9: %s)\n", gh / ours, (gh / ours >= 0.9 ? "met" : "MISSED")
        printf "- login / fastapi-users %.2f (target >= 1.2: %s; rounds %s)\n", gh / fu, (gh / fu >= 1.2 ? "met" : "MISSED"), range
    }')")
done
echo "raw: $(nproc) processes at once for ${raw_seconds}s, implementations in turn (0.5 s slots), the median of $raw_rounds rounds; login: wrk -t2 -c8 -d${duration}s, $workers Gatehouse workers, fastapi-users with ${FU_WORKERS:-2} uvicorn workers"
echo
for block in "${summary[@]}"; do echo "$block"; echo; done

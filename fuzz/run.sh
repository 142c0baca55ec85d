#!/usr/bin/env bash
# Checks CArgon2id's memory access pattern (fuzz/access_pattern.c), then fuzzes it against libargon2 for
# FUZZ_SECONDS (default 60) with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer. The committed seeds in fuzz/corpus/argon2id stay as they are; what the run
# finds goes to a temporary corpus, and a crashing input to fuzz/crash-* (then: fuzz/run.sh that-file).
# Needs a clang with libFuzzer (the Swift toolchain's, /opt/swift/usr/bin/clang, has it) and libargon2-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
work=$(mktemp -d /tmp/gatehouse-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I Sources/CArgon2id/include -I Sources/CArgon2id \
    fuzz/argon2id_fuzz.c Sources/CArgon2id/*.c $(pkg-config --cflags --libs libargon2) -o "$work/argon2id_fuzz" \
    2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
if [ $# -gt 0 ]; then exec "$work/argon2id_fuzz" "$@"; fi
# First the access pattern: password-independent reads in the first half of pass 0 (fuzz/access_pattern.c).
clang -O1 -fsanitize=address,undefined -DCARGON2ID_TRACE_REFERENCES -I Sources/CArgon2id/include \
    -I Sources/CArgon2id fuzz/access_pattern.c Sources/CArgon2id/*.c -o "$work/access_pattern" 2>"$work/build.log" \
    || { cat "$work/build.log" >&2; exit 1; }
"$work/access_pattern"
mkdir "$work/corpus"
status=0
"$work/argon2id_fuzz" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=512 -timeout=10 -print_final_stats=1 \
    -artifact_prefix=fuzz/ "$work/corpus" fuzz/corpus/argon2id >"$work/fuzz.log" 2>&1 || status=$?
grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec)|MISMATCH|not wiped|ERROR|SUMMARY' \
    "$work/fuzz.log" || true
[ "$status" = 0 ] || { tail -40 "$work/fuzz.log" >&2; echo "fuzz-argon2: FAILED (exit $status)" >&2; exit 1; }
runs=$(awk -F: '/number_of_executed_units/ {print $NF+0}' "$work/fuzz.log")
echo "fuzz-argon2: no difference from libargon2 in $runs inputs"

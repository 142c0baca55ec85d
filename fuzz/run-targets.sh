#!/usr/bin/env bash
# libFuzzer over Gatehouse's parsers: every folder fuzz/targets/NAME (a main.swift and a seed corpus in corpus/)
# is built as `fuzz-NAME` with -sanitize=fuzzer,address in its own scratch path (.build-fuzz), then run for
# FUZZ_SECONDS (default 30) each. Usage: fuzz/run-targets.sh [NAME...] (default: every target).
#   fuzz/run-targets.sh NAME -- FILE...   runs one target on FILEs only (reproduce a crash).
# The committed seeds stay as they are; what a run finds goes to a temporary corpus. A crashing input is written to
# fuzz/crash-NAME-*; once fixed, move it into fuzz/targets/NAME/corpus/ so it stays a regression input.
# Prints executions per target; exits non-zero when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
seconds=${FUZZ_SECONDS:-30}
names=()
files=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; files=("$@"); break; fi
    names+=("$1"); shift
done
if [ ${#names[@]} = 0 ]; then
    for dir in fuzz/targets/*/; do [ -f "$dir/main.swift" ] && names+=("$(basename "$dir")"); done
fi
scratch=.build-fuzz
build=(env GATEHOUSE_FUZZ=1 swift build --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address)
for name in "${names[@]}"; do
    [ -f "fuzz/targets/$name/main.swift" ] || { echo "fuzz: no target $name (fuzz/targets/$name/main.swift)" >&2; exit 2; }
    "${build[@]}" --product "fuzz-$name" >"/tmp/gatehouse-fuzz-build-$$.log" 2>&1 \
        || { grep -v 'Cannot export' "/tmp/gatehouse-fuzz-build-$$.log" | tail -40 >&2; exit 1; }
done
rm -f "/tmp/gatehouse-fuzz-build-$$.log"
bin="$("${build[@]}" --show-bin-path)"

if [ ${#files[@]} -gt 0 ]; then exec "$bin/fuzz-${names[0]}" "${files[@]}"; fi
work=$(mktemp -d /tmp/gatehouse-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Leaks: the Swift runtime's own caches look like leaks to LeakSanitizer at exit; memory errors still stop a run.
export ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-}
# A Swift trap is libFuzzer's "deadly signal" with the input saved; Swift's own backtracer would read the stack in a
# way AddressSanitizer reports as an overflow of its own.
export SWIFT_BACKTRACE=enable=no
failed=()
printf '%-18s %12s %10s %8s\n' target executions exec/s corpus
for name in "${names[@]}"; do
    mkdir -p "$work/$name"
    status=0
    "$bin/fuzz-$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/crash-$name-" "$work/$name" "fuzz/targets/$name/corpus" >"$work/$name.log" 2>&1 || status=$?
    runs=$(awk -F: '/stat::number_of_executed_units/ {print $NF+0}' "$work/$name.log")
    rate=$(awk -F: '/stat::average_exec_per_sec/ {print $NF+0}' "$work/$name.log")
    size=$(ls "$work/$name" | wc -l)
    printf '%-18s %12s %10s %8s\n' "$name" "${runs:-?}" "${rate:-?}" "$size"
    if [ "$status" != 0 ]; then
        failed+=("$name")
        grep -v 'Cannot export' "$work/$name.log" | grep -E -A30 'ERROR|Fatal error|deadly signal|Test unit written' | head -60 >&2 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "fuzz: FAILED: ${failed[*]}" >&2; exit 1; fi
echo "fuzz: ${#names[@]} targets, ${seconds} s each, no crash"

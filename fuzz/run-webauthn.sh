#!/usr/bin/env bash
# Fuzzes the CBOR decoder, authenticator data, attestation objects and COSE keys (fuzz/webauthn/main.swift) for
# FUZZ_SECONDS (default 60) with libFuzzer and AddressSanitizer. The Swift build has its own scratch path
# (.build-fuzz); the committed seeds in fuzz/corpus/webauthn (made from the CryptoTests fixtures) stay as they are,
# what the run finds goes to a temporary corpus, and a crashing input to fuzz/crash-* (then: fuzz/run-webauthn.sh
# that-file). The Swift toolchain's libFuzzer and lld are used (GNU gold fails on this link).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
work=$(mktemp -d /tmp/gatehouse-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
GATEHOUSE_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --scratch-path .build-fuzz \
    --product webauthn-fuzz >"$work/build.log" 2>&1 || { grep -v 'Cannot export local symbol' "$work/build.log" >&2; exit 1; }
fuzzer=.build-fuzz/debug/webauthn-fuzz
if [ $# -gt 0 ]; then exec "$fuzzer" "$@"; fi
mkdir "$work/corpus"
status=0
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix=fuzz/ "$work/corpus" fuzz/corpus/webauthn >"$work/fuzz.log" 2>&1 || status=$?
grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|ERROR|SUMMARY|Fatal error' \
    "$work/fuzz.log" || true
[ "$status" = 0 ] || { tail -40 "$work/fuzz.log" >&2; echo "fuzz-webauthn: FAILED (exit $status)" >&2; exit 1; }
runs=$(awk -F: '/number_of_executed_units/ {print $NF+0}' "$work/fuzz.log")
echo "fuzz-webauthn: no crash in $runs inputs"

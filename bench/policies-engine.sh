#!/usr/bin/env bash
# The policy engine alone (Sources/AuthHandlers/Authorization: PolicyReader, PolicySet) against pycasbin on the
# same generated policy: rebuild time, allows() and permissions() per second, and agreement on the requests
# pycasbin was timed on. Needs the repo's venv (make pydeps).
#   bench/policies-engine.sh [N_LINES (100000)] [PYCASBIN_LINES (10000)] [PYCASBIN_REQUESTS (4)]
# pycasbin is timed on a smaller policy (see bench/policies_engine.py), Gatehouse on both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
src="$root/Sources/AuthHandlers/Authorization"
swiftc -O -o "$dir/policy-engine" \
    "$src/PolicyLine.swift" "$src/PolicyReader.swift" "$src/PolicySet.swift" "$src/PolicySet+Queries.swift" \
    "$src/AuthorizationError.swift" "$root/bench/policy-engine/main.swift" 2>&1 | grep -v '^$' || true
for run in "${2:-10000} ${3:-4}" "${1:-100000} 0"; do
    read -r lines timed <<<"$run"
    echo "== $lines lines"
    "$root/.build-venv/bin/python" "$root/bench/policies_engine.py" "$dir" "$lines" "$timed"
    "$dir/policy-engine" "$dir/policy.csv" "$dir/requests.tsv"
done

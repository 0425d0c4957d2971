#!/usr/bin/env bash
# Runs the privacy attack suite (issue 20) against real `varde serve` processes on loopback and writes what the
# attacks achieved to bench/results/attacks-<UTC time>/: the membership-inference power table (membership.md) and
# every suite's own summary lines (tests.log). The same tests run in CI; this script keeps their numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="bench/results/attacks-$(date -u +%Y%m%dT%H%MZ)"
mkdir -p "$out"
export VARDE_ATTACK_REPORT="$PWD/$out"
swift build --build-tests >&2
suites='MembershipAttackTests|SuppressionAttackTests|TrackerTests|BudgetBypassTests|ErasureLeakTests|AuditForgeryTests|UtilityCostTests|AccessTests'
swift test --skip-build --disable-xctest --filter "$suites" 2>&1 | tee "$out/tests.log" >&2
grep -E '^(suppression arithmetic|\| |People)' "$out/tests.log" > "$out/summary.txt" || true
echo "$out"

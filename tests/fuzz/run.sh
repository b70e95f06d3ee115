#!/bin/bash
# tests/fuzz/run.sh DIR SECONDS
#
# Run every libFuzzer binary DIR/fuzz_<name> for SECONDS, starting from the
# committed seed corpus tests/fuzz/corpus/<name>/. The corpus is copied to
# a scratch directory first, so new inputs libFuzzer finds never modify the
# committed one. A crash, leak, timeout or sanitizer report fails the run;
# its reproducer is kept in $FUZZ_ARTIFACTS (default build/fuzz-artifacts).
#
# Closes with "N passed, N failed" (one per target). Exit 1 on any failure.
set -u

dir=${1:?usage: run.sh DIR SECONDS}
secs=${2:?usage: run.sh DIR SECONDS}
root=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=${FUZZ_ARTIFACTS:-$root/build/fuzz-artifacts}
mkdir -p "$artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
ran=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	ran=$((ran + 1))
	target=$(basename "$bin")
	name=${target#fuzz_}
	seeds="$root/tests/fuzz/corpus/$name"
	work="$scratch/$name"
	mkdir -p "$work"
	nseeds=0
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/"
		nseeds=$(find "$work" -type f | wc -l)
	else
		echo "fuzz: $target: no seed corpus at tests/fuzz/corpus/$name/ (starting empty)"
	fi
	echo "=== $target: ${secs}s from $nseeds seeds"
	out="$scratch/$name.log"
	# in a subshell, so that bash's own "Aborted" notice lands in the log
	("$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
		"$work") >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
		cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$out" | tail -n1 |
			sed -n 's/.*cov: \([0-9]*\).*/\1/p')
		echo "  ok    $target: ${runs:-?} runs, cov ${cov:-?}," \
			"corpus $nseeds -> $(find "$work" -type f | wc -l) inputs"
	else
		failed=$((failed + 1))
		echo "  FAIL  $target (exit $rc); artifacts in $artifacts:"
		ls "$artifacts" | grep "^$target-" | sed 's/^/    /'
		grep -v -E '^#[0-9]+' "$out" | tail -n 60 | sed 's/^/    | /'
	fi
done

if [ "$ran" -eq 0 ]; then
	echo "fuzz: no fuzz_* binaries in $dir" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$passed passed, $failed failed"
# under `make check`, leave a line for its closing total
if [ -n "${KBTF_SUMMARY:-}" ]; then
	echo "fuzz $passed $failed 0" >>"$KBTF_SUMMARY"
fi
[ "$failed" -eq 0 ]

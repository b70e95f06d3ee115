#!/bin/bash
# tests/fuzz/run.sh DIR SECONDS
#
# Run every libFuzzer binary DIR/fuzz_<name> for SECONDS, starting from the
# committed seed corpus tests/fuzz/corpus/<name>/. The corpus is copied to
# a scratch directory first, so new inputs libFuzzer finds never modify the
# committed one. A crash, leak, timeout or sanitizer report fails the run;
# its reproducer is kept in $FUZZ_ARTIFACTS (default build/fuzz-artifacts).
#
# FUZZ_JOBS targets run at once (default 2, one per core here). Each
# target's line gives its executions and libFuzzer's last coverage (cov:
# edges, ft: features); FUZZ_LOGS=DIR keeps each target's whole log there.
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

jobs=${FUZZ_JOBS:-2}

# run_one BIN: fuzz one target from a scratch copy of its seeds; its exit
# status goes to $scratch/<name>.rc, its output to $scratch/<name>.log.
run_one() {
	local bin=$1 target name seeds work
	target=$(basename "$bin")
	name=${target#fuzz_}
	seeds="$root/tests/fuzz/corpus/$name"
	work="$scratch/$name"
	mkdir -p "$work"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/"
	find "$work" -type f | wc -l >"$scratch/$name.seeds"
	# in a subshell, so that bash's own "Aborted" notice lands in the log
	("$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
		"$work") >"$scratch/$name.log" 2>&1
	echo $? >"$scratch/$name.rc"
}

targets=()
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] && targets+=("$bin")
done
echo "=== fuzzing ${#targets[@]} targets for ${secs}s each, $jobs at a time"
for bin in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$bin" &
done
wait

if [ -n "${FUZZ_LOGS:-}" ]; then
	mkdir -p "$FUZZ_LOGS"
	cp "$scratch"/*.log "$FUZZ_LOGS/" 2>/dev/null
fi

passed=0
failed=0
ran=${#targets[@]}
for bin in "${targets[@]}"; do
	target=$(basename "$bin")
	name=${target#fuzz_}
	out="$scratch/$name.log"
	rc=$(cat "$scratch/$name.rc" 2>/dev/null || echo 1)
	nseeds=$(cat "$scratch/$name.seeds" 2>/dev/null || echo 0)
	[ -d "$root/tests/fuzz/corpus/$name" ] ||
		echo "  note: $target has no seed corpus at tests/fuzz/corpus/$name/"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
		last=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$out" | tail -n1)
		cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
		ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
		echo "  ok    $target: ${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}," \
			"corpus $nseeds -> $(find "$scratch/$name" -type f | wc -l) inputs"
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

#!/bin/bash
# tests/fuzz/campaign.sh DIR WORK TARGET RUNS SECONDS [LIBFUZZER FLAG...]
#
# One run of a long fuzzing campaign: DIR/fuzz_TARGET (from make fuzz-build)
# under nice 19, for RUNS executions or SECONDS, whichever comes first,
# from WORK/corpus/TARGET (kept between runs; new inputs land there) and
# the committed seeds tests/fuzz/corpus/TARGET/ (read only). Sanitizer
# reports, crashes, leaks, timeouts and out-of-memory inputs go to
# WORK/artifacts/, the whole log to WORK/logs/, and one line per run to
# WORK/campaign.txt: target, seconds, executions, libFuzzer's last cov
# (edges) and ft (features), exit status. SIGINT ends a run early with its
# statistics. Exit status: libFuzzer's (0: nothing found).
set -u

dir=${1:?usage: campaign.sh DIR WORK TARGET RUNS SECONDS [FLAG...]}
work=${2:?usage}
t=${3:?usage}
runs=${4:?usage}
secs=${5:?usage}
shift 5
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/corpus/$t" "$work/logs" "$work/artifacts"
log=$work/logs/$t.$(date -u +%Y%m%dT%H%M%S).log

# run.sh's sanitizer settings; a smaller quarantine only recycles freed
# memory sooner (use-after-free is still caught within one input)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

start=$(date +%s)
nice -n 19 "$dir/fuzz_$t" -runs="$runs" -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/fuzz_$t-" \
	"$@" "$work/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
last=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
echo "$t secs=$secs execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} rc=$rc log=$(basename "$log")" \
	>>"$work/campaign.txt"
exit "$rc"

#!/bin/bash
# run-unit.sh TEST_BINARY...
#
# Run each cmocka unit test binary, count its test cases from cmocka's own
# summary lines, print one line per binary, and close with the plain line
# "N passed, N failed" (cases, summed over all binaries). A binary's full
# output is shown when it fails, or always with VERBOSE=1.
#
# A binary that dies without a cmocka summary (a crash, a sanitizer report,
# a failed group setup) counts as one failed case more than cmocka reported,
# so a broken binary can never pass silently. Exit status: 0 when nothing
# failed, 1 otherwise.
set -u

passed=0
failed=0
skipped=0
bad_bins=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Sum the N of every line "[  <tag>  ] N test(s)" in the log.
count_tag() {
	sed -n "s/^\[ *$1 *\] \([0-9][0-9]*\) test(s).*/\1/p" "$log" |
		awk '{ n += $1 } END { print n + 0 }'
}

if [ $# -eq 0 ]; then
	echo "run-unit: no test binaries given" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

for bin in "$@"; do
	name=$(basename "$bin")
	CMOCKA_MESSAGE_OUTPUT=STDOUT "$bin" >"$log" 2>&1
	rc=$?
	p=$(count_tag PASSED)
	f=$(count_tag FAILED)
	s=$(count_tag SKIPPED)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # died or failed outside any counted case
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=$((f + 1)) # ran no case at all: a test binary that tests nothing
		echo "  $name: no cmocka summary found"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -eq 0 ]; then
		printf '  ok    %-28s %4d cases' "$name" "$p"
		[ "$s" -gt 0 ] && printf ', %d skipped' "$s"
		printf '\n'
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$log"
	else
		printf '  FAIL  %-28s %4d cases passed, %d failed (exit %d)\n' "$name" "$p" "$f" "$rc"
		sed 's/^/    | /' "$log"
		bad_bins+=("$name")
	fi
done

if [ ${#bad_bins[@]} -gt 0 ]; then
	echo "failing binaries: ${bad_bins[*]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
# under `make check`, leave a line for its closing total
if [ -n "${KBTF_SUMMARY:-}" ]; then
	echo "${KBTF_SUITE:-unit} $passed $failed $skipped" >>"$KBTF_SUMMARY"
fi
[ "$failed" -eq 0 ]

#!/bin/bash
# tests/integration/run.sh [NAME...]
#
# Run every tests/integration/test_*.sh (or only those whose name contains
# one of the NAMEs), each from the repository root, and close with the
# plain line "N passed, N failed" summed over all of them.
#
# The contract for a test script (tests/integration/lib.sh implements it):
#   - its last line of output is "N passed, N failed" (", N skipped" may
#     follow); its exit status is nonzero when anything failed;
#   - exit status 77 means "skipped as a whole" (a prerequisite is missing);
#     it is reported, and counted as one skipped test;
#   - it finds the tools in the environment this runner exports:
#       KBTF            absolute path of the kbtf binary under test
#       KBTF_ROOT       absolute path of the repository
#       KBTF_BUILD      absolute path of the build directory (O=)
#       KBTF_TEST_CACHE downloaded .debs and other reusable fetches
#       KBTF_FIXTURE    tests/tools/kbtf-fixture (synthetic new-format BTF)
#   - it fetches Debian packages with tests/lib/debfetch.sh and writes only
#     under a mktemp -d of its own (removed on exit) or the cache.
# A script that exits nonzero without a summary line counts as one failure;
# one that exits 0 without one counts as one failure too (it proved nothing).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export KBTF_ROOT="$root"
export KBTF_BUILD="${KBTF_BUILD:-$root/build}"
export KBTF="${KBTF:-$KBTF_BUILD/kbtf}"
export KBTF_TEST_CACHE="${KBTF_TEST_CACHE:-/var/cache/kbtf-test}"
export KBTF_FIXTURE="${KBTF_FIXTURE:-$KBTF_BUILD/tools/kbtf-fixture}"

if [ ! -x "$KBTF" ]; then
	echo "integration: $KBTF not built (run make first)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

scripts=()
for t in tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	if [ $# -gt 0 ]; then
		match=0
		for want in "$@"; do
			case "$(basename "$t")" in *"$want"*) match=1 ;; esac
		done
		[ "$match" = 1 ] || continue
	fi
	scripts+=("$t")
done

passed=0
failed=0
skipped=0
results=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	echo "=== $name"
	start=$(date +%s)
	bash "$t" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	last=$(grep -v '^[[:space:]]*$' "$log" | tail -n1)
	re='^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
	if [ "$rc" -eq 77 ]; then
		p=0 f=0 s=1
		verdict="SKIP"
	elif [[ "$last" =~ $re ]]; then
		p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]} s=${BASH_REMATCH[5]:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1 # said all passed but exited nonzero
		fi
		if [ "$f" -eq 0 ]; then verdict="ok"; else verdict="FAIL"; fi
	else
		p=0 f=1 s=0
		verdict="FAIL (no summary line, exit $rc)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	results+=("$(printf '  %-30s %-6s %4d passed %3d failed %3d skipped %5ds' \
		"$name" "$verdict" "$p" "$f" "$s" "$secs")")
done

echo "=== integration summary"
for r in "${results[@]}"; do
	echo "$r"
done
if [ ${#scripts[@]} -eq 0 ]; then
	echo "integration: no test scripts matched" >&2
	failed=$((failed + 1))
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
# under `make check`, leave a line for its closing total
if [ -n "${KBTF_SUMMARY:-}" ]; then
	echo "integration $passed $failed $skipped" >>"$KBTF_SUMMARY"
fi
[ "$failed" -eq 0 ]

# tests/integration/lib.sh: helpers for integration test scripts.
#
#   . "$KBTF_ROOT/tests/integration/lib.sh"
#   t_check "inspect reads the 6.12 stub" "$KBTF" inspect "$vmlinux"
#   t_exit 2 "truncated BTF is bad input" "$KBTF" inspect "$tmp/trunc"
#   t_grep "counts STRUCT" "STRUCT" "$tmp/out"
#   t_ok "what was shown"  /  t_fail "what went wrong"
#   t_skip_all "no qemu here"          # exit 77: the whole script skipped
#   t_kernel_dir REL                   # a bookworm kernel package, unpacked once
#   t_vmlinux_from_deb DEB OUT         # a kernel package's vmlinux, without kbtf
#   t_unsign KO OUT                    # a module without its appended signature
#   t_libbpf_vs BTFO MOD TARGET RESULT # one pair against libbpf's btf__relocate
#   t_done                             # prints "N passed, N failed", exits
#
# t_tmp is a scratch directory removed on exit. Each check prints one line:
# "ok - description" or "FAIL - description" followed by the command's
# output, so a failure explains itself.

set -u
: "${KBTF:?run through tests/integration/run.sh (KBTF unset)}"
: "${KBTF_ROOT:?run through tests/integration/run.sh (KBTF_ROOT unset)}"
: "${KBTF_TEST_CACHE:=/var/cache/kbtf-test}"

t_passed=0
t_failed=0
t_tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbtf-itest.XXXXXX")
# Only the test's own shell removes it: a subshell bash forks for `cmd &`
# runs this trap too when a signal reaches it before its exec (a test that
# signals a background kbtf right after starting it), and would remove the
# directory under the running test.
trap '[ "$BASHPID" != "$$" ] || rm -rf "$t_tmp"' EXIT

t_ok() {
	t_passed=$((t_passed + 1))
	echo "ok - $*"
}

t_fail() {
	t_failed=$((t_failed + 1))
	echo "FAIL - $*"
}

# t_check DESC CMD...: passes when CMD exits 0.
t_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_ok "$desc"
	else
		t_fail "$desc (exit $rc: $*)"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
	return "$rc"
}

# t_exit CODE DESC CMD...: passes when CMD exits with CODE exactly.
t_exit() {
	local want=$1 desc=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		t_ok "$desc"
		return 0
	fi
	t_fail "$desc (exit $rc, expected $want: $*)"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	return 1
}

# t_grep DESC REGEX FILE: passes when FILE has a line matching REGEX (grep -E).
t_grep() {
	if grep -Eq -- "$2" "$3"; then
		t_ok "$1"
	else
		t_fail "$1 (no line matches /$2/ in $3)"
		head -n 20 "$3" | sed 's/^/    | /'
		return 1
	fi
}

# t_vmlinux_from_deb DEB OUT: the ELF vmlinux inside a Debian linux-image
# package's boot image (xz or zstd payload), found by magic and unpacked
# with the xz and zstd tools: a way to the kernel's BTF that does not go
# through the code under test. libbpf (btfo) reads .BTF from it.
t_vmlinux_from_deb() {
	local deb=$1 out=$2 dir img off
	dir=$(mktemp -d "$t_tmp/deb.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$dir" --wildcards --no-anchored 'vmlinuz-*' 'vmlinuz' 2>/dev/null
	img=$(find "$dir" -name 'vmlinuz*' -type f | head -n1)
	[ -n "$img" ] || { rm -rf "$dir"; return 1; }
	for off in $(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" | zstd -dcq 2>/dev/null >"$out"
		[ "$(head -c 4 "$out" | tail -c 3)" = ELF ] && { rm -rf "$dir"; return 0; }
	done
	for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" | xz -dcq 2>/dev/null >"$out"
		[ "$(head -c 4 "$out" | tail -c 3)" = ELF ] && { rm -rf "$dir"; return 0; }
	done
	rm -rf "$dir"
	return 1
}

# t_kernel_dir REL: a Debian bookworm kernel's image package unpacked, with
# its headers package's Module.symvers, once, under the test cache; prints
# the directory (a kernel source for kbtf: boot image, config, symvers).
t_kernel_dir() {
	local rel=$1 fetch=$KBTF_ROOT/tests/lib/debfetch.sh img hdr dir stamp
	img=$("$fetch" bookworm "linux-image-$rel") || return 1
	hdr=$("$fetch" bookworm "linux-headers-$rel") || return 1
	dir=$KBTF_TEST_CACHE/unpacked/boottest/$rel
	stamp="$(basename "$img") $(basename "$hdr")"
	if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$img" "$dir.tmp" || return 1
		dpkg-deb --fsys-tarfile "$hdr" |
			tar -x -C "$dir.tmp" "./usr/src/linux-headers-$rel/Module.symvers" || return 1
		echo "$stamp" >"$dir.tmp/.stamp"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# t_dmesg_lines: boot-test's observed log lines (stdin) without their
# timestamps and without the lines the booting kernel prints on its own
# into any load's window (tsc_refine_calibration_work()'s refinement and the
# clocksource switch), as boot-test leaves them out when it compares.
t_dmesg_lines() {
	sed 's/^\[ *[0-9]*\.[0-9]*\] //' | grep -Ev '^(tsc|clocksource): '
}

# t_unsign KO OUT: the module without its appended signature (the trailer
# is struct module_signature, 12 bytes ending in the big-endian signature
# length, then "~Module signature appended~\n"); an unsigned one is copied.
t_unsign() {
	local f=$1 out=$2 size siglen
	size=$(stat -c%s "$f")
	if [ "$(tail -c 28 "$f")" = "~Module signature appended~" ]; then
		siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 |
			awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
		head -c $((size - 40 - siglen)) "$f" >"$out"
	else
		cp "$f" "$out"
	fi
}
# t_libbpf_vs BTFO MOD TARGET RESULT: one pair, libbpf's btf__relocate
# (btfo relocate-ko MOD TARGET) against kbtf's result object RESULT (the
# pair's JSON from a validate report). 0 when both relocate or both refuse
# and the type libbpf names is among kbtf's problems. Sets T_LIBBPF_WANT
# (true when libbpf relocates) and, on a difference, T_LIBBPF_WHY.
t_libbpf_vs() {
	local log named got names
	log=$("$1" relocate-ko "$2" "$3" 2>&1)
	if printf '%s\n' "$log" | grep -q '^relocate: OK'; then T_LIBBPF_WANT=true; else T_LIBBPF_WANT=false; fi
	named=$(printf '%s\n' "$log" | sed -n "s/^libbpf: .*BTF type '\\([^']*\\)'.*/\\1/p" | head -n1)
	got=$(printf '%s' "$4" | jq -r '.relocation.ok')
	names=$(printf '%s' "$4" | jq -r '([.problems[].name] + [.relocation.message]) | join(" ")')
	if [ "$got" = "$T_LIBBPF_WANT" ] &&
		{ [ -z "$named" ] || printf '%s' "$names" | grep -qw -- "$named"; }; then
		return 0
	fi
	T_LIBBPF_WHY="libbpf $T_LIBBPF_WANT '$named', kbtf $got ($names)"
	return 1
}
t_skip_all() {
	echo "skip - $*"
	exit 77
}

t_done() {
	echo "$t_passed passed, $t_failed failed"
	[ "$t_failed" -eq 0 ]
	exit $?
}

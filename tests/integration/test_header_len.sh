#!/bin/bash
# test_header_len.sh: BTF headers longer than the kernel's own (issue 14).
#
# btf_parse_hdr() reads a header longer than its struct btf_header when
# every byte past that struct is zero, and refuses it ("Unsupported
# btf_header") when one is not (docs/kernel-rules.md 1.1). Debian sid's 7.2
# kbuild writes such 32-byte headers, layout fields zero, into every module.
#
# The example module, built as kbtf builds it for 6.12.113 (.BTF +
# .BTF.base) and for 6.1.0-56 (a plain split .BTF), each rewritten by
# kbtf-fixture with 32-byte headers: zero layout fields (kbtf_hz*) and
# layout_off 1 (kbtf_hn*), renamed so all load in one boot. kbtf validate
# predicts (also on 6.12.113's vmlinux BTF given a 32-byte header: kernel
# BTF alike); kbtf boot-test loads them normally (nothing forced) on the
# real Debian kernels under qemu and compares. KBTF_BOOT_ACCEL=tcg where
# KVM is there but broken.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

debfetch=$KBTF_ROOT/tests/lib/debfetch.sh
[ -x "$KBTF_FIXTURE" ] || t_skip_all "needs $KBTF_FIXTURE (make integration builds it)"
[ -d /usr/src/linux-headers-6.12.113+deb12-amd64 ] || t_skip_all "no 6.12.113 headers"
[ -d /usr/src/linux-headers-6.1.0-56-amd64 ] || t_skip_all "no 6.1.0-56 headers"
command -v jq >/dev/null || t_skip_all "no jq"
export XDG_CACHE_HOME=$t_tmp/xdg


k612=$(t_kernel_dir 6.12.113+deb12-amd64) || { t_fail "fetch 6.12.113"; t_done; }
k61=$(t_kernel_dir 6.1.0-56-amd64) || { t_fail "fetch 6.1.0-56"; t_done; }

# build NAME REL [BASE]: the example renamed NAME, built by kbtf for REL
build() {
	local d=$t_tmp/src/$1
	mkdir -p "$d"
	sed "s/kbtf_demo/$1/g" "$KBTF_ROOT/sdk/example/kbtf_demo.c" >"$d/$1.c"
	echo "obj-m := $1.o" >"$d/Kbuild"
	"$KBTF" build -q -k "$2" ${3:+--base "$3"} -C "$d" >"$d.log" 2>&1 || {
		tail -n 20 "$d.log"
		return 1
	}
}
ko() { echo "$t_tmp/$1.ko"; }
# widen NAME [--nonzero]: its .BTF (and .BTF.base) with 32-byte headers
widen() {
	"$KBTF_FIXTURE" widen "$t_tmp/src/$1/$1.ko" "$t_tmp/$1.ko" ${2:-}
}
for m in kbtf_hz612 kbtf_hn612; do
	t_check "kbtf build $m -k 6.12.113 (.BTF + .BTF.base)" build $m 6.12.113+deb12-amd64
done
for m in kbtf_hz61 kbtf_hn61; do
	t_check "kbtf build $m -k 6.1.0-56 (plain split .BTF)" build $m 6.1.0-56-amd64 "$k61"
done
[ "$t_failed" -eq 0 ] || t_done
t_check "fixture: 32-byte headers, layout fields zero (6.12 module, both sections)" \
	widen kbtf_hz612
t_check "fixture: 32-byte headers, .BTF's layout_off 1 (6.12 module)" widen kbtf_hn612 --nonzero
t_check "fixture: 32-byte header, layout fields zero (6.1 plain split)" widen kbtf_hz61
t_check "fixture: 32-byte header, layout_off 1 (6.1 plain split)" widen kbtf_hn61 --nonzero
[ "$t_failed" -eq 0 ] || t_done
"$KBTF" inspect --json "$t_tmp/kbtf_hz612.ko" >"$t_tmp/hz.json" 2>&1
t_check "inspect: the rewritten module's .BTF has a 32-byte header" \
	jq -e '[.. | objects | select(has("header_len")) | .header_len] | length > 0 and all(. == 32)' \
	"$t_tmp/hz.json"

# ------------------------------------------------------------ prediction
# verdict FILE NAME: the result of module NAME in a validate JSON report
verdict() {
	jq -r --arg m "$2" '.results[] | select(.module_name == $m) |
		.verdict + " " + ([.problems[]? | .reason + ": " + (.actual // "")] | join("; "))' "$1"
}
# t_verdict DESC FILE MODULE REGEX
t_verdict() {
	local got
	got=$(verdict "$2" "$3")
	if echo "$got" | grep -Eq -- "$4"; then
		t_ok "$1"
	else
		t_fail "$1 (got: $got; want /$4/)"
	fi
}
"$KBTF" validate "$(ko kbtf_hz612)" "$(ko kbtf_hn612)" --kernel "$k612" -f json \
	-o "$t_tmp/v612.json" 2>"$t_tmp/v612.err"
"$KBTF" validate "$(ko kbtf_hz61)" "$(ko kbtf_hn61)" --kernel "$k61" -f json \
	-o "$t_tmp/v61.json" 2>"$t_tmp/v61.err"
t_verdict "validate 6.12.113: zero layout fields, .BTF + .BTF.base read: ok" \
	"$t_tmp/v612.json" kbtf_hz612 '^ok'
t_verdict "validate 6.12.113: layout_off 1: btf-rejected, Unsupported btf_header" \
	"$t_tmp/v612.json" kbtf_hn612 '^btf-rejected .*Unsupported btf_header'
t_verdict "validate 6.1.0-56: zero layout fields, plain split on its kernel: ok" \
	"$t_tmp/v61.json" kbtf_hz61 '^ok'
t_verdict "validate 6.1.0-56: layout_off 1: btf-rejected, Unsupported btf_header" \
	"$t_tmp/v61.json" kbtf_hn61 '^btf-rejected .*Unsupported btf_header'

# kernel BTF alike: 6.12.113's vmlinux BTF with a 32-byte header, tail zero
vml=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
if objcopy --dump-section .BTF="$t_tmp/vml24.btf" "$vml" "$t_tmp/objcopy.out" 2>/dev/null; then
	{
		head -c 4 "$t_tmp/vml24.btf"
		printf '\x20\0\0\0'
		tail -c +9 "$t_tmp/vml24.btf" | head -c 16
		printf '\0\0\0\0\0\0\0\0'
		tail -c +25 "$t_tmp/vml24.btf"
	} >"$t_tmp/vml32.btf"
	"$KBTF" validate "$(ko kbtf_hz612)" "$(ko kbtf_hn612)" --kernel "$t_tmp/vml32.btf" \
		--no-symbols -f json -o "$t_tmp/v32.json" 2>"$t_tmp/v32.err"
	t_verdict "kernel BTF with a 32-byte header, tail zero: kbtf_hz612 ok on it" \
		"$t_tmp/v32.json" kbtf_hz612 '^ok'
	t_verdict "  ... and kbtf_hn612 btf-rejected (Unsupported btf_header)" \
		"$t_tmp/v32.json" kbtf_hn612 '^btf-rejected .*Unsupported btf_header'
else
	t_fail "objcopy .BTF out of $vml"
fi

# ------------------------------------------------------------ real boots
command -v qemu-system-x86_64 >/dev/null || {
	t_ok "SKIP real boots: no qemu-system-x86_64"
	t_done
}
[ -x "$KBTF_BUILD/kbtf-modload" ] || { t_fail "no $KBTF_BUILD/kbtf-modload (make)"; t_done; }
# KBTF_BOOT_ACCEL: tcg where /dev/kvm is there but does not work. Each kernel
# boots with the modules built for it.
boot() { # REPORT KERNEL MODULE...
	local out=$1 k=$2
	shift 2
	"$KBTF" boot-test "$@" --kernel "$k" --accel "${KBTF_BOOT_ACCEL:-auto}" --timeout 600 \
		--format json -o "$out"
}
t_exit 0 "boot-test (normal loads) on 6.12.113: both pairs agree" \
	boot "$t_tmp/b612.json" "$k612" "$(ko kbtf_hz612)" "$(ko kbtf_hn612)"
t_exit 0 "boot-test (normal loads) on 6.1.0-56: both pairs agree" \
	boot "$t_tmp/b61.json" "$k61" "$(ko kbtf_hz61)" "$(ko kbtf_hn61)"
for f in b612 b61; do
	[ -s "$t_tmp/$f.json" ] || { t_fail "no boot-test report $f"; t_done; }
	jq -r '.kernels[] | .release as $r | (.pairs[] | "   \($r) \(.module): predicted \(.predicted.verdict); " +
		(if .observed.loaded then "loaded, BTF " + (if .observed.btf_registered then "registered" else "absent" end)
		 else "refused (\(.observed.error))" end) + " -> \(.result)"),
		(.pairs[] | .observed.log[]? | select(test("BTF|btf")) | "     | " + .)' "$t_tmp/$f.json"
done
# bpair REPORT MODULE JQ-TEST
bpair() {
	jq -e --arg m "$2" ".kernels[0].pairs[] | select(.module == \$m) | $3" "$t_tmp/$1.json" >/dev/null
}
t_check "6.12.113 registers kbtf_hz612's BTF (/sys/kernel/btf/kbtf_hz612)" \
	bpair b612 kbtf_hz612 '.result == "agree" and .observed.loaded and .observed.btf_registered'
t_check "6.12.113 loads kbtf_hn612 without BTF, logging Unsupported btf_header" \
	bpair b612 kbtf_hn612 '.result == "agree" and .observed.loaded and (.observed.btf_registered | not) and
	any(.observed.log[]; test("BPF: Unsupported btf_header"))'
t_check "6.1.0-56 registers kbtf_hz61's BTF" \
	bpair b61 kbtf_hz61 '.result == "agree" and .observed.loaded and .observed.btf_registered'
t_check "6.1.0-56 loads kbtf_hn61 without BTF, logging Unsupported btf_header" \
	bpair b61 kbtf_hn61 '.result == "agree" and .observed.loaded and (.observed.btf_registered | not) and
	any(.observed.log[]; test("BPF: Unsupported btf_header"))'
t_done

#!/bin/bash
# test_boottest.sh: kbtf boot-test on real Debian kernels under qemu.
#
# Modules, all built against 6.12.113+deb12-amd64 and distilled by
# `kbtf build`: the SDK example (kbtf_demo), boot-test's fixture
# kbtf_bt_spin (spinlock_t by value, symbols every flavour exports), and
# two Debian DKMS modules: acpi-call (bookworm) and v4l2loopback (trixie;
# it needs videodev and mc from the kernel's own package).
# Kernels: 6.12.113 amd64 and rt, 6.12.117 amd64, 6.1.0-56 amd64, each the
# image package unpacked with the Module.symvers of its headers package
# (cached under $KBTF_TEST_CACHE/unpacked, like the .debs).
#
# Every kernel boots once per run below; all modules load in that boot.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

build_rel=6.12.113+deb12-amd64
kernels="6.12.113+deb12-amd64 6.12.113+deb12-rt-amd64 6.12.117+deb12-amd64 6.1.0-56-amd64"
headers=/usr/src/linux-headers-$build_rel
debfetch=$KBTF_ROOT/tests/lib/debfetch.sh

command -v qemu-system-x86_64 >/dev/null || t_skip_all "no qemu-system-x86_64 (qemu-system-x86)"
command -v jq >/dev/null || t_skip_all "no jq"
[ -d "$headers" ] || t_skip_all "no $headers"
[ -x "$KBTF_BUILD/kbtf-modload" ] || t_skip_all "no $KBTF_BUILD/kbtf-modload (make)"


# build_module NAME SRCDIR: copy, `kbtf build` against $build_rel, print the .ko path.
build_module() {
	local name=$1 src=$2 dst=$t_tmp/src/$1
	mkdir -p "$dst"
	cp -R "$src"/. "$dst"/
	"$KBTF" build -q -k "$build_rel" -C "$dst" >"$t_tmp/build-$name.log" 2>&1 || {
		tail -n 20 "$t_tmp/build-$name.log" >&2
		return 1
	}
	ls "$dst"/*.ko
}

# dkms_src SUITE PKG: the unpacked source directory of a Debian *-dkms package.
dkms_src() {
	local deb
	deb=$("$debfetch" "$1" "$2") || return 1
	mkdir -p "$t_tmp/dkms/$2"
	dpkg-deb -x "$deb" "$t_tmp/dkms/$2" || return 1
	ls -d "$t_tmp/dkms/$2"/usr/src/*/
}

# ---------------------------------------------------------------- setup
start=$(date +%s)
kargs=()
for rel in $kernels; do
	d=$(t_kernel_dir "$rel") || { t_fail "fetch and unpack $rel"; t_done; }
	kargs+=(--kernel "$d")
done
t_ok "4 Debian kernels unpacked ($(($(date +%s) - start)) s incl. fetch)"

start=$(date +%s)
demo=$(build_module kbtf_demo "$KBTF_ROOT/sdk/example") || t_fail "kbtf build: sdk/example"
spin=$(build_module kbtf_bt_spin "$KBTF_ROOT/tests/integration/boottest/kbtf_bt_spin") ||
	t_fail "kbtf build: kbtf_bt_spin"
acpi=$(build_module acpi_call "$(dkms_src bookworm acpi-call-dkms)") ||
	t_fail "kbtf build: acpi-call-dkms"
v4l2=$(build_module v4l2loopback "$(dkms_src trixie v4l2loopback-dkms)") ||
	t_fail "kbtf build: v4l2loopback-dkms"
[ "$t_failed" -eq 0 ] || t_done
t_ok "4 modules built and distilled ($(($(date +%s) - start)) s)"
for m in "$demo" "$spin" "$acpi" "$v4l2"; do
	t_check "$(basename "$m") has .BTF.base" sh -c "readelf -S -W '$m' | grep -q ' .BTF.base '"
done

# jq over the forced run's report: PAIR MODULE RELEASE prints that pair.
pair() {
	jq -c --arg m "$1" --arg r "$2" \
		'.kernels[] | select(.release == $r) | .pairs[] | select(.module == $m)' "$t_tmp/forced.json"
}

# t_pair DESC MODULE RELEASE JQ-TEST: passes when the pair satisfies the jq test.
t_pair() {
	local got
	got=$(pair "$2" "$3")
	if [ -n "$got" ] && echo "$got" | jq -e "$4" >/dev/null; then
		t_ok "$1"
	else
		t_fail "$1 ($4)"
		echo "$got" | jq . 2>/dev/null | head -n 40 | sed 's/^/    | /'
	fi
}

# ------------------------------------------------- forced: 4 x 4, one boot each
start=$(date +%s)
t_exit 0 "boot-test --force: 4 modules x 4 kernels, every pair agrees" \
	"$KBTF" boot-test "$demo" "$spin" "$acpi" "$v4l2" --force "${kargs[@]}" \
	--timeout 180 --format json -o "$t_tmp/forced.json"
forced_secs=$(($(date +%s) - start))
[ -s "$t_tmp/forced.json" ] || { t_fail "no report written"; t_done; }

echo "--- predicted vs observed (forced loads), $forced_secs s for 4 boots"
jq -r '.kernels[] | .release as $r | "\($r): \(.accel) boot \(.boot_ms) ms, /init at \(.init_ms) ms",
	(.pairs[] | "   \(.module): predicted \(.predicted.verdict); observed " +
	(if .observed.loaded then "loaded, BTF " + (if .observed.btf_registered then "registered" else "absent" end)
	 else "refused (\(.observed.error))" end) + " -> \(.result)")' "$t_tmp/forced.json"

t_check "16 pairs agree, none disagrees or is inconclusive" \
	jq -e '.summary == {"agree": 16, "disagree": 0, "inconclusive": 0}' "$t_tmp/forced.json"
t_check "every kernel booted to /init and powered off" \
	jq -e '[.kernels[].status] == ["ok", "ok", "ok", "ok"]' "$t_tmp/forced.json"
t_check "the guest ran the release that was asked for" \
	jq -e 'all(.kernels[]; .guest_release == .release)' "$t_tmp/forced.json"
t_check "v4l2loopback's dependencies (mc, videodev) loaded from each kernel's package" \
	jq -e 'all(.kernels[]; [.dependencies[] | select(.observed.loaded) | .module] | index("videodev") != null and index("mc") != null)' \
	"$t_tmp/forced.json"

# the key facts (issue 6)
t_pair "kbtf_demo on 6.12.113 amd64: predicted ok, loads, /sys/kernel/btf/kbtf_demo exists" \
	kbtf_demo 6.12.113+deb12-amd64 \
	'.predicted.verdict == "ok" and .observed.loaded and .observed.btf_registered'
t_pair "kbtf_bt_spin on 6.12.113 amd64: loads with BTF registered" \
	kbtf_bt_spin 6.12.113+deb12-amd64 '.observed.loaded and .observed.btf_registered'
# on rt even this module's struct module layout CRC (module_layout) differs:
# the verdict is symbols (forced past here); its BTF part must name spinlock
t_pair "kbtf_bt_spin on 6.12.113 rt: predicted BTF rejected naming spinlock" \
	kbtf_bt_spin 6.12.113+deb12-rt-amd64 \
	'(.predicted.btf_accepted | not) and (.predicted.detail | test("BTF: distilled base BTF type .spinlock."))'
t_pair "kbtf_bt_spin on 6.12.113 rt: loads, no module BTF, kernel logs spinlock not mapped" \
	kbtf_bt_spin 6.12.113+deb12-rt-amd64 \
	'.observed.loaded and (.observed.btf_registered | not) and
	 any(.observed.log[]; test("distilled base BTF type .spinlock. \\[[0-9]+\\] is not mapped"))'
# built against the non-rt headers, its CRCs differ on rt (verdict: symbols,
# forced past here); the BTF part of the prediction must still name spinlock
t_pair "kbtf_demo on 6.12.113 rt: predicted BTF rejected naming spinlock" \
	kbtf_demo 6.12.113+deb12-rt-amd64 \
	'(.predicted.btf_accepted | not) and (.predicted.detail | test("BTF: distilled base BTF type .spinlock."))'
t_pair "kbtf_demo on 6.12.113 rt: loads, no module BTF, kernel logs spinlock not mapped" \
	kbtf_demo 6.12.113+deb12-rt-amd64 \
	'.result == "agree" and .observed.loaded and (.observed.btf_registered | not) and
	 any(.observed.log[]; test("distilled base BTF type .spinlock. \\[[0-9]+\\] is not mapped"))'
t_pair "acpi_call on rt: relocates onto the rt kernel, BTF registered" \
	acpi_call 6.12.113+deb12-rt-amd64 '.observed.loaded and .observed.btf_registered'
t_pair "v4l2loopback on 6.12.113 amd64: loads after its dependencies, BTF registered" \
	v4l2loopback 6.12.113+deb12-amd64 '.observed.loaded and .observed.btf_registered'
t_pair "v4l2loopback on 6.12.117: forced past CRCs, relocates, BTF registered" \
	v4l2loopback 6.12.117+deb12-amd64 '.observed.loaded and .observed.btf_registered'
t_pair "kbtf_bt_spin on 6.1 (predates .BTF.base): .BTF misread and rejected, loads without BTF" \
	kbtf_bt_spin 6.1.0-56-amd64 \
	'(.predicted.detail | test("predates")) and .observed.loaded and (.observed.btf_registered | not) and
	 any(.observed.log[]; test("failed to validate module \\[kbtf_bt_spin\\] BTF"))'
t_pair "acpi_call on 6.1: 6.12-only symbols, refused even when forced" \
	acpi_call 6.1.0-56-amd64 '(.observed.loaded | not) and .observed.error == "ENOENT"'

# ------------------------------- not forced: the build identity checks count
t_exit 0 "boot-test without --force on 6.12.113 amd64 and rt agrees (junit)" \
	"$KBTF" boot-test "$spin" "$acpi" --kernel "$(t_kernel_dir 6.12.113+deb12-amd64)" \
	--kernel "$(t_kernel_dir 6.12.113+deb12-rt-amd64)" --timeout 180 --format junit \
	-o "$t_tmp/plain.xml"
t_grep "junit: 4 testcases, no failures" \
	'<testsuites name="kbtf boot-test" tests="4" failures="0" skipped="0">' "$t_tmp/plain.xml"
t_grep "junit: the build kernel loads both with BTF" \
	'predicted: ok; expected: loaded, BTF registered; observed: loaded, BTF registered' \
	"$t_tmp/plain.xml"
t_grep "junit: rt refuses them on struct module's layout CRC, before vermagic" \
	'acpi_call: disagrees about version of symbol module_layout' "$t_tmp/plain.xml"

# ------------- a normal load's kernel log, line for line (issue 15)
# The example built for 6.12.113 on 6.1.0-56, nothing forced: the loader
# stops at check_modstruct_version() and prints one line; kbtf validate's
# predicted kernel log must be exactly the lines the kernel printed.
k61=$(t_kernel_dir 6.1.0-56-amd64)
"$KBTF" validate "$demo" --kernel "$k61" --format json -o "$t_tmp/v61.json"
predicted=$(jq -r '.results[0].kernel_log' "$t_tmp/v61.json")
t_check "validate: kbtf_demo on 6.1.0-56 predicts one line, module_layout's" \
	test "$predicted" = "kbtf_demo: disagrees about version of symbol module_layout"
t_check "validate: the module_layout problem is the one the kernel reports first" \
	jq -e '[.results[0].problems[] | select(.kernel_reports_first) | .name] == ["module_layout"]' \
	"$t_tmp/v61.json"
t_check "validate: the report says the later steps did not run" \
	jq -e '.results[0].kernel_log_note | test("check_modstruct_version")' "$t_tmp/v61.json"
"$KBTF" boot-test "$demo" --kernel "$k61" --timeout 180 --format json -o "$t_tmp/n61.json"
rc=$?
[ "$rc" -eq 0 ] && t_ok "boot-test, normal load of kbtf_demo on 6.1.0-56: agrees (exit 0)" ||
	t_fail "boot-test, normal load on 6.1.0-56, exits $rc"
t_check "6.1.0-56 refused the normal load with Exec format error" \
	jq -e '.kernels[0].pairs[0].observed | (.loaded | not) and .error == "ENOEXEC"' "$t_tmp/n61.json"
observed=$(jq -r '.kernels[0].pairs[0].observed.log[]' "$t_tmp/n61.json" | t_dmesg_lines)
if [ -n "$observed" ] && [ "$observed" = "$predicted" ]; then
	t_ok "the kernel printed exactly the predicted log ($(echo "$observed" | wc -l) line)"
else
	t_fail "predicted and real kernel log differ"
	diff <(echo "$predicted") <(echo "$observed") | sed 's/^/    | /'
fi

# ------------- built for 6.1 (predates .BTF.base): plain split vs distilled
# The example built against the 6.1.0-56 headers twice: as kbtf builds for
# 6.1 unasked (a plain split: 6.1 ignores .BTF.base) and with --distilled,
# renamed so both load in one boot. 6.1 reads .BTF on its own vmlinux: only
# the plain split is registered.
mkdir -p "$t_tmp/src61/dist" "$t_tmp/src61/plain"
for v in dist plain; do
	sed "s/kbtf_demo/kbtf_demo_$v/g" "$KBTF_ROOT/sdk/example/kbtf_demo.c" \
		>"$t_tmp/src61/$v/kbtf_demo_$v.c"
	echo "obj-m := kbtf_demo_$v.o" >"$t_tmp/src61/$v/Kbuild"
done
k61=$(t_kernel_dir 6.1.0-56-amd64)
t_check "kbtf build -k 6.1.0-56-amd64 --distilled" \
	"$KBTF" build -q -k 6.1.0-56-amd64 --base "$k61" -C "$t_tmp/src61/dist" --distilled
t_check "kbtf build -k 6.1.0-56-amd64 (no option: the form is picked by the release)" \
	"$KBTF" build -q -k 6.1.0-56-amd64 --base "$k61" -C "$t_tmp/src61/plain"
t_check "  ... it picked the plain split: .BTF and no .BTF.base" sh -c \
	"readelf -S -W '$t_tmp/src61/plain/kbtf_demo_plain.ko' | grep -q ' .BTF ' &&
	 ! readelf -S -W '$t_tmp/src61/plain/kbtf_demo_plain.ko' | grep -q ' .BTF.base '"
"$KBTF" boot-test "$t_tmp/src61/dist/kbtf_demo_dist.ko" "$t_tmp/src61/plain/kbtf_demo_plain.ko" \
	--kernel "$(t_kernel_dir 6.1.0-56-amd64)" --timeout 180 --format json -o "$t_tmp/b61.json"
rc=$?
[ "$rc" -eq 0 ] && t_ok "boot-test on 6.1.0-56: both predictions agree (exit 0)" ||
	t_fail "boot-test on 6.1.0-56 exits $rc"
p61() { jq -c --arg m "$1" '.kernels[0].pairs[] | select(.module == $m)' "$t_tmp/b61.json"; }
p61 kbtf_demo_plain | jq -e '.predicted.verdict == "ok" and .observed.loaded and
	.observed.btf_registered' >/dev/null &&
	t_ok "6.1: the plain split loads and /sys/kernel/btf/kbtf_demo_plain exists" ||
	t_fail "6.1 plain split: $(p61 kbtf_demo_plain)"
p61 kbtf_demo_dist | jq -e '.predicted.verdict == "no-distilled-support" and .observed.loaded and
	(.observed.btf_registered | not)' >/dev/null &&
	t_ok "6.1: the distilled one loads without BTF, as predicted" ||
	t_fail "6.1 distilled: $(p61 kbtf_demo_dist)"

# ------------------------- a wrong prediction is caught: lie about the config
liar=$t_tmp/liar
rt=$(t_kernel_dir 6.12.113+deb12-rt-amd64)
mkdir -p "$liar/boot" "$liar/usr/src"
ln -s "$rt"/boot/vmlinuz-* "$liar/boot/"
ln -s "$rt/usr/src/linux-headers-6.12.113+deb12-rt-amd64" "$liar/usr/src/"
sed 's/^CONFIG_MODULE_ALLOW_BTF_MISMATCH=y/# CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set/' \
	"$rt/boot/config-6.12.113+deb12-rt-amd64" >"$liar/boot/config-6.12.113+deb12-rt-amd64"
t_exit 1 "a prediction from a false config (BTF mismatch refuses) disagrees: exit 1" \
	"$KBTF" boot-test "$spin" --force --kernel "$liar" --timeout 180 -o "$t_tmp/liar.txt"
t_grep "the disagreement is reported loudly" '^  !!! DISAGREE: expected the load to fail, it succeeded' \
	"$t_tmp/liar.txt"

# ------------------------------------------------------------- bad usage
t_exit 2 "no --kernel: usage error" "$KBTF" boot-test "$spin"
t_exit 2 "a module that is not there: bad input" "$KBTF" boot-test "$t_tmp/nope.ko" \
	--kernel "$rt"
t_exit 2 "a kernel without a boot image is not booted; none left: exit 2" \
	"$KBTF" boot-test "$spin" --kernel "$headers/vmlinux"

t_done

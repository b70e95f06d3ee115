#!/bin/bash
# test_kernel_log.sh: the kernel's log of a normal load (nothing forced),
# line for line, on real Debian kernels under qemu (issue 15 item 3).
#
# kbtf validate predicts the lines load_module() prints, in its order:
# module_layout's CRC, vermagic, the out-of-tree taint and unsigned-module
# notices (each once per boot), every symbol in symbol-table order, then
# the BTF step. kbtf boot-test loads several modules in one boot and
# compares each load's dmesg with that prediction exactly, less the
# once-per-boot lines an earlier module of the boot printed.
#
# Modules: the SDK example and boot-test fixtures built with `kbtf build`,
# some with one fact changed in place by tests/integration/boottest/craft.py
# (a __versions CRC, the vermagic, a struct size in .BTF.base), so that
# each one meets exactly one obstacle. Two boots: 6.12.113+deb12-amd64 and
# 6.1.0-56-amd64 (both CONFIG_MODULE_ALLOW_BTF_MISMATCH=y, MODULE_SIG=y not
# forced).
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

r612=6.12.113+deb12-amd64
r61=6.1.0-56-amd64
craft=$KBTF_ROOT/tests/integration/boottest/craft.py
fixtures=$KBTF_ROOT/tests/integration/boottest

command -v qemu-system-x86_64 >/dev/null || t_skip_all "no qemu-system-x86_64 (qemu-system-x86)"
command -v jq >/dev/null || t_skip_all "no jq"
command -v python3 >/dev/null || t_skip_all "no python3"
for r in $r612 $r61; do
	[ -d "/usr/src/linux-headers-$r" ] || t_skip_all "no /usr/src/linux-headers-$r"
done
[ -x "$KBTF_BUILD/kbtf-modload" ] || t_skip_all "no $KBTF_BUILD/kbtf-modload (make)"

# module NAME SRC.c RELEASE [kbtf build options]: the source copied with its
# module name changed to NAME, built; prints the .ko path.
module() {
	local name=$1 src=$2 rel=$3 dst=$t_tmp/src/$1 old
	shift 3
	old=$(basename "$src" .c)
	mkdir -p "$dst"
	sed "s/$old/$name/g" "$src" >"$dst/$name.c"
	echo "obj-m := $name.o" >"$dst/Kbuild"
	KBUILD_MODPOST_WARN=1 "$KBTF" build -q -k "$rel" -C "$dst" "$@" >"$t_tmp/build-$name.log" 2>&1 || {
		tail -n 20 "$t_tmp/build-$name.log" >&2
		return 1
	}
	echo "$dst/$name.ko"
}

# ---------------------------------------------------------------- setup
k612=$(t_kernel_dir $r612) || { t_fail "fetch and unpack $r612"; t_done; }
k61=$(t_kernel_dir $r61) || { t_fail "fetch and unpack $r61"; t_done; }
demo_src=$KBTF_ROOT/sdk/example/kbtf_demo.c
start=$(date +%s)
demo=$(module kbtf_demo "$demo_src" $r612) &&
	unknown=$(module kbtf_bt_unknown "$fixtures/kbtf_bt_unknown/kbtf_bt_unknown.c" $r612) &&
	crc=$(module kbtf_demo_crc "$demo_src" $r612) &&
	magic=$(module kbtf_demo_magic "$demo_src" $r612) &&
	spinb=$(module kbtf_bt_spinb "$fixtures/kbtf_bt_spin/kbtf_bt_spin.c" $r612) &&
	spin=$(module kbtf_bt_spin "$fixtures/kbtf_bt_spin/kbtf_bt_spin.c" $r612) &&
	unknown61=$(module kbtf_bt_unknown61 "$fixtures/kbtf_bt_unknown/kbtf_bt_unknown.c" $r61 --base "$k61") &&
	crc61=$(module kbtf_demo_crc61 "$demo_src" $r61 --base "$k61") &&
	plain61=$(module kbtf_demo_plain61 "$demo_src" $r61 --base "$k61") &&
	dist61=$(module kbtf_demo_dist61 "$demo_src" $r61 --base "$k61" --distilled) ||
	{ t_fail "kbtf build of the fixtures"; t_done; }
t_ok "10 modules built ($(($(date +%s) - start)) s)"

# one obstacle each, changed in place
t_check "craft: kbtf_demo_crc's CRCs of skb_put and kfree differ from the kernel's" \
	sh -c "python3 '$craft' crc '$crc' skb_put && python3 '$craft' crc '$crc' kfree"
t_check "craft: kbtf_demo_crc61's CRC of skb_put differs" python3 "$craft" crc "$crc61" skb_put
t_check "craft: kbtf_demo_magic's vermagic says preemqt" \
	python3 "$craft" vermagic "$magic" "preempt " "preemqt "
t_check "craft: kbtf_bt_spinb's .BTF.base records struct spinlock 4 bytes too big" \
	python3 "$craft" btf-size "$spinb" .BTF.base spinlock 4

# ------------------------------------------------ the prediction alone
# v MODULE KERNEL: kbtf validate's JSON result for the pair
v() {
	"$KBTF" validate "$1" --kernel "$2" --format json -o "$t_tmp/v.json" 2>/dev/null
	jq -c '.results[0]' "$t_tmp/v.json"
}

got=$(v "$demo" "$k612" | jq -r '.kernel_log')
want="kbtf_demo: loading out-of-tree module taints kernel.
kbtf_demo: module verification failed: signature and/or required key missing - tainting kernel"
[ "$got" = "$want" ] && t_ok "validate: an ok load of an unsigned out-of-tree module prints the taint line, then the signature notice" ||
	{ t_fail "validate: kbtf_demo's kernel log on $r612"; diff <(echo "$want") <(echo "$got") | sed 's/^/    | /'; }
res=$(v "$crc" "$k612")
got=$(echo "$res" | jq -r '.kernel_log' | grep -v taint)
want="kbtf_demo_crc: disagrees about version of symbol skb_put
kbtf_demo_crc: Unknown symbol skb_put (err -22)
kbtf_demo_crc: disagrees about version of symbol kfree
kbtf_demo_crc: Unknown symbol kfree (err -22)"
[ "$got" = "$want" ] && t_ok "validate: CRC refusals in symbol-table order (skb_put before kfree), two lines each" ||
	{ t_fail "validate: kbtf_demo_crc's kernel log"; diff <(echo "$want") <(echo "$got") | sed 's/^/    | /'; }
t_check "validate: the first symbol in the symbol table is the one the kernel reports first" \
	jq -e '[.problems[] | select(.kernel_reports_first) | .name] == ["skb_put"]' <<<"$res"
t_check "validate: the note says which lines a boot prints once" \
	jq -e '.kernel_log_note | test("once per boot")' <<<"$res"
got=$(v "$magic" "$k612" | jq -r '.kernel_log')
t_check "validate: a vermagic refusal prints its one line and no taint line" \
	test "$got" = "kbtf_demo_magic: version magic '$r612 SMP preemqt mod_unload modversions ' should be '$r612 SMP preempt mod_unload modversions '"

# ---------------------------------------- the real kernels, line for line
# boot RELEASE-DIR OUT MODULES...: one boot, every pair agreeing, exit 0
boot() {
	local kdir=$1 out=$2 rc
	shift 2
	"$KBTF" boot-test "$@" --kernel "$kdir" --timeout 180 --format json -o "$out"
	rc=$?
	[ "$rc" -eq 0 ] && t_ok "boot-test on $(basename "$kdir"): $# modules in one boot, every pair agrees (exit 0)" ||
		t_fail "boot-test on $(basename "$kdir") exits $rc"
	jq -r '.kernels[0].pairs[] | "   \(.module): \(.predicted.verdict) -> \(.result) (\(.why))",
		(.observed.log[] | "      | " + .)' "$out"
}
# lines OUT MODULE: the pair's predicted (expected) and observed lines, the
# observed without timestamps
expected() { jq -r --arg m "$2" '.kernels[0].pairs[] | select(.module == $m) | .expected.log[]?' "$1"; }
observed() {
	jq -r --arg m "$2" '.kernels[0].pairs[] | select(.module == $m) | .observed.log[]' "$1" | t_dmesg_lines
}
# same OUT MODULE DESC [N]: the first N (default all) observed lines are the expected ones
same() {
	local exp obs n=${4:-}
	exp=$(expected "$1" "$2")
	obs=$(observed "$1" "$2")
	[ -n "$n" ] && obs=$(echo "$obs" | head -n "$n")
	if jq -e --arg m "$2" '.kernels[0].pairs[] | select(.module == $m) | .expected.log != null' "$1" >/dev/null &&
		[ "$exp" = "$obs" ]; then
		t_ok "$3"
	else
		t_fail "$3"
		diff <(echo "$exp") <(echo "$obs") | sed 's/^/    | /'
	fi
}

start=$(date +%s)
boot "$k612" "$t_tmp/b612.json" "$demo" "$unknown" "$crc" "$magic" "$spinb" "$spin"
echo "--- 6.12.113 boot and loads: $(($(date +%s) - start)) s"
t_check "6.12.113: 6 pairs agree" jq -e '.summary == {"agree": 6, "disagree": 0, "inconclusive": 0}' "$t_tmp/b612.json"
same "$t_tmp/b612.json" kbtf_demo "6.12.113, ok load (first module): out-of-tree taint, then the signature notice, then its own init output" 2
t_check "  ... and the ok load is really loaded with its BTF registered" \
	jq -e '.kernels[0].pairs[0].observed | .loaded and .btf_registered' "$t_tmp/b612.json"
same "$t_tmp/b612.json" kbtf_bt_unknown "6.12.113, unknown symbols: 'Unknown symbol ... (err -2)' for each, in symbol-table order; no taint line twice in a boot"
same "$t_tmp/b612.json" kbtf_demo_crc "6.12.113, plain CRC refusal (module_layout equal): two lines per symbol, in symbol-table order"
same "$t_tmp/b612.json" kbtf_demo_magic "6.12.113, vermagic refusal: its one line"
same "$t_tmp/b612.json" kbtf_bt_spinb "6.12.113, BTF rejected with ALLOW_BTF_MISMATCH=y: relocation line, then the once-per-boot mismatch line" 2
t_check "  ... and the module loaded without BTF" \
	jq -e '.kernels[0].pairs[] | select(.module == "kbtf_bt_spinb") | .observed | .loaded and (.btf_registered | not)' "$t_tmp/b612.json"
t_check "6.12.113: the refusals have the errno the kernel gives (ENOENT, EINVAL, ENOEXEC)" \
	jq -e '[.kernels[0].pairs[1,2,3].observed.error] == ["ENOENT", "EINVAL", "ENOEXEC"]' "$t_tmp/b612.json"

start=$(date +%s)
boot "$k61" "$t_tmp/b61.json" "$unknown61" "$demo" "$crc61" "$plain61" "$dist61"
echo "--- 6.1.0-56 boot and loads: $(($(date +%s) - start)) s"
t_check "6.1.0-56: 5 pairs agree" jq -e '.summary == {"agree": 5, "disagree": 0, "inconclusive": 0}' "$t_tmp/b61.json"
same "$t_tmp/b61.json" kbtf_bt_unknown61 "6.1.0-56, unknown symbols as the first module: taint line, signature notice, then the symbols"
same "$t_tmp/b61.json" kbtf_demo "6.1.0-56, module_layout refusal (built for 6.12.113): exactly one line"
same "$t_tmp/b61.json" kbtf_demo_crc61 "6.1.0-56, plain CRC refusal: its two lines"
t_check "6.1.0-56, the plain split built for it loads, BTF registered, no loader line" \
	jq -e '.kernels[0].pairs[] | select(.module == "kbtf_demo_plain61") | .expected.log == [] and .observed.loaded and .observed.btf_registered' "$t_tmp/b61.json"
t_check "6.1.0-56, a distilled module (6.1 predates .BTF.base): 'failed to validate module' even with ALLOW_BTF_MISMATCH=y, loads without BTF" \
	jq -e '.kernels[0].pairs[] | select(.module == "kbtf_demo_dist61") | (.expected.log == ["failed to validate module [kbtf_demo_dist61] BTF: -22"]) and .observed.loaded and (.observed.btf_registered | not) and any(.observed.log[]; test("\\] failed to validate module \\[kbtf_demo_dist61\\] BTF: -22$"))' "$t_tmp/b61.json"

# ------------------------------------------- a wrong line is a disagreement
# The same 6.12.113 boot with the modules in another order: were the
# once-per-boot lines not dropped for later modules, or a line missing,
# boot-test would say so; here it must still agree (the taint lines move
# to the first module of this order).
boot "$k612" "$t_tmp/b612r.json" "$crc" "$demo"
same "$t_tmp/b612r.json" kbtf_demo_crc "6.12.113, CRC refusal as the first module: taint and signature lines first, then the symbols"
t_check "  ... and the ok load after it prints no loader line at all" \
	jq -e '.kernels[0].pairs[] | select(.module == "kbtf_demo") | .expected.log == []' "$t_tmp/b612r.json"

t_done

#!/bin/bash
# test_validate.sh: kbtf validate on real Debian kernels and modules.
#
# The example module (kbtf_demo, embeds spinlock_t) is built and distilled
# against 6.12.113+deb12-amd64 and validated against four Debian kernels,
# stored once as profiles in $KBTF_TEST_CACHE/validate-xdg:
#   6.12.113+deb12-amd64                 ok
#   6.12.113+deb12-cloud-amd64           layout-conflict: dev_put() reads
#                                        net_device.pcpu_refcnt at 1384;
#                                        cloud's config has it at 1336
#   6.12.113+deb12-rt-amd64              btf-rejected, naming spinlock
#   6.1.0-56-amd64                       no-distilled-support; with its
#                                        Module.symvers also symbols
# Then a differential test against libbpf 1.5 (tests/oracle btfo): the
# example plus Debian's e1000e, xfs and wireguard (distilled by kbtf) on
# every kernel: same accepted/rejected, and kbtf names the type libbpf names.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

release=6.12.113+deb12-amd64
hdr=/usr/src/linux-headers-$release
[ -d "$hdr" ] || t_skip_all "needs $hdr (.ci/debian-packages.txt)"
command -v jq >/dev/null || t_skip_all "needs jq"

fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "$@"; }
kernels="6.12.113+deb12-amd64 6.12.113+deb12-cloud-amd64 6.12.113+deb12-rt-amd64 6.1.0-56-amd64"
export XDG_CACHE_HOME=$KBTF_TEST_CACHE/validate-xdg
store=$XDG_CACHE_HOME/kbtf/kernels

# ------------------------------------------------------------ inputs

for rel in $kernels; do
	[ -f "$store/$rel/kbtf-profile" ] && continue
	deb=$(fetch "linux-image-$rel") || { t_fail "fetch linux-image-$rel"; t_done; }
	"$KBTF" kernels add "$deb" >/dev/null 2>&1 || { t_fail "kernels add $deb"; t_done; }
done
t_ok "four Debian kernels stored as profiles"

# Module.symvers straight from the headers packages, not from this host
symvers() {
	local rel=$1 deb
	deb=$(fetch "linux-headers-$rel") || return 1
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-headers-$rel/Module.symvers"
}
symvers 6.1.0-56-amd64 >"$t_tmp/symvers-6.1" && [ -s "$t_tmp/symvers-6.1" ] ||
	{ t_fail "Module.symvers of 6.1.0-56-amd64"; t_done; }
symvers "$release" >"$t_tmp/symvers-6.12" && [ -s "$t_tmp/symvers-6.12" ] ||
	{ t_fail "Module.symvers of $release"; t_done; }

mkdir -p "$t_tmp/demo"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$t_tmp/demo/"
t_check "build and distill the example against $release" \
	"$KBTF" build -k "$release" -C "$t_tmp/demo" || t_done
demo=$t_tmp/demo/kbtf_demo.ko

# validate MOD KERNEL-SET [ARGS...] -> $t_tmp/out.json, exit status in $rc
validate() {
	local mod=$1 set=$2
	shift 2
	"$KBTF" validate "$mod" --kernels "$set" -f json -o "$t_tmp/out.json" "$@" \
		2>"$t_tmp/err"
	rc=$?
}
# jqt DESC FILTER: passes when FILTER is true on the last report
jqt() {
	if jq -e "$2" "$t_tmp/out.json" >/dev/null 2>&1; then
		t_ok "$1"
	else
		t_fail "$1 (jq: $2)"
		jq -c '.results[] | {release, verdict, summary, problems: [.problems[] | [.kind, .name, .reason]]}' \
			"$t_tmp/out.json" 2>&1 | head -n 10 | sed 's/^/    | /'
		sed 's/^/    | /' "$t_tmp/err" | head -n 5
	fi
}

# ------------------------------------------------------------ verdicts

validate "$demo" 6.12.113+deb12-amd64 --no-symbols
[ "$rc" -eq 0 ] && t_ok "ok pair exits 0" || t_fail "ok pair exits 0 (got $rc)"
jqt "ok on 6.12.113+deb12-amd64" '.results[0].verdict == "ok" and .results[0].load == "loads"'
jqt "relocation simulated and accepted" '.results[0].relocation.ok == true'

validate "$demo" 6.12.113+deb12-cloud-amd64 --no-symbols
# the BTF relocates, and the access record knows dev_put()'s
# this_cpu_dec(*dev->pcpu_refcnt): cloud's config lays net_device out apart
jqt "layout-conflict on 6.12.113+deb12-cloud-amd64 (loads, BTF relocates)" \
	'.results[0].verdict == "layout-conflict" and .results[0].load == "loads"'
jqt "cloud: net_device.pcpu_refcnt moved, read in dev_put() at kbtf_demo.c's line" \
	'[.results[0].problems[] | select(.reason == "member-moved" and (.expected | startswith("struct net_device.pcpu_refcnt:"))) | .detail | test("kbtf_demo.c:[0-9]+, in dev_put\\) reads `struct net_device.pcpu_refcnt` at offset 1384; on 6.12.113\\+deb12-cloud-amd64 it is at 1336")] | any'
jqt "cloud: pointer layout drift reported as info (from the module's layout record)" \
	'[.results[0].warnings[] | select(.kind == "layout-drift-pointer" and .severity == "info")] | length == 1'

validate "$demo" 6.12.113+deb12-rt-amd64 --no-symbols
[ "$rc" -eq 1 ] && t_ok "rejected pair exits 1" || t_fail "rejected pair exits 1 (got $rc)"
jqt "btf-rejected on -rt-amd64" '.results[0].verdict == "btf-rejected"'
jqt "rt: spinlock named, size mismatch, the kernel's first" \
	'[.results[0].problems[] | select(.kind == "btf" and .name == "spinlock" and .reason == "size-mismatch" and .kernel_reports_first)] | length == 1'
jqt "rt: both sides' sizes given" \
	'[.results[0].problems[] | select(.name == "spinlock") | (.expected | test("4 bytes")) and (.actual | test("32 bytes"))] | all'
jqt "rt: the kernel's own message" \
	".results[0].kernel_log | test(\"distilled base BTF type 'spinlock' \\\\[[0-9]+\\\\] is not mapped to base BTF id\")"
jqt "rt: MODULE_ALLOW_BTF_MISMATCH=y, so it loads without BTF" \
	'.results[0].load == "loads-without-btf" and .results[0].allow_btf_mismatch == true'

validate "$demo" 6.1.0-56-amd64 --no-symbols
jqt "no-distilled-support on 6.1.0-56-amd64" '.results[0].verdict == "no-distilled-support"'
jqt "6.1: says what the kernel does with .BTF instead" \
	'.results[0].problems[0].detail | test("parses .BTF as split BTF on its own vmlinux")'

validate "$demo" 6.1.0-56-amd64 --symvers "$t_tmp/symvers-6.1"
jqt "with 6.1.0-56's Module.symvers: symbols" '.results[0].verdict == "symbols"'
jqt "6.1: names a symbol 6.1 does not export" \
	'[.results[0].problems[] | select(.kind == "symbol" and .reason == "unresolved" and .name == "__kmalloc_cache_noprof")] | length == 1'
jqt "6.1: the module's side of an unresolved symbol: it imports it" \
	'[.results[0].problems[] | select(.reason == "unresolved") | .expected | test("^imports it")] | length > 0 and all'
for fmt in text junit md html; do
	"$KBTF" validate "$demo" --kernels 6.1.0-56-amd64 --symvers "$t_tmp/symvers-6.1" \
		-f "$fmt" -o "$t_tmp/sym.$fmt" 2>/dev/null
	if grep -q "imports it (an undefined symbol the module calls or uses)" "$t_tmp/sym.$fmt" &&
		! grep -q "exported (the module" "$t_tmp/sym.$fmt"; then
		t_ok "6.1, $fmt report: the module imports __kmalloc_cache_noprof, not exports it"
	else
		t_fail "6.1, $fmt report: the module's side of an unresolved symbol"
		grep -m 3 -B1 -A1 "__kmalloc_cache_noprof" "$t_tmp/sym.$fmt" | sed 's/^/    | /'
	fi
done
jqt "6.1: CRC mismatches with both CRCs" \
	'[.results[0].problems[] | select(.reason == "crc-mismatch" and (.expected | test("0x")) and (.actual | test("0x")))] | length > 0'
jqt "6.1: the BTF problem is kept beside the symbol problems" \
	'[.results[0].problems[] | select(.kind == "btf" and .reason == "no-distilled-support")] | length == 1'

validate "$demo" 6.12.113+deb12-amd64 --symvers "$t_tmp/symvers-6.12"
jqt "own kernel's Module.symvers: every symbol resolves, CRCs equal" \
	'.results[0].verdict == "ok" and ([.results[0].problems[] | select(.kind == "symbol")] | length == 0)'

# A profile stored from the image alone has no Module.symvers: its exports
# and CRCs are derived from the boot image and the in-tree modules, and
# the report says where the symbols were checked against.
validate "$demo" 6.12.113+deb12-rt-amd64
jqt "image alone: symbols checked against the exports derived from it, and said so" \
	'([.results[0].warnings[] | select(.kind == "symbols-derived")] | length == 1) and
	 ([.results[0].warnings[] | select(.kind == "symbols-not-checked")] | length == 0)'
# Raw BTF has no export list at all: a warning, not a silent pass.
objcopy -O binary --only-section=.BTF "$hdr/vmlinux" "$t_tmp/raw612.btf"
"$KBTF" validate "$demo" --kernel "$t_tmp/raw612.btf" -f json -o "$t_tmp/out.json" 2>/dev/null
jqt "no export list: 'symbols not checked' warning, not a silent pass" \
	'([.results[0].warnings[] | select(.kind == "symbols-not-checked")] | length == 1) and
	 .results[0].verdict == "ok-unchecked"'

# ------------------------------------------------------------ architectures
# Raw BTF names no architecture (no ELF header): the kernel is paired with
# every module, and each report says per pair that the ELF machine check
# (which refuses a module of another architecture) was not made.
# (raw612.btf, made above)
"$KBTF" validate "$demo" --kernel "$t_tmp/raw612.btf" --symvers "$t_tmp/symvers-6.12" \
	-o "$t_tmp/raw.json" -o "$t_tmp/raw.txt" -o "$t_tmp/raw.md" -o "$t_tmp/raw.html" >/dev/null 2>&1
jq -e '.results[0] | .unchecked == ["vermagic", "arch"] and .verdict == "ok-unchecked" and
	([.causes[].code] | index("unchecked-arch") != null)' "$t_tmp/raw.json" >/dev/null &&
	t_ok "raw BTF kernel: json says arch unchecked (ok-unchecked, cause unchecked-arch)" ||
	t_fail "raw BTF kernel: json $(jq -c '.results[0] | [.verdict, .unchecked, [.causes[].code]]' "$t_tmp/raw.json")"
t_grep "raw BTF kernel: text says arch unchecked" '^  unchecked: vermagic, arch' "$t_tmp/raw.txt"
t_grep "raw BTF kernel: md says arch unchecked" 'unchecked: \*\*vermagic, arch\*\*' "$t_tmp/raw.md"
t_grep "raw BTF kernel: html says arch unchecked" '<b>unchecked</b>: vermagic, arch' "$t_tmp/raw.html"
# --no-symbols skips vermagic and symbols: the pair is ok, and still says it
"$KBTF" validate "$demo" --kernel "$t_tmp/raw612.btf" --no-symbols -o "$t_tmp/rawok.json" \
	-o "$t_tmp/rawok.txt" >/dev/null 2>&1
jq -e '.results[0] | .verdict == "ok" and (.unchecked | index("arch") != null)' "$t_tmp/rawok.json" >/dev/null &&
	t_ok "raw BTF kernel, --no-symbols: ok, with arch unchecked" ||
	t_fail "raw BTF kernel, --no-symbols: $(jq -c '.results[0] | [.verdict, .unchecked]' "$t_tmp/rawok.json")"
t_grep "... and the text report shows that ok pair, saying so" \
	'^  unchecked: symbols, vermagic, arch \(--no-symbols\); to check: supply a kernel source that names its architecture' \
	"$t_tmp/rawok.txt"
t_grep "raw BTF kernel: the cause's fix says what to give" \
	"architecture is unknown \(raw BTF carries none\)" "$t_tmp/raw.txt"
schema_ok() { # REPORT.json: valid against docs/kbtf-report.schema.json
	python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])),
	cls=jsonschema.Draft202012Validator)' "$KBTF_ROOT/docs/kbtf-report.schema.json" "$1"
}
if python3 -c 'import jsonschema' 2>/dev/null; then
	t_check "raw BTF kernel: the report validates against the schema" schema_ok "$t_tmp/raw.json"
fi

# A baseline from a kbtf before architecture pairing judged the module on
# an arm64 kernel too (the loader refuses it: elf-rejected). Such a report
# is made here from this run's own amd64 pair, renamed to the arm64
# kernel; this run does not pair them: "unpaired", not "gone".
arm=6.12.113+deb12-arm64
if armdeb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm:arm64 "linux-image-$arm" 2>/dev/null); then
	"$KBTF" validate "$demo" --kernels "$release" --no-symbols -f json -o "$t_tmp/now.json" >/dev/null 2>&1
	jq --arg arm "$arm" --arg src "$armdeb" '.results += [.results[0] | .release = $arm |
		.source = $src | .verdict = "elf-rejected"]' "$t_tmp/now.json" >"$t_tmp/old.json"
	"$KBTF" validate "$demo" --kernels "$release" --kernel "$armdeb" --no-symbols \
		--baseline "$t_tmp/old.json" -o "$t_tmp/bl.json" -o "$t_tmp/bl.txt" -o "$t_tmp/bl.md" \
		-o "$t_tmp/bl.html" >/dev/null 2>&1
	jq -e --arg arm "$arm" '.baseline.changes == [{"change": "unpaired", "module": "kbtf_demo",
		"kernel": $arm, "was": "elf-rejected", "now": null}] and .baseline.unchanged == 1' \
		"$t_tmp/bl.json" >/dev/null &&
		t_ok "baseline from before arch pairing: the arm64 pair is unpaired (json)" ||
		t_fail "baseline: $(jq -c .baseline "$t_tmp/bl.json")"
	t_grep "... text: no longer paired (other architecture), not gone" \
		"^  unpaired  kbtf_demo on ${arm//+/\\+}: elf-rejected -> no longer paired \(other architecture\)$" \
		"$t_tmp/bl.txt"
	t_grep "... md" "^\| unpaired \| kbtf\\\\_demo \| ${arm//+/\\+} \| elf-rejected \| no longer paired" "$t_tmp/bl.md"
	t_grep "... html" '<tr class="unpaired"><td>unpaired</td>' "$t_tmp/bl.html"
	if grep -q gone "$t_tmp/bl.txt"; then t_fail "... and nothing is gone"; else t_ok "... and nothing is gone"; fi
	if python3 -c 'import jsonschema' 2>/dev/null; then
		t_check "... the report validates against the schema" schema_ok "$t_tmp/bl.json"
	fi
else
	t_ok "linux-image-$arm (arm64) not fetchable: baseline arch check skipped"
fi

# A baseline that lists this run's pair twice (a merged report): the
# pair is held against its first listing, the second is gone, as is a
# pair of a kernel this run does not have (baseline pairs are found by
# module and kernel through a sorted index, not a scan per pair)
"$KBTF" validate "$demo" --kernels "$release" --no-symbols -f json -o "$t_tmp/now.json" >/dev/null 2>&1
jq '.results = [(.results[0] | .verdict = "error"), .results[0],
	(.results[0] | .release = "9.9.9-other" | .source = "/nowhere/9.9.9-other")]' \
	"$t_tmp/now.json" >"$t_tmp/dup.json"
"$KBTF" validate "$demo" --kernels "$release" --no-symbols --baseline "$t_tmp/dup.json" \
	-f json -o "$t_tmp/dupbl.json" >/dev/null 2>&1
if jq -e --arg rel "$release" '.baseline.changes as $c | .baseline.unchanged == 0 and
	([$c[].change] | sort) == ["better", "gone", "gone"] and
	($c[] | select(.change == "better") | .was == "error" and .kernel == $rel) and
	([$c[] | select(.change == "gone") | .kernel] | sort) == ([$rel, "9.9.9-other"] | sort)' \
	"$t_tmp/dupbl.json" >/dev/null; then
	t_ok "baseline listing a pair twice: held against the first, the second gone"
else
	t_fail "baseline with a pair twice: $(jq -c .baseline "$t_tmp/dupbl.json")"
fi

# ------------------------------------------------------------ command and reports

set_all=$(echo $kernels | tr ' ' ',')
t_exit 1 "matrix with a rejected pair exits 1" \
	"$KBTF" validate "$demo" --kernels "$set_all" --no-symbols -o "$t_tmp/out.txt"
t_grep "text: one line per pair" "^kbtf_demo +6\\.12\\.113\\+deb12-rt-amd64 +btf-rejected" "$t_tmp/out.txt"
"$KBTF" validate "$t_tmp/nope.ko" --kernels "$set_all" >"$t_tmp/nope.out" 2>"$t_tmp/nope.err"
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$t_tmp/nope.out" ] && [ "$(wc -l <"$t_tmp/nope.err")" -eq 1 ] &&
	grep -q "^kbtf: $t_tmp/nope.ko: cannot open" "$t_tmp/nope.err"; then
	t_ok "a missing module: exit 2 and one line, before any kernel: $(cat "$t_tmp/nope.err")"
else
	t_fail "a missing module: exit $rc, $(wc -l <"$t_tmp/nope.out") report lines, stderr:"
	sed 's/^/    | /' "$t_tmp/nope.err" | head -n 5
fi
t_exit 2 "no kernel is a usage error" "$KBTF" validate "$demo"
t_exit 2 "unknown format is a usage error" "$KBTF" validate "$demo" -K all -f yaml

"$KBTF" validate "$demo" --kernels "$set_all" --no-symbols -f junit -o "$t_tmp/r.xml"
if command -v xmllint >/dev/null; then
	t_check "junit is well-formed XML" xmllint --noout "$t_tmp/r.xml"
fi
t_grep "junit: one testcase per pair, failures typed by verdict" \
	'<failure type="btf-rejected"' "$t_tmp/r.xml"
"$KBTF" validate "$demo" --kernels "$set_all" --no-symbols -f html -o "$t_tmp/r.html"
t_grep "html: matrix cell links to the pair" 'href="#pair-0-[0-9]"' "$t_tmp/r.html"
if command -v xmllint >/dev/null; then
	t_check "html parses" xmllint --html --noout "$t_tmp/r.html"
fi
"$KBTF" validate "$demo" --kernels "$set_all" --no-symbols -f md -o "$t_tmp/r.md"
t_grep "md: a matrix row per kernel" '^\| 6\.12\.113\+deb12-rt-amd64 \|.*btf-rejected' "$t_tmp/r.md"

# ------------------------------------------------------------ against libbpf

btfo=$("$KBTF_ROOT/tests/oracle/build.sh" 2>/dev/null) || btfo=
if [ -z "$btfo" ]; then
	echo "skip - differential test: the libbpf oracle could not be built"
	t_done
fi

# Debian's own modules: unsign, distill against the amd64 profile
img=$(fetch "linux-image-$release")
mkdir -p "$t_tmp/img" "$t_tmp/mods"
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$t_tmp/img" --wildcards \
	'*/e1000e.ko.xz' '*/xfs.ko.xz' '*/wireguard.ko.xz'
mods="$demo"
for m in e1000e xfs wireguard; do
	xz -dc "$(find "$t_tmp/img" -name "$m.ko.xz")" >"$t_tmp/mods/$m.signed.ko"
	t_unsign "$t_tmp/mods/$m.signed.ko" "$t_tmp/mods/$m.plain.ko"
	if "$KBTF" distill -q "$t_tmp/mods/$m.plain.ko" --base "$store/$release" \
		-o "$t_tmp/mods/$m.ko"; then
		mods="$mods $t_tmp/mods/$m.ko"
	else
		t_fail "distill Debian's $m"
	fi
done

# shellcheck disable=SC2086
"$KBTF" validate $mods --kernels "$set_all" --no-symbols --pre-fix -f json \
	-o "$t_tmp/all.json" 2>/dev/null
same=0
differ=0
for mod in $mods; do
	for rel in $kernels; do
		# the profile's BTF as the kernel has it (stored raw, as a delta or LZ4)
		"$KBTF" kernels btf "$rel" -o "$t_tmp/target.btf"
		result=$(jq -c --arg m "$mod" --arg r "$rel" \
			'.results[] | select(.module == $m and .release == $r)' "$t_tmp/all.json")
		if t_libbpf_vs "$btfo" "$mod" "$t_tmp/target.btf" "$result"; then
			same=$((same + 1))
		else
			differ=$((differ + 1))
			t_fail "libbpf vs kbtf on $(basename "$mod") x $rel: $T_LIBBPF_WHY"
		fi
	done
done
if [ "$differ" -eq 0 ] && [ "$same" -gt 0 ]; then
	t_ok "libbpf 1.5 and kbtf agree on all $same module x kernel pairs (accepted/rejected and the type named)"
fi

t_done

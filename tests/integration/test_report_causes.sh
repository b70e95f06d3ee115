#!/bin/bash
# test_report_causes.sh: the reports a release manager reads (issue 15),
# on real modules and real Debian kernels.
#
# Modules, built and distilled against 6.12.113+deb12-amd64 with kbtf build:
# the example (kbtf_demo), and two Debian DKMS packages: acpi-call-dkms
# (bookworm) and dm-writeboost-dkms (trixie; bookworm's 2.2.17 does not
# build for 6.12). Kernels: twelve Debian kernels, each stored from its
# linux-image (or sid's linux-binary + linux-base) package with its
# headers package (--with) for Module.symvers:
#   bookworm 6.1.0-56 {amd64, cloud, rt}, 6.12.113 {amd64, cloud, rt},
#            6.12.117 amd64; trixie 6.12.117 {amd64, rt};
#   sid 7.2.13 {amd64, cloud, rt}
# plus the BTF-only vmlinux of 6.12.113's headers copied alone (no
# Module.symvers beside it, no config, no boot image to read exports
# from), whose pairs cannot have their symbols and vermagic checked.
#
# One run writes all five formats (-o per file). The test asserts facts:
# the causes the kernel's rules give (module_layout ties every binary to
# its build; 6.1 predates .BTF.base; rt's 32-byte spinlock), each with its
# fix in every format; every kernel listed with its facts; no pair without
# an export list reads ok; the JSON validates against
# docs/kbtf-report.schema.json; the JUnit is well-formed; --baseline and
# --fail-on on the same matrix.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

build_rel=6.12.113+deb12-amd64
hdr=/usr/src/linux-headers-$build_rel
[ -d "$hdr" ] || t_skip_all "needs $hdr (.ci/debian-packages.txt)"
command -v jq >/dev/null || t_skip_all "needs jq"

fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" "$@"; }
export XDG_CACHE_HOME=$KBTF_TEST_CACHE/report-xdg
store=$XDG_CACHE_HOME/kbtf/kernels

# ------------------------------------------------------------ kernels

# store SUITE REL IMAGE-PACKAGE [--with PACKAGE]...: one profile, once
store() {
	local suite=$1 rel=$2 img=$3 args=() p
	shift 3
	[ -f "$store/$rel/kbtf-profile" ] && "$KBTF" kernels symvers "$rel" >/dev/null 2>&1 && return 0
	p=$(fetch "$suite" "$img") || return 1
	for w in "$@"; do
		args+=(--with "$(fetch "$suite" "$w")") || return 1
	done
	"$KBTF" kernels add "$p" "${args[@]}" --force >/dev/null 2>"$t_tmp/add.err" || {
		sed 's/^/    | /' "$t_tmp/add.err"
		return 1
	}
}

kernels=""
for fl in amd64 cloud-amd64 rt-amd64; do
	for rel in 6.1.0-56-$fl 6.12.113+deb12-$fl; do
		store bookworm "$rel" "linux-image-$rel" "linux-headers-$rel" ||
			{ t_fail "store $rel"; t_done; }
		kernels="$kernels,$rel"
	done
done
store bookworm 6.12.117+deb12-amd64 linux-image-6.12.117+deb12-amd64 \
	linux-headers-6.12.117+deb12-amd64 || { t_fail "store 6.12.117+deb12-amd64"; t_done; }
kernels="$kernels,6.12.117+deb12-amd64"
for fl in amd64 rt-amd64; do
	rel=6.12.117+deb13-$fl
	store trixie "$rel" "linux-image-$rel" "linux-headers-$rel" || { t_fail "store $rel"; t_done; }
	kernels="$kernels,$rel"
done
for fl in amd64 cloud-amd64 rt-amd64; do
	rel=7.2.13+deb14-$fl
	store sid "$rel" "linux-binary-$rel" "linux-base-$rel" "linux-headers-$rel" ||
		{ t_fail "store $rel"; t_done; }
	kernels="$kernels,$rel"
done
kernels=${kernels#,}
# the build kernel's BTF alone: no export list, no config
mkdir -p "$t_tmp/bare"
cp "$hdr/vmlinux" "$t_tmp/bare/vmlinux"
n=$(echo "$kernels" | tr ',' '\n' | wc -l)
[ "$n" -eq 12 ] && t_ok "twelve Debian kernels stored with their headers" ||
	t_fail "$n kernels stored"
for k in $(echo "$kernels" | tr ',' ' '); do
	"$KBTF" kernels symvers "$k" >/dev/null 2>&1 || t_fail "$k: no Module.symvers in its profile"
done

# ------------------------------------------------------------ modules

build() { # NAME DIR: kbtf build against the build kernel
	"$KBTF" build -k "$build_rel" -C "$2" >"$t_tmp/build-$1.log" 2>&1 || {
		t_fail "kbtf build $1"
		tail -n 20 "$t_tmp/build-$1.log" | sed 's/^/    | /'
		t_done
	}
}
mkdir -p "$t_tmp/demo"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$t_tmp/demo/"
build demo "$t_tmp/demo"
dkms_src() { # SUITE PACKAGE -> the unpacked /usr/src/NAME-VERSION
	local deb
	deb=$(fetch "$1" "$2") || return 1
	mkdir -p "$t_tmp/$2"
	dpkg-deb -x "$deb" "$t_tmp/$2" || return 1
	find "$t_tmp/$2/usr/src" -mindepth 1 -maxdepth 1 -type d | head -n1
}
acpi=$(dkms_src bookworm acpi-call-dkms) || { t_fail "acpi-call-dkms"; t_done; }
build acpi_call "$acpi"
wb=$(dkms_src trixie dm-writeboost-dkms) || { t_fail "dm-writeboost-dkms"; t_done; }
build dm-writeboost "$wb"
mods="$t_tmp/demo/kbtf_demo.ko $(find "$acpi" "$wb" -name '*.ko' | sort | tr '\n' ' ')"
[ "$(echo $mods | wc -w)" -eq 3 ] && t_ok "three modules built: $(for m in $mods; do basename $m; done | tr '\n' ' ')" ||
	{ t_fail "modules: $mods"; t_done; }

# ------------------------------------------------------------ one run, five reports

cd "$t_tmp" || exit 1
# shellcheck disable=SC2086
"$KBTF" validate $mods --kernels "$kernels" --kernel "$t_tmp/bare/vmlinux" \
	-o r.json -o r.txt -o r.md -o r.html -o r.xml 2>err
rc=$?
[ "$rc" -eq 1 ] && t_ok "validate: exit 1 (pairs are refused)" || t_fail "validate exit $rc: $(cat err)"
for f in r.json r.txt r.md r.html r.xml; do
	[ -s "$f" ] || t_fail "$f not written"
done
t_check "JSON: format 2" jq -e '.format_version == 2' r.json
t_check "JSON: the three modules with their build release and arch" jq -e \
	--arg b "$build_rel" '(.modules | length) == 3 and
	 all(.modules[]; .build_release == $b and .arch == "x86_64" and .btf_form == "distilled") and
	 ([.modules[].name] | sort) == ["acpi_call", "dm_writeboost", "kbtf_demo"]' r.json
t_check "JSON: thirteen kernels, each with arch and source; the twelve releases Debian's" jq -e \
	'(.kernels | length) == 13 and all(.kernels[]; .arch == "x86_64" and (.source | length > 0)) and
	 ([.kernels[] | select(.distro == "Debian" and (.release | length > 0))] | length) == 12' r.json
t_check "JSON: twelve kernels have an export list, the bare vmlinux none" jq -e \
	'([.kernels[] | select(.symbols_from != null)] | length) == 12 and
	 .kernels[12].symbols_from == null and .kernels[12].name == "vmlinux"' r.json

# causes: the kernel's rules decide which, the fix says what to do
cause() { # DESC CODE JQ-CONDITION-ON-THE-CAUSE
	t_check "$1" jq -e --arg c "$2" \
		"[.causes[] | select(.code == \$c) | select($3)] | length > 0" r.json
}
cause "cause abi-tied-to-build: module_layout differs on the other releases, fix: DKMS" \
	abi-tied-to-build '(.subjects | index("module_layout")) and (.fix | test("DKMS")) and
	 (.kernels | length) >= 6'
cause "cause kernel-predates-btf-base on the three 6.1 kernels, fix: plain split per kernel" \
	kernel-predates-btf-base '(.kernels | length) == 3 and (.modules | length) == 3 and
	 (.fix | test("plain split"))'
cause "cause config-preempt-rt naming spinlock, fix: an rt variant" \
	config-preempt-rt '(.subjects | index("spinlock")) and (.fix | test("rt variant"))'
cause "cause unchecked-symbols on the bare vmlinux, fix: the headers package" \
	unchecked-symbols '(.fix | test("linux-headers")) and (.kernels | length) == 1'
t_check "every cause has a fix and hits pairs" jq -e \
	'(.causes | length) > 0 and all(.causes[]; (.fix | length) > 30 and .pairs > 0)' r.json
t_check "the CRC of module_layout is a number on both sides" jq -e \
	'[.results[].problems[] | select(.name == "module_layout" and .reason == "crc-mismatch")] |
	 length > 0 and all(.[]; (.module_crc | type) == "number" and (.kernel_crc | type) == "number"
	 and .module_crc != .kernel_crc)' r.json
t_check "the rt spinlock's sizes are numbers: 4 at build, 32 on rt" jq -e \
	'[.results[].problems[] | select(.name == "spinlock" and .reason == "size-mismatch")] |
	 length > 0 and all(.[]; .module_size == 4 and .kernel_size == 32)' r.json

# unchecked is not ok
t_check "no pair without an export list reads ok" jq -e \
	'all(.results[]; (.unchecked | index("symbols")) == null or .verdict != "ok")' r.json
t_check "the bare vmlinux's loading pairs are ok-unchecked, saying what to supply" jq -e \
	'[.results[] | select(.verdict == "ok-unchecked")] | length > 0 and
	 all(.[]; (.to_check | test("linux-headers")) and (.unchecked | index("symbols")))' r.json
t_check "and the same kernel with its headers: ok, every symbol and CRC checked" jq -e \
	--arg b "$build_rel" '(.kernels[] | select(.release == $b) | .index) as $full |
	 [.results[] | select(.kernel_index == 12 and .verdict == "ok-unchecked") | .module_index] as $m |
	 ($m | length) == 3 and
	 all(.results[] | select(.kernel_index == $full); .verdict == "ok" and .unchecked == [])' r.json

# the same facts in the other formats
for f in r.txt r.md r.html r.xml; do
	t_grep "$f: abi-tied-to-build with its fix" "ship it through DKMS" "$f"
	t_grep "$f: config-preempt-rt" "config-preempt-rt" "$f"
	t_grep "$f: ok-unchecked" "ok-unchecked" "$f"
	t_grep "$f: Debian's ABI model" "one binary per release" "$f"
done
for k in $(echo "$kernels" | tr ',' ' '); do
	grep -qF "$k" r.txt && grep -qF "$k" r.md && grep -qF "$k" r.html || t_fail "$k missing from a report"
done
t_ok "every kernel is named in text, Markdown and HTML"
if command -v xmllint >/dev/null; then
	t_check "JUnit: well-formed" xmllint --noout r.xml
fi
t_check "JUnit: an ok-unchecked pair is skipped, saying what to supply" \
	grep -q '<skipped message="ok-unchecked: symbols, vermagic not checked; to check: supply the kernel&#39;s Module.symvers' r.xml
t_check "HTML: drill-down per cell, evidence in collapsible sections" \
	grep -q '<details class="pair' r.html

# the JSON Schema
if python3 -c 'import jsonschema' 2>/dev/null; then
	t_check "JSON validates against docs/kbtf-report.schema.json" python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)
' "$KBTF_ROOT/docs/kbtf-report.schema.json" r.json
	# the schema is not a rubber stamp
	jq '.results[0].verdict = "fine"' r.json >bad.json
	t_exit 1 "a report with an unknown verdict does not validate" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
' "$KBTF_ROOT/docs/kbtf-report.schema.json" bad.json
else
	t_fail "python3-jsonschema is not installed (.ci/debian-packages.txt)"
fi

# ------------------------------------------------------------ gates and baseline

# shellcheck disable=SC2086
t_exit 0 "--fail-on none: exit 0" "$KBTF" validate $mods --kernels "$kernels" --fail-on none -o /dev/null
# shellcheck disable=SC2086
t_exit 1 "--fail-on unchecked fails on the bare vmlinux" \
	"$KBTF" validate $mods --kernel "$t_tmp/bare/vmlinux" --fail-on unchecked -o /dev/null
# shellcheck disable=SC2086
t_exit 0 "--fail-on btf,symbols,elf passes it: everything checked there is ok" \
	"$KBTF" validate $mods --kernel "$t_tmp/bare/vmlinux" --fail-on btf,symbols,elf -o /dev/null
# shellcheck disable=SC2086
t_exit 0 "--fail-on btf,elf: exit 0 on the kernels whose BTF relocates (symbols differ)" \
	"$KBTF" validate $mods --kernels 6.12.117+deb12-amd64,6.12.117+deb13-amd64 \
	--fail-on btf,elf -o /dev/null
# shellcheck disable=SC2086
t_exit 1 "--fail-on btf: exit 1 where rt rejects the example's BTF behind the symbols refusal" \
	"$KBTF" validate $mods --kernels 6.12.113+deb12-rt-amd64 --fail-on btf -o /dev/null
t_exit 2 "--fail-on with a word it does not know" \
	"$KBTF" validate $mods --kernels "$kernels" --fail-on btf,sometimes
# the last release was checked without the rt kernels' headers: against
# it, what is new
jq '(.results[] | select((.release // "") | test("rt-amd64"))) |= (.verdict = "ok")' r.json >old.json
# shellcheck disable=SC2086
"$KBTF" validate $mods --kernels "$kernels" --baseline old.json -o new.json -o new.txt
t_check "--baseline: the rt pairs that fail now are listed first, as worse" jq -e \
	'.baseline.changes[0].change == "worse" and (.baseline.changes[0].kernel | test("rt-amd64")) and
	 .baseline.changes[0].was == "ok" and .baseline.unchanged > 0' new.json
t_grep "--baseline: text says it" "^  worse   .* on .*rt-amd64: ok -> " new.txt
echo '{"format_version": 2, "results": [' >broken.json
t_exit 2 "--baseline that is not JSON: exit 2" "$KBTF" validate $mods --kernels "$kernels" \
	--baseline broken.json
t_done

#!/bin/bash
# The access record end to end: kbtf build compiles tests/integration/data/
# access/accdemo.c against Debian 12's 6.12.113 headers with the kbtf_access
# GCC plugin (built for the headers' gcc-12), and the record kbtf inspect
# shows must be exactly what the source's "acc:" comments say each line
# touches (kernel types only; list_add and netdev_priv inlined from the
# headers count at the module's line). Then kbtf validate against the real
# 6.12.117 kernel, where struct net_device kept its 2560 bytes but moved
# needs_free_netdev and ml_priv by 8 bytes: both are reported with the line
# that touches them, and the members the module touches that did not move
# are not. KBTF_ACCESS=0 builds without the record, and validate says so.
. "$(dirname "$0")/lib.sh" || exit 1

kdir=/usr/src/linux-headers-6.12.113+deb12-amd64
[ -f "$kdir/.config" ] || t_skip_all "linux-headers-6.12.113+deb12-amd64 not installed"
[ -f "$(gcc-12 -print-file-name=plugin 2>/dev/null)/include/plugin-version.h" ] ||
	t_skip_all "gcc-12-plugin-dev not installed"
command -v jq >/dev/null || t_skip_all "jq missing"

export KBTF_CACHE_DIR=$t_tmp/cache XDG_CACHE_HOME=$t_tmp/xdg
src=$KBTF_ROOT/tests/integration/data/access
cp -R "$src" "$t_tmp/mod"
t_check "kbtf build with the access plugin" "$KBTF" build --kdir "$kdir" -C "$t_tmp/mod"
ls "$t_tmp"/xdg/kbtf/access/*/kbtf_access.so >/dev/null 2>&1 &&
	t_ok "the plugin is cached under the cache directory" ||
	t_fail "no cached plugin under $t_tmp/xdg/kbtf/access"
ko=$t_tmp/mod/accdemo.ko
# "[Nr] Name Type Address Off Size ES Flg Lk Inf Al": no flags at all
readelf -SW "$ko" | sed 's/^ *\[ *[0-9]*\] *//' >"$t_tmp/sections"
flags=$(awk '$1 == ".kbtf.access" { print ($7 ~ /^[0-9]+$/) ? "none" : $7 }' "$t_tmp/sections")
[ "$flags" = none ] && t_ok "the .ko has a merged .kbtf.access, not SHF_ALLOC" ||
	t_fail ".kbtf.access: flags '$flags'"

# what the source says: "TYPE.MEMBER@LINE HOW", one per access
awk '{ if (match($0, /acc: [^*]*/)) { n = split(substr($0, RSTART + 5, RLENGTH - 6), a, "; ");
	for (i = 1; i <= n; i++) { split(a[i], w, " "); print w[1] " " w[2] "@" NR " " w[3] } } }' \
	"$src/accdemo.c" | sed 's/^\(struct [a-z_]*\)\.\([^@]*\)@/\1.\2@/' | sort >"$t_tmp/want"
"$KBTF" inspect --json "$ko" >"$t_tmp/inspect.json"
jq -r '.[0].access.members[] as $m | $m.places[] | select(.file | endswith("/accdemo.c")) |
	"\($m.type).\($m.member)@\(.line) \(.how)"' "$t_tmp/inspect.json" | sort >"$t_tmp/got"
cut -d' ' -f1-2 "$t_tmp/want" | sed 's/ /./; s/^struct\./struct /' >/dev/null
# compare TYPE.MEMBER@LINE sets exactly
awk '{print $1, $2}' "$t_tmp/want" | sort -u >"$t_tmp/want.keys"
awk '{print $1, $2}' "$t_tmp/got" | sort -u >"$t_tmp/got.keys"
if diff "$t_tmp/want.keys" "$t_tmp/got.keys" >"$t_tmp/diff"; then
	t_ok "the record lists every member access the source marks, and nothing else ($(wc -l <"$t_tmp/want.keys"))"
else
	t_fail "record and source disagree (< source, > record)"
	sed 's/^/    | /' "$t_tmp/diff"
fi
# and how each is touched
bad=0
while read -r type member how; do
	key="$type $member"
	case $how in
	read) word=reads ;; write) word=writes ;; address) word=address ;; *) word=$how ;;
	esac
	grep -F "$key " "$t_tmp/got" | grep -q "$word" || { echo "    | $key: not $word"; bad=1; }
done <"$t_tmp/want"
[ $bad = 0 ] && t_ok "read / write / address-taken as marked" || t_fail "access kinds differ"
# jq -e on an empty file exits 0: every JSON read here must exist first
jqt() { # DESC FILTER FILE [jq args...]
	local desc=$1 filter=$2 file=$3
	shift 3
	if [ -s "$file" ] && jq -e "$@" "$filter" "$file" >/dev/null; then
		t_ok "$desc"
	else
		t_fail "$desc"
		head -c 2000 "$file" | sed 's/^/    | /'
	fi
}

ij=$t_tmp/inspect.json
jqt "list_add's accesses name the helper" \
	'.[0].access.members[] | select(.member == "next") | .places[0].via == "list_add"' "$ij"
lt=$(grep -n 'list_add_tail(&p->node' "$src/accdemo.c" | cut -d: -f1)
jqt "list_add_tail (out of line with 6.12's list hardening) is at the module's line $lt" \
	'[.[0].access.members[] | select(.type == "struct list_head") | .places[] | select(.line == $l and .via == "list_add_tail" and (.in_header_helper | not))] | length == 2' \
	"$ij" --argjson l "$lt"
jqt "no access is left inside a kernel header" \
	'[.[0].access.members[].places[] | select(.file | endswith(".h"))] | length == 0' "$ij"
jqt "the module's own struct is not recorded" \
	'[.[0].access.members[] | select(.type | test("accdemo"))] | length == 0' "$ij"
jqt "sk_buff.ip_summed: a 2-bit bitfield at bit 1029" \
	'.[0].access.members[] | select(.member == "ip_summed") | .bitfield and .bits == 2 and .bit_offset == 1029' "$ij"

# the real kernel where net_device's members moved at the same size
deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-6.12.117+deb12-amd64 2>/dev/null)
if [ -n "$deb" ]; then
	"$KBTF" validate --format json "$ko" --kernel "$deb" >"$t_tmp/v.json"
	line_ml=$(grep -n 'acc: struct net_device.ml_priv' "$src/accdemo.c" | cut -d: -f1)
	want="accdemo.c:$line_ml) reads \`struct net_device.ml_priv\` at offset 1424; on 6.12.117+deb12-amd64 it is at 1432, where \`priv_destructor\` now starts"
	jqt "6.12.117: ml_priv moved, with its source line" \
		'[.results[0].problems[] | select(.reason == "member-moved") | .detail | contains($l)] | any' \
		"$t_tmp/v.json" --arg l "$want"
	jqt "6.12.117: exactly the two moved members (needs_free_netdev, ml_priv)" \
		'[.results[0].problems[] | select(.reason | startswith("member-")) | .expected] | sort == ["struct net_device.ml_priv: void* at offset 1424, 64 bits", "struct net_device.needs_free_netdev: bool at offset 1412, 8 bits"]' \
		"$t_tmp/v.json"
	# its CRCs differ (every Debian upload has its own): a normal load is
	# refused, and the summary still names the member
	jqt "6.12.117: symbols, the summary names the moved member" \
		'.results[0].verdict == "symbols" and (.results[0].summary | test("layout: accdemo_ml_priv .*ml_priv"))' \
		"$t_tmp/v.json"
	# what a load that gets past the symbols (forced) meets
	"$KBTF" validate --format json --no-symbols "$ko" --kernel "$deb" >"$t_tmp/v2.json"
	jqt "6.12.117, symbols left out: layout-conflict, it loads" \
		'.results[0].verdict == "layout-conflict" and .results[0].load == "loads"' "$t_tmp/v2.json"
	t_exit 1 "validate exits 1 on a layout conflict" "$KBTF" validate "$ko" --kernel "$deb"
	"$KBTF" validate --format json "$ko" --kernel "$kdir" >"$t_tmp/same.json"
	jqt "6.12.113 (built for): ok, no problems" \
		'.results[0].verdict == "ok" and ([.results[0].problems[]] | length == 0)' "$t_tmp/same.json"
else
	t_ok "6.12.117 not fetchable here: cross-kernel check skipped"
fi

# Debian's own DKMS sources: the record against lines read from the source
# (acpi-call: a struct acpi_object_list filled field by field; bbswitch:
# dev_name(&pdev->dev), the address of pci_dev.dev and dev_name()'s reads
# inlined from the headers)
dkms_src() { # SUITE PACKAGE: the unpacked /usr/src/<dir> on stdout
	local deb
	deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" "$1" "$2" 2>/dev/null) || return 1
	mkdir -p "$t_tmp/dkms-$2" && dpkg-deb -x "$deb" "$t_tmp/dkms-$2" || return 1
	ls -d "$t_tmp/dkms-$2"/usr/src/*/ | head -n1
}
# has MODULE TYPE MEMBER FILE LINE HOW: the record has that place
has() {
	jq -e --arg t "$2" --arg m "$3" --arg f "/$4" --argjson l "$5" --arg h "$6" \
		'[.[0].access.members[] | select(.type == $t and .member == $m) | .places[] |
		  select((.file | endswith($f)) and .line == $l and (.how | contains($h)))] | length > 0' \
		"$1" >/dev/null
}
if d=$(dkms_src bookworm acpi-call-dkms) && "$KBTF" build -q --kdir "$kdir" -C "$d" >/dev/null 2>&1; then
	"$KBTF" inspect --json "$d/acpi_call.ko" >"$t_tmp/acpi.json"
	lc=$(grep -n 'arg.count = argc;' "$d/acpi_call.c" | cut -d: -f1)
	lp=$(grep -n 'arg.pointer = argv;' "$d/acpi_call.c" | cut -d: -f1)
	has "$t_tmp/acpi.json" "struct acpi_object_list" count acpi_call.c "$lc" writes &&
		has "$t_tmp/acpi.json" "struct acpi_object_list" pointer acpi_call.c "$lp" writes &&
		t_ok "acpi-call-dkms: arg.count and arg.pointer written at lines $lc, $lp" ||
		t_fail "acpi-call-dkms: acpi_object_list writes not at lines $lc, $lp"
else
	t_fail "acpi-call-dkms: fetch or kbtf build failed"
fi
if d=$(dkms_src trixie bbswitch-dkms) && "$KBTF" build -q --kdir "$kdir" -C "$d" >/dev/null 2>&1; then
	"$KBTF" inspect --json "$d/bbswitch.ko" >"$t_tmp/bbs.json"
	# the pr_warn() around it starts a line earlier: a macro's accesses are
	# at the line where it is used
	l=$(grep -n 'is in use by driver .%s., refusing OFF' "$d/bbswitch.c" | cut -d: -f1)
	has "$t_tmp/bbs.json" "struct pci_dev" dev bbswitch.c "$l" address &&
		has "$t_tmp/bbs.json" "struct pci_dev" driver bbswitch.c "$l" reads &&
		has "$t_tmp/bbs.json" "struct pci_driver" name bbswitch.c "$l" reads &&
		jq -e --argjson l "$l" '[.[0].access.members[] | select(.type == "struct device" and .member == "init_name") | .places[] | select(.line == $l and .via == "dev_name")] | length == 1' \
			"$t_tmp/bbs.json" >/dev/null &&
		t_ok "bbswitch-dkms: line $l takes &pci_dev.dev, reads driver->name, and dev_name() reads device.init_name" ||
		t_fail "bbswitch-dkms: line $l not recorded as the source says"
else
	t_ok "bbswitch-dkms (trixie) not fetchable here: skipped"
fi

# a vendor's own Makefile with kbtf.mk included: the same record
cp -R "$src" "$t_tmp/mk"
printf 'KDIR ?= %s\nall:\n\t$(MAKE) -C $(KDIR) M=$(CURDIR) modules\ninclude %s\n' \
	"$kdir" "$KBTF_ROOT/sdk/kbtf.mk" >"$t_tmp/mk/Makefile"
make -C "$t_tmp/mk" KBTF="$KBTF" >"$t_tmp/mk.log" 2>&1
"$KBTF" inspect --json "$t_tmp/mk/accdemo.ko" >"$t_tmp/mk.json"
jqt "kbtf.mk: the same record as kbtf build" \
	'.[0].access.places == $n and .[0].access.section == ".kbtf.access"' "$t_tmp/mk.json" \
	--argjson n "$(jq '.[0].access.places' "$ij")"

# A KCFLAGS that already loads another kernel's plugin (6.1.0-56 names its
# compiler gcc-12, 6.12.113 x86_64-linux-gnu-gcc-12: another cache key), as "make ci" of a kbtf new project passes it
# from kbtf.mk to the build for each kernel, or an enclosing make for
# another kernel: each build loads its own only (cc1 refuses one plugin
# name with two paths).
kdir61=/usr/src/linux-headers-6.1.0-56-amd64
if [ -f "$kdir61/.config" ]; then
	other=$("$KBTF" build --access-kcflags --kdir "$kdir61" 2>/dev/null)
	own=$("$KBTF" build --access-kcflags --kdir "$kdir" 2>/dev/null)
	if [ -n "$other" ] && [ "$other" != "$own" ]; then
		t_ok "6.1.0-56's compiler has its own plugin ($other)"
	else
		t_fail "6.1.0-56's plugin '$other', 6.12.113's '$own'"
	fi
	cp -R "$src" "$t_tmp/inh"
	t_check "kbtf build with KCFLAGS loading another kernel's plugin" \
		env KCFLAGS="-DKBTF_T=1 $other" "$KBTF" build --kdir "$kdir" -C "$t_tmp/inh"
	"$KBTF" inspect --json "$t_tmp/inh/accdemo.ko" >"$t_tmp/inh.json" 2>&1
	jqt "  ... with the record of its own plugin" '.[0].access.places == $n' "$t_tmp/inh.json" \
		--argjson n "$(jq '.[0].access.places' "$ij")"
	cp -R "$src" "$t_tmp/mk2" && cp "$t_tmp/mk/Makefile" "$t_tmp/mk2/"
	t_check "kbtf.mk with KCFLAGS loading another kernel's plugin" \
		env KCFLAGS="-DKBTF_T=1 $other" make -C "$t_tmp/mk2" KBTF="$KBTF"
	"$KBTF" inspect --json "$t_tmp/mk2/accdemo.ko" >"$t_tmp/mk2.json" 2>&1
	jqt "  ... with the record of its own plugin" '.[0].access.places == $n' "$t_tmp/mk2.json" \
		--argjson n "$(jq '.[0].access.places' "$ij")"
else
	t_ok "linux-headers-6.1.0-56-amd64 not installed: inherited-plugin checks skipped"
fi

# without the record
cp -R "$src" "$t_tmp/plain"
KBTF_ACCESS=0 "$KBTF" build --kdir "$kdir" -C "$t_tmp/plain" >/dev/null 2>&1
"$KBTF" inspect "$t_tmp/plain/accdemo.ko" >"$t_tmp/plain.txt"
t_grep "KBTF_ACCESS=0: inspect says there is no record" "access record: none" "$t_tmp/plain.txt"
"$KBTF" validate --format json "$t_tmp/plain/accdemo.ko" --kernel "$kdir" >"$t_tmp/plain.json"
jqt "validate: member-level checks need the record" \
	'[.results[0].warnings[] | select(.kind == "access-not-recorded")] | length == 1' "$t_tmp/plain.json"
t_done

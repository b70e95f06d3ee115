#!/bin/bash
# test_kernels_check.sh: `kbtf kernels check [SET]` reads stored profiles
# whole and holds each index against what it read (issue 18 item 2: an
# index checked where it is read, never trusted; this finds damage no
# validation has read yet), on real Debian kernels stored by default:
#   - bookworm 6.12.113 amd64 (raw, the reference), 6.12.117 amd64 (a
#     delta), 6.12.118 amd64 from its headers package (a delta whose CRCs
#     are told against 6.12.117's index), 6.1.0-56 amd64 (raw, its index
#     with type offsets): all whole, exit 0, one line each and a summary;
#   - a byte of 6.1.0-56's last block of type offsets changed: validate of
#     Debian's e1000e (6.12.113's) on it reads other blocks and judges as
#     before;
#     check says which profile and why, exit 1, the others still ok; so
#     for a byte of a name's candidate records;
#   - a byte of 6.12.117's delta changed in its literal records: check
#     names the file (damaged BTF delta);
#   - 6.12.118 without its CRC donor index (index.crcref): named;
#   - a SET that names one profile checks that one; one that matches
#     nothing: exit 2, one line on stderr.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" "$@"; }

kernels="6.12.113+deb12-amd64 6.12.117+deb12-amd64 6.12.118+deb12-amd64 6.1.0-56-amd64"
export XDG_CACHE_HOME=$t_tmp/cache
for rel in $kernels; do
	pkg=linux-image-$rel
	[ "$rel" = 6.12.118+deb12-amd64 ] && pkg=linux-headers-$rel
	deb=$(fetch bookworm "$pkg") || { t_fail "fetch $pkg"; t_done; }
	"$KBTF" kernels add "$deb" >/dev/null 2>"$t_tmp/add.err" ||
		t_fail "add $rel: $(cat "$t_tmp/add.err")"
	[ "$rel" = 6.12.113+deb12-amd64 ] && img=$deb
done
store=$XDG_CACHE_HOME/kbtf/kernels

# ------------------------------------------------------------ a whole store

"$KBTF" kernels check >"$t_tmp/check.out" 2>"$t_tmp/check.err"
rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c '^ok ' "$t_tmp/check.out")" = 4 ] &&
	grep -q '^ok  *6.12.117+deb12-amd64: BTF delta, [0-9]* types; index: [0-9]* names, [0-9]* symbols$' "$t_tmp/check.out" &&
	grep -q '^ok  *6.1.0-56-amd64: BTF raw, ' "$t_tmp/check.out" &&
	grep -q '^4 profiles checked in [0-9.]* s: 4 whole, 0 damaged$' "$t_tmp/check.out" &&
	[ ! -s "$t_tmp/check.err" ]; then
	t_ok "a store as kernels add leaves it: 4 profiles whole, exit 0"
else
	t_fail "a whole store: exit $rc"
	sed 's/^/    | /' "$t_tmp/check.out" "$t_tmp/check.err"
fi

# ------------------------------------------------------------ damage validate does not read

mkdir -p "$t_tmp/img" "$t_tmp/mods"
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$t_tmp/img" --wildcards '*/e1000e.ko.xz'
xz -dc "$(find "$t_tmp/img" -name e1000e.ko.xz)" >"$t_tmp/mods/e1000e.ko"
"$KBTF" validate "$t_tmp/mods/e1000e.ko" --kernels 6.1.0-56-amd64 -f json -o "$t_tmp/before.json" \
	>/dev/null 2>&1
before=$?

p=$store/6.1.0-56-amd64
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
hs=$(u32 "$p/index" 12) # the header's size; its last 25 pairs: the sections
so=$(u32 "$p/index" $((hs - 200 + 10 * 8))) # section 10: the type offsets
sn=$(u32 "$p/index" $((hs - 200 + 10 * 8 + 4)))
cp -p "$p/index" "$t_tmp/index.good"
# the index is the profile's own file (a link to no other profile)
printf '\x5a' | dd of="$p/index" bs=1 seek=$((so + sn - 6)) conv=notrunc status=none
touch -r "$t_tmp/index.good" "$p/index"
"$KBTF" validate "$t_tmp/mods/e1000e.ko" --kernels 6.1.0-56-amd64 -f json -o "$t_tmp/after.json" \
	>/dev/null 2>&1
after=$?
strip() { jq -S 'del(.. | .time_us?, .ms?, .total_ms?)' "$1"; }
if [ "$sn" -gt 256 ] && [ "$after" = "$before" ] && [ "$before" -le 1 ] &&
	[ "$(strip "$t_tmp/before.json")" = "$(strip "$t_tmp/after.json")" ]; then
	t_ok "a byte of the last type offsets changed: validate reads other blocks, the same report"
else
	t_fail "validate with the last offsets block damaged: exit $before then $after, $sn bytes of offsets"
fi
"$KBTF" kernels check >"$t_tmp/check.out" 2>"$t_tmp/check.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(grep -c '^ok ' "$t_tmp/check.out")" = 3 ] &&
	grep -qxF "damaged  6.1.0-56-amd64: $p: damaged kernel index (its type offsets fail their checksums)" "$t_tmp/check.out" &&
	grep -q '^4 profiles checked in [0-9.]* s: 3 whole, 1 damaged$' "$t_tmp/check.out"; then
	t_ok "  ... kernels check finds it: the profile and why, exit 1"
else
	t_fail "kernels check of a damaged offsets block: exit $rc"
	sed 's/^/    | /' "$t_tmp/check.out" "$t_tmp/check.err"
fi
# a byte in the middle of the names' candidate records (section 8)
co=$(u32 "$p/index" $((hs - 200 + 8 * 8)))
cn=$(u32 "$p/index" $((hs - 200 + 8 * 8 + 4)))
cp -p "$t_tmp/index.good" "$p/index"
printf '\x5a' | dd of="$p/index" bs=1 seek=$((co + cn / 2 + 1)) conv=notrunc status=none
touch -r "$t_tmp/index.good" "$p/index"
"$KBTF" kernels check 6.1.0-56-amd64 >"$t_tmp/check.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && [ "$cn" -gt 1000 ] &&
	grep -q "^damaged  6.1.0-56-amd64: $p: damaged kernel index (the record of '.*' fails its checksum)$" "$t_tmp/check.out"; then
	t_ok "  ... and a byte of a name's candidates: the name named"
else
	t_fail "kernels check of a damaged candidate record: exit $rc, $cn bytes of candidates"
	sed 's/^/    | /' "$t_tmp/check.out"
fi
# a byte of a layout digest (section 24): no lookup of validate's may
# read it, kernels check reads every block
dgo=$(u32 "$p/index" $((hs - 200 + 24 * 8)))
dn=$(u32 "$p/index" $((hs - 200 + 24 * 8 + 4)))
cp -p "$t_tmp/index.good" "$p/index"
printf '\x5a' | dd of="$p/index" bs=1 seek=$((dgo + dn / 2 + 3)) conv=notrunc status=none
touch -r "$t_tmp/index.good" "$p/index"
"$KBTF" kernels check 6.1.0-56-amd64 >"$t_tmp/check.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && [ "$dn" -gt 8000 ] &&
	grep -qxF "damaged  6.1.0-56-amd64: $p: damaged kernel index (a block of layout digests fails its checksum)" "$t_tmp/check.out"; then
	t_ok "  ... and a byte of a layout digest: named, exit 1"
else
	t_fail "kernels check of a damaged layout digest: exit $rc, $dn bytes of digests"
	sed 's/^/    | /' "$t_tmp/check.out"
fi
cp -p "$t_tmp/index.good" "$p/index"
t_exit 0 "  ... the index back: whole again" "$KBTF" kernels check 6.1.0-56-amd64

# a byte of the delta's literal records (the BTF's file is the profile's
# own: deltas are not shared); its stamps kept
p=$store/6.12.117+deb12-amd64
cp -p "$p/btf" "$t_tmp/btf.good"
size=$(stat -c %s "$p/btf")
printf '\x5a' | dd of="$p/btf" bs=1 seek=$((size - 20000)) conv=notrunc status=none
touch -r "$t_tmp/btf.good" "$p/btf"
"$KBTF" kernels check 6.12.117+deb12-amd64 >"$t_tmp/check.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -qxF "damaged  6.12.117+deb12-amd64: $p/btf: damaged BTF delta (checksum mismatch)" "$t_tmp/check.out" &&
	grep -q '^1 profile checked in [0-9.]* s: 0 whole, 1 damaged$' "$t_tmp/check.out"; then
	t_ok "a byte of a delta's literal records: named, exit 1 (SET: one profile)"
else
	t_fail "kernels check of a damaged delta: exit $rc"
	sed 's/^/    | /' "$t_tmp/check.out"
fi
cp -p "$t_tmp/btf.good" "$p/btf"

# the CRC donor's index missing
p=$store/6.12.118+deb12-amd64
if [ -e "$p/index.crcref" ]; then
	mv "$p/index.crcref" "$t_tmp/index.crcref"
	"$KBTF" kernels check '6.12.118*' >"$t_tmp/check.out" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && grep -q "^damaged  6.12.118+deb12-amd64: .*index.crcref" "$t_tmp/check.out"; then
		t_ok "a delta index without its CRC donor: named, exit 1"
	else
		t_fail "kernels check without index.crcref: exit $rc"
		sed 's/^/    | /' "$t_tmp/check.out"
	fi
	mv "$t_tmp/index.crcref" "$p/index.crcref"
else
	t_fail "6.12.118's index has no CRC donor (index.crcref)"
fi
t_exit 0 "all back: the store whole" "$KBTF" kernels check all

"$KBTF" kernels check 'nosuch-*' >"$t_tmp/check.out" 2>"$t_tmp/check.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$t_tmp/check.err")" = 1 ] && [ ! -s "$t_tmp/check.out" ]; then
	t_ok "a SET that matches nothing: exit 2, one line on stderr"
else
	t_fail "kernels check nosuch-*: exit $rc"
	sed 's/^/    | /' "$t_tmp/check.out" "$t_tmp/check.err"
fi
t_exit 2 "two SETs: a usage error" "$KBTF" kernels check all all

t_done

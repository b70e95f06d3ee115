#!/bin/bash
# test_index.sh: the prepared index of stored profiles (issue 18) on real
# Debian kernels and modules. Every verdict answered from the index must be
# the one the full parse gives:
#   - modules: the example built plain (split .BTF, no .BTF.base) and
#     distilled (kbtf build: .BTF.base and a layout record, so drift reads
#     the kernel's BTF), and Debian's e1000e and wireguard distilled by kbtf;
#   - kernels: bookworm 6.12.113 amd64 and rt, 6.1.0-56 (predates
#     .BTF.base) with their headers' Module.symvers, sid 7.2 amd64, stored
#     raw (--no-delta): the whole index is what is tested here, each table
#     of it damaged in turn (a delta profile's index, against its
#     reference's: test_store_delta.sh);
#   - the same modules x kernels validated through the indexed profiles,
#     through the same profiles with their index removed, and through the
#     raw .deb packages: the JSON reports equal (timings aside), and the
#     verdicts and named types equal those from the packages.
# Then a damaged, truncated, stale or previous-format index, a damaged
# symbol table and a BTF record damaged after it was built are refused
# with one line and exit 2, and `kbtf kernels add
# --force DIR` rebuilds the index; 24 processes add and remove profiles at
# once, and the shared objects are neither lost nor orphaned.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

release=6.12.113+deb12-amd64
hdr=/usr/src/linux-headers-$release
[ -d "$hdr" ] || t_skip_all "needs $hdr (.ci/debian-packages.txt)"
command -v jq >/dev/null || t_skip_all "needs jq"

fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" "$@"; }
export XDG_CACHE_HOME=$t_tmp/cache
store=$XDG_CACHE_HOME/kbtf/kernels

# ------------------------------------------------------------ kernels

declare -A deb
for rel in 6.12.113+deb12-amd64 6.12.113+deb12-rt-amd64 6.1.0-56-amd64; do
	deb[$rel]=$(fetch bookworm "linux-image-$rel") || { t_fail "fetch linux-image-$rel"; t_done; }
done
sid=$(fetch sid 'linux-binary-7.2.*+deb14-amd64' 2>/dev/null | head -n1)
[ -n "$sid" ] || sid=$(ls "$KBTF_TEST_CACHE"/debs/sid/linux-binary-7.2.*+deb14-amd64_*.deb 2>/dev/null | head -n1)
# every kernel with its headers' Module.symvers, given the same way to the
# profile and to the raw package
symvers() {
	local suite=$1 rel=$2 d
	d=$(fetch "$suite" "linux-headers-$rel") || return 1
	dpkg-deb --fsys-tarfile "$d" | tar -xO "./usr/src/linux-headers-$rel/Module.symvers"
}
declare -A sv
kernels=
for rel in $release 6.12.113+deb12-rt-amd64 6.1.0-56-amd64; do
	symvers bookworm "$rel" >"$t_tmp/symvers-$rel" || t_fail "Module.symvers of $rel"
	sv[$rel]=$t_tmp/symvers-$rel
	t_check "add $rel with its Module.symvers" \
		"$KBTF" kernels add --no-delta "${deb[$rel]}" --symvers "${sv[$rel]}"
	kernels="$kernels $rel"
done
srel=$(basename "$sid" | sed -n 's/^linux-binary-\([^_]*\)_.*/\1/p')
if [ -n "$srel" ] && symvers sid "$srel" >"$t_tmp/symvers-$srel" &&
	"$KBTF" kernels add --no-delta "$sid" --symvers "$t_tmp/symvers-$srel" >/dev/null 2>&1; then
	kernels="$kernels $srel"
	deb[$srel]=$sid
	sv[$srel]=$t_tmp/symvers-$srel
else
	echo "skip - sid 7.2 kernel not in the cache"
fi
kernels=${kernels# }
n=0
for rel in $kernels; do [ -f "$store/$rel/index" ] && n=$((n + 1)); done
if [ "$n" = "$(wc -w <<<"$kernels")" ]; then t_ok "every stored profile has an index"; else
	t_fail "$n profiles of $(wc -w <<<"$kernels") have an index"
fi
# Module.symvers is kept in the index alone, which rebuilds it byte for
# byte: a profile added from the stored one (the full way, its text
# rebuilt from the index) indexes to the same tables
n=0
for rel in $kernels; do [ -e "$store/$rel/Module.symvers" ] && n=$((n + 1)); done
if [ "$n" = 0 ]; then t_ok "no profile keeps Module.symvers beside its index"; else
	t_fail "$n profiles keep Module.symvers beside an index holding it"
fi
t_check "add the stored $release again from its profile (the full way)" \
	"$KBTF" kernels add "$store/$release" --name copy
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
hs=$(u32 "$store/$release/index" 12)
if [ -n "$hs" ] && cmp -s <(tail -c +$((hs + 1)) "$store/$release/index") \
	<(tail -c +$((hs + 1)) "$store/copy/index"); then
	t_ok "Module.symvers rebuilt from the index indexes to the same tables"
else
	t_fail "the profile added from the stored one has other tables"
fi
"$KBTF" kernels rm copy >/dev/null

# ------------------------------------------------------------ modules

mkdir -p "$t_tmp/plain" "$t_tmp/dist" "$t_tmp/img" "$t_tmp/mods"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$t_tmp/plain/"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$t_tmp/dist/"
t_check "the example with plain kbuild (split .BTF)" \
	make -s -C "$hdr" M="$t_tmp/plain" modules || t_done
t_check "the example with kbtf build (.BTF.base, layout record)" \
	"$KBTF" build -k "$release" -C "$t_tmp/dist" || t_done
mods="$t_tmp/plain/kbtf_demo.ko $t_tmp/dist/kbtf_demo.ko"
dpkg-deb --fsys-tarfile "${deb[$release]}" | tar -x -C "$t_tmp/img" --wildcards \
	'*/e1000e.ko.xz' '*/wireguard.ko.xz'
for m in e1000e wireguard; do
	xz -dc "$(find "$t_tmp/img" -name "$m.ko.xz")" >"$t_tmp/mods/$m.signed.ko"
	# a module's signature is appended after its ELF end: cut it
	size=$(stat -c%s "$t_tmp/mods/$m.signed.ko")
	siglen=$(tail -c 32 "$t_tmp/mods/$m.signed.ko" | head -c 4 | od -An -tu1 |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((size - 40 - siglen)) "$t_tmp/mods/$m.signed.ko" >"$t_tmp/mods/$m.plain.ko"
	if "$KBTF" distill -q "$t_tmp/mods/$m.plain.ko" --base "$store/$release" \
		-o "$t_tmp/mods/$m.ko"; then
		mods="$mods $t_tmp/mods/$m.ko"
	else
		t_fail "distill Debian's $m"
	fi
done

# ------------------------------------------------------------ the same verdicts

set=$(tr ' ' ',' <<<"$kernels")
# report MOD... -> JSON without timings
report() {
	local out=$1
	shift
	# shellcheck disable=SC2086
	"$KBTF" validate $mods -f json -o "$out.raw" "$@" 2>"$out.err"
	echo $? >"$out.rc"
	jq 'del(.. | .time_us?, .ms?, .total_ms?)' "$out.raw" >"$out" 2>/dev/null
}
report "$t_tmp/idx.json" --kernels "$set"
# and without the symbol step, so the BTF judges decide the verdicts
report "$t_tmp/idx-ns.json" --kernels "$set" --no-symbols
t_grep "indexed: all pairs judged" '"error": 0' "$t_tmp/idx.json"
npairs=$(jq '.results | length' "$t_tmp/idx.json")
want=$(($(wc -w <<<"$mods") * $(wc -w <<<"$kernels")))
if [ "$npairs" = "$want" ]; then t_ok "indexed: $npairs pairs"; else
	t_fail "indexed: $npairs pairs, expected $want"
fi
jq -r '.results[].verdict' "$t_tmp/idx.json" "$t_tmp/idx-ns.json" | sort | uniq -c |
	sed 's/^/    verdicts: /'
if [ "$(jq -s -r '[.[].results[].verdict] | unique | length' "$t_tmp/idx.json" \
	"$t_tmp/idx-ns.json")" -ge 3 ]; then
	t_ok "the pairs cover several verdicts"
else
	t_fail "the pairs cover fewer than three verdicts"
fi

# the full way reads Module.symvers text: the original file, as an older
# profile kept it (zstd), in place of the index holding it
mkdir -p "$t_tmp/aside"
for rel in $kernels; do
	mv "$store/$rel/index" "$t_tmp/aside/$rel.index"
	zstd -q -c "${sv[$rel]}" >"$store/$rel/Module.symvers"
done
report "$t_tmp/full.json" --kernels "$set"
report "$t_tmp/full-ns.json" --kernels "$set" --no-symbols
for rel in $kernels; do
	rm "$store/$rel/Module.symvers"
	mv "$t_tmp/aside/$rel.index" "$store/$rel/index"
done
if [ -s "$t_tmp/idx.json" ] && cmp -s "$t_tmp/idx.json" "$t_tmp/full.json" &&
	cmp -s "$t_tmp/idx.json.rc" "$t_tmp/full.json.rc"; then
	t_ok "index and full parse: the same report, exit code and every named type"
else
	t_fail "index and full parse differ"
	diff "$t_tmp/full.json" "$t_tmp/idx.json" | head -n 30 | sed 's/^/    | /'
fi
if [ -s "$t_tmp/idx-ns.json" ] && cmp -s "$t_tmp/idx-ns.json" "$t_tmp/full-ns.json"; then
	t_ok "the same without the symbol step (--no-symbols)"
else
	t_fail "index and full parse differ with --no-symbols"
	diff "$t_tmp/full-ns.json" "$t_tmp/idx-ns.json" | head -n 30 | sed 's/^/    | /'
fi

# the raw packages (Module.symvers given the same way)
pairs() { jq -c '.results[] | {"module": .module, "release": .release, "verdict": .verdict, "summary": .summary, "problems": .problems, "warnings": .warnings}' "$1"; }
: >"$t_tmp/deb.pairs"
for rel in $kernels; do
	report "$t_tmp/deb-$rel.json" --kernel "${deb[$rel]}" --symvers "${sv[$rel]}"
	pairs "$t_tmp/deb-$rel.json" >>"$t_tmp/deb.pairs"
done
pairs "$t_tmp/idx.json" | sort >"$t_tmp/idx.pairs"
sort "$t_tmp/deb.pairs" >"$t_tmp/deb.sorted"
if [ -s "$t_tmp/idx.pairs" ] && cmp -s "$t_tmp/idx.pairs" "$t_tmp/deb.sorted"; then
	t_ok "index and raw .deb: the same verdicts, problems and named types per pair"
else
	t_fail "index and raw .deb differ"
	diff "$t_tmp/deb.sorted" "$t_tmp/idx.pairs" | head -n 20 | sed 's/^/    | /'
fi

# a kernel stored without Module.symvers keeps a derived one: the image's
# export table and the in-tree modules' exports (kernel_modexports.c), and
# says so; the index and the full parse judge alike. The package itself
# (no profile: modules not read) leaves in-tree modules' symbols unchecked.
# The full way here: a profile added from the stored one (the table's text
# rebuilt from its index).
rt=6.12.113+deb12-rt-amd64
t_check "add $rt again without Module.symvers" "$KBTF" kernels add "${deb[$rt]}" --name rt-image
report "$t_tmp/img-deb.json" --kernel "${deb[$rt]}"
report "$t_tmp/img-idx.json" --kernels rt-image
t_check "add rt-image again from its profile (the full way)" \
	"$KBTF" kernels add "$store/rt-image" --name rt-full
mv "$store/rt-full/index" "$t_tmp/rt-full.index"
report "$t_tmp/img-full.json" --kernels rt-full
# the index was the profile's only Module.symvers: refused, never "none"
if [ "$(cat "$t_tmp/img-full.json.rc")" = 2 ] &&
	grep -qF "$store/rt-full: its Module.symvers is kept in its index: $store/rt-full: no Module.symvers and no index holding it" "$t_tmp/img-full.json.raw"; then
	t_ok "a profile whose index held Module.symvers, index removed: exit 2, one line"
else
	t_fail "index holding Module.symvers removed: exit $(cat "$t_tmp/img-full.json.rc")"
	sed 's/^/    | /' "$t_tmp/img-full.json.raw" "$t_tmp/img-full.json.err" | head -n 8
fi
mv "$t_tmp/rt-full.index" "$store/rt-full/index"
report "$t_tmp/img-full.json" --kernels rt-full
pairs "$t_tmp/img-deb.json" | sed 's/"release":"[^"]*"//' >"$t_tmp/img-deb.pairs"
pairs "$t_tmp/img-idx.json" | sed 's/"release":"[^"]*"//' >"$t_tmp/img-idx.pairs"
pairs "$t_tmp/img-full.json" | sed 's/"release":"[^"]*"//' >"$t_tmp/img-full.pairs"
if grep -q symbols-not-checked "$t_tmp/img-deb.pairs" &&
	grep -q symbols-derived "$t_tmp/img-idx.pairs" &&
	! grep -q symbols-not-checked "$t_tmp/img-idx.pairs" &&
	cmp -s "$t_tmp/img-idx.pairs" "$t_tmp/img-full.pairs"; then
	t_ok "exports derived from the image and its modules: index and full parse agree, all checked"
else
	t_fail "exports derived from the image and its modules: index and full parse differ"
	diff "$t_tmp/img-full.pairs" "$t_tmp/img-idx.pairs" | head -n 6 | cut -c1-300 | sed 's/^/    | /'
fi
"$KBTF" kernels rm rt-image rt-full >/dev/null

# ------------------------------------------------------------ refused, never believed

p=$store/6.12.113+deb12-rt-amd64
cp "$p/index" "$t_tmp/index.good"
# one byte inside what opening checks whole: the release, in the meta
# strings (the header's last 25 pairs are the sections; section 1)
hs=$(u32 "$p/index" 12)
printf '\x5a' | dd of="$p/index" bs=1 seek=$(($(u32 "$p/index" $((hs - 200 + 1 * 8))) + 3)) \
	conv=notrunc status=none
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64 \
	>"$t_tmp/bad.out" 2>"$t_tmp/bad.err"
rc=$?
# (the matrix reports a kernel it cannot open as an error row, exit 2)
# (the profile keeps Module.symvers in its index alone: re-adding the
# profile from itself cannot give it back, its packages can)
again="its Module.symvers was kept in the index alone: store the kernel again from its packages ('kbtf kernels add --force PACKAGE... --name 6.12.113+deb12-rt-amd64')"
if [ "$rc" = 2 ] && grep -qF "error: $p/index: damaged kernel index (checksum mismatch); $again" "$t_tmp/bad.out"; then
	t_ok "a damaged index: exit 2, one line naming it and how to get the kernel back"
else
	t_fail "a damaged index: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out" "$t_tmp/bad.err"
fi
t_exit 2 "  ... which the profile alone cannot: kernels add --force DIR refuses" \
	"$KBTF" kernels add --force "$p" --name rt-from-damaged
t_check "  ... and its package can" \
	"$KBTF" kernels add --force "${deb[$rt]}" --symvers "${sv[$rt]}" --name rt-from-package
"$KBTF" kernels rm rt-from-package >/dev/null
head -c 3000 "$t_tmp/index.good" >"$p/index"
t_exit 2 "a truncated index: exit 2" \
	"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64
cp "$t_tmp/index.good" "$p/index"
t_exit 1 "the good index back: judged again (btf-rejected, exit 1)" \
	"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64
# an edit as a user makes it (config is zstd): a new file in its place,
# not the shared object written through
{ zstd -dcq "$p/config" && echo "# edited"; } | zstd -q >"$t_tmp/config.edited"
mv "$t_tmp/config.edited" "$p/config"
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64 \
	>"$t_tmp/stale.out" 2>"$t_tmp/stale.err"
rc=$?
if [ "$rc" = 2 ] && grep -qF "$p/index: stale kernel index (config changed" "$t_tmp/stale.out"; then
	t_ok "a profile changed after its index was built: stale, exit 2"
else
	t_fail "a stale index: exit $rc"
	sed 's/^/    | /' "$t_tmp/stale.out" "$t_tmp/stale.err"
fi
t_check "kernels add --force DIR rebuilds the index" "$KBTF" kernels add --force --no-delta "$p"
t_exit 1 "and the profile judges again" \
	"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64

# the names, the type offsets and the symbol table are checked where a
# lookup reads them: the checksums of a table's blocks zeroed (outside the
# open-time checksum), the validation that reads them says so
cp "$p/index" "$t_tmp/index.good"
hs=$(u32 "$p/index" 12) # the header's size; its last 25 pairs: the sections
for part in "6 name slot blocks" "11 type offset blocks" "13 symbol slot blocks"; do
	sec=${part%% *}
	so=$(u32 "$p/index" $((hs - 200 + sec * 8)))
	sn=$(u32 "$p/index" $((hs - 200 + sec * 8 + 4)))
	cp "$t_tmp/index.good" "$p/index"
	dd if=/dev/zero of="$p/index" bs=1 seek="$so" count="$sn" conv=notrunc status=none
	"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64 \
		>"$t_tmp/dmg.out" 2>&1
	rc=$?
	if [ "$sn" -gt 0 ] && [ "$rc" = 2 ] &&
		grep -qF "$p: damaged kernel index (a checksum failed on use); $again" "$t_tmp/dmg.out"; then
		t_ok "damaged ${part#* } checksums: caught when read, exit 2, one line"
	else
		t_fail "damaged ${part#* } checksums ($sn bytes at $so): exit $rc"
		sed 's/^/    | /' "$t_tmp/dmg.out"
	fi
done
# an index of the previous format (version 7): refused with how to rebuild it
cp "$t_tmp/index.good" "$p/index"
printf '\x07\x00\x00\x00' | dd of="$p/index" bs=1 seek=8 conv=notrunc status=none
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64 \
	>"$t_tmp/v2.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -qF "$p/index: kernel index version 7, this kbtf reads 8; $again" "$t_tmp/v2.out"; then
	t_ok "an index of the previous format: exit 2, one line saying how to rebuild it"
else
	t_fail "an index of the previous format: exit $rc"
	sed 's/^/    | /' "$t_tmp/v2.out"
fi
cp "$t_tmp/index.good" "$p/index"
t_exit 1 "the good index back: judged again" \
	"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64

# processes adding and removing at once: one kernel under 48 names, every
# other one removed again; what is left validates from its index, and the
# objects are neither lost nor orphaned
src=$store/6.12.113+deb12-rt-amd64
for w in $(seq 1 24); do
	(
		"$KBTF" kernels add "$src" --name "w$w-a" >/dev/null 2>&1 || echo "add w$w-a" >>"$t_tmp/race.err"
		"$KBTF" kernels add "$src" --name "w$w-b" >/dev/null 2>&1 || echo "add w$w-b" >>"$t_tmp/race.err"
		"$KBTF" kernels rm "w$w-a" >/dev/null 2>&1 || echo "rm w$w-a" >>"$t_tmp/race.err"
	) &
done
wait
if [ ! -s "$t_tmp/race.err" ]; then t_ok "24 processes: 48 adds and 24 removes, none failed"; else
	t_fail "concurrent writers failed: $(tr '\n' ' ' <"$t_tmp/race.err")"
fi
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 6.12.113+deb12-rt-amd64 -f json \
	-o "$t_tmp/orig.json" 2>/dev/null
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels 'w*-b' -f json -o "$t_tmp/race.json" 2>/dev/null
want=$(jq -r '.results[0] | .verdict + " " + .summary' "$t_tmp/orig.json" 2>/dev/null)
n=$(jq --arg w "$want" '[.results[] | select(.verdict + " " + .summary == $w)] | length' \
	"$t_tmp/race.json" 2>/dev/null)
if [ -n "$want" ] && [ "$n" = 24 ]; then
	t_ok "the 24 left judge from their index as the original does ($want)"
else
	t_fail "$n of 24 profiles left judged as the original ($want)"
fi
orphans=$(find "$store/.objects" -type f -links 1 | wc -l)
shared=$(stat -c %h "$(readlink -f "$src/index")")
if [ "$orphans" = 0 ] && [ "$(stat -c %h "$src/index")" -ge 26 ]; then
	t_ok "no orphaned object; the 25 profiles share one index ($shared links)"
else
	t_fail "$orphans orphaned objects; the index has $(stat -c %h "$src/index") links"
fi
"$KBTF" kernels rm 'w*' >/dev/null
t_exit 0 "and removing them leaves no orphan" test "$(find "$store/.objects" -type f -links 1 | wc -l)" = 0

# a BTF record damaged in place, size and mtime kept: caught when read
p=$store/$release
cp -p "$p/btf" "$t_tmp/btf.good"
dd if=/dev/zero of="$p/btf" bs=4096 seek=49 count=700 conv=notrunc status=none
touch -r "$t_tmp/btf.good" "$p/btf"
"$KBTF" validate "$t_tmp/dist/kbtf_demo.ko" --kernels "$release" >"$t_tmp/dmg.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -qF "$p: damaged kernel profile (a BTF record does not match its index)" \
	"$t_tmp/dmg.out"; then
	t_ok "a BTF record damaged after the index was built: exit 2, one line"
else
	t_fail "a damaged BTF record: exit $rc"
	sed 's/^/    | /' "$t_tmp/dmg.out"
fi
cp -p "$t_tmp/btf.good" "$p/btf"

t_done

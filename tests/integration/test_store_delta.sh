#!/bin/bash
# test_store_delta.sh: kernels stored as deltas, `kbtf kernels add`'s
# default (issue 18 item 3), on real Debian kernels: their BTF is a delta
# against a stored kernel of the same series, a fraction of its size, and
# every verdict, problem and named type equals the raw profiles'
# (`--no-delta`; `--delta`, once needed, is still accepted):
#   - kernels: bookworm 6.12.113 amd64 (stored first, the reference), its
#     rt and cloud flavours, 6.12.117 amd64 (the next ABI); 6.1.0-56 amd64
#     and cloud (built with pahole -j: blocks of types in another order,
#     the flavours 18% apart, so cloud is stored raw as its flavour's
#     reference);
#   - modules: Debian's e1000e and wireguard as packaged (split .BTF, the
#     kernel's BTF read for their types) and distilled by kbtf;
#   - the JSON reports through the raw and the delta store equal, with and
#     without the symbol step; so after the reference profile is removed
#     (its BTF object stays, linked by the deltas, and is collected with
#     the last of them);
#   - their index is a delta against the reference's (index.ref, a link to
#     its object): a fraction of its size, Module.symvers printed from it
#     byte for byte as from the raw store's;
#   - 6.12.118 amd64 (from its headers package), whose CRCs are 97% those
#     of 6.12.117: its index tells them against 6.12.117's (index.crcref),
#     a fraction of 6.12.117's delta index; removing 6.12.117 keeps it;
#   - a delta profile's config against the reference's (config.ref), read
#     through it when a validation goes the full way;
#   - a damaged delta, a missing reference, a damaged, missing or other
#     reference index, a missing CRC donor index: exit 2, one line naming
#     the file and why;
#   - kbtf kernels btf writes each delta profile's BTF as the raw store
#     keeps it, byte for byte;
#   - kbtf kernels fetch --jobs 2 of four 6.12 kernels (their headers,
#     from the test cache) stores the same raw references and deltas as
#     fetching them one by one in the order of its plan;
#   - kbtf kernels repack turns the raw store into deltas where that pays,
#     each BTF and every report the same.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

command -v jq >/dev/null || t_skip_all "needs jq"
fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" "$@"; }

ref=6.12.113+deb12-amd64
donee=6.12.118+deb12-amd64
kernels="$ref 6.12.113+deb12-rt-amd64 6.12.113+deb12-cloud-amd64 6.12.117+deb12-amd64 $donee 6.1.0-56-amd64 6.1.0-56-cloud-amd64"
declare -A deb
for rel in $kernels; do
	pkg=linux-image-$rel
	[ "$rel" = "$donee" ] && pkg=linux-headers-$rel # its vmlinux, config and Module.symvers
	deb[$rel]=$(fetch bookworm "$pkg") || { t_fail "fetch $pkg"; t_done; }
done
raw=$t_tmp/raw
delta=$t_tmp/delta
for rel in $kernels; do
	XDG_CACHE_HOME=$raw "$KBTF" kernels add "${deb[$rel]}" --no-delta >/dev/null 2>"$t_tmp/add.err" ||
		t_fail "add $rel --no-delta: $(cat "$t_tmp/add.err")"
	# deltas by default; 6.12.117 with --delta, as scripts asked for them
	how=
	[ "$rel" = 6.12.117+deb12-amd64 ] && how=--delta
	# shellcheck disable=SC2086
	XDG_CACHE_HOME=$delta "$KBTF" kernels add "${deb[$rel]}" $how >/dev/null \
		2>"$t_tmp/add.err" || t_fail "add $rel $how: $(cat "$t_tmp/add.err")"
done
rs=$raw/kbtf/kernels
ds=$delta/kbtf/kernels

# ------------------------------------------------------------ stored as deltas

XDG_CACHE_HOME=$delta "$KBTF" kernels list --json >"$t_tmp/list.json"
enc() { jq -r --arg n "$1" '.profiles[] | select(.name == $n) | .btf.encoding' "$t_tmp/list.json"; }
XDG_CACHE_HOME=$raw "$KBTF" kernels list --json >"$t_tmp/rlist.json"
encs=$(jq -r '[.profiles[].btf.encoding] | unique | join(" ")' "$t_tmp/rlist.json")
nref=$(find "$rs" -name btf.ref -o -name index.ref | wc -l)
if [ "$encs" = raw ] && [ "$nref" = 0 ]; then
	t_ok "--no-delta: every profile raw, no btf.ref or index.ref"
else
	t_fail "--no-delta: encodings '$encs', $nref btf.ref/index.ref files"
fi
if [ "$(enc 6.12.113+deb12-rt-amd64)" = delta ] && [ "$(enc 6.12.113+deb12-cloud-amd64)" = delta ]; then
	t_ok "added by default: 6.12.113 rt and cloud stored as deltas against 6.12.113 amd64"
else
	t_fail "added by default: rt $(enc 6.12.113+deb12-rt-amd64), cloud $(enc 6.12.113+deb12-cloud-amd64)"
fi
if [ "$(enc 6.12.117+deb12-amd64)" = delta ]; then
	t_ok "--delta, the default now, is still accepted"
else
	t_fail "6.12.117 added with --delta: $(enc 6.12.117+deb12-amd64)"
fi
if [ "$(enc $ref)" = raw ] && [ "$(enc 6.1.0-56-amd64)" = raw ] &&
	[ "$(enc 6.1.0-56-cloud-amd64)" = raw ]; then
	t_ok "the first kernel of each series and flavour 15% apart or more is stored raw"
else
	t_fail "first of a series or flavour: $(enc $ref), $(enc 6.1.0-56-amd64), $(enc 6.1.0-56-cloud-amd64)"
fi
nd=0
for rel in $kernels; do
	[ "$(enc "$rel")" = delta ] || continue
	nd=$((nd + 1))
	# the reference's object, linked
	if [ ! -f "$ds/$rel/btf.ref" ] || [ "$(stat -c %i "$ds/$rel/btf.ref")" != "$(stat -c %i "$ds/$ref/btf")" ] &&
		[ "$(stat -c %i "$ds/$rel/btf.ref")" != "$(stat -c %i "$ds/6.1.0-56-amd64/btf")" ]; then
		t_fail "$rel: btf.ref is not the reference's btf object"
	fi
	# and its index, a delta against the reference's
	if [ ! -f "$ds/$rel/index.ref" ] ||
		{ [ "$(stat -c %i "$ds/$rel/index.ref")" != "$(stat -c %i "$ds/$ref/index")" ] &&
			[ "$(stat -c %i "$ds/$rel/index.ref")" != "$(stat -c %i "$ds/6.1.0-56-amd64/index")" ]; }; then
		t_fail "$rel: index.ref is not the reference's index object"
	elif [ "$(stat -c %s "$ds/$rel/index")" -gt $(($(stat -c %s "$ds/$rel/index.ref") / 4)) ]; then
		t_fail "$rel: index of $(stat -c %s "$ds/$rel/index") bytes, not a delta"
	else
		echo "    $rel: index $(stat -c %s "$ds/$rel/index") bytes, its reference's $(stat -c %s "$ds/$rel/index.ref")"
	fi
done
if [ "$nd" = 4 ]; then t_ok "the 4 other kernels are stored as deltas, BTF and index"; else
	t_fail "$nd kernels stored as deltas, expected 4"
	jq -c '.profiles[] | [.name, .btf]' "$t_tmp/list.json" | sed 's/^/    | /'
fi
bytes() { jq '[.profiles[].btf.stored] | add' "$1"; }
rb=$(bytes "$t_tmp/rlist.json")
db=$(bytes "$t_tmp/list.json")
echo "    BTF stored: $rb bytes raw, $db as deltas"
if [ "$db" -lt $((rb * 55 / 100)) ]; then t_ok "deltas: the store's BTF under 55% of raw"; else
	t_fail "deltas: $db bytes of $rb"
fi

n=0
for rel in $kernels; do
	XDG_CACHE_HOME=$raw "$KBTF" kernels symvers "$rel" >"$t_tmp/raw.symvers" &&
		XDG_CACHE_HOME=$delta "$KBTF" kernels symvers "$rel" >"$t_tmp/delta.symvers" &&
		[ -s "$t_tmp/raw.symvers" ] && cmp -s "$t_tmp/raw.symvers" "$t_tmp/delta.symvers" &&
		n=$((n + 1))
done
if [ "$n" = 7 ]; then t_ok "kernels symvers: the delta store prints each Module.symvers byte for byte"; else
	t_fail "kernels symvers: $n of 7 the same through the delta index"
fi
# 6.12.118's CRCs told against 6.12.117's, whose own are whole
d118=$ds/$donee
d117=$ds/6.12.117+deb12-amd64
if [ -f "$d118/index.crcref" ] && [ "$(stat -c %i "$d118/index.crcref")" = "$(stat -c %i "$d117/index")" ] &&
	[ ! -e "$d117/index.crcref" ]; then
	t_ok "6.12.118's index tells its CRCs against 6.12.117's index (index.crcref)"
else
	t_fail "6.12.118: no index.crcref linking 6.12.117's index"
	ls -li "$d118" "$d117" | sed 's/^/    | /'
fi
if [ "$(stat -c %s "$d118/index")" -lt $(($(stat -c %s "$d117/index") / 3)) ]; then
	t_ok "  ... and its index is under a third of 6.12.117's ($(stat -c %s "$d118/index") of $(stat -c %s "$d117/index") bytes)"
else
	t_fail "  ... its index is $(stat -c %s "$d118/index") bytes, 6.12.117's $(stat -c %s "$d117/index")"
fi
# the configs of the deltas, against the reference's
n=0
for rel in $kernels; do
	[ -e "$ds/$rel/config.ref" ] || continue
	XDG_CACHE_HOME=$raw "$KBTF" kernels config "$rel" >"$t_tmp/raw.config" &&
		XDG_CACHE_HOME=$delta "$KBTF" kernels config "$rel" >"$t_tmp/delta.config" &&
		[ -s "$t_tmp/raw.config" ] && cmp -s "$t_tmp/raw.config" "$t_tmp/delta.config" &&
		[ "$(stat -c %s "$ds/$rel/config")" -lt 8192 ] && n=$((n + 1))
done
if [ "$n" = 4 ]; then t_ok "kernels config: the 4 deltas' configs, under 8 KB each, print as the raw store's"; else
	t_fail "kernels config: $n of 4 deltas' configs small and the same as the raw store's"
fi
n=0
for rel in $kernels; do
	XDG_CACHE_HOME=$delta "$KBTF" kernels btf "$rel" -o "$t_tmp/kb.btf" &&
		cmp -s "$t_tmp/kb.btf" "$rs/$rel/btf" &&
		XDG_CACHE_HOME=$delta "$KBTF" kernels btf "$rel" | cmp -s - "$rs/$rel/btf" &&
		n=$((n + 1))
done
if [ "$n" = "$(wc -w <<<"$kernels")" ]; then t_ok "kernels btf (-o and stdout): each delta profile's BTF as the raw store keeps it"; else
	t_fail "kernels btf: $n of $(wc -w <<<"$kernels") byte for byte the raw store's btf"
fi

# ------------------------------------------------------------ modules

mkdir -p "$t_tmp/img" "$t_tmp/mods"
dpkg-deb --fsys-tarfile "${deb[$ref]}" | tar -x -C "$t_tmp/img" --wildcards \
	'*/e1000e.ko.xz' '*/wireguard.ko.xz'
mods=
for m in e1000e wireguard; do
	xz -dc "$(find "$t_tmp/img" -name "$m.ko.xz")" >"$t_tmp/mods/$m.ko"
	mods="$mods $t_tmp/mods/$m.ko"
	t_unsign "$t_tmp/mods/$m.ko" "$t_tmp/mods/$m.plain.ko"
	if XDG_CACHE_HOME=$raw "$KBTF" distill -q "$t_tmp/mods/$m.plain.ko" --base "$rs/$ref" \
		-o "$t_tmp/mods/$m-distilled.ko"; then
		mods="$mods $t_tmp/mods/$m-distilled.ko"
	else
		t_fail "distill Debian's $m"
	fi
done

# ------------------------------------------------------------ the same verdicts

# report STORE OUT KERNELS [ARGS...] -> JSON without timings or store paths
report() {
	local store=$1 out=$2 set=$3
	shift 3
	# shellcheck disable=SC2086
	XDG_CACHE_HOME=$store "$KBTF" validate $mods -f json -o "$out.raw" --kernels "$set" "$@" \
		2>"$out.err"
	echo $? >"$out.rc"
	jq 'del(.. | .time_us?, .ms?, .total_ms?)' "$out.raw" 2>/dev/null |
		sed "s|$store/kbtf/kernels/|STORE/|g" >"$out"
}
same() {
	local what=$1 a=$2 b=$3
	if [ -s "$a" ] && cmp -s "$a" "$b" && cmp -s "$a.rc" "$b.rc"; then
		t_ok "$what"
	else
		t_fail "$what: the reports differ"
		diff "$a" "$b" | head -n 20 | sed 's/^/    | /'
	fi
}
set=$(tr ' ' ',' <<<"$kernels")
report "$raw" "$t_tmp/raw.json" "$set"
report "$delta" "$t_tmp/delta.json" "$set"
report "$raw" "$t_tmp/raw-ns.json" "$set" --no-symbols
report "$delta" "$t_tmp/delta-ns.json" "$set" --no-symbols
t_grep "all pairs judged" '"error": 0' "$t_tmp/delta.json"
jq -r '.results[].verdict' "$t_tmp/raw.json" "$t_tmp/raw-ns.json" | sort | uniq -c |
	sed 's/^/    verdicts: /'
npairs=$(jq '.results | length' "$t_tmp/delta.json")
if [ "$npairs" = $(($(wc -w <<<"$mods") * $(wc -w <<<"$kernels"))) ]; then
	t_ok "$npairs pairs"
else
	t_fail "$npairs pairs"
fi
same "raw and delta store: the same report, exit code and every named type" \
	"$t_tmp/raw.json" "$t_tmp/delta.json"
same "the same without the symbol step (--no-symbols)" "$t_tmp/raw-ns.json" "$t_tmp/delta-ns.json"
n=0
for rel in $kernels; do [ -e "$ds/$rel/Module.symvers" ] && n=$((n + 1)); done
if [ "$n" = 0 ]; then t_ok "no delta profile keeps Module.symvers beside its index"; else
	t_fail "$n delta profiles keep Module.symvers beside an index holding it"
fi
# the full way too (no index: the profile's BTF rebuilt and parsed whole;
# its Module.symvers, kept in the index alone, printed beside it first)
for rel in $kernels; do
	XDG_CACHE_HOME=$delta "$KBTF" kernels symvers "$rel" >"$t_tmp/$rel.symvers" ||
		t_fail "kernels symvers $rel"
	mv "$t_tmp/$rel.symvers" "$ds/$rel/Module.symvers"
	mv "$ds/$rel/index" "$t_tmp/$rel.index"
done
report "$delta" "$t_tmp/delta-full.json" "$set"
for rel in $kernels; do
	rm "$ds/$rel/Module.symvers"
	mv "$t_tmp/$rel.index" "$ds/$rel/index"
done
same "delta store without its index: the same report" "$t_tmp/raw.json" "$t_tmp/delta-full.json"

# ------------------------------------------------------------ refused, never believed

p=$ds/6.12.117+deb12-amd64
one() { XDG_CACHE_HOME=$delta "$KBTF" validate "$t_tmp/mods/e1000e.ko" --kernels 6.12.117+deb12-amd64 \
	>"$t_tmp/bad.out" 2>&1; }
# a copy with one byte of its header changed (the rebuilt BTF's size),
# the stamps' size and mtime kept (the profile's btf is a link to a
# shared object: never write it in place)
cp -p "$p/btf" "$t_tmp/btf.bad"
printf '\x5a' | dd of="$t_tmp/btf.bad" bs=1 seek=41 conv=notrunc status=none
touch -r "$p/btf" "$t_tmp/btf.bad"
mv "$p/btf" "$t_tmp/btf.good"
mv "$t_tmp/btf.bad" "$p/btf"
one
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $p/btf: damaged BTF delta (checksum mismatch)" "$t_tmp/bad.out"; then
	t_ok "a damaged delta: exit 2, one line naming it"
else
	t_fail "a damaged delta: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
XDG_CACHE_HOME=$delta "$KBTF" kernels btf 6.12.117+deb12-amd64 -o "$t_tmp/kb.btf" 2>"$t_tmp/bad.out"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$t_tmp/bad.out")" = 1 ] &&
	grep -qF "$p/btf: damaged BTF delta (checksum mismatch)" "$t_tmp/bad.out"; then
	t_ok "  ... kernels btf of it too"
else
	t_fail "kernels btf of a damaged delta: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
mv "$t_tmp/btf.good" "$p/btf"
mv "$p/btf.ref" "$t_tmp/btf.ref"
one
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $p/btf.ref (the BTF $p/btf is a delta against): cannot open" "$t_tmp/bad.out"; then
	t_ok "a missing reference: exit 2, one line naming it"
else
	t_fail "a missing reference: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
mv "$t_tmp/btf.ref" "$p/btf.ref"
# the reference index: missing, damaged (a copy), another kernel's
mv "$p/index.ref" "$t_tmp/index.ref"
one
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $p/index: damaged kernel index (a delta against index.ref, which is missing)" "$t_tmp/bad.out"; then
	t_ok "a missing reference index: exit 2, one line naming it"
else
	t_fail "a missing reference index: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
# a byte of what opening checks whole: the release, in the meta strings
# (the header's size at byte 12, its last 25 pairs the sections; section 1)
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
cp "$t_tmp/index.ref" "$p/index.ref"
hs=$(u32 "$p/index.ref" 12)
printf '\x5a' | dd of="$p/index.ref" bs=1 seek=$(($(u32 "$p/index.ref" $((hs - 200 + 8))) + 3)) \
	conv=notrunc status=none
one
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $p/index.ref: damaged kernel index (checksum mismatch)" "$t_tmp/bad.out"; then
	t_ok "a damaged reference index: exit 2, one line naming it"
else
	t_fail "a damaged reference index: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
cp "$rs/6.1.0-56-cloud-amd64/index" "$p/index.ref"
one
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $p/index: kernel index is a delta against another reference index" "$t_tmp/bad.out"; then
	t_ok "another reference index: exit 2, one line naming it"
else
	t_fail "another reference index: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
rm "$p/index.ref"
mv "$t_tmp/index.ref" "$p/index.ref"
one
t_check "restored: judged again" test "$?" -le 1
# the CRC donor index missing
mv "$d118/index.crcref" "$t_tmp/index.crcref"
XDG_CACHE_HOME=$delta "$KBTF" validate "$t_tmp/mods/e1000e.ko" --kernels "$donee" >"$t_tmp/bad.out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -qF "error: $d118/index: damaged kernel index (CRCs told against index.crcref, which is missing)" "$t_tmp/bad.out"; then
	t_ok "a missing CRC donor index: exit 2, one line naming it"
else
	t_fail "a missing CRC donor index: exit $rc"
	sed 's/^/    | /' "$t_tmp/bad.out"
fi
mv "$t_tmp/index.crcref" "$d118/index.crcref"

# ------------------------------------------------------------ rm and gc

refobj=$(stat -c %i "$ds/$ref/btf")
refidx=$(stat -c %i "$ds/$ref/index")
t_check "remove the reference profile" env XDG_CACHE_HOME="$delta" "$KBTF" kernels rm "$ref"
rest=${kernels#"$ref "}
set=$(tr ' ' ',' <<<"$rest")
report "$raw" "$t_tmp/raw-rest.json" "$set"
report "$delta" "$t_tmp/delta-rest.json" "$set"
same "the reference removed: the deltas read as before" "$t_tmp/raw-rest.json" "$t_tmp/delta-rest.json"
t_check "remove 6.12.117, 6.12.118's CRC donor" env XDG_CACHE_HOME="$delta" "$KBTF" kernels rm 6.12.117+deb12-amd64
rest=${rest/6.12.117+deb12-amd64 /}
XDG_CACHE_HOME=$raw "$KBTF" kernels symvers "$donee" >"$t_tmp/raw.symvers"
XDG_CACHE_HOME=$delta "$KBTF" kernels symvers "$donee" >"$t_tmp/delta.symvers"
t_check "  ... 6.12.118's Module.symvers still prints byte for byte" cmp -s "$t_tmp/raw.symvers" "$t_tmp/delta.symvers"
objs() { find "$ds/.objects" -type f \( -inum "$refobj" -o -inum "$refidx" \) | wc -l; }
if [ "$(objs)" = 2 ]; then t_ok "its BTF and index objects stay while deltas link them"; else
	t_fail "the reference's BTF or index object is gone"
fi
for rel in $rest; do
	case $rel in 6.12.*) XDG_CACHE_HOME=$delta "$KBTF" kernels rm "$rel" >/dev/null ;; esac
done
if [ "$(objs)" = 0 ]; then t_ok "collected with the last delta against it"; else
	t_fail "the reference's BTF or index object outlives its deltas"
fi

# ------------------------------------------------------------ fetch --jobs 2

# The headers packages of four 6.12 kernels, from the test cache (--deb-dir:
# reused, checked, never removed; the repository metadata is the cache's,
# as test_kernels.sh reads it). Stored at once, the first two would each
# find no reference and stay raw; fetch chooses them as one by one does.
fdebs=$KBTF_TEST_CACHE/debs
specs=("debian:linux-image-6.12.113+deb12-*amd64" "debian:linux-image-6.12.117+deb12-amd64")
for rel in 6.12.113+deb12-amd64 6.12.113+deb12-cloud-amd64 6.12.113+deb12-rt-amd64 6.12.117+deb12-amd64; do
	fetch bookworm "linux-headers-$rel" >/dev/null || { t_fail "fetch linux-headers-$rel"; t_done; }
done
mkdir -p "$KBTF_TEST_CACHE/kbtf-repos"
for d in one jobs; do
	mkdir -p "$t_tmp/$d/kbtf" && ln -s "$KBTF_TEST_CACHE/kbtf-repos" "$t_tmp/$d/kbtf/repos"
done
XDG_CACHE_HOME=$t_tmp/jobs "$KBTF" kernels fetch --dry-run "${specs[@]}" >"$t_tmp/plan.out" 2>&1
order=$(sed -n 's|^debian/bookworm/amd64 \([^ ]*\) .*|\1|p' "$t_tmp/plan.out")
if [ "$(wc -w <<<"$order")" = 4 ]; then t_ok "fetch --dry-run plans the four kernels"; else
	t_fail "fetch --dry-run planned: $(tr '\n' ' ' <<<"$order")"
	sed 's/^/    | /' "$t_tmp/plan.out" | tail -n 5
fi
for rel in $order; do
	XDG_CACHE_HOME=$t_tmp/one "$KBTF" kernels fetch --deb-dir "$fdebs" "debian:linux-image-$rel" \
		>"$t_tmp/fetch.out" 2>&1 || { t_fail "fetch $rel alone"; sed 's/^/    | /' "$t_tmp/fetch.out"; }
done
XDG_CACHE_HOME=$t_tmp/jobs "$KBTF" kernels fetch --jobs 2 --deb-dir "$fdebs" "${specs[@]}" \
	>"$t_tmp/fetch.out" 2>&1 || { t_fail "fetch --jobs 2"; sed 's/^/    | /' "$t_tmp/fetch.out"; }
# refs STORE: "NAME ENCODING REFERENCE" per profile (the reference: the
# profile whose btf is the object btf.ref links)
refs() {
	local root=$1/kbtf/kernels name ino o ref
	XDG_CACHE_HOME=$1 "$KBTF" kernels list --json |
		jq -r '.profiles[] | "\(.name) \(.btf.encoding)"' | sort | while read -r name enc; do
		ref=-
		if [ -e "$root/$name/btf.ref" ]; then
			ino=$(stat -c %i "$root/$name/btf.ref")
			for o in "$root"/*/btf; do
				[ "$(stat -c %i "$o")" = "$ino" ] && ref=$(basename "$(dirname "$o")")
			done
		fi
		echo "$name $enc $ref"
	done
}
refs "$t_tmp/one" >"$t_tmp/one.refs"
refs "$t_tmp/jobs" >"$t_tmp/jobs.refs"
sed 's/^/    one by one: /' "$t_tmp/one.refs"
if [ "$(grep -c ' raw -$' "$t_tmp/one.refs")" = 1 ] && [ "$(grep -c ' delta ' "$t_tmp/one.refs")" = 3 ] &&
	cmp -s "$t_tmp/one.refs" "$t_tmp/jobs.refs"; then
	t_ok "fetch --jobs 2: 1 raw reference and 3 deltas against it, as fetched one by one"
else
	t_fail "fetch --jobs 2 chose other references than one by one"
	diff "$t_tmp/one.refs" "$t_tmp/jobs.refs" | sed 's/^/    | /'
fi

# the same kernel under another name: its BTF is the reference's, byte for
# byte, so it stays raw and shares that file (no delta at all)
h113=$(ls "$fdebs"/bookworm/linux-headers-6.12.113+deb12-amd64_*.deb | head -n1)
XDG_CACHE_HOME=$t_tmp/one "$KBTF" kernels add --name again "$h113" >/dev/null 2>&1 ||
	t_fail "add 6.12.113's headers again under another name"
o=$t_tmp/one/kbtf/kernels
if [ ! -e "$o/again/btf.ref" ] && [ "$(stat -c %i "$o/again/btf")" = "$(stat -c %i "$o/6.12.113+deb12-amd64/btf")" ]; then
	t_ok "the same kernel under another name: raw, sharing the reference's btf object"
else
	t_fail "the same kernel under another name: $(ls "$o/again" | tr '\n' ' ')"
fi

# ------------------------------------------------------------ repack

# the raw store (--no-delta), as a store made before deltas were the
# default: repack makes deltas of what no delta is against, in version
# order, and every report stays the same
for rel in $kernels; do cp "$rs/$rel/btf" "$t_tmp/$rel.before.btf"; done
XDG_CACHE_HOME=$raw "$KBTF" kernels repack >"$t_tmp/repack.out" 2>&1
rc=$?
sed 's/^/    /' "$t_tmp/repack.out"
XDG_CACHE_HOME=$raw "$KBTF" kernels list --json >"$t_tmp/rlist.json"
renc() { jq -r --arg n "$1" '.profiles[] | select(.name == $n) | .btf.encoding' "$t_tmp/rlist.json"; }
nd=0
for rel in $kernels; do [ "$(renc "$rel")" = delta ] && nd=$((nd + 1)); done
if [ "$rc" = 0 ] && [ "$nd" -ge 2 ] && [ "$(renc 6.1.0-56-amd64)" = raw ] &&
	[ "$(renc 6.1.0-56-cloud-amd64)" = raw ] &&
	grep -q '^6\.1\.0-56-amd64: stays raw: no stored kernel of its series gives a delta that pays$' "$t_tmp/repack.out" &&
	grep -q '^6\.12\.117+deb12-amd64: stays raw: the reference of a delta$' "$t_tmp/repack.out" &&
	grep -q "^$nd profiles repacked, " "$t_tmp/repack.out"; then
	t_ok "repack: $nd of the 5 raw 6.12 kernels now deltas; 6.1's flavours (16-27% apart) and the reference stay raw"
else
	t_fail "repack: exit $rc, $nd deltas"
	jq -c '.profiles[] | [.name, .btf.encoding]' "$t_tmp/rlist.json" | sed 's/^/    | /'
fi
n=0
for rel in $kernels; do
	[ "$(renc "$rel")" != delta ] || [ -e "$rs/$rel/btf.ref" ] || continue
	XDG_CACHE_HOME=$raw "$KBTF" kernels btf "$rel" | cmp -s - "$t_tmp/$rel.before.btf" && n=$((n + 1))
done
if [ "$n" = "$(wc -w <<<"$kernels")" ]; then t_ok "  ... each BTF the same, byte for byte (kernels btf)"; else
	t_fail "  ... $n of $(wc -w <<<"$kernels") BTF the same after repack"
fi
set=$(tr ' ' ',' <<<"$kernels")
report "$raw" "$t_tmp/repacked.json" "$set"
same "  ... and the same report, exit code and every named type" "$t_tmp/raw.json" "$t_tmp/repacked.json"
XDG_CACHE_HOME=$raw "$KBTF" kernels repack >"$t_tmp/repack.out" 2>&1
t_grep "  ... a second repack finds nothing to do" '^0 profiles repacked, 0 kB of BTF less$' "$t_tmp/repack.out"
t_exit 2 "repack of a set that matches nothing: exit 2" \
	env XDG_CACHE_HOME="$raw" "$KBTF" kernels repack 'nomatch*'

t_done

#!/bin/bash
# test_kernel_exports.sh: a kernel's exports read from its boot image
# alone (issue 15 item 2). The x86 bzImage's payload keeps __ksymtab,
# __ksymtab_gpl, __kcrctab, __kcrctab_gpl and __ksymtab_strings; kbtf reads
# every export, CRC, GPL flag and namespace from them when no
# Module.symvers comes with the kernel. Held against the headers package's
# Module.symvers of the same Debian kernels (6.1 and 6.12, amd64 and rt):
# the vmlinux lines must be the same, every one.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

[ -x "${KBTF_FIXTURE:-}" ] || t_skip_all "no kbtf-fixture (make integration builds it)"
command -v jq >/dev/null || t_skip_all "no jq"

for rel in 6.1.0-56-amd64 6.12.113+deb12-amd64 6.12.113+deb12-rt-amd64 6.12.117+deb12-amd64; do
	d=$(t_kernel_dir "$rel") || { t_fail "fetch and unpack $rel"; continue; }
	sv=$d/usr/src/linux-headers-$rel/Module.symvers
	if ! "$KBTF_FIXTURE" exports "$d/boot/vmlinuz-$rel" "$t_tmp/$rel.symvers"; then
		t_fail "$rel: exports read from the boot image"
		continue
	fi
	n=$(wc -l <"$t_tmp/$rel.symvers")
	awk -F'\t' '$3 == "vmlinux"' "$sv" | sort >"$t_tmp/want"
	sort "$t_tmp/$rel.symvers" >"$t_tmp/got"
	if [ "$n" -gt 10000 ] && cmp -s "$t_tmp/want" "$t_tmp/got"; then
		t_ok "$rel: $n exports from the image, each with the CRC, GPL flag and namespace of Module.symvers"
	else
		t_fail "$rel: image exports differ from Module.symvers ($n read)"
		diff "$t_tmp/want" "$t_tmp/got" | head -n 10 | sed 's/^/    | /'
	fi
done
t_check "namespaced exports are among them (6.12.113: CRYPTO_INTERNAL)" \
	grep -q $'\tEXPORT_SYMBOL_GPL\tCRYPTO_INTERNAL$' "$t_tmp/6.12.113+deb12-amd64.symvers"

# ---------------------------------------------- validate with the image alone
# 6.12.117 (no headers on this host): the boot image and its config, no
# Module.symvers; the verdict and every symbol problem equal those judged
# with the headers' Module.symvers.
d=$(t_kernel_dir 6.12.117+deb12-amd64)
mkdir -p "$t_tmp/img117/boot"
ln -s "$d"/boot/vmlinuz-* "$d"/boot/config-* "$t_tmp/img117/boot/"
demo=$t_tmp/demo
mkdir -p "$demo"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild} "$demo/"
if "$KBTF" build -q -k 6.12.113+deb12-amd64 -C "$demo" >"$t_tmp/build.log" 2>&1; then
	"$KBTF" validate "$demo/kbtf_demo.ko" --kernel "$d" --format json -o "$t_tmp/with.json"
	"$KBTF" validate "$demo/kbtf_demo.ko" --kernel "$t_tmp/img117" --format json -o "$t_tmp/image.json"
	# the same facts; only where the kernel's CRC was read differs
	facts='.results[0] | [.verdict, .kernel_log, [.problems[] | [.name, .reason, .expected,
		((.actual // "") | sub("\\(the image'"'"'s export table"; "(Module.symvers"))]]]'
	if [ "$(jq -c "$facts" "$t_tmp/with.json")" = "$(jq -c "$facts" "$t_tmp/image.json")" ] &&
		jq -e '[.results[0].problems[].actual | select(test("Module.symvers"))] | length == 0' \
			"$t_tmp/image.json" >/dev/null; then
		t_ok "6.12.117 from its image alone: verdict, kernel log and $(jq '.results[0].problems | length' "$t_tmp/image.json") symbol problems as with Module.symvers"
	else
		t_fail "6.12.117: the image alone judges otherwise than Module.symvers"
		diff <(jq "$facts" "$t_tmp/with.json") <(jq "$facts" "$t_tmp/image.json") | head -n 20 | sed 's/^/    | /'
	fi
	t_check "  ... and says its symbols were checked against the image's export table" \
		jq -e '[.results[0].warnings[].kind] | index("symbols-from-image") != null and index("symbols-not-checked") == null' "$t_tmp/image.json"
else
	t_fail "kbtf build of the example"
	tail -n 5 "$t_tmp/build.log" | sed 's/^/    | /'
fi

# ------------------------------------- in-tree modules' exports (issue 15 item 2)
# "kbtf kernels add" of an image package alone also reads the exports of
# every in-tree module it ships (lib/modules/REL/kernel/**.ko.xz): with
# vmlinux's from the image, the profile's derived Module.symvers must be the
# headers' Module.symvers, every line (symbol, CRC, module, kind,
# namespace). 6.12 modules carry .mod.c-made tables, 6.1 the
# EXPORT_SYMBOL macro's. (Kernels whose headers are installed on this host
# are left out: kbtf takes the host's Module.symvers for them.)
fetch=$KBTF_ROOT/tests/lib/debfetch.sh
for rel in 6.12.113+deb12-rt-amd64 6.1.0-56-cloud-amd64; do
	img=$("$fetch" bookworm "linux-image-$rel" | tail -n1)
	hdr=$("$fetch" bookworm "linux-headers-$rel" | tail -n1)
	if [ ! -f "$img" ] || [ ! -f "$hdr" ]; then
		t_fail "$rel: image and headers packages fetched"
		continue
	fi
	if ! XDG_CACHE_HOME=$t_tmp/derived "$KBTF" kernels add "$img" >"$t_tmp/add.log" 2>&1; then
		t_fail "$rel: kernels add of the image package alone"
		tail -n 5 "$t_tmp/add.log" | sed 's/^/    | /'
		continue
	fi
	prof=$t_tmp/derived/kbtf/kernels/$rel
	# (the profile keeps it in its index alone when the table rebuilds it)
	XDG_CACHE_HOME=$t_tmp/derived "$KBTF" kernels symvers "$rel" | sort >"$t_tmp/got"
	dpkg-deb --fsys-tarfile "$hdr" | tar -xO --wildcards '*/Module.symvers' | sort >"$t_tmp/want"
	nmod=$(sed -n 's/^symvers-modules=//p' "$prof/kbtf-profile")
	if [ "${nmod:-0}" -gt 5000 ] && cmp -s "$t_tmp/want" "$t_tmp/got"; then
		t_ok "$rel: derived Module.symvers equals the headers' on all $(wc -l <"$t_tmp/got") lines ($nmod from in-tree modules)"
	else
		t_fail "$rel: derived Module.symvers differs from the headers' (symvers-modules=${nmod:-})"
		diff "$t_tmp/want" "$t_tmp/got" | head -n 10 | sed 's/^/    | /'
	fi
done

# Real modules importing in-tree modules' exports (v4l2loopback: videodev's
# v4l2_*, video_ioctl2), validated on 6.12.117 from its image package alone
# and from image + headers: the same verdict, kernel log and problems, and
# every symbol checked (no "symbols-not-checked").
mods=()
[ -f "$demo/kbtf_demo.ko" ] && mods+=("$demo/kbtf_demo.ko")
for pkg in v4l2loopback-dkms acpi-call-dkms; do
	deb=$("$fetch" trixie "$pkg" 2>/dev/null | tail -n1)
	src=$t_tmp/src-$pkg
	mkdir -p "$src"
	if [ -f "$deb" ] && dpkg-deb -x "$deb" "$src" &&
		"$KBTF" build -q -k 6.12.113+deb12-amd64 -C "$(ls -d "$src"/usr/src/*/ | head -n1)" \
			>"$t_tmp/build-$pkg.log" 2>&1; then
		mods+=("$(find "$src" -name '*.ko' | head -n1)")
	else
		t_fail "$pkg built for 6.12.113"
	fi
done
r117=6.12.117+deb12-amd64
img=$("$fetch" bookworm "linux-image-$r117" | tail -n1)
hdr=$("$fetch" bookworm "linux-headers-$r117" | tail -n1)
t_check "6.12.117: kernels add of the image package alone" \
	env XDG_CACHE_HOME="$t_tmp/alone" "$KBTF" kernels add "$img"
t_check "6.12.117: kernels add of image and headers" \
	env XDG_CACHE_HOME="$t_tmp/both" "$KBTF" kernels add "$img" --with "$hdr"
facts='.results[0] | [.verdict, .kernel_log, [.problems[] | [.name, .reason, .expected,
	((.actual // "") | sub(" derived from the image and its modules"; ""))]]]'
for ko in "${mods[@]}"; do
	n=$(basename "$ko" .ko)
	XDG_CACHE_HOME=$t_tmp/alone "$KBTF" validate "$ko" --kernel $r117 --format json -o "$t_tmp/$n.alone.json"
	XDG_CACHE_HOME=$t_tmp/both "$KBTF" validate "$ko" --kernel $r117 --format json -o "$t_tmp/$n.both.json"
	# the image package itself, no profile: modules are not read, in-tree imports stay unchecked
	"$KBTF" validate "$ko" --kernel "$img" --format json -o "$t_tmp/$n.pkg.json"
	if [ -s "$t_tmp/$n.alone.json" ] &&
		[ "$(jq -c "$facts" "$t_tmp/$n.both.json")" = "$(jq -c "$facts" "$t_tmp/$n.alone.json")" ]; then
		t_ok "$n on $r117: derived Module.symvers judges as the real one ($(jq -r '.results[0].verdict' "$t_tmp/$n.alone.json"), $(jq '.results[0].problems | length' "$t_tmp/$n.alone.json") problems)"
	else
		t_fail "$n on $r117: derived Module.symvers judges otherwise than the real one"
		diff <(jq "$facts" "$t_tmp/$n.both.json") <(jq "$facts" "$t_tmp/$n.alone.json") | head -n 20 | sed 's/^/    | /'
	fi
	t_check "  ... every symbol checked, said to be from the derived list" \
		jq -e '[.results[0].warnings[].kind] | index("symbols-derived") != null and index("symbols-not-checked") == null' "$t_tmp/$n.alone.json"
done
t_check "v4l2loopback from the package without a profile: videodev's exports unchecked" \
	jq -e '[.results[0].warnings[].kind] | index("symbols-not-checked") != null' "$t_tmp/v4l2loopback.pkg.json"
t_check "v4l2loopback on $r117 with the derived list: checked, not ok-unchecked" \
	jq -e '.results[0].verdict != "ok-unchecked"' "$t_tmp/v4l2loopback.alone.json"

t_done

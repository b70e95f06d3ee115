#!/bin/bash
# arm64, from Debian's own arm64 archive (fetched as arm64 packages through
# tests/lib/debfetch.sh SUITE:arm64, never installed):
#   - Debian's arm64 vmlinuz is an uncompressed Image with the EFI stub (6.1
#     to 7.2): kbtf reads its BTF, byte for byte the .BTF of the headers'
#     vmlinux (cut out with readelf offsets and dd, not with kbtf), its
#     release and config; the same Image wrapped as an EFI zboot (header
#     written here with printf, payload gzip) gives the same BTF;
#   - Debian's in-tree arm64 modules (dummy, veth, xfs, wireguard; signature
#     cut off) carry plain split BTF: ok on their own kernel's image, and
#     each type id continues exactly where kbtf's base from the image ends;
#   - kbtf distills them against the headers' vmlinux and validates them on
#     four arm64 kernels (6.12.113, its rt flavour, 6.1.0-56, sid's 7.2.13):
#     the relocation outcome and the type named equal libbpf 1.5's
#     (tests/oracle btfo) for every module x kernel pair;
#   - a module with no kernel of its architecture in the run is an error
#     (exit 2) naming both architectures;
#   - boot-test boots the arm64 kernel under qemu-system-aarch64 and the
#     modules load as predicted.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

command -v jq >/dev/null || t_skip_all "needs jq"
command -v readelf >/dev/null || t_skip_all "needs readelf (binutils)"

rel=6.12.113+deb12-arm64
rt=6.12.113+deb12-rt-arm64
old=6.1.0-56-arm64
sid=7.2.13+deb14-arm64
fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" "$@"; }

img=$(fetch bookworm:arm64 "linux-image-$rel") || { t_fail "fetch linux-image-$rel (arm64)"; t_done; }
hdr=$(fetch bookworm:arm64 "linux-headers-$rel") || { t_fail "fetch linux-headers-$rel"; t_done; }
img_rt=$(fetch bookworm:arm64 "linux-image-$rt") || { t_fail "fetch linux-image-$rt"; t_done; }
img_old=$(fetch bookworm:arm64 "linux-image-$old") || { t_fail "fetch linux-image-$old"; t_done; }
bin_sid=$(fetch sid:arm64 "linux-binary-$sid") || { t_fail "fetch linux-binary-$sid"; t_done; }
hdr_sid=$(fetch sid:arm64 "linux-headers-$sid") || { t_fail "fetch linux-headers-$sid"; t_done; }
t_ok "Debian arm64 packages fetched (bookworm $rel, $rt, $old; sid $sid)"

# section FILE NAME OUT: an ELF section's bytes, by readelf's offsets
section() {
	local line off size
	line=$(readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] //' | awk -v n="$2" '$1 == n { print $4, $5; exit }')
	[ -n "$line" ] || return 1
	off=$((16#${line% *}))
	size=$((16#${line#* }))
	tail -c +$((off + 1)) "$1" | head -c "$size" >"$3"
}

mkdir -p "$t_tmp/h" "$t_tmp/hsid" "$t_tmp/img"
dpkg-deb --fsys-tarfile "$hdr" | tar -x -C "$t_tmp/h" --wildcards '*/vmlinux' '*/.config'
dpkg-deb --fsys-tarfile "$hdr_sid" | tar -x -C "$t_tmp/hsid" --wildcards '*/vmlinux'
vml=$t_tmp/h/usr/src/linux-headers-$rel/vmlinux
vml_sid=$t_tmp/hsid/usr/src/linux-headers-$sid/vmlinux
section "$vml" .BTF "$t_tmp/ref.btf"
section "$vml_sid" .BTF "$t_tmp/ref-sid.btf"
[ -s "$t_tmp/ref.btf" ] && [ -s "$t_tmp/ref-sid.btf" ] ||
	{ t_fail "the headers' vmlinux .BTF cut out with readelf"; t_done; }

# ------------------------------------------------------------ the images

export XDG_CACHE_HOME=$t_tmp/xdg
store=$XDG_CACHE_HOME/kbtf/kernels
for deb in "$img" "$img_rt" "$img_old" "$bin_sid"; do
	t_check "kernels add $(basename "$deb")" "$KBTF" kernels add "$deb"
done
# the stored BTF may be a delta against another kernel's or compressed:
# kbtf's own reading (kernels btf) is what is compared
stored_btf() { "$KBTF" kernels btf "$1"; }
stored_btf "$rel" >"$t_tmp/got.btf"
t_check "$rel: the Image's BTF is the headers' vmlinux .BTF, byte for byte" \
	cmp "$t_tmp/got.btf" "$t_tmp/ref.btf"
stored_btf "$sid" >"$t_tmp/got-sid.btf"
t_check "$sid (sid's linux-binary, usr/lib/modules/REL/vmlinuz): the same for 7.2" \
	cmp "$t_tmp/got-sid.btf" "$t_tmp/ref-sid.btf"

"$KBTF" inspect --json "$img" >"$t_tmp/img.json" 2>"$t_tmp/img.err"
jq -e --arg r "$rel" '.[0].release == $r and (.[0].arch | test("aarch64")) and .[0].config_found' \
	"$t_tmp/img.json" >/dev/null &&
	t_ok "inspect $rel image .deb: aarch64, release from the banner, the package's config" ||
	t_fail "inspect $rel image .deb: $(jq -c '.[0] | del(.btf)' "$t_tmp/img.json" 2>&1; cat "$t_tmp/img.err")"

# EFI zboot around the real Image: "MZ" "zimg", offset, size, "gzip"
dpkg-deb --fsys-tarfile "$img" | tar -xO "./boot/vmlinuz-$rel" >"$t_tmp/Image"
gzip -9c "$t_tmp/Image" >"$t_tmp/Image.gz"
{
	printf 'MZ\0\0zimg'
	printf "$(printf '%08x' 4096 | sed 's/\(..\)\(..\)\(..\)\(..\)/\\x\4\\x\3\\x\2\\x\1/')"
	printf "$(printf '%08x' "$(stat -c%s "$t_tmp/Image.gz")" | sed 's/\(..\)\(..\)\(..\)\(..\)/\\x\4\\x\3\\x\2\\x\1/')"
	printf '\0\0\0\0\0\0\0\0gzip'
	head -c $((4096 - 28)) /dev/zero
	cat "$t_tmp/Image.gz"
} >"$t_tmp/vmlinuz.efi"
"$KBTF" inspect --json "$t_tmp/vmlinuz.efi" >"$t_tmp/zb.json" 2>"$t_tmp/zb.err"
"$KBTF" inspect --json "$vml" >"$t_tmp/vml.json" 2>/dev/null
if jq -e '.[0].detail | test("EFI zboot")' "$t_tmp/zb.json" >/dev/null &&
	[ "$(jq -c '.[0].btf.types' "$t_tmp/zb.json")" = "$(jq -c '.[0].btf.types' "$t_tmp/vml.json")" ]; then
	t_ok "an EFI zboot (gzip) of the Image: same types as the headers' vmlinux"
else
	t_fail "EFI zboot of the Image: $(cat "$t_tmp/zb.err"; jq -c '.[0] | del(.btf)' "$t_tmp/zb.json" 2>&1)"
fi

# ------------------------------------------------------------ the modules

names="dummy veth xfs wireguard"
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$t_tmp/img" --wildcards \
	'*/dummy.ko.xz' '*/veth.ko.xz' '*/xfs.ko.xz' '*/wireguard.ko.xz'
mods=
plain=
for m in $names; do
	xz -dc "$(find "$t_tmp/img" -name "$m.ko.xz")" >"$t_tmp/$m.signed.ko"
	t_unsign "$t_tmp/$m.signed.ko" "$t_tmp/$m.plain.ko"
	plain="$plain $t_tmp/$m.plain.ko"
	if "$KBTF" distill -q "$t_tmp/$m.plain.ko" --base "$vml" -o "$t_tmp/$m.ko"; then
		mods="$mods $t_tmp/$m.ko"
	else
		t_fail "distill Debian's arm64 $m against the headers' vmlinux"
	fi
done

# Debian's own plain split modules on their own kernel: the ids continue the
# Image's base exactly, so the base kbtf found is the one they were built on
# shellcheck disable=SC2086
"$KBTF" validate $plain --kernel "$store/$rel" --no-symbols -f json -o "$t_tmp/plain.json" 2>/dev/null
n=$(jq '[.results[] | select(.verdict == "ok" and .btf_form == "split")] | length' "$t_tmp/plain.json")
[ "$n" = 4 ] && t_ok "Debian's 4 arm64 modules as shipped (plain split): ok on $rel's Image" ||
	t_fail "Debian's arm64 modules on $rel: $(jq -c '[.results[] | {module_name, verdict, btf_form}]' "$t_tmp/plain.json")"

# an arm64 module against an amd64 kernel, and the other way round
amd=$(fetch bookworm "linux-headers-6.12.113+deb12-amd64") || amd=
if [ -n "$amd" ]; then
	"$KBTF" validate "$t_tmp/dummy.ko" --kernel "$amd" --no-symbols >"$t_tmp/cross.out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$t_tmp/cross.out")" -eq 1 ] &&
		grep -q 'dummy.ko: built for aarch64, but the kernels are x86_64' "$t_tmp/cross.out" &&
		t_ok "arm64 module with only an amd64 kernel: exit 2, one line naming both architectures" ||
		t_fail "arm64 module with only an amd64 kernel (exit $rc): $(cat "$t_tmp/cross.out")"
fi

# ------------------------------------------------------------ a real arm64 boot
# qemu-system-aarch64 (TCG, "virt" board, ttyAMA0): kbtf's distilled dummy
# and veth load on their kernel with BTF registered, as predicted
bb=$(fetch bookworm:arm64 busybox-static) || bb=
if ! command -v qemu-system-aarch64 >/dev/null || [ ! -x "$KBTF_BUILD/kbtf-modload-aarch64" ] ||
	[ -z "$bb" ]; then
	t_fail "arm64 boot-test needs qemu-system-arm, gcc-aarch64-linux-gnu and busybox-static:arm64 (.ci/debian-packages.txt)"
else
	dpkg-deb --fsys-tarfile "$bb" | tar -xO ./bin/busybox >"$t_tmp/busybox-arm64"
	chmod +x "$t_tmp/busybox-arm64"
	"$KBTF" boot-test "$t_tmp/dummy.ko" "$t_tmp/veth.ko" --kernel "$img" \
		--busybox "$t_tmp/busybox-arm64" --format json -o "$t_tmp/bt.json" >"$t_tmp/bt.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && jq -e '.kernels[0].guest_release == "'"$rel"'" and .summary.agree == 2 and
		([.kernels[0].pairs[].observed | select(.loaded and .btf_registered)] | length) == 2' \
		"$t_tmp/bt.json" >/dev/null; then
		t_ok "boot-test under qemu-system-aarch64: dummy and veth load on $rel, BTF registered, as predicted"
	else
		t_fail "arm64 boot-test (exit $rc)"
		tail -n 20 "$t_tmp/bt.out" | sed 's/^/    | /'
	fi
	# without an aarch64 busybox: a tool failure (exit 3) naming what is missing
	"$KBTF" boot-test "$t_tmp/dummy.ko" --kernel "$img" --busybox /bin/busybox \
		>"$t_tmp/nobb.out" 2>&1
	rc=$?
	[ "$rc" -eq 3 ] && grep -q 'busybox for aarch64 kernels (Debian: busybox-static for arm64)' "$t_tmp/nobb.out" &&
		t_ok "an x86 busybox for an arm64 kernel: exit 3, saying which busybox is needed" ||
		t_fail "x86 busybox for arm64 (exit $rc): $(cat "$t_tmp/nobb.out")"
fi

# ------------------------------------------------------------ against libbpf
btfo=$("$KBTF_ROOT/tests/oracle/build.sh" 2>/dev/null) || btfo=
if [ -z "$btfo" ]; then
	echo "skip - differential test: the libbpf oracle could not be built"
	t_done
fi
kernels="$rel $rt $old $sid"
# shellcheck disable=SC2086
"$KBTF" validate $mods $(for k in $kernels; do printf -- '--kernel %s ' "$store/$k"; done) \
	--no-symbols -f json -o "$t_tmp/all.json" 2>/dev/null
same=0
differ=0
for mod in $mods; do
	for k in $kernels; do
		stored_btf "$k" >"$t_tmp/target.btf"
		result=$(jq -c --arg m "$mod" --arg r "$k" \
			'.results[] | select(.module == $m and .release == $r)' "$t_tmp/all.json")
		if t_libbpf_vs "$btfo" "$mod" "$t_tmp/target.btf" "$result"; then
			same=$((same + 1))
		else
			differ=$((differ + 1))
			t_fail "libbpf vs kbtf on arm64 $(basename "$mod") x $k: $T_LIBBPF_WHY"
		fi
	done
done
if [ "$differ" -eq 0 ] && [ "$same" -eq 16 ]; then
	t_ok "libbpf 1.5 and kbtf agree on all $same arm64 module x kernel pairs (accepted/rejected and the type named)"
elif [ "$differ" -eq 0 ]; then
	t_fail "only $same of 16 arm64 pairs compared"
fi
# the verdicts themselves: 6.1 predates .BTF.base, the others read it
v_old=$(jq -r --arg r "$old" '[.results[] | select(.release == $r) | .verdict] | unique | join(",")' "$t_tmp/all.json")
[ "$v_old" = "no-distilled-support" ] && t_ok "on $old every distilled arm64 module is no-distilled-support" ||
	t_fail "on $old: $v_old"

t_done

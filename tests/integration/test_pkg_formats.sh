#!/bin/bash
# test_pkg_formats.sh: kernel packages of other distributions, built here in
# their real formats around a real Debian kernel (6.12.113+deb12-rt-amd64)
# laid out as each distribution lays out its own, then read by kbtf inspect,
# kbtf kernels add (one package, or several of one kernel with --with) and
# kbtf validate --kernel. The example module's verdict on each must be the
# verdict on the Debian packages themselves.
#
#   RHEL 10     rpmbuild: kernel-core (lib/modules/REL/{vmlinuz,config,
#               symvers.xz}), kernel-devel (usr/src/kernels/REL), and
#               kernel-abi-stablelists (lib/modules/kabi-rhel100/
#               kabi_stablelist_x86_64); payloads zstd (RHEL 10), xz, gzip
#   Ubuntu      dpkg-deb: linux-image-unsigned-REL (boot/vmlinuz-REL),
#               linux-modules-REL (boot/config-REL, System.map),
#               linux-headers-REL (Module.symvers, .config)
#   Arch        tar + zstd with .PKGINFO and .MTREE: linux (usr/lib/modules/
#               REL/vmlinuz), linux-headers (build/vmlinux, the full ELF)
#   BTFHub      debian/12/x86_64/REL.btf.tar.xz holding REL.btf (raw BTF,
#               cut from the vmlinux with objcopy)
#   tarball     the RHEL tree as a .tar.gz; and the same tree as a directory
#
# Then one mixed run: these formats and two Debian arm64 kernels (.deb from
# Debian's arm64 archive) in one kbtf validate, with the example (amd64) and
# Debian's arm64 dummy and veth (signature cut off, distilled against their
# headers' vmlinux): each module is judged only on kernels of its own
# architecture, the other pairs are reported as not paired, and every judged
# pair's relocation outcome and the type it names equal libbpf 1.5's
# (tests/oracle btfo).
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

for tool in rpmbuild dpkg-deb zstd xz jq objcopy gzip; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed"
done
build_rel=6.12.113+deb12-amd64
[ -d "/usr/src/linux-headers-$build_rel" ] || t_skip_all "needs linux-headers-$build_rel"

rel=6.12.113+deb12-rt-amd64
rel_re=${rel//+/\\+}
fetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "$@"; }
img_deb=$(fetch "linux-image-$rel") || { t_fail "fetch linux-image-$rel"; t_done; }
hdr_deb=$(fetch "linux-headers-$rel") || { t_fail "fetch linux-headers-$rel"; t_done; }
export XDG_CACHE_HOME=$t_tmp/xdg
w=$t_tmp/w
mkdir -p "$w/deb"
dpkg-deb --fsys-tarfile "$img_deb" | tar -x -C "$w/deb" ./boot
dpkg-deb --fsys-tarfile "$hdr_deb" | tar -x -C "$w/deb" "./usr/src/linux-headers-$rel/Module.symvers" \
	"./usr/src/linux-headers-$rel/.config"
vmlinuz=$w/deb/boot/vmlinuz-$rel
config=$w/deb/boot/config-$rel
symvers=$w/deb/usr/src/linux-headers-$rel/Module.symvers
[ -s "$vmlinuz" ] && [ -s "$symvers" ] || { t_fail "unpack the Debian packages"; t_done; }
t_vmlinux_from_deb "$img_deb" "$w/vmlinux" || { t_fail "vmlinux of $img_deb"; t_done; }

# ------------------------------------------------------------------ RHEL
root=$w/rhel
mkdir -p "$root/lib/modules/$rel" "$root/usr/src/kernels/$rel" "$root/lib/modules/kabi-rhel100"
cp "$vmlinuz" "$root/lib/modules/$rel/vmlinuz"
cp "$config" "$root/lib/modules/$rel/config"
cp "$w/deb/boot/System.map-$rel" "$root/lib/modules/$rel/System.map"
xz -c "$symvers" >"$root/lib/modules/$rel/symvers.xz"
cp "$symvers" "$config" "$root/usr/src/kernels/$rel/"
mv "$root/usr/src/kernels/$rel/config-$rel" "$root/usr/src/kernels/$rel/.config"
# a stablelist as RHEL writes it: a section line, then one tab-indented symbol
# per line; this one leaves out the mutex API, which the example imports
{
	echo "[rhel10_x86_64_stablelist]"
	cut -f2 "$symvers" | grep -v '^mutex_' | sort | sed 's/^/\t/'
} >"$root/lib/modules/kabi-rhel100/kabi_stablelist_x86_64"
ln -s kabi-rhel100 "$root/lib/modules/kabi-current"

rpm_build() { # PAYLOAD
	cat >"$w/kernel.spec" <<EOF
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none
%define _binary_payload $1
Name: kernel
Version: 6.12.113
Release: 1.deb12rt
Summary: Debian's kernel in RHEL 10's package layout (a kbtf test replica)
License: GPL-2.0-only
%description
Test replica.
%package core
Summary: The kernel image
%description core
Test replica.
%package devel
Summary: The kernel's build tree
%description devel
Test replica.
%package -n kernel-abi-stablelists
Summary: The kABI stablelists
%description -n kernel-abi-stablelists
Test replica.
%install
cp -a $root/. %{buildroot}/
%files core
/lib/modules/$rel/vmlinuz
/lib/modules/$rel/config
/lib/modules/$rel/System.map
/lib/modules/$rel/symvers.xz
%files devel
/usr/src/kernels/$rel
%files -n kernel-abi-stablelists
/lib/modules/kabi-*
EOF
	rm -rf "$w/rpmtop"
	rpmbuild -bb --quiet --target x86_64 --define "_topdir $w/rpmtop" "$w/kernel.spec" \
		>"$w/rpmbuild.log" 2>&1
}
for payload in w2.xzdio w9.gzdio w19.zstdio; do
	comp=${payload#w*.}
	comp=${comp%io}
	comp=${comp%d}
	[ "$comp" = zst ] && comp=zstd
	if ! rpm_build "$payload"; then
		t_fail "rpmbuild with a $comp payload"
		tail -n 5 "$w/rpmbuild.log"
		continue
	fi
	mkdir -p "$w/rpm-$comp"
	mv "$w"/rpmtop/RPMS/x86_64/*.rpm "$w/rpm-$comp/"
	core=$(echo "$w/rpm-$comp"/kernel-core-*.rpm)
	"$KBTF" inspect "$core" >"$w/out" 2>&1
	t_grep "inspect: kernel-core with a $comp payload is an RPM package" \
		'format: RPM package kernel-core 6\.12\.113-1\.deb12rt x86_64, lib/modules/.*/vmlinuz: bzImage' "$w/out"
	t_grep "inspect: its release, from the image" "release: $rel_re " "$w/out"
	t_grep "inspect: its config, lib/modules/REL/config" "config: lib/modules/$rel_re/config in the package" "$w/out"
	t_grep "inspect: its symvers.xz, decompressed" "Module.symvers: /.*/Module.symvers" "$w/out"
done
rpms=$w/rpm-zstd
t_check "kernels add: kernel-core + kernel-devel + kernel-abi-stablelists as one profile" \
	"$KBTF" kernels add "$rpms"/kernel-core-*.rpm --with "$rpms"/kernel-devel-*.rpm \
	--with "$rpms"/kernel-abi-stablelists-*.rpm --name rhel-replica
"$KBTF" kernels list --json >"$w/list.json"
t_exit 0 "the profile has config and Module.symvers" \
	jq -e '.profiles[] | select(.name == "rhel-replica") | .config and .symvers and .arch == "x86_64"' \
	"$w/list.json"
cmp -s "$symvers" <("$KBTF" kernels symvers rhel-replica) &&
	t_ok "its Module.symvers is the kernel's, byte for byte" ||
	t_fail "its Module.symvers differs from the headers package's"
t_exit 2 "kernel-devel alone has no kernel: refused, exit 2" \
	"$KBTF" inspect "$rpms"/kernel-devel-*.rpm
t_exit 2 "--with goes with one SOURCE" \
	"$KBTF" kernels add "$rpms"/kernel-core-*.rpm "$img_deb" --with "$rpms"/kernel-devel-*.rpm

# ---------------------------------------------------------------- Ubuntu
ubuntu_deb() { # DIR PACKAGE
	mkdir -p "$1/DEBIAN"
	printf 'Package: %s\nVersion: 6.12.113-1~deb12u1\nArchitecture: amd64\nMaintainer: kbtf tests <kbtf@localhost>\nDescription: test replica\n' \
		"$2" >"$1/DEBIAN/control"
	dpkg-deb -Zxz -b "$1" "$w/ubuntu/$2_6.12.113-1~deb12u1_amd64.deb" >/dev/null
}
u=$w/ubuntu
mkdir -p "$u/img/boot" "$u/mod/boot" "$u/mod/lib/modules/$rel/kernel" "$u/hdr/usr/src/linux-headers-$rel"
cp "$vmlinuz" "$u/img/boot/"
cp "$config" "$w/deb/boot/System.map-$rel" "$u/mod/boot/"
: >"$u/mod/lib/modules/$rel/modules.order"
cp "$symvers" "$u/hdr/usr/src/linux-headers-$rel/"
cp "$config" "$u/hdr/usr/src/linux-headers-$rel/.config"
ubuntu_deb "$u/img" "linux-image-unsigned-$rel"
ubuntu_deb "$u/mod" "linux-modules-$rel"
ubuntu_deb "$u/hdr" "linux-headers-$rel"
t_check "kernels add: linux-image-unsigned + linux-modules + linux-headers as one profile" \
	"$KBTF" kernels add "$u/linux-image-unsigned-$rel"_*.deb --with "$u/linux-modules-$rel"_*.deb \
	--with "$u/linux-headers-$rel"_*.deb --name ubuntu-replica
"$KBTF" kernels list --json >"$w/list.json"
t_exit 0 "config from linux-modules, Module.symvers from linux-headers" \
	jq -e '.profiles[] | select(.name == "ubuntu-replica") | .config and .symvers' "$w/list.json"

# a headers package of another kernel is not this kernel's: its
# Module.symvers is left out rather than taken (the exports kbtf reads from
# the image itself stand instead)
hdr_cloud=$(fetch "linux-headers-6.12.113+deb12-cloud-amd64") || t_fail "fetch the cloud headers"
"$KBTF" kernels add "$u/linux-image-unsigned-$rel"_*.deb --with "$hdr_cloud" --name ubuntu-mixed >/dev/null 2>&1
dpkg-deb --fsys-tarfile "$hdr_cloud" |
	tar -xO "./usr/src/linux-headers-6.12.113+deb12-cloud-amd64/Module.symvers" >"$w/cloud.symvers"
if [ -s "$w/cloud.symvers" ] &&
	! cmp -s "$w/cloud.symvers" <("$KBTF" kernels symvers ubuntu-mixed 2>/dev/null); then
	t_ok "--with headers of another kernel: their Module.symvers is not taken"
else
	t_fail "--with headers of another kernel: the cloud kernel's Module.symvers was stored"
fi

# ------------------------------------------------------------------ Arch
arch_pkg() { # DIR PKGNAME
	(
		cd "$1" || exit 1
		cat >.PKGINFO <<EOF
# Generated by makepkg 7.0.0
pkgname = $2
pkgbase = linux
pkgver = 6.12.113.deb12-1
pkgdesc = Debian's kernel in Arch's package layout (a kbtf test replica)
builddate = 1764720000
packager = kbtf tests
size = $(du -sb . | cut -f1)
arch = x86_64
license = GPL-2.0-only
EOF
		{
			echo '#mtree'
			echo '/set type=file uid=0 gid=0 mode=644'
			find . -type f ! -name .MTREE | LC_ALL=C sort | while read -r f; do
				echo "$f time=1764720000.0 size=$(stat -c %s "$f") sha256digest=$(sha256sum "$f" | cut -d' ' -f1)"
			done
		} | gzip -n >.MTREE
		tar --owner=0 --group=0 -cf - .PKGINFO .MTREE usr | zstd -q -3 >"../$2-6.12.113.deb12-1-x86_64.pkg.tar.zst"
	)
}
a=$w/arch
mkdir -p "$a/linux/usr/lib/modules/$rel" "$a/linux-headers/usr/lib/modules/$rel/build"
cp "$vmlinuz" "$a/linux/usr/lib/modules/$rel/vmlinuz"
echo linux >"$a/linux/usr/lib/modules/$rel/pkgbase"
cp "$w/vmlinux" "$symvers" "$a/linux-headers/usr/lib/modules/$rel/build/"
cp "$config" "$a/linux-headers/usr/lib/modules/$rel/build/.config"
arch_pkg "$a/linux" linux
arch_pkg "$a/linux-headers" linux-headers
"$KBTF" inspect "$a"/linux-headers-*.pkg.tar.zst >"$w/out" 2>&1
t_grep "inspect: linux-headers is an Arch package whose BTF is build/vmlinux" \
	"format: Arch Linux package linux-headers 6\.12\.113\.deb12-1 x86_64, usr/lib/modules/$rel_re/build/vmlinux: ELF" "$w/out"
t_check "kernels add: linux + linux-headers as one profile" \
	"$KBTF" kernels add "$a"/linux-6.12*.pkg.tar.zst --with "$a"/linux-headers-*.pkg.tar.zst --name arch-replica

# ---------------------------------------------------------------- BTFHub
bh=$w/btfhub/debian/12/x86_64
mkdir -p "$bh"
objcopy -O binary --only-section=.BTF "$w/vmlinux" "$bh/$rel.btf"
(cd "$bh" && tar -cJf "$rel.btf.tar.xz" "$rel.btf" && rm "$rel.btf")
"$KBTF" inspect "$bh/$rel.btf.tar.xz" >"$w/out" 2>&1
t_grep "inspect: a BTFHub file is raw BTF named by its release" "release: $rel_re \(from BTFHub file name\)" "$w/out"
t_check "kernels add: a BTFHub file" "$KBTF" kernels add "$bh/$rel.btf.tar.xz" --name btfhub-replica

# ------------------------------------------------------ tarball, directory
tar -C "$root" -czf "$w/rhel-tree.tar.gz" .
t_check "kernels add: a tarball laid out like kernel-core + kernel-devel" \
	"$KBTF" kernels add "$w/rhel-tree.tar.gz" --name tarball-replica
"$KBTF" inspect "$root" >"$w/out" 2>&1
t_grep "inspect: the same tree as a directory finds symvers.xz" "Module.symvers: /" "$w/out"

# ------------------------------------------------------------- verdicts
mkdir -p "$w/demo"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$w/demo/"
t_check "build and distill the example against $build_rel" \
	"$KBTF" build -k "$build_rel" -C "$w/demo" || t_done
demo=$w/demo/kbtf_demo.ko
verdict() { # KERNEL [ARGS...]: the pair's verdict, load and problems, one line
	local k=$1
	shift
	"$KBTF" validate "$demo" --kernel "$k" -f json -o "$w/v.json" "$@" >/dev/null 2>&1
	jq -c '.results[0] | {verdict, load, problems: [.problems[] | [.kind, .name]]}' "$w/v.json"
}
want=$(verdict "$img_deb" --symvers "$symvers")
want_btf=$(verdict "$img_deb")
case $want in
*'"verdict":"symbols"'*btf*spinlock*) t_ok "on the Debian packages: symbols, and spinlock's BTF rejected" ;;
*) t_fail "on the Debian packages: $want" ;;
esac
for k in "$rpms/kernel-core-6.12.113-1.deb12rt.x86_64.rpm" "$w/rpm-xz/kernel-core-6.12.113-1.deb12rt.x86_64.rpm" \
	"$w/rpm-gzip/kernel-core-6.12.113-1.deb12rt.x86_64.rpm" rhel-replica ubuntu-replica \
	tarball-replica "$w/rhel-tree.tar.gz" "$root"; do
	got=$(verdict "$k")
	if [ "$got" = "$want" ]; then t_ok "same verdict on ${k##*/}"; else t_fail "${k##*/}: $got, not $want"; fi
done
want_ns=$(verdict "$img_deb" --no-symbols | jq -c '{verdict, problems}')
for k in arch-replica btfhub-replica "$a"/linux-6.12*.pkg.tar.zst; do
	# no Module.symvers in Arch's image package nor in BTFHub, and no config
	# in BTFHub (so the load is "without BTF or refused"): the BTF verdict
	got=$(verdict "$k" --no-symbols | jq -c '{verdict, problems}')
	if [ "$got" = "$want_ns" ]; then t_ok "same BTF verdict on ${k##*/}"; else t_fail "${k##*/}: $got, not $want_ns"; fi
done
[ -n "$want_btf" ] || t_fail "no verdict on $img_deb alone"

# ------------------------------------------------------------------ kABI
# the stablelist above leaves out mutex_lock and mutex_unlock, which the
# example imports; the rt kernel is newer than the generic one the module
# was built for, in the same 6.12, and its CRCs differ: weak-modules leaves
# the module out
"$KBTF" validate "$demo" --kernel rhel-replica -f json -o "$w/v.json" >/dev/null 2>&1
kabi=$(jq -r '.results[0].kabi // ""' "$w/v.json")
case $kabi in
"kABI: 2 of "*" imports outside the stablelist (kabi_stablelist), free to change in a minor update: mutex_lock, mutex_unlock; weak-modules: would not link it into weak-updates/ (CRC of "*)
	t_ok "kABI: mutex_lock and mutex_unlock are outside the stablelist, weak-modules would not link it" ;;
*) t_fail "kABI fact on rhel-replica: '$kabi'" ;;
esac
"$KBTF" validate "$demo" --kernel "$rpms/kernel-core-6.12.113-1.deb12rt.x86_64.rpm" -f json \
	-o "$w/v.json" >/dev/null 2>&1
t_exit 0 "no stablelist, no kABI fact" jq -e '.results[0] | has("kabi") | not' "$w/v.json"
"$KBTF" validate "$demo" --kernel rhel-replica >"$w/out" 2>&1
t_grep "the text report says it in one line" '^  kABI: 2 of [0-9]+ imports outside the stablelist' "$w/out"

# ------------------------------------------------- one mixed matrix
# five formats of amd64 kernels and Debian's arm64 .debs in one run
afetch() { "$KBTF_ROOT/tests/lib/debfetch.sh" bookworm:arm64 "$@"; }
arel=6.12.113+deb12-arm64
aold=6.1.0-56-arm64
aimg=$(afetch "linux-image-$arel") || aimg=
aimg_old=$(afetch "linux-image-$aold") || aimg_old=
ahdr=$(afetch "linux-headers-$arel") || ahdr=
if [ -z "$aimg" ] || [ -z "$aimg_old" ] || [ -z "$ahdr" ]; then
	t_fail "fetch Debian's arm64 $arel and $aold packages"
	t_done
fi
mx=$w/mixed
mkdir -p "$mx/img" "$mx/hdr"
dpkg-deb --fsys-tarfile "$ahdr" | tar -x -C "$mx/hdr" --wildcards '*/vmlinux'
avml=$mx/hdr/usr/src/linux-headers-$arel/vmlinux
dpkg-deb --fsys-tarfile "$aimg" | tar -x -C "$mx/img" --wildcards '*/dummy.ko.xz' '*/veth.ko.xz'
amods=
for m in dummy veth; do
	xz -dc "$(find "$mx/img" -name "$m.ko.xz")" >"$mx/$m.signed.ko"
	size=$(stat -c%s "$mx/$m.signed.ko")
	# the appended signature: its length is the big-endian word 40 bytes from the end
	siglen=$(tail -c 32 "$mx/$m.signed.ko" | head -c 4 | od -An -tu1 |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((size - 40 - siglen)) "$mx/$m.signed.ko" >"$mx/$m.plain.ko"
	"$KBTF" distill -q "$mx/$m.plain.ko" --base "$avml" -o "$mx/$m.ko" &&
		amods="$amods $mx/$m.ko" || t_fail "distill Debian's arm64 $m"
done
# the kernels, as given: each one's raw BTF for libbpf is taken apart from kbtf
objcopy -O binary --only-section=.BTF "$w/vmlinux" "$mx/amd64.btf"
"$KBTF" kernels add "$aimg" --name arm64-new >/dev/null 2>&1 &&
	"$KBTF" kernels add "$aimg_old" --name arm64-old >/dev/null 2>&1 ||
	t_fail "kernels add Debian's arm64 images"
# the profile's BTF as the kernel has it (stored raw, as a delta or LZ4)
stored_btf() { "$KBTF" kernels btf "$1"; }
stored_btf arm64-new >"$mx/arm64-new.btf"
stored_btf arm64-old >"$mx/arm64-old.btf"
kernels=("$img_deb" "$rpms/kernel-core-6.12.113-1.deb12rt.x86_64.rpm" "$a/linux-6.12.113.deb12-1-x86_64.pkg.tar.zst"
	"$bh/$rel.btf.tar.xz" "$u/linux-image-unsigned-${rel}_6.12.113-1~deb12u1_amd64.deb" "$w/rhel-tree.tar.gz"
	"$aimg" "$aimg_old")
targets=(amd64 amd64 amd64 amd64 amd64 amd64 arm64-new arm64-old)
kargs=()
for k in "${kernels[@]}"; do kargs+=(--kernel "$k"); done
# shellcheck disable=SC2086
"$KBTF" validate "$demo" $amods "${kargs[@]}" --no-symbols -o "$mx/all.json" -o "$mx/all.txt" \
	>"$mx/all.out" 2>&1
rc=$?
t_exit 0 "one matrix, 3 modules x 8 kernels of 6 package formats and 2 architectures" \
	jq -e '(.modules | length) == 3 and (.kernels | length) == 8 and
	       ([.kernels[].arch] | unique) == ["aarch64", "x86_64"]' "$mx/all.json"
np=$(jq '.results | length' "$mx/all.json")
nsum=$(jq '[.counts[]] | add' "$mx/all.json")
[ "$np" = 10 ] && [ "$nsum" = 10 ] &&
	t_ok "10 pairs judged (the example on 6 amd64 kernels, 2 arm64 modules on 2 arm64 kernels), counted 10" ||
	t_fail "judged pairs: $np results, counts sum $nsum (want 10): $(head -c 600 "$mx/all.out")"
np=$(jq -c '[.not_paired[] | [.module_index, .arch, (.kernels | length)]]' "$mx/all.json")
[ "$np" = '[[0,"x86_64",2],[1,"aarch64",6],[2,"aarch64",6]]' ] &&
	t_ok "JSON: the example not paired with the 2 arm64 kernels, dummy and veth with the 6 amd64 ones" ||
	t_fail "JSON not_paired: $np"
t_grep "text: one line per module for the pairs not made" \
	'^kbtf_demo \(x86_64\): not paired with 2 aarch64 kernels$' "$mx/all.txt"
t_grep "text: ... and for the arm64 modules" '^dummy \(aarch64\): not paired with 6 x86_64 kernels$' "$mx/all.txt"
# the verdicts: the example as on the Debian .deb, Debian's own arm64
# modules ok on their kernel, no-distilled-support on 6.1 (no .BTF.base)
v=$(jq -r '[.results[] | select(.module_index == 0) | .verdict] | unique | join(",")' "$mx/all.json")
[ "$v" = "$(jq -r '.verdict' <<<"$want_ns")" ] &&
	t_ok "the example's verdict on all 6 amd64 formats is the Debian package's ($v)" ||
	t_fail "the example's verdicts in the mixed run: $v, not $(jq -r .verdict <<<"$want_ns")"
v=$(jq -r '[.results[] | select(.module_index > 0) | "\(.kernel_index)=\(.verdict)"] | unique | join(",")' "$mx/all.json")
[ "$v" = "6=ok,7=no-distilled-support" ] && t_ok "arm64 modules: ok on $arel, no-distilled-support on $aold" ||
	t_fail "arm64 verdicts: $v"
[ "$rc" -eq "$(jq -r 'if .worst == "ok" then 0 else 1 end' "$mx/all.json")" ] &&
	t_ok "exit $rc: the judged pairs decide it" || t_fail "exit $rc for worst $(jq -r .worst "$mx/all.json")"
# every judged pair against libbpf 1.5's btf__relocate
btfo=$("$KBTF_ROOT/tests/oracle/build.sh" 2>/dev/null) || btfo=
if [ -z "$btfo" ]; then
	t_fail "the libbpf oracle could not be built (tests/oracle/build.sh)"
else
	same=0
	differ=0
	mi=0
	for mod in "$demo" $amods; do
		for ki in "${!kernels[@]}"; do
			result=$(jq -c --argjson m "$mi" --argjson k "$ki" \
				'.results[] | select(.module_index == $m and .kernel_index == $k)' \
				"$mx/all.json")
			[ -n "$result" ] || continue # not paired
			if t_libbpf_vs "$btfo" "$mod" "$mx/${targets[$ki]}.btf" "$result"; then
				same=$((same + 1))
			else
				differ=$((differ + 1))
				t_fail "libbpf vs kbtf: $(basename "$mod") x ${kernels[$ki]##*/}: $T_LIBBPF_WHY"
			fi
		done
		mi=$((mi + 1))
	done
	[ "$differ" -eq 0 ] && [ "$same" -eq 10 ] &&
		t_ok "libbpf 1.5 and kbtf agree on all $same judged pairs (relocated or not, and the type named)" ||
		t_fail "libbpf agreement: $same same, $differ differ (want 10 same)"
fi
# the example alone on arm64 kernels only: nothing to judge it on, exit 2
"$KBTF" validate "$demo" --kernel "$aimg" --no-symbols >"$mx/only.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$mx/only.out")" -eq 1 ] &&
	grep -q 'kbtf_demo.ko: built for x86_64, but the kernels are aarch64' "$mx/only.out" &&
	t_ok "an amd64 module with only an arm64 kernel: exit 2, one line naming both" ||
	t_fail "amd64 module, arm64 kernel only (exit $rc): $(cat "$mx/only.out")"

# ----------------------------------------------------------- bad input
printf '\xed\xab\xee\xdb\x03\x00\x00\x00' >"$w/bad.rpm"
head -c 200 /dev/zero >>"$w/bad.rpm"
t_exit 2 "a truncated RPM: one line, exit 2" "$KBTF" inspect "$w/bad.rpm"
head -c 100000 "$rpms"/kernel-core-*.rpm >"$w/cut.rpm"
t_exit 2 "an RPM cut in its payload: exit 2" "$KBTF" inspect "$w/cut.rpm"

t_done

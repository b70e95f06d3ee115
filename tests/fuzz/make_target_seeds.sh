#!/bin/bash
# tests/fuzz/make_target_seeds.sh [KBTF]
#
# Writes the seed corpora of fuzz_distill, fuzz_pair, fuzz_drift, fuzz_deb
# and fuzz_store (tests/fuzz/corpus/<name>/) from the fuzz_source seeds
# (a gcc-built vmlinux and modules built on its BTF), what kbtf itself
# writes from them (a module distilled by `kbtf distill`, a profile store
# written by `kbtf kernels add`), and Debian packages dpkg-deb builds here
# around them (nothing downloaded). KBTF is the
# kbtf binary (default build/kbtf). Run by hand when the inputs change;
# commit the result. Multi-file inputs are the files joined by the
# separator of tests/fuzz/fuzz_parts.h.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
kbtf=${1:-$root/build/kbtf}
src=$root/tests/fuzz/corpus/source
btf=$root/tests/fuzz/corpus/btf
out=$root/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sep=$'\n=KBTF-FUZZ-PART=\n'

# join OUT FILE...: the files with the separator between them
join() {
	local o=$1 first=1 f
	shift
	: >"$o"
	for f in "$@"; do
		[ "$first" -eq 1 ] || printf '%s' "$sep" >>"$o"
		cat "$f" >>"$o"
		first=0
	done
}
section() { objcopy --dump-section "$2=$3" "$1" "$tmp/objcopy.o" 2>/dev/null; }

mkdir -p "$out/distill" "$out/pair" "$out/drift" "$out/deb" "$out/store"

# a module distilled by kbtf on the seed vmlinux, and its sections
"$kbtf" distill -q -o "$tmp/distilled.ko" "$src/module.ko" --base "$src/vmlinux"
section "$tmp/distilled.ko" .BTF "$tmp/d.btf"
section "$tmp/distilled.ko" .BTF.base "$tmp/d.base"
section "$src/vmlinux" .BTF "$tmp/vmlinux.btf"

# distill: kernel + module
join "$out/distill/vmlinux-module" "$src/vmlinux" "$src/module.ko"
join "$out/distill/raw-module-zst" "$src/raw-btf" "$src/module.ko.zst"
join "$out/distill/vmlinux-signed-xz" "$src/vmlinux" "$src/module-signed.ko.xz"
join "$out/distill/bzimage-distilled" "$src/bzimage-zstd" "$tmp/distilled.ko"

# pair: kernel + module, as validate judges them
join "$out/pair/vmlinux-distilled" "$src/vmlinux" "$tmp/distilled.ko"
join "$out/pair/vmlinux-module" "$src/vmlinux" "$src/module.ko"
join "$out/pair/raw-distilled-objcopy" "$src/raw-btf" "$src/module-distilled.ko"
join "$out/pair/gz-signed" "$src/vmlinux.gz" "$src/module-signed.ko"
join "$out/pair/stack-distilled" "$src/kernel-stack-archive" "$tmp/distilled.ko"

# drift: distilled base + split + target kernel BTF
join "$out/drift/distilled-on-vmlinux" "$tmp/d.base" "$tmp/d.btf" "$tmp/vmlinux.btf"
base_len=$((24 + $(od -An -tu4 -j 16 -N4 "$btf/base-split" | tr -d ' ') + \
	$(od -An -tu4 -j 20 -N4 "$btf/base-split" | tr -d ' ')))
head -c "$base_len" "$btf/base-split" >"$tmp/bs.base"
tail -c +$((base_len + 1)) "$btf/base-split" >"$tmp/bs.split"
join "$out/drift/base-split-on-kinds" "$tmp/bs.base" "$tmp/bs.split" "$btf/kinds-le"
join "$out/drift/base-split-on-layout" "$tmp/bs.base" "$tmp/bs.split" "$btf/kinds-layout"

# deb: the kernel package seed, one with every kernel role (a sparse
# Module.symvers among them), a sid-style merged-/usr layout, and a DKMS
# source package. xz at preset 0 (a 256 KiB dictionary,
# which the decoder allocates whole) keeps the target fast.
cp "$src/kernel.deb" "$out/deb/kernel.deb"
mkdir -p "$tmp/deb/DEBIAN" "$tmp/deb/boot" "$tmp/deb/usr/src/linux-headers-6.12.0-fuzz"
printf 'Package: linux-image-6.12.0-fuzz\nVersion: 1\nArchitecture: amd64\nMaintainer: f\nDescription: f\nDepends: linux-base\n' \
	>"$tmp/deb/DEBIAN/control"
cp "$src/bzimage-xz" "$tmp/deb/boot/vmlinuz-6.12.0-fuzz"
printf 'CONFIG_X=y\nCONFIG_DEBUG_INFO_BTF=y\n' >"$tmp/deb/boot/config-6.12.0-fuzz"
cp "$src/vmlinux" "$tmp/deb/usr/src/linux-headers-6.12.0-fuzz/vmlinux"
printf '0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n' \
	>"$tmp/deb/usr/src/linux-headers-6.12.0-fuzz/Module.symvers"
truncate -s 64K "$tmp/deb/usr/src/linux-headers-6.12.0-fuzz/Module.symvers"
dpkg-deb --root-owner-group -Zxz -z0 -b "$tmp/deb" "$out/deb/roles.deb" >/dev/null
mkdir -p "$tmp/sid/DEBIAN" "$tmp/sid/usr/lib/modules/7.2.0-fuzz"
printf 'Package: linux-binary-7.2.0-fuzz\nVersion: 1\nArchitecture: amd64\nMaintainer: f\nDescription: f\n' \
	>"$tmp/sid/DEBIAN/control"
cp "$src/bzimage-zstd" "$tmp/sid/usr/lib/modules/7.2.0-fuzz/vmlinuz"
printf 'CONFIG_Y=m\n' >"$tmp/sid/usr/lib/modules/7.2.0-fuzz/config"
dpkg-deb --root-owner-group -Zzstd -b "$tmp/sid" "$out/deb/sid-merged-usr.deb" >/dev/null
# a DKMS source package's shape: usr/src/<name>-<version>/ files, no kernel
mkdir -p "$tmp/dkms/DEBIAN" "$tmp/dkms/usr/src/fuzzmod-1.0"
printf 'Package: fuzzmod-dkms\nVersion: 1.0\nArchitecture: all\nMaintainer: f\nDescription: f\nDepends: dkms\n' \
	>"$tmp/dkms/DEBIAN/control"
printf 'PACKAGE_NAME=fuzzmod\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=fuzzmod\n' \
	>"$tmp/dkms/usr/src/fuzzmod-1.0/dkms.conf"
printf 'obj-m += fuzzmod.o\n' >"$tmp/dkms/usr/src/fuzzmod-1.0/Makefile"
dpkg-deb --root-owner-group -Zgzip -b "$tmp/dkms" "$out/deb/dkms-source.deb" >/dev/null

# store: the index and marker `kbtf kernels add` writes, and a set
XDG_CACHE_HOME=$tmp/cache "$kbtf" kernels add "$src/vmlinux" --name k1 >/dev/null
XDG_CACHE_HOME=$tmp/cache "$kbtf" kernels add "$src/raw-btf" --name 6.12.0-fuzz >/dev/null
store=$tmp/cache/kbtf/kernels
[ -f "$store/.index" ] || { echo "no index in $store" >&2; exit 1; }
printf 'k*,6.12.*' >"$tmp/set"
join "$out/store/index-marker-glob" "$store/.index" "$store/k1/kbtf-profile" "$tmp/set"
printf 'debian/trixie:linux-image-6.12.*-amd64' >"$tmp/set"
join "$out/store/index-marker-debian" "$store/.index" "$store/6.12.0-fuzz/kbtf-profile" "$tmp/set"
printf 'all' >"$tmp/set"
join "$out/store/no-index" /dev/null "$store/k1/kbtf-profile" "$tmp/set"
ls -l "$out/distill" "$out/pair" "$out/drift" "$out/deb" "$out/store" | grep -v '^total'

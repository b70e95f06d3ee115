#!/bin/bash
# tests/fuzz/make_pkg_seeds.sh [DIR]
#
# Writes the fuzz_pkg seed corpus (default tests/fuzz/corpus/pkg): real
# packages of each format kbtf reads besides .deb, a few KB each, made here
# from the committed source seeds with rpmbuild, tar, cpio, zstd, xz and
# gzip: a RHEL-layout kernel-core (zstd payload) and kernel-abi-stablelists
# (gzip payload), an Arch linux-headers .pkg.tar.zst, a BTFHub
# <kernel>.btf.tar.xz, a kbtf bundle, a cpio of a kernel tree, and the text
# files their readers parse. Run by hand when the readers change; commit
# the result.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/tests/fuzz/corpus/pkg}
src=$root/tests/fuzz/corpus/source
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
rel=6.1.0-fuzz
sym=$(printf '0x0000abcd\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n0x00001234\tkfree\tvmlinux\tEXPORT_SYMBOL_GPL\t\n')

# RHEL 10: kernel-core, kernel-abi-stablelists
r=$tmp/rhel
mkdir -p "$r/lib/modules/$rel" "$r/lib/modules/kabi-rhel100"
cp "$src/bzimage-zstd" "$r/lib/modules/$rel/vmlinuz"
printf 'CONFIG_MODVERSIONS=y\n' >"$r/lib/modules/$rel/config"
printf '%s\n' "$sym" | xz >"$r/lib/modules/$rel/symvers.xz"
printf '[rhel10_x86_64_stablelist]\n\tprintk\n' >"$r/lib/modules/kabi-rhel100/kabi_stablelist_x86_64"
for pkg in core:w19.zstdio kabi:w9.gzdio; do
	name=${pkg%%:*}
	cat >"$tmp/$name.spec" <<SPEC
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none
%define _binary_payload ${pkg#*:}
Name: kernel-$name
Version: 6.1.0
Release: fuzz
Summary: fuzz seed
License: GPL-2.0-only
%description
fuzz seed
%install
mkdir -p %{buildroot}/lib/modules
cp -a $r/lib/modules/$([ "$name" = core ] && echo "$rel" || echo kabi-rhel100) %{buildroot}/lib/modules/
%files
$([ "$name" = core ] && echo "/lib/modules/$rel" || echo "/lib/modules/kabi-rhel100")
SPEC
	rpmbuild -bb --quiet --target x86_64 --define "_topdir $tmp/top" "$tmp/$name.spec" >/dev/null 2>&1
	cp "$tmp"/top/RPMS/x86_64/kernel-"$name"-*.rpm "$out/rhel-$name.rpm"
done

# Arch: linux-headers with build/vmlinux
a=$tmp/arch
mkdir -p "$a/usr/lib/modules/$rel/build"
cp "$src/vmlinux" "$a/usr/lib/modules/$rel/build/vmlinux"
printf 'CONFIG_MODVERSIONS=y\n' >"$a/usr/lib/modules/$rel/build/.config"
printf '%s\n' "$sym" >"$a/usr/lib/modules/$rel/build/Module.symvers"
printf 'pkgname = linux-headers\npkgver = 6.1.0.fuzz-1\narch = x86_64\n' >"$a/.PKGINFO"
cp "$a/.PKGINFO" "$out/pkginfo.txt"
printf '#mtree\n/set type=file uid=0 gid=0 mode=644\n./.PKGINFO size=48\n' | gzip -n >"$a/.MTREE"
tar -C "$a" --owner=0 --group=0 -cf - .PKGINFO .MTREE usr | zstd -q -19 >"$out/arch-headers.pkg.tar.zst"

# BTFHub: <kernel>.btf alone in <kernel>.btf.tar.xz
mkdir -p "$tmp/bh"
cp "$src/raw-btf" "$tmp/bh/$rel.btf"
tar -C "$tmp/bh" -cJf "$out/btfhub.btf.tar.xz" "$rel.btf"

# a kbtf bundle
b=$tmp/bundle/kbtf-bundle-$rel
mkdir -p "$b"
printf 'kbtf-bundle 1\nrelease=%s\nmachine=x86_64\nos=Fuzz 1\nmodules=2\nmodules_btf=1\n' "$rel" >"$b/manifest"
cp "$b/manifest" "$out/manifest.txt"
cp "$src/raw-btf" "$b/vmlinux.btf"
printf 'CONFIG_MODVERSIONS=y\n' | gzip -n >"$b/config"
printf '%s\n' "$sym" | gzip -n >"$b/symvers-$rel.gz"
printf 'e1000e btf\nfuzz -\n' >"$b/modules"
tar -C "$tmp/bundle" --owner=0 --group=0 -czf "$out/bundle.tar.gz" "kbtf-bundle-$rel"

# a kernel tree as a cpio (newc), gzip-compressed
(cd "$r" && find lib | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -n >"$out/tree.cpio.gz"
ls -l "$out"

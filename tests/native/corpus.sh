#!/bin/bash
# tests/native/corpus.sh SUITE
#
# Modules as a distribution's own toolchain builds them, for the
# differential tests: a fresh Debian SUITE root (trixie, sid), the suite's
# newest linux-headers-*-amd64, its pahole, its DKMS, and inside it (chroot)
# two real out-of-tree modules built by `dkms build`, exactly as DKMS builds
# them on a user's machine:
#
#   kbtf-demo   sdk/example/kbtf_demo.c with a plain dkms.conf
#   kbtf-kfuncs tests/integration/data/kfuncs (a kfunc set and a
#               BTF_ID_LIST: .BTF_ids that kbuild fills in)
#   acpi-call   the archive's acpi-call-dkms package, as installed
#
# Prints the directory holding the built modules (*.ko, as DKMS left them:
# trixie's kbuild gives them .BTF.base through pahole 1.30's distilled_base,
# sid's through resolve_btfids --distill_base), the headers' vmlinux (the
# build kernel's BTF) and MANIFEST (release, package versions).
#
# Kept under $KBTF_TEST_CACHE/native/ and keyed by the versions the suite's
# index names (headers, pahole, dkms, acpi-call-dkms, gcc) and the example's
# source hash: a second run with the same versions prints the directory
# and builds nothing. The bootstrapped root is cached as a tarball under
# $KBTF_TEST_CACHE/roots (as test_fresh_root.sh caches bookworm's) and
# unpacked fresh for every build. Needs root (debootstrap, chroot, mount).
# Progress goes to stderr, the path alone to stdout.
set -euo pipefail

suite=${1:?usage: corpus.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cache=${KBTF_TEST_CACHE:-/var/cache/kbtf-test}
mirror=${KBTF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
fetch=$src/tests/lib/debfetch.sh

say() { echo "corpus($suite): $*" >&2; }
die() {
	say "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"

ver() { dpkg-deb -f "$1" Version; }

# What the suite's index names now (fetched once into the shared cache).
meta=$("$fetch" "$suite" linux-headers-amd64)
hdrpkg=$(dpkg-deb -f "$meta" Depends | grep -o 'linux-headers-[^ ,(]*-amd64' | head -n1)
[ -n "$hdrpkg" ] || die "linux-headers-amd64 names no headers package"
rel=${hdrpkg#linux-headers-}
hdeb=$("$fetch" "$suite" "$hdrpkg")
pdeb=$("$fetch" "$suite" pahole)
ddeb=$("$fetch" "$suite" dkms)
adeb=$("$fetch" "$suite" acpi-call-dkms)
# the compiler kbuild runs is the one the headers were made with
gccpkg=$(dpkg-deb -f "$hdeb" Depends | grep -o 'gcc-[0-9][0-9]*' | head -n1)
[ -n "$gccpkg" ] || gccpkg=gcc
kfuncs=$src/tests/integration/data/kfuncs
demo_hash=$(cat "$src/sdk/example/kbtf_demo.c" "$src/sdk/example/Kbuild" \
	"$kfuncs/kbtf_kfuncs.c" "$kfuncs/Kbuild" | sha256sum | cut -c1-12)
key="$suite-$rel-h$(ver "$hdeb")-pahole$(ver "$pdeb")-dkms$(ver "$ddeb")-acpi$(ver "$adeb")-demo$demo_hash"
key=$(echo "$key" | tr ':~' '__')
out=$cache/native/$key
if [ -f "$out/MANIFEST" ]; then
	echo "$out"
	exit 0
fi

# ---- the root
seed=$cache/roots/$suite-minbase.tar
if [ ! -s "$seed" ]; then
	mkdir -p "$cache/roots"
	say "debootstrap --variant=minbase $suite (once; kept in $seed)"
	tmpseed=$(mktemp -d "${TMPDIR:-/tmp}/kbtf-seed.XXXXXX")
	nice -n 10 debootstrap --variant=minbase "$suite" "$tmpseed" "$mirror" >"$tmpseed.log" 2>&1 ||
		{
			tail -n 20 "$tmpseed.log" >&2
			rm -rf --one-file-system "$tmpseed"
			die "debootstrap failed"
		}
	tar -C "$tmpseed" -cf "$seed.tmp" . && mv "$seed.tmp" "$seed"
	rm -rf --one-file-system "$tmpseed" "$tmpseed.log"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kbtf-native.XXXXXX")
root=$work/root
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
	done
	mounted=()
	grep -q " $work" /proc/mounts || rm -rf --one-file-system "$work"
}
trap cleanup EXIT
bind() {
	mkdir -p "$2"
	mount "${@:3}" "$1" "$2" && mounted+=("$2")
}

mkdir -p "$root"
tar -C "$root" -xf "$seed"
{
	echo "deb $mirror $suite main"
	case $suite in
	sid | unstable) ;;
	*)
		echo "deb $mirror $suite-updates main"
		echo "deb ${mirror%/debian}/debian-security $suite-security main"
		;;
	esac
} >"$root/etc/apt/sources.list"
# a mirror snapshot older than its Release file's Valid-Until is still the
# suite's archive: read it (sid's Release files are valid for a week only)
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99kbtf-test"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
bind proc "$root/proc" -t proc
bind sysfs "$root/sys" -t sysfs
bind /dev "$root/dev" --bind

in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# ---- the suite's toolchain, at the versions the key names
log=$work/build.log
say "installing $hdrpkg $(ver "$hdeb"), pahole $(ver "$pdeb"), dkms $(ver "$ddeb") (a few minutes)"
in_root apt-get update -q >>"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "apt-get update failed"
}
in_root apt-get install -y -q --no-install-recommends \
	"$hdrpkg=$(ver "$hdeb")" "pahole=$(ver "$pdeb")" "dkms=$(ver "$ddeb")" "$gccpkg" make \
	>>"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "installing the toolchain failed"
}

# ---- the modules, through dkms
demo=/usr/src/kbtf-demo-1.0
mkdir -p "$root$demo"
cp "$src/sdk/example/kbtf_demo.c" "$src/sdk/example/Kbuild" "$root$demo/"
cat >"$root$demo/dkms.conf" <<'EOF'
PACKAGE_NAME="kbtf-demo"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="kbtf_demo"
DEST_MODULE_LOCATION[0]="/updates/dkms"
AUTOINSTALL="yes"
EOF
kf=/usr/src/kbtf-kfuncs-1.0
mkdir -p "$root$kf"
cp "$kfuncs/kbtf_kfuncs.c" "$kfuncs/Kbuild" "$root$kf/"
cat >"$root$kf/dkms.conf" <<'EOF'
PACKAGE_NAME="kbtf-kfuncs"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="kbtf_kfuncs"
DEST_MODULE_LOCATION[0]="/updates/dkms"
AUTOINSTALL="yes"
EOF
# acpi-call-dkms's postinst adds and builds it for the kernels with headers
in_root apt-get install -y -q --no-install-recommends "acpi-call-dkms=$(ver "$adeb")" \
	>>"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "installing acpi-call-dkms failed"
}
aver=$(ver "$adeb" | sed 's/-[^-]*$//')
in_root dkms add kbtf-demo/1.0 >>"$log" 2>&1 || true
in_root dkms add kbtf-kfuncs/1.0 >>"$log" 2>&1 || true
for m in kbtf-demo/1.0 kbtf-kfuncs/1.0 "acpi-call/$aver"; do
	# without a signing key, as a machine without Secure Boot builds them
	in_root dkms build "$m" -k "$rel" >>"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		tail -n 30 "$root/var/lib/dkms/${m%/*}/${m#*/}/build/make.log" >&2 2>/dev/null || true
		die "dkms build $m -k $rel failed"
	}
done

tmpout=$out.tmp.$$
rm -rf "$tmpout"
mkdir -p "$tmpout"
for f in $(find "$root/var/lib/dkms" -path "*/$rel/*" -name '*.ko*' -type f); do
	cp "$f" "$tmpout/"
done
for f in "$tmpout"/*.ko.xz "$tmpout"/*.ko.zst; do
	[ -e "$f" ] || continue
	case $f in
	*.xz) xz -d "$f" ;;
	*.zst) zstd -qd --rm "$f" ;;
	esac
done
ls "$tmpout"/kbtf_demo.ko "$tmpout"/kbtf_kfuncs.ko "$tmpout"/acpi_call.ko >/dev/null 2>&1 ||
	die "dkms built no kbtf_demo.ko/kbtf_kfuncs.ko/acpi_call.ko ($(ls "$tmpout"))"
cp "$root/usr/src/linux-headers-$rel/vmlinux" "$tmpout/vmlinux" 2>/dev/null || true
{
	echo "suite $suite"
	echo "release $rel"
	in_root dpkg-query -W -f '${Package} ${Version}\n' "$hdrpkg" pahole dkms acpi-call-dkms \
		"$gccpkg" "linux-kbuild-*" 2>/dev/null
} >"$tmpout/MANIFEST"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmpout" "$out"
say "built $(ls "$out" | grep -c '\.ko$') modules for $rel"
echo "$out"

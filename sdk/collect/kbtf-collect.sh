#!/bin/sh
# kbtf-collect.sh: describe this machine's running kernel for kbtf, in one
# tarball a driver vendor turns into a kernel profile (kbtf kernels add
# BUNDLE) and validates modules against.
#
#   sh kbtf-collect.sh [-o FILE]      default FILE: ./kbtf-bundle-RELEASE.tar.gz
#
# Needs nothing but a POSIX sh, coreutils and tar (gzip when present; a
# plain .tar otherwise). Reads only; run it as any user (root is not
# needed). The tarball holds one directory, kbtf-bundle-RELEASE/:
#
#   manifest        "kbtf-bundle 1", then key=value facts
#   vmlinux.btf     /sys/kernel/btf/vmlinux: the running kernel's BTF
#   config          /proc/config.gz (gzip) or /boot/config-RELEASE
#   Module.symvers  from the kernel's headers/-devel tree, or
#   symvers-RELEASE.gz|.xz|.zst as RHEL, Fedora and SUSE ship it
#   version         /proc/version
#   os-release      /etc/os-release
#   modules         loaded modules, "NAME btf" or "NAME -": whether
#                   /sys/kernel/btf/NAME exists (the kernel kept its BTF)
#
# Exit status: 0 written; 1 the running kernel has no BTF (a bundle is
# still written: kbtf can check symbols, not BTF); 2 bad usage or cannot write.
set -eu

usage() {
	echo "usage: sh kbtf-collect.sh [-o FILE]"
}

out=
while [ $# -gt 0 ]; do
	case $1 in
	-o)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		out=$2
		shift 2
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "kbtf-collect: unknown argument '$1'" >&2
		usage >&2
		exit 2
		;;
	esac
done

rel=$(uname -r)
machine=$(uname -m)
gzip_ok=no
command -v gzip >/dev/null 2>&1 && gzip_ok=yes
if [ -z "$out" ]; then
	out=kbtf-bundle-$rel.tar
	[ "$gzip_ok" = yes ] && out=$out.gz
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kbtf-collect.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 2' HUP INT TERM
b=$work/kbtf-bundle-$rel
mkdir "$b"

# the first readable file of the arguments, or nothing
first() {
	for f in "$@"; do
		if [ -r "$f" ] && [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	return 0
}

status=0
btf=no
if [ -r /sys/kernel/btf/vmlinux ]; then
	cat /sys/kernel/btf/vmlinux >"$b/vmlinux.btf"
	btf=yes
else
	echo "kbtf-collect: no /sys/kernel/btf/vmlinux: this kernel was built without" \
		"CONFIG_DEBUG_INFO_BTF; the bundle has no BTF" >&2
	status=1
fi

config=$(first /proc/config.gz "/boot/config-$rel" "/lib/modules/$rel/config" \
	"/usr/lib/modules/$rel/config" "/lib/modules/$rel/build/.config")
[ -n "$config" ] && cat "$config" >"$b/config"

symvers=$(first "/lib/modules/$rel/build/Module.symvers" \
	"/usr/src/linux-headers-$rel/Module.symvers" "/usr/src/kernels/$rel/Module.symvers")
if [ -n "$symvers" ]; then
	cat "$symvers" >"$b/Module.symvers"
else
	for ext in gz xz zst; do
		symvers=$(first "/boot/symvers-$rel.$ext" "/lib/modules/$rel/symvers.$ext" \
			"/usr/lib/modules/$rel/symvers.$ext")
		if [ -n "$symvers" ]; then
			cat "$symvers" >"$b/symvers-$rel.$ext"
			break
		fi
	done
fi

[ -r /proc/version ] && cat /proc/version >"$b/version"
osr=$(first /etc/os-release /usr/lib/os-release)
os=
if [ -n "$osr" ]; then
	cat "$osr" >"$b/os-release"
	while IFS= read -r line; do
		case $line in
		PRETTY_NAME=*)
			os=${line#PRETTY_NAME=}
			os=${os#\"}
			os=${os%\"}
			;;
		esac
	done <"$osr"
fi

nmod=0
nbtf=0
: >"$b/modules"
if [ -r /proc/modules ]; then
	while read -r name _; do
		nmod=$((nmod + 1))
		if [ -e "/sys/kernel/btf/$name" ]; then
			echo "$name btf" >>"$b/modules"
			nbtf=$((nbtf + 1))
		else
			echo "$name -" >>"$b/modules"
		fi
	done </proc/modules
fi

{
	echo "kbtf-bundle 1"
	echo "release=$rel"
	echo "machine=$machine"
	echo "os=$os"
	echo "collected=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "btf=$btf"
	echo "config=$config"
	echo "symvers=$symvers"
	echo "modules=$nmod"
	echo "modules_btf=$nbtf"
} >"$b/manifest"

tmp=$out.tmp.$$
if [ "$gzip_ok" = yes ]; then
	(cd "$work" && tar -cf - "kbtf-bundle-$rel") | gzip -9 >"$tmp" || { rm -f "$tmp"; exit 2; }
else
	(cd "$work" && tar -cf - "kbtf-bundle-$rel") >"$tmp" || { rm -f "$tmp"; exit 2; }
fi
mv "$tmp" "$out"
echo "kbtf-collect: wrote $out ($rel, $machine; BTF $btf, config ${config:-none}," \
	"symvers ${symvers:-none}, $nmod modules loaded, $nbtf with BTF)"
exit "$status"

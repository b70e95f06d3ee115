#!/bin/sh
# tests/oracle/build.sh [OUT]
#
# Build btfo, the libbpf oracle, and print the path of the binary.
# libbpf >= 1.5 (btf__distill_base, btf__relocate) is Debian 13's
# libbpf-dev: fetched with tests/lib/debfetch.sh into the test cache,
# unpacked into $KBTF_TEST_CACHE/oracle/libbpf-<version>/ (never installed
# into the system), and linked statically into btfo, with
# glibc_shims.c standing in for the three glibc 2.38 functions that
# libbpf.a calls and Debian 12 lacks. Only libelf and zlib come from the
# system.
#
# OUT defaults to build/oracle/btfo. Nothing is rebuilt when btfo is newer
# than its sources and the libbpf it was linked with. Progress goes to
# stderr; stdout has only the path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/oracle/btfo}
suite=${KBTF_ORACLE_SUITE:-trixie}
cache=${KBTF_TEST_CACHE:-/var/cache/kbtf-test}
cc=${CC:-cc}

deb=$("$root/tests/lib/debfetch.sh" "$suite" libbpf-dev)
version=$(dpkg-deb -f "$deb" Version | sed 's/^[0-9]*://')
prefix="$cache/oracle/libbpf-$version"
if [ ! -f "$prefix/.unpacked" ]; then
	rm -rf "$prefix"
	mkdir -p "$prefix"
	dpkg-deb -x "$deb" "$prefix"
	touch "$prefix/.unpacked"
	echo "oracle: unpacked libbpf-dev $version into $prefix" >&2
fi
libbpf=$(find "$prefix/usr/lib" -name libbpf.a | head -n1)
[ -n "$libbpf" ] || { echo "oracle: no libbpf.a in $deb" >&2; exit 1; }

srcs="$here/btfo.c $here/glibc_shims.c"
stale=0
if [ ! -x "$out" ]; then
	stale=1
else
	for f in $srcs "$root/sdk/lib/util.h" "$libbpf"; do
		[ "$f" -nt "$out" ] && stale=1
	done
fi
if [ "$stale" = 1 ]; then
	mkdir -p "$(dirname "$out")"
	# shellcheck disable=SC2086
	$cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wformat=2 -I"$prefix/usr/include" -I"$root/sdk/lib" \
		-o "$out.tmp" $srcs "$libbpf" -lelf -lz
	mv "$out.tmp" "$out"
	echo "oracle: built $out against libbpf $version ($suite)" >&2
fi
echo "$out"

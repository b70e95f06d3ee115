#!/bin/bash
# sdk/example/run.sh KBTF
#
# The main job on the built-in example (what `make deps example` runs):
#   1. install what is missing (ci/deps.sh; quick when all is there);
#   2. build sdk/example (kbtf_demo.ko) against Debian 12's 6.12 headers
#      with `kbtf build`, which runs kbuild and then distills the module's
#      BTF: .BTF (split) + .BTF.base (distilled base);
#   3. `kbtf inspect` the result;
#   4. `kbtf validate` it against a few Debian kernels (fetched once into
#      $KBTF_TEST_CACHE).
# The module is built in a copy under build/example/, so the source tree
# stays clean. Steps whose command kbtf does not have yet are said, not
# skipped silently.
set -euo pipefail

kbtf=${1:?usage: run.sh KBTF}
root=$(cd "$(dirname "$0")/../.." && pwd)
kbtf=$(cd "$(dirname "$kbtf")" && pwd)/$(basename "$kbtf")
release=${KBTF_EXAMPLE_RELEASE:-6.12.113+deb12-amd64}
kdir=/usr/src/linux-headers-$release
work=$root/build/example
# Debian kernels to validate against: suite:package
kernels=${KBTF_EXAMPLE_KERNELS:-"bookworm:linux-image-6.12.113+deb12-amd64
bookworm:linux-image-6.12.117+deb12-amd64
bookworm:linux-image-6.1.0-56-amd64"}

step() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
has_cmd() { "$kbtf" "$1" --help >/dev/null 2>&1; }

step "dependencies"
"$root/ci/deps.sh"

step "build kbtf_demo.ko against $release"
rm -rf "$work"
mkdir -p "$work"
cp "$root"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$work/"
if has_cmd build; then
	show "$kbtf" build -k "$release" -C "$work"
else
	echo "(kbtf has no 'build' command yet; it would run:"
	echo "   kbtf build -k $release -C $work"
	echo " building with plain kbuild instead: no distilled base)"
	show make -C "$kdir" M="$work" modules
fi
mod=$work/kbtf_demo.ko
[ -f "$mod" ] || { echo "example: $mod was not built" >&2; exit 1; }

step "inspect"
if has_cmd inspect; then
	show "$kbtf" inspect "$mod"
else
	echo "(kbtf has no 'inspect' command yet)"
	show readelf -S -W "$mod" | grep -E 'BTF' || true
fi

step "validate against Debian kernels"
if has_cmd validate; then
	sources=()
	while read -r spec; do
		[ -n "$spec" ] || continue
		sources+=("$("$root/tests/lib/debfetch.sh" "${spec%%:*}" "${spec#*:}")")
	done <<<"$kernels"
	set +e
	show "$kbtf" validate "$mod" --kernels "${sources[@]}"
	rc=$?
	set -e
	case $rc in
	0) echo "example: kbtf_demo.ko loads with its BTF on every kernel tried" ;;
	1) echo "example: the report above names the kernels that would refuse it, and why" ;;
	*) echo "example: validate failed (exit $rc)" >&2; exit "$rc" ;;
	esac
else
	echo "(kbtf has no 'validate' command yet; it would check $mod against:"
	printf '   %s\n' $kernels
	echo ")"
fi

step "done: $mod"

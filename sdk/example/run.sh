#!/bin/bash
# sdk/example/run.sh KBTF
#
# The main job on the built-in example (what `make deps example` runs):
#   1. install what is missing (.ci/deps.sh; quick when all is there);
#   2. build sdk/example (kbtf_demo.ko) against Debian 12's 6.12 headers
#      with `kbtf build`: kbuild, then distillation of the module's BTF
#      into .BTF (split) + .BTF.base (distilled base);
#   3. `kbtf inspect` the result;
#   4. `kbtf validate` it against a few Debian kernels (their packages are
#      fetched once into $KBTF_TEST_CACHE, default /var/cache/kbtf-test).
# The module is built in a copy under build/example/, so the source tree
# stays clean. Exit 0 when every step ran, whatever the verdicts (the
# report explains them); nonzero when a step could not run.
set -euo pipefail

kbtf=${1:?usage: run.sh KBTF}
root=$(cd "$(dirname "$0")/../.." && pwd)
kbtf=$(cd "$(dirname "$kbtf")" && pwd)/$(basename "$kbtf")
release=${KBTF_EXAMPLE_RELEASE:-6.12.113+deb12-amd64}
work=$root/build/example
# Debian kernels to validate against, as suite:package
kernels=${KBTF_EXAMPLE_KERNELS:-"bookworm:linux-image-6.12.113+deb12-amd64
bookworm:linux-image-6.12.117+deb12-amd64
bookworm:linux-image-6.12.113+deb12-rt-amd64
bookworm:linux-image-6.1.0-56-amd64"}

step() { printf '\n==> %s\n' "$*"; }
show() {
	printf '$ %s\n' "$*"
	"$@"
}

step "dependencies"
"$root/.ci/deps.sh"

step "build kbtf_demo.ko for $release, with a distilled base"
rm -rf "$work"
mkdir -p "$work"
cp "$root"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$work/"
show "$kbtf" build -k "$release" -C "$work"
mod=$work/kbtf_demo.ko

step "what is inside"
show "$kbtf" inspect "$mod"

step "what Debian kernels will do with it"
targets=()
while read -r spec; do
	[ -n "$spec" ] || continue
	targets+=(--kernel "$("$root/tests/lib/debfetch.sh" "${spec%%:*}" "${spec#*:}")")
done <<<"$kernels"
set +e
show "$kbtf" validate "$mod" "${targets[@]}"
rc=$?
set -e
case $rc in
0) echo "example: kbtf_demo.ko loads with its BTF on every kernel tried" ;;
1) echo "example: the report above says which kernels would not take it as it is, and why" ;;
*)
	echo "example: validate failed (exit $rc)" >&2
	exit "$rc"
	;;
esac

step "done: $mod"

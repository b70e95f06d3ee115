#!/bin/bash
# tests/bench/run.sh BENCH_BIN KBTF_BIN
#
# Benchmark figures (never pass/fail) for `make bench`:
#   - kbtf-bench on a 6.12 kernel's BTF (parse + validation, name index,
#     kernel rules), distilling the example module, validating it against
#     a few kernels;
#   - the same file through libbpf 1.5 (btfo bench), when the oracle
#     builds here (tests/oracle/build.sh), for comparison;
#   - wall time of kbuild for the example and of whole kbtf commands.
# Environment: KBTF_BENCH_KERNEL (default: Debian 12's 6.12 headers'
# vmlinux), KBTF_BENCH_TARGETS (kernel sources for the validate bench,
# space separated; default that vmlinux and Debian's 6.1.0-56 package).
set -uo pipefail

bench=${1:?usage: run.sh BENCH_BIN KBTF_BIN}
kbtf=${2:?usage: run.sh BENCH_BIN KBTF_BIN}
root=$(cd "$(dirname "$0")/../.." && pwd)
rel=6.12.113+deb12-amd64
kdir=/usr/src/linux-headers-$rel
kernel=${KBTF_BENCH_KERNEL:-$kdir/vmlinux}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "== machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"

# The example module, built with plain kbuild (its .BTF is pahole 1.24's split).
mods=()
if [ -d "$kdir" ]; then
	cp "$root"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$scratch/"
	t0=$(date +%s%N)
	if make -s -C "$kdir" M="$scratch" modules >"$scratch/kbuild.log" 2>&1; then
		echo "== kbuild of sdk/example against $rel: $(ms_since "$t0") ms wall"
		mods+=("$scratch/kbtf_demo.ko")
	else
		echo "== kbuild of the example failed; benches without a module"
		tail -n 5 "$scratch/kbuild.log"
	fi
fi

targets=${KBTF_BENCH_TARGETS:-}
if [ -z "$targets" ]; then
	targets=$kernel
	deb=$("$root/tests/lib/debfetch.sh" bookworm linux-image-6.1.0-56-amd64 2>/dev/null) &&
		targets="$targets $deb"
fi

# a boot image without Module.symvers beside it: its exports read from the image
img=$("$root/tests/lib/debfetch.sh" bookworm "linux-image-$rel" 2>/dev/null) &&
	dpkg-deb --fsys-tarfile "$img" | tar -x -C "$scratch" "./boot/vmlinuz-$rel" 2>/dev/null &&
	export KBTF_BENCH_IMAGE=$scratch/boot/vmlinuz-$rel

echo
echo "== kbtf-bench $kernel"
# shellcheck disable=SC2086
"$bench" "$kernel" "${mods[@]}" -- $targets
rc=$?

btfo=$("$root/tests/oracle/build.sh" 2>/dev/null)
if [ -n "$btfo" ] && [ -x "$btfo" ]; then
	echo
	echo "== for comparison: libbpf 1.5 (Debian 13) on the same inputs"
	"$btfo" bench "$kernel" "${mods[@]}"
else
	echo
	echo "== libbpf oracle not available (tests/oracle/build.sh failed): no comparison"
fi

echo
echo "== whole commands (wall time, one run each)"
for args in "inspect $kernel" ${mods[@]:+"inspect ${mods[0]}"}; do
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	"$kbtf" $args >/dev/null 2>&1
	r=$?
	printf '  kbtf %-60s %6d ms (exit %d)\n' "$args" "$(ms_since "$t0")" "$r"
done
exit $rc

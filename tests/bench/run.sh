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
#   - the store (issue 18): every Debian amd64 kernel package in the test
#     cache stored as a profile (bytes per kernel on disk, with and without
#     re-adding them under other names), opening a stored kernel from its
#     index and the full way, opening one and judging a module on it, and
#     100 modules x 1,000 stored kernels, raw and (the default) as deltas,
#     each in a process of its own; libbpf parsing the same kernel and
#     relocating the same modules (btfo bench-relocate), and the ratio;
#     the load average before and after, since the machine may be shared;
#   - fetch bytes per kernel, as kbtf kernels fetch --dry-run estimates them
#     for whole series, and as it downloads them for real from Debian's
#     archive (deb.debian.org) for one kernel of each kind (headers alone;
#     image and headers; the same with --partial), with the stored bytes of
#     those kernels by file kind (KBTF_BENCH_FETCH=0: not the real fetch).
#   - access plugin overhead: kbuild of the example and of the access test
#     module with and without the kbtf_access plugin (best of 3 each).
# Environment: KBTF_BENCH_KERNEL (default: Debian 12's 6.12 headers'
# vmlinux), KBTF_BENCH_TARGETS (kernel sources for the validate bench,
# space separated; default that vmlinux and Debian's 6.1.0-56 package),
# KBTF_BENCH_STORE (kernel sources for the store bench; default every
# linux-image/linux-binary amd64 .deb in the test cache), KBTF_BENCH_COPIES
# (stored kernels in the big matrix, default 1000), KBTF_BENCH_MATRIX_MODS
# (module slots in it, default 100).
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
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# The example module, built with plain kbuild (its .BTF is pahole 1.24's split).
mods=()
if [ -d "$kdir" ]; then
	cp "$root"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$scratch/"
	t0=$(date +%s%N)
	if make -s -C "$kdir" M="$scratch" modules >"$scratch/kbuild.log" 2>&1; then
		echo "== kbuild of sdk/example against $rel: $(ms_since "$t0") ms wall"
		mods+=("$scratch/kbtf_demo.ko")
		# the same with kbtf build: .BTF.base, layout and access records,
		# what a vendor ships (the store bench's typical module)
		mkdir -p "$scratch/dist"
		cp "$root"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$scratch/dist/"
		"$kbtf" build -q -k "$rel" -C "$scratch/dist" >/dev/null 2>&1 &&
			mods+=("$scratch/dist/kbtf_demo.ko")
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

if [ -z "${KBTF_BENCH_STORE:-}" ]; then
	KBTF_BENCH_STORE=$(ls "${KBTF_TEST_CACHE:-/var/cache/kbtf-test}"/debs/*/linux-image-*-amd64_*_amd64.deb \
		"${KBTF_TEST_CACHE:-/var/cache/kbtf-test}"/debs/*/linux-binary-*-amd64_*_amd64.deb 2>/dev/null |
		while read -r d; do [ "$(stat -c%s "$d")" -gt 1000000 ] && echo "$d"; done | tr '\n' ' ')
	export KBTF_BENCH_STORE
fi

echo
echo "== kbtf-bench $kernel"
# shellcheck disable=SC2086
"$bench" "$kernel" "${mods[@]}" -- $targets | tee "$scratch/kbtf.out"
rc=${PIPESTATUS[0]}

btfo=$("$root/tests/oracle/build.sh" 2>/dev/null)
if [ -n "$btfo" ] && [ -x "$btfo" ]; then
	echo
	echo "== for comparison: libbpf 1.5 (Debian 13) on the same inputs"
	"$btfo" bench "$kernel" "${mods[@]}"
	# the store bench's pairs: parse the kernel, relocate each module
	dist=()
	for m in "${mods[@]}"; do
		[ "$(basename "$(dirname "$m")")" = dist ] && dist+=("$m")
	done
	if [ ${#dist[@]} -gt 0 ]; then
		"$btfo" bench-relocate "$kernel" "${dist[@]}" | tee "$scratch/libbpf.out"
		# kbtf open + judge on the stored 6.12.113 amd64 vs libbpf on its vmlinux
		k=$(sed -n "s/^store: open + judge dist\/kbtf_demo.ko on $rel  *median *\([0-9.]*\) ms.*/\1/p" \
			"$scratch/kbtf.out" | tail -n1)
		l=$(sed -n 's/^libbpf parse kernel + relocate kbtf_demo.ko *median *\([0-9.]*\) ms.*/\1/p' \
			"$scratch/libbpf.out" | head -n1)
		[ -n "$k" ] && [ -n "$l" ] &&
			awk -v k="$k" -v l="$l" 'BEGIN { printf "== kbtf / libbpf, open a stored kernel and judge the distilled example (medians): %.3f / %.3f ms = %.4f\n", k, l, k / l }'
		# the same on the profiles stored as deltas (kbtf kernels add's
		# default), against libbpf on the same 6.12 vmlinux (kernels of one
		# series differ in size by under 1%)
		[ -n "$l" ] && sed -n 's/^delta store: open + judge dist\/kbtf_demo.ko on \([^ ]*\)  *median *\([0-9.]*\) ms.*/\1 \2/p' \
			"$scratch/kbtf.out" | while read -r name k; do
			awk -v n="$name" -v k="$k" -v l="$l" 'BEGIN { printf "== kbtf / libbpf, the same on the delta profile of %s: %.3f / %.3f ms = %.4f\n", n, k, l, k / l }'
		done
	fi
else
	echo
	echo "== libbpf oracle not available (tests/oracle/build.sh failed): no comparison"
fi

# kbuild's CPU time (user + system, make and the compilers it runs: less
# disturbed by other load than wall time) with and without the access
# plugin, best of 3 each, alternating
cpu_ms() { # CMD...: the CPU milliseconds CMD and its children used
	local TIMEFORMAT='%3U %3S' out
	out=$({ time "$@" >/dev/null 2>&1; } 2>&1) || return 1
	awk '{ printf "%d", ($1 + $2) * 1000 }' <<<"$out"
}
access_overhead() { # NAME FILE...
	local name=$1 so best_p=0 best_a=0 i t kc
	shift
	so=$("$kbtf" build --access-kcflags --kdir "$kdir" 2>/dev/null) || return
	[ -n "$so" ] || { echo "  $name: no access plugin here"; return; }
	rm -rf "$scratch/ov" && mkdir -p "$scratch/ov" && cp "$@" "$scratch/ov/"
	for i in 1 2 3; do
		for kc in "" "$so"; do
			make -s -C "$kdir" M="$scratch/ov" clean >/dev/null 2>&1
			t=$(cpu_ms make -s -C "$kdir" M="$scratch/ov" KCFLAGS="$kc" modules) || return
			if [ -z "$kc" ]; then
				{ [ "$best_p" = 0 ] || [ "$t" -lt "$best_p" ]; } && best_p=$t
			else
				{ [ "$best_a" = 0 ] || [ "$t" -lt "$best_a" ]; } && best_a=$t
			fi
		done
	done
	printf '  %-28s kbuild %6d ms CPU, with the plugin %6d ms: %+.1f%%\n' "$name" "$best_p" \
		"$best_a" "$(awk -v a="$best_a" -v p="$best_p" 'BEGIN { print (a - p) * 100 / p }')"
}
if [ -d "$kdir" ]; then
	echo
	echo "== access plugin overhead (kbuild CPU time, best of 3)"
	access_overhead "sdk/example" "$root"/sdk/example/{kbtf_demo.c,Kbuild}
	access_overhead "access test module" "$root"/tests/integration/data/access/{accdemo.c,Kbuild}
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
# what fetching costs per kernel: the fetcher's own estimate (--dry-run);
# the package lists come from the test cache when fresh
echo
echo "== fetch bytes per kernel (kbtf kernels fetch --dry-run)"
mkdir -p "$scratch/fetch/kbtf"
[ -d "${KBTF_TEST_CACHE:-/var/cache/kbtf-test}/kbtf-apt" ] &&
	ln -s "${KBTF_TEST_CACHE:-/var/cache/kbtf-test}/kbtf-apt" "$scratch/fetch/kbtf/apt"
for spec in 'debian:linux-image-6.12.*-amd64' 'debian:linux-image-6.1.0-*-amd64'; do
	XDG_CACHE_HOME=$scratch/fetch timeout 300 "$kbtf" kernels fetch --dry-run "$spec" 2>/dev/null |
		sed -n 's/^total: \([0-9]*\) kernels to fetch, .*(\([0-9]*\) bytes).*/\1 \2/p' |
		awk -v s="$spec" '$1 > 0 { printf "  %-36s %3d kernels, %7.1f MB, %5.2f MB per kernel\n", s, $1, $2 / 1e6, $2 / 1e6 / $1 }'
done

# what it downloads for real, from the archive, and what the store then
# holds per kernel by kind (each inode once: the store links equal files)
kinds() { # STORE: bytes of btf, index, Module.symvers, config, the rest
	find "$1" -mindepth 2 -maxdepth 2 -type f ! -path '*/.objects/*' -printf '%i %s %f\n' |
		sort -u -k1,1 | awk '{ k = $3; if (k != "btf" && k != "index" && k != "Module.symvers" && k != "config") k = "rest"; b[k] += $2 }
			END { printf "btf %.2f MB, index %.2f MB, Module.symvers %.2f MB, config %.3f MB, the rest %.3f MB", b["btf"] / 1e6, b["index"] / 1e6, b["Module.symvers"] / 1e6, b["config"] / 1e6, b["rest"] / 1e6 }'
}
if [ "${KBTF_BENCH_FETCH:-1}" != 0 ]; then
	echo
	echo "== fetch bytes per kernel, downloaded (kbtf kernels fetch from deb.debian.org)"
	for spec in "debian:linux-image-$rel" 'debian:linux-image-6.1.0-56-amd64' \
		'--partial debian:linux-image-6.1.0-56-amd64'; do
		rm -rf "$scratch/fetch/kbtf/kernels"
		# shellcheck disable=SC2086
		out=$(XDG_CACHE_HOME=$scratch/fetch timeout 600 "$kbtf" kernels fetch $spec 2>&1)
		sum=$(sed -n 's/^\([0-9]*\) stored, .*downloaded (\([0-9]*\) bytes); \([0-9.]*\) s$/\1 \2 \3/p' <<<"$out")
		if [ -z "$sum" ]; then
			echo "  $spec: fetch failed (archive unreachable?): $(tail -n1 <<<"$out")"
			continue
		fi
		read -r n b secs <<<"$sum"
		[ "$n" -gt 0 ] || continue
		printf '  %-46s %d kernel, %6.1f MB downloaded in %s s\n' "$spec" "$n" "$(awk -v b="$b" -v n="$n" 'BEGIN { print b / 1e6 / n }')" "$secs"
		printf '  %-46s stored: %s\n' "" "$(kinds "$scratch/fetch/kbtf/kernels")"
	done
fi

echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc

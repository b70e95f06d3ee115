#!/bin/bash
# test_kernel_log_sid.sh: a BTF rejection on a kernel without
# CONFIG_MODULE_ALLOW_BTF_MISMATCH, booted (issue 15 item 3). Debian sid's
# 7.2 kernels leave it unset (and CONFIG_MODVERSIONS too): a module whose
# distilled base does not relocate is refused, with the relocation line
# and "failed to validate module [M] BTF: -22", and the load fails with
# EINVAL; the same module with its BTF intact loads with BTF.
#
# 7.2's headers need sid's compiler (gcc-16), so the modules are built in
# a sid root (debootstrap --variant=minbase sid, then the headers package,
# make and dwarves, prepared once and kept under $KBTF_TEST_CACHE/roots);
# kbtf_bt_spin is built twice, one copy's .BTF.base changed in place by
# tests/integration/boottest/craft.py. One boot loads both, nothing forced.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

rel=7.2.13+deb14-amd64
ver=7.2.13-1
mirror=${KBTF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debfetch=$KBTF_ROOT/tests/lib/debfetch.sh
craft=$KBTF_ROOT/tests/integration/boottest/craft.py
root=$KBTF_TEST_CACHE/roots/sid-kbuild

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root (debootstrap, chroot)"
command -v qemu-system-x86_64 >/dev/null || t_skip_all "no qemu-system-x86_64 (qemu-system-x86)"
command -v jq >/dev/null || t_skip_all "no jq"
command -v python3 >/dev/null || t_skip_all "no python3"
[ -x "$KBTF_BUILD/kbtf-modload" ] || t_skip_all "no $KBTF_BUILD/kbtf-modload (make)"
# the sid archive moves on: a release it no longer has is skipped, not failed
for p in linux-binary-$rel linux-base-$rel linux-headers-$rel; do
	"$debfetch" sid "$p" >/dev/null 2>&1 || t_skip_all "sid no longer has $p"
done

# ------------------------------------------- a sid root that builds for 7.2
if [ "$(cat "$root/.stamp" 2>/dev/null)" != "$rel" ]; then
	command -v debootstrap >/dev/null || t_skip_all "no debootstrap"
	echo "# a sid root with linux-headers-$rel (once; kept in $root)"
	rm -rf --one-file-system "$root" "$root.tmp"
	mkdir -p "$root.tmp"
	seed=$KBTF_TEST_CACHE/roots/sid-minbase.tar
	if [ -s "$seed" ]; then
		tar -C "$root.tmp" -xf "$seed"
	elif ! debootstrap --variant=minbase sid "$root.tmp" "$mirror" >"$t_tmp/debootstrap.log" 2>&1; then
		t_fail "debootstrap --variant=minbase sid"
		tail -n 20 "$t_tmp/debootstrap.log" | sed 's/^/    | /'
		t_done
	fi
	echo "deb $mirror sid main" >"$root.tmp/etc/apt/sources.list"
	cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
	# the registry's sid snapshot can be older than its Valid-Until
	if ! chroot "$root.tmp" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive
		A='-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false'
		apt-get \$A update -q && apt-get \$A install -y -q --no-install-recommends \
			linux-headers-$rel make dwarves" >"$t_tmp/apt.log" 2>&1; then
		t_fail "install linux-headers-$rel in the sid root"
		tail -n 20 "$t_tmp/apt.log" | sed 's/^/    | /'
		rm -rf --one-file-system "$root.tmp"
		t_done
	fi
	echo "$rel" >"$root.tmp/.stamp"
	mv "$root.tmp" "$root"
fi
t_ok "a sid root with linux-headers-$rel"

# build NAME: kbtf_bt_spin as NAME, with 7.2's kbuild in the sid root
build() {
	local src=$root/tmp/kbtf-$1
	rm -rf "$src"
	mkdir -p "$src"
	sed "s/kbtf_bt_spin/$1/g" "$KBTF_ROOT/tests/integration/boottest/kbtf_bt_spin/kbtf_bt_spin.c" >"$src/$1.c"
	echo "obj-m := $1.o" >"$src/Kbuild"
	chroot "$root" make -C "/usr/src/linux-headers-$rel" M="/tmp/kbtf-$1" modules \
		>"$t_tmp/build-$1.log" 2>&1 || {
		tail -n 20 "$t_tmp/build-$1.log" >&2
		return 1
	}
	cp "$src/$1.ko" "$t_tmp/"
	rm -rf "$src"
	echo "$t_tmp/$1.ko"
}
# objtool reads /proc/self: /proc is there for the builds only
mount -t proc proc "$root/proc" || { t_fail "mount /proc in the sid root"; t_done; }
trap 'umount "$root/proc" 2>/dev/null; rm -rf "$t_tmp"' EXIT
ok=$(build kbtf_bt_spin72) && bad=$(build kbtf_bt_spin72b)
built=$?
umount "$root/proc"
[ "$built" -eq 0 ] || { t_fail "build with 7.2's kbuild"; t_done; }
t_check "both carry .BTF.base (7.2's kbuild distils external modules)" \
	sh -c "readelf -S -W '$ok' | grep -q ' .BTF.base ' && readelf -S -W '$bad' | grep -q ' .BTF.base '"
t_check "craft: kbtf_bt_spin72b's .BTF.base records struct spinlock 4 bytes too big" \
	python3 "$craft" btf-size "$bad" .BTF.base spinlock 4

# the kernel: boot image (linux-binary), config (linux-base), Module.symvers (headers)
k=$t_tmp/k72
mkdir -p "$k/usr/src/linux-headers-$rel"
for p in linux-binary linux-base; do
	dpkg-deb -x "$("$debfetch" sid "$p-$rel" 2>/dev/null)" "$k"
done
dpkg-deb --fsys-tarfile "$("$debfetch" sid "linux-headers-$rel" 2>/dev/null)" |
	tar -x -O "./usr/src/linux-headers-$rel/Module.symvers" >"$k/usr/src/linux-headers-$rel/Module.symvers"
t_check "7.2 has no CONFIG_MODULE_ALLOW_BTF_MISMATCH (nor MODVERSIONS)" \
	sh -c "grep -q '^# CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set' '$k'/boot/config-* '$k'/usr/lib/modules/*/config 2>/dev/null"

# ------------------------------------------------------------ one boot
"$KBTF" boot-test "$bad" "$ok" --kernel "$k" --timeout 180 --format json -o "$t_tmp/b72.json"
rc=$?
[ "$rc" -eq 0 ] && t_ok "boot-test on $rel: both pairs agree (exit 0)" || t_fail "boot-test on $rel exits $rc"
jq -r '.kernels[0].pairs[] | "   \(.module): \(.predicted.verdict) -> \(.result) (\(.why))",
	(.observed.log[] | "      | " + .)' "$t_tmp/b72.json"
pair() { jq -c --arg m "$1" '.kernels[0].pairs[] | select(.module == $m)' "$t_tmp/b72.json"; }
want='["kbtf_bt_spin72b: loading out-of-tree module taints kernel.",
	"kbtf_bt_spin72b: module verification failed: signature and/or required key missing - tainting kernel",
	"distilled base BTF type '"'spinlock'"' [59] is not mapped to base BTF id",
	"failed to validate module [kbtf_bt_spin72b] BTF: -22"]'
t_check "the BTF rejection is a refusal (EINVAL), with exactly the predicted lines" \
	jq -e --argjson w "$want" '.result == "agree" and .expected.log == $w and
		(.observed.loaded | not) and .observed.error == "EINVAL" and
		([.observed.log[] | sub("^\\[ *[0-9.]+\\] "; "") | select(test("^(tsc|clocksource): ") | not)] == $w)' \
	<<<"$(pair kbtf_bt_spin72b)"
t_check "the intact module loads with BTF; no loader line (the taint lines were the first module's)" \
	jq -e '.result == "agree" and .expected.log == [] and .observed.loaded and .observed.btf_registered' \
	<<<"$(pair kbtf_bt_spin72)"

t_done

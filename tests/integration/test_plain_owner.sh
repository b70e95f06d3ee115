#!/bin/bash
# test_plain_owner.sh: whether a plain split .BTF belongs to a kernel is
# read from the BTF (issue 14).
#
# A plain split (what `kbtf distill --plain-split` writes, for kernels
# before 6.11) stores neither the type count nor the string length of the
# vmlinux it continues; validate reads them from where the split's ids and
# string offsets land (docs/validate.md, "Plain split BTF"), not from a
# release, which for raw BTF is only a file name. The example module with a
# plain split built for 6.12.113 is judged ok on that kernel given as raw
# BTF (two file names), ELF vmlinux, boot image, image package and
# unpacked package, and misread or rejected on 6.12.117 and 6.12.113-rt; the
# same for a module built for 6.1.0-56 against 6.1.0-56-cloud. A real boot
# of 6.12.113 registers the split (boot-test, normal load).
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

debfetch=$KBTF_ROOT/tests/lib/debfetch.sh
vml=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
[ -f "$vml" ] || t_skip_all "needs $vml"
[ -d /usr/src/linux-headers-6.1.0-56-amd64 ] || t_skip_all "no 6.1.0-56 headers"
for tool in jq objcopy; do
	command -v "$tool" >/dev/null || t_skip_all "needs $tool"
done
export XDG_CACHE_HOME=$t_tmp/xdg
cd "$t_tmp" || exit 1

deb() { "$debfetch" bookworm "linux-image-$1"; }
# build NAME REL [BASE]: the example renamed NAME, built with a plain split
build() {
	local d=$t_tmp/src/$1
	mkdir -p "$d"
	sed "s/kbtf_demo/$1/g" "$KBTF_ROOT/sdk/example/kbtf_demo.c" >"$d/$1.c"
	echo "obj-m := $1.o" >"$d/Kbuild"
	"$KBTF" build -q -k "$2" ${3:+--base "$3"} --plain-split -C "$d" >"$d.log" 2>&1 || {
		tail -n 20 "$d.log"
		return 1
	}
	cp "$d/$1.ko" "$t_tmp/$1.ko"
}
# t_judged DESC MODULE KERNEL REGEX: validate's verdict and reasons match
t_judged() {
	local got
	"$KBTF" validate "$2" --kernel "$3" --no-symbols -f json -o v.json 2>v.err
	got=$(jq -r '.results[0] | .verdict + " " + .summary + " | " +
		([.problems[]? | .reason + ": " + (.actual // "")] | join("; ")) + " | " +
		([.warnings[]? | select(.kind == "plain-split") | .message] | join("; "))' v.json 2>&1)
	if echo "$got" | grep -Eq -- "$4"; then
		t_ok "$1"
	else
		t_fail "$1 (got: $got; want /$4/)"
		sed 's/^/    | /' v.err | head -n 5
	fi
}

k612=$(t_kernel_dir 6.12.113+deb12-amd64) || { t_fail "fetch 6.12.113"; t_done; }
k61=$(t_kernel_dir 6.1.0-56-amd64) || { t_fail "fetch 6.1.0-56"; t_done; }
d612=$(deb 6.12.113+deb12-amd64) && d617=$(deb 6.12.117+deb12-amd64) &&
	drt=$(deb 6.12.113+deb12-rt-amd64) && d61=$(deb 6.1.0-56-amd64) &&
	d61c=$(deb 6.1.0-56-cloud-amd64) || { t_fail "fetch image packages"; t_done; }

t_check "kbtf build --plain-split -k 6.12.113" build kbtf_po612 6.12.113+deb12-amd64
t_check "kbtf build -k 6.1.0-56 (a plain split, as kbtf picks for 6.1)" \
	build kbtf_po61 6.1.0-56-amd64 "$k61"
[ "$t_failed" -eq 0 ] || t_done
t_check "both carry .BTF and no .BTF.base" sh -c \
	"for m in kbtf_po612 kbtf_po61; do readelf -S -W \$m.ko | grep -q ' .BTF ' &&
	 ! readelf -S -W \$m.ko | grep -q ' .BTF.base ' || exit 1; done"

# the build kernel's BTF, raw, under the name of its package and under none
objcopy --dump-section .BTF=linux-image-6.12.113+deb12-amd64.btf "$vml" objcopy.out
cp linux-image-6.12.113+deb12-amd64.btf kernel-btf.bin
m=kbtf_po612.ko
# ok, and said so from the BTF: its ids and offsets land where they should
ok="^ok loads, BTF registered.*read as built on this kernel's vmlinux: its [0-9]+ type ids"
t_judged "6.12.113 as raw BTF named after its package: ok" $m \
	linux-image-6.12.113+deb12-amd64.btf "$ok"
t_judged "  ... the release read from that name is only a hint" $m \
	linux-image-6.12.113+deb12-amd64.btf "the BTF decides"
t_judged "6.12.113 as raw BTF of any name: ok" $m kernel-btf.bin "$ok"
t_judged "6.12.113 as ELF vmlinux (headers): ok" $m "$vml" "$ok"
t_judged "6.12.113 as boot image (vmlinuz): ok" $m "$k612/boot/vmlinuz-6.12.113+deb12-amd64" "$ok"
t_judged "6.12.113 as image package (.deb): ok" $m "$d612" "$ok"
t_judged "6.12.113 as unpacked package: ok" $m "$k612" "$ok"
bad='^btf-rejected plain split .BTF built for another kernel.*built-for-another-kernel'
t_judged "6.12.117 (the next build): built for another kernel" $m "$d617" "$bad"
t_judged "6.12.113-rt (same release number, another flavour): built for another kernel" \
	$m "$drt" "$bad"

# 6.1: the raw BTF of 6.1.0-56, from its package without kbtf
t_vmlinux_from_deb "$d61" vmlinux61 && objcopy --dump-section .BTF=btf61.raw vmlinux61 o61.out ||
	t_fail "raw BTF of 6.1.0-56 from its package"
m=kbtf_po61.ko
t_judged "6.1.0-56 as raw BTF: ok" $m btf61.raw "$ok"
t_judged "6.1.0-56 as image package: ok" $m "$d61" "$ok"
t_judged "6.1.0-56-cloud (same release number, another config): built for another kernel" \
	$m "$d61c" "$bad"

# ------------------------------------------------------------ a real boot
command -v qemu-system-x86_64 >/dev/null || {
	t_ok "SKIP real boot: no qemu-system-x86_64"
	t_done
}
# KBTF_BOOT_ACCEL: tcg where /dev/kvm is there but does not work
t_exit 0 "boot-test (normal load) of the 6.12.113 plain split on 6.12.113: agrees" \
	"$KBTF" boot-test kbtf_po612.ko --kernel "$k612" --accel "${KBTF_BOOT_ACCEL:-auto}" \
	--timeout 600 --format json -o boot.json
t_check "  ... predicted ok, loaded, /sys/kernel/btf/kbtf_po612 exists" jq -e \
	'.kernels[0].pairs[0] | .predicted.verdict == "ok" and .observed.loaded and .observed.btf_registered' \
	boot.json
t_done

#!/bin/bash
# The README's main job (`make example` = sdk/example/run.sh) works, and
# what it produces is right by an independent judge: libbpf 1.5 (btfo)
# accepts the module's .BTF + .BTF.base, relocates it onto the kernel it
# was built for and onto another build of the same series, and refuses the
# PREEMPT_RT kernel, whose spinlock the module embeds has another size.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

ko=$KBTF_BUILD/example/kbtf_demo.ko
t_check "sdk/example/run.sh runs the main job" "$KBTF_ROOT/sdk/example/run.sh" "$KBTF" || t_done
[ -f "$ko" ] && t_ok "it built $ko" || { t_fail "no $ko"; t_done; }

readelf -S -W "$ko" >"$t_tmp/sections"
t_grep "the module has .BTF" ' \.BTF +PROGBITS' "$t_tmp/sections"
t_grep "and .BTF.base" ' \.BTF\.base +PROGBITS' "$t_tmp/sections" || t_done

btfo=$("$KBTF_ROOT/tests/oracle/build.sh" "$t_tmp/btfo" 2>/dev/null) || {
	t_fail "the libbpf oracle does not build"
	t_done
}
vmlinux=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
t_grep "libbpf relocates it onto the 6.12.113 build kernel" '^relocate: OK' \
	<("$btfo" relocate-ko "$ko" "$vmlinux")

deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-6.12.117+deb12-amd64)
if t_vmlinux_from_deb "$deb" "$t_tmp/117.elf"; then
	t_grep "and onto 6.12.117" '^relocate: OK' <("$btfo" relocate-ko "$ko" "$t_tmp/117.elf")
	rm -f "$t_tmp/117.elf"
else
	t_fail "no vmlinux in $deb"
fi
deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-6.12.113+deb12-rt-amd64)
if t_vmlinux_from_deb "$deb" "$t_tmp/rt.elf"; then
	"$btfo" relocate-ko "$ko" "$t_tmp/rt.elf" >"$t_tmp/rt.out"
	t_grep "and refuses the rt kernel: spinlock" "type 'spinlock' .* not mapped" "$t_tmp/rt.out"
	rm -f "$t_tmp/rt.elf"
else
	t_fail "no vmlinux in $deb"
fi

t_done

#!/bin/bash
# The oracles the differential tests stand on (tests/oracle/): btfo (libbpf
# 1.5) and pahole 1.30 both build/run here, and agree with each other on
# sdk/example's module built against Debian 12's 6.12 headers: the same
# distilled base, byte for byte, and the same split types. Also that libbpf
# refuses what it must (a base that lacks a type the module embeds).
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

rel=6.12.113+deb12-amd64
kdir=/usr/src/linux-headers-$rel
vmlinux=$kdir/vmlinux
[ -f "$vmlinux" ] || t_skip_all "$vmlinux missing (make deps installs it)"

btfo=$("$KBTF_ROOT/tests/oracle/build.sh" "$t_tmp/btfo") && t_ok "btfo builds against libbpf 1.5" ||
	{ t_fail "btfo does not build"; t_done; }
t_grep "btfo runs libbpf 1.5" '^libbpf 1\.5$' <("$btfo" version)

pahole=$("$KBTF_ROOT/tests/oracle/pahole.sh") && t_ok "pahole 1.30 runs" ||
	{ t_fail "pahole 1.30 does not run"; t_done; }
t_grep "pahole wrapper is 1.30" '^v1\.30$' <("$pahole" --version)

mod=$t_tmp/mod
mkdir -p "$mod"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$mod/"
t_check "kbuild builds the example against $rel" make -C "$kdir" M="$mod" modules ||
	t_done
ko=$mod/kbtf_demo.ko

# libbpf: distill the split BTF kbuild made, then relocate it back.
cd "$t_tmp"
"$btfo" distill "$ko" "$vmlinux" l.base l.split >distill.out
t_grep "btfo distills the example" '^distill: OK distilled base types=[0-9]+ split types=[0-9]+' distill.out
"$btfo" types l.base >l.base.txt
n=$(wc -l <l.base.txt)
if [ "$n" -ge 10 ]; then t_ok "distilled base is not trivial ($n types)"; else
	t_fail "distilled base has only $n types"; fi
for want in "STRUCT 'task_struct'" "STRUCT 'sk_buff'" "STRUCT 'net_device'" \
	"STRUCT 'spinlock' size=4" "STRUCT 'work_struct' size=32" "STRUCT 'list_head' size=16"; do
	t_grep "distilled base has $want" "$want" l.base.txt
done
t_grep "libbpf relocates the pair onto the build vmlinux" '^relocate: OK' \
	<("$btfo" relocate l.base l.split "$vmlinux")

# The PREEMPT_RT kernel's spinlock is 32 bytes, not 4, and the module
# embeds one: libbpf must refuse, naming it. Its BTF comes straight from
# the boot image (zstd payload -> ELF vmlinux), without kbtf.
rt_deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-$(echo $rel | sed 's/-amd64$/-rt-amd64/'))
if t_vmlinux_from_deb "$rt_deb" rt.elf; then
	"$btfo" relocate l.base l.split rt.elf >rt.out
	rc=$?
	if [ "$rc" -eq 1 ]; then t_ok "libbpf refuses to relocate onto the rt kernel"; else
		t_fail "libbpf relocated onto the rt kernel (exit $rc)"; fi
	t_grep "and says spinlock is not mapped" "type 'spinlock' \[[0-9]+\] is not mapped" rt.out
	rm -f rt.elf
else
	t_fail "no ELF payload found in $rt_deb"
fi

# pahole 1.30: encode + distill the same module from its DWARF.
objcopy --remove-section .BTF "$ko" p.ko
LLVM_OBJCOPY=objcopy "$pahole" -J -j --lang_exclude=rust \
	--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs,distilled_base \
	--btf_base "$vmlinux" p.ko >pahole.out 2>&1
t_check "pahole 1.30 writes .BTF and .BTF.base" \
	objcopy --dump-section .BTF=p.split --dump-section .BTF.base=p.base p.ko junk.o
t_check "pahole's distilled base is byte-identical to libbpf's" cmp p.base l.base
"$btfo" types l.split l.base | sed 's/^\[[0-9]*\] //' | sort >l.split.txt
"$btfo" types p.split p.base | sed 's/^\[[0-9]*\] //; s/type=[0-9]*//; s/ret=[0-9]*//' | sort >p.split.kinds
sed 's/type=[0-9]*//; s/ret=[0-9]*//' l.split.txt | sort >l.split.kinds
t_check "pahole's split holds the same types as libbpf's (ids aside)" diff p.split.kinds l.split.kinds
t_grep "libbpf relocates pahole's module onto the build vmlinux" '^relocate: OK' \
	<("$btfo" relocate-ko p.ko "$vmlinux")

t_done

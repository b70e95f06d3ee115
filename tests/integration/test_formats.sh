#!/bin/bash
# test_formats.sh: BTF formats no Debian kernel ships yet, made with the
# libkbtf builder (tests/tools/kbtf-fixture), read, inspected and used by
# validate:
#   1. a 32-byte header whose kind layout sizes an unknown kind 25, on top
#      of the real 6.12.113 vmlinux BTF (and the same without the layout);
#      a module whose .BTF has the 32-byte header, on 6.12 and on a newer
#      kernel generation
#   2. a .BTF archive of three per-object blobs, as a kernel and in a module
#   3. the 6.12.113 vmlinux BTF inside a .ko (btf_vmlinux.ko) as a kernel
#      and as a distill base
#   4. a two-layer kernel (vmlinux + a vmlinux.vars split layer): given with
#      --layer, stored as a profile, and as a two-blob archive
# Expected outcomes come from the format and the kernel's relocation rules
# (docs/libkbtf.md, docs/kernel-rules.md 1.1 and 1.6), and type counts from
# bpftool.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

release=6.12.113+deb12-amd64
vml=/usr/src/linux-headers-$release/vmlinux
[ -f "$vml" ] || t_skip_all "needs $vml (.ci/debian-packages.txt)"
[ -x "$KBTF_FIXTURE" ] || t_skip_all "needs $KBTF_FIXTURE (make integration builds it)"
for tool in jq bpftool objcopy cc; do
	command -v "$tool" >/dev/null || t_skip_all "needs $tool"
done
export XDG_CACHE_HOME=$t_tmp/xdg
cd "$t_tmp" || exit 1

# validate ARGS... -> out.json, exit status in $rc
validate() {
	"$KBTF" validate "$@" --no-symbols -f json -o out.json 2>err
	rc=$?
}
# jqt DESC FILE FILTER: passes when FILTER is true on FILE
jqt() {
	if jq -e "$3" "$2" >/dev/null 2>&1; then
		t_ok "$1"
	else
		t_fail "$1 (jq: $3)"
		jq -c '.results[]? | {source, layers, verdict, summary, problems: [.problems[] | [.name, .reason]]}' \
			"$2" 2>&1 | head -n 8 | sed 's/^/    | /'
		sed 's/^/    | /' err 2>/dev/null | head -n 5
	fi
}
inspect_json() { # OUT SOURCE
	"$KBTF" inspect --json "$2" >"$1" 2>"$1.err"
}

# An ET_REL object to carry BTF sections: what a .ko is to the loader, so
# with what the loader's ELF checks ask of one (elf_validity_cache_copy()
# from Linux 6.4): one .modinfo, a symbol table, and an allocated
# .gnu.linkonce.this_module exactly as large as the kernel's struct module.
modsize=$(bpftool btf dump file "$vml" | sed -n "s/.* STRUCT 'module' size=\([0-9]*\) .*/\1/p")
template() { # NAME OUT
	printf 'static const char modinfo[] __attribute__((section(".modinfo"), used)) =\n' >"$2.c"
	printf '\t"license=GPL\\0name=%s\\0";\n' "$1" >>"$2.c"
	printf 'char this_module[%s] __attribute__((section(".gnu.linkonce.this_module")));\n' \
		"${modsize:?no struct module in $vml}" >>"$2.c"
	cc -c -o "$2" "$2.c"
}

# the example module, built and distilled against the 6.12.113 headers
mkdir demo
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} demo/
t_check "build and distill the example against $release" \
	"$KBTF" build -k "$release" -C demo || t_done
demo=demo/kbtf_demo.ko
n_vml=$(bpftool btf dump file "$vml" | grep -c '^\[')

# ---------------------------------------------- 1. kind-layout header

t_check "fixture: $release BTF + kind 25, 32-byte header with kind layout" \
	"$KBTF_FIXTURE" layout "$vml" layout.btf
t_check "fixture: the same with a 24-byte header and no layout" \
	"$KBTF_FIXTURE" layout "$vml" nolayout.btf --no-table
if inspect_json layout.json layout.btf; then
	jqt "inspect: header 32, 26 kinds described, $n_vml+1 types (bpftool: $n_vml), kind 25 skipped" \
		layout.json ".[0].btf | .header_len == 32 and .kind_layout_kinds == 26 and
		.types == $n_vml + 1 and .unknown_kinds_skipped == 1 and .kinds[\"kind 25\"] == 1"
else
	t_fail "inspect layout.btf: $(cat layout.json.err)"
fi
t_exit 2 "inspect: without a layout, kind 25 is refused" "$KBTF" inspect nolayout.btf
t_grep "  ... naming the kind and the type id" "type \[$((n_vml + 1))\].*unknown kind 25" \
	<("$KBTF" inspect nolayout.btf 2>&1)

validate "$demo" -k "$vml" -k layout.btf
[ "$rc" -eq 0 ] && t_ok "validate: the example relocates on the layout kernel (exit 0)" ||
	t_fail "validate on layout.btf exits $rc"
jqt "  ... same verdict and relocation as on the plain vmlinux" out.json \
	'[.results[] | .verdict, .relocation.ok] == ["ok", true, "ok", true]'
validate "$demo" -k nolayout.btf
[ "$rc" -eq 2 ] && t_ok "validate: kernel BTF with an unsized kind is unreadable (exit 2)" ||
	t_fail "validate on nolayout.btf exits $rc"
jqt "  ... error naming kind 25" out.json \
	'.results[0].verdict == "error" and (.results[0].summary | test("kind 25"))'

# the module side: a 32-byte header is what 6.12 refuses, a newer kernel reads
t_check "fixture: the example's .BTF rewritten with a 32-byte header" \
	"$KBTF_FIXTURE" relayout "$demo" demo32.ko
t_check "a profile of the layout kernel named as a 7.2 release" \
	"$KBTF" kernels add layout.btf --name 7.2.0-layout
validate demo32.ko -k "$vml" -K 7.2.0-layout
jqt "module 32-byte header: 6.12 rejects it (Unsupported btf_header), 7.2 accepts" out.json \
	'(.results[0] | .verdict == "btf-rejected" and
	  (.problems[0] | .reason == "meta-check" and (.actual | test("Unsupported btf_header"))))
	 and .results[1].verdict == "ok"'

# ---------------------------------------------- 2. BTF archives

t_check "fixture: an archive of three per-object blobs" "$KBTF_FIXTURE" archive objs.btf
if inspect_json objs.json objs.btf; then
	jqt "inspect: 3 members of 2 types each, back to back" objs.json \
		'.[0].btf.archive | length == 3 and all(.types == 2 and .split == false) and
		 .[1].offset == .[0].bytes and .[2].offset == .[0].bytes + .[1].bytes'
else
	t_fail "inspect objs.btf: $(cat objs.json.err)"
fi
template kbtf_fixture tmpl.o || t_fail "cc template object"
validate "$demo" -k objs.btf
jqt "validate: a kernel archive of complete blobs is refused, saying what to do" out.json \
	'.results[0].verdict == "error" and
	 (.results[0].summary | test("archive of 3 complete BTF blobs") and test("pahole"))'
"$KBTF_FIXTURE" ko tmpl.o archmod.ko objs.btf
validate archmod.ko -k "$vml"
jqt "validate: a module whose .BTF is an archive is btf-rejected (malformed)" out.json \
	'.results[0] | .verdict == "btf-rejected" and .problems[0].reason == "malformed" and
	 (.problems[0].actual | test("archive of 3"))'
t_exit 2 "distill refuses a module whose .BTF is an archive" \
	"$KBTF" distill --base "$vml" archmod.ko -o archmod-out.ko

# ---------------------------------------------- 3. vmlinux BTF in a module

objcopy --dump-section .BTF=vmlinux.raw "$vml" objcopy.out
template btf_vmlinux vmtmpl.o && "$KBTF_FIXTURE" ko vmtmpl.o btf_vmlinux.ko vmlinux.raw ||
	t_fail "fixture btf_vmlinux.ko"
if inspect_json bv.json btf_vmlinux.ko; then
	jqt "inspect: btf_vmlinux.ko carries complete BTF of $n_vml types (bpftool)" bv.json \
		".[0].btf.types == $n_vml and .[0].btf.split == false"
else
	t_fail "inspect btf_vmlinux.ko: $(cat bv.json.err)"
fi
validate "$demo" -k btf_vmlinux.ko -k "$vml"
jqt "validate: btf_vmlinux.ko as the kernel gives the vmlinux's verdict" out.json \
	'[.results[] | .verdict, .relocation.ok] == ["ok", true, "ok", true]'
mkdir plain
cp demo/kbtf_demo.c plain/ && echo 'obj-m := kbtf_demo.o' >plain/Kbuild
if make -s -C "/usr/src/linux-headers-$release" M="$t_tmp/plain" modules >plain.log 2>&1; then
	t_check "distill --base btf_vmlinux.ko" "$KBTF" distill -q --base btf_vmlinux.ko \
		plain/kbtf_demo.ko -o from-ko.ko
	t_check "distill --base vmlinux" "$KBTF" distill -q --base "$vml" plain/kbtf_demo.ko \
		-o from-vmlinux.ko
	for s in .BTF .BTF.base; do
		objcopy --dump-section "$s=a.sec" from-ko.ko objcopy.out
		objcopy --dump-section "$s=b.sec" from-vmlinux.ko objcopy.out
		[ -s a.sec ] && cmp -s a.sec b.sec && t_ok "  ... $s identical either way" ||
			t_fail "$s differs between the two bases"
	done
else
	t_fail "plain kbuild of the example: $(tail -n 3 plain.log)"
fi
t_check "kernels add btf_vmlinux.ko" "$KBTF" kernels add btf_vmlinux.ko --name 6.12.113-from-ko
jqt "  ... stored with $n_vml types" <("$KBTF" kernels list --json 6.12.113-from-ko) \
	".profiles[0].btf.types == $n_vml"

# ---------------------------------------------- 4. stacked layers

t_check "fixture: vmlinux + vmlinux.vars, stackmod and ambmod" "$KBTF_FIXTURE" stack .
for m in stackmod ambmod; do
	"$KBTF_FIXTURE" ko tmpl.o "$m.ko" "$m.btf" "$m.base" || t_fail "fixture $m.ko"
done
n_base=$(bpftool btf dump file vmlinux.btf | grep -c '^\[')
n_vars=$(bpftool btf dump file vmlinux.vars -B vmlinux.btf | grep -c '^\[')
[ "$n_base" -eq 7 ] && [ "$n_vars" -eq 5 ] && t_ok "bpftool reads the layers: 7 + 5 types" ||
	t_fail "bpftool counts $n_base + $n_vars"

validate stackmod.ko ambmod.ko -k vmlinux.btf -k vmlinux.btf --layer vmlinux.vars
# results are module-major: stackmod on [vmlinux, stack], then ambmod
jqt "vmlinux alone: vars_only not found, dup_sized embedded at 8 bytes, not 24" out.json \
	'.results[0] | .verdict == "btf-rejected" and .layers == [] and
	 ([.problems[] | [.name, .reason]] | sort) ==
	 [["dup_sized", "size-mismatch"], ["vars_only", "not-found"]]'
jqt "with the layer: vars_only found in it, dup_sized maps to its 24-byte one" out.json \
	'.results[1] | .verdict == "ok" and .relocation.ok and .layers == ["vmlinux.vars"]'
jqt "ambmod: dup_same unique in vmlinux alone" out.json '.results[2].verdict == "ok"'
# the kernel scans ids upward and names (current, earlier): layer 1's [9], layer 0's [4]
jqt "ambmod on the stack: dup_same twice at 8 bytes, ambiguous, ids [9, 4]" out.json \
	'.results[3] | .verdict == "btf-rejected" and .problems[0].reason == "ambiguous" and
	 (.kernel_log | test("multiple candidates of the same size \\(ids \\[9, 4\\]\\)"))'
t_grep "text report labels the stacked kernel" "vmlinux.btf\+vmlinux.vars +ok" \
	<("$KBTF" validate stackmod.ko -k vmlinux.btf --layer vmlinux.vars --no-symbols 2>&1)

if "$KBTF" inspect --json vmlinux.btf --layer vmlinux.vars >il.json 2>il.err; then
	jqt "inspect --layer: the stack of 12 types, the layer at ids 8..12" il.json \
		'.[0].stack_types == 12 and .[0].layers[0].first_id == 8 and .[0].layers[0].types == 5'
else
	t_fail "inspect --layer: $(cat il.err)"
fi
t_check "kernels add vmlinux.btf --layer vmlinux.vars" \
	"$KBTF" kernels add vmlinux.btf --layer vmlinux.vars --name 6.20.0-stack
jqt "  ... listed with 12 types and 1 layer" <("$KBTF" kernels list --json 6.20.0-stack) \
	'.profiles[0].btf | .types == 12 and .layers == 1'
if inspect_json prof.json 6.20.0-stack; then
	jqt "inspect the profile: layer 1 holds ids 8..12" prof.json \
		'.[0].stack_types == 12 and (.[0].layers | length == 1 and .[0].first_id == 8 and
		 .[0].types == 5)'
else
	t_fail "inspect 6.20.0-stack: $(cat prof.json.err)"
fi
validate stackmod.ko ambmod.ko -K 6.20.0-stack
jqt "validate -K on the stored stack: the same verdicts as --layer" out.json \
	'[.results[].verdict] == ["ok", "btf-rejected"]'

cat vmlinux.btf vmlinux.vars >stack-archive.btf
if inspect_json sa.json stack-archive.btf; then
	jqt "an archive of vmlinux + its layer: member 2 read as a split layer" sa.json \
		'.[0].btf.archive | length == 2 and .[1].split and .[1].types == 5'
else
	t_fail "inspect stack-archive.btf: $(cat sa.json.err)"
fi
validate stackmod.ko ambmod.ko -k stack-archive.btf
jqt "  ... validated as the stack it is" out.json '[.results[].verdict] == ["ok", "btf-rejected"]'

if command -v zstd >/dev/null; then
	zstd -q -f vmlinux.vars -o vmlinux.vars.zst
	validate stackmod.ko -k vmlinux.btf --layer vmlinux.vars.zst
	jqt "a zstd-compressed layer file is read the same" out.json '.results[0].verdict == "ok"'
fi

validate stackmod.ko -k vmlinux.btf --layer vmlinux.btf
jqt "a complete BTF is not a layer" out.json \
	'.results[0].verdict == "error" and (.results[0].summary | test("not a split layer"))'
t_exit 2 "--layer before any --kernel is a usage error" \
	"$KBTF" validate stackmod.ko --layer vmlinux.vars -k vmlinux.btf
t_exit 2 "kernels add --layer with a missing file" \
	"$KBTF" kernels add vmlinux.btf --layer missing.vars --name 6.20.0-bad

t_done

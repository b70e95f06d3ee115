#!/bin/bash
# test_native.sh: modules the distributions' own toolchains distil, on every
# kernel of the test matrix, against libbpf (issue 14 item 2).
#
# The corpus (tests/native/corpus.sh, cached): kbtf_demo, the kfunc test
# module (a kfunc set and a BTF_ID_LIST in .BTF_ids) and the archive's
# acpi-call-dkms, built by `dkms build` in fresh Debian trixie (6.12 headers,
# pahole 1.30: .BTF.base from pahole's distilled_base) and sid roots (7.x
# headers, pahole 1.32: .BTF.base from resolve_btfids --distill_base, BTF
# sorted by name, 32-byte headers).
#
#   - kbtf inspect tells native bases from kbtf's, the headers' length and
#     tail, and the order;
#   - kbtf distill and the DKMS post-build hook keep a native base (file
#     unchanged, one line saying so);
#     --redistill gives kbtf's minimal base, marked as kbtf's, with every
#     BTF_ID_LIST slot of .BTF_ids naming its type in the new numbering
#     (read with readelf, objcopy and libbpf, not kbtf);
#   - for every module (native and redistilled) x kernel (Debian bookworm
#     6.1 and 6.12, trixie and sid, generic and rt), kbtf validate's
#     relocation verdict and the type it names equal libbpf's btf__relocate
#     (btfo relocate-ko): libbpf 1.5 (trixie) against `--pre-fix`, libbpf
#     1.7 (sid) against the default;
#   - the kernels each module relocates on, before and after --redistill;
#   - a real boot of sid's 7.2 rt kernel (qemu): sid's native acpi_call is
#     refused for its BTF, the redistilled one loads with its BTF.
. "$(dirname "$0")/lib.sh" || exit 1

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root (the corpus is built in chroots)"
command -v debootstrap >/dev/null || t_skip_all "debootstrap missing (.ci/debian-packages.txt lists it)"
command -v jq >/dev/null || t_skip_all "jq missing"

fetch=$KBTF_ROOT/tests/lib/debfetch.sh
T=$t_tmp

# ---- the corpus
declare -A corpus
for suite in trixie sid; do
	if dir=$("$KBTF_ROOT/tests/native/corpus.sh" "$suite" 2>"$T/corpus-$suite.log"); then
		corpus[$suite]=$dir
		t_ok "$suite corpus: $(sed -n 's/^release //p' "$dir/MANIFEST"), $(grep '^pahole ' "$dir/MANIFEST")"
	else
		t_fail "tests/native/corpus.sh $suite"
		tail -n 20 "$T/corpus-$suite.log" | sed 's/^/    | /'
		t_done
	fi
done
tri=${corpus[trixie]}
sid=${corpus[sid]}

# ---- what the native modules are (readelf and the BTF header bytes, not kbtf)
hdr_len() { # the hdr_len field of section $2 of module $1
	rm -f "$T/sec.bin"
	objcopy --dump-section "$2=$T/sec.bin" "$1" "$T/junk.o" 2>/dev/null &&
		od -An -tu4 -j4 -N4 "$T/sec.bin" | tr -d ' '
}
for m in kbtf_demo kbtf_kfuncs acpi_call; do
	for suite in trixie sid; do
		ko=${corpus[$suite]}/$m.ko
		if readelf -SW "$ko" | grep -q ' \.BTF\.base '; then
			t_ok "$suite's dkms build gave $m a .BTF.base (distilled natively)"
		else
			t_fail "$suite's dkms build gave $m a .BTF.base"
		fi
	done
	[ "$(hdr_len "$tri/$m.ko" .BTF)" = 24 ] && t_ok "trixie $m: 24-byte BTF header" ||
		t_fail "trixie $m: 24-byte BTF header (got $(hdr_len "$tri/$m.ko" .BTF))"
	[ "$(hdr_len "$sid/$m.ko" .BTF)" = 32 ] && t_ok "sid $m: 32-byte BTF header" ||
		t_fail "sid $m: 32-byte BTF header (got $(hdr_len "$sid/$m.ko" .BTF))"
done

# ---- inspect
"$KBTF" inspect "$sid/kbtf_demo.ko" >"$T/i-sid.txt" 2>&1
t_grep "inspect: sid's base is resolve_btfids'" \
	'base distilled: natively at build time, resolve_btfids' "$T/i-sid.txt"
t_grep "inspect: sid's header tail (layout_off/len) shown" \
	'header tail: layout_off 0, layout_len 0' "$T/i-sid.txt"
t_grep "inspect: sid's split is sorted by name" 'order: sorted by name' "$T/i-sid.txt"
"$KBTF" inspect "$tri/kbtf_demo.ko" >"$T/i-tri.txt" 2>&1
t_grep "inspect: trixie's base is pahole's" 'base distilled: natively at build time, pahole' \
	"$T/i-tri.txt"
t_grep "inspect: trixie's split is not sorted" 'order: not sorted by name' "$T/i-tri.txt"
"$KBTF" inspect --json "$sid/acpi_call.ko" >"$T/i.json" 2>&1
t_check "inspect --json: base_distilled_by, sorted_by_name, layout_off" jq -e \
	'.[0].base_distilled_by == "resolve_btfids" and .[0].btf.sorted_by_name == true and
	 .[0].btf.layout_off == 0 and .[0].btf.layout_len == 0' "$T/i.json"

# ---- distill: kept unless --redistill
mods=()
for suite in trixie sid; do
	for m in kbtf_demo kbtf_kfuncs acpi_call; do
		ko=${corpus[$suite]}/$m.ko
		cp "$ko" "$T/$suite-$m.ko"
		"$KBTF" distill "$T/$suite-$m.ko" --base "${corpus[$suite]}/vmlinux" >"$T/keep.out" 2>&1
		t_grep "distill keeps $suite's native $m and says so" \
			'distilled natively at build time.*kept \(--redistill' "$T/keep.out"
		t_check "  ... the file is unchanged" cmp "$ko" "$T/$suite-$m.ko"
		"$KBTF" distill "$T/$suite-$m.ko" --base "${corpus[$suite]}/vmlinux" --redistill \
			-o "$T/$suite-$m.re.ko" >"$T/re.out" 2>&1
		t_grep "distill --redistill rebuilds $suite's $m" 'redistilled \(native \.BTF\.base had' \
			"$T/re.out" || continue
		readelf -SW "$T/$suite-$m.re.ko" | grep -q ' \.kbtf\.distilled ' &&
			t_ok "  ... and marks it as kbtf's (.kbtf.distilled)" ||
			t_fail "  ... and marks it as kbtf's (.kbtf.distilled)"
		"$KBTF" distill "$T/$suite-$m.re.ko" --base "${corpus[$suite]}/vmlinux" --redistill \
			>"$T/again.out" 2>&1
		t_grep "  ... which --redistill then leaves alone" 'already distilled' "$T/again.out"
		mods+=("$ko" "$T/$suite-$m.re.ko")
	done
done
# btf_id_list KO: "name=type" for each BTF_ID(struct, name) slot of the
# module's BTF_ID_LIST, the type read by libbpf (btfo types) at the id the
# slot holds ("name=0" for an empty slot)
btf_id_list() {
	local ko=$1 sec
	objcopy --dump-section .BTF_ids="$T/ids.bin" --dump-section .BTF="$T/ids.split" \
		--dump-section .BTF.base="$T/ids.base" "$ko" "$T/junk.o" 2>/dev/null || return 1
	{
		"$btfo15" types "$T/ids.base"
		"$btfo15" types "$T/ids.split" "$T/ids.base"
	} >"$T/ids.types"
	sec=$(readelf -SW "$ko" | sed -n 's/^ *\[ *\([0-9]*\)\] \.BTF_ids .*/\1/p')
	readelf -sW "$ko" | awk -v sec="$sec" '$7 == sec && $8 ~ /^__BTF_ID__struct__/ { print $2, $8 }' |
		while read -r off sym; do
			name=${sym#__BTF_ID__struct__}
			name=${name%__*}
			id=$(od -An -tu4 -j $((16#$off)) -N4 "$T/ids.bin" | tr -d ' ')
			if [ "$id" = 0 ]; then echo "$name=0"; else
				echo "$name=$(sed -n "s/^\[$id\] \([A-Z]*\) '\([^']*\)'.*/\1:\2/p" "$T/ids.types")"
			fi
		done | sort
}
btfo15=$("$KBTF_ROOT/tests/oracle/build.sh" "$T/btfo15" 2>"$T/btfo15.log") ||
	{ t_fail "libbpf 1.5 oracle builds"; t_done; }
for suite in trixie sid; do
	native=$(btf_id_list "${corpus[$suite]}/kbtf_kfuncs.ko" | tr '\n' ' ')
	re=$(btf_id_list "$T/$suite-kbtf_kfuncs.re.ko" | tr '\n' ' ')
	echo "# $suite kbtf_kfuncs BTF_ID_LIST, native: $native"
	echo "# $suite kbtf_kfuncs BTF_ID_LIST, redistilled: $re"
	want="inode=STRUCT:inode kbtf_kfuncs_state=STRUCT:kbtf_kfuncs_state sk_buff=STRUCT:sk_buff task_struct=STRUCT:task_struct "
	[ "$re" = "$want" ] &&
		t_ok "$suite kbtf_kfuncs --redistill: every BTF_ID_LIST slot names its struct in the new numbering" ||
		t_fail "$suite kbtf_kfuncs --redistill: BTF_ID_LIST slots ($re; want $want)"
done

# ---- the DKMS post-build hook on the same modules: kept, or --redistill
mkdir -p "$T/dkms"
cp "$sid/kbtf_demo.ko" "$sid/acpi_call.ko" "$T/dkms/"
"$KBTF" dkms post-build --kernel "$(sed -n 's/^release //p' "$sid/MANIFEST")" \
	--base "$sid/vmlinux" --conf /dev/null --dir "$T/dkms" >"$T/dk.out" 2>&1
t_grep "dkms post-build keeps sid's native base and says so" \
	'acpi_call.ko: .BTF.base distilled natively at build time, resolve_btfids.*kept as built' \
	"$T/dk.out"
t_check "  ... the module is DKMS's, byte for byte" cmp "$sid/acpi_call.ko" "$T/dkms/acpi_call.ko"
"$KBTF" dkms post-build --kernel "$(sed -n 's/^release //p' "$sid/MANIFEST")" \
	--base "$sid/vmlinux" --conf /dev/null --dir "$T/dkms" --redistill >"$T/dk.out" 2>&1
t_grep "dkms post-build --redistill embeds kbtf's base" \
	'acpi_call.ko: embedded .BTF.base \([0-9]+ types\)' "$T/dk.out"

nb() { "$KBTF" inspect --json "$1" | jq '.[0].btf_base.types'; }
for m in kbtf_demo kbtf_kfuncs acpi_call; do
	before=$(nb "$sid/$m.ko")
	after=$(nb "$T/sid-$m.re.ko")
	echo "# sid $m: .BTF.base $before types natively, $after after --redistill"
	[ "$after" -lt "$before" ] && t_ok "sid $m: redistilled base is smaller ($before -> $after types)" ||
		t_fail "sid $m: redistilled base is smaller ($before -> $after types)"
done

# ---- the kernels: Debian bookworm, trixie, sid (generic and rt)
trel=$(sed -n 's/^release //p' "$tri/MANIFEST")
srel=$(sed -n 's/^release //p' "$sid/MANIFEST")
kdebs=()
for spec in "bookworm linux-image-6.1.0-56-amd64" \
	"bookworm linux-image-6.12.113+deb12-amd64" "bookworm linux-image-6.12.113+deb12-rt-amd64" \
	"trixie linux-image-$trel" "trixie linux-image-${trel%-amd64}-rt-amd64" \
	"sid linux-binary-$srel" "sid linux-binary-${srel%-amd64}-rt-amd64"; do
	# shellcheck disable=SC2086
	deb=$("$fetch" $spec 2>>"$T/fetch.log") || {
		t_fail "fetch $spec"
		continue
	}
	kdebs+=("$deb")
done
declare -A kelf krel
for deb in "${kdebs[@]}"; do
	rel=$(dpkg-deb -f "$deb" Package | sed 's/^linux-\(image\|binary\)-//')
	krel[$deb]=$rel
	if t_vmlinux_from_deb "$deb" "$T/$rel.elf"; then kelf[$deb]=$T/$rel.elf; else
		t_fail "no vmlinux in $deb"
	fi
done
echo "# matrix: ${#mods[@]} modules x ${#kdebs[@]} kernels"

kargs=()
for deb in "${kdebs[@]}"; do kargs+=(--kernel "$deb"); done
"$KBTF" validate "${mods[@]}" "${kargs[@]}" --no-symbols --pre-fix -f json -o "$T/pre.json" 2>"$T/v.err"
"$KBTF" validate "${mods[@]}" "${kargs[@]}" --no-symbols -f json -o "$T/fix.json" 2>>"$T/v.err"

btfo17=$(KBTF_ORACLE_SUITE=sid "$KBTF_ROOT/tests/oracle/build.sh" "$T/btfo17" 2>"$T/btfo17.log") ||
	{ t_fail "libbpf 1.7 oracle builds"; t_done; }
t_grep "oracle: libbpf 1.5" '^libbpf 1\.5$' <("$btfo15" version)
t_grep "oracle: libbpf 1.7" '^libbpf 1\.7$' <("$btfo17" version)

declare -A relocs # module -> kernels it relocates on (libbpf 1.7)
compare() {       # compare LABEL BTFO JSON
	local label=$1 btfo=$2 json=$3 same=0 differ=0 mod deb result
	for mod in "${mods[@]}"; do
		for deb in "${kdebs[@]}"; do
			[ -n "${kelf[$deb]:-}" ] || continue
			result=$(jq -c --arg m "$mod" --arg s "$deb" \
				'.results[] | select(.module == $m and .source == $s)' "$json")
			if t_libbpf_vs "$btfo" "$mod" "${kelf[$deb]}" "$result"; then
				same=$((same + 1))
			else
				differ=$((differ + 1))
				t_fail "$label vs kbtf on ${mod#"$T"/} x ${krel[$deb]}: $T_LIBBPF_WHY"
			fi
			[ "$label" = "libbpf 1.7" ] && [ "$T_LIBBPF_WANT" = true ] &&
				relocs[$mod]="${relocs[$mod]:-} ${krel[$deb]}"
		done
	done
	if [ "$differ" -eq 0 ] && [ "$same" -gt 0 ]; then
		t_ok "$label and kbtf agree on all $same module x kernel pairs (relocated or not, and the type named)"
	fi
	echo "# $label: $same pairs agree, $differ differ"
}
compare "libbpf 1.5" "$btfo15" "$T/pre.json"
compare "libbpf 1.7" "$btfo17" "$T/fix.json"

# ---- what --redistill buys: kernels each natively built module relocates on
for suite in trixie sid; do
	for m in kbtf_demo kbtf_kfuncs acpi_call; do
		n=${corpus[$suite]}/$m.ko
		r=$T/$suite-$m.re.ko
		nn=$(echo ${relocs[$n]:-} | wc -w)
		nr=$(echo ${relocs[$r]:-} | wc -w)
		echo "# $suite $m: relocates on $nn of ${#kdebs[@]} kernels natively (${relocs[$n]:- none} ), $nr after --redistill (${relocs[$r]:- none} )"
		[ "$nr" -ge "$nn" ] && t_ok "$suite $m: --redistill loses no kernel ($nn -> $nr of ${#kdebs[@]})" ||
			t_fail "$suite $m: --redistill loses no kernel ($nn -> $nr of ${#kdebs[@]})"
	done
done
# ---- reality: sid's 7.2 rt kernel under qemu, acpi_call native and redistilled
# (one boot each: both are named acpi_call). --force loads past the generic
# build's vermagic, so the kernel gets as far as the module's BTF.
if ! command -v qemu-system-x86_64 >/dev/null; then
	t_ok "SKIP real boots: no qemu-system-x86_64"
	t_done
fi
rt=$("$fetch" sid "linux-binary-${srel%-amd64}-rt-amd64" 2>>"$T/fetch.log")
boot() { # boot KO OUT: boot-test, once more when the guest never ran /init (TCG)
	local rc
	for _ in 1 2; do
		"$KBTF" boot-test "$1" --kernel "$rt" --force --timeout 400 \
			--accel "${KBTF_BOOT_ACCEL:-auto}" --format json -o "$2" >"$2.log" 2>&1
		rc=$?
		[ "$rc" -ne 3 ] && return "$rc"
	done
	return "$rc"
}
mkdir -p "$T/native" "$T/re"
cp "$sid/acpi_call.ko" "$T/native/acpi_call.ko"
cp "$T/sid-acpi_call.re.ko" "$T/re/acpi_call.ko"
boot "$T/native/acpi_call.ko" "$T/bn.json"
t_check "7.2-rt boot: sid's native acpi_call is refused for its BTF, as predicted" jq -e \
	'.kernels[0].pairs[0] | .result == "agree" and .observed.loaded == false and
	 (.observed.log | map(test("BTF type .mutex. .* is not mapped")) | any)' "$T/bn.json"
boot "$T/re/acpi_call.ko" "$T/br.json"
t_check "7.2-rt boot: after --redistill it loads and its BTF is registered, as predicted" jq -e \
	'.kernels[0].pairs[0] | .result == "agree" and .observed.loaded == true and
	 .observed.btf_registered == true' "$T/br.json"
t_done

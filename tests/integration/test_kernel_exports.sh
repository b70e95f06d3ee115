#!/bin/bash
# test_kernel_exports.sh: a kernel's exports read from its boot image
# alone (issue 15 item 2). The x86 bzImage's payload keeps __ksymtab,
# __ksymtab_gpl, __kcrctab, __kcrctab_gpl and __ksymtab_strings; kbtf reads
# every export, CRC, GPL flag and namespace from them when no
# Module.symvers comes with the kernel. Held against the headers package's
# Module.symvers of the same Debian kernels (6.1 and 6.12, amd64 and rt):
# the vmlinux lines must be the same, every one.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

[ -x "${KBTF_FIXTURE:-}" ] || t_skip_all "no kbtf-fixture (make integration builds it)"
command -v jq >/dev/null || t_skip_all "no jq"

for rel in 6.1.0-56-amd64 6.12.113+deb12-amd64 6.12.113+deb12-rt-amd64 6.12.117+deb12-amd64; do
	d=$(t_kernel_dir "$rel") || { t_fail "fetch and unpack $rel"; continue; }
	sv=$d/usr/src/linux-headers-$rel/Module.symvers
	if ! "$KBTF_FIXTURE" exports "$d/boot/vmlinuz-$rel" "$t_tmp/$rel.symvers"; then
		t_fail "$rel: exports read from the boot image"
		continue
	fi
	n=$(wc -l <"$t_tmp/$rel.symvers")
	awk -F'\t' '$3 == "vmlinux"' "$sv" | sort >"$t_tmp/want"
	sort "$t_tmp/$rel.symvers" >"$t_tmp/got"
	if [ "$n" -gt 10000 ] && cmp -s "$t_tmp/want" "$t_tmp/got"; then
		t_ok "$rel: $n exports from the image, each with the CRC, GPL flag and namespace of Module.symvers"
	else
		t_fail "$rel: image exports differ from Module.symvers ($n read)"
		diff "$t_tmp/want" "$t_tmp/got" | head -n 10 | sed 's/^/    | /'
	fi
done
t_check "namespaced exports are among them (6.12.113: CRYPTO_INTERNAL)" \
	grep -q $'\tEXPORT_SYMBOL_GPL\tCRYPTO_INTERNAL$' "$t_tmp/6.12.113+deb12-amd64.symvers"

# ---------------------------------------------- validate with the image alone
# 6.12.117 (no headers on this host): the boot image and its config, no
# Module.symvers; the verdict and every symbol problem equal those judged
# with the headers' Module.symvers.
d=$(t_kernel_dir 6.12.117+deb12-amd64)
mkdir -p "$t_tmp/img117/boot"
ln -s "$d"/boot/vmlinuz-* "$d"/boot/config-* "$t_tmp/img117/boot/"
demo=$t_tmp/demo
mkdir -p "$demo"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild} "$demo/"
if "$KBTF" build -q -k 6.12.113+deb12-amd64 -C "$demo" >"$t_tmp/build.log" 2>&1; then
	"$KBTF" validate "$demo/kbtf_demo.ko" --kernel "$d" --format json -o "$t_tmp/with.json"
	"$KBTF" validate "$demo/kbtf_demo.ko" --kernel "$t_tmp/img117" --format json -o "$t_tmp/image.json"
	# the same facts; only where the kernel's CRC was read differs
	facts='.results[0] | [.verdict, .kernel_log, [.problems[] | [.name, .reason, .expected,
		((.actual // "") | sub("\\(the image'"'"'s export table"; "(Module.symvers"))]]]'
	if [ "$(jq -c "$facts" "$t_tmp/with.json")" = "$(jq -c "$facts" "$t_tmp/image.json")" ] &&
		jq -e '[.results[0].problems[].actual | select(test("Module.symvers"))] | length == 0' \
			"$t_tmp/image.json" >/dev/null; then
		t_ok "6.12.117 from its image alone: verdict, kernel log and $(jq '.results[0].problems | length' "$t_tmp/image.json") symbol problems as with Module.symvers"
	else
		t_fail "6.12.117: the image alone judges otherwise than Module.symvers"
		diff <(jq "$facts" "$t_tmp/with.json") <(jq "$facts" "$t_tmp/image.json") | head -n 20 | sed 's/^/    | /'
	fi
	t_check "  ... and says its symbols were checked against the image's export table" \
		jq -e '[.results[0].warnings[].kind] | index("symbols-from-image") != null and index("symbols-not-checked") == null' "$t_tmp/image.json"
else
	t_fail "kbtf build of the example"
	tail -n 5 "$t_tmp/build.log" | sed 's/^/    | /'
fi

t_done

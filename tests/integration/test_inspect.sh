#!/bin/bash
# kbtf inspect on real kernels: the running kernel's /sys/kernel/btf/vmlinux,
# Debian 12's BTF-only vmlinux in the 6.12 headers, and the boot images of
# Debian packages in every payload compression Debian uses (6.12 zstd, 6.1
# xz, 6.1 cloud lz4 legacy, sid 7.2 zstd in linux-binary-*), each read from
# the unpacked vmlinuz and from the .deb itself.
#
# The reference is independent of kbtf: the payload is cut out of the
# bzImage with dd at the setup header's offsets, decompressed with the
# zstd/xz/lz4 command-line tools, and its .BTF dumped by bpftool; type
# counts and per-kind counts must match. Bad input must give exit 2 and
# one line on stderr.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

command -v bpftool >/dev/null || t_skip_all "bpftool missing"
command -v jq >/dev/null || t_skip_all "jq missing"

# fetch SUITE PKG: a .deb path on stdout. debfetch.sh's private bookworm
# index lacks bookworm-updates/-security (where 6.1.0-56 lives), so fall
# back to the system's own apt sources for bookworm.
fetch() {
	local out
	if out=$("$KBTF_ROOT/tests/lib/debfetch.sh" "$1" "$2" 2>"$t_tmp/fetch.err"); then
		echo "$out"
		return 0
	fi
	[ "$1" = bookworm ] || { cat "$t_tmp/fetch.err" >&2; return 1; }
	mkdir -p "$KBTF_TEST_CACHE/debs/bookworm"
	(cd "$KBTF_TEST_CACHE/debs/bookworm" && apt-get -q download "$2" >/dev/null 2>&1) || return 1
	ls "$KBTF_TEST_CACHE/debs/bookworm/$2"_*.deb 2>/dev/null | head -n1
}

# bpftool's view of an ELF or raw BTF: "<total types> <KIND:count ...>"
bpftool_counts() { # FILE [BASE]
	local base=()
	[ $# -gt 1 ] && base=(-B "$2")
	bpftool btf dump file "$1" "${base[@]}" >"$t_tmp/dump" || return 1
	printf '%s ' "$(grep -c '^\[' "$t_tmp/dump")"
	grep '^\[' "$t_tmp/dump" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
	echo
}

# kbtf's view from inspect --json: the same shape
kbtf_counts() { # JSONFILE [INDEX]
	jq -r --argjson i "${2:-0}" '.[$i].btf | "\(.types) " +
		(.kinds | to_entries | sort_by(.key) | map("\(.key):\(.value)") | join(" ")) + " "' "$1"
}

compare_counts() { # DESC KBTF_JSON REFERENCE_FILE [BASE]
	local want got
	want=$(bpftool_counts "$3" ${4:+"$4"}) || { t_fail "$1: bpftool cannot read $3"; return; }
	got=$(kbtf_counts "$2")
	if [ "$want" = "$got" ]; then
		t_ok "$1: ${got%% *} types, kinds as bpftool counts them"
	else
		t_fail "$1: kbtf and bpftool disagree"
		echo "    | bpftool: $want"
		echo "    | kbtf:    $got"
	fi
}

# payload ELF of a bzImage, without kbtf: setup header offsets, CLI tools
payload_elf() { # VMLINUZ OUT
	local img=$1 sects off len dec
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
	[ "$sects" = 0 ] && sects=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
	off=$(((sects + 1) * 512 + off))
	case $(od -An -tx1 -j "$off" -N4 "$img" | tr -d ' ') in
	28b52ffd) dec="zstd -dcq" ;;
	fd377a58) dec="xz -dc" ;;
	02214c18) dec="lz4 -dc" ;;
	1f8b08*) dec="gzip -dc" ;;
	*) return 1 ;;
	esac
	# the last 4 bytes are the uncompressed size, not part of the stream
	tail -c +$((off + 1)) "$img" | head -c $((len - 4)) | $dec >"$2" 2>/dev/null
	[ "$(head -c 4 "$2" | tail -c 3)" = ELF ]
}

inspect_json() { # OUT SOURCE...
	local out=$1
	shift
	"$KBTF" inspect --json "$@" >"$out" 2>"$out.err"
}

# ---------------------------------------------------------------- running kernel
if [ -r /sys/kernel/btf/vmlinux ]; then
	if inspect_json "$t_tmp/sys.json" /sys/kernel/btf/vmlinux; then
		t_ok "inspect /sys/kernel/btf/vmlinux"
		compare_counts "/sys/kernel/btf/vmlinux" "$t_tmp/sys.json" /sys/kernel/btf/vmlinux
		rel=$(jq -r '.[0].release' "$t_tmp/sys.json")
		[ "$rel" = "$(uname -r)" ] && t_ok "running kernel's release from uname ($rel)" ||
			t_fail "release $rel, uname says $(uname -r)"
	else
		t_fail "inspect /sys/kernel/btf/vmlinux"
		cat "$t_tmp/sys.json.err"
	fi
	# a module's BTF in sysfs is split on vmlinux, found without --base
	mod=$(ls /sys/kernel/btf | grep -v '^vmlinux$' | head -n1)
	if [ -n "$mod" ]; then
		if inspect_json "$t_tmp/sysmod.json" "/sys/kernel/btf/$mod"; then
			compare_counts "/sys/kernel/btf/$mod (split on vmlinux)" "$t_tmp/sysmod.json" \
				"/sys/kernel/btf/$mod" /sys/kernel/btf/vmlinux
		else
			t_fail "inspect /sys/kernel/btf/$mod"
			cat "$t_tmp/sysmod.json.err"
		fi
	fi
fi

# ---------------------------------------------------------------- headers stub
stub=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
if [ -f "$stub" ]; then
	if inspect_json "$t_tmp/stub.json" "$stub"; then
		compare_counts "6.12 headers vmlinux" "$t_tmp/stub.json" "$stub"
		jq -e '.[0].release == "6.12.113+deb12-amd64" and .[0].config_found and
			(.[0].module_symvers | test("Module.symvers$"))' "$t_tmp/stub.json" >/dev/null &&
			t_ok "6.12 headers vmlinux: release from the path, .config and Module.symvers beside it" ||
			t_fail "6.12 headers vmlinux facts: $(jq -c '.[0] | del(.btf)' "$t_tmp/stub.json")"
	else
		t_fail "inspect $stub"
		cat "$t_tmp/stub.json.err"
	fi
	# the headers package itself: its vmlinux comes after .config and
	# Module.symvers in the archive, so reading must not stop at those
	if hdeb=$(fetch bookworm linux-headers-6.12.113+deb12-amd64) &&
		inspect_json "$t_tmp/hdeb.json" "$hdeb"; then
		compare_counts "6.12 headers .deb" "$t_tmp/hdeb.json" "$stub"
		jq -e '.[0].release == "6.12.113+deb12-amd64" and .[0].config_found and
			(.[0].module_symvers | test("Module.symvers"))' "$t_tmp/hdeb.json" >/dev/null &&
			t_ok "6.12 headers .deb: BTF, .config and Module.symvers from the package" ||
			t_fail "6.12 headers .deb facts: $(jq -c '.[0] | del(.btf)' "$t_tmp/hdeb.json")"
	else
		t_fail "inspect the 6.12.113 headers .deb"
		cat "$t_tmp/hdeb.json.err" 2>/dev/null
	fi
	# the same kernel by release name (with no stored profile of that name)
	if XDG_CACHE_HOME=$t_tmp/empty-cache inspect_json "$t_tmp/rel.json" 6.12.113+deb12-amd64; then
		jq -e '.[0].format == "kernel release"' "$t_tmp/rel.json" >/dev/null &&
			compare_counts "release name 6.12.113+deb12-amd64" "$t_tmp/rel.json" "$stub" ||
			t_fail "release name: format $(jq -r '.[0].format' "$t_tmp/rel.json")"
	else
		t_fail "inspect 6.12.113+deb12-amd64 (release name)"
		cat "$t_tmp/rel.json.err"
	fi
fi

# ---------------------------------------------------------------- Debian packages
check_deb() { # SUITE PKG RELEASE COMPRESSION IMAGE_PATH_IN_PACKAGE
	local suite=$1 pkg=$2 rel=$3 comp=$4 member=$5 deb dir img
	if ! deb=$(fetch "$suite" "$pkg") || [ -z "$deb" ]; then
		t_fail "$pkg: cannot fetch from $suite"
		return
	fi
	dir=$t_tmp/$pkg
	mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "./$member" 2>/dev/null
	img=$dir/$member
	[ -f "$img" ] || { t_fail "$pkg: no $member in the package"; return; }
	if ! payload_elf "$img" "$dir/vmlinux"; then
		t_fail "$pkg: reference extraction of the payload failed"
		return
	fi
	if inspect_json "$dir/img.json" "$img"; then
		compare_counts "$pkg vmlinuz ($comp)" "$dir/img.json" "$dir/vmlinux"
		# the header generation this kernel's BTF carries (hdr_len, bytes 4-7)
		objcopy --dump-section .BTF="$dir/btf.raw" "$dir/vmlinux" "$dir/objcopy.out"
		hl=$(od -An -tu4 -j4 -N4 "$dir/btf.raw" | tr -d ' ')
		jq -e --argjson h "${hl:-0}" '.[0].btf.header_len == $h' "$dir/img.json" >/dev/null &&
			t_ok "$pkg: BTF header of $hl bytes read as such" ||
			t_fail "$pkg: header_len $(jq '.[0].btf.header_len' "$dir/img.json"), bytes say $hl"
		jq -e --arg r "$rel" --arg c "$comp" '.[0] | .release == $r and
			.release_from == "boot image header" and .compression == $c and
			.format == "boot image" and .arch == "x86_64"' "$dir/img.json" >/dev/null &&
			t_ok "$pkg vmlinuz: release $rel from the header, $comp payload" ||
			t_fail "$pkg vmlinuz facts: $(jq -c '.[0] | del(.btf)' "$dir/img.json")"
	else
		t_fail "inspect $img: $(cat "$dir/img.json.err")"
	fi
	if inspect_json "$dir/deb.json" "$deb"; then
		compare_counts "$pkg .deb" "$dir/deb.json" "$dir/vmlinux"
		jq -e --arg r "$rel" '.[0] | .release == $r and .format == "Debian package"' \
			"$dir/deb.json" >/dev/null && t_ok "$pkg .deb: read as a Debian package" ||
			t_fail "$pkg .deb facts: $(jq -c '.[0] | del(.btf)' "$dir/deb.json")"
	else
		t_fail "inspect $deb: $(cat "$dir/deb.json.err")"
	fi
}

check_deb bookworm linux-image-6.12.113+deb12-amd64 6.12.113+deb12-amd64 zstd \
	boot/vmlinuz-6.12.113+deb12-amd64
check_deb bookworm linux-image-6.1.0-56-amd64 6.1.0-56-amd64 xz boot/vmlinuz-6.1.0-56-amd64
check_deb bookworm linux-image-6.1.0-56-cloud-amd64 6.1.0-56-cloud-amd64 lz4 \
	boot/vmlinuz-6.1.0-56-cloud-amd64
check_deb sid linux-binary-7.2.13+deb14-amd64 7.2.13+deb14-amd64 zstd \
	usr/lib/modules/7.2.13+deb14-amd64/vmlinuz

# sid's linux-image-<rel> is a metapackage: the message must say where the image is
if deb=$(fetch sid linux-image-7.2.13+deb14-amd64) && [ -n "$deb" ]; then
	t_exit 2 "sid linux-image metapackage: exit 2" "$KBTF" inspect "$deb"
	"$KBTF" inspect "$deb" 2>"$t_tmp/meta.err" >/dev/null
	t_grep "sid metapackage: points at linux-binary" "linux-binary-7.2.13\+deb14-amd64" \
		"$t_tmp/meta.err"
fi

# ---------------------------------------------------------------- a real module
ko=$(find /lib/modules/6.12.113+deb12-amd64/kernel -name '*.ko.xz' 2>/dev/null | head -n1)
if [ -n "$ko" ] && [ -f "$stub" ]; then
	xz -dc "$ko" >"$t_tmp/mod.ko"
	if inspect_json "$t_tmp/ko.json" --base "$stub" "$ko"; then
		compare_counts "$(basename "$ko") split on the 6.12 vmlinux" "$t_tmp/ko.json" \
			"$t_tmp/mod.ko" "$stub"
		want=$(modinfo -F name "$t_tmp/mod.ko")
		jq -e --arg n "$want" '.[0] | .kind == "module" and .name == $n and .signed and
			.compression == "xz" and .btf.split' "$t_tmp/ko.json" >/dev/null &&
			t_ok "$(basename "$ko"): modinfo name $want, signed, xz, split .BTF" ||
			t_fail "$(basename "$ko") facts: $(jq -c '.[0] | del(.btf)' "$t_tmp/ko.json")"
	else
		t_fail "inspect $ko: $(cat "$t_tmp/ko.json.err")"
	fi
fi

# ---------------------------------------------------------------- format generations
# a 32-byte header with a kind layout and one type of kind 20, by hand:
# types (INT "int", kind-20 "x" with a 4-byte tail), 21 layout records, strings
{
	printf '\x9f\xeb\x01\x00\x20\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00'
	printf '\x74\x00\x00\x00\x07\x00\x00\x00\x20\x00\x00\x00\x54\x00\x00\x00'
	printf '\x01\x00\x00\x00\x00\x00\x00\x01\x04\x00\x00\x00\x20\x00\x00\x00'
	printf '\x05\x00\x00\x00\x00\x00\x00\x14\x00\x00\x00\x00\x2a\x00\x00\x00'
	# info_sz, elem_sz, flags for kinds 0..20
	for rec in 0:0 4:0 0:0 12:0 0:12 0:12 0:8 0:0 0:0 0:0 0:0 0:0 0:0 0:8 4:0 0:12 0:0 \
		4:0 0:0 0:12 4:0; do
		printf "\\x$(printf %02x "${rec%:*}")\\x$(printf %02x "${rec#*:}")\\x00\\x00"
	done
	printf '\x00int\x00x\x00'
} >"$t_tmp/layout.btf"
if inspect_json "$t_tmp/layout.json" "$t_tmp/layout.btf"; then
	jq -e '.[0].btf | .header_len == 32 and .kind_layout_kinds == 21 and .types == 2 and
		.unknown_kinds_skipped == 1 and .kinds["kind 20"] == 1 and .kinds.INT == 1' \
		"$t_tmp/layout.json" >/dev/null &&
		t_ok "32-byte header: kind 20 sized by the layout, skipped and named" ||
		t_fail "layout header: $(jq -c '.[0].btf' "$t_tmp/layout.json")"
else
	t_fail "inspect layout.btf: $(cat "$t_tmp/layout.json.err")"
fi

# three blobs back to back (either byte order): an archive, listed by member
seeds=$KBTF_ROOT/tests/fuzz/corpus/btf
cat "$seeds/kinds-le" "$seeds/kinds-le" "$seeds/kinds-be" >"$t_tmp/archive.btf"
if inspect_json "$t_tmp/archive.json" "$t_tmp/archive.btf"; then
	n=$(bpftool_counts "$seeds/kinds-le" | cut -d' ' -f1)
	jq -e --argjson n "$n" '.[0].btf.archive | length == 3 and all(.types == $n) and
		.[1].offset == .[0].bytes' "$t_tmp/archive.json" >/dev/null &&
		t_ok "BTF archive: 3 members of $n types each (bpftool's count of one)" ||
		t_fail "archive: $(jq -c '.[0].btf.archive' "$t_tmp/archive.json")"
else
	t_fail "inspect archive.btf: $(cat "$t_tmp/archive.json.err")"
fi

# a raw split BTF (what /sys/kernel/btf/<module> holds) on an explicit --base
u32at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
base_len=$((24 + $(u32at "$seeds/base-split" 16) + $(u32at "$seeds/base-split" 20)))
head -c "$base_len" "$seeds/base-split" >"$t_tmp/seed-base.btf"
tail -c +$((base_len + 1)) "$seeds/base-split" >"$t_tmp/seed-split.btf"
if inspect_json "$t_tmp/split.json" --base "$t_tmp/seed-base.btf" "$t_tmp/seed-split.btf"; then
	jq -e '.[0].kind == "split BTF" and .[0].btf.split and .[0].btf.parsed' \
		"$t_tmp/split.json" >/dev/null && compare_counts "raw split BTF on --base" \
		"$t_tmp/split.json" "$t_tmp/seed-split.btf" "$t_tmp/seed-base.btf" ||
		t_fail "raw split BTF: $(jq -c '.[0]' "$t_tmp/split.json")"
else
	t_fail "inspect --base: $(cat "$t_tmp/split.json.err")"
fi
inspect_json "$t_tmp/nobase.json" "$t_tmp/seed-split.btf" &&
	jq -e '.[0].btf | .split and (.parsed | not) and .walk_complete and
		.first_string_byte != 0' "$t_tmp/nobase.json" >/dev/null &&
	t_ok "raw split BTF without a base: not parsed, records walked, strings start non-NUL" ||
	t_fail "split without base: $(cat "$t_tmp/nobase.json" "$t_tmp/nobase.json.err")"

# ---------------------------------------------------------------- bad input
one_line_exit2() { # DESC FILE
	local rc lines
	"$KBTF" inspect "$2" >/dev/null 2>"$t_tmp/bad.err"
	rc=$?
	lines=$(wc -l <"$t_tmp/bad.err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF "kbtf: $2: " "$t_tmp/bad.err"; then
		t_ok "$1: exit 2, one line: $(cat "$t_tmp/bad.err")"
	else
		t_fail "$1: exit $rc, $lines lines on stderr"
		sed 's/^/    | /' "$t_tmp/bad.err"
	fi
}

if [ -f "$stub" ]; then
	objcopy -O binary --only-section=.BTF "$stub" "$t_tmp/raw.btf" 2>/dev/null &&
		head -c 100000 "$t_tmp/raw.btf" >"$t_tmp/truncated.btf" &&
		one_line_exit2 "truncated BTF" "$t_tmp/truncated.btf"
fi
head -c 65536 /dev/urandom >"$t_tmp/random.bin"
one_line_exit2 "random bytes" "$t_tmp/random.bin"
printf '\x28\xb5\x2f\xfd garbage after a zstd magic' >"$t_tmp/badzstd"
one_line_exit2 "zstd magic then garbage" "$t_tmp/badzstd"
: >"$t_tmp/empty"
one_line_exit2 "empty file" "$t_tmp/empty"
one_line_exit2 "missing file" "$t_tmp/does-not-exist"
t_exit 2 "no SOURCE is a usage error" "$KBTF" inspect
t_exit 2 "unknown option is a usage error" "$KBTF" inspect --frobnicate /dev/null
t_check "--help works" "$KBTF" inspect --help

t_done

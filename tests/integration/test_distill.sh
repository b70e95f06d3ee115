#!/bin/bash
# tests/integration/test_distill.sh: kbtf distill, kbtf build and kbtf.mk on
# real modules built here against Debian's kernel headers, judged by tools
# that are not kbtf: libbpf 1.5 (btfo, tests/oracle/), pahole 1.30
# (tests/oracle/pahole.sh), Debian's resolve_btfids and sign-file, openssl,
# readelf/objcopy, xz/zstd/gzip.
#
# Modules: tests/integration/data/kfuncs (kernel types by value and by
# pointer, a kfunc set, a BTF_ID_LIST), and two Debian *-dkms packages
# (v4l2loopback, acpi-call) fetched with debfetch.sh.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

R612=6.12.113+deb12-amd64
KDIR612=/usr/src/linux-headers-$R612
V612=$KDIR612/vmlinux
R61=6.1.0-56-amd64
KDIR61=/usr/src/linux-headers-$R61
FIX=$KBTF_ROOT/tests/integration/data/kfuncs
T=$t_tmp
# kbtf's cache of bases extracted from boot images: a fresh one per run
export KBTF_CACHE_DIR=$T/cache

[ -f "$V612" ] || t_skip_all "linux-headers-$R612 is not installed"
command -v pahole >/dev/null || t_skip_all "pahole is not installed"

SIGNFILE=$(ls /usr/lib/linux-kbuild-6.12*/scripts/sign-file 2>/dev/null | head -n1)
RESOLVE=$(ls /usr/lib/linux-kbuild-6.12*/tools/bpf/resolve_btfids/resolve_btfids 2>/dev/null |
	head -n1)
BTFO=$("$KBTF_ROOT/tests/oracle/build.sh" "$T/btfo" 2>"$T/btfo.log") || BTFO=
PAHOLE130=$("$KBTF_ROOT/tests/oracle/pahole.sh" 2>"$T/pahole130.log") || PAHOLE130=
[ -n "$BTFO" ] || t_fail "libbpf oracle builds (tests/oracle/build.sh: $(tail -n1 "$T/btfo.log"))"

# ------------------------------------------------------------- helpers

has_section() { readelf -SW "$1" 2>/dev/null | grep -q " $2 "; }

dump_section() { objcopy --dump-section "$2=$3" "$1" "$T/junk.o"; }

# Build the module in DIR against KDIR; kbuild's output goes to DIR/build.log.
kbuild() { make -C "$2" M="$1" modules >"$1/build.log" 2>&1; }

fixture() {
	rm -rf "$1"
	mkdir -p "$1"
	cp "$FIX/kbtf_kfuncs.c" "$FIX/Kbuild" "$1/"
}

# Type list of a raw BTF as libbpf sees it, without ids (they shift).
types_noid() { "$BTFO" types "$@" | sed 's/^\[[0-9]*\] //'; }

# check_same_types DESC KBTF_RAW ORACLE_RAW [EXTRA_LINE_REGEX]: libbpf lists
# the same types for both, except lines matching EXTRA in kbtf's only.
check_same_types() {
	local desc=$1 extra=${4:-^\$}
	if [ -z "$BTFO" ]; then
		t_fail "$desc (no oracle)"
		return
	fi
	types_noid "$2" | grep -Ev "$extra" >"$T/k.types"
	types_noid "$3" >"$T/o.types"
	if [ -s "$T/o.types" ] && cmp -s "$T/k.types" "$T/o.types"; then
		t_ok "$desc ($(wc -l <"$T/o.types") types)"
	else
		t_fail "$desc"
		diff "$T/o.types" "$T/k.types" | head -n 20 | sed 's/^/    | /'
	fi
}

# relocates DESC KO TARGET: libbpf relocates the module's split onto TARGET.
relocates() {
	local out
	out=$("$BTFO" relocate-ko "$2" "$3" 2>&1)
	if [ $? -eq 0 ]; then t_ok "$1"; else t_fail "$1: $out"; fi
}

# ------------------------------------------------- a module with kfuncs (6.12)

M=$T/kf
fixture "$M"
if ! kbuild "$M" "$KDIR612"; then
	t_fail "kfunc test module builds against $R612"
	tail -n 20 "$M/build.log" | sed 's/^/    | /'
	t_done
fi
KO=$M/kbtf_kfuncs.ko
cp "$KO" "$T/orig.ko"
cp "$KO" "$T/pristine.ko"
if has_section "$KO" .BTF && ! has_section "$KO" .BTF.base; then
	t_ok "plain kbuild gives split .BTF without .BTF.base"
else
	t_fail "plain kbuild gives split .BTF without .BTF.base"
fi

t_check "kbtf distill an already-split module" "$KBTF" distill "$KO" --base "$V612"
if has_section "$KO" .BTF.base && has_section "$KO" .kbtf.layout; then
	t_ok "module now has .BTF.base and .kbtf.layout"
else
	t_fail "module now has .BTF.base and .kbtf.layout"
fi
if readelf -SW "$KO" | grep -E ' \.BTF(\.base)? ' | grep -qv ' PROGBITS .* 00  *0  *0  *4$'; then
	t_fail ".BTF and .BTF.base are PROGBITS, no flags, align 4"
	readelf -SW "$KO" | grep -E ' \.BTF' | sed 's/^/    | /'
else
	t_ok ".BTF and .BTF.base are PROGBITS, no flags, align 4"
fi
# every other section keeps its index, header and bytes (symbols and
# relocations included); read with a few lines of Python, not with kbtf
same_sections() {
	python3 - "$1" "$2" <<-'EOF'
		import struct, sys
		def sections(path):
		    d = open(path, 'rb').read()
		    assert d[:4] == b'\x7fELF' and d[4] == 2 and d[5] == 1  # ELF64 LE
		    shoff, = struct.unpack_from('<Q', d, 0x28)
		    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
		    hdrs = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
		            for i in range(shnum)]
		    strtab = hdrs[shstrndx]
		    def name(h):
		        o = strtab[4] + h[0]
		        return d[o:d.index(b'\0', o)].decode()
		    out = []
		    for h in hdrs:
		        body = b'' if h[1] == 8 else d[h[4]:h[4] + h[5]]  # SHT_NOBITS
		        out.append((name(h), h[1], h[2], h[6], h[7], h[9], h[5], body))
		    return out
		a, b = sections(sys.argv[1]), sections(sys.argv[2])
		bad = []
		for i, sa in enumerate(a):
		    if sa[0] in ('.BTF', '.BTF_ids', '.shstrtab'):
		        continue
		    if i >= len(b) or b[i] != sa:
		        bad.append(sa[0])
		if bad:
		    print('changed:', ' '.join(bad))
		    sys.exit(1)
	EOF
}
if out=$(same_sections "$T/orig.ko" "$KO"); then
	t_ok "every other section keeps its index, header and bytes (symbols, relocations)"
else
	t_fail "every other section keeps its index, header and bytes: $out"
fi

dump_section "$KO" .BTF.base "$T/k.base"
dump_section "$KO" .BTF "$T/k.split"
if [ -n "$BTFO" ]; then
	"$BTFO" distill "$T/orig.ko" "$V612" "$T/o.base" "$T/o.split" >"$T/o.log"
	# kbtf also keeps 'inode', named only by BTF_ID(struct, inode), so that
	# slot can be filled (docs/distill.md); everything else is libbpf's
	check_same_types "libbpf btf__distill_base gives the same base (+ BTF_ID's inode)" \
		"$T/k.base" "$T/o.base" "STRUCT 'inode'"
	if types_noid "$T/k.base" | grep -q "STRUCT 'inode'"; then
		t_ok "type named only by BTF_ID() is kept in the base"
	else
		t_fail "type named only by BTF_ID() is kept in the base"
	fi
	relocates "libbpf relocates the distilled module onto $R612" "$KO" "$V612"
fi

# .BTF_ids: what Debian's own (6.12) resolve_btfids writes on the same file
if [ -x "$RESOLVE" ]; then
	cp "$KO" "$T/resolved.ko"
	"$RESOLVE" -b "$V612" "$T/resolved.ko" >"$T/resolve.log" 2>&1
	dump_section "$KO" .BTF_ids "$T/k.ids"
	dump_section "$T/resolved.ko" .BTF_ids "$T/r.ids"
	if cmp -s "$T/k.ids" "$T/r.ids"; then
		t_ok ".BTF_ids equal what resolve_btfids writes against .BTF.base"
	else
		t_fail ".BTF_ids equal what resolve_btfids writes against .BTF.base"
		{ od -Ax -tx4 "$T/k.ids"; echo; od -Ax -tx4 "$T/r.ids"; } | sed 's/^/    | /'
	fi
fi
if [ -n "$BTFO" ]; then
	# the kfunc set's entries (set8: cnt, flags, {id, flags}...) name the kfuncs
	ok=1
	dump_section "$KO" .BTF_ids "$T/k.ids"
	for off in 8 16; do
		id=$(od -An -tu4 -j "$off" -N4 "$T/k.ids" | tr -d ' ')
		"$BTFO" types "$KO" | grep -q "^\[$id\] FUNC 'kbtf_kfuncs_\(touch\|count\)'" || ok=0
	done
	cnt=$(od -An -tu4 -N4 "$T/k.ids" | tr -d ' ')
	if [ "$ok" = 1 ] && [ "$cnt" = 2 ]; then
		t_ok "kfunc set holds 2 ids of the module's kfuncs, in distilled numbering"
	else
		t_fail "kfunc set holds 2 ids of the module's kfuncs (cnt=$cnt)"
	fi
fi

cp "$KO" "$T/distilled.ko"
"$KBTF" distill "$KO" --base "$V612" >"$T/rerun.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "already distilled" "$T/rerun.log" && cmp -s "$KO" "$T/distilled.ko"; then
	t_ok "re-running on a distilled module says so and changes nothing"
else
	t_fail "re-running on a distilled module (exit $rc)"
	sed 's/^/    | /' "$T/rerun.log"
fi
if ls "$M"/*.kbtf-* >/dev/null 2>&1; then
	t_fail "no temporary files left beside the module"
else
	t_ok "no temporary files left beside the module"
fi

# -o: the original stays as it was
t_check "kbtf distill -o OUT" "$KBTF" distill "$T/orig.ko" -o "$T/out.ko" --base "$V612"
if cmp -s "$T/orig.ko" "$T/pristine.ko" && has_section "$T/out.ko" .BTF.base; then
	t_ok "-o leaves the input untouched"
else
	t_fail "-o leaves the input untouched"
fi

# without --base: the module's vermagic release picks KDIR, KDIR/vmlinux the base
cp "$T/pristine.ko" "$T/lookup.ko"
"$KBTF" distill "$T/lookup.ko" >"$T/lookup.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "base: KDIR/vmlinux: /lib/modules/$R612/build/vmlinux" "$T/lookup.log" &&
	has_section "$T/lookup.ko" .BTF.base; then
	t_ok "no --base: the base is found from the module's release and named"
else
	t_fail "no --base: the base is found from the module's release (exit $rc)"
	sed 's/^/    | /' "$T/lookup.log"
fi

# ------------------------------------------------------------ DWARF only

objcopy --remove-section .BTF "$T/orig.ko" "$T/dwarf.ko"
"$KBTF" distill "$T/dwarf.ko" --base "$V612" >"$T/dwarf.log" 2>&1
if [ $? -eq 0 ] && grep -q "encoded from DWARF" "$T/dwarf.log" &&
	has_section "$T/dwarf.ko" .BTF && has_section "$T/dwarf.ko" .BTF.base; then
	t_ok "a DWARF-only module is encoded with pahole, then distilled"
else
	t_fail "a DWARF-only module is encoded with pahole, then distilled"
	sed 's/^/    | /' "$T/dwarf.log"
fi
if [ -n "$BTFO" ]; then
	dump_section "$T/dwarf.ko" .BTF.base "$T/d.base"
	check_same_types "DWARF-only: same distilled base as from kbuild's .BTF" "$T/d.base" "$T/k.base"
	relocates "DWARF-only: libbpf relocates it onto $R612" "$T/dwarf.ko" "$V612"
fi
objcopy --remove-section .BTF --remove-section '.debug*' "$T/orig.ko" "$T/bare.ko"
t_exit 2 "neither .BTF nor DWARF: refused" "$KBTF" distill "$T/bare.ko" --base "$V612"

# --plain-split: what kbuild writes with a vmlinux, for kernels before 6.11
objcopy --remove-section .BTF "$T/orig.ko" "$T/plain.ko"
if "$KBTF" distill --plain-split "$T/plain.ko" --base "$V612" >"$T/plain.log" 2>&1 &&
	has_section "$T/plain.ko" .BTF && ! has_section "$T/plain.ko" .BTF.base &&
	! has_section "$T/plain.ko" .kbtf.layout; then
	t_ok "--plain-split: DWARF encoded on the full base, no .BTF.base, no layout record"
else
	t_fail "--plain-split on a DWARF-only module"
	sed 's/^/    | /' "$T/plain.log"
fi
# the same types as kbuild's own split of this module (bpftool on the full base)
n_kbuild=$(bpftool btf dump file "$T/orig.ko" -B "$V612" 2>/dev/null | grep -c '^\[')
n_plain=$(bpftool btf dump file "$T/plain.ko" -B "$V612" 2>/dev/null | grep -c '^\[')
[ "$n_plain" -gt 0 ] && [ "$n_plain" = "$n_kbuild" ] &&
	t_ok "  ... bpftool reads it on the vmlinux: $n_plain types, as kbuild's .BTF" ||
	t_fail "  ... bpftool counts $n_plain types, kbuild's .BTF $n_kbuild"
"$KBTF" validate "$T/plain.ko" -k "$V612" --no-symbols -f json -o "$T/plain.json" 2>/dev/null
jq -e '.results[0] | .verdict == "ok" and .btf_form == "split"' "$T/plain.json" >/dev/null &&
	t_ok "  ... validate: ok on the kernel it was built for" ||
	t_fail "  ... validate: $(jq -c '.results[0] | [.verdict, .summary]' "$T/plain.json")"
cp "$T/orig.ko" "$T/plain2.ko"
t_check "--plain-split on kbuild's plain split: nothing to do" \
	"$KBTF" distill --plain-split "$T/plain2.ko" --base "$V612"
t_check "  ... the module is unchanged" cmp -s "$T/plain2.ko" "$T/orig.ko"
t_exit 2 "--plain-split refuses a module with .BTF.base" \
	"$KBTF" distill --plain-split "$T/dwarf.ko" --base "$V612"

# ----------------------------------------------------------------- signed

openssl req -new -nodes -utf8 -sha256 -days 2 -batch -x509 -subj "/CN=kbtf test/" \
	-outform PEM -out "$T/key.pem" -keyout "$T/key.pem" >/dev/null 2>&1
if [ -x "$SIGNFILE" ] && [ -s "$T/key.pem" ]; then
	cp "$T/orig.ko" "$T/signed.ko"
	"$SIGNFILE" sha256 "$T/key.pem" "$T/key.pem" "$T/signed.ko"
	cp "$T/signed.ko" "$T/signed.before"
	"$KBTF" distill "$T/signed.ko" --base "$V612" >"$T/sig.log" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "signed" "$T/sig.log" && cmp -s "$T/signed.ko" "$T/signed.before"; then
		t_ok "a signed module is refused without --sign, left untouched"
	else
		t_fail "a signed module is refused without --sign (exit $rc)"
	fi
	t_check "--sign KEY CERT re-signs" "$KBTF" distill "$T/signed.ko" --base "$V612" \
		--sign "$T/key.pem" "$T/key.pem"
	# split the trailer off and let openssl check the signature over the image
	python3 - "$T/signed.ko" "$T/s.img" "$T/s.sig" <<-'EOF'
		import struct, sys
		d = open(sys.argv[1], 'rb').read()
		magic = b"~Module signature appended~\n"
		assert d.endswith(magic)
		n = struct.unpack('>I', d[-len(magic) - 4:-len(magic)])[0]
		end = len(d) - len(magic) - 12
		open(sys.argv[2], 'wb').write(d[:end - n])
		open(sys.argv[3], 'wb').write(d[end - n:end])
	EOF
	if openssl cms -verify -binary -inform DER -in "$T/s.sig" -content "$T/s.img" \
		-certfile "$T/key.pem" -noverify -out /dev/null 2>/dev/null &&
		readelf -SW "$T/s.img" | grep -q ' .BTF.base '; then
		t_ok "the new signature verifies over the distilled image (openssl cms)"
	else
		t_fail "the new signature verifies over the distilled image (openssl cms)"
	fi
else
	t_fail "sign-file and openssl are available for the signed-module test"
fi

# ------------------------------------------------------------- compressed

for c in xz zst gz; do
	case $c in
	xz) pack="xz --check=crc32 -c" unpack="xz -dc" magic="fd377a585a00" ;;
	zst) pack="zstd -q -c" unpack="zstd -dcq" magic="28b52ffd" ;;
	gz) pack="gzip -c" unpack="gzip -dc" magic="1f8b" ;;
	esac
	$pack "$T/orig.ko" >"$T/m.ko.$c"
	"$KBTF" distill "$T/m.ko.$c" --base "$V612" >"$T/c.log" 2>&1
	rc=$?
	head=$(head -c 6 "$T/m.ko.$c" | od -An -tx1 | tr -d ' \n')
	$unpack "$T/m.ko.$c" >"$T/m.unpacked" 2>/dev/null
	if [ $rc -eq 0 ] && [ "${head#"$magic"}" != "$head" ] && has_section "$T/m.unpacked" .BTF.base; then
		t_ok ".ko.$c in, .ko.$c out, with .BTF.base inside"
	else
		t_fail ".ko.$c in, .ko.$c out, with .BTF.base inside (exit $rc, magic $head)"
		sed 's/^/    | /' "$T/c.log"
	fi
done
if xz -lvv "$T/m.ko.xz" 2>/dev/null | grep -q CRC32; then
	t_ok "xz output uses CRC32 (what the kernel's decompressor needs)"
else
	t_fail "xz output uses CRC32"
fi

# -------------------------------------------------------- the wrong base

IMG61=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "linux-image-$R61" 2>/dev/null | tail -n1)
VMLINUZ61=
if [ -f "$IMG61" ]; then
	mkdir -p "$T/img61"
	dpkg-deb --fsys-tarfile "$IMG61" | tar -x -C "$T/img61" --wildcards './boot/vmlinuz-*'
	VMLINUZ61=$(ls "$T"/img61/boot/vmlinuz-* 2>/dev/null | head -n1)
	t_vmlinux_from_deb "$IMG61" "$T/vmlinux61" || rm -f "$T/vmlinux61"
fi
if [ -n "$VMLINUZ61" ]; then
	cp "$T/orig.ko" "$T/wrong.ko"
	"$KBTF" distill "$T/wrong.ko" --base "$VMLINUZ61" >"$T/wrong.log" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "built for $R612 but the base is $R61" "$T/wrong.log" &&
		cmp -s "$T/wrong.ko" "$T/orig.ko"; then
		t_ok "a base of another release is refused, module untouched"
	else
		t_fail "a base of another release is refused (exit $rc)"
		sed 's/^/    | /' "$T/wrong.log"
	fi
	"$KBTF" distill "$T/wrong.ko" --base "$VMLINUZ61" --force >"$T/wrong.log" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "another kernel" "$T/wrong.log" && cmp -s "$T/wrong.ko" "$T/orig.ko"; then
		t_ok "with --force, the BTF itself shows the mismatch; module untouched"
	else
		t_fail "with --force, the BTF itself shows the mismatch (exit $rc)"
		sed 's/^/    | /' "$T/wrong.log"
	fi
else
	t_fail "linux-image-$R61 fetched for the wrong-base and 6.1 tests"
fi

# ------------------------------------------------- failure in mid-write

# A file system with room for the module but not for its replacement: the
# temporary file fills it, the write fails, the original must survive.
mkdir -p "$T/small"
if mount -t tmpfs -o size=$((($(stat -c %s "$T/orig.ko") + 100000) / 1024))k kbtf-test "$T/small" 2>/dev/null; then
	cp "$T/orig.ko" "$T/small/m.ko"
	"$KBTF" distill "$T/small/m.ko" --base "$V612" >"$T/full.log" 2>&1
	rc=$?
	left=$(ls "$T/small" | wc -l)
	if [ $rc -ne 0 ] && grep -q "No space left" "$T/full.log" && cmp -s "$T/small/m.ko" "$T/orig.ko" &&
		[ "$left" = 1 ]; then
		t_ok "disk full while writing: error, original intact, no temporary left"
	else
		t_fail "disk full while writing (exit $rc, $left files)"
		sed 's/^/    | /' "$T/full.log"
	fi
	umount "$T/small"
else
	# no mount here: a file size limit makes the writes fail instead
	cp "$T/orig.ko" "$T/limited.ko"
	(
		trap '' XFSZ
		ulimit -f 300
		"$KBTF" distill "$T/limited.ko" --base "$V612"
	) >"$T/full.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && cmp -s "$T/limited.ko" "$T/orig.ko"; then
		t_ok "write limit exceeded: error, original intact"
	else
		t_fail "write limit exceeded (exit $rc)"
	fi
fi

printf 'not an ELF\n' >"$T/junk.ko"
t_exit 2 "garbage input is refused" "$KBTF" distill "$T/junk.ko" --base "$V612"

# --------------------------------------------------------------- kbtf.mk

V=$T/vendor
fixture "$V"
rm "$V/Kbuild"
cat >"$V/Makefile" <<EOF
obj-m := kbtf_kfuncs.o
KDIR ?= /lib/modules/\$(shell uname -r)/build
all:
	\$(MAKE) -C \$(KDIR) M=\$(CURDIR) modules
include $KBTF_ROOT/sdk/kbtf.mk
EOF
if make -C "$V" KDIR="$KDIR612" KBTF="$KBTF" >"$T/mk.log" 2>&1 &&
	has_section "$V/kbtf_kfuncs.ko" .BTF.base; then
	t_ok "kbtf.mk: one include line gives the vendor's make distilled modules"
else
	t_fail "kbtf.mk: one include line gives the vendor's make distilled modules"
	tail -n 20 "$T/mk.log" | sed 's/^/    | /'
fi
cp "$V/kbtf_kfuncs.ko" "$T/mk.ko"
make -C "$V" KDIR="$KDIR612" KBTF="$KBTF" >"$T/mk2.log" 2>&1
if cmp -s "$V/kbtf_kfuncs.ko" "$T/mk.ko"; then
	t_ok "kbtf.mk: a second make leaves the module alone"
else
	t_fail "kbtf.mk: a second make leaves the module alone"
fi
[ -n "$BTFO" ] && relocates "kbtf.mk: libbpf relocates its module onto $R612" "$V/kbtf_kfuncs.ko" "$V612"

# ------------------------------------------------------------- kbtf build

B=$T/b612
fixture "$B"
"$KBTF" build --kdir "$KDIR612" -C "$B" -j 2 >"$T/build.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "base: KDIR/vmlinux: $V612" "$T/build.log" &&
	has_section "$B/kbtf_kfuncs.ko" .BTF.base; then
	t_ok "kbtf build --kdir: kbuild, base from KDIR/vmlinux (said so), distilled"
else
	t_fail "kbtf build --kdir (exit $rc)"
	tail -n 20 "$T/build.log" | sed 's/^/    | /'
fi
echo 'this is not C' >"$B/kbtf_kfuncs.c"
t_exit 3 "kbtf build: a failing make exits 3" "$KBTF" build --kdir "$KDIR612" -C "$B"

if [ -d "$KDIR61" ] && [ -n "$VMLINUZ61" ]; then
	P=$T/p61
	fixture "$P"
	kbuild "$P" "$KDIR61"
	if ! has_section "$P/kbtf_kfuncs.ko" .BTF && grep -q "Skipping BTF generation" "$P/build.log"; then
		t_ok "plain kbuild on $R61 headers makes no BTF at all"
	else
		t_fail "plain kbuild on $R61 headers makes no BTF at all"
	fi
	if [ ! -e "/boot/vmlinuz-$R61" ] && [ ! -e "/usr/lib/debug/boot/vmlinux-$R61" ]; then
		# an empty kernel profile store, so a stored profile of $R61 is not found
		XDG_CACHE_HOME=$T/nostore "$KBTF" distill "$P/kbtf_kfuncs.ko" >"$T/nobase.log" 2>&1
		rc=$?
		if [ $rc -eq 2 ] && grep -q "no BTF found for kernel $R61" "$T/nobase.log" &&
			grep -q "/boot/vmlinuz-$R61" "$T/nobase.log" && grep -q -- "--base" "$T/nobase.log"; then
			t_ok "no base for $R61 anywhere: exit 2, every place tried listed, --base suggested"
		else
			t_fail "no base for $R61 anywhere (exit $rc)"
			sed 's/^/    | /' "$T/nobase.log"
		fi
	fi
	# distilled although 6.1 ignores .BTF.base (the pick would be a plain
	# split, test_sdk_pick.sh): the same .ko relocates on 6.1 and 6.12 builds
	B=$T/b61
	fixture "$B"
	"$KBTF" build -k "$R61" -C "$B" --base "$VMLINUZ61" --distilled >"$T/b61.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && has_section "$B/kbtf_kfuncs.ko" .BTF &&
		has_section "$B/kbtf_kfuncs.ko" .BTF.base; then
		t_ok "kbtf build -k $R61 --base vmlinuz --distilled: .BTF + .BTF.base"
	else
		t_fail "kbtf build -k $R61 --base vmlinuz --distilled (exit $rc)"
		tail -n 20 "$T/b61.log" | sed 's/^/    | /'
	fi
	if [ -n "$BTFO" ] && [ -f "$T/vmlinux61" ]; then
		relocates "libbpf relocates the 6.1-built module onto $R61" "$B/kbtf_kfuncs.ko" "$T/vmlinux61"
		relocates "... and onto $R612" "$B/kbtf_kfuncs.ko" "$V612"
	fi
	# the vmlinuz was decompressed once; its BTF now comes from the cache
	objcopy --remove-section .BTF --remove-section .BTF.base --remove-section .kbtf.layout \
		"$B/kbtf_kfuncs.ko" "$T/again.ko"
	"$KBTF" distill "$T/again.ko" --base "$VMLINUZ61" >"$T/again.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "BTF from kbtf's cache, release $R61" "$T/again.log" &&
		has_section "$T/again.ko" .BTF; then
		t_ok "a vmlinuz base is decompressed once, then read from kbtf's cache"
	else
		t_fail "a vmlinuz base is read from kbtf's cache the second time (exit $rc)"
		sed 's/^/    | /' "$T/again.log"
	fi
else
	t_fail "linux-headers-$R61 installed for the 6.1 build test (.ci/debian-packages.txt)"
fi

# ------------------- differential: the example and real dkms modules

# same_outcome NAME KO TARGET: relocating kbtf's module onto TARGET ends as
# relocating libbpf's own distilled pair ($T/dko.*) does, messages included
same_outcome() {
	local a b
	a=$("$BTFO" relocate-ko "$2" "$3" 2>&1 | sed 's/ split start=.*//')
	b=$("$BTFO" relocate "$T/dko.base" "$T/dko.split" "$3" 2>&1 | sed 's/ split start=.*//')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		t_ok "$1: on $(basename "$3") relocation ends as libbpf's pair does: $(echo "$a" | tail -n1)"
	else
		t_fail "$1: relocation outcome on $(basename "$3") differs from libbpf's pair"
		printf 'kbtf:   %s\nlibbpf: %s\n' "$a" "$b" | sed 's/^/    | /'
	fi
}

# differential NAME SRCDIR: build SRCDIR against 6.12, distill its first
# module, and compare with libbpf 1.5 on kbuild's .BTF and with pahole
# 1.30's distilled_base on the same DWARF.
differential() {
	local name=$1 src=$2 ko feat
	if ! kbuild "$src" "$KDIR612"; then
		t_fail "$name builds against $R612"
		tail -n 10 "$src/build.log" | sed 's/^/    | /'
		return
	fi
	ko=$(sed 's/\.o$/.ko/' "$src/modules.order" | head -n1)
	case $ko in /*) ;; *) ko=$src/$ko ;; esac
	cp "$ko" "$T/diff.orig.ko"
	if ! "$KBTF" distill -q "$ko" --base "$V612"; then
		t_fail "$name: kbtf distill"
		return
	fi
	dump_section "$ko" .BTF.base "$T/dk.base"
	dump_section "$ko" .BTF "$T/dk.split"
	if [ -n "$BTFO" ]; then
		"$BTFO" distill "$T/diff.orig.ko" "$V612" "$T/dko.base" "$T/dko.split" >/dev/null
		check_same_types "$name: same distilled base as libbpf" "$T/dk.base" "$T/dko.base"
		if cmp -s "$T/dk.base" "$T/dko.base" && cmp -s "$T/dk.split" "$T/dko.split"; then
			t_ok "$name: .BTF.base and .BTF byte-identical to libbpf 1.5's"
		else
			t_fail "$name: .BTF.base and .BTF byte-identical to libbpf 1.5's"
		fi
		relocates "$name: libbpf relocates it onto $R612" "$ko" "$V612"
		[ -f "$T/vmlinux61" ] && same_outcome "$name" "$ko" "$T/vmlinux61"
		[ -r /sys/kernel/btf/vmlinux ] && same_outcome "$name" "$ko" /sys/kernel/btf/vmlinux
	fi
	# pahole 1.30 on the same DWARF: its plain split distilled by kbtf, vs
	# its own --btf_features=distilled_base
	if [ -z "$PAHOLE130" ]; then
		t_fail "pahole 1.30 oracle available ($(tail -n1 "$T/pahole130.log"))"
		return
	fi
	feat=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func
	objcopy --remove-section .BTF "$T/diff.orig.ko" "$T/p.plain.ko"
	cp "$T/p.plain.ko" "$T/p.dist.ko"
	LLVM_OBJCOPY=objcopy "$PAHOLE130" -J --btf_features=$feat --btf_base "$V612" \
		"$T/p.plain.ko" >/dev/null 2>&1
	LLVM_OBJCOPY=objcopy "$PAHOLE130" -J --btf_features=$feat,distilled_base \
		--btf_base "$V612" "$T/p.dist.ko" >/dev/null 2>&1
	if ! "$KBTF" distill -q --no-layout "$T/p.plain.ko" --base "$V612"; then
		t_fail "$name: kbtf distills pahole 1.30's split"
		return
	fi
	dump_section "$T/p.plain.ko" .BTF.base "$T/pk.base"
	dump_section "$T/p.dist.ko" .BTF.base "$T/pp.base"
	[ -n "$BTFO" ] && check_same_types "$name: same distilled base as pahole 1.30" \
		"$T/pk.base" "$T/pp.base"
	if cmp -s "$T/pk.base" "$T/pp.base"; then
		t_ok "$name: .BTF.base byte-identical to pahole 1.30's"
	else
		t_fail "$name: .BTF.base byte-identical to pahole 1.30's"
	fi
}

rm -rf "$T/example"
mkdir -p "$T/example"
cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild} "$T/example/"
differential "sdk/example" "$T/example"

for pkg in v4l2loopback-dkms acpi-call-dkms; do
	deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" trixie "$pkg" 2>/dev/null | tail -n1)
	if [ ! -f "$deb" ]; then
		t_fail "$pkg fetched"
		continue
	fi
	rm -rf "$T/dkms"
	mkdir -p "$T/dkms"
	dpkg-deb -x "$deb" "$T/dkms"
	differential "$pkg" "$(ls -d "$T"/dkms/usr/src/*/ | head -n1)"
done

t_done

#!/bin/bash
# tests/fuzz/make_source_seeds.sh [DIR]
#
# Writes the fuzz_source seed corpus (default tests/fuzz/corpus/source):
# a few KB each, made here from the committed BTF seeds with gcc, objcopy,
# the compression command-line tools and dpkg-deb, nothing downloaded.
# Run by hand when the inputs kbtf reads change; commit the result.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/tests/fuzz/corpus/source}
btf=$root/tests/fuzz/corpus/btf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

u32le() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }
u32at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

# a base BTF, and the split half of the base+split seed
cp "$btf/kinds-le" "$tmp/base.btf"
base_len=$((24 + $(u32at "$btf/base-split" 16) + $(u32at "$btf/base-split" 20)))
tail -c +$((base_len + 1)) "$btf/base-split" >"$tmp/split.btf"
cp "$tmp/base.btf" "$out/raw-btf"
# a kernel BTF with a split layer after it in one section: read as a stack
cp "$btf/base-split" "$out/kernel-stack-archive"

# a vmlinux: banner, IKCONFIG, .BTF
printf 'CONFIG_DEBUG_INFO_BTF=y\nCONFIG_LOCALVERSION="-fuzz"\n' | gzip -9n >"$tmp/cfg.gz"
{
	printf 'Linux version 6.12.0-fuzz (f@z) #1 SMP\n\0IKCFG_ST'
	cat "$tmp/cfg.gz"
	printf 'IKCFG_ED'
} >"$tmp/rodata"
cat >"$tmp/start.c" <<'C'
void _start(void) { for (;;) ; }
C
gcc -Os -c -o "$tmp/start.o" "$tmp/start.c"
gcc -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=16 -Wl,-z,norelro \
	-o "$tmp/vmlinux" "$tmp/start.o"
objcopy --add-section .rodata.kbtf="$tmp/rodata" --add-section .BTF="$tmp/base.btf" \
	--strip-all "$tmp/vmlinux" "$out/vmlinux"
gzip -9nc "$out/vmlinux" >"$out/vmlinux.gz"

# bzImage: 4 setup sectors, "HdrS", protocol 2.15, version string, payload
bzimage() { # COMPRESSED PLAIN_SIZE OUT
	local plen
	plen=$(($(stat -c %s "$1") + 4))
	{
		head -c $((0x1f1)) /dev/zero
		printf '\x03'
		head -c $((0x1fe - 0x1f2)) /dev/zero
		printf '\x55\xaa\xeb\x66HdrS\x0f\x02'
		head -c $((0x20e - 0x208)) /dev/zero
		printf '\x00\x02'
		head -c $((0x248 - 0x210)) /dev/zero
		u32le 0
		u32le "$plen"
		head -c $((0x400 - 0x250)) /dev/zero
		printf '6.12.0-fuzz (f@z) #1 SMP\0'
		head -c $((0x800 - 0x400 - 25)) /dev/zero
		cat "$1"
		u32le "$2"
	} >"$3"
}
size=$(stat -c %s "$out/vmlinux")
zstd -19 -qc "$out/vmlinux" >"$tmp/p.zst" && bzimage "$tmp/p.zst" "$size" "$out/bzimage-zstd"
xz --check=crc32 --lzma2=preset=9,dict=64KiB -c "$out/vmlinux" >"$tmp/p.xz" && bzimage "$tmp/p.xz" "$size" "$out/bzimage-xz"
lz4 -l -9 -qc "$out/vmlinux" >"$tmp/p.lz4" && bzimage "$tmp/p.lz4" "$size" "$out/bzimage-lz4legacy"
xz --format=lzma --lzma1=preset=9,dict=64KiB -c "$out/vmlinux" >"$tmp/p.lzma" && bzimage "$tmp/p.lzma" "$size" "$out/bzimage-lzma"
bzip2 -9c "$out/vmlinux" >"$tmp/p.bz2" && bzimage "$tmp/p.bz2" "$size" "$out/bzimage-bzip2"
gzip -9nc "$out/vmlinux" >"$tmp/p.gz" && bzimage "$tmp/p.gz" "$size" "$out/bzimage-gzip"

# a module: .modinfo, __versions, .gnu.linkonce.this_module (the loader's ELF
# checks want it), undefined symbols, split .BTF
cat >"$tmp/mod.c" <<'C'
extern int printk(const char *, ...);
extern void *kmalloc_caches[];
static const char modinfo[] __attribute__((section(".modinfo"), used)) =
	"license=GPL\0depends=bar\0name=fuzzmod\0vermagic=6.12.0-fuzz SMP mod_unload modversions ";
struct modversion_info { unsigned long crc; char name[56]; };
static const struct modversion_info versions[] __attribute__((section("__versions"), used)) = {
	{ 0x12345678, "printk" }, { 0xdeadbeef, "kmalloc_caches" },
};
struct this_module { int state; void *list[2]; char name[56]; char rest[64]; };
static struct this_module __this_module __attribute__((section(".gnu.linkonce.this_module"), used)) = {
	.name = "fuzzmod",
};
int init_module(void) { return printk("%p", kmalloc_caches[0]); }
C
gcc -Os -fno-asynchronous-unwind-tables -c -o "$tmp/mod.o" "$tmp/mod.c"
objcopy --add-section .BTF="$tmp/split.btf" --remove-section .comment \
	--remove-section .note.GNU-stack "$tmp/mod.o" "$out/module.ko"
objcopy --add-section .BTF.base="$tmp/base.btf" "$out/module.ko" "$out/module-distilled.ko"
{
	cat "$out/module.ko"
	head -c 32 /dev/zero | tr '\0' '\245'
	printf '\0\0\2\0\0\0\0\0'
	printf '\0\0\0\x20~Module signature appended~\n'
} >"$out/module-signed.ko"
xz --check=crc32 --lzma2=preset=9,dict=64KiB -c "$out/module-signed.ko" >"$out/module-signed.ko.xz"
zstd -19 -qc "$out/module.ko" >"$out/module.ko.zst"

# a Debian package holding the zstd bzImage and a config
mkdir -p "$tmp/deb/DEBIAN" "$tmp/deb/boot"
printf 'Package: linux-image-6.12.0-fuzz\nVersion: 1\nArchitecture: amd64\nMaintainer: f <f@z>\nDescription: fuzz\n' \
	>"$tmp/deb/DEBIAN/control"
cp "$out/bzimage-zstd" "$tmp/deb/boot/vmlinuz-6.12.0-fuzz"
printf 'CONFIG_X=y\n' >"$tmp/deb/boot/config-6.12.0-fuzz"
dpkg-deb --root-owner-group -Zxz -b "$tmp/deb" "$out/kernel.deb" >/dev/null

# a vmlinux holding only its export tables (kernel_exports.c): __ksymtab
# with PREL32 entries alpha and beta, __ksymtab_gpl with gamma in
# namespace NS_ONE, their __kcrctab CRCs, __ksymtab_strings
python3 - "$out/vmlinux-exports" <<'PY'
import struct, sys
base = 0xffffffff82000000
shstr = b"\0__ksymtab\0__ksymtab_gpl\0__kcrctab\0__kcrctab_gpl\0__ksymtab_strings\0.shstrtab\0"
names = [0, 1, 11, 25, 35, 49, 67]
strs = b"\0alpha\0beta\0gamma\0NS_ONE\0"
ksym, gpl, stra = base + 0x1000, base + 0x2000, base + 0x3000
def prel(tab, i, name, ns):
    f = tab + 12 * i
    return struct.pack("<iii", 0, stra + name - (f + 4), (stra + ns - (f + 8)) if ns else 0)
secs = [None, (prel(ksym, 0, 1, 0) + prel(ksym, 1, 7, 0), ksym, 1), (prel(gpl, 0, 12, 18), gpl, 1),
        (struct.pack("<II", 0x11111111, 0x22222222), base + 0x4000, 1),
        (struct.pack("<I", 0x33333333), base + 0x5000, 1), (strs, stra, 1), (shstr, 0, 3)]
buf, hdrs = bytearray(64), [bytes(64)]
for i, s in enumerate(secs):
    if not s:
        continue
    data, addr, typ = s
    off = len(buf)
    buf += data + bytes((-len(data)) % 8)
    hdrs.append(struct.pack("<IIQQQQIIQQ", names[i], typ, 0 if i == 6 else 2, addr, off, len(data), 0, 0, 1, 0))
shoff = len(buf)
buf += b"".join(hdrs)
buf[0:64] = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack(
    "<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(hdrs), 6)
open(sys.argv[1], "wb").write(buf)
PY

ls -l "$out"

#!/bin/sh
# tests/oracle/pahole.sh
#
# Make Debian 13's pahole (1.30, the first Debian pahole with
# --btf_features=distilled_base) runnable on Debian 12, and print the path
# of a command that runs it: use it as you would pahole,
#
#   LLVM_OBJCOPY=objcopy "$(tests/oracle/pahole.sh)" -J \
#       --btf_features=distilled_base --btf_base VMLINUX MOD.ko
#
# Debian 13's pahole needs glibc >= 2.38 (it calls __isoc23_strtol and
# __isoc23_strtoll), libbpf 1.5, and libdw/libelf 0.192; Debian 12 has
# glibc 2.36. So the package is unpacked (never installed) together with
# Debian 13's libc6 and libraries into $KBTF_TEST_CACHE/oracle/pahole-<v>/,
# and the printed wrapper starts it with that glibc's own dynamic loader
# and --library-path: only pahole itself runs on those libraries; programs
# it starts (objcopy) run on the system's as usual.
#
# Progress goes to stderr; stdout has only the path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
suite=${KBTF_ORACLE_SUITE:-trixie}
cache=${KBTF_TEST_CACHE:-/var/cache/kbtf-test}
# pahole and what it loads; the rest of its closure is in Debian 12 too
pkgs="pahole libc6 libbpf1 libdw1t64 libelf1t64 libzstd1 liblzma5 libbz2-1.0 zlib1g"

debs=$("$root/tests/lib/debfetch.sh" "$suite" $pkgs)
pahole_deb=$(echo "$debs" | head -n1)
version=$(dpkg-deb -f "$pahole_deb" Version | sed 's/^[0-9]*://')
dir="$cache/oracle/pahole-$version-$suite"
wrapper="$dir/pahole"

if [ ! -f "$dir/.unpacked" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/root"
	for deb in $debs; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	touch "$dir/.unpacked"
	echo "oracle: unpacked pahole $version and its $suite libraries into $dir" >&2
fi

r="$dir/root"
loader=$(find "$r/usr/lib/x86_64-linux-gnu" "$r/lib/x86_64-linux-gnu" "$r/lib64" "$r/usr/lib64" \
	-maxdepth 1 -name 'ld-linux-x86-64.so.2' 2>/dev/null | head -n1)
[ -n "$loader" ] || { echo "oracle: no dynamic loader in $suite's libc6" >&2; exit 1; }
libpath="$r/usr/lib/x86_64-linux-gnu:$r/lib/x86_64-linux-gnu"

cat >"$wrapper.tmp" <<WRAP
#!/bin/sh
# pahole $version from Debian $suite, on its own glibc (tests/oracle/pahole.sh)
exec "$loader" --library-path "$libpath" "$r/usr/bin/pahole" "\$@"
WRAP
chmod +x "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"

if ! "$wrapper" --version >/dev/null 2>&1; then
	echo "oracle: $wrapper does not run:" >&2
	"$wrapper" --version >&2 || true
	exit 1
fi
echo "$wrapper"

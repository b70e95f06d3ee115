#!/bin/bash
# `make install PREFIX=... DESTDIR=...` puts every part where it belongs,
# with paths that follow PREFIX, and a program builds against the installed
# library through the installed kbtf.pc alone. Builds in its own O= dir
# (at -O0, to be quick), so the tree's build/ is left as it is.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

prefix=/opt/kbtf
dest=$t_tmp/root
inst=$dest$prefix
obj=$t_tmp/build

t_check "make install PREFIX=$prefix DESTDIR=..." \
	make -C "$KBTF_ROOT" -j2 O="$obj" CFLAGS="-O0 -g" PREFIX="$prefix" DESTDIR="$dest" install ||
	t_done

for f in bin/kbtf lib/libkbtf.a lib/pkgconfig/kbtf.pc include/kbtf/btf.h include/kbtf/err.h \
	share/man/man1/kbtf.1; do
	if [ -e "$inst/$f" ]; then t_ok "installed $f"; else t_fail "missing $prefix/$f"; fi
done
for f in "$KBTF_ROOT"/sdk/include/kbtf/*.h; do
	[ -e "$inst/include/kbtf/$(basename "$f")" ] || t_fail "header $(basename "$f") not installed"
done
t_ok "every public header checked"
for m in "$KBTF_ROOT"/docs/man/*.[1-9].md; do
	p=$(basename "$m" .md)
	if [ -s "$inst/share/man/man${p##*.}/$p" ]; then t_ok "man page $p installed"; else
		t_fail "man page $p missing"; fi
done
# optional parts, installed when the tree has them
[ -f "$KBTF_ROOT/sdk/kbtf.mk" ] && { [ -f "$inst/share/kbtf/kbtf.mk" ] &&
	t_ok "kbuild include installed" || t_fail "sdk/kbtf.mk not installed"; }
for d in templates dkms ci; do
	if [ -n "$(ls -A "$KBTF_ROOT/$d" 2>/dev/null)" ]; then
		if [ -d "$inst/share/kbtf/$d" ]; then t_ok "$d/ installed"; else
			t_fail "$d/ not installed"; fi
	fi
done
# from ci/ only what vendors use; the project's own dependency installer stays
for f in ci/matrix/kbtf-matrix.sh ci/kernels/all.list; do
	if [ -e "$inst/share/kbtf/$f" ]; then t_ok "installed share/kbtf/$f"; else
		t_fail "missing share/kbtf/$f"; fi
done
for f in .ci/deps.sh .ci/debian-packages.txt; do
	if [ ! -e "$inst/share/kbtf/$f" ]; then t_ok "$f is not installed"; else
		t_fail "$f installed: it installs kbtf's own build dependencies, not a vendor's"; fi
done
t_check "nothing installed outside DESTDIR$prefix" \
	bash -c "[ -z \"\$(cd '$dest' && find . -mindepth 1 -maxdepth 1 ! -name opt)\" ]"

t_check "installed kbtf runs" "$inst/bin/kbtf" --version
t_grep "kbtf.pc follows PREFIX" "^libdir=$prefix/lib\$" "$inst/lib/pkgconfig/kbtf.pc"
t_check "man page renders cleanly" \
	bash -c "groff -man -Tutf8 -ww -z '$inst/share/man/man1/kbtf.1' 2>&1 | (! grep .)"

# A program built against the installed library through kbtf.pc only.
export PKG_CONFIG_PATH=$inst/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
cflags=$(pkg-config --cflags kbtf) && libs=$(pkg-config --libs kbtf)
t_check "pkg-config knows kbtf" test -n "$libs"
t_check "--static asks for nothing more than --libs" \
	test "$(pkg-config --libs --static kbtf)" = "$libs"
cat >"$t_tmp/count.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <kbtf/btf.h>
#include <kbtf/err.h>

int main(int argc, char **argv)
{
	static char data[64 << 20];
	struct kbtf_btf *btf;
	size_t n;
	FILE *f = fopen(argv[1], "rb");

	if (argc != 2 || !f)
		return 2;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	if (kbtf_btf_parse(data, n, NULL, &btf)) {
		fprintf(stderr, "%s\n", kbtf_errstr());
		return 1;
	}
	printf("%u\n", kbtf_btf_type_cnt(btf) - 1);
	kbtf_btf_free(btf);
	return 0;
}
C
# shellcheck disable=SC2086
t_check "a program compiles and links against the installed kbtf" \
	cc -std=gnu11 -Wall -Werror $cflags -o "$t_tmp/count" "$t_tmp/count.c" $libs
if ! echo "$cflags" | grep -q -- "$KBTF_ROOT"; then t_ok "and not against the source tree"; else
	t_fail "cflags point into the source tree: $cflags"; fi

vmlinux=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
if [ -f "$vmlinux" ] && [ -x "$t_tmp/count" ]; then
	objcopy --dump-section .BTF="$t_tmp/vmlinux.btf" "$vmlinux" "$t_tmp/junk.o"
	want=$(bpftool btf dump file "$t_tmp/vmlinux.btf" | grep -c '^\[')
	got=$("$t_tmp/count" "$t_tmp/vmlinux.btf")
	if [ "$got" = "$want" ]; then t_ok "it counts the 6.12 kernel's $want types, as bpftool does"; else
		t_fail "it counts '$got' types, bpftool $want"; fi
fi

t_check "make uninstall removes it again" \
	make -C "$KBTF_ROOT" O="$obj" PREFIX="$prefix" DESTDIR="$dest" uninstall
left=$(cd "$dest" && find . -type f | head -n 5)
if [ -z "$left" ]; then t_ok "nothing left after uninstall"; else t_fail "left: $left"; fi

t_done

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
# the installed headers are the library's API and nothing else: the SDK's
# and the validator's include/kbtf/, not the headers inside the library
want=$(cd "$KBTF_ROOT" && ls sdk/include/kbtf/*.h validator/include/kbtf/*.h | xargs -n1 basename | sort)
got=$(ls "$inst/include/kbtf" 2>/dev/null | sort)
if [ "$got" = "$want" ]; then t_ok "installed headers: the $(echo "$want" | wc -l) of the API"; else
	t_fail "installed headers differ from the API's: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"; fi
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
vmlinux=/usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux
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

# Each installed header stands alone, in ISO C11.
bad=""
for h in "$inst"/include/kbtf/*.h; do
	# shellcheck disable=SC2086
	printf '#include <kbtf/%s>\ntypedef int not_empty;\n' "$(basename "$h")" |
		cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags -fsyntax-only -xc - 2>"$t_tmp/hdr.err" ||
		bad="$bad $(basename "$h")"
done
if [ -z "$bad" ]; then t_ok "every installed header compiles on its own (-std=c11 -pedantic)"; else
	t_fail "headers that do not compile alone:$bad ($(head -n 3 "$t_tmp/hdr.err"))"; fi

# The installed library's global symbols are exactly the functions the
# installed headers declare KBTF_API: KBTF_API is kept as a word through the
# preprocessor and the name before the first '(' of each such declaration
# taken; nm lists what libkbtf.a defines globally.
# shellcheck disable=SC2086
for h in "$inst"/include/kbtf/*.h; do echo "#include <kbtf/$(basename "$h")>"; done |
	cc -std=gnu11 -E -P -DKBTF_API_H -DKBTF_API=KBTF_API_MARK $cflags -xc - |
	tr '\n' ' ' | tr ';' '\n' | grep -w KBTF_API_MARK |
	sed -E 's/.*KBTF_API_MARK[^(]*[^A-Za-z0-9_(]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\(.*/\1/' |
	sort >"$t_tmp/declared"
nm -g --defined-only "$inst/lib/libkbtf.a" | awk 'NF == 3 { print $3 }' | sort >"$t_tmp/exported"
if [ -s "$t_tmp/declared" ] && cmp -s "$t_tmp/declared" "$t_tmp/exported"; then
	t_ok "libkbtf.a exports exactly the $(wc -l <"$t_tmp/declared") KBTF_API functions of its headers"
else
	t_fail "libkbtf.a exports differ from the KBTF_API declarations (< declared only, > exported only):" \
		"$(diff "$t_tmp/declared" "$t_tmp/exported" | grep '^[<>]' | head -n 8 | tr '\n' ' ')"
fi

# The validator API's example (docs/libkbtf.md shows this very file) builds
# against the installed library with pkg-config --static alone and says what
# kbtf validate says.
example=$KBTF_ROOT/tests/integration/libkbtf/matrix_report.c
# the first ```c block after the line in the docs that names the file
awk '/tests\/integration\/libkbtf\/matrix_report\.c/ { named = 1 }
	named && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' \
	"$KBTF_ROOT/docs/libkbtf.md" >"$t_tmp/doc_example.c"
if [ -s "$t_tmp/doc_example.c" ] && cmp -s "$t_tmp/doc_example.c" "$example"; then
	t_ok "docs/libkbtf.md shows tests/integration/libkbtf/matrix_report.c as it is"
else
	t_fail "docs/libkbtf.md's validator example is not $example"
fi
static_libs=$(pkg-config --libs --static kbtf)
# shellcheck disable=SC2086
t_check "the validator example compiles against the installed headers (pkg-config --static)" \
	cc -std=c11 -Wall -Wextra -Werror $cflags -o "$t_tmp/matrix_report" "$example" $static_libs
module=$KBTF_ROOT/tests/fuzz/corpus/source/module-distilled.ko
if [ -f "$vmlinux" ] && [ -x "$t_tmp/matrix_report" ]; then
	"$t_tmp/matrix_report" json "$module" -- "$vmlinux" >"$t_tmp/api.json" 2>"$t_tmp/api.err"
	api_rc=$?
	"$KBTF" validate "$module" --kernel "$vmlinux" --format json >"$t_tmp/cli.json" 2>/dev/null
	cli_rc=$?
	untimed() { sed -E 's/"(total_ms|time_us|time_ms|ms)": [0-9.]+/"\1": N/g' "$1"; }
	if [ "$api_rc" = "$cli_rc" ] && [ -s "$t_tmp/api.json" ] &&
		cmp -s <(untimed "$t_tmp/api.json") <(untimed "$t_tmp/cli.json"); then
		t_ok "it writes kbtf validate's JSON report, timings aside, and its exit code ($api_rc)"
	else
		t_fail "example: exit $api_rc, kbtf validate $cli_rc; reports differ: $(diff <(untimed "$t_tmp/api.json") <(untimed "$t_tmp/cli.json") | head -n 4 | tr '\n' ' ')"
	fi
	# the seed module's this_module is not 6.12.113's struct module size: the
	# loader's ELF checks refuse it first
	t_grep "and one line per pair from the results" "^fuzzmod on 6\.12\.113\+deb12-amd64: elf-rejected, refused$" "$t_tmp/api.err"
fi

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

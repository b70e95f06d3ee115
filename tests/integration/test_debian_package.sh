#!/bin/bash
# The Debian package of kbtf (debian/), built here without installing it:
# dpkg-buildpackage in a copy of the tree, lintian clean (errors and
# warnings; the accepted ones are overridden in debian/ with their reason),
# and the files where docs/debian-package.md says they go, with the
# compiled-in paths to match. Installing and using it is
# tests/integration/fresh/package.sh's job, inside a fresh Debian 12 root.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null ||
		t_skip_all "$tool missing (.ci/debian-packages.txt lists dpkg-dev, debhelper, lintian)"
done

installed_before=$(dpkg-query -W -f='${Package} ${Status}\n' kbtf libkbtf-dev 2>/dev/null)

# ---- build, in a copy: dpkg-buildpackage writes into the tree and beside it
build=$t_tmp/kbtf
mkdir -p "$build"
tar -C "$KBTF_ROOT" --exclude=./build --exclude=./.git --exclude=./debian/build \
	--exclude=./debian/tmp --exclude=./debian/kbtf --exclude=./debian/libkbtf-dev \
	--exclude=./debian/.debhelper -cf - . | tar -C "$build" -xf -
version=$(sed -n 's/^VERSION := //p' "$KBTF_ROOT/Makefile")
t_check "debian/changelog's version is the Makefile's ($version)" \
	test "$(cd "$build" && dpkg-parsechangelog -S Version)" = "$version"
# KBTF_SUMMARY: under make check, the package's unit tests are not counted again
t_check "dpkg-buildpackage -b -us -uc" \
	env -u KBTF_SUMMARY sh -c "cd '$build' && dpkg-buildpackage -b -us -uc" || t_done

arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb=$t_tmp/kbtf_${version}_$arch.deb
dev=$t_tmp/libkbtf-dev_${version}_$arch.deb
t_check "kbtf_${version}_$arch.deb built" test -s "$deb" || t_done
t_check "libkbtf-dev_${version}_$arch.deb built" test -s "$dev" || t_done

lintian --fail-on error,warning "$t_tmp/kbtf_${version}_$arch.changes" >"$t_tmp/lintian.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then t_ok "lintian: no errors, no warnings"; else
	t_fail "lintian (exit $rc)"
	grep -v '^running with root' "$t_tmp/lintian.log" | head -n 20 | sed 's/^/    | /'
fi

# ---- what is in each package
dpkg-deb -c "$deb" | awk '{ print $1, $6 }' >"$t_tmp/kbtf.list"
dpkg-deb -c "$dev" | awk '{ print $1, $6 }' >"$t_tmp/libkbtf-dev.list"
has() { # has LIST MODE PATH: the package holds PATH (MODE a regex, e.g. -rwx)
	if grep -Eq "^$2[^ ]* \./${3#/}\$" "$t_tmp/$1.list"; then t_ok "$1 has $3"; else
		t_fail "$1 has no $3${2:+ (mode $2)}"; fi
}
has kbtf -rwx /usr/bin/kbtf
has kbtf -rwx /usr/lib/kbtf/kbtf-modload
has kbtf -rw- /usr/share/kbtf/kbtf.mk
for f in "$KBTF_ROOT"/templates/module/{Makefile,Kbuild,dkms.conf,__NAME__.c,.gitignore}; do
	has kbtf - "/usr/share/kbtf/templates/module/${f##*/}"
done
has kbtf -rwx /usr/share/kbtf/dkms/kbtf-dkms-post-build
has kbtf -rw- /usr/share/kbtf/dkms/kbtf.conf.example
has kbtf -rwx /usr/share/kbtf/ci/matrix/kbtf-matrix.sh
has kbtf - /usr/share/kbtf/ci/kernels/all.list
for m in "$KBTF_ROOT"/docs/man/*.[1-9].md; do
	p=$(basename "$m" .md)
	has kbtf - "/usr/share/man/man${p##*.}/$p.gz"
done
has kbtf - /usr/share/doc/kbtf/copyright
missing=""
for f in "$KBTF_ROOT"/sdk/include/kbtf/*.h; do
	grep -q " ./usr/include/kbtf/${f##*/}\$" "$t_tmp/libkbtf-dev.list" || missing="$missing ${f##*/}"
done
if [ -z "$missing" ]; then t_ok "libkbtf-dev has every public header"; else
	t_fail "libkbtf-dev lacks kbtf/:$missing"; fi
has libkbtf-dev - "/usr/lib/$multiarch/libkbtf.a"
has libkbtf-dev - "/usr/lib/$multiarch/pkgconfig/kbtf.pc"

t_check "no .ci/deps.sh nor its list: they install kbtf's own build dependencies" \
	sh -c "! grep -E 'ci/(deps\.sh|debian-packages\.txt)' '$t_tmp/kbtf.list'"
t_check "nothing under /usr/local or /etc" \
	sh -c "! grep -hE ' \./(usr/local|etc)/' '$t_tmp/kbtf.list' '$t_tmp/libkbtf-dev.list'"
t_check "the library, headers and kbtf.pc are in libkbtf-dev only" \
	sh -c "! grep -E 'libkbtf\.a|/include/|kbtf\.pc' '$t_tmp/kbtf.list'"

# ---- the control fields, and the paths compiled in
dpkg-deb -f "$deb" Depends Recommends >"$t_tmp/control"
t_grep "kbtf depends on dwarves (pahole)" '^Depends:.*\bdwarves\b' "$t_tmp/control"
t_grep "kbtf recommends dkms" '^Recommends:.*\bdkms\b' "$t_tmp/control"
root=$t_tmp/root
dpkg-deb -x "$deb" "$root" && dpkg-deb -x "$dev" "$root"
t_check "kbtf looks for its data in /usr/share/kbtf" \
	sh -c "strings '$root/usr/bin/kbtf' | grep -qx /usr/share/kbtf"
t_check "boot-test looks for its loader in /usr/lib/kbtf" \
	sh -c "strings '$root/usr/bin/kbtf' | grep -qx /usr/lib/kbtf/kbtf-modload"
t_check "the loader is static" sh -c "file '$root/usr/lib/kbtf/kbtf-modload' | grep -q 'statically linked'"
t_grep "kbtf.pc: libdir is the multiarch one" "^libdir=/usr/lib/$multiarch\$" \
	"$root/usr/lib/$multiarch/pkgconfig/kbtf.pc"
t_grep "kbtf.pc: includedir /usr/include" '^includedir=/usr/include$' \
	"$root/usr/lib/$multiarch/pkgconfig/kbtf.pc"

# The unpacked kbtf finds its data beside itself (BINDIR/../share/kbtf):
# what kbtf new copies is the package's, with the package's kbtf.mk.
(cd "$t_tmp" && env -u KBTF_DATA_DIR "$root/usr/bin/kbtf" new -q demo) >"$t_tmp/new.log" 2>&1
t_check "the package's kbtf new makes a project from the package's templates" \
	test -f "$t_tmp/demo/dkms.conf" -a -x "$t_tmp/demo/kbtf-dkms-post-build" -a \
	-x "$t_tmp/demo/ci/matrix/kbtf-matrix.sh" || sed 's/^/    | /' "$t_tmp/new.log"
t_grep "its Makefile names the packaged kbtf.mk" "^KBTF_MK .*$root/usr/share/kbtf/kbtf\.mk" \
	"$t_tmp/demo/Makefile"

t_check "nothing was installed or removed" test "$(dpkg-query -W -f='${Package} ${Status}\n' \
	kbtf libkbtf-dev 2>/dev/null)" = "$installed_before"

t_done

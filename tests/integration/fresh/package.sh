#!/bin/bash
# tests/integration/fresh/package.sh SRC: kbtf's Debian package, built,
# checked, installed and used the way a vendor would, on a Debian 12 where
# `make deps` has run in the source tree SRC. Meant for the fresh root of
# tests/integration/test_fresh_root.sh (run inside it, as root); on a
# developer's machine it works too and removes what it installed.
#
#   1. dpkg-buildpackage -b -us -uc, in a copy of SRC (SRC stays clean, the
#      .deb files land in a scratch directory); lintian: no errors;
#   2. apt-get install of kbtf and libkbtf-dev from those files;
#   3. with SRC hidden (an empty tmpfs over it in a mount namespace of its
#      own; in a chroot, whose / is no mount point and so cannot be made
#      private, SRC is moved away and back instead), from an empty
#      directory: kbtf new, make against Debian 12's 6.12 headers, dkms
#      add/build of the same project (its dkms.conf chains kbtf's make-hook, found on PATH), the
#      POST_BUILD way that `kbtf dkms enable --post-build` writes, a program
#      linked through kbtf.pc; the modules carry .BTF and .BTF.base
#      (kbtf inspect) and kbtf validate judges them;
#   4. dpkg --remove, which takes kbtf's block out of /etc/dkms/MODULE.conf
#      (debian/kbtf.prerm): DKMS builds must not go on calling a kbtf that
#      is gone.
#
# Prints "ok - ..." / "FAIL - ..." per check and closes with
# "N passed, N failed". Needs nothing from run.sh's environment.
set -u

krel=6.12.113+deb12-amd64
kdir=/usr/src/linux-headers-$krel
name=kbtfpkgdemo # a DKMS module name nothing else on the machine uses

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok - $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}

# check DESC CMD...: passes when CMD exits 0; its output is shown when not.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		fail "$desc (exit $rc: $*)"
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/    | /'
	fi
	return "$rc"
}

# logged LOG DESC CMD...: check, keeping CMD's output in LOG
logged() {
	local log=$1 desc=$2 rc
	shift 2
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		fail "$desc (exit $rc: $*)"
		tail -n 25 "$log" | sed 's/^/    | /'
	fi
	return "$rc"
}

# grep_in DESC REGEX FILE
grep_in() {
	if grep -Eq -- "$2" "$3"; then
		ok "$1"
	else
		fail "$1 (no line matches /$2/ in $3)"
		tail -n 25 "$3" 2>&1 | sed 's/^/    | /'
		return 1
	fi
}

done_line() {
	echo "${1:+$1: }$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# has_btf_base DESC MODULE: kbtf inspect finds .BTF and .BTF.base in it
has_btf_base() {
	local json
	json=$(kbtf inspect --json "$2" 2>&1)
	if printf '%s' "$json" | grep -q '"has_btf":true' &&
		printf '%s' "$json" | grep -q '"has_btf_base":true'; then
		ok "$1"
	else
		fail "$1 (kbtf inspect --json $2)"
		kbtf inspect "$2" 2>&1 | head -n 12 | sed 's/^/    | /'
	fi
}

dkms_clean() {
	dkms remove "$name/0.1.0" --all >/dev/null 2>&1
	rm -rf "/usr/src/$name-0.1.0" "/var/lib/dkms/$name" "/etc/dkms/$name.conf"
}

# ---------------------------------------------------------------- step 3
# Runs with SRC hidden; the directory it works in is $1. Ends with its own
# summary line, which the caller adds to its counts.
use_installed() {
	local work=$1 proj mod dtree
	cd "$work" || exit 1
	unset KBTF KBTF_DATA_DIR KBTF_MK KBTF_FLAGS
	check "the source tree is out of reach" test -z "$(ls -A "$src")"

	check "kbtf on PATH is the package's" test "$(command -v kbtf)" = /usr/bin/kbtf
	check "kbtf runs, version $version" sh -c "kbtf --version | grep -qF '$version'"

	# kbtf.mk finds the kbtf beside it: /usr/share/kbtf/../../bin/kbtf
	# shellcheck disable=SC2016 # $(KBTF) is for make
	printf 'include /usr/share/kbtf/kbtf.mk\nshow:\n\t@echo $(KBTF)\n' >"$work/mk.test"
	check "kbtf.mk picks /usr/bin/kbtf" \
		test "$(realpath -m "$(make -s -f "$work/mk.test" show)")" = /usr/bin/kbtf

	# ---- kbtf new, make
	logged "$work/new.log" "kbtf new $name (templates from /usr/share/kbtf)" kbtf new "$name"
	proj=$work/$name
	grep_in "the project's Makefile includes the installed kbtf.mk" \
		'^KBTF_MK .*/usr/share/kbtf/kbtf\.mk' "$proj/Makefile"
	check "the project has the POST_BUILD script, executable" test -x "$proj/kbtf-dkms-post-build"
	check "the project has the CI matrix script, executable" test -x "$proj/ci/matrix/kbtf-matrix.sh"

	logged "$work/make.log" "make against $kdir" make -C "$proj" KDIR="$kdir"
	mod=$proj/$name.ko
	check "make built $name.ko" test -s "$mod" &&
		has_btf_base "the module carries .BTF and .BTF.base" "$mod"
	logged "$work/validate.log" "kbtf validate: the module loads on $krel" \
		kbtf validate "$mod" --kernel "$kdir/vmlinux"

	# ---- DKMS: the project's own dkms.conf, kbtf's make-hook found on PATH
	dkms_clean
	check "kbtf new --dir /usr/src/$name-0.1.0" kbtf new -q "$name" --dir "/usr/src/$name-0.1.0"
	check "dkms add $name/0.1.0" dkms add "$name/0.1.0"
	logged "$work/dkms-build.log" "dkms build $name/0.1.0 -k $krel" \
		dkms build "$name/0.1.0" -k "$krel" ||
		tail -n 15 "/var/lib/dkms/$name/0.1.0/build/make.log" 2>&1 | sed 's/^/    | /'
	dtree=/var/lib/dkms/$name/0.1.0/$krel/$(uname -m)
	grep_in "the make-hook ran the packaged kbtf inside DKMS's make" \
		'kbtf dkms: 1 module\(s\): 1 embedded' "$dtree/log/make.log"
	mod=$(find "$dtree/module" -name "$name.ko*" 2>/dev/null | head -n 1)
	if [ -n "$mod" ]; then
		has_btf_base "DKMS's module carries .BTF and .BTF.base (${mod##*/})" "$mod"
		check "DKMS's module is signed" sh -c "kbtf inspect --json '$mod' | grep -q '\"signed\":true'"
		logged "$work/validate-dkms.log" "kbtf validate: DKMS's module loads on $krel" \
			kbtf validate "$mod" --kernel "$kdir/vmlinux"
	else
		fail "DKMS kept no module in $dtree/module"
	fi

	# ---- the POST_BUILD way an admin switches on: the block names
	# /usr/bin/kbtf relative to DKMS's build directory
	check "kbtf dkms enable $name --post-build" kbtf dkms enable "$name" --post-build
	grep_in "the block's POST_BUILD reaches /usr/bin/kbtf" \
		'POST_BUILD=.*/usr/bin/kbtf\)? dkms post-build' "/etc/dkms/$name.conf"
	logged "$work/dkms-post.log" "dkms build --force, with POST_BUILD" \
		dkms build "$name/0.1.0" -k "$krel" --force
	grep_in "POST_BUILD ran the packaged kbtf" 'kbtf dkms: 1 module\(s\)' "$work/dkms-post.log"
	check "kbtf dkms disable $name" kbtf dkms disable "$name"
	dkms_clean

	# ---- libkbtf-dev: a program through kbtf.pc
	cat >"$work/count.c" <<'C'
#include <stdio.h>
#include <kbtf/btf.h>
#include <kbtf/buf.h>
#include <kbtf/err.h>

int main(int argc, char **argv)
{
	struct kbtf_buf raw = { 0 };
	struct kbtf_btf *btf;

	if (argc != 2 || kbtf_buf_from_file(argv[1], &raw) ||
	    kbtf_btf_parse(raw.data, raw.size, NULL, &btf)) {
		fprintf(stderr, "%s\n", kbtf_errstr());
		return 1;
	}
	printf("%u\n", kbtf_btf_type_cnt(btf) - 1);
	kbtf_btf_free(btf);
	kbtf_buf_release(&raw);
	return 0;
}
C
	check "pkg-config finds kbtf.pc" pkg-config --exists kbtf
	# shellcheck disable=SC2046
	check "a program links against the installed libkbtf" \
		cc -std=gnu11 -Wall -Werror -o "$work/count" "$work/count.c" $(pkg-config --cflags --libs kbtf)
	if [ -r /sys/kernel/btf/vmlinux ] && [ -x "$work/count" ]; then
		check "and reads the running kernel's BTF" "$work/count" /sys/kernel/btf/vmlinux
	fi

	done_line "with the source tree hidden"
}

# ---------------------------------------------------------------- main
main() {
	src=${1:?usage: package.sh SRC (a kbtf source tree where make deps has run)}
	src=$(cd "$src" && pwd) || exit 1
	if [ "${2:-}" = --use ]; then
		# the copy run for step 3: SRC under an empty tmpfs, when in a
		# mount namespace of its own (else the caller has moved it away)
		version=$3
		[ "${5:-}" = --hide ] && { mount -t tmpfs -o size=1m kbtf-hidden "$src" || exit 1; }
		use_installed "$4"
		exit
	fi
	if [ "$(id -u)" -ne 0 ]; then
		fail "package.sh runs as root (dpkg, dkms)"
		done_line
		exit
	fi
	tmp=$(mktemp -d /tmp/kbtf-package.XXXXXX)
	installed_here=()
	moved=""
	cleanup() {
		cd /
		[ -z "$moved" ] || mv "$moved" "$src"
		dkms_clean
		[ ${#installed_here[@]} -eq 0 ] || dpkg --purge "${installed_here[@]}" >/dev/null 2>&1
		rm -rf "$tmp"
	}
	trap cleanup EXIT
	# step 3 runs a copy of this script: SRC, where it lives, is hidden then
	cp "$self" "$tmp/package.sh"

	# ---- 1. build in a copy of SRC without what builds left there
	build=$tmp/kbtf
	mkdir -p "$build"
	tar -C "$src" --exclude=./build --exclude=./.git --exclude=./debian/build \
		--exclude=./debian/tmp --exclude=./debian/kbtf --exclude=./debian/libkbtf-dev \
		--exclude=./debian/.debhelper -cf - . | tar -C "$build" -xf -
	version=$(sed -n 's/^VERSION := //p' "$build/Makefile")
	check "debian/changelog's version is the Makefile's ($version)" \
		test "$(cd "$build" && dpkg-parsechangelog -S Version)" = "$version"
	start=$(date +%s)
	if ! logged "$tmp/build.log" "dpkg-buildpackage -b -us -uc" \
		sh -c "cd '$build' && dpkg-buildpackage -b -us -uc"; then
		done_line
		exit
	fi
	echo "# built in $(($(date +%s) - start)) s"
	arch=$(dpkg --print-architecture)
	debs=()
	for p in kbtf libkbtf-dev; do
		f=$tmp/${p}_${version}_$arch.deb
		if [ -s "$f" ]; then ok "built ${f##*/}"; debs+=("$f"); else fail "no ${f##*/}"; fi
	done
	lintian --fail-on error "$tmp/kbtf_${version}_$arch.changes" >"$tmp/lintian.log" 2>&1
	rc=$?
	grep -E '^[EW]: ' "$tmp/lintian.log" | sed 's/^/    lintian: /'
	if [ "$rc" -eq 0 ]; then ok "lintian: no errors"; else
		fail "lintian (exit $rc)"
		tail -n 25 "$tmp/lintian.log" | sed 's/^/    | /'
	fi
	rm -rf "$build"

	# ---- 2. install, as a vendor would: apt resolves the Depends
	for p in kbtf libkbtf-dev; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			installed_here+=("$p")
	done
	logged "$tmp/install.log" "apt-get install ./kbtf_$version ./libkbtf-dev_$version" \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}"
	for f in /usr/bin/kbtf /usr/lib/kbtf/kbtf-modload /usr/share/kbtf/kbtf.mk \
		/usr/share/kbtf/templates/module/Makefile /usr/share/kbtf/dkms/kbtf-dkms-post-build \
		/usr/share/kbtf/ci/matrix/kbtf-matrix.sh /usr/share/kbtf/ci/kernels/all.list \
		/usr/share/man/man1/kbtf.1.gz /usr/include/kbtf/btf.h; do
		if [ -e "$f" ]; then ok "installed $f"; else fail "not installed: $f"; fi
	done
	check "the package holds no .ci/deps.sh" test ! -e /usr/share/kbtf/ci/deps.sh

	# ---- 3. use it, from an empty directory, SRC out of reach
	mkdir -p "$tmp/work"
	if unshare --mount --propagation private true 2>/dev/null; then
		echo "# $src hidden under an empty tmpfs, in a mount namespace"
		unshare --mount --propagation private \
			bash "$tmp/package.sh" "$src" --use "$version" "$tmp/work" --hide |
			tee "$tmp/use.log"
	else
		moved=$src.kbtf-package-away
		mv "$src" "$moved" || { fail "moving $src away"; done_line; exit; }
		mkdir "$src"
		echo "# $src moved away to $moved"
		bash "$tmp/package.sh" "$src" --use "$version" "$tmp/work" | tee "$tmp/use.log"
		rmdir "$src" && mv "$moved" "$src" && moved=""
	fi
	re='^with the source tree hidden: ([0-9]+) passed, ([0-9]+) failed$'
	if [[ "$(tail -n 1 "$tmp/use.log")" =~ $re ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		fail "the checks with the source tree hidden ended without their summary"
	fi

	# ---- 4. removal takes kbtf out of the DKMS builds it was chained into
	if [ ${#installed_here[@]} -eq 2 ]; then
		check "kbtf dkms enable $name" kbtf dkms enable "$name"
		logged "$tmp/remove.log" "dpkg --remove kbtf libkbtf-dev" dpkg --remove kbtf libkbtf-dev
		grep_in "removing it says so" "DKMS builds of $name no longer run kbtf" "$tmp/remove.log"
		check "/usr/bin/kbtf is gone" test ! -e /usr/bin/kbtf
		check "and so is its block in /etc/dkms/$name.conf" \
			sh -c "! grep -qsF '# >>> kbtf >>>' /etc/dkms/$name.conf"
	fi
	done_line
}

# main is a function, so bash has read it whole before SRC is hidden.
self=$(realpath "$0")
main "$@" 2>&1

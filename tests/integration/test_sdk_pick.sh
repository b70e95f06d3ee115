#!/bin/bash
# test_sdk_pick.sh: every way of building with the SDK gives a module the
# BTF the kernel it is built for can read, picked by that kernel's release,
# and says which and why:
#   6.1.0-56-amd64 (before 6.11: ignores .BTF.base)  plain split .BTF on the
#                                                   kernel's full BTF
#   6.12.113+deb12-amd64 (6.11 and later)           .BTF.base + split .BTF
# Ways: kbtf build, a vendor Makefile with kbtf.mk, a "kbtf new" project
# (the DKMS hooks: test_dkms.sh). Each module is judged on the Debian
# kernel package it was built for by kbtf validate, and by tools that are
# not kbtf: readelf (which sections), libbpf 1.5 (btfo: the plain split
# reads on 6.1's vmlinux, taken from the package without kbtf; the distilled
# one relocates onto 6.12's).
# Also: --plain-split and --distilled override the pick; kbtf.mk without any
# 6.1 base keeps the module and warns how to give one, as the DKMS hook does.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

R61=6.1.0-56-amd64
R612=6.12.113+deb12-amd64
KDIR61=/usr/src/linux-headers-$R61
KDIR612=/usr/src/linux-headers-$R612
T=$t_tmp

for d in "$KDIR61" "$KDIR612"; do
	[ -d "$d" ] || { t_fail "$d is installed (.ci/debian-packages.txt)"; t_done; }
done
# a private copy: a rebuild of build/kbtf by a parallel make cannot pull it away
mkdir -p "$T/bin"
cp "$KBTF" "$T/bin/kbtf"
KBTF=$T/bin/kbtf
export KBTF_DATA_DIR=$KBTF_ROOT
# a private kernel profile store and base cache: nothing of the host's stands in
export XDG_CACHE_HOME=$T/cache KBTF_CACHE_DIR=$T/basecache

DEB61=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "linux-image-$R61" | tail -n1)
DEB612=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "linux-image-$R612" | tail -n1)
[ -f "$DEB61" ] && [ -f "$DEB612" ] || { t_fail "the two Debian kernel packages are fetched"; t_done; }
[ -e "/boot/vmlinuz-$R61" ] &&
	t_fail "/boot/vmlinuz-$R61 exists here: the no-base case below would find it"
BTFO=$("$KBTF_ROOT/tests/oracle/build.sh" "$T/btfo" 2>"$T/btfo.log") || BTFO=
[ -n "$BTFO" ] || t_fail "libbpf oracle builds (tests/oracle/build.sh: $(tail -n1 "$T/btfo.log"))"
t_vmlinux_from_deb "$DEB61" "$T/vmlinux61" || t_fail "6.1's vmlinux unpacked from $DEB61"

# ------------------------------------------------------------- helpers

# form KO: plain (.BTF only), distilled (.BTF + .BTF.base) or none, by readelf
form() {
	local s
	s=$(readelf -SW "$1" 2>/dev/null)
	if grep -q ' \.BTF\.base ' <<<"$s"; then
		echo distilled
	elif grep -q ' \.BTF ' <<<"$s"; then
		echo plain
	else
		echo none
	fi
}

# expect_form DESC KO FORM
expect_form() {
	local got
	got=$(form "$2")
	if [ "$got" = "$3" ]; then
		t_ok "$1: $3"
	else
		t_fail "$1: $got, expected $3"
	fi
}

# usable DESC KO DEB BTF_FORM: kbtf validate on that kernel package: ok,
# loads, with that form of BTF (split or distilled)
usable() {
	local json=$T/v.json
	rm -f "$json"
	"$KBTF" validate "$2" --kernel "$3" -f json -o "$json" >/dev/null 2>&1
	if jq -e --arg f "$4" '.results[0] | (.verdict == "ok" or .verdict == "ok-unchecked") and .load == "loads" and
		.btf_form == $f and (.summary | test(if $f == "split" then "BTF registered"
		else "BTF relocates" end))' "$json" >/dev/null 2>&1; then
		t_ok "$1: kbtf validate on $(basename "$3" | cut -d_ -f1): ok, loads, $4 BTF"
	else
		t_fail "$1: kbtf validate: $(jq -c '.results[0] | [.verdict, .load, .btf_form, .summary]' "$json" 2>&1)"
	fi
}

# by_libbpf DESC KO FORM: the plain split parses on 6.1's own vmlinux (and
# names the module's struct); the distilled one relocates onto 6.12's
by_libbpf() {
	[ -n "$BTFO" ] || return 0
	if [ "$3" = plain ]; then
		[ -f "$T/vmlinux61" ] || return 0
		if "$BTFO" types "$2" "$T/vmlinux61" 2>&1 | grep -q "STRUCT '$4'"; then
			t_ok "$1: libbpf reads its .BTF as split on $R61's vmlinux"
		else
			t_fail "$1: libbpf does not read its .BTF on $R61's vmlinux"
			"$BTFO" types "$2" "$T/vmlinux61" 2>&1 | tail -n 3 | sed 's/^/    | /'
		fi
	else
		if "$BTFO" relocate-ko "$2" "$KDIR612/vmlinux" | grep -q '^relocate: OK'; then
			t_ok "$1: libbpf relocates it onto $R612"
		else
			t_fail "$1: libbpf does not relocate it onto $R612"
		fi
	fi
}

# said DESC LOG FORM RELEASE: the one line that says what was picked, and why
said() {
	case $3 in
	plain) t_grep "$1: says so: plain split for $4, kernels before 6.11 ignore .BTF.base" \
		"^kbtf: [a-z_0-9]+\.ko: plain split \.BTF on $4's full BTF \(kernels before 6\.11 ignore \.BTF\.base\)" "$2" ;;
	distilled) t_grep "$1: says so: distilled for $4, kernels since 6.11 relocate it" \
		"^kbtf: [a-z_0-9]+\.ko: distilled \.BTF\.base \+ split \.BTF for ${4//+/\\+} \(kernels since 6\.11" "$2" ;;
	esac
}

example() {
	rm -rf "$1"
	mkdir -p "$1"
	cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild} "$1/"
}

# ------------------------------------------------------------- kbtf build

# 6.1: its headers carry no vmlinux; the base is the image package
example "$T/b61"
"$KBTF" build -k $R61 -C "$T/b61" --base "$DEB61" >"$T/b61.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then t_ok "kbtf build -k $R61 --base DEB"; else
	t_fail "kbtf build -k $R61 --base DEB (exit $rc)"
	tail -n 10 "$T/b61.log" | sed 's/^/    | /'
fi
said "kbtf build $R61" "$T/b61.log" plain $R61
expect_form "kbtf build $R61" "$T/b61/kbtf_demo.ko" plain
usable "kbtf build $R61" "$T/b61/kbtf_demo.ko" "$DEB61" split
by_libbpf "kbtf build $R61" "$T/b61/kbtf_demo.ko" plain kbtf_demo

example "$T/b612"
"$KBTF" build -k $R612 -C "$T/b612" >"$T/b612.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then t_ok "kbtf build -k $R612"; else
	t_fail "kbtf build -k $R612 (exit $rc)"
	tail -n 10 "$T/b612.log" | sed 's/^/    | /'
fi
said "kbtf build $R612" "$T/b612.log" distilled $R612
expect_form "kbtf build $R612" "$T/b612/kbtf_demo.ko" distilled
usable "kbtf build $R612" "$T/b612/kbtf_demo.ko" "$DEB612" distilled
by_libbpf "kbtf build $R612" "$T/b612/kbtf_demo.ko" distilled

# the options override the pick, and say so
example "$T/o61"
"$KBTF" build -k $R61 -C "$T/o61" --base "$DEB61" --distilled >"$T/o61.log" 2>&1
expect_form "kbtf build $R61 --distilled" "$T/o61/kbtf_demo.ko" distilled
t_grep "  ... the line says it was asked for, and that $R61 ignores .BTF.base" \
	"distilled .*as asked \(--distilled\).*$R61 ignores \.BTF\.base" "$T/o61.log"
t_grep "  ... and the warning says what that kernel does with it" \
	"warning: .*kernel $R61 predates \.BTF\.base" "$T/o61.log"
cp "$T/o61/kbtf_demo.ko" "$T/again61.ko"
"$KBTF" distill "$T/again61.ko" --base "$DEB61" >"$T/again61.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/again61.ko" "$T/o61/kbtf_demo.ko"; then
	t_ok "kbtf distill again on that module, no option: left alone (re-running is safe)"
else
	t_fail "kbtf distill again on a distilled $R61 module: exit $rc, or the file changed"
fi
t_grep "  ... with a warning that $R61 ignores its .BTF.base" \
	"warning: .*already distilled, but kernel $R61 predates \.BTF\.base" "$T/again61.log"
example "$T/o612"
"$KBTF" build -k $R612 -C "$T/o612" --plain-split >"$T/o612.log" 2>&1
expect_form "kbtf build $R612 --plain-split" "$T/o612/kbtf_demo.ko" plain
usable "kbtf build $R612 --plain-split" "$T/o612/kbtf_demo.ko" "$DEB612" split
t_exit 2 "--plain-split with --distilled is refused" \
	"$KBTF" build -k $R612 -C "$T/o612" --plain-split --distilled

# kbtf distill on a 6.1 module as kbuild built it (no BTF): the same pick
make -s -C "$KDIR61" M="$T/o61" clean >/dev/null 2>&1
make -s -C "$KDIR61" M="$T/o61" modules >/dev/null 2>&1
expect_form "plain kbuild on $R61 headers" "$T/o61/kbtf_demo.ko" none
"$KBTF" distill "$T/o61/kbtf_demo.ko" --base "$DEB61" >"$T/d61.log" 2>&1
said "kbtf distill, a $R61 module" "$T/d61.log" plain $R61
expect_form "kbtf distill, a $R61 module" "$T/o61/kbtf_demo.ko" plain

# ------------------------------------------------------------- kbtf.mk

V=$T/vendor
mkvendor() {
	rm -rf "$V"
	mkdir -p "$V"
	cp "$KBTF_ROOT/sdk/example/kbtf_demo.c" "$V/"
	cat >"$V/Makefile" <<-EOF
		obj-m := kbtf_demo.o
		KDIR ?= /lib/modules/\$(shell uname -r)/build
		all:
		$(printf '\t')\$(MAKE) -C \$(KDIR) M=\$(CURDIR) modules
		include $KBTF_ROOT/sdk/kbtf.mk
	EOF
}

# no 6.1 base anywhere (empty store, nothing in /boot): kept, with a warning
mkvendor
make -C "$V" KDIR="$KDIR61" KBTF="$KBTF" >"$T/mk0.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -f "$V/kbtf_demo.ko" ]; then
	t_ok "kbtf.mk, $R61, no base anywhere: make succeeds, the module is kept"
else
	t_fail "kbtf.mk, $R61, no base anywhere: make exit $rc, module $(ls "$V"/*.ko 2>/dev/null || echo deleted)"
	tail -n 10 "$T/mk0.log" | sed 's/^/    | /'
fi
expect_form "  ... as plain kbuild leaves it" "$V/kbtf_demo.ko" none
t_grep "  ... the warning says why" "kbtf: warning: no BTF found for kernel $R61" "$T/mk0.log"
t_grep "  ... and how to give the base: KBTF_FLAGS='--base FILE'" \
	"kbtf: warning: .*kept without BTF.*KBTF_FLAGS='--base FILE'" "$T/mk0.log"
t_grep "  ... or kbtf kernels fetch" "kbtf kernels fetch debian:linux-image-$R61" "$T/mk0.log"
mkvendor
make -C "$V" KDIR="$KDIR61" KBTF="$KBTF" KBTF_FLAGS=--missing-base=fail >"$T/mk1.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "kbtf: no BTF found for kernel $R61" "$T/mk1.log"; then
	t_ok "kbtf.mk, KBTF_FLAGS=--missing-base=fail: the build fails (exit $rc), saying why"
else
	t_fail "kbtf.mk, KBTF_FLAGS=--missing-base=fail: make exit $rc"
	tail -n 10 "$T/mk1.log" | sed 's/^/    | /'
fi

# the base named in KBTF_FLAGS
mkvendor
make -C "$V" KDIR="$KDIR61" KBTF="$KBTF" KBTF_FLAGS="--base $DEB61" >"$T/mk61.log" 2>&1 ||
	{ t_fail "kbtf.mk, $R61, KBTF_FLAGS=--base DEB"; tail -n 10 "$T/mk61.log" | sed 's/^/    | /'; }
said "kbtf.mk $R61" "$T/mk61.log" plain $R61
expect_form "kbtf.mk $R61" "$V/kbtf_demo.ko" plain
usable "kbtf.mk $R61" "$V/kbtf_demo.ko" "$DEB61" split
by_libbpf "kbtf.mk $R61" "$V/kbtf_demo.ko" plain kbtf_demo

mkvendor
make -C "$V" KDIR="$KDIR612" KBTF="$KBTF" >"$T/mk612.log" 2>&1 ||
	{ t_fail "kbtf.mk, $R612"; tail -n 10 "$T/mk612.log" | sed 's/^/    | /'; }
said "kbtf.mk $R612" "$T/mk612.log" distilled $R612
expect_form "kbtf.mk $R612" "$V/kbtf_demo.ko" distilled
usable "kbtf.mk $R612" "$V/kbtf_demo.ko" "$DEB612" distilled

# ------------------------------------------------------------- kbtf new

# the 6.1 base from the (private) kernel profile store, as the warning says
t_check "kbtf kernels add the $R61 package (private store)" "$KBTF" kernels add "$DEB61"
(cd "$T" && "$KBTF" new -q newmod)
for r in $R61 $R612; do
	make -s -C "$T/newmod" clean >/dev/null 2>&1
	make -C "$T/newmod" KVER=$r KBTF="$KBTF" >"$T/new.log" 2>&1 ||
		{ t_fail "kbtf new project: make KVER=$r"; tail -n 10 "$T/new.log" | sed 's/^/    | /'; continue; }
	if [ $r = $R61 ]; then
		t_grep "kbtf new project $r: the base is the stored profile" \
			"kbtf: base: stored kernel profile" "$T/new.log"
		said "kbtf new project $r" "$T/new.log" plain $r
		expect_form "kbtf new project $r" "$T/newmod/newmod.ko" plain
		usable "kbtf new project $r" "$T/newmod/newmod.ko" "$DEB61" split
		by_libbpf "kbtf new project $r" "$T/newmod/newmod.ko" plain newmod_state
	else
		said "kbtf new project $r" "$T/new.log" distilled $r
		expect_form "kbtf new project $r" "$T/newmod/newmod.ko" distilled
		usable "kbtf new project $r" "$T/newmod/newmod.ko" "$DEB612" distilled
	fi
done

t_done

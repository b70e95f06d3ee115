#!/bin/bash
# test_dkms.sh: kbtf with the real DKMS (3.0.10, Debian 12), both ways,
# for two kernels: 6.12.113+deb12-amd64 (headers with a BTF-only vmlinux;
# DKMS compresses with xz) and 6.1.0-56-amd64 (headers without vmlinux:
# kbtf encodes BTF from DWARF against the 6.1 boot image fetched from
# Debian; DKMS leaves the module uncompressed there).
#
# Modules: a project made by "kbtf new", whose dkms.conf carries the hook,
# and the real Debian package acpi-call-dkms, switched on with
# "kbtf dkms enable". For each: the module DKMS keeps carries the BTF its
# kernel reads, as the hook says (.BTF + .BTF.base for 6.12; a plain split
# .BTF for 6.1, which ignores .BTF.base), kbtf validate judges it usable on
# the Debian kernel package it was built for, it is still signed (the
# PKCS#7 signature verifies against DKMS's own certificate), keeps its
# compression, and "dkms install" puts that very file in place. Then the
# failure policies: on-error=fail fails the build, warn keeps the module
# without BTF, a POST_BUILD failure is ignored by DKMS. Everything added to
# DKMS is removed at the end.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

[ "$(id -u)" -eq 0 ] || t_skip_all "DKMS builds and installs need root"

K612=6.12.113+deb12-amd64
K61=6.1.0-56-amd64
dkms_tree=/var/lib/dkms
proj=kbtfdkmstest
pver=0.1.0
pkg=acpi-call
pkgver=1.2.2
pkgmod=acpi_call
# a private profile store, so no profile of the host's stands in for a base
export XDG_CACHE_HOME=$t_tmp/cache
# DKMS runs the hooks minutes later: a private copy of kbtf, so a rebuild of
# build/kbtf meanwhile (make in the same tree) cannot pull it away
mkdir -p "$t_tmp/bin"
cp "$KBTF" "$t_tmp/bin/kbtf"
KBTF=$t_tmp/bin/kbtf
export KBTF KBTF_DATA_DIR=$KBTF_ROOT

for kv in $K612 $K61; do
	[ -d /lib/modules/$kv/build ] || { t_fail "headers for $kv are not installed (.ci/debian-packages.txt)"; t_done; }
done
command -v dkms >/dev/null || { t_fail "dkms is not installed (.ci/debian-packages.txt)"; t_done; }
if dkms status 2>/dev/null | grep -q "^$pkg/"; then
	t_fail "$pkg is in DKMS already (a real install?); not touching it"
	t_done
fi
if [ -e /etc/dkms/$pkg.conf ]; then
	t_fail "/etc/dkms/$pkg.conf exists already; not touching it"
	t_done
fi

cleanup() {
	dkms remove $proj/$pver --all >/dev/null 2>&1
	dkms remove $pkg/$pkgver --all >/dev/null 2>&1
	rm -rf /usr/src/$proj-$pver /usr/src/$pkg-$pkgver
	"$KBTF" dkms disable $pkg >/dev/null 2>&1
	rm -rf "$t_tmp"
}
trap cleanup EXIT
cleanup_start() {
	dkms remove $proj/$pver --all >/dev/null 2>&1
	dkms remove $pkg/$pkgver --all >/dev/null 2>&1
	rm -rf /usr/src/$proj-$pver /usr/src/$pkg-$pkgver
}
cleanup_start

# --- the 6.1 base: Debian's boot image, since its headers have no vmlinux
deb61=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-$K61) ||
	{ t_fail "fetch linux-image-$K61"; t_done; }
deb612=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm linux-image-$K612) ||
	{ t_fail "fetch linux-image-$K612"; t_done; }
dpkg-deb -x "$deb61" "$t_tmp/img61"
vmlinuz61=$t_tmp/img61/boot/vmlinuz-$K61
t_check "the 6.1 boot image is there" test -s "$vmlinuz61"
export KBTF_DKMS_BASE="$t_tmp/img61/boot/vmlinuz-%k"

# --- helpers

# sig_verify MODULE: the appended PKCS#7 signature verifies with DKMS's certificate
sig_verify() {
	local m=$1 d=$t_tmp/sig sz siglen
	rm -rf "$d"
	mkdir -p "$d"
	case $m in
	*.xz) xz -dc "$m" >"$d/m" ;;
	*.zst) zstd -qdc "$m" >"$d/m" ;;
	*.gz) gzip -dc "$m" >"$d/m" ;;
	*) cp "$m" "$d/m" ;;
	esac || return 1
	[ "$(tail -c 28 "$d/m")" = "~Module signature appended~" ] || { echo "no signature trailer"; return 1; }
	sz=$(stat -c %s "$d/m")
	siglen=$(tail -c 40 "$d/m" | head -c 12 | tail -c 4 | od -An -tu1 |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((sz - 40 - siglen)) "$d/m" >"$d/body"
	tail -c $((siglen + 40)) "$d/m" | head -c "$siglen" >"$d/sig"
	openssl x509 -inform DER -in $dkms_tree/mok.pub -out "$d/cert.pem" || return 1
	openssl cms -verify -binary -inform DER -in "$d/sig" -content "$d/body" \
		-certfile "$d/cert.pem" -nointern -noverify -out /dev/null
}

# json_has FILE KEY VALUE: the JSON in FILE has "KEY":VALUE
json_has() {
	grep -q "\"$2\":$3" "$1"
}

# check_kept MODULE_NAME DKMS_MODULE VERSION KERNEL WAY: what DKMS keeps and installs
check_kept() {
	local name=$1 m=$2 v=$3 kv=$4 way=$5 suffix dir f json inst base form deb said
	dir=$dkms_tree/$m/$v/$kv/x86_64/module
	case $kv in
	$K612) suffix=.ko.xz base=true form=distilled deb=$deb612 \
		said="distilled \.BTF\.base \+ split \.BTF for ${kv//+/\\+} \(kernels since 6\.11" ;;
	*) suffix=.ko base=false form=split deb=$deb61 \
		said="plain split \.BTF on $kv's full BTF \(kernels before 6\.11 ignore \.BTF\.base\)" ;;
	esac
	f=$dir/$name$suffix
	t_check "$m $kv ($way): DKMS kept $name$suffix" test -f "$f" || return
	json=$t_tmp/inspect.json
	"$KBTF" inspect --json "$f" >"$json" 2>&1
	if json_has "$json" has_btf true && json_has "$json" has_btf_base $base; then
		t_ok "$m $kv ($way): it carries .BTF$([ $base = true ] && echo ' and .BTF.base' || echo ', no .BTF.base')"
	else
		t_fail "$m $kv ($way): not the BTF $kv reads in $f (.BTF.base expected: $base)"
		head -c 600 "$json" | sed 's/^/    | /'
	fi
	t_grep "$m $kv ($way): the hook said what it picked and why" "kbtf dkms: .*$said" "$t_tmp/said.log"
	"$KBTF" validate "$f" --kernel "$deb" -f json -o "$t_tmp/validate.json" >/dev/null 2>&1
	if jq -e --arg f $form '.results[0] | (.verdict == "ok" or .verdict == "ok-unchecked") and .load == "loads" and
		.btf_form == $f' "$t_tmp/validate.json" >/dev/null 2>&1; then
		t_ok "$m $kv ($way): kbtf validate on linux-image-$kv: ok, loads, $form BTF"
	else
		t_fail "$m $kv ($way): kbtf validate: $(jq -c '.results[0] | [.verdict, .load, .btf_form, .summary]' "$t_tmp/validate.json" 2>&1)"
	fi
	if json_has "$json" signed true; then
		t_ok "$m $kv ($way): still signed"
	else
		t_fail "$m $kv ($way): the signature is gone"
	fi
	t_check "$m $kv ($way): the signature verifies with DKMS's mok.pub" sig_verify "$f"
	t_check "$m $kv ($way): dkms install" dkms install "$m/$v" -k "$kv" --force
	inst=$(find /lib/modules/$kv/updates /lib/modules/$kv/extra -name "$name$suffix" 2>/dev/null | head -n1)
	if [ -n "$inst" ] && cmp -s "$inst" "$f"; then
		t_ok "$m $kv ($way): installed as $inst, the same bytes"
	else
		t_fail "$m $kv ($way): not installed, or not that file (${inst:-none})"
	fi
	dkms uninstall "$m/$v" -k "$kv" >/dev/null 2>&1
}

# build M V KERNEL WAY: what the hook said goes to $t_tmp/said.log (the
# make-hook's lines are in make.log, POST_BUILD's on DKMS's terminal)
build() {
	local rc
	dkms build "$1/$2" -k "$3" --force >"$t_tmp/said.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		t_ok "$1 $3 ($4): dkms build"
	else
		t_fail "$1 $3 ($4): dkms build (exit $rc)"
		tail -n 20 "$t_tmp/said.log" | sed 's/^/    | /'
	fi
	cat "$dkms_tree/$1/$2/$3/x86_64/log/make.log" >>"$t_tmp/said.log" 2>/dev/null
	return $rc
}

# --- 1. a project made by "kbtf new"
(cd "$t_tmp" && "$KBTF" new -q $proj --version $pver)
t_check "kbtf new made a dkms.conf with the hook" grep -q "dkms make-hook" "$t_tmp/$proj/dkms.conf"
cp -r "$t_tmp/$proj" /usr/src/$proj-$pver
t_check "dkms add $proj" dkms add $proj/$pver

# the 6.1 build is also validated (KBTF_DKMS_VALIDATE) against a stored 6.1 profile
t_check "kbtf kernels add the 6.1 image (private store)" \
	"$KBTF" kernels add "$vmlinuz61"
for kv in $K612 $K61; do
	if [ $kv = $K61 ]; then
		export KBTF_DKMS_VALIDATE=$K61
	fi
	build $proj $pver $kv make-hook && check_kept $proj $proj $pver $kv make-hook
	unset KBTF_DKMS_VALIDATE
	# dkms.conf's KCFLAGS: the module is compiled with the access plugin
	"$KBTF" inspect "$(ls $dkms_tree/$proj/$pver/$kv/x86_64/module/$proj.ko*)" >"$t_tmp/acc.out" 2>&1
	t_grep "$proj $kv (make-hook): the module carries the access record" \
		'access record: [0-9]+ places' "$t_tmp/acc.out"
done
n=$(find "$XDG_CACHE_HOME/kbtf/access" -name kbtf_access.so | wc -l)
t_check "... from one cached plugin per compiler (6.1: gcc-12, 6.12: x86_64-linux-gnu-gcc-12)" test "$n" -eq 2
report=$dkms_tree/$proj/$pver/$K61/x86_64/log/$proj.ko.kbtf-report.txt
t_check "KBTF_DKMS_VALIDATE: the report is kept beside make.log" test -s "$report" &&
	t_grep "... and it judges the module on $K61" "$K61" "$report"
"$KBTF" kernels rm $K61 >/dev/null

# the POST_BUILD way, as the project's dkms.conf describes it
conf=/usr/src/$proj-$pver/dkms.conf
sed -i -e '/^MAKE\[0\]=.*make-hook/d' -e 's/^#MAKE\[0\]=/MAKE[0]=/' -e 's/^#POST_BUILD=/POST_BUILD=/' \
	-e 's/^#STRIP\[0\]=/STRIP[0]=/' "$conf"
t_check "the project's dkms.conf switched to POST_BUILD" grep -q '^POST_BUILD=' "$conf"
for kv in $K612 $K61; do
	build $proj $pver $kv post-build && check_kept $proj $proj $pver $kv post-build
done

# --- 2. a real Debian *-dkms package, switched on by the admin
deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm $pkg-dkms) || { t_fail "fetch $pkg-dkms"; t_done; }
dpkg-deb -x "$deb" "$t_tmp/pkg"
cp -r "$t_tmp/pkg/usr/src/$pkg-$pkgver" /usr/src/
t_check "dkms add $pkg (Debian's $pkg-dkms)" dkms add $pkg/$pkgver

t_check "kbtf dkms enable $pkg --fail" "$KBTF" dkms enable $pkg --fail
t_grep "/etc/dkms/$pkg.conf chains the make-hook" "dkms make-hook" /etc/dkms/$pkg.conf
for kv in $K612 $K61; do
	build $pkg $pkgver $kv make-hook && check_kept $pkgmod $pkg $pkgver $kv make-hook
	# the block's make also loads the access plugin (the cached one)
	"$KBTF" inspect "$(ls $dkms_tree/$pkg/$pkgver/$kv/x86_64/module/$pkgmod.ko*)" >"$t_tmp/acc.out" 2>&1
	t_grep "$pkg $kv (make-hook): the module carries the access record" \
		'access record: [0-9]+ places' "$t_tmp/acc.out"
done
n=$(find "$XDG_CACHE_HOME/kbtf/access" -name kbtf_access.so | wc -l)
t_check "... from the plugins the project's builds cached (still 2)" test "$n" -eq 2

t_check "kbtf dkms enable $pkg --post-build --fail" "$KBTF" dkms enable $pkg --post-build --fail
t_grep "/etc/dkms/$pkg.conf sets POST_BUILD" "^POST_BUILD=" /etc/dkms/$pkg.conf
if grep -q "make-hook" /etc/dkms/$pkg.conf; then
	t_fail "enable --post-build left the make-hook block behind"
else
	t_ok "enable --post-build replaced the block"
fi
for kv in $K612 $K61; do
	build $pkg $pkgver $kv post-build && check_kept $pkgmod $pkg $pkgver $kv post-build
done

# --- 3. failure policies (no base for 6.1: no vmlinux, no /boot image, no profile)
unset KBTF_DKMS_BASE
[ -e /boot/vmlinuz-$K61 ] && t_fail "/boot/vmlinuz-$K61 exists here: the failure cases below would not fail"

"$KBTF" dkms enable $pkg --fail >/dev/null
out=$(dkms build $pkg/$pkgver -k $K61 --force 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	t_ok "make-hook, on-error=fail, no base: dkms build fails (exit $rc)"
else
	t_fail "make-hook, on-error=fail, no base: dkms build succeeded"
fi
log=$dkms_tree/$pkg/$pkgver/build/make.log
if grep -q "kbtf dkms: error: .*no BTF found for kernel $K61" "$log" 2>/dev/null; then
	t_ok "make.log says why: $(grep -m1 'kbtf dkms: error' "$log" | cut -c1-100)..."
else
	t_fail "make.log does not say why the hook failed"
	printf '%s\n' "$out" | tail -n 5 | sed 's/^/    | /'
fi

"$KBTF" dkms enable $pkg --warn >/dev/null
build $pkg $pkgver $K61 warn
f=$dkms_tree/$pkg/$pkgver/$K61/x86_64/module/$pkgmod.ko
"$KBTF" inspect --json "$f" >"$t_tmp/w.json" 2>&1
if json_has "$t_tmp/w.json" has_btf_base false; then
	t_ok "make-hook, on-error=warn: the module is kept, without .BTF.base"
else
	t_fail "make-hook, on-error=warn: unexpected module state"
fi
t_grep "make-hook, on-error=warn: make.log has the warning" "kbtf dkms: warning" \
	$dkms_tree/$pkg/$pkgver/$K61/x86_64/log/make.log
t_grep "  ... which names how to give the base: KBTF_DKMS_BASE or kbtf kernels fetch" \
	"Set KBTF_DKMS_BASE .*kbtf kernels fetch debian:linux-image-$K61" \
	$dkms_tree/$pkg/$pkgver/$K61/x86_64/log/make.log
t_check "on-error=warn: the module DKMS signed still verifies" sig_verify "$f"

"$KBTF" dkms enable $pkg --post-build --fail >/dev/null
out=$(dkms build $pkg/$pkgver -k $K61 --force 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "kbtf dkms: error"; then
	t_ok "POST_BUILD, on-error=fail, no base: kbtf fails, DKMS ignores it (exit 0)"
else
	t_fail "POST_BUILD failure: exit $rc, or no error shown"
	printf '%s\n' "$out" | tail -n 5 | sed 's/^/    | /'
fi
t_check "after the ignored POST_BUILD failure the module DKMS signed is intact" sig_verify "$f"

# --- 4. disable
t_check "kbtf dkms disable $pkg" "$KBTF" dkms disable $pkg
if [ -e /etc/dkms/$pkg.conf ]; then
	t_fail "disable left /etc/dkms/$pkg.conf"
else
	t_ok "disable removed /etc/dkms/$pkg.conf (it held nothing else)"
fi

t_done

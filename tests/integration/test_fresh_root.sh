#!/bin/bash
# tests/integration/test_fresh_root.sh: the README's first command, on a
# freshly installed Debian 12 rather than on this machine.
#
# A machine where every package is already installed cannot show a missing
# install step: the build finds what `make deps` should have installed. So
# this test makes a Debian 12 root as bare as a fresh install
# (`debootstrap --variant=minbase bookworm`: no compiler, no pkg-config, no
# headers), with the sources a Debian installer writes (bookworm,
# -updates, -security), copies the repository's tracked files in, and
# inside it (chroot) does what README tells a newcomer:
#
#     apt-get update && apt-get install make
#     make deps example
#
# then checks that the example module and its report came out. After that,
# each tests/integration/fresh/*.sh runs inside the same root (they need
# what `make deps` installed: the Debian package of kbtf, DKMS).
#
# The bootstrapped root (before anything is installed into it) is kept as a
# tarball under $KBTF_TEST_CACHE/roots and copied fresh for every run; the
# packages `make deps` installs are never cached, so every run installs
# them again. The kernel packages the example validates against are test
# data, fetched into $KBTF_TEST_CACHE, which is shared with the root.
. "$KBTF_ROOT/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || t_skip_all "needs root (debootstrap, chroot, mount)"

mirror=${KBTF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache_roots=$KBTF_TEST_CACHE/roots
seed=$cache_roots/bookworm-minbase.tar
root=$t_tmp/root
mounted=()

# Unmount what was bound into the root before anything is removed, so that
# removing the root never reaches /dev or the shared cache.
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
	done
	mounted=()
	if ! grep -q " $t_tmp" /proc/mounts; then
		rm -rf --one-file-system "$t_tmp"
	fi
}
trap cleanup EXIT

bind() {
	mkdir -p "$2"
	mount "${@:3}" "$1" "$2" && mounted+=("$2")
}

# ---- a fresh Debian 12 root
if ! command -v debootstrap >/dev/null; then
	t_fail "debootstrap is installed (.ci/debian-packages.txt lists it)"
	t_done
fi
if [ ! -s "$seed" ]; then
	mkdir -p "$cache_roots"
	echo "# debootstrap --variant=minbase bookworm (once; kept in $seed)"
	if ! debootstrap --variant=minbase bookworm "$t_tmp/seed" "$mirror" \
		>"$t_tmp/debootstrap.log" 2>&1; then
		t_fail "debootstrap --variant=minbase bookworm"
		tail -n 20 "$t_tmp/debootstrap.log" | sed 's/^/    | /'
		t_done
	fi
	tar -C "$t_tmp/seed" -cf "$seed.tmp" . && mv "$seed.tmp" "$seed"
	rm -rf --one-file-system "$t_tmp/seed"
fi
mkdir -p "$root"
tar -C "$root" -xf "$seed"

# What the root lacks, that a fresh install has: the installer's sources,
# and a resolver. policy-rc.d keeps packages from starting services in a
# chroot.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

if [ -x "$root/usr/bin/make" ] || [ -x "$root/usr/bin/cc" ] ||
	[ -x "$root/usr/bin/pkg-config" ]; then
	t_fail "the bootstrapped root is bare (no make, cc or pkg-config)"
else
	t_ok "the bootstrapped root is bare (no make, cc or pkg-config)"
fi

bind proc "$root/proc" -t proc
bind sysfs "$root/sys" -t sysfs
bind /dev "$root/dev" --bind
bind devpts "$root/dev/pts" -t devpts
mkdir -p "$KBTF_TEST_CACHE"
bind "$KBTF_TEST_CACHE" "$root/var/cache/kbtf-test" --bind

# ---- a clean checkout: the repository's tracked files, nothing built
src=/root/kbtf
mkdir -p "$root$src"
git -C "$KBTF_ROOT" ls-files -z |
	tar -C "$KBTF_ROOT" --null -T - --ignore-failed-read -cf - 2>/dev/null |
	tar -C "$root$src" -xf -
if [ -f "$root$src/README.md" ] && [ ! -e "$root$src/build" ]; then
	t_ok "a clean copy of the repository is in the root"
else
	t_fail "a clean copy of the repository is in the root"
fi

in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive KBTF_DEBIAN_MIRROR="$mirror" "$@"
}

# ---- README: "apt-get update && apt-get install make", then the command
log=$t_tmp/readme.log
in_root /bin/sh -c 'apt-get update -q && apt-get install -y -q make' \
	>"$log" 2>&1
t_check "apt-get install make in the fresh root" test -x "$root/usr/bin/make" ||
	tail -n 20 "$log" | sed 's/^/    | /'

start=$(date +%s)
in_root /bin/sh -c "cd $src && make deps example" >"$log" 2>&1
rc=$?
echo "# make deps example: exit $rc after $(($(date +%s) - start)) s"
if [ "$rc" -eq 0 ]; then
	t_ok "make deps example runs to the end in a fresh Debian 12 root"
else
	t_fail "make deps example runs to the end in a fresh Debian 12 root (exit $rc)"
	tail -n 40 "$log" | sed 's/^/    | /'
fi

mod=$root$src/build/example/kbtf_demo.ko
t_check "the example module was built" test -s "$mod"
t_check "the module carries .BTF and .BTF.base" \
	sh -c "'$KBTF' inspect '$mod' | grep -q BTF.base"
t_grep "the steps ran in order" "==> done: $src/build/example/kbtf_demo.ko" "$log"
# the report's table: one row per kernel the example names, each with a
# verdict the example's README promises
t_grep "the report judges 6.12.113" \
	"kbtf_demo +6\.12\.113\+deb12-amd64 +ok" "$log"
# the rt kernel refuses it for its CRCs (read from the image), and the
# report names the rt config behind that as a cause of its own
t_grep "the report judges the rt kernel" \
	"kbtf_demo +6\.12\.113\+deb12-rt-amd64 +symbols" "$log"
t_grep "the report names PREEMPT_RT as a cause, with its fix" \
	"config-preempt-rt: spinlock" "$log"
t_grep "the report judges 6.1.0-56" "kbtf_demo +6\.1\.0-56-amd64 +symbols" "$log"

# ---- what needs the installed dependencies: each fresh/*.sh, in the root
for t in "$KBTF_ROOT"/tests/integration/fresh/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	out=$t_tmp/$name.log
	in_root /bin/bash "$src/tests/integration/fresh/$name" "$src" >"$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	last=$(grep -v '^[[:space:]]*$' "$out" | tail -n1)
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		t_passed=$((t_passed + BASH_REMATCH[1]))
		t_failed=$((t_failed + BASH_REMATCH[2]))
		[ "$rc" -eq 0 ] || [ "${BASH_REMATCH[2]}" -gt 0 ] ||
			t_fail "fresh/$name exited $rc after saying all passed"
	else
		t_fail "fresh/$name ends with a summary line (exit $rc)"
	fi
done

t_done

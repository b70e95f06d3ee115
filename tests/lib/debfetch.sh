#!/bin/sh
# debfetch.sh SUITE[:ARCH] PACKAGE...
#
# Download Debian packages of any suite the registry serves (bookworm,
# trixie, sid), of this machine's architecture or ARCH (arm64), into the
# test cache and print one .deb path per line.
# Suites other than the system's are reached through a private apt
# configuration under the cache: the system's sources are never touched.
#
# Cache: $KBTF_TEST_CACHE (default /var/cache/kbtf-test). A package already
# in the cache is not downloaded again.
set -eu

suite=${1:?usage: debfetch.sh SUITE[:ARCH] PACKAGE...}
shift
cache=${KBTF_TEST_CACHE:-/var/cache/kbtf-test}
mirror=${KBTF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# SUITE:ARCH (bookworm:arm64) reaches another architecture's packages
# through an index of its own; the machine's architecture needs no suffix.
arch=
case $suite in
*:*) arch=${suite#*:} suite=${suite%%:*} ;;
esac
[ "$arch" = "$(dpkg --print-architecture)" ] && arch=
root="$cache/apt/$suite${arch:+-$arch}"
debs="$cache/debs/$suite${arch:+-$arch}"
mkdir -p "$root/lists/partial" "$root/cache/archives/partial" "$debs"

# Released suites take kernel updates through -security and -updates (the
# 6.12.x+deb12 and newer 6.1.0-xx kernels are only there).
if [ ! -f "$root/sources.list" ] || ! grep -q -- "-security" "$root/sources.list"; then
	{
		echo "deb [signed-by=$keyring] $mirror $suite main"
		case $suite in
		sid | unstable | experimental) ;;
		*)
			echo "deb [signed-by=$keyring] $mirror $suite-updates main"
			echo "deb [signed-by=$keyring] ${mirror%/debian}/debian-security $suite-security main"
			;;
		esac
	} > "$root/sources.list"
	rm -f "$root/updated"
fi
aptopts="-o Dir::Etc::SourceList=$root/sources.list -o Dir::Etc::SourceParts=/dev/null \
 -o Dir::State::Lists=$root/lists -o Dir::Cache=$root/cache -o Dir::State::status=$root/status \
 -o APT::Sandbox::User=root -o Debug::NoLocking=1"
[ -z "$arch" ] || aptopts="$aptopts -o APT::Architecture=$arch -o APT::Architectures=$arch"
[ -f "$root/status" ] || : > "$root/status"

# refresh the private index at most once a day
stamp="$root/updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	# shellcheck disable=SC2086
	apt-get -q $aptopts update >&2
	touch "$stamp"
fi

for pkg in "$@"; do
	found=$(ls "$debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$found" ]; then
		# shellcheck disable=SC2086
		(cd "$debs" && apt-get -q $aptopts download "$pkg" >&2)
		found=$(ls "$debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
	fi
	[ -n "$found" ] || { echo "debfetch: $pkg not found in $suite" >&2; exit 1; }
	echo "$found"
done

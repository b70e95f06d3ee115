#!/bin/sh
# .ci/deps.sh: install every Debian 12 package kbtf's build and tests need,
# as listed in .ci/debian-packages.txt. Quick when everything is already
# installed: dpkg-query is asked first, apt only for what is missing.
#
# Runs as root; otherwise through sudo when there is one. Recommends are
# not installed (dkms would otherwise pull in the newest headers
# metapackage).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
list="$here/debian-packages.txt"

wanted=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')

# one dpkg-query for all: "name status" for every package dpkg knows of
# shellcheck disable=SC2086
known=$(dpkg-query -W -f='${Package} ${Status}\n' $wanted 2>/dev/null || true)
missing=""
for pkg in $wanted; do
	if ! printf '%s\n' "$known" | grep -qx "$pkg install ok installed"; then
		missing="$missing $pkg"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo "$wanted" | wc -l) packages installed"
	exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: not root and no sudo: install these as root:$missing" >&2
	exit 1
fi

$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
echo "deps: done"

#!/bin/bash
# test_bundle.sh: customer bundles on this machine's running kernel. The
# standalone kbtf-collect.sh (under dash, the POSIX sh Debian runs) and
# `kbtf kernels collect` write a tarball whose files are the machine's own
# (checked against /sys/kernel/btf/vmlinux, /proc/config.gz or
# /boot/config-REL, /proc/version); `kbtf kernels add` makes a profile of
# it, and the example module's verdict on that profile is its verdict on
# the running kernel. Damaged bundles are refused with exit 2.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

[ -r /sys/kernel/btf/vmlinux ] || t_skip_all "the running kernel has no /sys/kernel/btf/vmlinux"
command -v jq >/dev/null || t_skip_all "needs jq"
script=$KBTF_ROOT/sdk/collect/kbtf-collect.sh
rel=$(uname -r)
export XDG_CACHE_HOME=$t_tmp/xdg
w=$t_tmp/w
mkdir -p "$w"

# ------------------------------------------------------------ the script
if command -v dash >/dev/null; then
	t_check "kbtf-collect.sh is POSIX sh (dash -n)" dash -n "$script"
	sh=dash
else
	sh=sh
fi
if command -v shellcheck >/dev/null; then
	t_check "kbtf-collect.sh passes shellcheck -s sh" shellcheck -s sh "$script"
fi
"$KBTF" kernels collect --script >"$w/printed.sh"
cmp -s "$w/printed.sh" "$script" && t_ok "collect --script prints the script" ||
	t_fail "collect --script differs from $script"

# the script with nothing but coreutils, tar and gzip on PATH
mkdir -p "$w/bin"
for tool in sh cat mkdir mktemp rm mv date uname tar gzip; do
	p=$(command -v "$tool") && ln -s "$p" "$w/bin/$tool"
done
ln -sf "$(command -v "$sh")" "$w/bin/sh"
t_check "kbtf-collect.sh runs with only coreutils, tar and gzip" \
	env PATH="$w/bin" "$w/bin/sh" "$script" -o "$w/bundle.tar.gz"
mkdir -p "$w/x"
tar -xzf "$w/bundle.tar.gz" -C "$w/x"
b=$w/x/kbtf-bundle-$rel
[ -d "$b" ] && t_ok "one directory, kbtf-bundle-$rel" || t_fail "no kbtf-bundle-$rel in the tarball"
[ "$(head -n1 "$b/manifest")" = "kbtf-bundle 1" ] && t_ok "manifest starts with its magic" ||
	t_fail "manifest: $(head -n1 "$b/manifest")"
t_grep "manifest names the release" "^release=$(printf '%s' "$rel" | sed 's/[.+]/\\&/g')\$" "$b/manifest"
t_grep "manifest names the machine" "^machine=$(uname -m)\$" "$b/manifest"
cmp -s "$b/vmlinux.btf" /sys/kernel/btf/vmlinux && t_ok "vmlinux.btf is /sys/kernel/btf/vmlinux" ||
	t_fail "vmlinux.btf differs from /sys/kernel/btf/vmlinux"
if [ -r /proc/config.gz ]; then
	cmp -s "$b/config" /proc/config.gz && t_ok "config is /proc/config.gz" || t_fail "config differs from /proc/config.gz"
elif [ -r "/boot/config-$rel" ]; then
	cmp -s "$b/config" "/boot/config-$rel" && t_ok "config is /boot/config-$rel" || t_fail "config differs"
fi
cat /proc/version | cmp -s "$b/version" - && t_ok "version is /proc/version" || t_fail "version differs"
if [ -r /proc/modules ]; then
	n=$(wc -l </proc/modules)
	[ "$(wc -l <"$b/modules")" -eq "$n" ] && t_ok "one line per loaded module ($n)" ||
		t_fail "modules: $(wc -l <"$b/modules") lines, /proc/modules has $n"
else
	[ ! -s "$b/modules" ] && t_ok "no /proc/modules here (no module support): empty list" ||
		t_fail "modules list without /proc/modules"
fi
t_exit 2 "an unknown argument: exit 2" "$sh" "$script" --bogus

# ------------------------------------------------- collect, add, validate
(cd "$w" && "$KBTF" kernels collect >"$w/collect.out" 2>&1)
t_grep "kernels collect writes ./kbtf-bundle-REL.tar.gz" "wrote kbtf-bundle-.*\.tar\.gz" "$w/collect.out"
[ -s "$w/kbtf-bundle-$rel.tar.gz" ] && t_ok "the bundle is there" || t_fail "no $w/kbtf-bundle-$rel.tar.gz"
t_check "kernels add BUNDLE" "$KBTF" kernels add "$w/kbtf-bundle-$rel.tar.gz" --name bundle
"$KBTF" kernels list --json >"$w/list.json"
t_exit 0 "the profile has the running kernel's release, arch and config" \
	jq -e --arg r "$rel" --arg m "$(uname -m)" \
	'.profiles[] | select(.name == "bundle") | .release == $r and .arch == $m and .config' \
	"$w/list.json"
cmp -s "$XDG_CACHE_HOME/kbtf/kernels/bundle/btf" /sys/kernel/btf/vmlinux &&
	t_ok "the profile's BTF is the running kernel's" || t_fail "the profile's BTF differs"

build_rel=6.12.113+deb12-amd64
if [ -d "/usr/src/linux-headers-$build_rel" ]; then
	mkdir -p "$w/demo"
	cp "$KBTF_ROOT"/sdk/example/{kbtf_demo.c,Kbuild,Makefile} "$w/demo/"
	if t_check "build and distill the example against $build_rel" \
		"$KBTF" build -k "$build_rel" -C "$w/demo"; then
		verdict() {
			"$KBTF" validate "$w/demo/kbtf_demo.ko" --kernel "$1" -f json -o "$w/v.json" >/dev/null 2>&1
			jq -c '.results[0] | {release, verdict, load, problems: [.problems[] | [.kind, .name, .reason]]}' "$w/v.json"
		}
		want=$(verdict /sys/kernel/btf/vmlinux)
		got=$(verdict bundle)
		[ -n "$want" ] && [ "$got" = "$want" ] &&
			t_ok "the example's verdict on the bundle is its verdict on the running kernel ($(jq -r .verdict <<<"$got"))" ||
			t_fail "bundle: $got; running kernel: $want"
		got=$(verdict "$w/kbtf-bundle-$rel.tar.gz")
		[ "$got" = "$want" ] && t_ok "and on the tarball itself" || t_fail "tarball: $got"
	fi
fi

# ------------------------------------------------------------ bad bundles
cp -r "$b" "$w/nobtf"
rm "$w/nobtf/vmlinux.btf"
t_exit 2 "a bundle without vmlinux.btf: exit 2" "$KBTF" inspect "$w/nobtf"
"$KBTF" inspect "$w/nobtf" 2>&1 | grep -q "no vmlinux.btf" && t_ok "and it says why" || t_fail "no reason given"
cp -r "$b" "$w/badmagic"
echo "kbtf-bundle 9" >"$w/badmagic/manifest"
t_exit 2 "a manifest of another format: exit 2" "$KBTF" inspect "$w/badmagic"
head -c 3000 "$w/bundle.tar.gz" >"$w/cut.tar.gz"
t_exit 2 "a cut tarball: exit 2" "$KBTF" inspect "$w/cut.tar.gz"

t_done

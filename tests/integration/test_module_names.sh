#!/bin/bash
# Installed modules given by name, as modprobe takes them (kbtf inspect kvm,
# kbtf validate kvm-intel --kernel ...): looked up with libkmod in the
# module directory of a real Debian kernel installed on this machine
# (/lib/modules/$(uname -r) when it has modules, else the newest one that
# has, through --moddir). The expected files come from depmod's plain-text
# modules.dep, modules.alias and modules.builtin, read with grep, not
# through libkmod.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

command -v jq >/dev/null || t_skip_all "jq missing"

moddir=
for d in /lib/modules/$(uname -r) $(ls -d /lib/modules/*/ 2>/dev/null | sort -rV); do
	d=${d%/}
	if [ -s "$d/modules.dep" ] && grep -q '/kvm\.ko' "$d/modules.dep"; then
		moddir=$d
		break
	fi
done
[ -n "$moddir" ] || t_skip_all "no installed kernel with modules (and kvm) under /lib/modules"
release=${moddir##*/}
moddir_re=${moddir//+/\\+} # the release's '+' in a grep -E pattern
# dep_path NAME: the file modules.dep lists for module NAME ('-' and '_' are one)
dep_path() {
	local n=${1//-/[-_]}
	n=${n//_/[-_]}
	grep -E "(^|/)$n\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n1 | cut -d: -f1 |
		sed "s|^|$moddir/|"
}

# --- inspect
"$KBTF" inspect --moddir "$moddir" kvm >"$t_tmp/kvm.out" 2>&1
t_check "kbtf inspect --moddir $moddir kvm" test $? -eq 0
t_check "... reads the file modules.dep lists for kvm" \
	test "$(head -n1 "$t_tmp/kvm.out")" = "$(dep_path kvm)"
t_grep "... a kernel module named kvm" '^  name: kvm$' "$t_tmp/kvm.out"
"$KBTF" inspect --json --moddir "$moddir" kvm-intel >"$t_tmp/ki.json" 2>&1
t_check "kvm-intel: '-' and '_' are one, as for modprobe ($(dep_path kvm_intel))" \
	jq -e --arg p "$(dep_path kvm_intel)" '.[0].source == $p and .[0].name == "kvm_intel"' "$t_tmp/ki.json"
# an alias of modules.alias (fs-ext4: what mount asks modprobe for)
target=$(awk '$1 == "alias" && $2 == "fs-ext4" { print $3; exit }' "$moddir/modules.alias")
if [ -n "$target" ]; then
	"$KBTF" inspect --moddir "$moddir" fs-ext4 >"$t_tmp/alias.out" 2>&1
	t_check "an alias (fs-ext4 -> $target) is resolved as modprobe does" \
		test "$(head -n1 "$t_tmp/alias.out")" = "$(dep_path "$target")"
else
	t_ok "no fs-ext4 alias in $moddir/modules.alias: alias check skipped"
fi
# several names at once, mixed with a path
"$KBTF" inspect --json --moddir "$moddir" kvm "$(dep_path kvm_intel)" >"$t_tmp/two.json" 2>&1
t_check "a name and a path together: two modules" jq -e 'length == 2 and .[0].name == "kvm" and
	.[1].name == "kvm_intel"' "$t_tmp/two.json"

# what is not found: exit 2, one line naming the name and the directory
t_exit 2 "an unknown name: exit 2" "$KBTF" inspect --moddir "$moddir" kbtf_no_such_module
"$KBTF" inspect --moddir "$moddir" kbtf_no_such_module >"$t_tmp/nf.out" 2>"$t_tmp/nf.err"
t_check "... one line on stderr, nothing on stdout" test "$(wc -l <"$t_tmp/nf.err")" -eq 1 -a ! -s "$t_tmp/nf.out"
t_grep "... naming the name and where it was looked up" \
	"^kbtf: kbtf_no_such_module: no such file, and no module or alias of that name in $moddir_re " "$t_tmp/nf.err"
builtin=$(head -n1 "$moddir/modules.builtin" 2>/dev/null)
builtin=${builtin##*/}
builtin=${builtin%.ko}
if [ -n "$builtin" ] && [ -z "$(dep_path "$builtin")" ]; then
	"$KBTF" inspect --moddir "$moddir" "$builtin" >/dev/null 2>"$t_tmp/bi.err"
	t_grep "a module built into the kernel ($builtin, modules.builtin) is said to be so" \
		"^kbtf: $builtin: built into the kernel of $moddir_re \(modules.builtin\), no module file$" "$t_tmp/bi.err"
fi
mkdir -p "$t_tmp/empty"
"$KBTF" inspect --moddir "$t_tmp/empty" kvm >/dev/null 2>"$t_tmp/nodep.err"
t_grep "a directory without modules.dep: run depmod" "has no modules.dep .*run depmod" "$t_tmp/nodep.err"
if [ ! -d "/lib/modules/$(uname -r)" ]; then
	t_exit 2 "no --moddir and no /lib/modules/\$(uname -r): exit 2" "$KBTF" inspect kvm
	"$KBTF" inspect kvm 2>"$t_tmp/norun.err"
	t_grep "... saying to give --moddir" "no module directory /lib/modules/$(uname -r) .*--moddir" "$t_tmp/norun.err"
fi
# a file of that name in the working directory is the file, not the module
(cd "$t_tmp" && cp "$(dep_path kvm_intel)" kvm && "$KBTF" inspect --moddir "$moddir" kvm) >"$t_tmp/local.out" 2>&1
t_grep "a file named like a module is read as that file" '^  name: kvm_intel$' "$t_tmp/local.out"

# --- validate, against the Debian package of that very kernel
if deb=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "linux-image-$release" 2>/dev/null); then
	"$KBTF" validate --moddir "$moddir" kvm kvm-intel --kernel "$deb" -f json -o "$t_tmp/v.json" \
		>"$t_tmp/v.out" 2>&1
	t_check "kbtf validate --moddir DIR kvm kvm-intel --kernel linux-image-$release" test $? -eq 0
	t_check "... judges both modules: ok on the kernel they were built for" \
		jq -e '[.results[] | select(.verdict == "ok")] | length == 2' "$t_tmp/v.json"
	t_exit 2 "validate: an unknown name exits 2 before any work" \
		"$KBTF" validate --moddir "$moddir" kbtf_no_such_module --kernel "$deb"
else
	t_ok "linux-image-$release not fetchable from Debian: validate checks skipped"
fi
t_done

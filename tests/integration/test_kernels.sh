#!/bin/bash
# test_kernels.sh: kernel profiles on real Debian kernels. Fetch a bookworm
# 6.12, a bookworm 6.1 and a sid 7.2 kernel with `kbtf kernels fetch` from
# Debian's archive (6.12 and 7.2: the headers package alone; 6.1: image and
# headers), and a bookworm arm64 kernel; check what was stored against
# bpftool and the packages themselves, resolve sets, remove profiles; add
# from a .deb; refuse bad specs, unknown suites and sets.
#
# The profile store is a scratch XDG_CACHE_HOME. The repository metadata is
# kept in $KBTF_TEST_CACHE/kbtf-repos and the packages in
# $KBTF_TEST_CACHE/debs (tests/lib/debfetch.sh's layout), so a second run
# downloads nothing but the Release files of the day.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

for tool in gpgv bpftool lz4 jq objcopy dpkg-deb; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed"
done

export XDG_CACHE_HOME="$t_tmp/cache"
mkdir -p "$XDG_CACHE_HOME/kbtf" "$KBTF_TEST_CACHE/kbtf-repos" "$KBTF_TEST_CACHE/debs"
ln -s "$KBTF_TEST_CACHE/kbtf-repos" "$XDG_CACHE_HOME/kbtf/repos"
store="$XDG_CACHE_HOME/kbtf/kernels"
debs="$KBTF_TEST_CACHE/debs"
out="$t_tmp/out"

b612=6.12.113+deb12-amd64
b61=6.1.0-56-amd64
# a release as an extended regular expression
re() { printf '%s' "$1" | sed 's/[.+]/\\&/g'; }
r612=$(re "$b612")

# ---------------------------------------------------------------- fetch
"$KBTF" kernels fetch --dry-run "debian:linux-image-$b612" "debian:linux-image-$b61" >"$out" 2>&1
t_grep "--dry-run: 6.12 takes the headers alone, with its size" \
	"^debian/bookworm/amd64 $r612 +[0-9.]+ MB: linux-headers-$r612\$" "$out"
t_grep "--dry-run: 6.1's headers have no vmlinux: the image and the headers" \
	"^debian/bookworm/amd64 $b61 +[0-9.]+ MB: linux-image-$b61 linux-headers-$b61\$" "$out"
t_grep "--dry-run: a total in bytes" '^total: 2 kernels to fetch, .* \([0-9]+ bytes\)$' "$out"
"$KBTF" kernels fetch --deb-dir "$debs" "debian:linux-image-$b612" \
	'debian/sid:linux-image-7.2.*+deb14-amd64' "debian:linux-image-$b61" >"$out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && t_ok "fetch a bookworm 6.12, a sid 7.2 and a bookworm 6.1 kernel" ||
	{ t_fail "fetch exits $rc"; sed 's/^/    | /' "$out" | tail -n 5; }
t_grep "  ... 6.12: the headers package alone" "^\[1/3\] $r612: downloading linux-headers-$r612\$" "$out"
t_grep "  ... sid 7.2: the headers package alone" "^\[2/3\] 7\.2\.[0-9]+\+deb14-amd64: downloading linux-headers-7\.2\.[0-9]+\+deb14-amd64\$" "$out"
t_grep "  ... 6.1: image and headers" "^\[3/3\] $b61: downloading linux-image-$b61 linux-headers-$b61\$" "$out"
t_grep "  ... and a summary in bytes" '^3 stored, 0 already stored, 0 failed; .* \([0-9]+ bytes\); ' "$out"
"$KBTF" kernels fetch --deb-dir "$debs" "debian:linux-image-$b612" \
	'debian/sid:linux-image-7.2.*+deb14-amd64' "debian:linux-image-$b61" >"$out" 2>&1
t_grep "a second fetch finds all three stored" '^3 kernels, 0 to fetch, 3 stored already' "$out"
t_grep "and says so per kernel" "^\[2/3\] 7\.2\..*\+deb14-amd64: already stored" "$out"

sid=$(cd "$store" && ls -d 7.2.*+deb14-amd64 2>/dev/null | head -n1)
if [ -n "$sid" ]; then t_ok "sid profile is named by its release ($sid)"; else t_fail "no sid 7.2 profile in $store"; fi

# ----------------------------------------------------------------- list
"$KBTF" kernels list --json >"$t_tmp/list.json"
t_exit 0 "list --json is JSON" jq -e . "$t_tmp/list.json"
n=$(jq '.profiles | length' "$t_tmp/list.json")
if [ "$n" = 3 ]; then t_ok "three profiles listed"; else t_fail "listed $n profiles, expected 3"; fi
for name in "$b61" "$b612" "$sid"; do
	p=$(jq -c --arg n "$name" '.profiles[] | select(.name == $n)' "$t_tmp/list.json")
	if [ -z "$p" ]; then
		t_fail "$name is not listed"
		continue
	fi
	want_suite=bookworm
	case $name in 7.*) want_suite=sid ;; esac
	facts=$(jq -r '[.suite, .release, .config, .symvers, .btf.encoding] | join(" ")' <<<"$p")
	if [ "$facts" = "$want_suite $name true true raw" ]; then
		t_ok "$name: suite, release, config and Module.symvers recorded"
	else
		t_fail "$name: recorded '$facts', expected '$want_suite $name true true raw'"
	fi
done
"$KBTF" kernels list >"$out"
t_grep "text list names the 6.1 kernel with its package version" "^$b61 +bookworm +6\.1\.[0-9]+-[0-9]+ " "$out"
t_grep "text list ends with a total" '^3 profiles \(BTF [0-9.]+ MB\) in ' "$out"

# --------------------------------------------- what is stored is the kernel's
for name in "$b61" "$b612" "$sid"; do
	dir="$store/$name"
	want=$(bpftool btf dump file "$dir/btf" 2>/dev/null | grep -c '^\[')
	got=$(jq -r --arg n "$name" '.profiles[] | select(.name == $n) | .btf.types' "$t_tmp/list.json")
	size=$(jq -r --arg n "$name" '.profiles[] | select(.name == $n) | .btf.size' "$t_tmp/list.json")
	if [ "$want" -gt 50000 ] && [ "$got" = "$want" ]; then
		t_ok "$name: $got types, as bpftool counts in the stored BTF"
	else
		t_fail "$name: index says $got types, bpftool counts $want"
	fi
	if [ "$(stat -c %s "$dir/btf")" = "$size" ]; then
		t_ok "$name: the BTF has the $size bytes recorded"
	else
		t_fail "$name: BTF has $(stat -c %s "$dir/btf") bytes, index says $size"
	fi
	if [ "$(cat "$dir/release")" = "$name" ]; then t_ok "$name: release file"; else t_fail "$name: release file says $(cat "$dir/release")"; fi
done

# the config and Module.symvers are the packages' own (6.1.0-56's headers)
hdr=$(ls "$debs"/bookworm/linux-headers-${b61}_*.deb | head -n1)
mkdir -p "$t_tmp/hdr"
dpkg-deb -x "$hdr" "$t_tmp/hdr"
# (a profile keeps Module.symvers in its index, printed by kernels symvers)
t_check "6.1.0-56 Module.symvers is the headers package's" \
	cmp <("$KBTF" kernels symvers "$b61") "$t_tmp/hdr/usr/src/linux-headers-$b61/Module.symvers"
# 6.12's profile comes from its headers alone: their .config is the image's
# boot/config but for four build-time options
hdr=$(ls "$debs"/bookworm/linux-headers-${b612}_*.deb | head -n1)
dpkg-deb --fsys-tarfile "$hdr" | tar -x -C "$t_tmp" "./usr/src/linux-headers-$b612/.config"
t_check "6.12.113 config is the headers package's .config" \
	cmp <(zstd -dcq "$store/$b612/config") "$t_tmp/usr/src/linux-headers-$b612/.config"
img=$("$KBTF_ROOT/tests/lib/debfetch.sh" bookworm "linux-image-$b612")
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$t_tmp" "./boot/config-$b612"
d=$(diff "$t_tmp/boot/config-$b612" <(zstd -dcq "$store/$b612/config") | grep '^[<>]' | sed 's/=.*//' | tr '\n' ' ')
if [ "$d" = "> CONFIG_BUILD_SALT > CONFIG_MODULE_SIG_ALL > CONFIG_MODULE_SIG_KEY > CONFIG_SYSTEM_TRUSTED_KEYS " ]; then
	t_ok "  ... which is the image's boot/config plus four build-time options"
else
	t_fail "  ... differs from the image's boot/config in: $d"
fi
t_grep "sid 7.2 config says BTF mismatch is not allowed there" \
	'^# CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set' <(zstd -dcq "$store/$sid/config")

t_check "the 6.12 profile's BTF is the headers' vmlinux .BTF" \
	sh -c 'dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/linux-headers-$2/vmlinux" >"$3/v612" &&
		objcopy -O binary --only-section=.BTF "$3/v612" "$3/v612.btf" && cmp "$3/v612.btf" "$4/$2/btf"' \
	sh "$hdr" "$b612" "$t_tmp" "$store"

# the BTF is the kernel's own: the sid headers ship a BTF-only vmlinux whose
# .BTF is the boot image's
hdr=$(ls "$debs"/sid/linux-headers-${sid}_*.deb | head -n1)
dpkg-deb --fsys-tarfile "$hdr" | tar -xO "./usr/src/linux-headers-$sid/vmlinux" >"$t_tmp/vmlinux"
objcopy -O binary --only-section=.BTF "$t_tmp/vmlinux" "$t_tmp/sec.btf"
t_check "$sid: btf is byte for byte the .BTF of the headers' vmlinux" \
	cmp "$store/$sid/btf" "$t_tmp/sec.btf"

# --partial: only the head of 6.1's image package, the same profile
mkdir -p "$t_tmp/partial/kbtf" && ln -s "$KBTF_TEST_CACHE/kbtf-repos" "$t_tmp/partial/kbtf/repos"
XDG_CACHE_HOME=$t_tmp/partial "$KBTF" kernels fetch --partial "debian:linux-image-$b61" >"$out" 2>&1
t_grep "--partial: 6.1 takes a 12 MiB head of its image and the headers" \
	'^1 stored, 0 already stored, 0 failed; .* \(1[0-9]{7} bytes\)' "$out"
t_check "  ... and stores the same BTF as the whole package gave" \
	cmp "$t_tmp/partial/kbtf/kernels/$b61/btf" "$store/$b61/btf"
t_check "  ... and the same config" cmp "$t_tmp/partial/kbtf/kernels/$b61/config" "$store/$b61/config"

# ----------------------------------------------------- LZ4 on request
cp "$store/$b612/btf" "$t_tmp/before.btf"
t_check "re-store a profile as LZ4 (--compress)" "$KBTF" kernels add --force --compress "$b612"
"$KBTF" kernels list --json >"$t_tmp/list2.json"
facts=$(jq -r --arg n "$b612" '.profiles[] | select(.name == $n) |
	[.btf.encoding, .suite, .origin, (.btf.stored < .btf.size / 2)] | join(" ")' "$t_tmp/list2.json")
if [ "$facts" = "lz4 bookworm debian/bookworm:linux-image-$b612 true" ]; then
	t_ok "$b612: now LZ4, under half the size, origin kept"
else
	t_fail "$b612 after --compress: '$facts'"
fi
lz4 -dcq "$store/$b612/btf" >"$t_tmp/unpacked.btf" 2>/dev/null
t_check "the LZ4 frame unpacks (lz4 -d) to the same BTF" cmp "$t_tmp/unpacked.btf" "$t_tmp/before.btf"
t_check "kbtf reads the LZ4 profile back (inspect)" "$KBTF" inspect "$store/$b612"

# ----------------------------------------------------------------- sets
"$KBTF" kernels path '6.12.*' >"$out"
if [ "$(cat "$out")" = "$store/$b612" ]; then t_ok "glob 6.12.* resolves to the one 6.12 profile"; else t_fail "6.12.* resolved to: $(cat "$out")"; fi
"$KBTF" kernels path 'debian/sid:linux-image-7.2.*' >"$out"
if [ "$(cat "$out")" = "$store/$sid" ]; then t_ok "a debian/sid: spec resolves to the sid profile"; else t_fail "sid spec resolved to: $(cat "$out")"; fi
"$KBTF" kernels path all >"$out"
if [ "$(wc -l <"$out")" = 3 ] && [ "$(head -n1 "$out")" = "$store/$b61" ]; then
	t_ok "'all' gives three, oldest first"
else
	t_fail "'all' gave: $(tr '\n' ' ' <"$out")"
fi
printf '# two of them\n%s\ndebian/sid:linux-image-%s   # sid\n' "$b612" "$sid" >"$t_tmp/two.list"
"$KBTF" kernels list "@$t_tmp/two.list" >"$out"
t_grep "a list file selects what it names" "^2 profiles " "$out"
t_exit 2 "the example set fails: cloud and rt are not stored" \
	"$KBTF" kernels path "@$KBTF_ROOT/ci/kernels/example.list"
"$KBTF" kernels path "@$KBTF_ROOT/ci/kernels/example.list" 2>"$out"
t_grep "and the error names the line that matched nothing" \
	"linux-image-6\.12\.113\+deb12-cloud-amd64' \(.*example\.list:[0-9]+\)" "$out"
t_exit 2 "a glob that matches nothing is an error" "$KBTF" kernels path '5.10.*'

# ------------------------------------------------------- bad fetch specs
t_exit 2 "fetch refuses a pattern no package matches" \
	"$KBTF" kernels fetch 'debian:linux-image-9.9.*'
t_exit 2 "fetch refuses what is not debian[/SUITE]:PATTERN" "$KBTF" kernels fetch 6.1.0-56-amd64
t_exit 2 "fetch refuses a bad suite" "$KBTF" kernels fetch 'debian/No Suite:x'

# a typo in a suite: refused up front, before any suite's lists are
# fetched, in a fresh cache so that anything written would show
typo=$t_tmp/typo
XDG_CACHE_HOME=$typo "$KBTF" kernels fetch "debian:linux-image-$b612" \
	'debian/trixi:linux-image-6.12.*-amd64' >"$out" 2>"$t_tmp/typo.err"
rc=$?
[ "$rc" -eq 2 ] && t_ok "fetch refuses an unknown suite (exit 2)" ||
	t_fail "fetch of debian/trixi exits $rc, expected 2"
if [ "$(wc -l <"$t_tmp/typo.err")" -eq 1 ] &&
	grep -q "unknown suite 'trixi' (did you mean 'trixie'?.*bookworm, trixie" "$t_tmp/typo.err"; then
	t_ok "  ... in one line naming it and the known suites: $(cat "$t_tmp/typo.err")"
else
	t_fail "  ... stderr does not name the unknown suite and the known ones"
	sed 's/^/    | /' "$t_tmp/typo.err" "$out" | head -n 10
fi
if [ ! -e "$typo/kbtf/repos" ]; then
	t_ok "  ... reading no repository, not even for the good spec before it"
else
	t_fail "  ... left $(cd "$typo/kbtf/repos" && ls | tr '\n' ' ')in $typo/kbtf/repos"
fi
t_exit 2 "fetch refuses an unknown distribution" "$KBTF" kernels fetch 'gentoo:linux-6.12'
t_exit 2 "fetch refuses an unknown architecture" "$KBTF" kernels fetch --arch s390x "debian:linux-image-$b612"
t_exit 2 "fetch refuses a bad --max-rate" "$KBTF" kernels fetch --max-rate 12q "debian:linux-image-$b612"

# -------------------------------------------------------------- arm64
# Debian's arm64 kernels from the real archive: the headers carry the BTF
a64=6.12.113+deb12-arm64
"$KBTF" kernels fetch --deb-dir "$debs" --arch arm64 "debian:linux-image-$a64" >"$out" 2>&1
t_grep "fetch --arch arm64 takes the arm64 headers alone" \
	"^\[1/1\] $(re "$a64"): downloading linux-headers-$(re "$a64")\$" "$out"
t_grep "  ... and stores the kernel" "^1 stored, 0 already stored, 0 failed" "$out"
arch=$(jq -r --arg n "$a64" '.profiles[] | select(.name == $n) | .arch' <("$KBTF" kernels list --json))
if [ "$arch" = aarch64 ]; then t_ok "  ... whose profile says aarch64"; else t_fail "  ... whose profile says '$arch'"; fi
"$KBTF" kernels path "debian/bookworm/arm64:linux-image-$a64" >"$out" 2>&1
if [ "$(cat "$out")" = "$store/$a64" ]; then t_ok "  ... and the set debian/bookworm/arm64: names it"; else t_fail "  ... debian/bookworm/arm64: resolved to $(cat "$out")"; fi
t_exit 2 "  ... which debian/bookworm/amd64: does not" "$KBTF" kernels path "debian/bookworm/amd64:linux-image-$a64"
"$KBTF" kernels rm "$a64" >/dev/null

# ------------------------------------------------------------------- add
t_check "add a .deb under another name, keeping the boot image" \
	"$KBTF" kernels add --name mine --keep-image "$img"
if dpkg-deb --fsys-tarfile "$img" | tar -xO "./boot/vmlinuz-$b612" | cmp -s - "$store/mine/image"; then
	t_ok "the kept image is the package's vmlinuz"
else
	t_fail "the kept image differs from the package's vmlinuz"
fi
t_exit 2 "adding the same name again is refused" "$KBTF" kernels add --name mine "$img"
t_check "--force replaces it" "$KBTF" kernels add --force --name mine "$img"
t_check "re-storing a profile by its name keeps the name" "$KBTF" kernels add --force --compress mine
"$KBTF" kernels list --json >"$t_tmp/list3.json"
facts=$(jq -r '[.profiles[] | select(.release == "'"$b612"'") | "\(.name):\(.btf.encoding)"] | sort | join(" ")' "$t_tmp/list3.json")
if [ "$facts" = "$b612:lz4 mine:lz4" ]; then t_ok "mine is LZ4 now, nothing else added"; else t_fail "after re-storing mine: $facts"; fi
t_exit 2 "a name with a slash is refused" "$KBTF" kernels add --name a/b "$img"
t_exit 2 "a file that is no kernel is refused" "$KBTF" kernels add "$KBTF_ROOT/Makefile"

# ------------------------------------------------------------ the index
rm -f "$store/.index"
"$KBTF" kernels list >"$out"
t_grep "without its index the store lists from the markers" '^4 profiles ' "$out"
if [ -f "$store/.index" ]; then t_ok "and writes the index back"; else t_fail "no index written back"; fi

# -------------------------------------------------------------------- rm
t_check "rm by glob" "$KBTF" kernels rm '6.1.0-*' mine
"$KBTF" kernels list >"$out"
t_grep "two profiles left" '^2 profiles ' "$out"
if [ ! -e "$store/$b61" ] && [ ! -e "$store/mine" ]; then t_ok "their directories are gone"; else t_fail "removed profiles still on disk"; fi
t_exit 2 "rm of a name not stored is an error" "$KBTF" kernels rm "$b61"

t_done

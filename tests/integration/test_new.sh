#!/bin/bash
# test_new.sh: "kbtf new NAME" makes a module project that builds out of
# the box with distilled BTF (make, through kbtf.mk), refuses bad names and
# occupied directories, and whose CI script (the one the GitHub and GitLab
# workflows call) runs here: "make ci" finds kbtf where "make" does, builds
# the module for Debian 6.12 and 6.1 headers, validates each build against
# Debian kernels, skips a group for another suite, and merges everything
# into JUnit + HTML + Markdown; a run that judged no pair fails instead.
# The workflows are read for what would go wrong on GitHub and GitLab
# (ci_workflows.py); the default KERNELS is checked against Debian's lists.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

# kbtf the way a developer has it: a source tree (templates/, ci/, dkms/,
# sdk/kbtf.mk) with the program in build/, a private copy that a parallel
# rebuild of build/kbtf cannot pull away. Neither KBTF nor KBTF_DATA_DIR
# leads to it, and "kbtf" in PATH is a decoy that fails: make, make ci and
# kbtf new must find it themselves.
kt=$t_tmp/kbtf-tree
mkdir -p "$kt/build" "$kt/sdk" "$t_tmp/decoy"
cp "$KBTF" "$kt/build/kbtf"
cp "$KBTF_ROOT/sdk/kbtf.mk" "$kt/sdk/"
# access/: the access-record plugin's source, which make and make ci build for
# each kernel's compiler (a tree without it would leave the plugin untested)
cp -R "$KBTF_ROOT/templates" "$KBTF_ROOT/ci" "$KBTF_ROOT/dkms" "$KBTF_ROOT/access" "$kt/"
KBTF=$kt/build/kbtf
export -n KBTF
unset KBTF_DATA_DIR
printf '#!/bin/sh\necho "kbtf from PATH ran: $*" >&2\nexit 99\n' >"$t_tmp/decoy/kbtf"
chmod +x "$t_tmp/decoy/kbtf"
export PATH=$t_tmp/decoy:$PATH
# The generated Makefile prefers an installed kbtf.mk to the tree's; the
# tree's is the one under test, whatever this machine has installed.
export KBTF_MK=$kt/sdk/kbtf.mk
export XDG_CACHE_HOME=$t_tmp/cache
cd "$t_tmp" || exit 1

# --- the project
"$KBTF" new demo >"$t_tmp/new.out" 2>&1
t_check "kbtf new demo" test $? -eq 0
for f in demo.c Kbuild Makefile dkms.conf kbtf-dkms-post-build README.md .gitignore \
	ci/kernels.conf ci/matrix/kbtf-matrix.sh .github/workflows/kbtf.yml .gitlab-ci.yml; do
	[ -f "demo/$f" ] || t_fail "kbtf new made no $f"
done
t_ok "the project has its source, Kbuild, Makefile, DKMS and CI files"
left=$(grep -rlE '@(NAME|NAME_UPPER|VERSION|KBTF_VERSION|KBTF_MK)@|__NAME__' demo || true)
if [ -z "$left" ]; then
	t_ok "no template placeholder is left"
else
	t_fail "placeholders left in: $left"
fi
t_grep "the module is called demo" 'MODULE_DESCRIPTION\("demo' demo/demo.c
t_grep "dkms.conf names the package" '^PACKAGE_NAME="demo"' demo/dkms.conf
t_check "the CI script is executable" test -x demo/ci/matrix/kbtf-matrix.sh
t_check "so is the POST_BUILD script" test -x demo/kbtf-dkms-post-build

t_exit 2 "a name that is not a C identifier is refused" "$KBTF" new 9lives
t_exit 2 "a '-' in the name is refused" "$KBTF" new my-mod
t_exit 2 "an occupied directory is refused" "$KBTF" new other --dir demo
mkdir -p "$t_tmp/elsewhere"
t_check "--dir puts it elsewhere" "$KBTF" new -q other --dir "$t_tmp/elsewhere/other"
t_check "... named after NAME" test -f "$t_tmp/elsewhere/other/other.c"

t_grep "the Makefile names the kbtf.mk of the tree kbtf new ran from" " $kt/sdk/kbtf.mk\)\)\$" demo/Makefile
# --- make, out of the box (the running kernel has no headers here: the newest installed)
# g++-12 through a wrapper that counts the plugin builds (kbtf runs the
# C++ driver of the kernel's compiler only to build the access plugin)
mkdir -p "$t_tmp/cxx"
for cxx in g++-12 x86_64-linux-gnu-g++-12; do
	printf '#!/bin/sh\necho "$*" >>%s/gxx.log\nexec /usr/bin/%s "$@"\n' "$t_tmp" $cxx >"$t_tmp/cxx/$cxx"
	chmod +x "$t_tmp/cxx/$cxx"
done
: >"$t_tmp/gxx.log"
PATH=$t_tmp/cxx:$PATH t_check "cd demo && make (kbtf found beside kbtf.mk)" make -C demo
plugins() { find "$XDG_CACHE_HOME/kbtf/access" -name kbtf_access.so -printf '%i %T@ %p\n' 2>/dev/null | sort; }
plugins >"$t_tmp/plugins.1"
t_check "make built the access plugin once, into \$XDG_CACHE_HOME/kbtf/access" \
	test "$(wc -l <"$t_tmp/gxx.log")" -eq 1 -a "$(wc -l <"$t_tmp/plugins.1")" -eq 1
t_grep "... beside a note of the compiler it is for" '^compiler: /usr/bin/x86_64-linux-gnu-gcc-12$' \
	"$(dirname "$(cut -d' ' -f3 "$t_tmp/plugins.1")")/compiler"
touch demo/demo.c
PATH=$t_tmp/cxx:$PATH t_check "make again (demo.c changed)" make -C demo
plugins >"$t_tmp/plugins.2"
t_check "... reuses the cached plugin: no g++ run, the same file" \
	test "$(wc -l <"$t_tmp/gxx.log")" -eq 1 -a "$(cat "$t_tmp/plugins.1")" = "$(cat "$t_tmp/plugins.2")"
"$KBTF" inspect demo/demo.ko >"$t_tmp/inspect.out" 2>&1
t_grep "... and the module carries the access record" 'access record: [0-9]+ places' "$t_tmp/inspect.out"
# another compiler of the same name and version (another file PATH finds,
# as an upgrade or a local install puts there) gets a plugin of its own
mkdir -p "$t_tmp/cc2"
printf '#!/bin/sh\nexec /usr/bin/x86_64-linux-gnu-gcc-12 "$@"\n' >"$t_tmp/cc2/x86_64-linux-gnu-gcc-12"
chmod +x "$t_tmp/cc2/x86_64-linux-gnu-gcc-12"
touch demo/demo.c
PATH=$t_tmp/cc2:$t_tmp/cxx:$PATH t_check "make with another x86_64-linux-gnu-gcc-12 first in PATH" make -C demo
plugins >"$t_tmp/plugins.3"
t_check "... builds a plugin for that compiler, beside the first" \
	test "$(wc -l <"$t_tmp/gxx.log")" -eq 2 -a "$(wc -l <"$t_tmp/plugins.3")" -eq 2
# two builds at once with an empty cache (make -j over two modules, DKMS
# for two kernels): one compiles the plugin, the other waits and takes it
rm -rf "$XDG_CACHE_HOME/kbtf/access"
: >"$t_tmp/gxx.log"
kd=/lib/modules/$(ls -d /lib/modules/*/build | sort -V | tail -n1 | cut -d/ -f4)/build
for i in 1 2; do
	PATH=$t_tmp/cxx:$PATH "$KBTF" build --access-kcflags --kdir "$kd" >"$t_tmp/kcf.$i" 2>&1 &
done
wait
t_check "two kbtf build --access-kcflags at once: one plugin build, the same plugin for both" \
	test "$(wc -l <"$t_tmp/gxx.log")" -eq 1 -a -s "$t_tmp/kcf.1" -a "$(cat "$t_tmp/kcf.1")" = "$(cat "$t_tmp/kcf.2")"
"$KBTF" inspect --json demo/demo.ko >"$t_tmp/demo.json" 2>&1
if grep -q '"has_btf":true' "$t_tmp/demo.json" && grep -q '"has_btf_base":true' "$t_tmp/demo.json"; then
	t_ok "demo.ko carries .BTF and .BTF.base"
else
	t_fail "demo.ko has no distilled BTF"
	head -c 400 "$t_tmp/demo.json" | sed 's/^/    | /'
fi
t_check "make KBTF_HOOK=0 builds without kbtf" make -C demo clean all KBTF_HOOK=0
"$KBTF" inspect --json demo/demo.ko >"$t_tmp/plain.json" 2>&1
t_grep "... and then there is no .BTF.base" '"has_btf_base":false' "$t_tmp/plain.json"
make -s -C demo clean >/dev/null 2>&1

# --- the CI files, as GitHub and GitLab would read them
ci_files() {
	local out line
	out=$(python3 "$KBTF_ROOT/tests/integration/ci_workflows.py" "$@" 2>&1) ||
		t_fail "ci_workflows.py $*: $out"
	while IFS= read -r line; do
		case $line in
		PASS$'\t'*) t_ok "${line#PASS$'\t'}" ;;
		FAIL$'\t'*) t_fail "${line#FAIL$'\t'}" ;;
		*) [ -z "$line" ] || t_fail "ci_workflows.py: $line" ;;
		esac
	done <<<"$out"
}
if python3 -c 'import yaml' 2>/dev/null; then
	ci_files demo "" ""
else
	t_fail "python3-yaml is not installed (.ci/debian-packages.txt: run make deps)"
fi
t_grep "kbtf new says CI needs KBTF_GIT when its tree has no http(s) origin" \
	'set the CI variable KBTF_GIT' "$t_tmp/new.out"

# the kbtf tree as a git checkout: its origin and commit go into the build jobs
git -C "$kt" init -q && git -C "$kt" add -A &&
	git -C "$kt" -c user.name=t -c user.email=t@example.org commit -qm tree &&
	git -C "$kt" remote add origin https://example.org/kbtf.git
head=$(git -C "$kt" rev-parse HEAD)
t_check "kbtf new from a git checkout of kbtf" "$KBTF" new -q fromgit
ci_files fromgit https://example.org/kbtf.git "$head" source
t_check "--kbtf-git and --kbtf-ref say otherwise" \
	"$KBTF" new -q given --kbtf-git https://git.example.org/k.git --kbtf-ref v0.1.0
ci_files given https://git.example.org/k.git v0.1.0 source
t_exit 2 "--kbtf-git with a quote is refused (it lands inside quotes)" \
	"$KBTF" new -q bad --kbtf-git "https://x/'k"
t_exit 2 "--kbtf-git starting with '-' is refused (git would take an option)" \
	"$KBTF" new -q bad --kbtf-git --upload-pack=x

# --- the CI steps, run here with a small matrix
cat >demo/ci/test-kernels.conf <<'EOF'
# GROUP        IMAGE            BUILD                  VALIDATE
b-6.12         debian:bookworm  6.12.113+deb12-amd64   debian/bookworm:linux-image-6.12.113+deb12-amd64,debian/bookworm:linux-image-6.12.113+deb12-rt-amd64
b-6.1          debian:bookworm  6.1.0-56-amd64         debian/bookworm:linux-image-6.1.0-56-amd64
s-7.2          debian:sid       linux-headers-amd64    debian/sid:linux-image-7.2.13+deb14-amd64
EOF
export KBTF_MATRIX=ci/test-kernels.conf KBTF_DEB_DIR=$KBTF_TEST_CACHE/debs
t_check "kbtf-matrix.sh groups" sh -c 'cd demo && ci/matrix/kbtf-matrix.sh groups | grep -qx b-6.12'
(cd demo && ci/matrix/kbtf-matrix.sh github-matrix) >"$t_tmp/gh.json"
t_grep "github-matrix gives the group's image" '"group":"s-7.2","image":"debian:sid"' "$t_tmp/gh.json"
make -C demo ci >"$t_tmp/ci.out" 2>&1
t_check "make ci (what CI runs, here), without kbtf in PATH" test $? -eq 0 ||
	tail -n 20 "$t_tmp/ci.out" | sed 's/^/    | /'
# the kbtf make builds with: kbtf.mk's, beside it
# (--no-print-directory: under `make check` the outer make's -w reaches this one)
mk_kbtf=$(printf 'print-kbtf:\n\t@echo $(KBTF)\n' |
	make -s --no-print-directory -C demo -f Makefile -f - print-kbtf)
used=$(sed -n 's/^kbtf-matrix: kbtf: \(.*\) (kbtf .*)$/\1/p' "$t_tmp/ci.out" | head -n1)
if [ -n "$used" ] && [ "$used" = "$mk_kbtf" ] && [ "$used" != "$t_tmp/decoy/kbtf" ]; then
	t_ok "make ci ran the kbtf make builds with ($used)"
else
	t_fail "make ci ran kbtf '$used', make builds with '$mk_kbtf'"
fi
t_check "  ... the one of the tree kbtf new ran from" test "$(readlink -f "$used")" = "$kt/build/kbtf"
rep=demo/kbtf-out/report
t_check "JUnit report" test -s $rep/junit.xml
t_check "HTML report" test -s $rep/report.html
t_check "Markdown report" test -s $rep/report.md
if command -v xmllint >/dev/null; then
	t_check "the JUnit is well-formed XML" xmllint --noout $rep/junit.xml
fi
n=$(grep -c '<testcase ' $rep/junit.xml)
if [ "$n" -eq 4 ]; then
	t_ok "JUnit: 3 (build, kernel) pairs + 1 skipped group"
else
	t_fail "JUnit has $n test cases, expected 4"
fi
if grep -A1 'name="6.12.113+deb12-rt-amd64"' $rep/junit.xml | grep -q '<failure.*spinlock'; then
	t_ok "JUnit: the 6.12 build on 6.12 rt fails: its spinlock_t differs (and CRCs)"
else
	t_fail "JUnit: no failure naming spinlock for 6.12 rt"
fi
t_grep "JUnit: the sid group is skipped, saying why" '<skipped message="skipped: needs debian:sid' $rep/junit.xml
t_grep "HTML: a row per build" '<td>b-6.12</td><td>6.12.113\+deb12-amd64</td><td>2</td>' $rep/report.html
t_check "HTML: each build's own report is there" test -s $rep/b-6.12/6.12.113+deb12-amd64/validate.html
t_grep "HTML: each build's kernel x module matrix, cells opening that build's pair" \
	'<td class="cell [^"]*"><a href="b-6.12/6.12.113\+deb12-amd64/validate.html#pair-0-1"' $rep/report.html
t_grep "HTML: each build's causes with their fix (rt: an rt variant)" 'build an rt variant' $rep/report.html
t_grep "Markdown: the summary table" '^\| b-6.1 \| 6.1.0-56-amd64 \| 1 \|' $rep/report.md
t_check "the built module is kept with the results" test -f demo/kbtf-out/b-6.12/6.12.113+deb12-amd64/demo.ko
# Two build groups whose kernels name gcc-12 two ways (6.1.0-56: gcc-12,
# 6.12.113: x86_64-linux-gnu-gcc-12): two cached plugins. make's KCFLAGS
# (kbtf.mk: the default kernel's) must not reach the other build beside its
# own (cc1: "plugin kbtf_access was specified with different paths").
for b in b-6.12/6.12.113+deb12-amd64 b-6.1/6.1.0-56-amd64; do
	"$KBTF" inspect demo/kbtf-out/$b/demo.ko >"$t_tmp/inspect.out" 2>&1
	t_grep "the $b build carries the access record (its compiler's plugin)" \
		'access record: [0-9]+ places' "$t_tmp/inspect.out"
done
t_exit 1 "KBTF_GATE=1: merge fails when a pair is not ok" \
	sh -c 'cd demo && KBTF_GATE=1 ci/matrix/kbtf-matrix.sh merge'
t_exit 2 "an unknown group is an error" sh -c "cd demo && KBTF=$KBTF ci/matrix/kbtf-matrix.sh group nope"
# a group whose job did not run (e.g. left out of a hand-written job list)
rm -rf demo/kbtf-out/b-6.1
t_exit 3 "merge without one group's results exits 3" \
	sh -c 'cd demo && ci/matrix/kbtf-matrix.sh merge'
t_grep "  ... and the JUnit names the missing group as an error" \
	'<testcase classname="b-6.1" name="b-6.1"><error message="error: no results for this group' \
	$rep/junit.xml

# --- a run that judged no (build, kernel) pair is an error, not a report
# (kbtf-out/ holds the groups of the run above: not this run's results)
nopairs() { # DESC CODE MATRIX-LINE [ENV...]: kbtf-matrix.sh all exits CODE, writes no report
	local desc=$1 code=$2 line=$3
	shift 3
	printf '%s\n' "$line" >demo/ci/none.conf
	t_exit "$code" "$desc: exit $code" \
		env KBTF="$KBTF" KBTF_MATRIX=ci/none.conf "$@" sh -c 'cd demo && ci/matrix/kbtf-matrix.sh all 2>../none.err'
	t_grep "  ... saying why" "^kbtf-matrix: (kbtf not found|no \(build, kernel\) pair judged: .*; no report written)" \
		"$t_tmp/none.err"
	if [ -e demo/kbtf-out/report ]; then
		t_fail "  ... yet it wrote $(ls demo/kbtf-out/report | tr '\n' ' ')"
	else
		t_ok "  ... and writes no report"
	fi
}
nopairs "every group skipped here (another suite; the last run's groups left in kbtf-out)" 2 \
	's-7.2 debian:sid linux-headers-amd64 debian/sid:linux-image-7.2.13+deb14-amd64'
t_grep "  ... and each group's status" '^kbtf-matrix: s-7.2: skipped: needs debian:sid' "$t_tmp/none.err"
nopairs "the only group failed (no such kernel to fetch)" 3 \
	'b-x debian:bookworm 6.12.113+deb12-amd64 debian/bookworm:linux-image-6.12.999+deb12-amd64'
nopairs "kbtf not found" 2 \
	'b-6.12 debian:bookworm 6.12.113+deb12-amd64 debian/bookworm:linux-image-6.12.113+deb12-amd64' \
	KBTF="$t_tmp/nowhere/kbtf"
printf '%s\n' 's-7.2 debian:sid linux-headers-amd64 debian/sid:linux-image-7.2.13+deb14-amd64' \
	>demo/ci/none.conf
make -C demo ci KBTF_MATRIX=ci/none.conf >/dev/null 2>&1
t_check "make ci fails when nothing was judged" test $? -ne 0

# --- the Makefile's default KERNELS: Debian 12's 6.12 kernels, generic flavour only
kernels=$(sed -n 's/^KERNELS ?= //p' demo/Makefile)
"$KBTF" kernels fetch --dry-run "$kernels" >"$t_tmp/plan.out" 2>&1
t_check "kbtf kernels fetch --dry-run '$kernels'" test $? -eq 0
planned=$(awk '$1 == "debian/bookworm/amd64" { print $2 }' "$t_tmp/plan.out" | sort)
# what the fetcher's own copies of the archive's Packages.xz hold, read with xz
lists=$(for f in "$XDG_CACHE_HOME"/kbtf/repos/debian/bookworm-amd64-*/Packages.xz; do
	xz -dc "$f"
done | sed -n 's/^Package: linux-image-\(6\.12\.[^ ]*-amd64\)$/\1/p' | sort -u)
flavoured=$(printf '%s\n' "$lists" | grep -E -e '-(cloud|rt)-amd64$' || true)
generic=$(printf '%s\n' "$lists" | grep -v -E -e '-(cloud|rt)-amd64$' || true)
if [ -n "$flavoured" ] && [ -n "$generic" ]; then
	t_ok "bookworm's lists have $(echo "$generic" | wc -l) generic 6.12 kernels and $(echo "$flavoured" | wc -l) cloud/rt ones"
else
	t_fail "bookworm's lists: generic '$generic', cloud/rt '$flavoured'"
fi
if [ -n "$planned" ] && [ "$planned" = "$generic" ]; then
	t_ok "the default KERNELS plans exactly the generic ones"
else
	t_fail "the default KERNELS plans: $(echo $planned); the generic ones: $(echo $generic)"
fi
# the same pattern on stored profiles (make validate): the matrix stored 6.12.113 and its rt
"$KBTF" kernels path "$kernels" >"$t_tmp/path.out" 2>&1
if [ "$(cat "$t_tmp/path.out")" = "$XDG_CACHE_HOME/kbtf/kernels/6.12.113+deb12-amd64" ]; then
	t_ok "make validate's set takes the stored 6.12.113, not 6.12.113-rt"
else
	t_fail "the default KERNELS resolves to: $(cat "$t_tmp/path.out")"
fi

# --- build-kbtf: the CI's one kbtf build, a package the group jobs install
export TMPDIR=$t_tmp
dist=$t_tmp/dist
# this tree has debian/: kbtf's own Debian package, built in a copy of the tree
t_check "build-kbtf from this source tree (KBTF_SRC): a Debian package" \
	env KBTF_SRC="$KBTF_ROOT" demo/ci/matrix/kbtf-matrix.sh build-kbtf "$dist"
deb=$(ls "$dist"/kbtf_*.deb 2>/dev/null | head -n1)
dpkg-deb -c "$deb" >"$t_tmp/deb.list" 2>&1
for f in usr/bin/kbtf usr/share/kbtf/kbtf.mk usr/share/kbtf/ci/matrix/kbtf-matrix.sh; do
	t_grep "  ... $(basename "${deb:-kbtf_*.deb}") holds /$f" " \./$f\$" "$t_tmp/deb.list"
done
dpkg-deb -f "$deb" Depends >"$t_tmp/deb.depends" 2>&1
t_grep "  ... and depends on pahole (dwarves), which kbtf runs" '(^|, )dwarves(,|$)' "$t_tmp/deb.depends"
mkdir -p "$t_tmp/debroot" && dpkg-deb -x "$deb" "$t_tmp/debroot"
t_check "  ... its kbtf runs" "$t_tmp/debroot/usr/bin/kbtf" --version
# without debian/ (or KBTF_PACKAGE=tar): make install into a tarball of usr/
t_check "build-kbtf KBTF_PACKAGE=tar: a make install tree" \
	env KBTF_PACKAGE=tar KBTF_SRC="$KBTF_ROOT" KBTF_MAKEFLAGS="O=$KBTF_BUILD" \
	demo/ci/matrix/kbtf-matrix.sh build-kbtf "$dist"
t_check "  ... in place of the Debian package" test ! -e "$deb"
tar -tzf "$dist/kbtf.tar.gz" >"$t_tmp/tar.list" 2>&1
for f in usr/local/bin/kbtf usr/local/share/kbtf/kbtf.mk usr/local/share/kbtf/templates/module/Makefile; do
	t_grep "  ... the package holds /$f" "^$f\$" "$t_tmp/tar.list"
done
if grep -qv '^usr/' "$t_tmp/tar.list"; then
	t_fail "  ... it holds more than usr/ (extracted in /, it would change /): $(grep -v '^usr/' "$t_tmp/tar.list" | head -n3)"
else
	t_ok "  ... and nothing outside usr/ (extracted in /, / is left as it is)"
fi
mkdir -p "$t_tmp/root" && tar -xzf "$dist/kbtf.tar.gz" -C "$t_tmp/root"
t_check "  ... its kbtf runs" "$t_tmp/root/usr/local/bin/kbtf" --version
# from git: a stand-in repository whose install writes a kbtf saying which commit it is
src=$t_tmp/kbtf-git
mkdir -p "$src/sdk" && : >"$src/sdk/kbtf.mk"
for c in one two; do
	printf 'install:\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin\n\tprintf "#!/bin/sh\\necho kbtf %s\\n" >$(DESTDIR)$(PREFIX)/bin/kbtf\n\tchmod 755 $(DESTDIR)$(PREFIX)/bin/kbtf\n' \
		"$c" >"$src/Makefile"
	git -C "$src" init -q && git -C "$src" add -A &&
		git -C "$src" -c user.name=t -c user.email=t@example.org commit -qm "$c"
	[ $c = one ] && first=$(git -C "$src" rev-parse HEAD)
done
rm -rf "$dist"
t_check "build-kbtf from KBTF_GIT at a commit id (KBTF_REF)" \
	env KBTF_GIT="$src" KBTF_REF="$first" demo/ci/matrix/kbtf-matrix.sh build-kbtf "$dist"
rm -rf "$t_tmp/root" && mkdir -p "$t_tmp/root" && tar -xzf "$dist/kbtf.tar.gz" -C "$t_tmp/root"
t_check "  ... that commit's kbtf, not the newest" \
	test "$("$t_tmp/root/usr/local/bin/kbtf")" = "kbtf one"
t_exit 2 "build-kbtf knowing no sources: exit 2" env -u KBTF_GIT -u KBTF_SRC demo/ci/matrix/kbtf-matrix.sh build-kbtf "$dist"
t_exit 3 "build-kbtf at a ref the repository lacks: exit 3" \
	env KBTF_GIT="$src" KBTF_REF=no-such-ref demo/ci/matrix/kbtf-matrix.sh build-kbtf "$dist"

t_done

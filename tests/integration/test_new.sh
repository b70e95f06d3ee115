#!/bin/bash
# test_new.sh: "kbtf new NAME" makes a module project that builds out of
# the box with distilled BTF (make, through kbtf.mk), refuses bad names and
# occupied directories, and whose CI script (the one the GitHub and GitLab
# workflows call) runs here: it builds the module for Debian 6.12 and 6.1
# headers, validates each build against Debian kernels, skips a group for
# another suite, and merges everything into JUnit + HTML + Markdown.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

# a private copy: a rebuild of build/kbtf by a parallel make cannot pull it away
mkdir -p "$t_tmp/bin"
cp "$KBTF" "$t_tmp/bin/kbtf"
KBTF=$t_tmp/bin/kbtf
export KBTF KBTF_DATA_DIR=$KBTF_ROOT
export XDG_CACHE_HOME=$t_tmp/cache
cd "$t_tmp" || exit 1

# --- the project
t_check "kbtf new demo" "$KBTF" new demo
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

# --- make, out of the box (the running kernel has no headers here: the newest installed)
t_check "cd demo && make" make -C demo KBTF="$KBTF"
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
t_check "kbtf-matrix.sh all (what CI runs, here)" sh -c 'cd demo && ci/matrix/kbtf-matrix.sh all'
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
t_grep "Markdown: the summary table" '^\| b-6.1 \| 6.1.0-56-amd64 \| 1 \|' $rep/report.md
t_check "the built module is kept with the results" test -f demo/kbtf-out/b-6.12/6.12.113+deb12-amd64/demo.ko
t_exit 1 "KBTF_GATE=1: merge fails when a pair is not ok" \
	sh -c 'cd demo && KBTF_GATE=1 ci/matrix/kbtf-matrix.sh merge'
t_exit 2 "an unknown group is an error" sh -c 'cd demo && ci/matrix/kbtf-matrix.sh group nope'
# a group whose job did not run (e.g. left out of a hand-written job list)
rm -rf demo/kbtf-out/b-6.1
t_exit 3 "merge without one group's results exits 3" \
	sh -c 'cd demo && ci/matrix/kbtf-matrix.sh merge'
t_grep "  ... and the JUnit names the missing group as an error" \
	'<testcase classname="b-6.1" name="b-6.1"><error message="error: no results for this group' \
	$rep/junit.xml

t_done

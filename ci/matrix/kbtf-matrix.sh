#!/bin/sh
# kbtf-matrix.sh: build an out-of-tree module for a matrix of kernels,
# validate every build with kbtf, and merge the results into one
# pre-release compatibility report (JUnit, Markdown, HTML).
#
#   kbtf-matrix.sh groups            the group names of the matrix, one a line
#   kbtf-matrix.sh github-matrix     the groups as a GitHub Actions matrix (JSON)
#   kbtf-matrix.sh tools             install the build tools a fresh Debian container lacks
#   kbtf-matrix.sh build-kbtf [DIR]  build kbtf once, as a package in DIR (default
#                                    kbtf-dist) for the other jobs: kbtf_*.deb when
#                                    kbtf's sources carry debian/, else kbtf.tar.gz
#                                    (make install DESTDIR=)
#   kbtf-matrix.sh setup [DIR]       tools, then kbtf from the package in DIR
#                                    (default kbtf-dist) unless kbtf is installed
#   kbtf-matrix.sh group NAME        build + validate one group (one CI job)
#   kbtf-matrix.sh merge             the report, from every group's results (a
#                                    group of the matrix without any is an error)
#   kbtf-matrix.sh all               every group here, one after the other, then merge
#
# The matrix is ci/kernels.conf of the project, one group a line:
#
#   GROUP  IMAGE  BUILD  VALIDATE
#
#   GROUP     a name (letters, digits, . _ -); CI runs one job per group
#   IMAGE     the container the job runs in, debian:SUITE; a group whose
#             suite is not this machine's is skipped here (its kernels'
#             kbuild tools need that suite's libraries), and says so
#   BUILD     kernel releases to build for, comma separated: a release
#             (6.12.113+deb12-amd64) or a headers package
#             (linux-headers-amd64: the suite's current kernel)
#   VALIDATE  the kernels each build is checked against: a kbtf kernel set,
#             comma separated debian/SUITE:PACKAGE-GLOB items (kbtf kernels
#             fetch gets them) or @FILE lists (relative to ci/kernels.conf)
#
# Everything goes under $KBTF_OUT (default kbtf-out/): GROUP/ per group
# (modules, per-build reports, a status file), report/ after merge. CI
# uploads GROUP/ from each job and downloads them all for the merge job;
# they may land in any subdirectory of $KBTF_OUT, the merge finds them.
#
# Environment:
#   KBTF              the kbtf program (default: kbtf from PATH; "make ci"
#                     passes the one "make" uses, found beside kbtf.mk)
#   KBTF_OUT          output directory (default: kbtf-out)
#   KBTF_MATRIX       the matrix file (default: ci/kernels.conf)
#   KBTF_GIT, KBTF_REF  where build-kbtf gets kbtf's sources: a git URL, and
#                     a branch, tag or commit (default: the remote's HEAD)
#   KBTF_SRC          a kbtf source tree for build-kbtf, instead of KBTF_GIT
#   KBTF_PACKAGE      what build-kbtf makes: deb or tar (default: deb when it can)
#   KBTF_MAKEFLAGS    more arguments for the make of KBTF_PACKAGE=tar (O=DIR, CC=clang)
#   XDG_CACHE_HOME    kbtf's kernel profiles live in $XDG_CACHE_HOME/kbtf
#   KBTF_DEB_DIR      keep downloaded kernel packages there (kbtf kernels fetch --deb-dir)
#   KBTF_GATE=1       merge exits 1 when some (build, kernel) pair is not ok
#
# Exit status: 0 done (whatever the verdicts, unless KBTF_GATE=1); 1 some
# pair not ok with KBTF_GATE=1; 2 bad matrix or usage, kbtf not found, or
# a run that judged no pair because every group was skipped here; 3 a
# build, a fetch or kbtf failed (a run that judged no pair because groups
# failed is that too). A run that judged no pair writes no report.
set -eu

KBTF=${KBTF:-kbtf}
OUT=${KBTF_OUT:-kbtf-out}
MATRIX=${KBTF_MATRIX:-ci/kernels.conf}

say() { printf '%s\n' "kbtf-matrix: $*" >&2; }
die() {
	code=$1
	shift
	say "$*"
	exit "$code"
}

# --------------------------------------------------------------- matrix file

# the matrix lines, comments and blanks dropped, fields separated by one space
matrix_lines() {
	[ -f "$MATRIX" ] || die 2 "no matrix file $MATRIX (set KBTF_MATRIX)"
	sed -e 's/#.*//' -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//' "$MATRIX" |
		grep -v '^$' || true
}

# group_line NAME: sets g_image g_build g_validate, or dies
group_line() {
	line=$(matrix_lines | awk -v g="$1" '$1 == g' | head -n1)
	[ -n "$line" ] || die 2 "no group '$1' in $MATRIX (groups: $(matrix_lines | cut -d' ' -f1 | tr '\n' ' '))"
	set -- $line
	[ $# -eq 4 ] || die 2 "$MATRIX: group $1: want GROUP IMAGE BUILD VALIDATE, got $# fields"
	case $1 in *[!A-Za-z0-9._-]*) die 2 "$MATRIX: bad group name '$1'" ;; esac
	g_image=$2
	g_build=$3
	g_validate=$4
}

# the validate set with @FILE made relative to the matrix file
validate_set() {
	dir=$(dirname "$MATRIX")
	printf '%s\n' "$1" | tr ',' '\n' | while read -r item; do
		case $item in
		@/*) printf '%s\n' "$item" ;;
		@*) printf '@%s/%s\n' "$dir" "${item#@}" ;;
		*) printf '%s\n' "$item" ;;
		esac
	done | paste -sd, -
}

host_suite() {
	(. /etc/os-release 2>/dev/null && printf '%s\n' "${VERSION_CODENAME:-unknown}") || echo unknown
}

# ---------------------------------------------------------------- setup

# need_kbtf: $KBTF runs, or the script stops before it judges anything
need_kbtf() {
	command -v "$KBTF" >/dev/null 2>&1 ||
		die 2 "kbtf not found (KBTF=$KBTF): install kbtf, or set KBTF to the kbtf program ('make ci' passes the one 'make' uses)"
	v=$("$KBTF" --version 2>&1) || die 3 "$KBTF --version failed: $v"
	say "kbtf: $(command -v "$KBTF") ($v)"
}

# what building and running kbtf, and building modules, need in a fresh Debian container
cmd_tools() {
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get -q update
		apt-get -q install -y --no-install-recommends build-essential make git ca-certificates \
			pkg-config libelf-dev libkmod-dev libarchive-dev zlib1g-dev liblzma-dev libzstd-dev \
			liblz4-dev libbz2-dev dwarves kmod xz-utils zstd cpio apt debian-archive-keyring
	fi
}

# kbtf_source DIR COPY: sets src to a kbtf source tree: KBTF_SRC (copied
# without its build outputs to DIR/kbtf when COPY is 1: dpkg-buildpackage
# writes into the tree and beside it), or a clone of KBTF_GIT at KBTF_REF
# in DIR/kbtf
kbtf_source() {
	src=$1/kbtf
	if [ -n "${KBTF_SRC:-}" ]; then
		[ -f "$KBTF_SRC/sdk/kbtf.mk" ] || die 2 "KBTF_SRC=$KBTF_SRC is not a kbtf source tree"
		if [ "$2" = 0 ]; then
			src=$KBTF_SRC
			say "kbtf sources: $KBTF_SRC"
			return 0
		fi
		mkdir -p "$src"
		# a git checkout: what it tracks and what it would (not build/, not debian/build)
		if git -C "$KBTF_SRC" rev-parse --git-dir >/dev/null 2>&1; then
			git -C "$KBTF_SRC" ls-files -z -co --exclude-standard |
				tar -C "$KBTF_SRC" --null -T - --ignore-failed-read -cf - 2>/dev/null
		else
			tar -C "$KBTF_SRC" --exclude=./build -cf - .
		fi | tar -C "$src" -xf - || die 3 "cannot copy $KBTF_SRC"
		say "kbtf sources: $KBTF_SRC"
		return 0
	fi
	[ -n "${KBTF_GIT:-}" ] ||
		die 2 "where kbtf's sources are is not known: set the CI variable KBTF_GIT (its git URL) and KBTF_REF, or KBTF_SRC (a kbtf source tree)"
	case $KBTF_GIT in -*) die 2 "KBTF_GIT=$KBTF_GIT: not a git URL" ;; esac
	if ! git init -q "$src" || ! git -C "$src" remote add origin "$KBTF_GIT"; then
		die 3 "git init $src failed"
	fi
	# a commit id, a tag or a branch alike, without the whole history; a
	# server that gives no single commit by its id gets a full fetch
	ref=${KBTF_REF:-HEAD}
	if ! git -C "$src" fetch -q --depth 1 origin "$ref" >&2; then
		git -C "$src" fetch -q origin >&2 || die 3 "cannot fetch kbtf from $KBTF_GIT"
		git -C "$src" rev-parse -q --verify "$ref^{commit}" >/dev/null 2>&1 ||
			die 3 "$KBTF_GIT has no $ref"
		git -C "$src" update-ref FETCH_HEAD "$(git -C "$src" rev-parse "$ref^{commit}")"
	fi
	git -C "$src" -c advice.detachedHead=false checkout -q FETCH_HEAD >&2 ||
		die 3 "cannot check out $ref of $KBTF_GIT"
	say "kbtf sources: $KBTF_GIT at $(git -C "$src" rev-parse HEAD)"
}

# build-kbtf [DIR]: one job builds kbtf; the others install what it leaves
# in DIR. kbtf's own Debian package when its sources have one (apt then
# brings what kbtf needs at run time), else a make install tree.
cmd_build_kbtf() {
	mkdir -p "${1:-kbtf-dist}"
	dist=$(cd "${1:-kbtf-dist}" && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/kbtf-build.XXXXXX") || die 3 "cannot create a directory in ${TMPDIR:-/tmp}"
	how=${KBTF_PACKAGE:-}
	if [ -z "$how" ]; then
		how=tar
		if [ -n "${KBTF_SRC:-}" ] && [ -f "$KBTF_SRC/debian/control" ]; then how=deb; fi
	fi
	kbtf_source "$work" "$([ "$how" = deb ] && echo 1 || echo 0)"
	[ -n "${KBTF_PACKAGE:-}" ] || [ ! -f "$src/debian/control" ] || how=deb
	rm -f "$dist"/kbtf.tar.gz "$dist"/kbtf_*.deb
	case $how in
	deb)
		# the unit tests are kbtf's CI's business, not this job's
		export DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck
		# apt only for what is missing (dpkg-checkbuilddeps says)
		if ! command -v dh >/dev/null || ! command -v dpkg-checkbuilddeps >/dev/null ||
			! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
			if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
				apt-get -q install -y --no-install-recommends dpkg-dev debhelper >&2 &&
					apt-get -q build-dep -y -P nocheck "$src" >&2 ||
					die 3 "cannot install what kbtf's Debian package build needs"
			fi
		fi
		(cd "$src" && dpkg-buildpackage -b -us -uc >&2) || die 3 "kbtf's Debian package did not build"
		set -- "$work"/kbtf_*.deb
		[ -f "$1" ] || die 3 "dpkg-buildpackage made no kbtf_*.deb"
		cp "$@" "$dist/"
		v=$(dpkg-deb -f "$1" Version)
		say "kbtf $v: $dist/$(basename "$1") (apt install ./$(basename "$1"))"
		;;
	tar)
		root=$work/root
		# shellcheck disable=SC2086
		make -C "$src" -j"$(nproc)" ${KBTF_MAKEFLAGS:-} install PREFIX=/usr/local DESTDIR="$root" >&2 ||
			die 3 "kbtf did not build"
		v=$("$root/usr/local/bin/kbtf" --version) || die 3 "the kbtf just built does not run"
		# usr/ only: the root directory's own mode must not travel to the target's /
		tar -czf "$dist/kbtf.tar.gz" -C "$root" usr || die 3 "cannot write $dist/kbtf.tar.gz"
		say "$v: $dist/kbtf.tar.gz (extract in /: /usr/local/bin/kbtf)"
		;;
	*) die 2 "KBTF_PACKAGE=$how: deb or tar" ;;
	esac
	rm -rf "$work"
}

# setup [DIR]: the tools, and kbtf from DIR's package unless kbtf is there
cmd_setup() {
	dist=${1:-kbtf-dist}
	cmd_tools
	if command -v "$KBTF" >/dev/null 2>&1; then
		:
	elif ls "$dist"/kbtf_*.deb >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] || die 2 "installing $dist/kbtf_*.deb needs root"
		apt-get -q install -y --no-install-recommends "$(cd "$dist" && pwd)"/kbtf_*.deb ||
			die 3 "cannot install $dist/kbtf_*.deb"
	elif [ -f "$dist/kbtf.tar.gz" ]; then
		[ "$(id -u)" -eq 0 ] || die 2 "installing $dist/kbtf.tar.gz in /usr/local needs root"
		tar -xzf "$dist/kbtf.tar.gz" --no-overwrite-dir -C / || die 3 "cannot unpack $dist/kbtf.tar.gz"
	else
		die 2 "kbtf is not installed and $dist holds no kbtf package (made by: kbtf-matrix.sh build-kbtf $dist)"
	fi
	need_kbtf
}

# ---------------------------------------------------------------- one group

# headers_release WORD: the release to build for; installs headers when it can
headers_release() {
	case $1 in
	linux-headers-*)
		pkg=$1
		if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
			apt-get -q install -y --no-install-recommends "$pkg" >&2 || return 3
		fi
		rel=$(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null | tr ',' '\n' |
			sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n1)
		[ -n "$rel" ] || rel=${pkg#linux-headers-}
		;;
	*) rel=$1 ;;
	esac
	if [ ! -d "/lib/modules/$rel/build" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		apt-get -q install -y --no-install-recommends "linux-headers-$rel" >&2 || return 3
	fi
	[ -d "/lib/modules/$rel/build" ] || { say "no headers for $rel (linux-headers-$rel)"; return 3; }
	printf '%s\n' "$rel"
}

# the project's sources: what git tracks, else everything but the outputs
copy_sources() {
	mkdir -p "$1"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z | xargs -0 -I{} cp --parents {} "$1/"
	else
		find . -mindepth 1 -maxdepth 1 ! -name "$(basename "$OUT")" ! -name .git \
			-exec cp -R {} "$1/" \;
	fi
	find "$1" \( -name '*.ko' -o -name '*.o' -o -name '*.mod*' -o -name 'Module.symvers' \
		-o -name 'modules.order' -o -name '.*.cmd' \) -exec rm -f {} + 2>/dev/null || true
}

# validate_build DIR REL SET TITLE: every format of the report for one
# build, from one run (-o per format)
validate_build() {
	mods=$(find "$1" -maxdepth 1 -name '*.ko' | sort)
	[ -n "$mods" ] || { say "no modules in $1"; return 3; }
	set +e
	# shellcheck disable=SC2086
	"$KBTF" validate $mods --kernels "$3" --title "$4" -o "$1/validate.xml" \
		-o "$1/validate.json" -o "$1/validate.md" -o "$1/validate.html" \
		-o "$1/validate.txt" 2>"$1/validate.err"
	rc=$?
	set -e
	[ $rc -le 1 ] || { say "kbtf validate failed (exit $rc) for $1: $(cat "$1/validate.err")"; return 3; }
	return $rc
}

cmd_group() {
	name=$1
	group_line "$name"
	gdir=$OUT/$name
	rm -rf "$gdir"
	mkdir -p "$gdir"
	# the name travels with the results (CI artifacts may land under another name)
	echo "$name" >"$gdir/group"
	"$KBTF" --version >"$gdir/kbtf-version" 2>/dev/null || rm -f "$gdir/kbtf-version"
	want=${g_image#debian:}
	have=$(host_suite)
	if [ "$want" != "$have" ]; then
		echo "skipped: needs $g_image (this is $have): its kbuild tools need that suite" >"$gdir/status"
		say "$name: skipped here: needs $g_image, this machine is $have"
		return 0
	fi
	set_=$(validate_set "$g_validate")
	# kernel profiles for the validate set (already stored ones are kept)
	specs=$(printf '%s\n' "$set_" | tr ',' ' ')
	say "$name: fetching kernel profiles: $specs"
	# shellcheck disable=SC2086
	"$KBTF" kernels fetch ${KBTF_DEB_DIR:+--deb-dir "$KBTF_DEB_DIR"} $specs || {
		echo "error: kbtf kernels fetch failed" >"$gdir/status"
		die 3 "$name: kbtf kernels fetch $specs failed"
	}
	status=ok
	for word in $(printf '%s\n' "$g_build" | tr ',' ' '); do
		rel=$(headers_release "$word") || {
			echo "error: no headers for $word" >"$gdir/status"
			die 3 "$name: no headers for $word"
		}
		bdir=$gdir/$rel
		src=$gdir/.src-$rel
		# headers without vmlinux (Debian's 6.1): the kernel's own BTF, from its image
		base=
		if [ ! -e "/lib/modules/$rel/build/vmlinux" ]; then
			"$KBTF" kernels fetch ${KBTF_DEB_DIR:+--deb-dir "$KBTF_DEB_DIR"} \
				"debian/$want:linux-image-$rel" >&2 || {
				echo "error: no BTF for $rel" >"$gdir/status"
				die 3 "$name: $rel's headers have no vmlinux and its image could not be fetched"
			}
			base=$("$KBTF" kernels path "$rel")
		fi
		say "$name: building for $rel${base:+ (base BTF: $base)}"
		copy_sources "$src"
		"$KBTF" build --kdir "/lib/modules/$rel/build" ${base:+--base "$base"} -C "$src" \
			>"$bdir.build.log" 2>&1 || {
			cat "$bdir.build.log" >&2
			echo "error: build for $rel failed" >"$gdir/status"
			die 3 "$name: the build for $rel failed"
		}
		mkdir -p "$bdir"
		find "$src" -name '*.ko' -exec cp {} "$bdir/" \;
		mv "$bdir.build.log" "$bdir/build.log"
		rm -rf "$src"
		say "$name: validating the $rel build against $set_"
		set +e
		validate_build "$bdir" "$rel" "$set_" "$name: built for $rel"
		r=$?
		set -e
		case $r in
		0) echo ok >"$bdir/status" ;;
		1)
			echo not-ok >"$bdir/status"
			status=not-ok
			;;
		*)
			echo "error: validate failed" >"$gdir/status"
			die 3 "$name: validation of the $rel build failed"
			;;
		esac
	done
	echo "$status" >"$gdir/status"
	say "$name: $status ($(ls -d "$gdir"/*/ 2>/dev/null | wc -l) build(s)); results in $gdir"
}

# ---------------------------------------------------------------- merge

# attr FILE NAME: the first NAME="..." of the <testsuites> line of a JUnit file
junit_attr() {
	sed -n "s/.*<testsuites[^>]* $2=\"\([^\"]*\)\".*/\1/p" "$1" | head -n1
}

html_escape() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

cmd_merge() {
	rep=$OUT/report
	rm -rf "$rep"
	mkdir -p "$rep"
	statuses=$(find "$OUT" -path "$rep" -prune -o -name status -print | sort)
	# none at all: an error of each group of the matrix, below
	[ -n "$statuses" ] || [ -f "$MATRIX" ] || {
		rm -rf "$rep"
		die 2 "no group results under $OUT (run the groups first)"
	}
	junit=$rep/junit.xml
	md=$rep/report.md
	html=$rep/report.html
	rows=$rep/.rows
	: >"$rows"
	total=0
	failed=0
	groups=0
	notok=0
	errors=0
	for st in $statuses; do
		d=$(dirname "$st")
		case $(basename "$(dirname "$d")") in report) continue ;; esac
		# a group status sits beside per-build dirs; a build status inside one
		if [ -f "$d/validate.xml" ] || [ -f "$d/build.log" ]; then continue; fi
		groups=$((groups + 1))
		g=$(cat "$d/group" 2>/dev/null || basename "$d")
		gs=$(cat "$st")
		case $gs in
		error*) errors=$((errors + 1)) ;;
		not-ok) notok=$((notok + 1)) ;;
		esac
		builds=$(find "$d" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort)
		if [ -z "$builds" ]; then
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$g" "-" "-" "-" "$gs" "" >>"$rows"
		fi
		for b in $builds; do
			rel=$(basename "$b")
			x=$b/validate.xml
			t=0 f=0 e=0 bs=error
			if [ -f "$x" ]; then
				t=$(junit_attr "$x" tests)
				f=$(junit_attr "$x" failures)
				e=$(junit_attr "$x" errors)
				bs=$(cat "$b/status" 2>/dev/null || echo unknown)
			fi
			total=$((total + ${t:-0}))
			failed=$((failed + ${f:-0} + ${e:-0}))
			mkdir -p "$rep/$g/$rel"
			cp "$b"/validate.* "$b"/build.log "$rep/$g/$rel/" 2>/dev/null || true
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$g" "$rel" "${t:-0}" "$((${f:-0} + ${e:-0}))" \
				"$bs" "$g/$rel/validate.html" >>"$rows"
		done
	done
	# A group of the matrix with no results: its job did not run or did not
	# upload (a CI job list written by hand, as GitLab's is, must name every
	# group). The report says so rather than look complete.
	if [ -f "$MATRIX" ]; then
		for g in $(matrix_lines | cut -d' ' -f1); do
			cut -f1 "$rows" | grep -qxF -- "$g" && continue
			groups=$((groups + 1))
			errors=$((errors + 1))
			printf '%s\t-\t-\t-\t%s\t\n' "$g" \
				"error: no results for this group of $MATRIX (did its CI job run?)" >>"$rows"
			say "group $g of $MATRIX has no results: did its CI job run?"
		done
	fi

	# Nothing judged (every group skipped here, or failed): no report that
	# could pass for one, and an exit status that stops the job.
	if [ "$total" -eq 0 ]; then
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			say "$g: $s"
		done <"$rows"
		rm -rf "$rep"
		[ "$errors" -eq 0 ] ||
			die 3 "no (build, kernel) pair judged: $errors group(s) failed; no report written"
		die 2 "no (build, kernel) pair judged: every group was skipped here; no report written"
	fi
	made_by=$(cat "$(find "$OUT" -name kbtf-version | head -n1)" 2>/dev/null ||
		"$KBTF" --version 2>/dev/null || echo kbtf)

	# JUnit: every build's test suites, named after group and build
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		printf '<testsuites name="kbtf compatibility matrix" tests="%s" failures="%s">\n' \
			"$total" "$failed"
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			x=$rep/$g/$rel/validate.xml
			if [ "$rel" = - ]; then
				# a group that built nothing here: skipped, or an error
				msg=$(printf '%s' "$s" | html_escape | sed 's/"/\&quot;/g')
				tag=skipped
				case $s in error*) tag=error ;; esac
				printf '  <testsuite name="%s" tests="1" failures="0" errors="%s" skipped="%s">\n' \
					"$g" "$([ $tag = error ] && echo 1 || echo 0)" "$([ $tag = skipped ] && echo 1 || echo 0)"
				printf '    <testcase classname="%s" name="%s"><%s message="%s"/></testcase>\n' \
					"$g" "$g" "$tag" "$msg"
				echo '  </testsuite>'
				continue
			fi
			[ -f "$x" ] || continue
			sed -n '/<testsuite[ >]/,/<\/testsuite>/p' "$x" |
				sed -e "s|<testsuite name=\"|<testsuite name=\"$g $rel: |" \
					-e "s|classname=\"|classname=\"$g.$rel.|"
		done <"$rows"
		echo '</testsuites>'
	} >"$junit"

	# Markdown: the summary table, then each build's own report
	{
		echo "# Pre-release compatibility report"
		echo
		echo "$groups kernel groups, $total (build, kernel) pairs, $failed not ok." \
			"Made by kbtf-matrix.sh with $made_by."
		echo
		echo "| group | built for | pairs | not ok | status |"
		echo "|---|---|---|---|---|"
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			echo "| $g | $rel | $t | $f | $s |"
		done <"$rows"
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			m=$rep/$g/$rel/validate.md
			[ -f "$m" ] || continue
			echo
			sed 's/^#/##/' "$m"
		done <"$rows"
	} >"$md"

	# HTML: the summary table linking to each build's full report, then
	# each build's summary, causes and kernel x module matrix (cut from its
	# own report, links pointing into it)
	style=$(find "$rep" -name validate.html | head -n1)
	{
		cat <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kbtf compatibility report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
EOF
		# the per-build report's style, so the matrices look the same
		[ -n "$style" ] && sed -n '/^<style>$/,/^<\/style>/p' "$style" | sed 's|</style></head>|</style>|'
		cat <<'EOF'
<style>
table.merged td,table.merged th{border:1px solid #bbb;padding:.3em .7em;text-align:left}
.ok{background:#dfd}.not-ok{background:#fdd}.error{background:#f99}.skipped{background:#eee}
</style></head><body>
<h1>Pre-release compatibility report</h1>
EOF
		printf '<div class="sub">%s kernel groups, %s (build, kernel) pairs, %s not ok. Made by kbtf-matrix.sh with %s.</div>\n' \
			"$groups" "$total" "$failed" "$(printf '%s' "$made_by" | html_escape)"
		echo '<table class="merged"><tr><th>group</th><th>built for</th><th>pairs</th><th>not ok</th><th>status</th><th>report</th></tr>'
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			cls=$(printf '%s' "$s" | cut -d: -f1)
			printf '<tr class="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n' \
				"$cls" "$g" "$rel" "$t" "$f" "$(printf '%s' "$s" | html_escape)" \
				"$([ -n "$link" ] && printf '<a href="%s">details</a>' "$link")"
		done <"$rows"
		echo '</table>'
		while IFS="$(printf '\t')" read -r g rel t f s link; do
			h=$rep/$g/$rel/validate.html
			[ -f "$h" ] || continue
			printf '<h2>%s, built for %s</h2>\n' "$g" "$rel"
			sed -n -e '/^<div class="summary">/p' -e '/^<div class="top">/p' \
				-e '/^<div class="abi">/p' \
				-e '/^<table class="causes">/,/^<\/tbody><\/table>/p' \
				-e '/^<table class="matrix">/,/^<\/tbody><\/table>/p' "$h" |
				sed "s|href=\"#pair-|href=\"$g/$rel/validate.html#pair-|g"
		done <"$rows"
		echo '<p>JUnit: <a href="junit.xml">junit.xml</a>; Markdown: <a href="report.md">report.md</a>.</p>'
		echo '</body></html>'
	} >"$html"
	rm -f "$rows"
	say "report: $html, $md, $junit ($total pairs, $failed not ok, $notok group(s) not ok, $errors group error(s))"
	[ "$errors" -eq 0 ] || return 3
	if [ "${KBTF_GATE:-0}" = 1 ] && [ "$failed" -gt 0 ]; then
		return 1
	fi
	return 0
}

# all runs every group of the matrix afresh: what an earlier run left
# under $OUT (groups of another matrix, an old report) is not its result
clear_results() {
	for d in "$OUT"/*/; do
		[ -d "$d" ] || continue
		if [ -f "$d/group" ] || [ "$(basename "$d")" = report ]; then
			rm -rf "$d"
		fi
	done
}

# ---------------------------------------------------------------- main

case ${1:-} in
groups) matrix_lines | cut -d' ' -f1 ;;
github-matrix)
	matrix_lines | awk '{ printf "%s{\"group\":\"%s\",\"image\":\"%s\"}", n++ ? "," : "", $1, $2 }
		END { print "" }' | sed 's/^/{"include":[/; s/$/]}/'
	;;
tools) cmd_tools ;;
build-kbtf) cmd_build_kbtf "${2:-kbtf-dist}" ;;
setup) cmd_setup "${2:-kbtf-dist}" ;;
group)
	[ $# -eq 2 ] || die 2 "usage: kbtf-matrix.sh group NAME"
	need_kbtf
	cmd_group "$2"
	;;
merge) cmd_merge ;;
all)
	clear_results
	need_kbtf
	rc=0
	for g in $(matrix_lines | cut -d' ' -f1); do
		(cmd_group "$g") || rc=$?
	done
	cmd_merge || rc=$?
	exit $rc
	;;
*) die 2 "usage: kbtf-matrix.sh groups|github-matrix|tools|build-kbtf [DIR]|setup [DIR]|group NAME|merge|all" ;;
esac

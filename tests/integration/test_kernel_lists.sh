#!/bin/bash
# The kernel set lists in ci/kernels/ say in their header how many kernels
# they hold ("# N kernels"), and docs/kernels.md's table repeats it: both
# must be what the list holds, counted as kbtf reads a list (one item a
# line, '#' starts a comment, blank lines ignored, "@FILE" includes FILE
# from the same directory). No kernel is listed twice.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

dir=$KBTF_ROOT/ci/kernels
doc=$KBTF_ROOT/docs/kernels.md

# items FILE [DEPTH]: every item of FILE, includes expanded, one a line
items() {
	local line depth=${2:-0}
	[ "$depth" -lt 8 ] || { echo "include loop at $1" >&2; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		[ -n "$line" ] || continue
		case $line in
		@*) items "$dir/${line#@}" $((depth + 1)) || return 1 ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$1"
}

n=0
for f in "$dir"/*.list; do
	name=${f##*/}
	n=$((n + 1))
	items "$f" >"$t_tmp/items" || { t_fail "$name: could not be read"; continue; }
	have=$(wc -l <"$t_tmp/items")
	said=$(sed -n 's/^# \([0-9][0-9]*\) kernels[.:].*/\1/p' "$f")
	if [ "$(printf '%s\n' "$said" | grep -c .)" -ne 1 ]; then
		t_fail "$name: no single '# N kernels' line in its header (found: ${said:-none})"
	elif [ "$said" -eq "$have" ]; then
		t_ok "$name: its header says $said kernels, it lists $have"
	else
		t_fail "$name: its header says $said kernels, it lists $have"
	fi
	dup=$(sort "$t_tmp/items" | uniq -d | head -n 3 | tr '\n' ' ')
	[ -z "$dup" ] && t_ok "$name: no kernel listed twice" || t_fail "$name: listed twice: $dup"
	# docs/kernels.md's table of the sets: "| `NAME` | ... (N) |" or "(N; ...)"
	row=$(grep -F "| \`$name\` |" "$doc" | head -n 1)
	if [ -n "$row" ]; then
		doc_n=$(printf '%s' "$row" | sed -n 's/.*(\([0-9][0-9]*\)[;)].*/\1/p')
		[ "$doc_n" = "$have" ] && t_ok "$name: docs/kernels.md says $doc_n too" ||
			t_fail "$name: docs/kernels.md says ${doc_n:-no number}, the list holds $have"
	fi
done
[ "$n" -ge 5 ] && t_ok "$n lists checked" || t_fail "only $n lists in $dir"
# all.list's breakdown names each included set's count
all=$dir/all.list
for inc in $(sed -n 's/^@//p' "$all"); do
	c=$(items "$dir/$inc" | wc -l)
	label=$(echo "$inc" | sed 's/\.list$//; s/-/ /')
	grep -q "^# .*$label ($c)" "$all" && t_ok "all.list's header: $label ($c)" ||
		t_fail "all.list's header does not say '$label ($c)'"
done
t_done

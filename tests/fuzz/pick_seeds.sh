#!/bin/bash
# tests/fuzz/pick_seeds.sh DIR TARGET CORPUS [MAXSIZE [BUDGET]]
#
# Choose the seeds a campaign adds to tests/fuzz/corpus/TARGET/: libFuzzer's
# merge runs DIR/fuzz_TARGET over the committed seeds and CORPUS (a
# campaign's inputs) and records the edges each input reaches; then, by
# greedy set cover, the fewest inputs of at most MAXSIZE bytes (default
# 65536) that reach every edge the committed seeds do not are copied in as
# campaign-<sha1>, most new edges first, until they add up to BUDGET bytes
# (default 204800). Prints one line per seed: file, new edges, size.
set -eu

dir=${1:?usage: pick_seeds.sh DIR TARGET CORPUS [MAXSIZE]}
t=${2:?usage}
corpus=${3:?usage}
max=${4:-65536}
budget=${5:-204800}
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$root/tests/fuzz/corpus/$t
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/out"
cp "$seeds"/* "$tmp/out/"
"$dir/fuzz_$t" -merge=1 -merge_control_file="$tmp/control" -timeout=10 \
	-rss_limit_mb=2048 "$tmp/out" "$corpus" >"$tmp/log" 2>&1 ||
	{ tail -n 20 "$tmp/log" >&2; exit 1; }

# the control file: file count, count of the first (committed) ones, the
# file names, then per file "STARTED i size" and "COV i edge..."
awk -v max="$max" '
NR == 1 { n = $1; next }
NR == 2 { m = $1; next }
NR <= n + 2 { name[NR - 3] = $0; next }
$1 == "STARTED" { size[$2] = $3 }
$1 == "COV" { edges[$2] = edges[$2] " " $0 }
END {
	for (i = 0; i < m; i++) {
		c = split(edges[i], e, " ")
		for (k = 3; k <= c; k++) base[e[k]] = 1
	}
	for (i = m; i < n; i++) {
		if (size[i] > max) continue
		c = split(edges[i], e, " ")
		for (k = 3; k <= c; k++) if (!(e[k] in base)) { want[e[k]] = 1; list[i] = list[i] " " e[k] }
	}
	for (;;) {
		best = -1; bg = 0
		for (i = m; i < n; i++) {
			if (!(i in list)) continue
			g = 0; c = split(list[i], e, " ")
			for (k = 1; k <= c; k++) if (e[k] in want) g++
			if (g > bg || (g == bg && g > 0 && size[i] < size[best])) { bg = g; best = i }
		}
		if (best < 0) break
		c = split(list[best], e, " ")
		for (k = 1; k <= c; k++) delete want[e[k]]
		print name[best] "\t" bg "\t" size[best]
	}
}' "$tmp/control" | while IFS=$'\t' read -r f gain size; do
	budget=$((budget - size))
	[ "$budget" -ge 0 ] || break
	dest=$seeds/campaign-$(sha1sum "$f" | cut -c1-12)
	cp "$f" "$dest"
	printf '%s\t%s new edges\t%s bytes\n' "${dest#"$root"/}" "$gain" "$size"
done

#!/bin/bash
# tests/integration/test_distill_files.sh: kbtf distill rewrites a module as
# the same file (issue 13 items 6 and 7). A symlink is written through, the
# target keeps owner, group, mode and extended attributes, and a hard link
# is said; a distill stopped by SIGTERM, SIGINT or SIGHUP leaves no
# temporary file or directory, and the leftovers of one killed by SIGKILL
# are swept by the next run; the module to sign passes through a 0700
# directory as a 0600 file.
#
# Inputs: the fuzz seeds (a 4 KB vmlinux, a module built on it), openssl,
# and Debian's scripts/sign-file behind a wrapper that records what it
# sees and waits, so that the signals land while the temporary files exist.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

seeds=$KBTF_ROOT/tests/fuzz/corpus/source
vml=$seeds/vmlinux
T=$t_tmp
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

has_base() { readelf -SW "$1" 2>/dev/null | grep -q ' .BTF.base '; }

# ------------------------------------------- symlink, owner, xattrs, links
mkdir -p "$T/id"
cp "$seeds/module.ko" "$T/id/real.ko"
cp "$seeds/module.ko" "$T/id/orig.ko"
ln -s real.ko "$T/id/link.ko"
chmod 0640 "$T/id/real.ko"
ln "$T/id/real.ko" "$T/id/hard.ko"
xattr=no
if command -v setfattr >/dev/null && setfattr -n user.vendor -v acme "$T/id/real.ko" 2>/dev/null; then
	xattr=yes
fi
owner=$(id -u):$(id -g)
if [ "$(id -u)" -eq 0 ]; then
	chown 1000:1000 "$T/id/real.ko"
	owner=1000:1000
fi
"$KBTF" distill "$T/id/link.ko" --base "$vml" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && [ -L "$T/id/link.ko" ] && [ "$(readlink "$T/id/link.ko")" = real.ko ] &&
	has_base "$T/id/real.ko"; then
	t_ok "distill of a symlink: the link stays, its target is distilled"
else
	t_fail "distill of a symlink: exit $rc, link $(readlink "$T/id/link.ko" || echo gone)," \
		"target distilled: $(has_base "$T/id/real.ko" && echo yes || echo no)"
	head -n 5 "$T/out" "$T/err" | sed 's/^/    | /'
fi
t_grep "  ... and says so" "a symlink: wrote through to $T/id/real.ko" "$T/out"
got=$(stat -c '%u:%g %a' "$T/id/real.ko")
if [ "$got" = "$owner 640" ]; then
	t_ok "  ... the target keeps owner, group and mode ($got)"
else
	t_fail "  ... the target is $got, was $owner 640"
fi
if [ "$xattr" = yes ]; then
	if [ "$(getfattr --only-values -n user.vendor "$T/id/real.ko" 2>/dev/null)" = acme ]; then
		t_ok "  ... and its extended attribute user.vendor=acme"
	else
		t_fail "  ... but lost its extended attribute user.vendor"
	fi
else
	echo "note: no setfattr or no user xattrs here: extended attributes not checked"
fi
if cmp -s "$T/id/hard.ko" "$T/id/orig.ko" &&
	grep -qF "real.ko had 2 hard links: it is a new file now, the other name still holds" \
		"$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; then
	t_ok "  ... the hard link keeps the old module, said in one line: $(cat "$T/err")"
else
	t_fail "  ... hard link: $(cmp -s "$T/id/hard.ko" "$T/id/orig.ko" && echo unchanged ||
		echo changed), stderr: $(head -n 3 "$T/err")"
fi

# ------------------------------------------------- temp files and signals
SIGNFILE=$(ls /usr/lib/linux-kbuild-6.12*/scripts/sign-file /usr/lib/linux-kbuild-*/scripts/sign-file \
	2>/dev/null | head -n1)
openssl req -new -nodes -utf8 -sha256 -days 2 -batch -x509 -subj "/CN=kbtf test/" \
	-outform PEM -out "$T/key.pem" -keyout "$T/key.pem" >/dev/null 2>&1
if [ ! -x "$SIGNFILE" ] || [ ! -s "$T/key.pem" ]; then
	t_fail "sign-file (linux-kbuild) and openssl are available"
	t_done
fi
# a kdir whose scripts/sign-file records the mode of its directory and of
# the module, waits, then signs
mkdir -p "$T/kdir/scripts"
cat >"$T/kdir/scripts/sign-file" <<EOF
#!/bin/sh
stat -c '%a %n' "\$(dirname "\$4")" "\$4" >>"$T/perms"
sleep 0.4
exec "$SIGNFILE" "\$@"
EOF
chmod +x "$T/kdir/scripts/sign-file"
mkdir -p "$T/mods"
# exec: $! is kbtf itself, the process the signals are for
distill_signed() { exec "$KBTF" distill -q "$T/mods/m.ko" --base "$vml" --kdir "$T/kdir" \
	--sign "$T/key.pem" "$T/key.pem"; }
# bash forks, then the child execs kbtf: a signal that lands in between
# reaches a copy of this shell, which runs the function's caller on (its
# traps, the rest of this script), not kbtf; so the signal waits for the exec
kbtf_exe=$(readlink -f "$KBTF")
wait_exec() {
	while kill -0 "$1" 2>/dev/null && [ "$(readlink "/proc/$1/exe")" != "$kbtf_exe" ]; do
		sleep 0.01
	done
}
leftovers() {
	find "$T/mods" "$TMPDIR" -mindepth 1 \( -name 'm.ko.kbtf-*' -o -name 'kbtf-distill-*' \) |
		sed "s|^$T/||" | sort
}

# stopped: nothing left behind, whatever the moment; the module is the old
# one or the new one, never anything else
bad=""
outcomes=""
stop_runs() {
local i=0 sig pid rc
set -m # job control: background jobs do not ignore SIGINT
for sig in TERM INT HUP TERM INT HUP TERM INT HUP TERM INT HUP; do
	i=$((i + 1))
	cp "$seeds/module.ko" "$T/mods/m.ko"
	distill_signed >/dev/null 2>&1 &
	pid=$!
	wait_exec "$pid"
	sleep "0.$((i % 6))"
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	outcomes="$outcomes $sig:$rc"
	sleep 0.5 # the wrapper, if it was running, finishes
	if [ -n "$(leftovers)" ]; then
		bad="$bad; SIG$sig (exit $rc) left $(leftovers | tr '\n' ' ')"
	elif ! cmp -s "$T/mods/m.ko" "$seeds/module.ko" && ! has_base "$T/mods/m.ko"; then
		bad="$bad; SIG$sig (exit $rc) left a broken module"
	fi
	rm -rf "$T/mods"/m.ko.kbtf-* "$TMPDIR"/kbtf-distill-*
done
set +m
}
stop_runs 2>/dev/null # not bash's job notices
if [ -z "$bad" ]; then
	t_ok "distill --sign stopped by SIGTERM/SIGINT/SIGHUP 12 times: nothing left behind (signal:exit$outcomes)"
else
	t_fail "distill --sign stopped by a signal:${bad#;}"
fi
if [ -s "$T/perms" ] && ! grep -qv -E '^(700 .*/kbtf-distill-[0-9]+-.{6}|600 .*/unsigned\.ko)$' "$T/perms"; then
	t_ok "  ... the module to sign was a 0600 file in a 0700 kbtf-distill-<pid>-XXXXXX directory"
else
	t_fail "  ... sign-file saw: $(sort -u "$T/perms" | head -n 4 | tr '\n' ';')"
fi

# killed outright: leftovers carry the pid; the next run removes them
killed=0
kill_runs() {
local i pid
for i in 1 2 3 4 5 6 7 8; do
	cp "$seeds/module.ko" "$T/mods/m.ko"
	distill_signed >/dev/null 2>&1 &
	pid=$!
	wait_exec "$pid"
	sleep "0.$((i % 5))"
	kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
done
}
kill_runs 2>/dev/null
sleep 0.5
before=$(leftovers | wc -l)
# a temp file beside the module of a live process (this shell) stays
touch "$T/mods/m.ko.kbtf-$$-abcdef"
cp "$seeds/module.ko" "$T/mods/m.ko"
(distill_signed) >"$T/out" 2>&1
rc=$?
after=$(leftovers | grep -v "m.ko.kbtf-$$-abcdef")
if [ "$rc" -eq 0 ] && [ "$before" -gt 0 ] && [ -z "$after" ] &&
	[ -e "$T/mods/m.ko.kbtf-$$-abcdef" ]; then
	t_ok "after $killed SIGKILLs ($before temporary files and directories left after the last; each run sweeps those of dead runs), the next run removed them and kept a live process's"
else
	t_fail "after SIGKILLs: the next run exit $rc, left: $(echo "$after" | tr '\n' ' ')"
	head -n 5 "$T/out" | sed 's/^/    | /'
fi

# named as kbtf 0.1.0 named them (no pid): swept once unchanged for an hour
# (a file) or a day (a signing directory, everything in it); younger ones
# may be an old kbtf's at work, and stay
mkdir -p "$T/mods" "$TMPDIR/kbtf-distill-Qw3rty" "$TMPDIR/kbtf-distill-Po1uYt" \
	"$TMPDIR/kbtf-distill-Lk2jHg"
touch -d '2 hours ago' "$T/mods/m.ko.kbtf-Ab3dEf"
touch "$T/mods/m.ko.kbtf-Zz9yXw"
touch -d '50 minutes ago' "$T/mods/m.ko.kbtf-Mn4bVc"
touch -d '2 days ago' "$T/mods/m.ko.kbtf-abcdefg" "$T/mods/m.ko.kbtf-ab_def"
touch -d '2 days ago' "$TMPDIR/kbtf-distill-Qw3rty/unsigned.ko" "$TMPDIR/kbtf-distill-Qw3rty"
touch -d '2 days ago' "$TMPDIR/kbtf-distill-Po1uYt/unsigned.ko"
touch "$TMPDIR/kbtf-distill-Po1uYt/unsigned.ko.p7s"
touch -d '2 days ago' "$TMPDIR/kbtf-distill-Po1uYt"
touch -d '3 hours ago' "$TMPDIR/kbtf-distill-Lk2jHg/unsigned.ko" "$TMPDIR/kbtf-distill-Lk2jHg"
foreign=
if [ "$(id -u)" -eq 0 ]; then
	touch -d '2 days ago' "$T/mods/m.ko.kbtf-Fo7rEi"
	chown 1000:1000 "$T/mods/m.ko.kbtf-Fo7rEi"
	foreign=mods/m.ko.kbtf-Fo7rEi
fi
cp "$seeds/module.ko" "$T/mods/m.ko"
(distill_signed) >"$T/out" 2>&1
rc=$?
got=$(leftovers | grep -v "m.ko.kbtf-$$-abcdef" | tr '\n' ' ')
want=$(printf '%s\n' mods/m.ko.kbtf-Mn4bVc mods/m.ko.kbtf-Zz9yXw mods/m.ko.kbtf-ab_def \
	mods/m.ko.kbtf-abcdefg tmp/kbtf-distill-Lk2jHg tmp/kbtf-distill-Po1uYt $foreign |
	sort | tr '\n' ' ')
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
	t_ok "kbtf 0.1.0's temporaries (no pid): the next run swept a file unchanged for 2 hours and a signing directory for 2 days; kept younger ones, other names${foreign:+, one owned by another user}"
else
	t_fail "kbtf 0.1.0's temporaries: exit $rc, left: $got; want: $want"
	head -n 5 "$T/out" | sed 's/^/    | /'
fi

t_done

#!/bin/bash
# test_fetch_distros.sh: `kbtf kernels fetch` against local replicas of
# Ubuntu, Fedora, a RHEL-like repository given by URL, openSUSE, Arch and
# Amazon Linux. Only Debian's archive is reachable from here, so each
# replica is built in the distribution's real formats and layout (rpmbuild +
# createrepo_c repomd; dpkg-deb + dpkg-scanpackages Packages.xz and a
# gpg-signed InRelease; a pacman repo database of desc files) holding a real
# Debian kernel (6.12.113+deb12-amd64) repackaged in that distribution's file
# layout, and served on 127.0.0.1 by a small HTTP server with Range support
# that this test starts and stops. Checks: the metadata is read, the right
# packages (and only they) are downloaded, the profile stored holds the
# Debian kernel's BTF byte for byte; a corrupt package is refused by its
# checksum, an interrupted download resumes with a Range request, a Release
# signed by another key is refused, Ubuntu's headers without BTF bring the
# image in a second round.
. "$(dirname "$0")/lib.sh" || exit 1 # refuses to run without run.sh's environment

for tool in rpmbuild createrepo_c dpkg-scanpackages dpkg-deb gpg gpgv zstd python3 objcopy jq; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed"
done

rel=6.12.113+deb12-amd64
fetch=$KBTF_ROOT/tests/lib/debfetch.sh
img=$("$fetch" bookworm "linux-image-$rel") || t_skip_all "cannot fetch linux-image-$rel"
hdr=$("$fetch" bookworm "linux-headers-$rel") || t_skip_all "cannot fetch linux-headers-$rel"

export XDG_CACHE_HOME="$t_tmp/cache" XDG_CONFIG_HOME="$t_tmp/config"
store=$XDG_CACHE_HOME/kbtf/kernels
www=$t_tmp/www
src=$t_tmp/src
out=$t_tmp/out
mkdir -p "$www" "$src" "$XDG_CONFIG_HOME/kbtf"

# ---------------------------------------------- the Debian kernel's files
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$src" "./boot/vmlinuz-$rel" "./boot/config-$rel"
dpkg-deb --fsys-tarfile "$hdr" | tar -x -C "$src" "./usr/src/linux-headers-$rel/Module.symvers" \
	"./usr/src/linux-headers-$rel/vmlinux" "./usr/src/linux-headers-$rel/.config"
vmlinuz=$src/boot/vmlinuz-$rel
config=$src/boot/config-$rel
symvers=$src/usr/src/linux-headers-$rel/Module.symvers
objcopy -O binary --only-section=.BTF "$src/usr/src/linux-headers-$rel/vmlinux" "$t_tmp/want.btf"

# rpm NAME VERSION RELEASE DIR FILE=PATH... : a binary x86_64 RPM holding
# each FILE at PATH, zstd payload (as Fedora and RHEL 9+ ship), into DIR
rpm_pkg() {
	local name=$1 ver=$2 r=$3 dir=$4 top spec f i=0
	shift 4
	top=$t_tmp/rpmbuild-$name-$r
	mkdir -p "$top/SOURCES" "$top/SPECS" "$dir"
	spec=$top/SPECS/$name.spec
	{
		echo "Name: $name"
		echo "Version: $ver"
		echo "Release: $r"
		echo "Summary: $name repackaged from Debian for a kbtf test replica"
		echo "License: GPL-2.0-only"
		echo "AutoReqProv: no"
		echo "%description"
		echo "kbtf test replica."
		echo "%install"
		for f in "$@"; do
			echo "install -D -m 0644 $top/SOURCES/f$i %{buildroot}${f#*=}"
			cp "${f%%=*}" "$top/SOURCES/f$i"
			i=$((i + 1))
		done
		echo "%files"
		for f in "$@"; do echo "${f#*=}"; done
	} >"$spec"
	rpmbuild -bb --quiet --target x86_64 --define "_topdir $top" \
		--define "_binary_payload w3.zstdio" --define "__os_install_post %{nil}" \
		--define "debug_package %{nil}" --define "_build_id_links none" "$spec" >"$top/log" 2>&1 ||
		{ cat "$top/log" >&2; return 1; }
	mv "$top"/RPMS/x86_64/*.rpm "$dir/"
}

xz -c "$symvers" >"$t_tmp/symvers.xz"
gzip -c "$symvers" >"$t_tmp/symvers.gz"

# ------------------------------------------------------- Fedora (repomd)
frel=6.12.113-300.fc41.x86_64
fos=$www/fedora/releases/41/Everything/x86_64/os
rpm_pkg kernel-core 6.12.113 300.fc41 "$fos/Packages/k" \
	"$vmlinuz=/lib/modules/$frel/vmlinuz" "$config=/lib/modules/$frel/config" \
	"$t_tmp/symvers.xz=/lib/modules/$frel/symvers.xz" || t_fail "rpmbuild kernel-core (fedora)"
createrepo_c -q "$fos"
# the updates repository: an older kernel, to be told apart by the pattern
fup=$www/fedora/updates/41/Everything/x86_64
rpm_pkg kernel-core 6.11.4 301.fc41 "$fup/Packages/k" \
	"$vmlinuz=/lib/modules/6.11.4-301.fc41.x86_64/vmlinuz" || t_fail "rpmbuild kernel-core (update)"
createrepo_c -q "$fup"

# ----------------------------------- a RHEL-like BaseOS given by URL only
rrel=6.12.0-55.el10.x86_64
rhel=$www/rhel10/BaseOS/x86_64/os
rpm_pkg kernel-core 6.12.0 55.el10 "$rhel/Packages" \
	"$vmlinuz=/lib/modules/$rrel/vmlinuz" "$config=/lib/modules/$rrel/config" \
	"$t_tmp/symvers.xz=/lib/modules/$rrel/symvers.xz" || t_fail "rpmbuild kernel-core (rhel)"
createrepo_c -q --general-compress-type=xz "$rhel"

# ------------------------------------------------- openSUSE Tumbleweed
srel=6.12.113-1-default
suse=$www/opensuse/tumbleweed/repo/oss
rpm_pkg kernel-default 6.12.113 1.1 "$suse/x86_64" \
	"$vmlinuz=/boot/vmlinuz-$srel" "$config=/boot/config-$srel" \
	"$t_tmp/symvers.gz=/boot/symvers-$srel.gz" || t_fail "rpmbuild kernel-default"
createrepo_c -q "$suse"
# createrepo_c 1.x (Fedora 39+, Tumbleweed) writes zstd; Debian's 0.17 cannot:
# recompress its primary.xml.gz as zstd and say so in repomd.xml, as 1.x would
python3 - "$suse/repodata" <<'EOF'
import glob, gzip, hashlib, os, re, subprocess, sys
d = sys.argv[1]
old = glob.glob(d + "/*-primary.xml.gz")[0]
raw = gzip.open(old).read()
z = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
sha = hashlib.sha256(z).hexdigest()
new = "%s-primary.xml.zst" % sha
open(os.path.join(d, new), "wb").write(z)
os.unlink(old)
md = open(d + "/repomd.xml").read()
m = re.search(r'<data type="primary">.*?</data>', md, re.S)
blk = m.group(0)
blk = re.sub(r'<checksum type="sha256">[0-9a-f]+</checksum>', '<checksum type="sha256">%s</checksum>' % sha, blk)
blk = re.sub(r'href="repodata/[^"]*"', 'href="repodata/%s"' % new, blk)
blk = re.sub(r'<size>\d+</size>', '<size>%d</size>' % len(z), blk)
open(d + "/repomd.xml", "w").write(md.replace(m.group(0), blk))
EOF

# ------------------------------------------- Amazon Linux 2023 (mirror.list)
arel=6.12.113-1.amzn2023.x86_64
al=$www/al2023/core/guids/0123abcd/x86_64
rpm_pkg kernel 6.12.113 1.amzn2023 "$al/Packages" \
	"$vmlinuz=/lib/modules/$arel/vmlinuz" "$config=/lib/modules/$arel/config" \
	"$t_tmp/symvers.xz=/lib/modules/$arel/symvers.xz" || t_fail "rpmbuild kernel (amazon)"
createrepo_c -q "$al"

# -------------------------------------------------------- Arch (core.db)
arch_rel=6.12.113-arch1-1
core=$www/arch/core/os/x86_64
mkdir -p "$core" "$www/arch/extra/os/x86_64" "$t_tmp/pkgi" "$t_tmp/pkgh" "$t_tmp/db/x"
mkdir -p "$t_tmp/pkgi/usr/lib/modules/$arch_rel" "$t_tmp/pkgh/usr/lib/modules/$arch_rel/build"
cp "$vmlinuz" "$t_tmp/pkgi/usr/lib/modules/$arch_rel/vmlinuz"
cp "$src/usr/src/linux-headers-$rel/vmlinux" "$src/usr/src/linux-headers-$rel/.config" "$symvers" \
	"$t_tmp/pkgh/usr/lib/modules/$arch_rel/build/"
arch_pkg() { # NAME DIR: NAME-6.12.113.arch1-1-x86_64.pkg.tar.zst, its desc into the db
	local name=$1 dir=$2 file sha size
	file=$name-6.12.113.arch1-1-x86_64.pkg.tar.zst
	printf 'pkgname = %s\npkgver = 6.12.113.arch1-1\narch = x86_64\n' "$name" >"$dir/.PKGINFO"
	(cd "$dir" && tar -c .PKGINFO usr | zstd -q -T0 -o "$core/$file")
	sha=$(sha256sum "$core/$file" | cut -d' ' -f1)
	size=$(stat -c %s "$core/$file")
	mkdir -p "$t_tmp/db/x/$name-6.12.113.arch1-1"
	printf '%%FILENAME%%\n%s\n\n%%NAME%%\n%s\n\n%%VERSION%%\n6.12.113.arch1-1\n\n%%CSIZE%%\n%s\n\n%%SHA256SUM%%\n%s\n\n%%ARCH%%\nx86_64\n\n' \
		"$file" "$name" "$size" "$sha" >"$t_tmp/db/x/$name-6.12.113.arch1-1/desc"
}
arch_pkg linux "$t_tmp/pkgi"
arch_pkg linux-headers "$t_tmp/pkgh"
(cd "$t_tmp/db/x" && tar -c * | zstd -q -o "$core/core.db.tar.zst") && ln -s core.db.tar.zst "$core/core.db"
mkdir -p "$t_tmp/db/empty" && tar -C "$t_tmp/db/empty" -czf "$www/arch/extra/os/x86_64/extra.db" .

# ------------------------------------ Ubuntu (Packages.xz, signed InRelease)
urel=6.12.113-1-generic
pool=$www/ubuntu/pool/main/l/linux
mkdir -p "$pool"
deb_pkg() { # NAME ROOT: a .deb of ROOT's tree, zstd like Ubuntu's
	local name=$1 root=$2
	mkdir -p "$root/DEBIAN"
	printf 'Package: %s\nVersion: 6.12.113-1.1\nArchitecture: amd64\nMaintainer: kbtf test <t@kbtf.invalid>\nDescription: replica\n' \
		"$name" >"$root/DEBIAN/control"
	dpkg-deb -Zzstd --root-owner-group --build "$root" "$pool/${name}_6.12.113-1.1_amd64.deb" >/dev/null
}
mkdir -p "$t_tmp/ui/boot" "$t_tmp/uh/usr/src/linux-headers-$urel"
cp "$vmlinuz" "$t_tmp/ui/boot/vmlinuz-$urel"
cp "$config" "$t_tmp/ui/boot/config-$urel"
cp "$config" "$t_tmp/uh/usr/src/linux-headers-$urel/.config"
cp "$symvers" "$t_tmp/uh/usr/src/linux-headers-$urel/Module.symvers"
deb_pkg "linux-image-unsigned-$urel" "$t_tmp/ui"
deb_pkg "linux-headers-$urel" "$t_tmp/uh"
export GNUPGHOME=$t_tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg -q --batch --passphrase '' --quick-gen-key 'kbtf replica <replica@kbtf.invalid>' default default never 2>/dev/null
gpg -q --export >"$t_tmp/replica.gpg"
# Arch signs its databases (core.db.sig); extra.db stays unsigned here, as
# pacman's default SigLevel (DatabaseOptional) allows
gpg -q --batch --yes --detach-sign -o "$core/core.db.sig" "$core/core.db"
for suite in noble noble-updates noble-security; do
	d=$www/ubuntu/dists/$suite
	mkdir -p "$d/main/binary-amd64"
	if [ $suite = noble ]; then
		(cd "$www/ubuntu" && dpkg-scanpackages -m pool /dev/null 2>/dev/null) >"$d/main/binary-amd64/Packages"
	else
		: >"$d/main/binary-amd64/Packages"
	fi
	xz -k "$d/main/binary-amd64/Packages"
	{
		printf 'Origin: Ubuntu\nSuite: %s\nCodename: noble\nArchitectures: amd64\nComponents: main\nSHA256:\n' "$suite"
		for f in main/binary-amd64/Packages main/binary-amd64/Packages.xz; do
			printf ' %s %s %s\n' "$(sha256sum "$d/$f" | cut -d' ' -f1)" "$(stat -c %s "$d/$f")" "$f"
		done
	} >"$d/Release"
	gpg -q --batch --yes --clearsign -o "$d/InRelease" "$d/Release"
done

# ----------------------------------------- a local server with Range support
cat >"$t_tmp/serve.py" <<'EOF'
import http.server, os, re, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        with open(os.environ["LOG"], "a") as f:
            f.write("%s %s\n" % (self.requestline, self.headers.get("Range", "-")))
    def send_head(self):
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not m or not os.path.isfile(path):
            return super().send_head()
        f = open(path, "rb")
        size = os.fstat(f.fileno()).st_size
        start = int(m.group(1))
        if start >= size:
            f.close()
            self.send_error(416)
            return None
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        return f
os.chdir(sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LOG=$t_tmp/http.log
python3 "$t_tmp/serve.py" "$port" "$www" 2>"$t_tmp/serve.err" &
server=$!
# the server and the gpg-agent that signing started stop with the test; the
# scratch directory goes too (this trap replaces lib.sh's)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$t_tmp"' EXIT
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
	sleep 0.1
done
url=http://127.0.0.1:$port
mkdir -p "$www/al2023/core/mirrors/latest/x86_64"
echo "$url/al2023/core/guids/0123abcd/x86_64/" >"$www/al2023/core/mirrors/latest/x86_64/mirror.list"
cat >"$XDG_CONFIG_HOME/kbtf/mirrors.conf" <<EOF
# the replicas of this test
fedora $url/fedora
opensuse $url/opensuse
arch $url/arch
amazon $url/al2023/core/mirrors/latest
ubuntu $url/ubuntu
EOF

# stored_btf_is NAME: the profile's BTF is the Debian kernel's, byte for byte
# (as kbtf kernels btf writes it: the profiles after the first are deltas
# against it, or share its file)
stored_btf_is() {
	t_check "$1: the stored BTF is the Debian kernel's .BTF" \
		cmp <("$KBTF" kernels btf "$1") "$t_tmp/want.btf"
}

# ---------------------------------------------------------------- fetches
"$KBTF" kernels fetch --dry-run 'fedora/41:kernel-core-6.12.*' >"$out" 2>&1
t_grep "fedora: --dry-run lists kernel-core of releases/ with its size" \
	"^fedora/41/x86_64 6\.12\.113-300\.fc41\.x86_64 +[0-9.]+ MB: kernel-core\$" "$out"
t_check "fedora: fetch kernel-core" "$KBTF" kernels fetch --deb-dir "$t_tmp/pkgs" 'fedora/41:kernel-core-6.12.*'
stored_btf_is "$frel"
t_check "fedora: the symvers.xz was kept as Module.symvers" cmp <("$KBTF" kernels symvers "$frel") "$symvers"
"$KBTF" kernels fetch 'fedora/41:6.11.*' >"$out" 2>&1
t_grep "fedora: the updates repository is read too" "^1 stored, 0 already stored, 0 failed" "$out"

t_exit 2 "rhel without a URL is refused, saying how to give one" "$KBTF" kernels fetch 'rhel/10:kernel-core-*'
"$KBTF" kernels fetch 'rhel/10:kernel-core-*' 2>"$out" >/dev/null
t_grep "  ... naming --mirror" "give --mirror URL" "$out"
t_check "rhel: fetch from a BaseOS given by --mirror" \
	"$KBTF" kernels fetch --mirror "$url/rhel10/BaseOS/x86_64/os" 'rhel/10:kernel-core-6.12.0-55*'
stored_btf_is "$rrel"
t_grep "rhel: the config is the package's" '^CONFIG_DEBUG_INFO_BTF=y' <(zstd -dcq "$store/$rrel/config")

t_check "opensuse: fetch kernel-default (zstd primary)" "$KBTF" kernels fetch 'opensuse:kernel-default-*'
stored_btf_is "$srel"

t_check "amazon: fetch kernel through mirror.list" "$KBTF" kernels fetch 'amazon:kernel-6.12.*'
stored_btf_is "$arel"

"$KBTF" kernels fetch --deb-dir "$t_tmp/pkgs" --keyring "$t_tmp/replica.gpg" 'arch:linux-6.12.*' >"$out" 2>&1
t_grep "arch: only linux-headers is downloaded (its vmlinux has the BTF)" \
	"^\[1/1\] 6\.12\.113-arch1-1: downloading linux-headers\$" "$out"
if ls "$t_tmp/pkgs/arch/rolling/" | grep -q '^linux-6'; then
	t_fail "  ... but the linux package was downloaded too"
else
	t_ok "  ... and the linux package is not"
fi
stored_btf_is "$arch_rel"

"$KBTF" kernels fetch --keyring "$t_tmp/replica.gpg" 'ubuntu:linux-image-unsigned-6.12.*' >"$out" 2>&1
t_grep "ubuntu: headers first" "^\[1/1\] $urel: downloading linux-headers-$urel\$" "$out"
t_grep "  ... they carry no BTF: the unsigned image in a second round" \
	"^\[1/1\] $urel: downloading linux-image-unsigned-$urel\$" "$out"
t_grep "  ... stored" "^1 stored, 0 already stored, 0 failed" "$out"
stored_btf_is "$urel"
t_check "ubuntu: Module.symvers from the headers package" cmp <("$KBTF" kernels symvers "$urel") "$symvers"

# ------------------------------------------- the same specs as kernel sets
"$KBTF" kernels path 'fedora/41:kernel-core-6.12.*' >"$out" 2>&1
if [ "$(cat "$out")" = "$store/$frel" ]; then t_ok "set 'fedora/41:kernel-core-6.12.*' is the fedora profile"; else t_fail "fedora set resolved to: $(cat "$out")"; fi
"$KBTF" kernels path 'rhel/10/amd64:*,arch:*' >"$out" 2>&1
if [ "$(tr '\n' ' ' <"$out")" = "$store/$rrel $store/$arch_rel " ]; then t_ok "sets by distribution, release and architecture"; else t_fail "rhel/arch sets resolved to: $(cat "$out")"; fi
t_exit 2 "a distribution's set with nothing stored for it matches nothing" "$KBTF" kernels path 'rocky/10:*'
t_exit 2 "an arm64 set does not take amd64 profiles" "$KBTF" kernels path 'rhel/10/arm64:*'

# ------------------------------------------------------ what can go wrong
rm -rf "$XDG_CACHE_HOME/kbtf/repos/ubuntu"
"$KBTF" kernels fetch --keyring /usr/share/keyrings/debian-archive-keyring.gpg --force \
	'ubuntu:linux-image-unsigned-6.12.*' >"$out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && t_ok "ubuntu: an InRelease signed by another key is refused (exit $rc)" ||
	t_fail "ubuntu: a Release the keyring did not sign was accepted"
t_grep "  ... saying the signature does not verify" "signature does not verify" "$out"

# an Arch database whose signature is not the keyring's: refused
rm -rf "$XDG_CACHE_HOME/kbtf/repos/arch"
"$KBTF" kernels fetch --keyring /usr/share/keyrings/debian-archive-keyring.gpg --force \
	'arch:linux-6.12.*' >"$out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && t_ok "arch: a core.db signed by another key is refused (exit $rc)" ||
	t_fail "arch: a database the keyring did not sign was accepted"
t_grep "  ... naming core.db" "core\.db: the signature does not verify" "$out"

# a package that is not what the metadata says: refused by its SHA-256
"$KBTF" kernels rm "$frel" >/dev/null
f=$(ls "$fos"/Packages/k/kernel-core-6.12.113-*.rpm)
cp "$f" "$t_tmp/good.rpm"
printf 'X' | dd of="$f" bs=1 seek=5000 conv=notrunc status=none
rm -rf "$t_tmp/pkgs"
"$KBTF" kernels fetch --deb-dir "$t_tmp/pkgs" 'fedora/41:kernel-core-6.12.*' >"$out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && t_ok "a package whose SHA-256 differs is refused (exit $rc)" ||
	t_fail "a corrupt package was stored"
t_grep "  ... naming the checksum" "SHA-256 .* differs from the repository's" "$out"
if [ ! -e "$store/$frel" ] && ! ls "$t_tmp/pkgs/fedora/41/" 2>/dev/null | grep -q rpm; then
	t_ok "  ... and nothing of it is kept"
else
	t_fail "  ... but something of it was kept"
fi
cp "$t_tmp/good.rpm" "$f"

# an interrupted download: the .part is resumed with a Range request
size=$(stat -c %s "$f")
mkdir -p "$t_tmp/pkgs/fedora/41"
head -c $((size / 2)) "$f" >"$t_tmp/pkgs/fedora/41/$(basename "$f").part"
: >"$LOG"
"$KBTF" kernels fetch --deb-dir "$t_tmp/pkgs" 'fedora/41:kernel-core-6.12.*' >"$out" 2>&1
t_grep "a half-downloaded package is completed" "^1 stored, 0 already stored, 0 failed; .* \($((size - size / 2)) bytes\)" "$out"
t_grep "  ... asking for the rest only" "GET /fedora/releases/41/Everything/x86_64/os/Packages/k/.*\.rpm HTTP/1\.1 bytes=$((size / 2))-\$" "$LOG"
stored_btf_is "$frel"

# a bandwidth budget and byte progress
"$KBTF" kernels fetch --force --max-rate 20M --progress 'opensuse:kernel-default-*' >"$out" 2>"$t_tmp/progress"
t_grep "--max-rate 20M: fetched within the budget" "^1 stored" "$out"
t_grep "--progress: bytes on stderr" "MB of [0-9.]+ MB, [0-9]+ of 1 files" "$t_tmp/progress"

kill $server 2>/dev/null
wait $server 2>/dev/null
t_done

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The repository side of "kbtf kernels fetch", without the network:
 * SHA-256 against FIPS 180-4's vectors; Debian-style Packages and Release,
 * repomd.xml and primary.xml, pacman databases read into package records
 * (and hostile ones refused); specs parsed per distribution; the metadata
 * URLs each distribution's layout and the mirror settings give; downloads
 * through file:// URLs, checked, resumed and refused on a bad checksum.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "kbtf/err.h"
#include "repo.h"
#include "repo_distro.h"
#include "util.h"

static char tmp[128];

static int setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "/tmp/kbtf-test-repo.XXXXXX");
	unsetenv("KBTF_DEBIAN_MIRROR");
	unsetenv("KBTF_DEBIAN_SECURITY_MIRROR");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	kbtf_rm_rf(tmp);
	return 0;
}

static void write_file(const char *path, const char *text, size_t len);

static void write_str(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_sha256(void **state)
{
	char hex[65], path[256];
	char *a = malloc(1000000);

	kbtf_sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kbtf_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the length no longer fits the first padding block */
	kbtf_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(a);
	memset(a, 'a', 1000000);
	kbtf_sha256_hex(a, 1000000, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	snprintf(path, sizeof(path), "%s/a", tmp);
	write_file(path, a, 1000000);
	free(a);
	assert_int_equal(kbtf_sha256_file(path, hex), 0);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static bool keep_linux(const char *name, void *ctx)
{
	return !strncmp(name, "linux-", 6);
}

static void test_deb_packages(void **state)
{
	static const char text[] =
	    "Package: bash\nVersion: 5.2\nArchitecture: amd64\n\n"
	    "Package: linux-headers-6.12.113+deb12-amd64\n"
	    "Source: linux-signed-amd64 (6.12.113+1~deb12u1)\n"
	    "Version: 6.12.113-1~deb12u1\nArchitecture: amd64\n"
	    "Depends: a,\n b\n"
	    "Filename: pool/main/l/linux/linux-headers-6.12.113+deb12-amd64_6.12.113-1~deb12u1_"
	    "amd64.deb\nSize: 3210000\nSHA256: " SHA_A "\n\n\n"
	    "Package: linux-image-6.1.0-56-amd64\nVersion: 6.1.192-2\nArchitecture: amd64\n"
	    "Filename: pool/main/l/linux/x.deb\nSize: 70000000\nSHA256: " SHA_B "\n";
	struct kbtf_repo r = {0};
	char path[256];

	snprintf(path, sizeof(path), "%s/Packages", tmp);
	write_file(path, text, sizeof(text) - 1);
	assert_int_equal(kbtf_repo_deb_packages(path, "http://m/debian/", keep_linux, NULL, &r), 0);
	assert_int_equal(r.nr, 2);
	assert_string_equal(r.pkgs[0].name, "linux-headers-6.12.113+deb12-amd64");
	assert_string_equal(r.pkgs[0].version, "6.12.113-1~deb12u1");
	assert_string_equal(r.pkgs[0].url, "http://m/debian/pool/main/l/linux/"
					   "linux-headers-6.12.113+deb12-amd64_6.12.113-1~deb12u1_"
					   "amd64.deb");
	assert_int_equal(r.pkgs[0].size, 3210000);
	assert_string_equal(r.pkgs[0].sha256, SHA_A);
	/* the last stanza needs no blank line after it */
	assert_string_equal(r.pkgs[1].name, "linux-image-6.1.0-56-amd64");
	assert_int_equal(r.pkgs[1].size, 70000000);
	kbtf_repo_free(&r);

	/* a kept package without its checksum, or leaving the archive: refused */
	write_str(path, "Package: linux-x\nFilename: a.deb\nSize: 1\n");
	assert_int_equal(kbtf_repo_deb_packages(path, "http://m", keep_linux, NULL, &r), -EBADMSG);
	assert_non_null(strstr(kbtf_errstr(), "linux-x"));
	kbtf_repo_free(&r);
	write_str(path,
		  "Package: linux-x\nFilename: ../../etc/a.deb\nSize: 1\nSHA256: " SHA_A "\n");
	assert_int_equal(kbtf_repo_deb_packages(path, "http://m", keep_linux, NULL, &r), -EBADMSG);
	kbtf_repo_free(&r);
}

static void test_deb_release(void **state)
{
	static const char rel[] = "Origin: Debian\nSuite: stable\nMD5Sum:\n"
				  " 0123 100 main/binary-amd64/Packages.xz\n"
				  "SHA256:\n"
				  " " SHA_A " 8790396 main/binary-amd64/Packages.xz\n"
				  " " SHA_B " 123 main/binary-arm64/Packages.xz\n";
	char sha[65];
	uint64_t size;

	assert_int_equal(
	    kbtf_repo_deb_release_entry(rel, "main/binary-arm64/Packages.xz", sha, &size), 0);
	assert_string_equal(sha, SHA_B);
	assert_int_equal(size, 123);
	assert_int_equal(
	    kbtf_repo_deb_release_entry(rel, "main/binary-amd64/Packages.xz", sha, &size), 0);
	assert_int_equal(size, 8790396);
	assert_int_equal(
	    kbtf_repo_deb_release_entry(rel, "main/binary-s390x/Packages.xz", sha, &size), -ENOENT);
}

static bool keep_kernel_core(const char *name, void *ctx)
{
	return !strcmp(name, "kernel-core");
}

static void test_rpm(void **state)
{
	static const char repomd[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" "
	    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n"
	    "<revision>1</revision>\n"
	    "<data type=\"filelists\"><checksum type=\"sha256\">" SHA_B "</checksum>"
	    "<location href=\"repodata/f.xml.gz\"/></data>\n"
	    "<data type=\"primary\">\n  <checksum type=\"sha256\">" SHA_A "</checksum>\n"
	    "  <open-checksum type=\"sha256\">" SHA_B "</open-checksum>\n"
	    "  <location href=\"repodata/" SHA_A "-primary.xml.zst\"/>\n"
	    "  <size>2648</size>\n  <open-size>19374</open-size>\n</data>\n</repomd>\n";
	static const char primary[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<metadata xmlns=\"http://linux.duke.edu/metadata/common\" "
	    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"3\">\n"
	    "<package type=\"rpm\"><name>bash</name><arch>x86_64</arch>"
	    "<version epoch=\"0\" ver=\"5.2\" rel=\"1\"/></package>\n"
	    "<package type=\"rpm\">\n  <name>kernel-core</name>\n  <arch>x86_64</arch>\n"
	    "  <version epoch=\"0\" ver=\"6.12.0\" rel=\"55.el10\"/>\n"
	    "  <checksum type=\"sha256\" pkgid=\"YES\">" SHA_A "</checksum>\n"
	    "  <summary>The Linux kernel &amp; more</summary>\n"
	    "  <size package=\"18000000\" installed=\"60000000\" archive=\"60000000\"/>\n"
	    "  <location href=\"Packages/k/kernel-core-6.12.0-55.el10.x86_64.rpm\"/>\n"
	    "  <format><rpm:provides><rpm:entry name=\"kernel-core\"/></rpm:provides>"
	    "<name>not-this</name></format>\n</package>\n"
	    "<package type=\"rpm\"><name>kernel-core</name><arch>aarch64</arch>"
	    "<version epoch=\"0\" ver=\"6.12.0\" rel=\"55.el10\"/>"
	    "<checksum type=\"sha256\">" SHA_B "</checksum><size package=\"5\"/>"
	    "<location xml:base=\"http://other/repo\" href=\"k.rpm\"/></package>\n"
	    "</metadata>\n";
	struct kbtf_repo r = {0};
	char path[256], href[1024], sha[65];
	uint64_t size;

	snprintf(path, sizeof(path), "%s/repomd.xml", tmp);
	write_file(path, repomd, sizeof(repomd) - 1);
	assert_int_equal(kbtf_repo_rpm_repomd(path, href, sizeof(href), sha, &size), 0);
	assert_string_equal(href, "repodata/" SHA_A "-primary.xml.zst");
	assert_string_equal(sha, SHA_A);
	assert_int_equal(size, 2648);

	snprintf(path, sizeof(path), "%s/primary.xml", tmp);
	write_file(path, primary, sizeof(primary) - 1);
	assert_int_equal(
	    kbtf_repo_rpm_primary(path, "http://m/BaseOS/x86_64/os", keep_linux, NULL, &r), 0);
	assert_int_equal(r.nr, 0); /* nothing starts with linux- */
	assert_int_equal(
	    kbtf_repo_rpm_primary(path, "http://m/BaseOS/x86_64/os", keep_kernel_core, NULL, &r),
	    0);
	assert_int_equal(r.nr, 2);
	assert_string_equal(r.pkgs[0].name, "kernel-core");
	assert_string_equal(r.pkgs[0].version, "6.12.0-55.el10");
	assert_string_equal(r.pkgs[0].arch, "x86_64");
	assert_string_equal(r.pkgs[0].url, "http://m/BaseOS/x86_64/os/Packages/k/"
					   "kernel-core-6.12.0-55.el10.x86_64.rpm");
	assert_int_equal(r.pkgs[0].size, 18000000);
	assert_string_equal(r.pkgs[1].url, "http://other/repo/k.rpm");
	kbtf_repo_free(&r);

	/* not repomd; entities; a location leaving the repository */
	assert_int_equal(kbtf_repo_rpm_repomd(path, href, sizeof(href), sha, &size), -EBADMSG);
	write_str(path, "<!DOCTYPE m [<!ENTITY a \"aaaa\">]><metadata>&a;</metadata>");
	assert_int_equal(kbtf_repo_rpm_primary(path, "http://m", NULL, NULL, &r), -EBADMSG);
	kbtf_repo_free(&r);
	snprintf(href, sizeof(href),
		 "<metadata><package><name>k</name><checksum type=\"sha256\">" SHA_A
		 "</checksum><location href=\"../../k.rpm\"/></package></metadata>");
	write_str(path, href);
	assert_int_equal(kbtf_repo_rpm_primary(path, "http://m", NULL, NULL, &r), -EBADMSG);
	assert_non_null(strstr(kbtf_errstr(), "leaves the repository"));
	kbtf_repo_free(&r);
	snprintf(href, sizeof(href),
		 "<metadata><package><name>k</name><checksum type=\"sha\">0123</checksum>"
		 "<location href=\"k.rpm\"/></package></metadata>");
	write_str(path, href);
	assert_int_equal(kbtf_repo_rpm_primary(path, "http://m", NULL, NULL, &r), -EBADMSG);
	assert_non_null(strstr(kbtf_errstr(), "no sha256"));
	kbtf_repo_free(&r);
}

static void tar_add(struct archive *a, const char *name, const char *text)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, text, strlen(text)), (la_ssize_t)strlen(text));
	archive_entry_free(e);
}

static bool keep_arch_linux(const char *name, void *ctx)
{
	return !strcmp(name, "linux") || !strcmp(name, "linux-headers");
}

static void test_arch_db(void **state)
{
	struct archive *a = archive_write_new();
	struct kbtf_repo r = {0};
	char path[256];

	snprintf(path, sizeof(path), "%s/core.db", tmp);
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	tar_add(a, "linux-6.12.1.arch1-1/desc",
		"%FILENAME%\nlinux-6.12.1.arch1-1-x86_64.pkg.tar.zst\n\n%NAME%\nlinux\n\n"
		"%VERSION%\n6.12.1.arch1-1\n\n%DESC%\nThe Linux kernel and modules\n\n"
		"%CSIZE%\n142000000\n\n%SHA256SUM%\n" SHA_A "\n\n%ARCH%\nx86_64\n\n");
	tar_add(a, "linux-headers-6.12.1.arch1-1/desc",
		"%FILENAME%\nlinux-headers-6.12.1.arch1-1-x86_64.pkg.tar.zst\n\n%NAME%\n"
		"linux-headers\n\n%VERSION%\n6.12.1.arch1-1\n\n%CSIZE%\n35000000\n\n"
		"%SHA256SUM%\n" SHA_B "\n\n%ARCH%\nx86_64\n");
	tar_add(a, "bash-5.2-1/desc", "%FILENAME%\nbash.pkg.tar.zst\n\n%NAME%\nbash\n");
	archive_write_close(a);
	archive_write_free(a);
	assert_int_equal(
	    kbtf_repo_arch_db(path, "https://m/core/os/x86_64", keep_arch_linux, NULL, &r), 0);
	assert_int_equal(r.nr, 2);
	assert_string_equal(r.pkgs[0].name, "linux");
	assert_string_equal(r.pkgs[0].version, "6.12.1.arch1-1");
	assert_string_equal(r.pkgs[0].url,
			    "https://m/core/os/x86_64/linux-6.12.1.arch1-1-x86_64.pkg.tar.zst");
	assert_int_equal(r.pkgs[0].size, 142000000);
	assert_string_equal(r.pkgs[1].sha256, SHA_B);
	kbtf_repo_free(&r);
	/* bash lacks what a download needs: refused once it is wanted */
	assert_int_equal(kbtf_repo_arch_db(path, "https://m", NULL, NULL, &r), -EBADMSG);
	kbtf_repo_free(&r);
	write_str(path, "not a tar");
	assert_int_equal(kbtf_repo_arch_db(path, "https://m", NULL, NULL, &r), -EBADMSG);
	kbtf_repo_free(&r);
}

static void test_spec_parse(void **state)
{
	struct kbtf_distro_spec sp;

	assert_int_equal(kbtf_distro_spec_parse("debian:linux-image-6.12.*-amd64", NULL, &sp), 0);
	assert_string_equal(kbtf_distro_name(sp.d), "debian");
	assert_string_equal(sp.release, "bookworm");
	assert_string_equal(sp.arch, "amd64");
	assert_string_equal(sp.glob, "6.12.*-amd64");
	assert_int_equal(kbtf_distro_spec_parse("debian/trixie:6.12.*", "aarch64", &sp), 0);
	assert_string_equal(sp.arch, "arm64");
	assert_int_equal(kbtf_distro_spec_parse("fedora/41/arm64:kernel-core-6.11*", NULL, &sp), 0);
	assert_string_equal(sp.arch, "aarch64");
	assert_string_equal(sp.glob, "6.11*");
	assert_string_equal(kbtf_distro_format(sp.d), "rpm");
	assert_int_equal(
	    kbtf_distro_spec_parse("ubuntu:linux-image-unsigned-6.8.0-48-generic", NULL, &sp), 0);
	assert_string_equal(sp.release, "noble");
	assert_string_equal(sp.glob, "6.8.0-48-generic");

	assert_int_equal(kbtf_distro_spec_parse("fedora:kernel-core-*", NULL, &sp), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "needs a release"));
	assert_int_equal(kbtf_distro_spec_parse("gentoo:x", NULL, &sp), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "unknown distribution 'gentoo'"));
	assert_non_null(strstr(kbtf_errstr(), "opensuse"));
	assert_int_equal(kbtf_distro_spec_parse("debian/trixi:x", NULL, &sp), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "did you mean 'trixie'"));
	assert_int_equal(kbtf_distro_spec_parse("debian/bookworm/s390x:x", NULL, &sp), -EINVAL);
	assert_int_equal(kbtf_distro_spec_parse("arch/../x:x", NULL, &sp), -EINVAL);
	assert_int_equal(kbtf_distro_spec_parse("debian:", NULL, &sp), -EINVAL);
	assert_int_equal(kbtf_distro_spec_parse("linux-image-6.1", NULL, &sp), -EINVAL);
}

/* The URLs of @spec's top-level metadata, one string, space-separated. */
static char *urls_of(const char *spec, const char *const *mirrors)
{
	static char all[4096];
	struct kbtf_distro_ctx ctx = {.mirrors = mirrors, .cache_dir = tmp};
	struct kbtf_distro_spec sp;
	char urls[6][1024];
	size_t n, i, o = 0;

	assert_int_equal(kbtf_distro_spec_parse(spec, NULL, &sp), 0);
	all[0] = '\0';
	if (kbtf_distro_metadata_urls(&sp, &ctx, urls, 6, &n))
		return NULL;
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(all + o, sizeof(all) - o, "%s%s", i ? " " : "", urls[i]);
	return all;
}

static void test_layouts(void **state)
{
	static const char *const local[] = {"http://127.0.0.1:8000/fedora", NULL};
	static const char *const two[] = {"http://r/BaseOS/x86_64/os",
					  "http://r/AppStream/x86_64/os", NULL};
	char conf[256];

	setenv("XDG_CONFIG_HOME", tmp, 1);
	assert_string_equal(
	    urls_of("debian:x", NULL),
	    "http://deb.debian.org/debian/dists/bookworm/InRelease "
	    "http://deb.debian.org/debian/dists/bookworm-updates/InRelease "
	    "http://deb.debian.org/debian-security/dists/bookworm-security/InRelease");
	assert_string_equal(urls_of("debian/sid/arm64:x", NULL),
			    "http://deb.debian.org/debian/dists/sid/InRelease");
	setenv("KBTF_DEBIAN_MIRROR", "http://m.example/debian", 1);
	assert_non_null(strstr(urls_of("debian/trixie:x", NULL),
			       "http://m.example/debian-security/dists/trixie-security/InRelease"));
	unsetenv("KBTF_DEBIAN_MIRROR");
	assert_string_equal(urls_of("ubuntu/noble/arm64:x", NULL),
			    "http://ports.ubuntu.com/ubuntu-ports/dists/noble/InRelease "
			    "http://ports.ubuntu.com/ubuntu-ports/dists/noble-updates/InRelease "
			    "http://ports.ubuntu.com/ubuntu-ports/dists/noble-security/InRelease");
	assert_string_equal(urls_of("fedora/41:x", NULL),
			    "https://dl.fedoraproject.org/pub/fedora/linux/releases/41/Everything/"
			    "x86_64/os/repodata/repomd.xml "
			    "https://dl.fedoraproject.org/pub/fedora/linux/updates/41/Everything/"
			    "x86_64/repodata/repomd.xml");
	assert_string_equal(
	    urls_of("fedora/41:x", local),
	    "http://127.0.0.1:8000/fedora/releases/41/Everything/x86_64/os/repodata/"
	    "repomd.xml http://127.0.0.1:8000/fedora/updates/41/Everything/x86_64/"
	    "repodata/repomd.xml");
	assert_string_equal(urls_of("centos-stream:x", NULL),
			    "https://mirror.stream.centos.org/10-stream/BaseOS/x86_64/os/repodata/"
			    "repomd.xml");
	assert_string_equal(urls_of("rocky/9/arm64:x", NULL),
			    "https://dl.rockylinux.org/pub/rocky/9/BaseOS/aarch64/os/repodata/"
			    "repomd.xml");
	assert_string_equal(
	    urls_of("opensuse/15.6:x", NULL),
	    "https://download.opensuse.org/distribution/leap/15.6/repo/oss/repodata/"
	    "repomd.xml https://download.opensuse.org/update/leap/15.6/oss/repodata/"
	    "repomd.xml");
	assert_string_equal(urls_of("arch:x", NULL),
			    "https://geo.mirror.pkgbuild.com/core/os/x86_64/core.db "
			    "https://geo.mirror.pkgbuild.com/extra/os/x86_64/extra.db");
	assert_string_equal(urls_of("arch/rolling/arm64:x", NULL),
			    "http://mirror.archlinuxarm.org/aarch64/core/core.db "
			    "http://mirror.archlinuxarm.org/aarch64/extra/extra.db");
	assert_string_equal(urls_of("amazon:x", NULL),
			    "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/"
			    "mirror.list");
	/* rhel: repositories by URL, no default */
	assert_null(urls_of("rhel:x", NULL));
	assert_non_null(strstr(kbtf_errstr(), "--mirror"));
	assert_string_equal(urls_of("rhel/10:x", two),
			    "http://r/BaseOS/x86_64/os/repodata/repomd.xml "
			    "http://r/AppStream/x86_64/os/repodata/repomd.xml");

	/* mirrors.conf: the most specific key; a later file's line; --mirror first */
	snprintf(conf, sizeof(conf), "%s/kbtf", tmp);
	assert_int_equal(kbtf_mkdir_p(conf, 0755), 0);
	snprintf(conf, sizeof(conf), "%s/kbtf/mirrors.conf", tmp);
	write_str(conf,
		  "# local mirrors\nfedora http://any/fedora\nfedora/41 http://f41/fedora  # this\n"
		  "rhel/10 http://c/base http://c/app\n");
	assert_non_null(strstr(urls_of("fedora/41:x", NULL), "http://f41/fedora/releases/41/"));
	assert_non_null(strstr(urls_of("fedora/40:x", NULL), "http://any/fedora/releases/40/"));
	assert_non_null(strstr(urls_of("fedora/41:x", local), "http://127.0.0.1:8000/fedora/"));
	assert_string_equal(urls_of("rhel:x", NULL),
			    "http://c/base/repodata/repomd.xml http://c/app/repodata/repomd.xml");
	unsetenv("XDG_CONFIG_HOME");
}

static void test_http_file(void **state)
{
	char src[256], dst[256], url[300], part[300], sha[65], got[65], hex_head[65];
	char *data = malloc(300000);
	struct kbtf_dl dl = {0};
	size_t i;

	assert_non_null(data);
	for (i = 0; i < 300000; i++)
		data[i] = (char)(i * 7 + i / 1000);
	snprintf(src, sizeof(src), "%s/src.bin", tmp);
	snprintf(dst, sizeof(dst), "%s/dst.bin", tmp);
	snprintf(part, sizeof(part), "%s.part", dst);
	snprintf(url, sizeof(url), "file://%s", src);
	write_file(src, data, 300000);
	kbtf_sha256_hex(data, 300000, sha);

	/* a .part holding the first 100000 bytes: only the rest is read */
	write_file(part, data, 100000);
	dl = (struct kbtf_dl){.url = url, .dest = dst, .sha256 = sha, .size = 300000};
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), 0);
	assert_int_equal(dl.fetched, 200000);
	assert_int_equal(kbtf_sha256_file(dst, got), 0);
	assert_string_equal(got, sha);
	assert_int_equal(access(part, F_OK), -1);

	/* only a head: left as the .part, unchecked; then the rest, checked */
	unlink(dst);
	dl.limit = 65536;
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), 0);
	assert_true(dl.partial);
	assert_int_equal(dl.fetched, 65536);
	assert_int_equal(access(dst, F_OK), -1);
	assert_int_equal(kbtf_sha256_file(part, got), 0);
	kbtf_sha256_hex(data, 65536, hex_head);
	assert_string_equal(got, hex_head);
	dl.limit = 0;
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), 0);
	assert_false(dl.partial);
	assert_int_equal(dl.fetched, 300000 - 65536);
	assert_int_equal(kbtf_sha256_file(dst, got), 0);
	assert_string_equal(got, sha);

	/* there already: reused, nothing read */
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), 0);
	assert_true(dl.reused);
	assert_int_equal(dl.fetched, 0);

	/* a wrong checksum: refused, nothing left behind */
	unlink(dst);
	dl.sha256 = SHA_A;
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), -EBADMSG);
	assert_non_null(strstr(kbtf_errstr(), "SHA-256"));
	assert_int_equal(access(dst, F_OK), -1);
	assert_int_equal(access(part, F_OK), -1);

	/* bigger than the metadata says: refused */
	dl.sha256 = sha;
	dl.size = 1000;
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), -EFBIG);
	assert_int_equal(access(dst, F_OK), -1);

	/* missing */
	snprintf(url, sizeof(url), "file://%s/none", tmp);
	dl = (struct kbtf_dl){.url = url, .dest = dst, .sha256 = sha};
	assert_int_equal(kbtf_http_get(&dl, 1, NULL), -KBTF_ETOOL);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deb_packages, setup, teardown),
	    cmocka_unit_test(test_deb_release),
	    cmocka_unit_test_setup_teardown(test_rpm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arch_db, setup, teardown),
	    cmocka_unit_test(test_spec_parse),
	    cmocka_unit_test_setup_teardown(test_layouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DKMS integration without DKMS: kbtf.conf and framework.conf reading, the
 * conf-file block edit, the block itself sourced by bash the way DKMS
 * sources it (MAKE chaining, POST_BUILD, STRIP), the digest lookup and the
 * module file walk.
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
#include <cmocka.h>

#include "dkms.h"
#include "kbtf/err.h"
#include "util.h"

static char tmpdir[256];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-dkms.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	(void)state;
	return kbtf_rm_rf(tmpdir) ? -1 : 0;
}

static void write_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *path_of(const char *rel)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	return path;
}

/* ------------------------------------------------------------ kbtf.conf */

static void settings_defaults_without_a_file(void **state)
{
	struct kbtf_dkms_settings s;

	(void)state;
	unsetenv("KBTF_DKMS_ON_ERROR");
	assert_int_equal(kbtf_dkms_settings_load(path_of("none.conf"), &s), 0);
	assert_int_equal(s.on_error, KBTF_DKMS_WARN);
	assert_null(s.from);
	assert_null(s.base);
	assert_string_equal(s.report_format, "text");
	kbtf_dkms_settings_release(&s);
}

static void settings_read_and_env_wins(void **state)
{
	struct kbtf_dkms_settings s;

	(void)state;
	write_file("kbtf.conf", "# kbtf for DKMS\n"
				"KBTF_DKMS_ON_ERROR=fail   # fail the build\n"
				"KBTF_DKMS_BASE=\"/srv/k/vmlinuz-%k:/srv/btf/%k\"\n"
				"export KBTF_DKMS_VALIDATE='all'\n"
				"SOMEONE_ELSE=1\n\n");
	unsetenv("KBTF_DKMS_ON_ERROR");
	assert_int_equal(kbtf_dkms_settings_load(path_of("kbtf.conf"), &s), 0);
	assert_int_equal(s.on_error, KBTF_DKMS_FAIL);
	assert_string_equal(s.base, "/srv/k/vmlinuz-%k:/srv/btf/%k");
	assert_string_equal(s.validate, "all");
	assert_string_equal(s.from, path_of("kbtf.conf"));
	kbtf_dkms_settings_release(&s);

	setenv("KBTF_DKMS_ON_ERROR", "warn", 1);
	assert_int_equal(kbtf_dkms_settings_load(path_of("kbtf.conf"), &s), 0);
	assert_int_equal(s.on_error, KBTF_DKMS_WARN);
	kbtf_dkms_settings_release(&s);
	unsetenv("KBTF_DKMS_ON_ERROR");
}

static void settings_refuse_bad_values(void **state)
{
	struct kbtf_dkms_settings s;

	(void)state;
	write_file("bad1.conf", "KBTF_DKMS_ON_ERROR=maybe\n");
	assert_int_equal(kbtf_dkms_settings_load(path_of("bad1.conf"), &s), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "bad1.conf:1"));
	assert_non_null(strstr(kbtf_errstr(), "maybe"));
	write_file("bad2.conf", "# ok\nthis is not an assignment\n");
	assert_int_equal(kbtf_dkms_settings_load(path_of("bad2.conf"), &s), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "bad2.conf:2"));
	write_file("bad3.conf", "KBTF_DKMS_REPORT=pdf\n");
	assert_int_equal(kbtf_dkms_settings_load(path_of("bad3.conf"), &s), -EINVAL);
}

/* ------------------------------------------------------- framework.conf */

static void framework_defaults_and_overrides(void **state)
{
	struct kbtf_dkms_framework fw;
	char d[512];

	(void)state;
	snprintf(d, sizeof(d), "%s/etc", tmpdir);
	mkdir(d, 0755);
	assert_int_equal(kbtf_dkms_framework_load(d, "6.1.0-56-amd64", &fw), 0);
	assert_string_equal(fw.dkms_tree, "/var/lib/dkms");
	assert_string_equal(fw.mok_key, "/var/lib/dkms/mok.key");
	assert_string_equal(fw.mok_cert, "/var/lib/dkms/mok.pub");
	assert_null(fw.sign_file);
	kbtf_dkms_framework_release(&fw);

	write_file("etc/framework.conf", "# sign with our own key\n"
					 "mok_signing_key=\"/keys/$kernelver/signing.key\"\n"
					 "# mok_certificate=/not/this\n"
					 "dkms_tree=/srv/dkms\n");
	snprintf(d, sizeof(d), "%s/etc/framework.conf.d", tmpdir);
	mkdir(d, 0755);
	write_file("etc/framework.conf.d/10-cert.conf", "mok_certificate=/keys/${kernelver}.der\n"
							"sign_file=/opt/sign-file\n");
	snprintf(d, sizeof(d), "%s/etc", tmpdir);
	assert_int_equal(kbtf_dkms_framework_load(d, "6.1.0-56-amd64", &fw), 0);
	assert_string_equal(fw.dkms_tree, "/srv/dkms");
	assert_string_equal(fw.mok_key, "/keys/6.1.0-56-amd64/signing.key");
	assert_string_equal(fw.mok_cert, "/keys/6.1.0-56-amd64.der");
	assert_string_equal(fw.sign_file, "/opt/sign-file");
	/* a configured sign-file that is not there is an error, not a silent fallback */
	assert_null(kbtf_dkms_sign_tool(&fw, "6.1.0-56-amd64", NULL));
	assert_non_null(strstr(kbtf_errstr(), "/opt/sign-file"));
	kbtf_dkms_framework_release(&fw);
}

static void sign_hash_from_config(void **state)
{
	char d[512], hash[64];

	(void)state;
	snprintf(d, sizeof(d), "%s/kdir", tmpdir);
	mkdir(d, 0755);
	kbtf_dkms_sign_hash("0.0.0-none", d, hash, sizeof(hash));
	assert_string_equal(hash, "sha512"); /* DKMS's default */
	write_file("kdir/.config", "CONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_HASH=\"sha256\"\n");
	kbtf_dkms_sign_hash("0.0.0-none", d, hash, sizeof(hash));
	assert_string_equal(hash, "sha256");
}

/* ------------------------------------------------------------ the block */

static const char block_text[] = KBTF_DKMS_BLOCK_BEGIN "\nX=1\n" KBTF_DKMS_BLOCK_END "\n";

static void conf_edit_appends_replaces_removes(void **state)
{
	char *out;
	bool had;

	(void)state;
	assert_int_equal(kbtf_dkms_conf_edit("", block_text, &out, &had), 0);
	assert_false(had);
	assert_string_equal(out, block_text);
	free(out);

	/* admin lines around an old block stay; the new block goes last */
	assert_int_equal(kbtf_dkms_conf_edit("A=1\n" KBTF_DKMS_BLOCK_BEGIN
					     "\nOLD=1\n" KBTF_DKMS_BLOCK_END "\nB=2",
					     block_text, &out, &had),
			 0);
	assert_true(had);
	assert_string_equal(out,
			    "A=1\nB=2\n" KBTF_DKMS_BLOCK_BEGIN "\nX=1\n" KBTF_DKMS_BLOCK_END "\n");
	free(out);

	assert_int_equal(kbtf_dkms_conf_edit("A=1\n" KBTF_DKMS_BLOCK_BEGIN
					     "\nOLD=1\n" KBTF_DKMS_BLOCK_END "\n",
					     NULL, &out, &had),
			 0);
	assert_true(had);
	assert_string_equal(out, "A=1\n");
	assert_false(kbtf_dkms_conf_is_blank(out));
	free(out);
	assert_true(kbtf_dkms_conf_is_blank(" \n\t\n"));

	assert_int_equal(
	    kbtf_dkms_conf_edit("A=1\n" KBTF_DKMS_BLOCK_BEGIN "\nOLD=1\n", NULL, &out, &had),
	    -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "never ends"));
}

static void block_refuses_paths_dkms_would_mangle(void **state)
{
	struct kbtf_dkms_enable_opts o = {0};
	char *b;

	(void)state;
	o.kbtf = "/opt/my tools/kbtf";
	assert_int_equal(kbtf_dkms_block(&o, &b), -EINVAL);
	o.kbtf = "/opt/$HOME/kbtf";
	assert_int_equal(kbtf_dkms_block(&o, &b), -EINVAL);
	o.kbtf = "kbtf";
	assert_int_equal(kbtf_dkms_block(&o, &b), -EINVAL);
	o.kbtf = "/usr/local/bin/kbtf";
	o.on_error = "sometimes";
	assert_int_equal(kbtf_dkms_block(&o, &b), -EINVAL);
}

/*
 * Source a package dkms.conf and then the block with bash, with the
 * variables DKMS has set by then, and print what DKMS would read back.
 */
static char *dkms_reads(const char *pkg_conf, const char *block, const char *kdir, const char *what)
{
	char cmd[2048], *out = malloc(4096);
	size_t n;
	FILE *p;

	write_file("pkg.conf", pkg_conf);
	write_file("block.conf", block);
	snprintf(cmd, sizeof(cmd),
		 "bash -c 'kernelver=6.1.0-56-amd64 arch=x86_64 kernel_source_dir=%s "
		 "dkms_tree=/var/lib/dkms module=pkg module_version=1.0; "
		 ". %s/pkg.conf; . %s/block.conf; %s'",
		 kdir, tmpdir, tmpdir, what);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, 4095, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

/* An executable stand-in for kbtf: the block runs only while the binary exists. */
static const char *fake_kbtf(void)
{
	static char path[512];

	write_file("kbtf", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "%s/kbtf", tmpdir);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static void make_block_chains_every_make(void **state)
{
	struct kbtf_dkms_enable_opts o = {.kbtf = fake_kbtf(), .on_error = "fail"};
	char want[4096], *b, *out;

	(void)state;
	assert_int_equal(kbtf_dkms_block(&o, &b), 0);
	out = dkms_reads("MAKE[0]=\"make -C ${kernel_source_dir} M=here\"\nMAKE[1]=\"make old\"\n",
			 b, "/kd", "printf \"%s|\" \"${MAKE[@]}\"");
	/* each make also loads the access plugin, found when DKMS runs it */
	snprintf(
	    want, sizeof(want),
	    "make $(%s build --access-kcflags --kdir /kd | sed s/^/KCFLAGS=/) -C /kd M=here && "
	    "%s dkms make-hook --kernel 6.1.0-56-amd64 --arch x86_64 --kdir /kd --on-error "
	    "fail|make $(%s build --access-kcflags --kdir /kd | sed s/^/KCFLAGS=/) old && %s "
	    "dkms make-hook --kernel 6.1.0-56-amd64 --arch x86_64 --kdir /kd --on-error fail|",
	    o.kbtf, o.kbtf, o.kbtf, o.kbtf);
	assert_string_equal(out, want);
	free(out);
	/* a package that relies on DKMS's default make gets it spelled out */
	out = dkms_reads("PACKAGE_NAME=pkg\n", b, "/kd", "printf \"%s\" \"${MAKE[0]}\"");
	snprintf(want, sizeof(want),
		 "make $(%s build --access-kcflags --kdir /kd | sed s/^/KCFLAGS=/) -C "
		 "/kd M=/var/lib/dkms/pkg/1.0/build && %s dkms make-hook --kernel "
		 "6.1.0-56-amd64 --arch x86_64 --kdir /kd --on-error fail",
		 o.kbtf, o.kbtf);
	assert_string_equal(out, want);
	free(out);
	free(b);
}

static void post_block_is_relative_and_chains(void **state)
{
	struct kbtf_dkms_enable_opts o = {.kbtf = fake_kbtf(), .post_build = true};
	char kdir[512], want[1024], *b, *out;

	(void)state;
	assert_int_equal(kbtf_dkms_block(&o, &b), 0);
	/* /var/lib/dkms/pkg/1.0/build is six levels down; no vmlinux in the headers: DKMS must not
	 * strip, kbtf will */
	snprintf(kdir, sizeof(kdir), "%s/kd61", tmpdir);
	mkdir(kdir, 0755);
	out = dkms_reads("DEST_MODULE_LOCATION[0]=/extra\nDEST_MODULE_LOCATION[1]=/extra\n"
			 "POST_BUILD=\"theirs.sh x\"\n",
			 b, kdir,
			 "printf \"%s|%s|%s\" \"$POST_BUILD\" \"${STRIP[0]}\" \"${STRIP[1]}\"");
	snprintf(want, sizeof(want),
		 "../../../../../..%s dkms post-build --kernel 6.1.0-56-amd64 --arch "
		 "x86_64 --kdir %s --strip -- theirs.sh x|no|no",
		 o.kbtf, kdir);
	assert_string_equal(out, want);
	free(out);
	/* with a vmlinux: DKMS strips as usual */
	write_file("kd61/vmlinux", "");
	out = dkms_reads("DEST_MODULE_LOCATION[0]=/extra\n", b, kdir,
			 "printf \"%s|%s\" \"$POST_BUILD\" \"${STRIP[0]-unset}\"");
	snprintf(want, sizeof(want),
		 "../../../../../..%s dkms post-build --kernel 6.1.0-56-amd64 --arch "
		 "x86_64 --kdir %s|unset",
		 o.kbtf, kdir);
	assert_string_equal(out, want);
	free(out);
	free(b);
}

/*
 * kbtf removed without "kbtf dkms disable" (by hand, not through the Debian
 * package): the block left in /etc/dkms changes nothing, so DKMS still
 * builds the plain module instead of failing on a missing command.
 */
static void block_without_kbtf_changes_nothing(void **state)
{
	struct kbtf_dkms_enable_opts o = {.kbtf = fake_kbtf(), .on_error = "fail"};
	char *make_block, *post_block, *out;

	(void)state;
	assert_int_equal(kbtf_dkms_block(&o, &make_block), 0);
	o.on_error = NULL;
	o.post_build = true;
	assert_int_equal(kbtf_dkms_block(&o, &post_block), 0);
	assert_int_equal(unlink(o.kbtf), 0);
	out = dkms_reads("MAKE[0]=\"make -C ${kernel_source_dir} M=here\"\n", make_block, "/kd",
			 "printf \"%s|\" \"${MAKE[@]}\"");
	assert_string_equal(out, "make -C /kd M=here|");
	free(out);
	out = dkms_reads("DEST_MODULE_LOCATION[0]=/extra\nPOST_BUILD=\"theirs.sh x\"\n", post_block,
			 "/kd", "printf \"%s|%s\" \"$POST_BUILD\" \"${STRIP[0]-unset}\"");
	assert_string_equal(out, "theirs.sh x|unset");
	free(out);
	free(make_block);
	free(post_block);
}

static void module_names(void **state)
{
	(void)state;
	assert_int_equal(kbtf_dkms_module_name_check("acpi-call"), 0);
	assert_int_equal(kbtf_dkms_module_name_check("../etc"), -EINVAL);
	assert_int_equal(kbtf_dkms_module_name_check(""), -EINVAL);
	assert_int_equal(kbtf_dkms_module_name_check("framework"), -EINVAL);
	assert_int_equal(kbtf_dkms_module_name_check("-x"), -EINVAL);
}

static void find_modules_walks_as_asked(void **state)
{
	char d[512], **v;
	size_t n;

	(void)state;
	snprintf(d, sizeof(d), "%s/tree", tmpdir);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/tree/sub", tmpdir);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/tree/.tmp", tmpdir);
	mkdir(d, 0755);
	write_file("tree/b.ko", "");
	write_file("tree/a.ko.xz", "");
	write_file("tree/notes.txt", "");
	write_file("tree/sub/c.ko", "");
	write_file("tree/.tmp/d.ko", "");
	snprintf(d, sizeof(d), "%s/tree", tmpdir);

	assert_int_equal(kbtf_dkms_find_modules(d, true, false, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[0], "/tree/b.ko"));
	assert_non_null(strstr(v[1], "/tree/sub/c.ko"));
	kbtf_dkms_paths_free(v, n);

	assert_int_equal(kbtf_dkms_find_modules(d, false, true, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[0], "/tree/a.ko.xz"));
	assert_non_null(strstr(v[1], "/tree/b.ko"));
	kbtf_dkms_paths_free(v, n);

	assert_int_equal(kbtf_dkms_find_modules(path_of("missing"), false, true, &v, &n), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(settings_defaults_without_a_file),
	    cmocka_unit_test(settings_read_and_env_wins),
	    cmocka_unit_test(settings_refuse_bad_values),
	    cmocka_unit_test(framework_defaults_and_overrides),
	    cmocka_unit_test(sign_hash_from_config),
	    cmocka_unit_test(conf_edit_appends_replaces_removes),
	    cmocka_unit_test(block_refuses_paths_dkms_would_mangle),
	    cmocka_unit_test(make_block_chains_every_make),
	    cmocka_unit_test(post_block_is_relative_and_chains),
	    cmocka_unit_test(block_without_kbtf_changes_nothing),
	    cmocka_unit_test(module_names),
	    cmocka_unit_test(find_modules_walks_as_asked),
	};

	return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Templates: @KEY@ and __KEY__ replacement (and what is left alone), the
 * tree copy (names, modes, binary files, refusing an occupied directory),
 * the data-directory lookup and module names.
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

#include "kbtf/err.h"
#include "template.h"
#include "util.h"

static char tmpdir[256];

static const struct kbtf_template_var vars[] = {
    {"NAME", "demo"},
    {"NAME_UPPER", "DEMO"},
    {"VERSION", "1.2.3"},
};

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-template.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	(void)state;
	return kbtf_rm_rf(tmpdir) ? -1 : 0;
}

static void put(const char *rel, const void *data, size_t len, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	chmod(path, mode);
}

static char *slurp(const char *rel, size_t *len)
{
	char path[512], *buf = malloc(4096);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	*len = fread(buf, 1, 4095, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void subst_replaces_known_keys_only(void **state)
{
	const char in[] = "@NAME@_init @NAME_UPPER@ v@VERSION@; $@ @echo x@y.z @OTHER@ @NAME "
			  "a@@NAME@@b";
	size_t n;
	char *out;

	(void)state;
	out = kbtf_template_subst(in, strlen(in), vars, 3, &n);
	assert_non_null(out);
	assert_string_equal(out, "demo_init DEMO v1.2.3; $@ @echo x@y.z @OTHER@ @NAME a@demo@b");
	assert_int_equal(n, strlen(out));
	free(out);
}

static void copy_instantiates_a_tree(void **state)
{
	static const unsigned char blob[] = {0x7f, 'E', 'L', 'F', 0, '@', 'N', 'A', 'M', 'E', '@'};
	char src[512], dest[512], *text;
	struct stat st;
	size_t n;

	(void)state;
	snprintf(src, sizeof(src), "%s/t", tmpdir);
	mkdir(src, 0755);
	snprintf(src, sizeof(src), "%s/t/.ci", tmpdir);
	mkdir(src, 0755);
	put("t/__NAME__.c", "MODULE_VERSION(\"@VERSION@\"); /* @NAME@ */\n",
	    strlen("MODULE_VERSION(\"@VERSION@\"); /* @NAME@ */\n"), 0644);
	put("t/.ci/run.sh", "#!/bin/sh\necho @NAME@\n", strlen("#!/bin/sh\necho @NAME@\n"), 0755);
	put("t/blob.bin", blob, sizeof(blob), 0644);
	snprintf(src, sizeof(src), "%s/t", tmpdir);
	snprintf(dest, sizeof(dest), "%s/out", tmpdir);

	assert_int_equal(kbtf_template_copy(src, dest, vars, 3, NULL, NULL), 0);
	text = slurp("out/demo.c", &n);
	assert_string_equal(text, "MODULE_VERSION(\"1.2.3\"); /* demo */\n");
	free(text);
	text = slurp("out/.ci/run.sh", &n);
	assert_string_equal(text, "#!/bin/sh\necho demo\n");
	free(text);
	snprintf(dest, sizeof(dest), "%s/out/.ci/run.sh", tmpdir);
	assert_int_equal(stat(dest, &st), 0);
	assert_true(st.st_mode & S_IXUSR);
	text = slurp("out/blob.bin", &n);
	assert_int_equal(n, sizeof(blob));
	assert_memory_equal(text, blob, sizeof(blob)); /* a NUL: copied as is */
	free(text);

	/* the same destination again: refused, nothing overwritten */
	snprintf(dest, sizeof(dest), "%s/out", tmpdir);
	assert_int_equal(kbtf_template_copy(src, dest, vars, 3, NULL, NULL), -EEXIST);
	/* an empty directory is fine */
	snprintf(dest, sizeof(dest), "%s/empty", tmpdir);
	mkdir(dest, 0755);
	assert_int_equal(kbtf_template_copy(src, dest, vars, 3, NULL, NULL), 0);
	snprintf(src, sizeof(src), "%s/no-such-template", tmpdir);
	assert_int_equal(kbtf_template_copy(src, dest, vars, 3, NULL, NULL), -ENOENT);
}

static void data_path_honours_env(void **state)
{
	char d[512], buf[600];

	(void)state;
	snprintf(d, sizeof(d), "%s/data/templates/module", tmpdir);
	snprintf(buf, sizeof(buf), "mkdir -p '%s'", d);
	assert_int_equal(system(buf), 0);
	snprintf(d, sizeof(d), "%s/data", tmpdir);
	setenv("KBTF_DATA_DIR", d, 1);
	assert_int_equal(kbtf_data_path("templates/module", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "/data/templates/module"));
	assert_int_equal(kbtf_data_path("no/such/thing", buf, sizeof(buf)), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "KBTF_DATA_DIR"));
	unsetenv("KBTF_DATA_DIR");
}

static void module_names(void **state)
{
	(void)state;
	assert_int_equal(kbtf_module_name_check("demo"), 0);
	assert_int_equal(kbtf_module_name_check("my_driver2"), 0);
	assert_int_equal(kbtf_module_name_check("9lives"), -EINVAL);
	assert_int_equal(kbtf_module_name_check("my-mod"), -EINVAL);
	assert_int_equal(kbtf_module_name_check(""), -EINVAL);
	assert_int_equal(
	    kbtf_module_name_check("a234567890123456789012345678901234567890123456789012345"), 0);
	assert_int_equal(
	    kbtf_module_name_check("a2345678901234567890123456789012345678901234567890123456"),
	    -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(subst_replaces_known_keys_only),
	    cmocka_unit_test(copy_instantiates_a_tree),
	    cmocka_unit_test(data_path_honours_env),
	    cmocka_unit_test(module_names),
	};

	return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
